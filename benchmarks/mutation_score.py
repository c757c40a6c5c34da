"""The mutation score of the generated contract tests: how many small,
deliberate bugs in the generated application code they catch.

    python benchmarks/mutation_score.py --mutants 80 --json benchmarks/results/mutation.json

A mutant is the rendered tree of the project (default: the bundled specs)
with one token of one generated application module changed, the way a real
slip would change it: a comparison loosened or flipped (`<` and `<=`, `==`
and `!=`), `and` and `or` swapped, a `not` dropped, `True` and `False`
swapped, an integer off by one.  Only tokens inside function bodies of the
application modules are mutated (the shared runtime, each spec's routes and
validators, the app), and in each spec's constraint tables (`CONSTRAINT_TABLES`:
its caps, request rules and resources, which the shared runtime reads as
data; there only numbers and `True`/`False`): not the tests, not the SQL
strings.  The mutants are a deterministic sample (`--seed`) of every such
token.

Each mutant runs `specc check` (`run_checks`) for the specs whose code it
touched (every spec for the shared runtime and the app).  It is **killed**
when the build or the tests (migrations and contract tests) fail, **lint**
when only the lint step fails (the edit broke the module's layout, which the
score does not count), and **survived** otherwise.  The score is killed /
(killed + survived), over mutants on lines the contract tests run (measured
first, by tracing one run of them): a mutant in code no checked spec reaches
(the MySQL branch of a helper when `specc check` runs on SQLite, a column
kind no spec uses) cannot be caught by any test, and is counted apart.
Survivors are listed with their place.  A survivor `KNOWN` lists as
**equivalent** (no observable behaviour of the rendered tree can change: the
reason is recorded with it) is counted as `equivalent`, apart from the score;
it still runs, and one that is killed is reported as killed, its listing
wrong.  `KNOWN` also notes survivors that are real but out of the contract
tests' reach (an engine `specc check` does not run): those stay survivors.
The raw score, with the equivalent ones counted as survivors, is printed and
recorded too.

Not part of the test suite (tests/test_mutation_score.py checks the mutant
generator and one kill); the raw results go to `--json`.
"""

from __future__ import annotations

import argparse
import ast
import io
import json
import random
import sys
import time
import tokenize
from concurrent.futures import ThreadPoolExecutor
from dataclasses import asdict, dataclass
from pathlib import Path, PurePosixPath

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from compiler import pypackage  # noqa: E402
from compiler.ir import Project  # noqa: E402

# token text -> its mutation
SWAPS = {
    "<": "<=",
    "<=": "<",
    ">": ">=",
    ">=": ">",
    "==": "!=",
    "!=": "==",
    "and": "or",
    "or": "and",
    "True": "False",
    "False": "True",
}


# Module-level tables of a spec's modules that hold its constraints as data
# (the runtime's checks read them): module -> table names.
CONSTRAINT_TABLES = {"validators.py": ("CAPS", "REQUEST_RULES", "QUERY_RULES"), "routes.py": ("RESOURCES",)}
TABLE_TOKENS = ("True", "False")


@dataclass(frozen=True)
class Known:
    """A survivor understood: `equivalent` (cannot change what the tree does:
    excluded from the score) or `unreachable` (a real change that no contract
    test of `specc check` can observe: still a survivor).  It matches a mutant
    by module ("" for every spec's), the stripped text of its line, the token
    change and, when the token occurs more than once there, which occurrence
    (`nth`, from 0)."""

    kind: str
    path: str
    line_text: str
    old: str
    new: str
    why: str
    nth: int | None = None
    # For a line text that recurs: the function it is in, and which of its
    # lines with that text (from 0).
    func: str | None = None
    func_nth: int = 0


KNOWN = (
    Known("equivalent", "specc_app/runtime/validation.py", 'word = unicodedata.name(ch, "?").split(" ", 1)[0]', "1", "2",
          "the first word of a split is the same whatever the maximum number of splits"),
    Known("equivalent", "specc_app/runtime/validation.py", "mapped = idna.uts46_remap(label, std3_rules=True, transitional=False)", "False", "True",
          "transitional mapping differs only on the four deviation characters (ß, ς, ZWJ, ZWNJ), which the URL rules refuse before this line runs"),
    Known("equivalent", "specc_app/runtime/validation.py", "return False, None", "False", "True",
          "every `False` of a value check comes with an error appended, so the request is refused and the cleaned body dropped; "
          "the sibling host rule skips a None value exactly as an absent one"),
    Known("equivalent", "specc_app/runtime/http.py", "if status >= 400:", ">=", ">",
          "no route of the tree answers 400 (request errors are 422), so only 400 itself would tell the two apart"),
    Known("equivalent", "specc_app/runtime/http.py", "if methods and path:", "and", "or",
          "every route of a generated router is an APIRoute, which has both methods and a path"),
    Known("equivalent", "specc_app/runtime/http.py", "if validate_query is not None and query is not None:", "and", "or",
          "every route passes both the query and its validator, or neither"),
    Known("equivalent", "specc_app/runtime/http.py", 'path_params.get(cfg["item"][0]), cfg["item"][1], cfg["item"][0]', "0", "1",
          "serve_resource's key check repeats resource_keys, the dependency every resource route declares, which has already "
          "refused a malformed key; the changed error path is never sent", nth=1),
    Known("equivalent", "specc_app/runtime/http.py", 'path_params.get(cfg["parent"][0]), cfg["parent"][1], cfg["parent"][0]', "0", "1",
          "as for the item key: resource_keys has already refused a malformed parent key", nth=1),
    Known("equivalent", "specc_app/runtime/http.py", "and refused.status == 404", "404", "405",
          "the branch needs `delete_missing: 204`, which no resource of the tree declares; the condition is false either way"),
    Known("equivalent", "specc_app/runtime/models.py", "if found is not None:", "not ", "",
          "only the nested models of a constructed body change, and nothing reads them: routes and hooks get the validator's "
          "cleaned dict (`runtime.cleaned`)"),
    Known("equivalent", "", '"not_owner": 404,', "404", "405",
          "the runtime compares not_owner only with 403: any other value answers 404"),
    Known("equivalent", "", '"delete_missing": 404,', "404", "405",
          "the runtime compares delete_missing only with 204: any other value answers 404"),
    Known("unreachable", "specc_app/runtime/validation.py", "if allowed_hosts is not None and not _host_allowed(host, allowed_hosts):", "not ", "",
          "the served app never passes allowed_hosts (its host rules depend on a sibling field and run in _check_object); "
          "only user code calling normalize_url can (tests/test_url_corpus.py tests it)", nth=1),
    Known("equivalent", "specc_app/runtime/validation.py", "or not any(lo <= ord(ch) <= hi for lo, hi in _LATIN_RANGES)", "<=", "<",
          "the first letter of each block is never a mapped label's: ß (U+00DF) is a deviation character, refused before "
          "this line runs, and Ā (U+0100) and Ḁ (U+1E00) are capitals, which UTS #46 maps to the next code point", nth=0),
    Known("unreachable", "specc_app/runtime/validation.py", "return False", "False", "True",
          "after the too_short error is appended: a string field is refused all the same; only a URL column with a minimum "
          "length would go on to normalise (a second error), and no bundled spec has one", func="_check_string", func_nth=0),
    Known("unreachable", "specc_app/runtime/http.py", 'if dialect == "sqlite" and not conn.in_transaction:', "and", "or",
          "on SQLite both read the same (a resource write starts outside a transaction); only PostgreSQL and MySQL "
          "connections, which the engine tests use and specc check does not, would be sent BEGIN IMMEDIATE"),
    Known("equivalent", "specc_app/runtime/validation.py", "return False", "False", "True",
          "after the too_long error is appended: a string field's check returns at once and the request is refused; "
          "a URL field checks only its minimum here", func="_check_string", func_nth=1),
    Known("equivalent", "specc_app/runtime/http.py", "return int(row[0] or 0) if row else 0", "0", "1",
          "a COUNT query always returns one row", nth=2),
    Known("equivalent", "", "auth=True,", "True", "False",
          "every route with auth=True also depends on signed_in, which refuses a request without a user before serve runs"),
    Known("equivalent", "specc_app/reading_lists/validators.py", 'CAPS: dict[str, int] = {"reading_list_items": 50, "reading_lists": 20}', "50", "51",
          "resources read their cap from RESOURCES (serve_resource); nothing reads the CAPS entries of resource tables"),
    Known("equivalent", "specc_app/reading_lists/validators.py", 'CAPS: dict[str, int] = {"reading_list_items": 50, "reading_lists": 20}', "20", "21",
          "resources read their cap from RESOURCES (serve_resource); nothing reads the CAPS entries of resource tables"),
    Known("unreachable", "specc_app/runtime/http.py", 'hook = getattr(services, name, None) if services is not None else None', "not ", "",
          "service hooks are user code; the check app passes services=None, and getattr(None, name, None) is None too"),
    Known("unreachable", "specc_app/runtime/http.py", 'lock = verb != "get"', "!=", "==",
          "SQLite has no row locks: its locking and plain ownership queries are the same statement (PostgreSQL and MySQL "
          "add FOR UPDATE; the engine tests run those)"),
    Known("unreachable", "specc_app/runtime/http.py", 'if "IntegrityError" in _names(exc) and _unique_violation(exc):', "and", "or",
          "differs only for an IntegrityError that is not a unique violation, which no request the validators accept causes"),
    Known("unreachable", "specc_app/reading_lists/routes.py", '"page_default": 20,', "20", "21",
          "through the API a user has at most 20 lists (the cap, counted in the create's transaction), so a default page "
          "of 20 or 21 shows the same rows; only rows written around the API could tell"),
    Known("unreachable", "specc_app/runtime/http.py", "if args and args[0] == 1062:", "1062", "1063",
          "MySQL's duplicate-key error number: specc check runs on SQLite (the engine tests run MySQL)"),
    Known("unreachable", "specc_app/runtime/http.py", 'state = getattr(exc, "sqlstate", None) or getattr(exc, "pgcode", None)', "or", "and",
          "PostgreSQL drivers' SQLSTATE: specc check runs on SQLite"),
    Known("unreachable", "specc_app/runtime/http.py", 'if kind == "timestamp" and value.tzinfo is None:', "and", "or",
          "only PostgreSQL returns time-zone-aware datetimes; SQLite returns text, parsed naive"),
    Known("unreachable", "specc_app/runtime/http.py", "if hook is not None and not callable(hook):", "not ", "",
          "service hooks are user code; the check app has none (tests/test_service_hooks.py tests them)", nth=1),
    Known("unreachable", "specc_app/runtime/http.py", "return found[0], found[1]", "0", "1",
          "service hooks are user code; the check app has none, so both are None (tests/test_service_hooks.py tests them)"),
)


def known(mutant: Mutant, text: str) -> Known | None:
    """The KNOWN entry of `mutant` in its module's `text`, if any."""
    row = text.splitlines()[mutant.line - 1]
    line = row.strip()
    col = mutant.col - (len(row) - len(row.lstrip()))
    for entry in KNOWN:
        same = entry.path in ("", mutant.path) and entry.line_text == line and (entry.old, entry.new) == (mutant.old, mutant.new)
        if not same or (entry.nth is not None and _nth(line, entry.old, entry.nth) != col):
            continue
        if entry.func is None or _place_in_function(text, mutant.line) == (entry.func, entry.func_nth):
            return entry
    return None


def _place_in_function(text: str, line: int) -> tuple[str, int] | None:
    """The innermost function holding `line`, and which of its lines with the
    same stripped text it is (from 0)."""
    rows = text.splitlines()
    inner = None
    for node in ast.walk(ast.parse(text)):
        holds = isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)) and node.lineno <= line <= (node.end_lineno or node.lineno)
        if holds and (inner is None or node.lineno > inner.lineno):
            inner = node
    if inner is None:
        return None
    same = [n for n in range(inner.lineno, line + 1) if rows[n - 1].strip() == rows[line - 1].strip()]
    return inner.name, len(same) - 1


def _nth(line: str, token: str, n: int) -> int:
    """Where the `n`-th occurrence (from 0) of `token` starts in `line` (-1: none)."""
    at = -1
    for _ in range(n + 1):
        at = line.find(token, at + 1)
        if at < 0:
            break
    return at


@dataclass(frozen=True)
class Mutant:
    path: str  # the module, relative to the output root
    line: int
    col: int
    old: str
    new: str

    @property
    def label(self) -> str:
        return f"{self.path}:{self.line}:{self.col + 1}: {self.old!r} -> {self.new!r}"


def application_modules(tree: dict[PurePosixPath, str]) -> list[PurePosixPath]:
    """The generated modules that run in the application (not the tests)."""
    out = []
    for path in sorted(tree):
        if path.suffix != ".py" or not path.parts or path.parts[0] != pypackage.PACKAGE:
            continue
        if path.name in ("testing.py", "__init__.py") or path.name.startswith("test_"):
            continue
        if "backfills" in path.parts:
            continue  # not served: the backfill engine tests and the URL corpus test them
        out.append(path)
    return out


def _function_lines(text: str) -> set[int]:
    """Lines inside function bodies, without their docstrings."""
    lines: set[int] = set()
    for node in ast.walk(ast.parse(text)):
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            body = node.body
            if body and isinstance(body[0], ast.Expr) and isinstance(body[0].value, ast.Constant) and isinstance(body[0].value.value, str):
                body = body[1:]
            for stmt in body:
                lines.update(range(stmt.lineno, (stmt.end_lineno or stmt.lineno) + 1))
    return lines


def _table_lines(path: PurePosixPath, text: str) -> set[int]:
    """Lines of the constraint tables of a spec's module (CONSTRAINT_TABLES)."""
    spec_module = len(path.parts) == 3 and path.parts[1] != "runtime"
    names = CONSTRAINT_TABLES.get(path.name, ()) if spec_module else ()
    lines: set[int] = set()
    for node in ast.parse(text).body:
        target = node.target if isinstance(node, ast.AnnAssign) else node.targets[0] if isinstance(node, ast.Assign) else None
        if isinstance(target, ast.Name) and target.id in names:
            lines.update(range(node.lineno, (node.end_lineno or node.lineno) + 1))
    return lines


def mutants_of(path: PurePosixPath, text: str) -> list[Mutant]:
    """Every mutant of one module, in source order."""
    inside = _function_lines(text)
    tables = _table_lines(path, text)
    tokens = list(tokenize.generate_tokens(io.StringIO(text).readline))
    out: list[Mutant] = []
    for i, tok in enumerate(tokens):
        line, col = tok.start
        if tok.start[0] != tok.end[0]:
            continue
        if line in tables and line not in inside:
            if tok.type == tokenize.NUMBER and tok.string.isdigit():
                out.append(Mutant(path.as_posix(), line, col, tok.string, str(int(tok.string) + 1)))
            elif tok.type == tokenize.NAME and tok.string in TABLE_TOKENS:
                out.append(Mutant(path.as_posix(), line, col, tok.string, SWAPS[tok.string]))
            continue
        if line not in inside:
            continue
        following = tokens[i + 1].string if i + 1 < len(tokens) else ""
        if tok.string in SWAPS and tok.type in (tokenize.OP, tokenize.NAME):
            out.append(Mutant(path.as_posix(), line, col, tok.string, SWAPS[tok.string]))
        elif tok.type == tokenize.NAME and tok.string == "not" and following != "in":
            out.append(Mutant(path.as_posix(), line, col, "not ", ""))
        elif tok.type == tokenize.NUMBER and tok.string.isdigit():
            out.append(Mutant(path.as_posix(), line, col, tok.string, str(int(tok.string) + 1)))
    return out


def apply(tree: dict[PurePosixPath, str], mutant: Mutant) -> dict[PurePosixPath, str]:
    """`tree` with `mutant` applied (exactly at its place)."""
    key = PurePosixPath(mutant.path)
    lines = tree[key].splitlines(keepends=True)
    row = lines[mutant.line - 1]
    if row[mutant.col : mutant.col + len(mutant.old)] != mutant.old:
        raise ValueError(f"{mutant.label}: the token is not there")
    lines[mutant.line - 1] = row[: mutant.col] + mutant.new + row[mutant.col + len(mutant.old) :]
    mutated = dict(tree)
    mutated[key] = "".join(lines)
    return mutated


def specs_for(project: Project, path: str) -> list[str]:
    """The specs whose checks run the module at `path` (all for shared ones)."""
    parts = PurePosixPath(path).parts
    by_package = {pypackage.spec_package(s.id).parts[1]: s.id for s in project.specs}
    if len(parts) > 2 and parts[1] in by_package:
        return [by_package[parts[1]]]
    return [s.id for s in project.specs]


# Runs the kept tree's contract tests in-process, recording every line of the
# generated package that runs (the app runs in TestClient's thread, too).
_TRACER = """
import json, os, sys, threading
import pytest
root, out, files = sys.argv[1], sys.argv[2], sys.argv[3:]
prefix = os.path.join(root, "specc_app") + os.sep
hits = set()
def local(frame, event, arg):
    if event == "line":
        hits.add((frame.f_code.co_filename, frame.f_lineno))
    return local
def calls(frame, event, arg):
    if frame.f_code.co_filename.startswith(prefix):
        hits.add((frame.f_code.co_filename, frame.f_lineno))
        return local
    return None
sys.settrace(calls)
threading.settrace(calls)
os.chdir(root)
pytest.main(["-q", "-p", "no:cacheprovider", "--import-mode=importlib", "-c", os.path.join(root, "pytest.ini"), "--rootdir", root, *files])
sys.settrace(None)
with open(out, "w") as fh:
    json.dump(sorted([os.path.relpath(f, root), n] for f, n in hits), fh)
"""


def reached_lines(project: Project, tree: dict[PurePosixPath, str]) -> set[tuple[str, int]]:
    """(module path, line) of every generated line the contract tests run."""
    import subprocess
    import tempfile

    from compiler.check.run import run_checks

    with tempfile.TemporaryDirectory(prefix="specc-mutation-") as tmp:
        work = Path(tmp)
        result = run_checks(project, tree=tree, workdir=work)
        if not result.success:
            raise SystemExit(f"the unmutated tree does not pass specc check: {result.message}")
        out = work / "tree"
        files = sorted(str(p) for p in out.glob("*/test_contract.py"))
        hits = work / "hits.json"
        subprocess.run([sys.executable, "-c", _TRACER, str(out), str(hits), *files], check=True, capture_output=True)
        return {(path, line) for path, line in json.loads(hits.read_text(encoding="utf-8"))}


def verdict(project: Project, tree: dict[PurePosixPath, str], mutant: Mutant) -> str:
    from compiler.check.run import run_checks

    result = run_checks(project, specs_for(project, mutant.path), tree=apply(tree, mutant))
    if result.build.status == "failed" or result.tests.status in ("failed", "not_run"):
        return "killed"
    if result.lint.status == "failed":
        return "lint"
    return "survived"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--specs", type=Path, default=ROOT / "specs")
    parser.add_argument("--mutants", type=int, default=80, help="how many to sample (0: all)")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--jobs", type=int, default=2)
    parser.add_argument("--timeout", type=int, default=0, help="seconds for one mutant's contract tests (0: 4x the unmutated run, at least 60)")
    parser.add_argument("--json", type=Path)
    args = parser.parse_args(argv)

    import compiler.check.run as check_run
    from compiler.emit import render
    from compiler.project import build_project

    project = build_project(args.specs, args.specs.parent)
    tree = dict(render(project))
    started = time.perf_counter()
    every = [m for path in application_modules(tree) for m in mutants_of(path, tree[path])]
    reached = reached_lines(project, tree)
    # A mutant may loop for ever (a loop bound flipped): a timeout is a kill.
    check_run.PYTEST_TIMEOUT_SECONDS = args.timeout or max(60, int(4 * (time.perf_counter() - started)))
    # Mutants on lines no contract test runs cannot be caught by any of
    # them (features no checked spec uses): counted, not run.
    live = [m for m in every if (m.path, m.line) in reached]
    chosen = live if args.mutants <= 0 else sorted(random.Random(args.seed).sample(live, min(args.mutants, len(live))), key=lambda m: (m.path, m.line, m.col))
    with ThreadPoolExecutor(max_workers=args.jobs) as pool:
        ran = list(pool.map(lambda m: verdict(project, tree, m), chosen))
    seconds = time.perf_counter() - started
    notes = [known(m, tree[PurePosixPath(m.path)]) for m in chosen]
    # A listed equivalent that survived is counted apart; one that was
    # killed stays killed (and its listing is wrong: printed below).
    verdicts = ["equivalent" if v == "survived" and n is not None and n.kind == "equivalent" else v for v, n in zip(ran, notes, strict=True)]
    counts = {v: verdicts.count(v) for v in ("killed", "survived", "equivalent", "lint")}
    scored = counts["killed"] + counts["survived"]
    score = counts["killed"] / scored if scored else 0.0
    raw = counts["killed"] / (scored + counts["equivalent"]) if scored + counts["equivalent"] else 0.0
    print(f"mutants: {len(every)} in the application modules, {len(live)} on lines the contract tests run")
    print(
        f"ran {len(chosen)} of those (seed {args.seed}): killed {counts['killed']}, survived {counts['survived']}, "
        f"equivalent {counts['equivalent']}, lint only {counts['lint']}"
    )
    print(f"mutation score: {score:.1%}, {raw:.1%} counting the equivalent ones as survivors ({seconds:.0f} s)")
    for mutant, v, n in zip(chosen, verdicts, notes, strict=True):
        if v != "killed":
            print(f"  {v}: {mutant.label}" + (f" ({n.kind}: {n.why})" if n is not None else ""))
        elif n is not None and n.kind == "equivalent":
            print(f"  killed although listed equivalent (fix KNOWN): {mutant.label}")
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        record = {
            "specs": str(args.specs),
            "seed": args.seed,
            "population": len(every),
            "reached": len(live),
            "counts": counts,
            "score": round(score, 4),
            "score_counting_equivalent_as_survived": round(raw, 4),
            "seconds": round(seconds, 1),
            "mutants": [
                dict(asdict(m), verdict=v, **({"known": n.kind, "why": n.why} if n is not None else {}))
                for m, v, n in zip(chosen, verdicts, notes, strict=True)
            ],
        }
        args.json.write_text(json.dumps(record, indent=2, sort_keys=True) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
