"""Draft pull requests: how a task splits into PRs, their bodies and payloads.

Shared by the `pr` target (snapshots, where checks have not run) and the
Backend Agent (live, with the results of `specc check`).
"""

from __future__ import annotations

from compiler.review.draft.body import SECTIONS, render_body
from compiler.review.draft.parts import Part, plan_parts
from compiler.review.draft.payload import payload, payloads

__all__ = ["SECTIONS", "Part", "payload", "payloads", "plan_parts", "render_body"]
