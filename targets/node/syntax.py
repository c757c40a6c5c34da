"""How `specc check` verifies generated JavaScript: `node --check` (a parse, no run).

Each file is checked as an ES module (written to a temporary `.mjs`), since
the generated handlers are ESM.  Without node on PATH the files are
reported as not checked, with that reason, rather than passed over.
"""

from __future__ import annotations

import shutil
import subprocess
import tempfile
from pathlib import Path, PurePosixPath

from compiler.target import Checker


def node_problem(path: PurePosixPath, text: str) -> str | None:
    """Why `node --check` refuses `text`, or None."""
    node = shutil.which("node")
    if node is None:  # pragma: no cover - NODE_CHECK is "not checked" then
        return "node is not installed"
    with tempfile.TemporaryDirectory(prefix="specc-js-") as tmp:
        file = Path(tmp) / (Path(path.name).stem + ".mjs")
        file.write_text(text, "utf-8")
        proc = subprocess.run([node, "--check", str(file)], capture_output=True, text=True, timeout=60)
    if proc.returncode == 0:
        return None
    lines = [line for line in proc.stderr.splitlines() if line.strip()]
    return "node --check: " + (next((line for line in lines if "Error" in line), lines[-1] if lines else "failed"))


NODE_CHECK = (
    Checker("node --check", node_problem)
    if shutil.which("node")
    else Checker("node --check", reason="node is not installed, so the JavaScript was not parsed")
)
