#!/usr/bin/env bash
# The wheel as a user installs it: build it, install it with the `check` extra
# into a fresh venv outside the checkout, and run `specc compile --check` and
# `specc check` on a copy of the bundled specs and snapshots.  `pip install -e`
# (what the test suite uses) hides a wheel that leaves out a subpackage or a
# data file; this does not.
set -euo pipefail
cd "$(dirname "$0")/.."
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT

python3 -m venv "$work/build-venv"
"$work/build-venv/bin/pip" wheel -q --no-deps -w "$work/dist" . >&2
wheel="$(ls "$work"/dist/specc-*.whl)"
python3 -m venv "$work/venv"
"$work/venv/bin/pip" install -q "$wheel[check]" >&2

mkdir "$work/project"
cp -R specs snapshots "$work/project/"
cd "$work/project"
# Nothing of the checkout may be importable from here: the wheel alone runs.
"$work/venv/bin/python" -c 'import compiler, sys; sys.exit(0 if "site-packages" in compiler.__file__ else "compiler imported from " + compiler.__file__)'
"$work/venv/bin/specc" compile --check
"$work/venv/bin/specc" check
echo "wheel: $(basename "$wheel") installs outside the checkout; compile --check and check pass"
