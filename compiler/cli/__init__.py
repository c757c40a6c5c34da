"""The `specc` command line: one subcommand per module under compiler/cli/commands/.

Every user error is printed as a diagnostic and exits 2; a traceback means a
bug in specc.
"""

from __future__ import annotations

import argparse
import importlib
import sys
from collections.abc import Sequence

from compiler import __version__

# name -> (module, one-line help).  A new command is one module plus one line.
COMMANDS: dict[str, tuple[str, str]] = {
    "compile": ("compiler.cli.commands.compile", "compile specs/ into snapshots/ (or --check them)"),
    "schema": ("compiler.cli.commands.schema", "print the JSON Schema of the spec language"),
    "check": ("compiler.cli.commands.check", "lint, build and test the generated code (needs the `check` extra)"),
    "tasks": ("compiler.cli.commands.tasks", "list the Backend Agent's tasks with priority, migration need and status"),
    "start": ("compiler.cli.commands.start", "start a task: compile it and preview the changes (or ask questions)"),
    "checks": ("compiler.cli.commands.checks", "run `specc check` for a conversation's task"),
    "pr": ("compiler.cli.commands.pr", "after an explicit confirmation, prepare draft PR payloads (opens nothing)"),
    "lint": ("compiler.cli.commands.lint", "run the safety rules over what compile would produce"),
    "release": ("compiler.cli.commands.release", "record specs whose migrations have run, making them immutable"),
    "new": ("compiler.cli.commands.new", "scaffold a spec (--evolve: one that changes a released spec)"),
    "prisma": ("compiler.cli.commands.prisma", "write the postgres migrations in Prisma's layout (migration.sql + rollback.sql)"),
    "import-base": ("compiler.cli.commands.import_base", "replay an existing migrations folder (plain or Prisma) into specs/base/schema.sql"),
}


def _chosen(argv: Sequence[str]) -> str | None:
    """The subcommand named on the command line, if it is a known one."""
    first = next((a for a in argv if not a.startswith("-")), None)
    return first if first in COMMANDS else None


def build_parser(argv: Sequence[str] | None = None) -> argparse.ArgumentParser:
    """The argument parser.  Given `argv`, only the chosen subcommand's module
    is imported (a no-op compile must not pay for every command's imports)."""
    parser = argparse.ArgumentParser(prog="specc", description="Compile backend specs into reviewable, safe changes.")
    parser.add_argument("--version", action="version", version=f"specc {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    chosen = _chosen(argv) if argv is not None else None
    for name, (module_name, help_text) in COMMANDS.items():
        cmd = sub.add_parser(name, help=help_text, description=help_text)
        if chosen is not None and name != chosen:
            continue
        module = importlib.import_module(module_name)
        module.add_arguments(cmd)
        cmd.set_defaults(_run=module.run)
    return parser


# A broken installation (ruff missing or failing), as opposed to a bad spec (2).
EXIT_INTERNAL = 3


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser(sys.argv[1:] if argv is None else argv).parse_args(argv)
    try:
        return int(args._run(args))
    except KeyboardInterrupt:
        print("specc: interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:
        return 1
    except Exception as err:
        # A SpecError's module is loaded by whatever raised one: looked up
        # here, not imported up front (the IR it imports is most of a no-op
        # compile's import time).
        diagnostics = sys.modules.get("compiler.diagnostics")
        if diagnostics is not None and isinstance(err, diagnostics.SpecError):
            # A stage below a command's own handling (rendering, in every
            # command that renders) found a problem: a diagnostic, not a traceback.
            from compiler.cli.commands.common import report

            return report(err, getattr(args, "format", "text"))
        # ruff (which lays out the generated Python) missing or failing is a
        # broken installation, not a bad spec: say so, without a traceback.
        from compiler.ruff_format import FormatError

        if not isinstance(err, FormatError):
            raise
        print(f"specc: cannot format the generated Python: {err}", file=sys.stderr)
        return EXIT_INTERNAL


def entry() -> int:
    """The `specc` command and `python -m compiler`: `main` in a process of its own."""
    quiet_gc()
    return main()


def quiet_gc() -> None:
    """Fewer cyclic garbage collections, for a process that runs one command.

    A compile builds many long-lived objects (the IR, sqlglot trees, the
    output tree); with CPython's default thresholds the full collections that
    walk all of them grow with the project (measured at 1,000 specs: 66.6 s
    cold by default, 60.5 s like this; peak memory 668 vs 686 MB).
    `gc.freeze()` keeps the imported modules' objects out of every collection
    (and out of copy-on-write in forked render workers).  Not applied when
    `main` runs inside another program, such as the test suite."""
    import gc

    gc.freeze()
    gc.set_threshold(50_000, 20, 100)


if __name__ == "__main__":
    sys.exit(entry())
