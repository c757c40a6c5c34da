"""UX audit findings (`specc tasks --audit FILE`), to order tasks by what they unblock.

The brief: "use audit context to prioritize endpoints that enable top UX
fixes".  An audit is a JSON list of findings (or `{"findings": [...]}`) or a
CSV file with a header row; each finding has an `id`, a `severity` and a
`title`.  Specs name the findings they unblock in `enables:`.
"""

from __future__ import annotations

import csv
import io
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from compiler.agent.echo import shown

MAX_AUDIT_BYTES = 5 * 1024 * 1024

# Lower is more severe.  Common vocabularies map onto one scale.
SEVERITY_RANK: dict[str, int] = {
    "critical": 0,
    "blocker": 0,
    "p0": 0,
    "high": 1,
    "major": 1,
    "serious": 1,
    "p1": 1,
    "medium": 2,
    "moderate": 2,
    "p2": 2,
    "low": 3,
    "minor": 3,
    "p3": 3,
    "info": 4,
    "trivial": 4,
    "p4": 4,
}


class AuditError(Exception):
    """The audit file cannot be used; the message says where and why."""


@dataclass(frozen=True)
class Finding:
    """One UX audit finding."""

    id: str
    severity: str
    title: str

    @property
    def rank(self) -> int:
        return SEVERITY_RANK[self.severity]

    def as_dict(self) -> dict[str, Any]:
        return {"id": self.id, "severity": self.severity, "title": self.title}


def _finding(row: dict[str, Any], where: str) -> Finding:
    lower = {str(k).strip().lower(): v for k, v in row.items() if k is not None}
    missing = [k for k in ("id", "severity", "title") if not str(lower.get(k) or "").strip()]
    if missing:
        raise AuditError(f"{where}: missing {', '.join(missing)}")
    severity = str(lower["severity"]).strip().lower()
    if severity not in SEVERITY_RANK:
        raise AuditError(f"{where}: unknown severity {shown(lower['severity'])}; use one of critical, high, medium, low, info")
    return Finding(str(lower["id"]).strip(), severity, " ".join(str(lower["title"]).split()))


def parse(text: str, name: str, kind: str | None = None) -> tuple[Finding, ...]:
    """Findings from the text of a JSON or CSV audit.

    `kind` ("json" or "csv", from the file's extension) decides the format;
    without it, text that starts like JSON (`[` or `{`) is JSON.  A `.json`
    file that is not valid JSON is reported as a JSON error at its line and
    column, never as a CSV problem.
    """
    stripped = text.lstrip()
    if kind is None:
        kind = "json" if stripped.startswith(("[", "{")) else "csv"
    if kind == "json":
        try:
            data = json.loads(text)
        except json.JSONDecodeError as exc:
            raise AuditError(f"{name}:{exc.lineno}:{exc.colno}: invalid JSON: {exc.msg}") from None
        return from_data(data, name)
    reader = csv.DictReader(io.StringIO(text))
    fields = [f.strip().lower() for f in reader.fieldnames or []]
    if not {"id", "severity", "title"} <= set(fields):
        raise AuditError(f"{name}:1: the CSV header must name the columns id, severity and title")
    return _findings([(row, f"{name}:{reader.line_num}") for row in reader])


def from_data(data: Any, name: str = "audit") -> tuple[Finding, ...]:
    """Findings from parsed JSON, or from the same content passed in memory:
    a list of findings (objects with id, severity, title) or `{"findings": [...]}`."""
    if isinstance(data, dict):
        data = data.get("findings")
    if not isinstance(data, (list, tuple)) or not all(isinstance(item, dict) for item in data):
        raise AuditError(f"{name}: expected a list of findings (objects with id, severity, title), or {{\"findings\": [...]}}")
    return _findings([(item, f"{name}: finding {i + 1}") for i, item in enumerate(data)])


def _findings(rows: list[tuple[dict[str, Any], str]]) -> tuple[Finding, ...]:
    findings: list[Finding] = []
    seen: set[str] = set()
    for row, where in rows:
        finding = _finding(row, where)
        if finding.id in seen:
            raise AuditError(f"{where}: duplicate finding id {shown(finding.id)}")
        seen.add(finding.id)
        findings.append(finding)
    return tuple(findings)


def resolve(audit: Any) -> tuple[Finding, ...]:
    """What `next_tasks_overview(audit=...)` accepts: None, a path (str or
    Path), Finding objects, or in-memory findings (a list of dicts, or a dict
    with `findings`), validated like a file's."""
    if audit is None:
        return ()
    if isinstance(audit, (str, Path)):
        return load(Path(audit))
    if isinstance(audit, (list, tuple)) and all(isinstance(f, Finding) for f in audit):
        return tuple(audit)
    if isinstance(audit, (list, tuple, dict)):
        return from_data(list(audit) if isinstance(audit, tuple) else audit)
    raise AuditError(f"expected a file path, a list of findings or {{\"findings\": [...]}}, not a {type(audit).__name__}")


def load(path: Path) -> tuple[Finding, ...]:
    """Read an audit file."""
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise AuditError(f"{path}: cannot read the audit: {exc.strerror}") from None
    if len(raw) > MAX_AUDIT_BYTES:
        raise AuditError(f"{path}: the audit is larger than {MAX_AUDIT_BYTES} bytes")
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise AuditError(f"{path}: the audit is not UTF-8") from None
    suffix = path.suffix.lower()
    return parse(text, str(path), "json" if suffix == ".json" else "csv" if suffix == ".csv" else None)


def top_finding(enables: tuple[str, ...], findings: tuple[Finding, ...]) -> Finding | None:
    """The most severe finding among `enables` (ties: the audit's order)."""
    by_id = {f.id: (i, f) for i, f in enumerate(findings)}
    hits = [by_id[e] for e in enables if e in by_id]
    if not hits:
        return None
    return min(hits, key=lambda pair: (pair[1].rank, pair[0]))[1]
