"""Stage 3: lower one validated spec document into the IR `Spec`."""

from __future__ import annotations

import hashlib

from compiler.diagnostics import Collector
from compiler.ir import Approval, CoordinationLink, EnumDef, Schema, Spec
from compiler.frontend.document import Document
from compiler.lower.api import ApiLowering
from compiler.lower.backfill import BackfillLowering
from compiler.lower.resources import ResourceLowering
from compiler.lower.schema import SchemaLowering


def lower_spec(doc: Document, before: Schema, inherited_enums: dict[str, EnumDef]) -> Spec:
    """Lower `doc` on top of `before`; raise SpecError with every problem found."""
    diags = Collector()
    data = doc.data
    schema_part = SchemaLowering(doc, before, inherited_enums, diags)
    schema_part.lower_enums()
    after = schema_part.lower_tables()
    api = ApiLowering(doc, after, schema_part.enums, diags)
    metrics = api.lower_metrics()
    endpoints = api.lower_endpoints()
    resources = ResourceLowering(doc, after, diags, endpoints).lower()
    backfills = BackfillLowering(doc, after, diags).lower()
    diags.raise_if_any()
    approvals = tuple(
        Approval(a["rule"], a["target"], " ".join(a["reason"].split()), doc.span(("approvals", i)))
        for i, a in enumerate(data.get("approvals") or [])
    )
    coordination = tuple(CoordinationLink(c["url"], " ".join(c.get("title", "").split())) for c in data.get("coordination") or [])
    open_questions = sorted(schema_part.questions + api.questions, key=lambda q: (q.span, q.key))
    return Spec(
        id=data["id"],
        title=" ".join(data["title"].split()),
        motivation=" ".join(str(data.get("motivation", "")).split()),
        priority=data.get("priority", "medium"),
        depends_on=tuple(data.get("depends_on") or ()),
        coordination=coordination,
        enables=tuple(data.get("enables") or ()),
        enums=tuple(schema_part.own_enums),
        operations=tuple(schema_part.operations),
        schema_before=before,
        schema_after=after,
        endpoints=endpoints,
        metrics=metrics,
        questions=tuple(open_questions),
        approvals=approvals,
        backfills=backfills,
        resources=resources,
        source=doc.path,
        source_sha256=hashlib.sha256(doc.text.encode("utf-8")).hexdigest(),
        span=doc.span(()),
    )
