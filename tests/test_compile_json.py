"""`specc compile --format json`: stdout is one JSON document in every case
(written, unchanged, up to date, stale with the diffs inside, errors)."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from compiler.cli import main
from tests.conftest import SPECS


def _json(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, dict, str]:  # type: ignore[type-arg]
    capsys.readouterr()
    rc = main(["compile", "--format", "json", *args])
    captured = capsys.readouterr()
    return rc, json.loads(captured.out), captured.err


def test_every_outcome_is_one_json_document(tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> None:
    shutil.copytree(SPECS, tmp_path / "specs")
    monkeypatch.chdir(tmp_path)

    rc, doc, err = _json(capsys)
    assert rc == 0 and doc["status"] == "written" and err == ""
    files = len([p for p in (tmp_path / "snapshots").rglob("*") if p.is_file()])
    assert doc["files"] == files and doc["changed"] == files
    assert {row["spec"] for row in doc["specs"]} >= {"theme-preference-api", None}

    rc, doc, _ = _json(capsys)  # nothing changed (the no-op fast path)
    assert rc == 0 and doc["status"] == "unchanged" and doc["changed"] == 0

    rc, doc, _ = _json(capsys, "--check")
    assert rc == 0 and doc == {"status": "up_to_date", "out": "snapshots", "files": files, "stale": []}
    rc, doc, _ = _json(capsys, "--check", "--no-cache")  # the full comparison says the same
    assert rc == 0 and doc == {"status": "up_to_date", "out": "snapshots", "files": files, "stale": []}

    spec = tmp_path / "specs" / "theme-preference-api.yaml"
    spec.write_text(spec.read_text(encoding="utf-8").replace("theme: [light, dark]", "theme: [light, dark, sepia]"), encoding="utf-8")
    rc, doc, _ = _json(capsys, "--check")
    assert rc == 1 and doc["status"] == "stale" and doc["stale"]
    for item in doc["stale"]:
        assert item["status"] in ("changed", "missing", "orphaned") and item["path"].startswith("snapshots/")
        assert item["diff"].startswith("--- ") or item["status"] != "changed"
    assert any("sepia" in item["diff"] for item in doc["stale"])

    spec.write_text(spec.read_text(encoding="utf-8").replace("enum: theme\n", "enum: themes\n"), encoding="utf-8")
    rc, doc, err = _json(capsys)
    assert rc == 2 and doc["status"] == "error"
    assert doc["diagnostics"] == json.loads(err) and doc["diagnostics"][0]["code"] == "E203"

    rc, doc, _ = _json(capsys, "--specs", "nowhere")
    assert rc == 2 and doc["diagnostics"][0]["code"] == "E001"
