"""BC201 response-field-removed: a field clients read disappears from a response."""

from __future__ import annotations

from collections.abc import Iterator

from compiler.safety.lint.api_surface import ApiContext
from compiler.safety.lint.finding import Finding, Rule


class ResponseFieldRemoved(Rule[ApiContext]):
    id = "BC201"
    name = "response-field-removed"
    reason = "Deployed clients that read the field break when it disappears from the response."
    fix = "Keep returning the field (deprecate it in the description) until no client reads it, then remove it with an approval."
    scope = "api"

    def check(self, ctx: ApiContext) -> Iterator[Finding]:
        for key, old in sorted(ctx.old.items()):
            new = ctx.counterpart(key)
            if new is None:
                continue  # BC204 reports the whole endpoint
            for path in sorted(old.response):
                if path not in new.response:
                    spec_id, span = ctx.where(new)
                    target = f"{new.operation_id}.{path}"
                    yield Finding(span, self.id, target, f"{key} no longer returns `{path}`", spec_id, key)
