"""BC203 api-enum-value-removed: an enum value leaves a request or response field."""

from __future__ import annotations

from collections.abc import Iterator

from compiler.safety.lint.api_surface import ApiContext
from compiler.safety.lint.finding import Finding, Rule


class ApiEnumValueRemoved(Rule[ApiContext]):
    id = "BC203"
    name = "api-enum-value-removed"
    reason = "Clients that send the value get 422s, and clients that switch on it meet data they were promised would not change."
    fix = "Keep accepting the value (map it to its replacement server-side) until clients stop sending it."
    scope = "api"

    def check(self, ctx: ApiContext) -> Iterator[Finding]:
        for key, old in sorted(ctx.old.items()):
            new = ctx.counterpart(key)
            if new is None:
                continue
            for where, before, after in (("request", old.request, new.request), ("response", old.response, new.response), ("parameter", old.params, new.params)):
                for path, field in sorted(before.items()):
                    now = after.get(path)
                    if now is None or not field.enum or not now.enum:
                        continue
                    removed = [v for v in field.enum if v not in now.enum]
                    if removed:
                        spec_id, span = ctx.where(new)
                        target = f"{new.operation_id}.{path}"
                        yield Finding(span, self.id, target, f"{key}: {where} `{path}` no longer allows {', '.join(map(repr, removed))}", spec_id, key)
