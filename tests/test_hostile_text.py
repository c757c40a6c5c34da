"""Hostile text, property-tested: specc refuses it with a diagnostic, or every
artifact still parses and means the same, carrying the text exactly.

Each example writes a spec to a temporary folder and runs the real pipeline
(`build_project` + `render_tree`, every registered target).  Text goes into
titles, motivation, coordination labels, summaries, descriptions, metric
definitions, enum values, defaults, endpoint paths and names.  The checks live
in `tests/hostile_checks.py`.

Profiles: `CI=true` selects `specc-ci` (1,000 examples per property);
otherwise `specc-dev` (a quick local run).  `SPECC_HYPOTHESIS_EXAMPLES=N`
overrides either.
"""

from __future__ import annotations

import ast
import keyword
import os
import re
import sqlite3
import tempfile
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import Any, Iterator

import pytest
import yaml
from hypothesis import HealthCheck, assume, event, example, given, note, settings
from hypothesis import strategies as st

from compiler.diagnostics import SpecError
from compiler.emit import render_tree
from compiler.ir import Project
from compiler.sql_keywords import keywords as sql_keywords
from compiler.project import build_project
from tests.hostile_checks import FormatMemo, Parsed, compare_with_baseline, load_module, parse_tree

VALIDATORS = PurePosixPath("specc_app/hostile/validators.py")  # the hostile spec's generated module

# --- profiles ---------------------------------------------------------------------------------

_OVERRIDE = os.environ.get("SPECC_HYPOTHESIS_EXAMPLES")
_COMMON: dict[str, Any] = dict(
    deadline=None,
    suppress_health_check=[
        HealthCheck.too_slow,
        HealthCheck.data_too_large,
        HealthCheck.filter_too_much,
        HealthCheck.function_scoped_fixture,
    ],
    print_blob=True,
)
settings.register_profile("specc-ci", max_examples=int(_OVERRIDE or 1000), **_COMMON)
settings.register_profile("specc-dev", max_examples=int(_OVERRIDE or 25), **_COMMON)
PROFILE = settings.get_profile("specc-ci" if os.environ.get("CI", "").lower() == "true" else "specc-dev")

# --- hostile text --------------------------------------------------------------------------------

# What breaks naive generators: quotes and escapes of every target language,
# template syntax, comment and fence terminators, HTML, Markdown, SQL, shell,
# GitHub workflow commands, and Unicode that changes length or direction.
NASTY = [
    '"',
    "'",
    "\\",
    "\\\\",
    "\n",
    "\r\n",
    "\t",
    '"""',
    "'''",
    "`",
    "```",
    "~~~",
    "````",
    "{{ x }}",
    "{%",
    "%}",
    "{#",
    "${x}",
    "$(id)",
    "%s",
    "{0}",
    "{",
    "}",
    "\\n",
    "\\x00",
    "\\u0000",
    "</script>",
    "<script>alert(1)</script>",
    "<img src=x onerror=alert(1)>",
    "<!--",
    "-->",
    "<b>",
    "&amp;",
    "&#60;",
    "*/",
    "/*",
    "--",
    ";",
    "'; DROP TABLE users; --",
    "\\'",
    "''",
    "E'",
    "$$",
    "#",
    "# heading",
    "\n# heading",
    "> quote",
    "\n- item",
    "|",
    " | ",
    "[x](javascript:alert(1))",
    "![i](https://e/x.png)",
    "<https://e>",
    "_",
    "*",
    "**",
    "\n\n",
    "    indented",
    "::error::x",
    "%0A",
    "\\N",
    "None",
    "null",
    "true",
    "~",
    "- ",
    ": ",
    "? ",
    "&a",
    "*a",
    "!!str",
    "é",
    "ß",
    "İ",
    "ﬁ",
    "𝔘𝔫𝔦",
    "中文",
    "👍🏽",
    "\u200b",
    "\u00a0",
    "\u2028",
    "\u2029",
    "\ufeff",
    "\u0301",
]
# Characters the loader refuses (E011): a small share, so most examples get through.
FORBIDDEN = ["\x00", "\x07", "\x1b", "\x7f", "\x85", "\u202e", "\u2066"]

_chars = st.characters(blacklist_categories=("Cs", "Cc"), blacklist_characters="\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")
_piece = st.one_of(st.sampled_from(NASTY), st.text(_chars, min_size=1, max_size=6))
_mostly_clean = st.lists(_piece, min_size=1, max_size=5).map("".join)
_dirty = st.tuples(_mostly_clean, st.sampled_from(FORBIDDEN), _mostly_clean).map("".join)


def hostile(max_size: int, *, dirty_one_in: int = 30) -> st.SearchStrategy[str]:
    """Mostly text the loader accepts; one in `dirty_one_in` holds a refused character."""
    text = st.integers(0, dirty_one_in - 1).flatmap(lambda n: _dirty if n == 0 else _mostly_clean)
    return text.filter(lambda s: len(s) <= max_size and s.strip() != "")


# --- the spec every example compiles --------------------------------------------------------------

BASE_SCHEMA = """\
CREATE TABLE users (
  id uuid PRIMARY KEY,
  email varchar(255) NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE posts (
  id uuid PRIMARY KEY,
  author_id uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
  created_at timestamptz NOT NULL DEFAULT now()
);
"""


@dataclass(frozen=True)
class Texts:
    """Every text field of the template spec."""

    title: str = "zqxTITLEzqx"
    motivation: str = "zqxMOTIVATIONzqx"
    coordination: str = "zqxCOORDINATIONzqx"
    summary_get: str = "zqxSUMMARYGETzqx"
    summary_patch: str = "zqxSUMMARYPATCHzqx"
    summary_stats: str = "zqxSUMMARYSTATSzqx"
    description_pref: str = "zqxDESCPREFzqx"
    description_nick: str = "zqxDESCNICKzqx"
    definition: str = "zqxDEFINITIONzqx"
    query_description: str = "zqxQUERYDESCzqx"
    choice0: str = "zqxchoice0zqx"
    choice1: str = "zqxchoice1zqx"
    span0: str = "zqxspan0zqx"
    span1: str = "zqxspan1zqx"
    nick_default: str = "zqxNICKDEFAULTzqx"
    path: str = "/api/me/zqxpathzqx"


MARKERS = Texts()
# IR fields normalize whitespace (`" ".join(text.split())`); these do not.
RAW_FIELDS = {"description_pref", "description_nick", "choice0", "choice1", "span0", "span1", "nick_default", "path"}


def spec_data(t: Texts) -> dict[str, Any]:
    return {
        "spec": 1,
        "id": "hostile",
        "title": t.title,
        "motivation": t.motivation,
        "priority": "medium",
        "coordination": [{"title": t.coordination, "url": "https://github.com/acme/web/pull/7"}],
        "enums": {"choice": [t.choice0, t.choice1], "span": [t.span0, t.span1]},
        "tables": {
            "users": {
                "add": {
                    "pref": {"type": "enum", "enum": "choice", "nullable": True, "default": t.choice1, "description": t.description_pref},
                    "nick": {"type": "string", "max": 200, "nullable": True, "default": t.nick_default, "description": t.description_nick},
                }
            },
            "notes": {
                "columns": {
                    "id": {"type": "id"},
                    "user_id": {"type": "ref", "to": "users", "on_delete": "cascade", "nullable": False},
                    "kind": {"type": "enum", "enum": "choice", "nullable": False, "default": t.choice0},
                    "body": {"type": "string", "min": 1, "max": 200, "nullable": True, "default": t.nick_default},
                },
                "timestamps": True,
            },
        },
        "metrics": {
            "views": {
                "definition": t.definition,
                "series": False,
                "count": [{"table": "posts", "time": "created_at", "owner": "author_id"}],
            }
        },
        "endpoints": {
            "getPrefs": {
                "method": "GET",
                "path": t.path,
                "summary": t.summary_get,
                "response": {"pref": "users.pref", "nick": "users.nick"},
            },
            "updatePrefs": {
                "method": "PATCH",
                "path": "/api/me/prefs",
                "summary": t.summary_patch,
                "request": {"pref": "users.pref", "nick": "users.nick"},
                "response": {"pref": "users.pref", "nick": "users.nick"},
            },
            "getStats": {
                "method": "GET",
                "path": "/api/me/stats",
                "summary": t.summary_stats,
                "cache": {"control": "private, max-age=60", "vary": ["Authorization"]},
                "query": {
                    "range": {
                        "enum": "span",
                        "default": t.span0,
                        "description": t.query_description,
                        "window_days": {t.span0: 7, t.span1: 30},
                    }
                },
                "response": {"range": {"query": "range"}, "views": {"metric": "views"}},
            },
        },
    }


# libyaml, as specc's own loader (compiler/frontend/yaml_fast.py) parses with it;
# any YAML that loads back to the same data will do for writing the spec.
_YAML_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
_YAML_DUMPER = getattr(yaml, "CSafeDumper", yaml.SafeDumper)


@dataclass
class Compiled:
    project: Project
    tree: dict[PurePosixPath, str]


class Workspace:
    """One temporary project folder, rewritten for every example."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.specs = root / "specs"
        (self.specs / "base").mkdir(parents=True, exist_ok=True)
        (self.specs / "base" / "schema.sql").write_text(BASE_SCHEMA, encoding="utf-8")

    def compile(self, data: dict[str, Any], *, unicode_file: bool = True, only: tuple[str, ...] = ()) -> Compiled:
        text = yaml.dump(data, Dumper=_YAML_DUMPER, allow_unicode=unicode_file, sort_keys=False, width=1000)
        # The harness must not be what changes the text (PyYAML round-trips
        # every string we generate; a mismatch is skipped, not blamed on specc).
        if yaml.load(text, Loader=_YAML_LOADER) != data:
            assume(False)
        (self.specs / "hostile.yaml").write_text(text, encoding="utf-8")
        project = build_project(self.specs, self.root)
        return Compiled(project, render_tree(project, only))


class _State:
    """The workspace, ruff check memo and baseline shared by every example of the
    module (plain objects, not fixtures, so hypothesis reports only the text)."""

    def __init__(self) -> None:
        self._tmp = tempfile.TemporaryDirectory(prefix="specc-hostile-")
        self.workspace = Workspace(Path(self._tmp.name))
        self.memo = FormatMemo()
        self._baseline: dict[PurePosixPath, Parsed] | None = None

    @property
    def baseline(self) -> dict[PurePosixPath, Parsed]:
        if self._baseline is None:
            compiled = self.workspace.compile(spec_data(MARKERS))
            parsed = parse_tree(compiled.tree, compiled.project, self.memo, keys=set(vars(MARKERS).values()))
            for path, p in parsed.items():
                stray = [i for i in p.identifiers if "zqx" in i]
                assert not stray, f"{path}: spec text became SQL identifiers in the baseline: {stray}"
            self._baseline = parsed
        return self._baseline

    def close(self) -> None:
        self._tmp.cleanup()


_STATE: _State | None = None


@pytest.fixture(scope="module", autouse=True)
def _hostile_state() -> Iterator[None]:
    """One workspace for the module, cleaned afterwards."""
    global _STATE
    _STATE = _State()
    try:
        yield
    finally:
        _STATE.close()
        _STATE = None


def state() -> _State:
    assert _STATE is not None
    return _STATE


# --- what "means the same" looks like for one accepted example ------------------------------------


def ir_values(t: Texts, project: Project) -> dict[str, str]:
    """marker -> the value the IR holds for it (normalized where the IR normalizes)."""
    out = {}
    for name, marker in vars(MARKERS).items():
        value = getattr(t, name)
        out[marker] = value if name in RAW_FIELDS else " ".join(value.split())
    spec = project.spec("hostile")
    assert spec is not None
    assert spec.title == out[MARKERS.title]
    assert spec.motivation == out[MARKERS.motivation]
    assert spec.coordination[0].title == out[MARKERS.coordination]
    assert {e.name: e.values for e in spec.enums} == {"choice": (t.choice0, t.choice1), "span": (t.span0, t.span1)}
    users = spec.schema_after.table("users")
    assert users is not None and users.column("nick").default == t.nick_default  # type: ignore[union-attr]
    assert spec.metrics[0].description == out[MARKERS.definition]
    return out


def check_sqlite(compiled: Compiled, t: Texts) -> None:
    """The sqlite migration runs, its CHECK accepts exactly the enum values,
    its DEFAULTs are the spec's text, and the down migration undoes it."""
    from targets import sql  # imported here: the SQL target may not exist yet

    render_schema = getattr(sql, "render_schema", None)
    up = compiled.tree.get(PurePosixPath("hostile/migrations/sqlite/up.sql"))
    down = compiled.tree.get(PurePosixPath("hostile/migrations/sqlite/down.sql"))
    if render_schema is None or up is None or down is None:
        return  # no SQL target yet: nothing to run
    conn = sqlite3.connect(":memory:", isolation_level=None)
    try:
        conn.execute("PRAGMA foreign_keys = ON")
        conn.executescript(render_schema(compiled.project.base, "sqlite"))
        conn.execute("INSERT INTO users (id, email) VALUES ('u1', 'e')")
        conn.executescript(up)
        assert conn.execute("SELECT pref, nick FROM users WHERE id = 'u1'").fetchone() in ((t.choice1, t.nick_default), (None, None))
        conn.execute("INSERT INTO users (id, email) VALUES ('u2', 'e2')")
        assert conn.execute("SELECT pref, nick FROM users WHERE id = 'u2'").fetchone() == (t.choice1, t.nick_default)
        for value in (t.choice0, t.choice1):
            conn.execute("UPDATE users SET pref = ? WHERE id = 'u1'", (value,))
            assert conn.execute("SELECT pref FROM users WHERE id = 'u1'").fetchone() == (value,)
        for wrong in {t.choice0 + t.choice1, t.choice0.upper(), t.choice0 + " "} - {t.choice0, t.choice1}:
            with pytest.raises(sqlite3.IntegrityError):
                conn.execute("UPDATE users SET pref = ? WHERE id = 'u1'", (wrong,))
        conn.execute("INSERT INTO notes (user_id) VALUES ('u1')")
        assert conn.execute("SELECT kind, body FROM notes").fetchone() == (t.choice0, t.nick_default)
        conn.executescript(down)
    finally:
        conn.close()


def check_validators(compiled: Compiled, t: Texts) -> None:
    """The generated validators accept each enum value and default exactly."""
    if VALIDATORS not in compiled.tree:
        return
    module = load_module(compiled.tree, VALIDATORS)
    for value in (t.choice0, t.choice1):
        assert module.validate_updatePrefs_request({"pref": value}) == {"pref": value}
    assert module.validate_updatePrefs_request({"nick": t.nick_default}) == {"nick": t.nick_default}
    wrong = t.choice0 + t.choice1
    if wrong not in (t.choice0, t.choice1):
        with pytest.raises(module.ValidationFailed) as info:
            module.validate_updatePrefs_request({"pref": wrong})
        assert [e.code for e in info.value.errors] == ["enum"]
    assert module.validate_getStats_query({}) == {"range": t.span0}
    assert module.validate_getStats_query({"range": t.span1}) == {"range": t.span1}


def check_contract_cases(compiled: Compiled, t: Texts) -> None:
    """Generated contract tests never expect a valid enum value to be refused."""
    source = compiled.tree.get(PurePosixPath("hostile/test_contract.py"))
    if source is None:
        return
    valid = {t.choice0, t.choice1, t.span0, t.span1}
    for node in ast.walk(ast.parse(source)):
        if not (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr == "param"):
            continue
        args = node.args
        codes = args[2] if len(args) >= 3 else None
        if not (isinstance(codes, ast.List) and any(isinstance(c, ast.Constant) and c.value == "enum" for c in codes.elts)):
            continue
        sent = ast.literal_eval(args[0])
        for value in (sent.values() if isinstance(sent, dict) else [sent]):
            assert value not in valid, f"test_contract.py expects the valid value {value!r} to be refused"


def check_accepted(compiled: Compiled, t: Texts) -> None:
    values = ir_values(t, compiled.project)
    keys = {getattr(t, name) for name in vars(MARKERS)}
    parsed = parse_tree(compiled.tree, compiled.project, state().memo, keys=keys)
    compare_with_baseline(parsed, state().baseline, values)
    check_validators(compiled, t)
    check_contract_cases(compiled, t)
    check_sqlite(compiled, t)


def check_refused(err: SpecError) -> None:
    """A refusal is a located diagnostic about the spec, never anything else."""
    assert err.diagnostics
    for d in err.diagnostics:
        assert d.span.file == "specs/hostile.yaml", d.render()
        assert d.span.line >= 1 and d.span.col >= 1, d.render()
        assert d.code[0] == "E" and d.code[1] in "012", d.render()


# --- the properties ------------------------------------------------------------------------------

PROSE = [
    "title",
    "motivation",
    "coordination",
    "summary_get",
    "summary_patch",
    "summary_stats",
    "description_pref",
    "description_nick",
    "definition",
    "query_description",
]
LIMITS = {"title": 120, "coordination": 200, "summary_get": 200, "summary_patch": 200, "summary_stats": 200}


@st.composite
def all_texts(draw: st.DrawFn) -> Texts:
    fields: dict[str, str] = {name: draw(hostile(LIMITS.get(name, 300))) for name in PROSE}
    choices = draw(st.lists(hostile(63), min_size=2, max_size=2, unique=True))
    spans = draw(st.lists(hostile(63), min_size=2, max_size=2, unique=True))
    return Texts(
        **fields,
        choice0=choices[0],
        choice1=choices[1],
        span0=spans[0],
        span1=spans[1],
        nick_default=draw(hostile(60)),
    )


def _explicit(**kw: str) -> Texts:
    return Texts(**kw)


@PROFILE
@given(t=all_texts(), unicode_file=st.booleans())
@example(
    t=_explicit(
        title='"""; import os; os.system("id") #',
        motivation="</script><script>alert(1)</script>",
        coordination="```\n# not a heading",
        description_pref="*/ DROP TABLE users; /*",
        choice0="'; DROP TABLE users; --",
        choice1='a"b\\c',
        nick_default="it's ${HOME} {{ x }}",
    ),
    unicode_file=True,
)
@example(
    t=_explicit(
        summary_get="{{ 7*7 }} {% raw %}",
        summary_patch="'''",
        definition="[x](javascript:alert(1))",
        query_description="<img src=x onerror=alert(1)>",
        span0="7d",
        span1="\u2028é👍🏽",
        nick_default="\\",
    ),
    unicode_file=False,
)
@example(t=_explicit(choice0="a", choice1="A", span0="ß", span1="SS"), unicode_file=True)
@example(
    t=_explicit(
        choice0="\\x00", choice1="null", span0="true", span1="~", nick_default="\\N", description_nick="line one\n\nline two | cell"
    ),
    unicode_file=True,
)
def test_hostile_text_in_every_field(t: Texts, unicode_file: bool) -> None:
    """Titles, motivation, coordination labels, summaries, descriptions, metric
    definitions, enum values and defaults: refused, or carried exactly."""
    note(repr(t))
    try:
        compiled = state().workspace.compile(spec_data(t), unicode_file=unicode_file)
    except SpecError as err:
        event("refused")
        check_refused(err)
        return
    event("accepted")
    check_accepted(compiled, t)


def _path_strategy() -> st.SearchStrategy[str]:
    segment = st.from_regex(r"[a-z0-9][a-z0-9_-]{0,12}", fullmatch=True)
    valid = st.lists(segment, min_size=1, max_size=4).map(lambda parts: "/" + "/".join(parts))
    nasty = st.one_of(
        hostile(200, dirty_one_in=10),
        st.tuples(valid, hostile(20).filter(lambda x: re.search(r"[^a-z0-9_/-]", x) is not None)).map("".join),
        st.sampled_from(
            [
                "/api/../etc/passwd",
                "/api/{id}",
                "/api/me?x=1",
                "/api/me#x",
                "//evil.example",
                "/api/me/",
                "/API/Me",
                "/api/%2e%2e",
                "/api/me prefs",
                "/api/é",
            ]
        ),
    )
    # One in eight is a valid path (the whole pipeline runs); the rest probe refusals.
    return st.integers(0, 7).flatmap(lambda n: valid if n == 0 else nasty)


@PROFILE
@given(path=_path_strategy())
@example(path="/api/me/prefs-v2")
@example(path='/api/me"; os.system("x")')
def test_hostile_endpoint_paths(path: str) -> None:
    """A path is refused at its location, or appears exactly in every artifact."""
    t = Texts(path=path)
    try:
        compiled = state().workspace.compile(spec_data(t))
    except SpecError as err:
        event("refused")
        check_refused(err)
        assert {d.code for d in err.diagnostics} <= {"E104", "E105", "E011", "E216"}, err
        return
    event("accepted")
    assert path == "/".join(("",) + tuple(p for p in path.split("/") if p))
    check_accepted(compiled, t)


# Names that are legal spec identifiers but keywords or builtins somewhere downstream.
_KEYWORDY = sorted(
    set(keyword.kwlist + keyword.softkwlist)
    | {
        "self",
        "cls",
        "str",
        "int",
        "list",
        "dict",
        "type",
        "id",
        "json",
        "os",
        "sys",
        "re",
        "value",
        "values",
        "key",
        "items",
        "errors",
        "body",
        "request",
        "response",
        "default",
        "__init__",
        "__class__",
    }
)


def _name(pattern: str) -> st.SearchStrategy[str]:
    return st.one_of(st.sampled_from(_KEYWORDY + sorted(set().union(*(sql_keywords(d) for d in ('postgres', 'mysql', 'sqlite'))))), st.from_regex(pattern, fullmatch=True), hostile(70, dirty_one_in=10))


@st.composite
def _names(draw: st.DrawFn) -> dict[str, str]:
    return {
        "column": draw(_name(r"[a-z_][a-z0-9_]{0,20}")),
        "field": draw(_name(r"[a-zA-Z][a-zA-Z0-9_]{0,20}")),
        "operation": draw(_name(r"[a-z][a-zA-Z0-9_]{0,20}")),
        "enum": draw(_name(r"[a-z_][a-z0-9_]{0,20}")),
    }


def _renamed(names: dict[str, str]) -> dict[str, Any]:
    data = spec_data(MARKERS)
    add = data["tables"]["users"]["add"]
    add[names["column"]] = add.pop("nick")
    data["enums"][names["enum"]] = data["enums"].pop("choice")
    add["pref"]["enum"] = names["enum"]
    data["tables"]["notes"]["columns"]["kind"]["enum"] = names["enum"]
    endpoints = data["endpoints"]
    endpoints[names["operation"]] = endpoints.pop("updatePrefs")
    op = endpoints[names["operation"]]
    for body in ("request", "response"):
        op[body] = {names["field"] if k == "nick" else k: (f"users.{names['column']}" if k == "nick" else v) for k, v in op[body].items()}
        if len(op[body]) != 2:
            assume(False)
    endpoints["getPrefs"]["response"]["nick"] = f"users.{names['column']}"
    return data


@PROFILE
@given(names=_names())
@example(names={"column": "class", "field": "import", "operation": "def", "enum": "lambda"})
@example(names={"column": "self", "field": "None", "operation": "print", "enum": "type"})
def test_hostile_names(names: dict[str, str]) -> None:
    """Table-column, field, operation and enum names: refused at their key, or
    the artifacts parse and SQL identifiers come only from the IR."""
    assume(len(set(names.values())) == len(names) or names["column"] != names["enum"])
    assume(names["column"] not in ("pref", "nick") and names["field"] not in ("pref", "nick"))
    assume(names["operation"] not in ("getPrefs", "getStats") and names["enum"] != "span")
    try:
        compiled = state().workspace.compile(_renamed(names))
    except SpecError as err:
        event("refused")
        check_refused(err)
        return
    event("accepted")
    parse_tree(compiled.tree, compiled.project, state().memo, keys=set(names.values()))
    if VALIDATORS in compiled.tree:
        module = load_module(compiled.tree, VALIDATORS)
        fn = getattr(module, f"validate_{names['operation']}_request")
        assert fn({names["field"]: MARKERS.nick_default}) == {names["field"]: MARKERS.nick_default}


@PROFILE
@given(t=all_texts())
@example(t=_explicit(choice0="x') OR 1=1; --", choice1="\\'); DROP TABLE users; --", nick_default="'||(SELECT 1)||'", span0="a", span1="b"))
def test_sql_carries_spec_text_only_as_literals(t: Texts) -> None:
    """Only the SQL target: every identifier in every emitted statement is an IR
    identifier, statements keep their shape, enum values and defaults are
    exact literals, and sqlite enforces them (fast, so it runs often)."""
    try:
        compiled = state().workspace.compile(spec_data(t), only=("sql",))
    except SpecError as err:
        event("refused")
        check_refused(err)
        return
    event("accepted")
    if not any(p.suffix == ".sql" for p in compiled.tree):
        pytest.skip("the SQL target emits no migrations yet")
    values = ir_values(t, compiled.project)
    parsed = parse_tree(compiled.tree, compiled.project, state().memo, keys=set())
    sql_baseline = {p: b for p, b in state().baseline.items() if p in parsed}
    compare_with_baseline(parsed, sql_baseline, values)
    check_sqlite(compiled, t)


def test_every_artifact_is_checked() -> None:
    """Every artifact of the template spec has a format the checks parse, so a
    new target is covered on arrival (or this test says what to add)."""
    compiled = state().workspace.compile(spec_data(MARKERS))
    unchecked = sorted(p.as_posix() for p in compiled.tree if p not in state().baseline)
    assert not unchecked, f"artifacts of a format the hostile checks do not parse: {unchecked}"


def test_markers_reach_the_artifacts() -> None:
    """Guards the harness: every field of the template must reach some
    artifact, or the property tests would check nothing for it."""
    baseline = state().baseline
    if not baseline:
        pytest.skip("no targets emit artifacts yet")
    seen = set()
    for parsed in baseline.values():
        blob = " ".join(parsed.strings) + " " + parsed.text
        seen |= {m for m in vars(MARKERS).values() if m in blob}
    missing = sorted(set(vars(MARKERS).values()) - seen)
    assert not missing, f"these spec fields reach no artifact: {missing}"
