"""Contract-test cases derived from a column's constraints.

Each constraint of the IR yields the values just inside and just outside it:
a string at its maximum length and one character more, every enum value and
one outside, each integer bound and one past it, each class of URL the
validators must reject, and the URL forms they must normalise.  Values are
plain Python data plus `Rep` (a long run of one character, rendered as
`"x" * 41` so the generated tests stay readable).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from compiler.ir import Column, ColumnField, HostRule, ListField

# Hosts used in generated URLs: reserved for documentation (RFC 2606).
HOST = "example.com"


@dataclass(frozen=True)
class Rep:
    """`prefix + char * count`: a long string, kept short in the source."""

    prefix: str
    char: str
    count: int

    @property
    def value(self) -> str:
        return self.prefix + self.char * self.count


@dataclass(frozen=True)
class Accept:
    """`value` must be accepted and read back as `expected`."""

    id: str
    value: Any
    expected: Any


@dataclass(frozen=True)
class Reject:
    """`value` must be rejected with one of `codes` at the field's path."""

    id: str
    value: Any
    codes: tuple[str, ...]


def text_value(length: int, char: str = "x") -> Any:
    """A string of exactly `length` characters (a Rep when long)."""
    return Rep("", char, length) if length > 8 else char * length


def url_of_length(length: int, host: str = HOST) -> Any:
    """An https URL of exactly `length` characters."""
    prefix = f"https://{host}/"
    return Rep(prefix, "a", max(length - len(prefix), 0))


def string_cases(column: Column) -> tuple[list[Accept], list[Reject]]:
    accepts: list[Accept] = []
    rejects: list[Reject] = []
    if column.max_length is not None:
        n = column.max_length
        accepts.append(Accept(f"length-{n}-max", text_value(n), text_value(n)))
        rejects.append(Reject(f"length-{n + 1}-over-max", text_value(n + 1), ("too_long",)))
        # Lengths count code points on every dialect, not UTF-16 units or bytes.
        accepts.append(Accept(f"length-{n}-max-astral", text_value(n, "\U0001f600"), text_value(n, "\U0001f600")))
        rejects.append(Reject(f"length-{n + 1}-over-max-astral", text_value(n + 1, "\U0001f600"), ("too_long",)))
    if column.min_length:
        n = column.min_length
        accepts.append(Accept(f"length-{n}-min", text_value(n), text_value(n)))
        rejects.append(Reject(f"length-{n - 1}-under-min", text_value(n - 1), ("too_short",)))
    rejects.append(Reject("not-a-string", 12345, ("type",)))
    # No database stores NUL as text (PostgreSQL refuses it; SQLite's LENGTH
    # stops at it), whatever the column's length.
    rejects.append(Reject("nul", "a\x00b", ("invalid_text",)))
    rejects.append(Reject("nul-only", "\x00", ("invalid_text",)))
    if column.max_length is not None:
        # Over the length too, yet one error: the first rule broken speaks.
        rejects.append(Reject(f"nul-length-{column.max_length + 1}", text_value(column.max_length + 1, "\x00"), ("invalid_text",)))
    return accepts, rejects


def enum_cases(column: Column) -> tuple[list[Accept], list[Reject]]:
    values = column.enum.values if column.enum else ()
    accepts = [Accept(f"enum-{v}", v, v) for v in values]
    rejects = []
    outside = "not-a-" + (column.enum.name if column.enum else "value")
    while outside in values:
        outside += "-x"
    rejects.append(Reject("enum-outside", outside, ("enum",)))
    for v in values:
        if v.upper() != v and v.upper() not in values:
            # Enum values match exactly; a case variant is a different value.
            rejects.append(Reject(f"enum-{v}-upper-case", v.upper(), ("enum",)))
            break
    rejects.append(Reject("not-a-string", 1, ("type",)))
    return accepts, rejects


def int_cases(column: Column) -> tuple[list[Accept], list[Reject]]:
    accepts: list[Accept] = []
    rejects: list[Reject] = []
    if column.minimum is not None:
        accepts.append(Accept(f"min-{column.minimum}", column.minimum, column.minimum))
        rejects.append(Reject(f"below-min-{column.minimum - 1}", column.minimum - 1, ("too_small",)))
    if column.maximum is not None:
        accepts.append(Accept(f"max-{column.maximum}", column.maximum, column.maximum))
        rejects.append(Reject(f"above-max-{column.maximum + 1}", column.maximum + 1, ("too_large",)))
    rejects.append(Reject("string-not-int", "1", ("type",)))
    rejects.append(Reject("float-not-int", 1.5, ("type",)))
    rejects.append(Reject("bool-not-int", True, ("type",)))
    return accepts, rejects


# The classes of URL the validators must reject, whatever the spec allows.
# Codes list every code a correct validator may reasonably use for the class.
_URL_REJECTS: tuple[tuple[str, str, tuple[str, ...]], ...] = (
    ("javascript", "javascript:alert(1)", ("url_scheme",)),
    ("javascript-mixed-case", "JaVaScRiPt:alert(1)", ("url_scheme",)),
    # Hidden characters do not hide a forbidden scheme: the reason given is
    # the scheme (as a browser would still run it), not the stray character.
    ("javascript-leading-space", "  javascript:alert(1)", ("url_scheme",)),
    ("javascript-leading-control", "\x01javascript:alert(1)", ("url_scheme",)),
    ("javascript-embedded-tab", "java\tscript:alert(1)", ("url_scheme",)),
    ("data", "data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==", ("url_scheme",)),
    ("vbscript", "vbscript:msgbox(1)", ("url_scheme",)),
    ("file", "file:///etc/passwd", ("url_scheme",)),
    ("relative", "example.com/a", ("url_scheme", "url_invalid")),
    # A scheme's name alone is no URL, though it is an allowed scheme.
    ("scheme-name-only", "https", ("url_scheme",)),
    ("no-slashes-after-scheme", "https:example.com/a", ("url_invalid",)),
    ("scheme-relative", "//example.com/a", ("url_scheme", "url_invalid")),
    ("credentials", "https://user:secret@example.com/a", ("url_credentials",)),
    ("username", "https://user@example.com/a", ("url_credentials",)),
    ("no-host", "https:///a", ("url_host", "url_invalid")),
    ("empty-host", "https://", ("url_host", "url_invalid")),
    # The host ends at the first '/', '?' or '#', even right after '//': the
    # '@' after it is in the query, not a user name.
    ("empty-host-before-query", "https://?@example.com/a", ("url_host", "url_invalid")),
    ("host-with-space", "https://exa mple.com/a", ("url_host", "url_invalid")),
    ("bad-port", "https://example.com:99999/a", ("url_invalid", "url_host")),
    ("port-zero", "https://example.com:0/a", ("url_invalid", "url_host")),
    ("port-65536", "https://example.com:65536/a", ("url_invalid", "url_host")),
    ("ip-address-host", "https://192.168.0.1/a", ("url_host",)),
    ("single-label-host", "https://localhost/a", ("url_host",)),
    ("mixed-script-host", "https://\u0430pple.com/a", ("url_host",)),  # Cyrillic a + "pple"
    ("punycode-mixed-script-host", "https://xn--pple-43d.com/a", ("url_host",)),  # the same, as punycode
)


# Internationalised hosts the homograph policy must accept (one script per
# label, or one of the CJK script groups) and refuse (a Latin look-alike
# letter, combining marks on Latin letters), as the browsers' IDN display
# rules do.
_IDN_ACCEPTS = (
    Accept("url-idna-cyrillic-host", "https://пример.рф/a", "https://xn--e1afmkfd.xn--p1ai/a"),
    Accept("url-idna-japanese-host", "https://例えテスト.jp/a", "https://xn--r8jwmjbj5840b.jp/a"),  # Han + Hiragana + Katakana
    # Upper case outside ASCII is mapped (UTS #46) before IDNA 2008 applies.
    Accept("url-idna-upper-case-host", "https://BÜCHER.example/a", "https://xn--bcher-kva.example/a"),
    # The last letters of the Latin blocks a host may use: Latin-1's ÿ and
    # Latin Extended Additional's ỿ.
    Accept("url-idna-latin-1-last-host", "https://\u00ffes.example/a", "https://xn--es-5ka.example/a"),
    Accept("url-idna-latin-additional-last-host", "https://\u1effes.example/a", "https://xn--es-get.example/a"),
)
_IDN_REJECTS = (
    ("latin-look-alike-host", "https://\u0131stanbul.example/a"),  # dotless i
    ("latin-outside-blocks-host", "https://\u0180ar.example/a"),  # b with stroke (Latin Extended-B)
    ("combining-mark-host", "https://ab\u0301c.example/a"),
    # Two scripts in one label, neither a Latin look-alike script (so only
    # the label rule, not the host rule, refuses it): Devanagari + Bengali.
    ("mixed-script-label-host", "https://\u0915\u0995.example/a"),
)
# A host of exactly 253 characters (three labels of 63, one of 61).
_LONGEST_HOST = ".".join(["a" * 63] * 3 + ["b" * 61])


def url_cases(column: Column, host: str = HOST) -> tuple[list[Accept], list[Reject]]:
    """Accepted and rejected URLs for a url column (valid hosts on `host`)."""
    schemes = column.schemes or ("http", "https")
    accepts: list[Accept] = []
    rejects: list[Reject] = []
    if "https" in schemes:
        accepts.append(Accept("url-plain", f"https://{host}/a?b=1", f"https://{host}/a?b=1"))
        upper = f"HTTPS://{host.upper()}/Path"
        accepts.append(Accept("url-lowercases-scheme-and-host", upper, f"https://{host}/Path"))
        accepts.append(Accept("url-drops-default-port", f"https://{host}:443/a", f"https://{host}/a"))
        accepts.append(Accept("url-keeps-other-port", f"https://{host}:8443/a", f"https://{host}:8443/a"))
        accepts.append(Accept("url-port-1", f"https://{host}:1/a", f"https://{host}:1/a"))
        accepts.append(Accept("url-port-65535", f"https://{host}:65535/a", f"https://{host}:65535/a"))
        if host == HOST:
            accepts.append(Accept("url-idna-host", "https://bücher.example/a", "https://xn--bcher-kva.example/a"))
            accepts.extend(_IDN_ACCEPTS)
            rejects.extend(Reject(f"url-{name}", value, ("url_host",)) for name, value in _IDN_REJECTS)
            # Host length limits, at their boundaries: a label of 63
            # characters and a host of 253 are the longest allowed.
            accepts.append(Accept("url-host-label-63-max", f"https://{'a' * 63}.example/a", f"https://{'a' * 63}.example/a"))
            rejects.append(Reject("url-host-label-64-over-max", f"https://{'a' * 64}.example/a", ("url_host",)))
            if column.max_length is None or column.max_length >= len(_LONGEST_HOST) + 10:
                accepts.append(Accept("url-host-253-max", f"https://{_LONGEST_HOST}/a", f"https://{_LONGEST_HOST}/a"))
                rejects.append(Reject("url-host-254-over-max", f"https://{_LONGEST_HOST}b/a", ("url_host",)))
        if column.max_length is not None:
            n = column.max_length
            accepts.append(Accept(f"url-length-{n}-max", url_of_length(n, host), url_of_length(n, host)))
            rejects.append(Reject(f"url-length-{n + 1}-over-max", url_of_length(n + 1, host), ("url_too_long", "too_long")))
    if "http" in schemes:
        accepts.append(Accept("url-http-drops-default-port", f"http://{host}:80/a", f"http://{host}/a"))
    for name, value, codes in _URL_REJECTS:
        if host != HOST:
            value = value.replace(HOST, host)
        rejects.append(Reject(f"url-{name}", value, codes))
    if "ftp" not in schemes:
        rejects.append(Reject("url-scheme-not-allowed", f"ftp://{host}/a", ("url_scheme",)))
    rejects.append(Reject("not-a-string", 12345, ("type",)))
    # A control character anywhere, NUL included (no database stores it).
    rejects.append(Reject("url-nul", f"https://{host}/a\x00b", ("url_invalid",)))
    # An invisible format character (zero-width space) anywhere, the path too.
    rejects.append(Reject("url-zero-width-space", f"https://{host}/a\u200bb", ("url_invalid",)))
    return accepts, rejects


def column_cases(column: Column, host: str = HOST) -> tuple[list[Accept], list[Reject]]:
    """Every accepted and rejected value derived from `column`'s constraints."""
    if column.kind == "url":
        accepts, rejects = url_cases(column, host)
    elif column.kind == "enum":
        accepts, rejects = enum_cases(column)
    elif column.kind in ("string", "text"):
        accepts, rejects = string_cases(column)
    elif column.kind in ("int", "bigint"):
        accepts, rejects = int_cases(column)
    elif column.kind == "bool":
        accepts = [Accept("true", True, True), Accept("false", False, False)]
        rejects = [Reject("string-not-bool", "true", ("type",))]
    else:
        accepts, rejects = [], []
    if column.nullable:
        accepts.append(Accept("null", None, None))
    else:
        rejects.append(Reject("null", None, ("not_nullable",)))
    return accepts, rejects


# --- valid values, for the parts of a request a case does not vary -----------


def host_rules_by_value(field: ListField) -> dict[str, dict[str, HostRule]]:
    """url column name -> the `when_value` -> rule, for rules inside a list's rows."""
    out: dict[str, dict[str, HostRule]] = {}
    for f in field.fields:
        for rule in f.column.host_rules:
            out.setdefault(f.name, {})[rule.when_value] = rule
    return out


def free_enum_value(field: ListField, column: ColumnField) -> str | None:
    """An enum value of `column` that puts no host rule on the row's URLs."""
    values = column.column.enum.values if column.column.enum else ()
    ruled = {r.when_value for f in field.fields for r in f.column.host_rules if r.when_column == column.name}
    for value in values:
        if value not in ruled:
            return value
    return values[0] if values else None


def valid_scalar(column: Column, variant: int = 0) -> Any:
    """A valid value of `column`; different variants give different values."""
    if column.kind == "enum" and column.enum and column.enum.values:
        return column.enum.values[variant % len(column.enum.values)]
    if column.kind in ("string", "text"):
        length = max(column.min_length or 0, 1)
        if column.max_length is not None:
            length = min(length, column.max_length)
        return "abcdefghij"[variant % 10] * length
    if column.kind in ("int", "bigint"):
        low = column.minimum if column.minimum is not None else 0
        return low + variant if column.maximum is None or low + variant <= column.maximum else low
    if column.kind == "bool":
        return variant % 2 == 1
    if column.kind == "url":
        return f"https://{HOST}/v{variant}"
    return None


@dataclass(frozen=True)
class ItemValue:
    """A value of the i-th valid list item: its Python source (in terms of `i`)
    and the same computation here, for expected results."""

    code: str
    template: str = ""
    constant: Any = None
    offset: int | None = None
    pad: int = 0

    def at(self, i: int) -> Any:
        if self.offset is not None:
            return self.offset + i
        if self.template:
            return self.template.format(i=i).ljust(self.pad, "x")
        return self.constant


def item_values(field: ListField) -> dict[str, ItemValue]:
    """A valid i-th item of a list field, column by column.

    Positions and strings vary with `i`, so a whole list satisfies unique
    indexes; enums take a value without host rules, so URLs on example.com
    are valid.
    """
    out: dict[str, ItemValue] = {}
    for f in field.fields:
        c = f.column
        if c.kind == "enum":
            value = free_enum_value(field, f)
            out[f.name] = ItemValue(repr(value), constant=value)
        elif c.kind in ("string", "text"):
            low = c.min_length or 0
            if c.max_length is not None and c.max_length < 4:
                value = "x" * max(low, 1)
                out[f.name] = ItemValue(repr(value), constant=value)
            elif low > 3:
                out[f.name] = ItemValue(f'f"v{{i}}".ljust({low}, "x")', "v{i}", pad=low)
            else:
                out[f.name] = ItemValue('f"v{i}"', "v{i}")
        elif c.kind == "url":
            template = f"https://{HOST}/{f.name}/{{i}}"
            out[f.name] = ItemValue("f" + repr(template), template)
        elif c.kind in ("int", "bigint"):
            low = c.minimum if c.minimum is not None else 0
            out[f.name] = ItemValue(f"{low} + i" if low else "i", offset=low)
        elif c.kind == "bool":
            out[f.name] = ItemValue("True", constant=True)
        elif c.kind == "uuid":
            out[f.name] = ItemValue('f"00000000-0000-4000-8000-{i:012d}"', "00000000-0000-4000-8000-{i:012d}")
        elif c.kind == "date":
            out[f.name] = ItemValue(repr("2024-01-01"), constant="2024-01-01")
        elif c.kind == "timestamp":
            out[f.name] = ItemValue(repr("2024-01-01T00:00:00+00:00"), constant="2024-01-01T00:00:00+00:00")
        else:
            out[f.name] = ItemValue("None")
    return out


def host_rule_cases(field: ListField) -> tuple[list[tuple[str, dict[str, Any], dict[str, Any]]], list[tuple[str, dict[str, Any], str, tuple[str, ...]]]]:
    """Per host rule: items that must be accepted (on an allowed host or a
    subdomain) and rejected (another host, a look-alike, a suffix trick).

    Returns (accepts: (id, item overrides, expected), rejects: (id, item
    overrides, url field name, codes)).
    """
    accepts: list[tuple[str, dict[str, Any], dict[str, Any]]] = []
    rejects: list[tuple[str, dict[str, Any], str, tuple[str, ...]]] = []
    for url_field, rules in host_rules_by_value(field).items():
        for value, rule in sorted(rules.items()):
            host = rule.hosts[0]
            base = {rule.when_column: value}
            ok = {**base, url_field: f"https://{host}/a"}
            accepts.append((f"{rule.when_column}-{value}-on-{host}", ok, ok))
            sub = {**base, url_field: f"https://www.{host}/a"}
            accepts.append((f"{rule.when_column}-{value}-on-subdomain-of-{host}", sub, sub))
            codes = ("host_not_allowed",)
            for label, bad in (
                ("other-host", f"https://{HOST}/a"),
                ("look-alike", f"https://not{host}/a"),
                ("suffix-trick", f"https://{host}.{HOST}/a"),
            ):
                rejects.append((f"{rule.when_column}-{value}-{label}", {**base, url_field: bad}, url_field, codes))
    return accepts, rejects
