"""The `security` target: `_project/security-review.md`, a review of every
input surface (auth, query parameters, body fields, caching) with findings."""

from __future__ import annotations

from pathlib import PurePosixPath

from compiler import security_review
from compiler.ir import Project
from compiler.tasks import SECURITY_REVIEW


def emit(project: Project) -> dict[PurePosixPath, str]:
    return {SECURITY_REVIEW: security_review.render(security_review.review(project))}
