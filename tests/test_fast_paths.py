"""The fast paths give exactly what the careful paths give.

- `compiler.frontend.yaml_fast` (libyaml events) builds the same data, value spans and
  key spans as the careful PyYAML composer, and gives up (returns None) on
  anything the careful loader would diagnose;
- `compiler.frontend.schema_fast` never calls a spec valid that jsonschema rejects,
  and never calls one invalid that jsonschema accepts;
- ruff's formatter (`compiler.ruff_format`, run once per render over every
  generated module) changes only the layout of what the targets wrote, and
  `ruff format --check` then passes on each module;
- the libyaml emitter writes the same YAML as PyYAML's.
"""

from __future__ import annotations

import copy
import random
import sys
from pathlib import Path, PurePosixPath
from typing import Any

import pytest
import yaml

from compiler.frontend import loader
from compiler.frontend import yaml_fast
from compiler.diagnostics import SpecError
from compiler.frontend.schema_fast import INVALID, VALID
from compiler.frontend.validate import _quick_check, _validator
from tests.conftest import ROOT, SPECS

sys.path.insert(0, str(ROOT / "benchmarks"))
import synth  # noqa: E402

SEEDS = [p.read_text("utf-8") for p in sorted(SPECS.glob("*.yaml"))] + [synth.spec_text(i) for i in (0, 1, 5, 10)]

PIECES = [
    "&a ", "*a", "!!str ", "!foo ", ": ", "- ", "[", "]", "{", "}", "\t", '"', "'", "#", "? ", "|\n  x", ">\n",
    "\n", "  ", "\u2028", "\x85", "é", "😀", "0x1F", "1e3", "yes", "~", "2020-01-01", ",", "%YAML 1.1\n---\n",
    "---\n", "...\n", "\r\n", "key: v\n", ".inf", "0o17", "1_000", "-.5", "null", "True", "\ufeff", "\x07", ">#",
]


def careful(text: str) -> loader.Document | None:
    original = yaml_fast.fast_document
    yaml_fast.fast_document = lambda t, f: None  # type: ignore[assignment]
    try:
        return loader.parse_text(text.encode("utf-8", "surrogatepass"), "f.yaml")
    except SpecError:
        return None
    except Exception:  # noqa: BLE001 - the careful path's own bugs are not this test's business
        return None
    finally:
        yaml_fast.fast_document = original  # type: ignore[assignment]


def same(a: loader.Document, b: loader.Document) -> bool:
    return repr(a.data) == repr(b.data) and a.spans == b.spans and a.key_spans == b.key_spans


@pytest.mark.parametrize("text", SEEDS)
def test_fast_loader_matches_on_real_specs(text: str) -> None:
    fast = yaml_fast.fast_document(text, "f.yaml")
    slow = careful(text)
    assert fast is not None and slow is not None and same(fast, slow)


def test_fast_loader_matches_or_gives_up_on_mutated_specs() -> None:
    rng = random.Random(20261126)
    answered = 0
    for _ in range(3000):
        text = rng.choice(SEEDS)
        for _ in range(rng.randint(1, 4)):
            i = rng.randrange(len(text) + 1)
            if rng.random() < 0.3:
                text = text[:i] + text[i + rng.randint(1, 20) :]
            else:
                text = text[:i] + rng.choice(PIECES) + text[i:]
        fast = yaml_fast.fast_document(text, "f.yaml")
        if fast is None:
            continue
        answered += 1
        slow = careful(text)
        assert slow is not None and same(fast, slow), text
    assert answered > 300  # the fast path answers for most documents


# Prose that used to send every document to the careful path (any `? ` or `|x`
# in the text): a `?` or a block scalar header is an indicator only where a
# token starts, so the fast path answers for these, and answers the same.
PROSE = [
    "title: Why? Because the dashboard shows placeholders\n",
    'title: "tag -> project -> owner | a > b"\n',
    "title: a|b and c>d, never ? at a token start\n",
    'title: "<b>bold</b>? yes --> no"\n',
    "title: >-\n  Is it? It is -> here.\n",
]


@pytest.mark.parametrize("line", PROSE)
def test_fast_loader_answers_for_prose_with_question_marks_and_bars(line: str) -> None:
    text = SEEDS[0]
    start = text.index("\ntitle:") + 1
    text = text[:start] + line + text[text.index("\n", start) + 1 :]
    fast = yaml_fast.fast_document(text, "f.yaml")
    slow = careful(text)
    assert fast is not None, "the fast path gave up on plain prose"
    assert slow is not None and same(fast, slow)


@pytest.mark.parametrize("flow", ["{a: b?c}", "[x? y]", "{a?: b}", "[a, ? b]"])
def test_fast_loader_leaves_question_marks_in_flow_collections_to_the_careful_path(flow: str) -> None:
    """PyYAML ends a plain scalar at `?` inside a flow collection; libyaml does not."""
    text = SEEDS[0] + f"extra: {flow}\n"
    assert yaml_fast.fast_document(text, "f.yaml") is None


def _paths(x: Any, p: tuple[Any, ...] = ()) -> Any:
    yield p
    if isinstance(x, dict):
        for k, v in x.items():
            yield from _paths(v, p + (k,))
    elif isinstance(x, list):
        for i, v in enumerate(x):
            yield from _paths(v, p + (i,))


def test_quick_schema_check_agrees_with_jsonschema() -> None:
    quick = _quick_check()
    assert quick is not None, "the spec schema uses a keyword schema_fast does not know"
    validator = _validator()
    docs = [yaml.safe_load(t) for t in SEEDS]
    for d in docs:
        assert quick(d) == VALID
    values: list[Any] = [None, True, False, 0, 1, -1, 1.0, 2.5, "", "x", "GET", "string", "users.theme", "Bad Name",
                         [], {}, ["a"], ["a", "a"], [1], {"a": 1}, "x" * 300, 10**6, {"list": "t"}, {"metric": "m"},
                         {"query": "q"}, {"column": "users.x"}]
    rng = random.Random(7)
    seen = {VALID: 0, INVALID: 0}
    for _ in range(4000):
        d = copy.deepcopy(rng.choice(docs))
        for _ in range(rng.randint(1, 3)):
            path = rng.choice(list(_paths(d))[1:])
            parent = d
            for k in path[:-1]:
                parent = parent[k]
            r = rng.random()
            if r < 0.5:
                parent[path[-1]] = copy.deepcopy(rng.choice(values))
            elif r < 0.7 and isinstance(parent, dict):
                del parent[path[-1]]
            elif isinstance(parent, dict):
                parent[rng.choice(["zz", "kind", "auth", "max", "type", "list", "fields", "add"])] = copy.deepcopy(rng.choice(values))
        answer = quick(d)
        errors = list(validator.iter_errors(d))
        if answer == VALID:
            assert not errors, d
        elif answer == INVALID:
            assert errors, d
        if answer in seen:
            seen[answer] += 1
    assert seen[VALID] > 100 and seen[INVALID] > 100


@pytest.fixture(scope="module")
def generated_modules(tmp_path_factory: pytest.TempPathFactory) -> list[tuple[str, str, str]]:
    """(path, what the target wrote, what the render gives) of every Python
    module of the seed and 12 synthetic specs."""
    import targets
    from compiler.emit import headed, render_tree
    from compiler.project import build_project

    root = tmp_path_factory.mktemp("synthetic")
    synth.write_project(root, 12)
    out: list[tuple[str, str, str]] = []
    for specs in (SPECS, root / "specs"):
        project = build_project(specs, specs.parent)
        tree = render_tree(project)
        for target in targets.registered():
            if target.reads_tree:
                continue
            for name, text in headed(target, target.emit(project)).items():
                if name.endswith(".py"):
                    out.append((name, text, tree[PurePosixPath(name)]))
    return out


def test_ruff_changes_only_the_layout_of_generated_modules(generated_modules: list[tuple[str, str, str]]) -> None:
    """The formatted module is the program the target wrote, and the targets
    really leave layout to ruff (else this test would check nothing)."""
    import ast

    assert len(generated_modules) > 40
    changed = 0
    for path, raw, formatted in generated_modules:
        assert ast.dump(ast.parse(formatted)) == ast.dump(ast.parse(raw)), path
        changed += raw != formatted
    assert changed > len(generated_modules) // 2


def test_every_generated_module_passes_ruff_format_check(generated_modules: list[tuple[str, str, str]]) -> None:
    from compiler.ruff_format import check_python

    problems = check_python([formatted for _, _, formatted in generated_modules])
    assert [(path, str(p)) for (path, _, _), p in zip(generated_modules, problems) if p] == []


def test_format_python_keeps_order_and_checks_what_it_is_given() -> None:
    """Many modules in one ruff process come back in order; a module that
    does not parse is an error, not silently passed through."""
    from compiler.ruff_format import FormatError, check_python, format_python

    sources = [f"x{i} = [ {i},{i} ]\n" for i in range(30)]
    assert format_python(sources) == [f"x{i} = [{i}, {i}]\n" for i in range(30)]
    assert format_python(["y=1\n"]) == ["y = 1\n"]
    assert format_python([]) == []
    with pytest.raises(FormatError):
        format_python(["x = 1\n", "def f(:\n"])
    assert check_python(["x = 1\n", "x=1\n"])[0] is None
    assert check_python(["x = 1\n", "x=1\n"])[1].code == "unformatted"  # type: ignore[union-attr]


def test_ruff_ignores_the_callers_configuration(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A ruff.toml / pyproject.toml in the working folder or RUFF_* variables
    must not change the bytes specc generates."""
    from compiler.ruff_format import format_python

    source = ["def f(a, b):\n    return {'a': a, 'b': b}\n", "x = 'y'\n"]
    before = format_python(source)
    (tmp_path / "ruff.toml").write_text('line-length = 20\n[format]\nquote-style = "single"\nindent-style = "tab"\n')
    (tmp_path / "pyproject.toml").write_text('[tool.ruff]\nline-length = 20\n')
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("RUFF_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.setenv("RUFF_OUTPUT_FORMAT", "json")
    assert format_python(source) == before
    assert format_python(source[:1]) == before[:1]
    assert before[1] == 'x = "y"\n'
    assert not (tmp_path / ".ruff_cache").exists() and not (tmp_path / "cache").exists()


def test_libyaml_emitter_writes_pyyaml_bytes() -> None:
    from targets import openapi

    rng = random.Random(3)
    alphabet = "abc :#-'\"\\\n\t{}[]&*!|>%@`é😀\u2028\x85\x00\x7f"
    for _ in range(300):
        doc = {
            "".join(rng.choice(alphabet) for _ in range(rng.randint(0, 8))): [
                "".join(rng.choice(alphabet) for _ in range(rng.randint(0, 30))),
                rng.randint(-5, 5),
                {"k": None, "t": True},
            ]
            for _ in range(3)
        }
        pure = yaml.safe_dump(doc, sort_keys=True, allow_unicode=True, width=2**31 - 1, default_flow_style=False)
        assert openapi.dump(doc) == pure


def test_project_openapi_assembled_from_fragments_is_the_full_dump(tmp_path: Path) -> None:
    from compiler.project import build_project
    from targets import openapi

    synth.write_project(tmp_path, 6)
    odd = tmp_path / "specs" / f"{synth.spec_id(3)}.yaml"
    text = odd.read_text("utf-8")
    title = next(line for line in text.splitlines() if line.startswith("title: "))
    odd.write_text(text.replace(title, 'title: "Synthétique 😀 \\u2028 feature"'), "utf-8")
    for specs in (SPECS, tmp_path / "specs"):
        project = build_project(specs, specs.parent)
        with_endpoints = tuple(s for s in project.specs if s.endpoints or s.resources)
        full = openapi.dump(openapi.build_document(with_endpoints, openapi.PROJECT_TITLE, openapi.PROJECT_DESCRIPTION))
        fragments = {s.id: openapi.spec_fragment(project, s) for s in project.specs}
        assembled = openapi.emit_project(project, fragments)
        assert assembled[Path("_project") / "openapi.yaml"] == full  # type: ignore[index]


def test_test_names_line_scan_equals_an_ast_walk(tmp_path: Path) -> None:
    """`names_of_tests` scans lines; on generated test modules (seed, synthetic,
    and a module with test-like text inside strings) it equals an ast walk."""
    import ast

    from compiler.review.draft.pieces import names_of_tests
    from compiler.project import build_project
    from targets.fastapi import contract_tests

    synth.write_project(tmp_path, 12)
    modules = []
    for specs in (SPECS, tmp_path / "specs"):
        project = build_project(specs, specs.parent)
        for spec in project.specs:
            modules += [t for p, t in contract_tests.emit_spec(project, spec).items() if p.suffix == ".py"]
    modules.append('"""def test_not_a_test():"""\n\n\ndef test_real() -> None:\n    x = "def test_nope("\n\n\nasync def test_async() -> None:\n    pass\n')
    assert len(modules) > 10
    for text in modules:
        walked = sorted(n.name for n in ast.walk(ast.parse(text)) if isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef)) and n.name.startswith("test_"))
        assert names_of_tests(text) == walked


def test_a_missing_ruff_is_reported_without_a_traceback(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    import shutil

    import compiler.ruff_format as ruff_format
    from compiler.cli import EXIT_INTERNAL, main

    shutil.copytree(SPECS, tmp_path / "specs")
    monkeypatch.setattr(ruff_format, "ruff_bin", lambda: str(tmp_path / "no-such-ruff"))
    # Layouts this process already made need no ruff; start without them.
    monkeypatch.setattr(ruff_format, "_LAID_OUT", {})
    rc = main(["compile", "--no-cache", "--specs", str(tmp_path / "specs"), "--out", str(tmp_path / "out")])
    err = capsys.readouterr().err
    assert rc == EXIT_INTERNAL
    assert err.startswith("specc: cannot format the generated Python: cannot run ruff:"), err
    assert "Traceback" not in err
    assert not (tmp_path / "out").exists()  # nothing half-formatted was written


def test_format_python_remembers_layouts_and_still_formats_new_text(monkeypatch: pytest.MonkeyPatch) -> None:
    """A module laid out once in this process is not sent to ruff again; a new
    one is, and both come back as ruff lays them out."""
    import compiler.ruff_format as ruff_format

    monkeypatch.setattr(ruff_format, "_LAID_OUT", {})
    sent: list[list[str]] = []
    real = ruff_format._format_with_ruff

    def spy(sources: list[str]) -> list[str]:
        sent.append(list(sources))
        return real(sources)

    monkeypatch.setattr(ruff_format, "_format_with_ruff", spy)
    a, b = "x=( 1 ,)\n", "def f( ):\n  return 2\n"
    assert ruff_format.format_python([a]) == ["x = (1,)\n"]
    assert ruff_format.format_python([a, b, b]) == ["x = (1,)\n", "def f():\n    return 2\n", "def f():\n    return 2\n"]
    assert sent == [[a], [b]]
