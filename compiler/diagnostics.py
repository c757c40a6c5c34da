"""Diagnostics are data: a code, a severity, a message and a source span.

Every user mistake becomes a `Diagnostic`; stages collect them and raise
`SpecError` with all of a file's problems at once.  Rendering is separate
(text, json, github) so tools can consume the same data.
"""

from __future__ import annotations

import difflib
import json
from dataclasses import dataclass
from typing import Literal
from collections.abc import Iterable

from compiler.ir import Span

Severity = Literal["error", "warning", "note"]


@dataclass(frozen=True, order=True)
class Diagnostic:
    """One problem found in user input, located at `span`."""

    span: Span
    code: str
    message: str
    severity: Severity = "error"
    hint: str = ""

    def render(self) -> str:
        text = f"{self.span}: {self.severity} {self.code}: {self.message}"
        if self.hint:
            text += f"\n  hint: {self.hint}"
        return text

    def as_dict(self) -> dict[str, object]:
        return {
            "code": self.code,
            "col": self.span.col,
            "file": self.span.file,
            "hint": self.hint,
            "line": self.span.line,
            "message": self.message,
            "severity": self.severity,
        }


class SpecError(Exception):
    """Raised when user input is wrong; carries every diagnostic found."""

    def __init__(self, diagnostics: Iterable[Diagnostic]) -> None:
        self.diagnostics = sorted(set(diagnostics))
        super().__init__("\n".join(d.render() for d in self.diagnostics))

    def __reduce__(self) -> tuple[type[SpecError], tuple[list[Diagnostic]]]:
        # Rebuilt from the diagnostics, not the message, when a worker
        # process sends it back (Exception pickles its args).
        return (SpecError, (self.diagnostics,))


class Collector:
    """Accumulates diagnostics so a stage can report every problem at once."""

    def __init__(self) -> None:
        self.items: list[Diagnostic] = []

    def error(self, span: Span, code: str, message: str, hint: str = "") -> None:
        self.items.append(Diagnostic(span, code, message, "error", hint))

    def raise_if_any(self) -> None:
        if any(d.severity == "error" for d in self.items):
            raise SpecError(self.items)


def _github_escape(text: str, *, prop: bool = False) -> str:
    text = text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")
    if prop:
        text = text.replace(":", "%3A").replace(",", "%2C")
    return text


def render(diagnostics: Iterable[Diagnostic], fmt: str = "text") -> str:
    """Render diagnostics as `text` (path:line:col: error CODE: message),
    `json` (a list of objects), or `github` (Actions workflow commands)."""
    items = list(diagnostics)
    if fmt == "json":
        return json.dumps([d.as_dict() for d in items], indent=2, sort_keys=True)
    if fmt == "github":
        lines = []
        for d in items:
            level = "error" if d.severity == "error" else "warning"
            props = f"file={_github_escape(d.span.file, prop=True)}"
            if d.span.line:
                props += f",line={d.span.line},col={d.span.col}"
            props += f",title={_github_escape(d.code, prop=True)}"
            msg = d.message + (f" (hint: {d.hint})" if d.hint else "")
            lines.append(f"::{level} {props}::{_github_escape(msg)}")
        return "\n".join(lines)
    return "\n".join(d.render() for d in items)


def did_you_mean(name: str, known: Iterable[str], what: str = "known") -> str:
    """A hint naming the closest of `known` to `name`: a match in another
    case first (`patch` -> `PATCH`), then the closest spelling (`user` ->
    `users`); else the list of `known` (`what` names them)."""
    options = list(dict.fromkeys(known))
    folded = [k for k in options if k.casefold() == name.casefold()]
    close = folded or difflib.get_close_matches(name, options, n=1, cutoff=0.6)
    if not close:
        close = difflib.get_close_matches(name.casefold(), [k.casefold() for k in options], n=1, cutoff=0.6)
        close = [next(k for k in options if k.casefold() == close[0])] if close else []
    if close:
        return f"did you mean {close[0]!r}?"
    return f"{what}: {', '.join(options)}" if options else ""
