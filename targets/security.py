"""The `security` target: `_project/security-review.md`, a review of every
input surface (auth, query parameters, body fields, caching) with findings.

Each spec's part of the review is a fragment (cached with the spec's other
outputs), so the review is assembled, not re-rendered, when one spec changes.
"""

from __future__ import annotations

from pathlib import PurePosixPath
from collections.abc import Mapping

from compiler.review import security_review
from compiler.checkers import MARKDOWN
from compiler.build.header import HTML
from compiler.ir import Project, Spec
from compiler.target import REVIEW, FileKind, Target
from compiler.review.tasks import SECURITY_REVIEW


def spec_fragment(project: Project, spec: Spec) -> tuple[tuple[int, ...], tuple[str, ...]]:
    """The spec's findings per severity (in `SEVERITY_ORDER`) and its lines in the review."""
    surfaces = tuple(security_review.surface(spec, e) for e in spec.endpoints)
    found = security_review.counts(surfaces)
    lines = tuple(line for s in surfaces for line in security_review.surface_lines(s))
    return tuple(found[sev] for sev in security_review.SEVERITY_ORDER), lines


def emit_project(project: Project, fragments: Mapping[str, tuple[tuple[int, ...], tuple[str, ...]]]) -> dict[PurePosixPath, str]:
    total = {sev: 0 for sev in security_review.SEVERITY_ORDER}
    blocks: list[list[str]] = []
    for spec in project.specs:
        found, lines = fragments[spec.id]
        for sev, n in zip(security_review.SEVERITY_ORDER, found, strict=True):
            total[sev] += n
        blocks.append(list(lines))
    return {SECURITY_REVIEW: security_review.render_parts(total, blocks)}


TARGET = Target(
    "security",
    kinds=(FileKind(".md", HTML, REVIEW, MARKDOWN, where=SECURITY_REVIEW.as_posix()),),
    spec_fragment=spec_fragment,
    assemble_project=emit_project,
)
