"""What a lint rule reports, and the base class every rule derives from."""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar, Generic, Literal, TypeVar
from collections.abc import Iterator

from compiler.ir import Span

Scope = Literal["migration", "api"]


@dataclass(frozen=True, order=True)
class Finding:
    """One flagged change: which rule, what it touches (`target`, the string a
    spec's `approvals:` entry must name), where, and why."""

    span: Span
    rule: str
    target: str
    message: str
    spec_id: str = ""
    where: str = ""  # the generated file and line, e.g. "theme/migrations/postgres/up.sql:7"


Ctx = TypeVar("Ctx")


class Rule(Generic[Ctx]):
    """A safety rule: an id (SC1xx schema, BC2xx API), a kebab-case name, the
    one-line reason it exists, and the documented fix (docs/lint-rules.md)."""

    id: ClassVar[str]
    name: ClassVar[str]
    reason: ClassVar[str]
    fix: ClassVar[str]
    scope: ClassVar[Scope]

    def check(self, ctx: Ctx) -> Iterator[Finding]:
        raise NotImplementedError
