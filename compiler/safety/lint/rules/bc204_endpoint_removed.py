"""BC204 endpoint-removed: an operation disappears from the API."""

from __future__ import annotations

from collections.abc import Iterator

from compiler.safety.lint.api_surface import ApiContext
from compiler.safety.lint.finding import Finding, Rule


class EndpointRemoved(Rule[ApiContext]):
    id = "BC204"
    name = "endpoint-removed"
    reason = "Deployed clients calling the endpoint get 404s."
    fix = "Deprecate the endpoint, wait until its traffic is gone, then remove it with an approval naming its operationId."
    scope = "api"

    def check(self, ctx: ApiContext) -> Iterator[Finding]:
        for key, old in sorted(ctx.old.items()):
            if ctx.counterpart(key) is None:
                spec_id, span = ctx.where(old)
                yield Finding(span, self.id, old.operation_id, f"{key} ({old.operation_id}) is removed", spec_id, key)
