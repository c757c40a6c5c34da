"""A security review of every input surface, derived from the IR.

An input surface is anything a client controls: an endpoint's query
parameters and request body fields (list items included), plus whether the
endpoint is authenticated and how its response may be cached.  For each one
the review states the constraints validation enforces and flags what a
reviewer should look at, with a severity.
"""

from __future__ import annotations

from dataclasses import dataclass

from compiler.review import markdown as md
from compiler.ir import Column, ColumnField, Endpoint, ListField, Project, Spec

SEVERITY_ORDER = ("high", "medium", "low", "info")


@dataclass(frozen=True)
class Finding:
    """Something a reviewer should look at (plain text; callers escape)."""

    severity: str
    where: str
    text: str


@dataclass(frozen=True)
class Input:
    """One client-controlled value and the constraints enforced on it."""

    location: str  # "query" or "body"
    name: str
    constraints: tuple[str, ...]


@dataclass(frozen=True)
class Surface:
    """One endpoint's inputs, auth and caching, with its findings."""

    spec_id: str
    endpoint: Endpoint
    inputs: tuple[Input, ...]
    findings: tuple[Finding, ...]


def _column_constraints(col: Column) -> tuple[list[str], list[tuple[str, str]]]:
    """(constraints, [(severity, finding)]) for a writable column."""
    out: list[str] = [f"type {col.kind}", "nullable" if col.nullable else "not null"]
    flags: list[tuple[str, str]] = []
    if col.kind == "enum" and col.enum:
        out.append(f"one of {', '.join(col.enum.values)}")
    if col.min_length is not None or col.max_length is not None:
        out.append(f"length {col.min_length or 0}..{col.max_length if col.max_length is not None else 'unbounded'}")
    if col.kind in ("string", "text") and col.max_length is None:
        flags.append(("medium", "no maximum length: a client can store arbitrarily large text"))
    if col.kind in ("int", "bigint") and (col.minimum is None or col.maximum is None):
        flags.append(("low", "integer without both bounds"))
    if col.minimum is not None or col.maximum is not None:
        out.append(f"range {col.minimum}..{col.maximum}")
    if col.kind == "url":
        out.append(f"schemes {', '.join(col.schemes)}; no credentials in the URL; normalised before storage")
        for rule in col.host_rules:
            out.append(f"when {rule.when_column} = {rule.when_value}: host in {', '.join(rule.hosts)} (or a subdomain)")
        if not col.host_rules:
            flags.append(("info", "any host is accepted; the frontend must render these links with rel=\"noopener noreferrer nofollow\" and specc code never fetches them (no SSRF)"))
        if "http" in col.schemes:
            flags.append(("low", "plain http is allowed; the frontend may want to upgrade or warn"))
    return out, flags


def surface(spec: Spec, endpoint: Endpoint) -> Surface:
    """The review of one endpoint."""
    inputs: list[Input] = []
    findings: list[Finding] = []
    where = f"{endpoint.method} {endpoint.path}"
    if not endpoint.auth:
        findings.append(Finding("high", where, "no authentication: anyone can call it"))
    for param in endpoint.query:
        cons = [f"one of {', '.join(param.enum.values)}", f"default {param.default}" if param.default is not None else "required"]
        inputs.append(Input("query", param.name, tuple(cons)))
    for field in endpoint.request:
        if isinstance(field, ColumnField):
            cons, flags = _column_constraints(field.column)
            inputs.append(Input("body", field.name, tuple(cons)))
            findings.extend(Finding(sev, f"{where} body.{field.name}", text) for sev, text in flags)
        elif isinstance(field, ListField):
            cap = f"at most {field.cap.max} per {field.cap.per}, counted inside the write transaction" if field.cap else "no cap"
            inputs.append(Input("body", field.name, (f"list of {field.table} rows, replaces the whole set", cap)))
            if field.cap is None:
                findings.append(Finding("high", f"{where} body.{field.name}", "unbounded list: a client can create any number of rows"))
            for item in field.fields:
                cons, flags = _column_constraints(item.column)
                inputs.append(Input("body", f"{field.name}[].{item.name}", tuple(cons)))
                findings.extend(Finding(sev, f"{where} body.{field.name}[].{item.name}", text) for sev, text in flags)
    if endpoint.request:
        findings.append(Finding("info", where, "unknown fields are rejected (422 unknown_field), so clients cannot mass-assign other columns"))
    if endpoint.auth and endpoint.cache is not None:
        control = endpoint.cache.cache_control
        if "private" not in control and "no-store" not in control:
            findings.append(Finding("high", where, f"Cache-Control {control!r} lets shared caches store personal data"))
        elif "private" in control and "Authorization" not in endpoint.cache.vary:
            findings.append(Finding("low", where, "private response without Vary: Authorization"))
    if endpoint.query and endpoint.kind == "aggregate":
        findings.append(Finding("info", where, "the window is an enum, so the cost of one request is bounded"))
    return Surface(spec.id, endpoint, tuple(inputs), tuple(findings))


def review(project: Project, spec_ids: tuple[str, ...] = ()) -> tuple[Surface, ...]:
    """Every input surface of the project (or of `spec_ids`), in project order."""
    return tuple(surface(s, e) for s in project.specs if not spec_ids or s.id in spec_ids for e in s.endpoints)


def counts(surfaces: tuple[Surface, ...]) -> dict[str, int]:
    """Findings per severity."""
    out = {sev: 0 for sev in SEVERITY_ORDER}
    for s in surfaces:
        for f in s.findings:
            out[f.severity] += 1
    return out


def render(surfaces: tuple[Surface, ...], level: int = 1) -> str:
    """The review as Markdown (every spec-derived string escaped); `level` is
    the heading level of its title, so a PR body can embed it."""
    return render_parts(counts(surfaces), [surface_lines(s, level) for s in surfaces], level)


def render_parts(found: dict[str, int], blocks: list[list[str]], level: int = 1) -> str:
    """`render`, given the findings' counts and each surface's `surface_lines`
    (so a caller can reuse the lines of surfaces that did not change)."""
    h = "#" * level
    lines = [f"{h} Security review of every input surface", ""]
    lines.append("Findings: " + ", ".join(f"{n} {sev}" for sev, n in found.items()) + ".")
    lines.append("")
    lines.append("Every endpoint returns validation errors as 422 `{\"errors\": [...]}` and, when it needs auth, 401 with code `unauthorized`.")
    if not any(blocks):
        lines += ["", "No endpoints: there is no input surface to review."]
    for block in blocks:
        lines += block
    return "\n".join(lines) + "\n"


def surface_lines(s: Surface, level: int = 1) -> list[str]:
    """The lines of one input surface in the review."""
    h = "#" * level
    e = s.endpoint
    lines = ["", f"{h}# {md.code(e.method + ' ' + e.path)} ({md.code(e.operation_id)}, spec {md.code(s.spec_id)})", ""]
    lines.append(f"- Auth: {'required (401 without it)' if e.auth else '**none**'}")
    if e.cache is not None:
        vary = f", Vary: {md.text(', '.join(e.cache.vary))}" if e.cache.vary else ""
        lines.append(f"- Cache-Control: {md.code(e.cache.cache_control)}{vary}")
    if s.inputs:
        lines.append("- Inputs:")
        for i in s.inputs:
            lines.append(f"  - {i.location} {md.code(i.name)}: {md.text('; '.join(i.constraints))}")
    else:
        lines.append("- Inputs: none besides the credentials")
    ordered = sorted(s.findings, key=lambda f: SEVERITY_ORDER.index(f.severity))
    if ordered:
        lines.append("- Findings:")
        for f in ordered:
            lines.append(f"  - **{f.severity}** {md.code(f.where)}: {md.text(f.text)}")
    return lines
