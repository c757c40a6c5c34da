"""`--format json` and `--format github` carry exactly the diagnostics `text` shows,
and docs/diagnostics.md documents every code specc can raise."""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

import pytest

from compiler.cli import main
from compiler.diagnostics import Diagnostic, render
from compiler.ir import Span

ROOT = Path(__file__).resolve().parent.parent
CASES = ROOT / "tests" / "bad_specs"
DOC = ROOT / "docs" / "diagnostics.md"

# `path:line:col: error CODE: message` (the location has no line/col for whole files).
_TEXT_LINE = re.compile(
    r"^(?P<file>.+?)(?::(?P<line>\d+):(?P<col>\d+))?: (?P<severity>error|warning|note) (?P<code>E\d{3}): (?P<message>.*)$"
)
_GITHUB_LINE = re.compile(r"^::(?P<level>error|warning) (?P<props>[^:]*)::(?P<message>.*)$")
# Codes covered by tests other than the golden cases.
COVERED_ELSEWHERE = {
    "E301": "tests/test_faults.py",
    "E302": "tests/test_faults.py",
    "E303": "tests/test_faults.py",
    # Released migrations need a released.sum next to the output folder.
    "E401": "tests/released/test_released.py",
    # The project configuration (specc.yaml), not a spec: its located errors,
    # exit 2 and untouched output are asserted case by case there.
    "E280": "tests/test_config.py",
    "E281": "tests/test_config.py",
    "E282": "tests/test_config.py",
    # Needs the prisma-postgres profile and a base schema.prisma.
    "E283": "tests/test_prisma_target.py",
    # Needs specc.yaml's stack: node-serverless.
    "E284": "tests/test_node_target.py",
    # E402 (same plan, different SQL) needs a specc upgrade to happen; no test
    # provokes it yet.  Listed so the gap stays visible here.
    "E402": "untested",
    "E403": "tests/released/test_released.py",
    "E404": "tests/released/test_released.py",
    # A self-check failure is a specc bug: no spec provokes it, so the test
    # makes the self-check fail.
    "E901": "tests/test_sql_keywords.py",
}


def _parse_text(stderr: str) -> list[dict[str, object]]:
    """The diagnostics in `text` output, as dicts shaped like the json format."""
    items: list[dict[str, object]] = []
    for line in stderr.splitlines():
        if line.startswith("  hint: "):
            items[-1]["hint"] = line[len("  hint: ") :]
            continue
        m = _TEXT_LINE.match(line)
        if m is None:
            assert line.startswith("specc: "), line
            continue
        items.append(
            {
                "code": m["code"],
                "col": int(m["col"] or 0),
                "file": m["file"],
                "hint": "",
                "line": int(m["line"] or 0),
                "message": m["message"],
                "severity": m["severity"],
            }
        )
    return items


def _run(case: str, fmt: str, tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> str:
    work = tmp_path / fmt
    shutil.copytree(CASES / case / "specs", work / "specs")
    monkeypatch.chdir(work)
    capsys.readouterr()
    rc = main(["compile", "--specs", "specs", "--out", "out", "--format", fmt])
    captured = capsys.readouterr()
    assert rc == 2
    if fmt == "json":  # stdout is one JSON document, carrying the same diagnostics
        doc = json.loads(captured.out)
        assert doc["status"] == "error" and doc["exit"] == 2
        assert doc["diagnostics"] == json.loads(captured.err)
    else:
        assert captured.out == ""
    assert not (work / "out").exists()
    return captured.err


def _cases_with_committed_specs() -> list[str]:
    return sorted(p.name for p in CASES.iterdir() if (p / "specs").is_dir())


@pytest.mark.parametrize("case", _cases_with_committed_specs())
def test_json_matches_text(case: str, tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> None:
    text = (CASES / case / "expected.txt").read_text(encoding="utf-8")
    err = _run(case, "json", tmp_path, capsys, monkeypatch)
    data = json.loads(err)  # stderr is one JSON document and nothing else
    assert isinstance(data, list)
    for item in data:
        assert sorted(item) == ["code", "col", "file", "hint", "line", "message", "severity"]
        assert isinstance(item["line"], int) and isinstance(item["col"], int)
    assert data == _parse_text(text)


@pytest.mark.parametrize("case", _cases_with_committed_specs())
def test_github_matches_text(case: str, tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> None:
    expected = _parse_text((CASES / case / "expected.txt").read_text(encoding="utf-8"))
    err = _run(case, "github", tmp_path, capsys, monkeypatch)
    lines = err.splitlines()
    assert len(lines) == len(expected)
    for line, want in zip(lines, expected):
        m = _GITHUB_LINE.match(line)
        assert m, line
        props = dict(p.split("=", 1) for p in m["props"].split(","))
        assert props["file"] == want["file"]
        assert props["title"] == want["code"]
        if want["line"]:
            assert (int(props["line"]), int(props["col"])) == (want["line"], want["col"])
        message = str(want["message"]) + (f" (hint: {want['hint']})" if want["hint"] else "")
        assert m["message"] == message.replace("%", "%25")


def test_github_format_cannot_be_broken_out_of() -> None:
    """Newlines, percent signs, `::`, commas and colons in a file name or a
    message stay inside one annotation."""
    nasty = Diagnostic(
        Span("specs/a,b:c%0A\n::error file=x::pwned.yaml", 3, 4),
        "E101",
        "unknown key 'x\ny' %0A\r\n::error::injected",
        hint="line\nbreak",
    )
    out = render([nasty], "github")
    assert "\n" not in out and "\r" not in out
    m = _GITHUB_LINE.match(out)
    assert m is not None
    assert m["props"] == "file=specs/a%2Cb%3Ac%250A%0A%3A%3Aerror file=x%3A%3Apwned.yaml,line=3,col=4,title=E101"
    assert m["message"] == "unknown key 'x%0Ay' %250A%0D%0A::error::injected (hint: line%0Abreak)"


def test_json_round_trips_any_text() -> None:
    nasty = Diagnostic(Span('a"b\\c\u2028.yaml', 1, 2), "E011", 'text "\\u202e" </script>\x00', hint="\n")
    data = json.loads(render([nasty], "json"))
    assert data == [
        {
            "code": "E011",
            "col": 2,
            "file": 'a"b\\c\u2028.yaml',
            "hint": "\n",
            "line": 1,
            "message": 'text "\\u202e" </script>\x00',
            "severity": "error",
        }
    ]


def test_write_errors_use_the_chosen_format(tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> None:
    shutil.copytree(ROOT / "specs", tmp_path / "specs")
    monkeypatch.chdir(tmp_path)
    rc = main(["compile", "--out", "specs", "--format", "json"])
    assert rc == 2
    (item,) = json.loads(capsys.readouterr().err)
    assert item["code"] == "E303" and item["file"] == "specs" and item["line"] == 0


def _codes_in_source() -> set[str]:
    codes: set[str] = set()
    for folder in ("compiler", "targets"):
        for path in (ROOT / folder).rglob("*.py"):
            codes |= set(re.findall(r"[\"'](E\d{3})[\"']", path.read_text(encoding="utf-8")))
    return codes


def test_every_code_is_documented() -> None:
    documented = set(re.findall(r"^\| (E\d{3}) \|", DOC.read_text(encoding="utf-8"), re.M))
    missing = sorted(_codes_in_source() - documented)
    assert not missing, f"add these codes to docs/diagnostics.md: {missing}"
    stale = sorted(documented - _codes_in_source())
    assert not stale, f"docs/diagnostics.md lists codes specc no longer raises: {stale}"


def test_every_code_has_a_golden_case() -> None:
    golden = set()
    for expected in CASES.glob("*/expected.txt"):
        golden |= set(re.findall(r" error (E\d{3}): ", expected.read_text(encoding="utf-8")))
    missing = sorted(_codes_in_source() - golden - set(COVERED_ELSEWHERE))
    assert not missing, f"add a tests/bad_specs/<case>/ for: {missing}"
