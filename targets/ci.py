"""The `ci` target: `_project/ci/specc.yml`, a GitHub Actions workflow.

On every pull request it checks that the committed snapshots are exactly what
the specs compile to (`specc compile --check`) and runs `specc check` (lint,
contract tests, build).  Copy it to `.github/workflows/specc.yml`; specc
never writes into `.github/` itself.  The workflow has read-only permissions
and no secrets: it needs neither a database nor network access beyond
installing packages.
"""

from __future__ import annotations

from pathlib import PurePosixPath

from compiler.checkers import YAML
from compiler.build.header import HASH
from compiler.ir import Project
from compiler.target import CI, FileKind, Target
from compiler.review.tasks import CI_DIR

WORKFLOW = """\
name: specc

on:
  pull_request:
  workflow_dispatch:

permissions:
  contents: read

concurrency:
  group: specc-${{ github.ref }}
  cancel-in-progress: true

jobs:
  specc:
    runs-on: ubuntu-latest
    timeout-minutes: 20
    steps:
      - uses: actions/checkout@v4
      - uses: actions/setup-python@v5
        with:
          python-version: "3.12"
          cache: pip
      - name: Install specc with its check dependencies
        run: python -m pip install -e ".[check]"
      - name: Snapshots match the specs (specc compile --check)
        run: specc compile --check --format github
      - name: Lint, contract tests and build (specc check)
        run: specc check
"""


def emit_project(project: Project) -> dict[PurePosixPath, str]:
    # The workflow is the same for every project; it checks all specs.
    return {CI_DIR / "specc.yml": WORKFLOW}


TARGET = Target(
    "ci",
    kinds=(FileKind(".yml", HASH, CI, YAML, where="_project/ci/*"),),
    emit_project=emit_project,
)
