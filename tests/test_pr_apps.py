"""One spec's PR, merged on its own, ships an app that starts.

For every bundled spec, the files its PRs carry (the `files` of its
`pr/*payload.json`, which list the shared files of the package too) are
written alone into an empty folder; the generated package there is imported
with normal imports, and the app it builds serves that spec's endpoints and
none of the others' (`specc_app/app.py` discovers the spec subpackages
present instead of naming every spec's routes module).
"""

from __future__ import annotations

import json
import re
import sqlite3
from collections.abc import Iterator
from typing import Any
from pathlib import Path, PurePosixPath

import pytest
from fastapi.testclient import TestClient

from compiler import pypackage
from compiler.ir import RESOURCE_HTTP, Project
from tests.conftest import SPECS

BUNDLED = sorted(p.stem for p in SPECS.glob("*.yaml"))


def pr_files(tree: dict[PurePosixPath, str], spec_id: str) -> set[PurePosixPath]:
    """Every file the PRs of `spec_id` carry, by their payloads."""
    files: set[PurePosixPath] = set()
    payloads = [p for p in tree if p.parent == PurePosixPath(spec_id, "pr") and p.name.endswith("payload.json")]
    assert payloads, f"{spec_id} has no PR payload"
    for path in payloads:
        files.update(PurePosixPath(f["path"]) for f in json.loads(tree[path])["files"])
    return files


def _no_user() -> None:
    return None


def _connection() -> Iterator[sqlite3.Connection]:
    conn = sqlite3.connect(":memory:", check_same_thread=False)
    try:
        yield conn
    finally:
        conn.close()


def test_every_bundled_spec_is_covered(project: Project) -> None:
    assert BUNDLED == sorted(s.id for s in project.specs)
    assert all(s.endpoints or s.resources for s in project.specs)


def _routes(spec: Any) -> list[tuple[str, str]]:
    """(method, path) of every endpoint and resource route, path parameters filled in."""
    out = [(e.method, e.path) for e in spec.endpoints]
    for r in spec.resources:
        for verb in r.methods:
            path = r.path if verb in ("create", "list") else r.item_path
            out.append((RESOURCE_HTTP[verb], re.sub(r"\{[^}]+\}", "1", path)))
    return out


@pytest.mark.parametrize("spec_id", BUNDLED)
def test_one_specs_pr_alone_starts_an_app_that_serves_it(project: Project, tree: dict[PurePosixPath, str], spec_id: str, tmp_path: Path) -> None:
    spec = project.spec(spec_id)
    assert spec is not None
    files = pr_files(tree, spec_id)
    # Its own subpackage and the shared part of the package; no other spec's file.
    assert {pypackage.spec_package(spec_id) / "routes.py", PurePosixPath("specc_app/app.py")} <= files
    assert {pypackage.owner_of(p) for p in files} == {spec_id, pypackage.PROJECT}
    for path in files:
        target = tmp_path / Path(*path.parts)
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(tree[path], encoding="utf-8")

    app_module = pypackage.import_module(tmp_path, "app")
    assert [m.__name__ for m in app_module.ROUTES] == [f"specc_app.{pypackage.module_name(spec_id)}.routes"]
    app = app_module.create_app(get_connection=_connection, get_current_user_id=_no_user, dialect="sqlite")
    client = TestClient(app)
    for method, path in _routes(spec):
        response = client.request(method, path, json={} if method not in ("GET", "DELETE") else None)
        # Signed out: every bundled endpoint and resource needs a user, so 401 in the error shape.
        assert response.status_code == 401, (method, path, response.text)
        assert response.json()["errors"][0]["code"] == "unauthorized"
    assert all(e.auth for e in spec.endpoints)
    others = {p for s in project.specs if s.id != spec_id for _, p in _routes(s)} - {p for _, p in _routes(spec)}
    for path in sorted(others):
        assert client.get(path).status_code == 404, path
