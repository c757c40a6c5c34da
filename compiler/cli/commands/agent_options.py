"""Options and output helpers shared by the agent commands (tasks, start, checks, pr)."""

from __future__ import annotations

import argparse
import getpass
import json
import os
import sys
from pathlib import Path
from typing import Any

from compiler.agent import BackendAgent
from compiler.agent.conversations import StateError

EXIT_USER_ERROR = 2


def default_user() -> str:
    """SPECC_USER, else the login name."""
    env = os.environ.get("SPECC_USER")
    if env:
        return env
    try:
        return getpass.getuser()
    except (KeyError, OSError):
        return "anonymous"


def add_agent_options(parser: argparse.ArgumentParser, *, user: bool = True) -> None:
    parser.add_argument("--specs", type=Path, default=Path("specs"), help="folder of spec files (default: specs)")
    parser.add_argument("--out", type=Path, default=Path("snapshots"), help="output folder previews diff against (default: snapshots)")
    parser.add_argument(
        "--state-dir",
        type=Path,
        default=Path(os.environ.get("SPECC_STATE_DIR", ".specc")),
        help="where conversations are kept, in state.db (default: $SPECC_STATE_DIR or .specc)",
    )
    if user:
        parser.add_argument("--user", default=None, help="who is asking (default: $SPECC_USER or the login name)")
    parser.add_argument("--format", choices=("text", "json"), default="text", help="output format (default: text)")


def make_agent(args: argparse.Namespace) -> BackendAgent:
    return BackendAgent(Path.cwd(), specs_dir=args.specs, out_dir=args.out, state_dir=args.state_dir)


def emit_json(data: Any) -> None:
    sys.stdout.write(json.dumps(data, indent=2, sort_keys=True) + "\n")


def fail(result: dict[str, Any], fmt: str, code: int = EXIT_USER_ERROR) -> int:
    """Report an unsuccessful result: JSON on stdout, or the message (and any
    diagnostics) on stderr."""
    if fmt == "json":
        emit_json(result)
        return code
    print(f"specc: {result.get('message', 'failed')}", file=sys.stderr)
    for d in result.get("diagnostics") or []:
        where = f"{d['file']}:{d['line']}:{d['col']}" if d.get("line") else d["file"]
        print(f"{where}: {d['severity']} {d['code']}: {d['message']}", file=sys.stderr)
        if d.get("hint"):
            print(f"  hint: {d['hint']}", file=sys.stderr)
    return code


def state_error(exc: StateError) -> int:
    print(f"specc: state: {exc}", file=sys.stderr)
    return EXIT_USER_ERROR
