"""`specc lint`: built-in safety rules over what a compile would produce.

Migration rules (SC1xx) read each spec's generated postgres up migration,
statement by statement, against the schema it runs on.  API rules (BC2xx)
compare the committed `_project/openapi.yaml` with the freshly compiled one.
A flagged change compiles only when the spec approves it:

    approvals:
      - {rule: SC101, target: users.social_links, reason: "moved to profile_links in 2024"}

Every rule, its target format and its fix are in docs/lint-rules.md.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import TYPE_CHECKING
from collections.abc import Mapping

from compiler.diagnostics import Diagnostic
from compiler.ir import Approval, Project, Span
from compiler.safety.lint.api_surface import ApiContext
from compiler.safety.lint.finding import Finding, Rule
from compiler.safety.lint.per_spec import OPENAPI, api_surfaces, migration_findings
from compiler.safety.lint.rules import BY_ID, RULES

if TYPE_CHECKING:
    from compiler.build.incremental import CompileCache

__all__ = ["Finding", "Rule", "RULES", "BY_ID", "Verdict", "lint_project", "lint_output", "verdicts", "diagnostics"]


@dataclass(frozen=True)
class Verdict:
    """A finding and the approval that allows it (None: not approved)."""

    finding: Finding
    approval: Approval | None


def _locator(project: Project):  # type: ignore[no-untyped-def]
    def locate(operation_id: str) -> tuple[str, Span] | None:
        for spec in project.specs:
            for ep in spec.endpoints:
                if ep.operation_id == operation_id:
                    return spec.id, ep.span
        return None

    return locate


def lint_project(
    project: Project,
    tree: Mapping[PurePosixPath, str],
    previous_openapi: str | None = None,
    previous_file: str = "",
    out_display: str = "snapshots",
    cache: CompileCache | None = None,
) -> list[Finding]:
    """Every finding of every rule over `tree` (a compile's output) and, for
    the API rules, the previously committed OpenAPI document.  `cache` reuses
    per-spec results of earlier compiles (`compiler.safety.lint.per_spec`); the
    findings are the same without it."""
    findings = migration_findings(project, tree, out_display, cache)
    surfaces = api_surfaces(project, tree, previous_openapi, cache)
    if surfaces is not None:
        old, new = surfaces
        api = ApiContext(old, new, previous_file, previous_openapi or "", _locator(project))
        for rule in RULES:
            if rule.scope == "api":
                findings.extend(rule.check(api))
    return sorted(set(findings))


def verdicts(project: Project, findings: list[Finding]) -> list[Verdict]:
    """Pair each finding with the approval for its rule and target: the
    approval must be in the spec the change belongs to (for an API change no
    spec declares any more, in any spec)."""
    out = []
    for f in findings:
        specs = [s for s in project.specs if s.id == f.spec_id] if f.spec_id else list(project.specs)
        approval = next((a for s in specs for a in s.approvals if a.rule == f.rule and a.target == f.target), None)
        out.append(Verdict(f, approval))
    return out


def diagnostics(project: Project, judged: list[Verdict]) -> list[Diagnostic]:
    """Errors for unapproved findings and for approvals naming unknown rules."""
    diags = []
    for v in judged:
        if v.approval is None:
            f = v.finding
            rule = BY_ID[f.rule]
            hint = (
                f"{rule.name}: {rule.reason} Fix: {rule.fix} "
                f"If it is intended, approve it in the spec: approvals: [{{rule: {f.rule}, target: {f.target}, reason: ...}}]"
            )
            where = f" ({f.where})" if f.where else ""
            diags.append(Diagnostic(f.span, f.rule, f"{f.message}{where}", hint=hint))
    for spec in project.specs:
        for a in spec.approvals:
            if a.rule not in BY_ID:
                diags.append(Diagnostic(a.span, "E250", f"approval names unknown lint rule {a.rule!r}", hint=f"known rules: {', '.join(BY_ID)}"))
    return diags


def lint_output(project: Project, tree: Mapping[PurePosixPath, str], out: Path, cache: CompileCache | None = None) -> list[Verdict]:
    """Lint a compile's output against what is committed in `out` (the
    previous `_project/openapi.yaml`, if any)."""
    previous = out / OPENAPI
    text = previous.read_text("utf-8") if previous.is_file() else None
    display = out.as_posix()
    return verdicts(project, lint_project(project, tree, text, f"{display}/{OPENAPI}", display, cache))

