"""Escaping for Markdown that carries spec text (PR bodies, plans, reviews).

Spec text is untrusted: a title could hold `<script>`, a stray code fence,
or `[x](javascript:...)`.  Everything from a spec goes through one of these
helpers, so a renderer (GitHub, a docs site) shows it as text and never runs
or re-interprets it.
"""

from __future__ import annotations

import re
from urllib.parse import quote

# CommonMark lets any ASCII punctuation be backslash-escaped; these are the
# characters that start inline constructs anywhere in a line.
_INLINE = re.compile(r"([\\`*_\[\]|~])")
# Constructs that only mean something at the start of a line.
_LINE_START = re.compile(r"^(\s*)(\d+)?([#>+=.)-])")
_SAFE_URL = re.compile(r"^https?://[^\s<>()\[\]`\"'\\]+$")
_FENCE_LANG = re.compile(r"^[a-z0-9_+-]*$")


def text(value: object) -> str:
    """`value` as inline Markdown text: one line, no HTML, no markup."""
    s = " ".join(str(value).split())
    # Entities first, so the escapes below are not themselves re-escaped.
    s = s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    s = _INLINE.sub(r"\\\1", s)
    # `#`, `-`, `1.` ... only matter at the start of a line, but a caller may
    # place the text there (a paragraph), so neutralise them unconditionally.
    match = _LINE_START.match(s)
    if match and (match.group(2) is None) == (match.group(3) not in ".)"):
        s = s[: match.start(3)] + "\\" + s[match.start(3) :]
    return s


def prose(value: object) -> str:
    """`value` as inline text in which `backtick` pairs become code spans.

    For specc's own messages ("run `specc checks` first"): each plain part
    goes through `text`, each quoted part through `code`, so a message is
    shown as written and nothing in it (even text that came from a spec or
    a check's output) can add markup.  Unpaired backticks stay literal.
    """
    parts = " ".join(str(value).split()).split("`")
    if len(parts) % 2 == 0:  # an odd number of backticks: no pairing is safe
        return text(value)
    out = []
    for i, part in enumerate(parts):
        if i % 2 and part.strip():
            out.append(code(part))
        elif part.strip():
            # `text` trims; keep the spaces that separate a part from its code spans.
            out.append((" " if part[0] == " " else "") + text(part) + (" " if part[-1] == " " else ""))
        else:
            out.append(part)
    return "".join(out)


def code(value: object) -> str:
    """`value` as an inline code span that no backtick run inside can close.

    Pipes are escaped too, because GitHub splits table cells on `|` even
    inside code spans (and renders `\\|` there as a plain pipe).
    """
    s = " ".join(str(value).split()).replace("|", "\\|")
    longest = max((len(run) for run in re.findall(r"`+", s)), default=0)
    ticks = "`" * (longest + 1)
    pad = " " if s.startswith("`") or s.endswith("`") or not s.strip() else ""
    return f"{ticks}{pad}{s}{pad}{ticks}"


def fence(body: str, lang: str = "") -> str:
    """`body` in a fenced code block whose fence is longer than any backtick
    run inside, so the block cannot be closed early."""
    if not _FENCE_LANG.match(lang):
        raise ValueError(f"unsafe fence language {lang!r}")
    longest = max((len(run) for run in re.findall(r"`+", body)), default=0)
    ticks = "`" * max(3, longest + 1)
    return f"{ticks}{lang}\n{body.rstrip(chr(10))}\n{ticks}"


def url(value: str) -> str:
    """A URL safe to put inside `(...)` of a link: http(s) only, with every
    character that could end the link or start markup percent-encoded."""
    if not value.lower().startswith(("https://", "http://")):
        raise ValueError(f"refusing to link a non-http(s) URL: {value!r}")
    encoded = quote(value, safe=":/?#&=%+,;@!$*.-_~")
    if not _SAFE_URL.match(encoded):
        raise ValueError(f"unsafe URL after encoding: {encoded!r}")
    return encoded


def link(title: str, target: str) -> str:
    """`[title](url)` with the title escaped and the URL encoded."""
    return f"[{text(title or target)}]({url(target)})"


def checkbox(done: bool, label: str) -> str:
    """A task-list item; `label` must already be Markdown."""
    return f"- [{'x' if done else ' '}] {label}"
