"""`specc schema`: print the spec language's JSON Schema (`--config`: that of specc.yaml)."""

from __future__ import annotations

import argparse
import sys

from compiler.frontend.validate import schema_text


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--config", action="store_true", help="print the JSON Schema of the project configuration, specc.yaml")


def run(args: argparse.Namespace) -> int:
    if args.config:
        from compiler.config import schema_text as config_schema

        sys.stdout.write(config_schema())
        return 0
    sys.stdout.write(schema_text())
    return 0
