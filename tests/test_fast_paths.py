"""The fast paths give exactly what the careful paths give.

- `compiler.yaml_fast` (libyaml events) builds the same data, value spans and
  key spans as the careful PyYAML composer, and gives up (returns None) on
  anything the careful loader would diagnose;
- `compiler.schema_fast` never calls a spec valid that jsonschema rejects,
  and never calls one invalid that jsonschema accepts;
- `compiler.pyformat.format_module` is `black.format_str` byte for byte on
  every Python module the targets generate;
- the libyaml emitter writes the same YAML as PyYAML's.
"""

from __future__ import annotations

import copy
import random
import sys
from pathlib import Path
from typing import Any

import black
import pytest
import yaml

from compiler import loader, yaml_fast
from compiler.diagnostics import SpecError
from compiler.schema_fast import INVALID, VALID
from compiler.validate import _quick_check, _validator
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
def generated_sources(tmp_path_factory: pytest.TempPathFactory) -> list[tuple[str, str]]:
    """(source, clean) of every module the targets format, for seed and synthetic specs."""
    import compiler.pyformat as pyformat
    import targets
    from compiler.project import build_project

    root = tmp_path_factory.mktemp("synthetic")
    synth.write_project(root, 12)
    seen: list[tuple[str, str]] = []
    original = pyformat.format_module

    def spy(source: str, clean: str = "") -> str:
        seen.append((source, clean))
        return original(source, clean)

    modules = [targets.module(n) for n in targets.TARGETS]
    patched = [m for m in modules if getattr(m, "format_module", None) is original]
    for m in patched:
        m.format_module = spy  # type: ignore[attr-defined]
    try:
        for specs in (SPECS, root / "specs"):
            project = build_project(specs, specs.parent)
            for t in targets.registered():
                if not t.reads_tree:
                    t.emit(project)
    finally:
        for m in patched:
            m.format_module = original  # type: ignore[attr-defined]
    assert seen
    return seen


def test_format_module_is_black_formatted_and_the_same_program(generated_sources: list[tuple[str, str]]) -> None:
    """black leaves the output unchanged, and it is the program it was given."""
    import ast

    from compiler.pyformat import format_module

    for source, clean in generated_sources:
        out = format_module(source, clean)
        assert black.format_str(out, mode=black.Mode()) == out
        assert ast.dump(ast.parse(out)) == ast.dump(ast.parse(source))


def test_format_module_needs_no_black_for_the_synthetic_specs(generated_sources: list[tuple[str, str]], monkeypatch: pytest.MonkeyPatch) -> None:
    """The per-spec statements of the synthetic specs are all laid out by
    `compiler.pylayout`: black runs only on the fixed helpers and skeletons,
    which are memoized, so a second spec's modules need no black at all."""
    import compiler.pyformat as pyformat

    calls: list[str] = []
    real = pyformat._black.__wrapped__
    monkeypatch.setattr(pyformat, "_black", lambda chunk: calls.append(chunk) or real(chunk))
    pyformat._LAID_OUT.clear()
    for source, clean in generated_sources:
        pyformat.format_module(source, clean)
    first_lines = {c.splitlines()[0] for c in calls}
    # Statements of generated code that vary per spec never reach black.
    assert not any("F00" in line for line in first_lines), sorted(first_lines)[:5]


def test_templates_fixed_statements_are_black_formatted(generated_sources: list[tuple[str, str]]) -> None:
    """`clean` statements are trusted unformatted: they must already be black's output.
    (If this fails, run black on the template's fixed code.)"""
    import ast

    for source, clean in generated_sources:
        if not clean:
            continue
        lines = source.splitlines(keepends=True)
        for node in ast.parse(source).body:
            decorators = getattr(node, "decorator_list", None)
            start = (decorators[0].lineno if decorators else node.lineno) - 1
            chunk = "".join(lines[start : node.end_lineno])
            if chunk in clean:
                assert black.format_str(chunk, mode=black.Mode()) == chunk, chunk[:200]


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
        with_endpoints = tuple(s for s in project.specs if s.endpoints)
        full = openapi.dump(openapi.build_document(with_endpoints, openapi.PROJECT_TITLE, openapi.PROJECT_DESCRIPTION))
        fragments = {s.id: openapi.spec_fragment(project, s) for s in project.specs}
        assembled = openapi.emit_project(project, fragments)
        assert assembled[Path("_project") / "openapi.yaml"] == full  # type: ignore[index]


def test_test_names_line_scan_equals_an_ast_walk(tmp_path: Path) -> None:
    """`names_of_tests` scans lines; on generated test modules (seed, synthetic,
    and a module with test-like text inside strings) it equals an ast walk."""
    import ast

    from compiler.draft.pieces import names_of_tests
    from compiler.project import build_project
    from targets import contract_tests

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
