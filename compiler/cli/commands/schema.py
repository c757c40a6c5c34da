"""`specc schema`: print the spec language's JSON Schema."""

from __future__ import annotations

import argparse
import sys

from compiler.frontend.validate import schema_text


def add_arguments(parser: argparse.ArgumentParser) -> None:
    pass


def run(args: argparse.Namespace) -> int:
    sys.stdout.write(schema_text())
    return 0
