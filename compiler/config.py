"""The project configuration: `specc.yaml` next to the `specs/` folder.

It names the profile (the stack specc renders for) and may override the
profile's conventions one by one; `compiler/config.schema.json` is its
JSON Schema (`specc schema --config` prints it).  Without the file a
project is `fastapi-sql`, exactly as before the file existed.  A broken
file is a located error (file:line:col, exit 2), like a broken spec.

The result is an `ir.Conventions` that lowering applies, so every target
reads physical names and types from the IR (docs/prisma.md).
"""

from __future__ import annotations

import json
import re
from dataclasses import replace
from functools import lru_cache
from importlib import resources
from pathlib import Path, PurePosixPath
from typing import Any

from compiler.diagnostics import Diagnostic, SpecError
from compiler.ir import DEFAULT_CONVENTIONS, Conventions, Span

CONFIG_NAME = "specc.yaml"

PROFILES: dict[str, Conventions] = {
    "fastapi-sql": DEFAULT_CONVENTIONS,
    "prisma-postgres": Conventions(
        profile="prisma-postgres",
        column_case="camel",
        ids="text-uuid",
        timestamps="timestamp3",
        fk_on_update="cascade",
        naming="prisma",
        prisma_schema="prisma/schema.prisma",
        prisma_migrations="prisma/migrations",
    ),
}

_STAMPED = re.compile(r"^(\d{14})_")


def schema_text() -> str:
    return resources.files("compiler").joinpath("config.schema.json").read_text("utf-8")


@lru_cache(maxsize=1)
def _validator() -> Any:
    from jsonschema import Draft202012Validator

    return Draft202012Validator(json.loads(schema_text()))


def config_path(specs_dir: Path) -> Path:
    """Where the configuration of the project whose specs are in `specs_dir` lives."""
    return specs_dir.parent / CONFIG_NAME


def load_config(specs_dir: Path, display: Any = None) -> Conventions:
    """The project's conventions: its specc.yaml's, or the default profile's
    when there is none.  `display(path)` gives the name diagnostics use."""
    path = config_path(specs_dir)
    if not path.is_file():
        return DEFAULT_CONVENTIONS
    show = display or (lambda p: p.as_posix())
    from compiler.frontend.loader import load_file
    from compiler.frontend.validate import _diagnose, _leaves

    doc = load_file(path, show(path))
    if not isinstance(doc.data, dict):
        raise SpecError([Diagnostic(Span(show(path), 1, 1), "E280", f"{CONFIG_NAME} must be a mapping with `version: 1` and `profile:`")])
    diags: list[Diagnostic] = []
    for error in _validator().iter_errors(doc.data):
        for leaf in _leaves(error):
            diags.extend(_diagnose(doc, leaf))
    if diags:
        raise SpecError(sorted(set(diags)))
    data = doc.data
    conv = PROFILES[data["profile"]]
    conv = replace(conv, **dict(data.get("conventions") or {}))
    if "stack" in data:
        conv = replace(conv, stack=data["stack"])
    prisma = data.get("prisma") or {}
    if prisma and conv.profile != "prisma-postgres":
        raise SpecError([Diagnostic(doc.key_span(("prisma",)), "E280", f"`prisma:` applies only to profile prisma-postgres, not {conv.profile}")])
    if conv.profile != "prisma-postgres":
        return conv
    root = path.parent
    found: dict[str, str] = {}
    for key, default in (("schema", conv.prisma_schema), ("migrations", conv.prisma_migrations)):
        value = prisma.get(key, default)
        where = doc.span(("prisma", key)) if key in prisma else doc.span(("profile",))
        rel = PurePosixPath(value)
        if rel.is_absolute() or ".." in rel.parts or "\\" in value:
            raise SpecError([Diagnostic(where, "E281", f"prisma.{key}: {value!r} must be a path inside the project, relative to {CONFIG_NAME}")])
        found[key] = rel.as_posix()
    schema_file = root / found["schema"]
    if not schema_file.is_file():
        raise SpecError(
            [
                Diagnostic(
                    doc.span(("prisma", "schema")) if "schema" in prisma else doc.span(("profile",)),
                    "E282",
                    f"the base schema.prisma {found['schema']!r} does not exist (relative to {CONFIG_NAME})",
                    hint="set prisma.schema to the repository's schema.prisma",
                )
            ]
        )
    text = schema_file.read_text("utf-8")
    stamps = [0]
    mig = root / found["migrations"]
    if mig.is_dir():
        stamps += [int(m.group(1)) for d in mig.iterdir() if d.is_dir() and (m := _STAMPED.match(d.name))]
    return replace(conv, prisma_schema=found["schema"], prisma_schema_text=text, prisma_migrations=found["migrations"], migration_stamp=max(stamps))
