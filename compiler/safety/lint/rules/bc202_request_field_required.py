"""BC202 request-field-required: a request field becomes required."""

from __future__ import annotations

from collections.abc import Iterator

from compiler.safety.lint.api_surface import ApiContext
from compiler.safety.lint.finding import Finding, Rule


class RequestFieldRequired(Rule[ApiContext]):
    id = "BC202"
    name = "request-field-required"
    reason = "Clients that do not send a newly required field (or parameter) start getting 422s."
    fix = "Make the field optional with a server-side default; require it only in a new endpoint or API version."
    scope = "api"

    def check(self, ctx: ApiContext) -> Iterator[Finding]:
        for key, old in sorted(ctx.old.items()):
            new = ctx.counterpart(key)
            if new is None:
                continue
            for kind, before, after in (("field", old.request, new.request), ("parameter", old.params, new.params)):
                for path in sorted(after):
                    if kind == "parameter" and path.startswith("path:"):
                        continue  # part of the URL: a new one is BC204 (the old URL is gone)
                    was = before.get(path)
                    parent = path.rsplit(".", 1)[0] if "." in path else ""
                    # A new required field inside a new optional object is not a break.
                    if after[path].required and (was is None or not was.required) and (not parent or parent in before or kind == "parameter"):
                        spec_id, span = ctx.where(new)
                        target = f"{new.operation_id}.{path}"
                        yield Finding(span, self.id, target, f"{key} now requires request {kind} `{path}`", spec_id, key)
