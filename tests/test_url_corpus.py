"""The hostile-URL corpus: the generated URL validator accepts none of it, and
normalises well-formed links exactly as docs/validators.md documents.

The corpus runs through the generated validators of `profile-links-titles`,
both through `normalize_url` and through the request validator (as
`links[0].url`), so what is tested is what the routes run; and through the
generated backfill, which must move exactly the links the API accepts and
store them as the API does.
"""

from __future__ import annotations

from pathlib import Path
from types import ModuleType

import pytest

from tests.generated_modules import import_file, render_to, seed_project, spec_file

LONG = "https://example.com/" + "a" * 2100

# (url, expected code).  Grouped by the class of attack.
HOSTILE: list[tuple[str, str]] = [
    # Dangerous schemes, plain and in mixed case.
    ("javascript:alert(1)", "url_scheme"),
    ("JavaScript:alert(1)", "url_scheme"),
    ("JAVASCRIPT:alert(document.cookie)", "url_scheme"),
    ("javascript://example.com/%0Aalert(1)", "url_scheme"),
    ("data:text/html,<script>alert(1)</script>", "url_scheme"),
    ("DATA:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==", "url_scheme"),
    ("vbscript:msgbox(1)", "url_scheme"),
    ("VbScRiPt:msgbox(1)", "url_scheme"),
    ("file:///etc/passwd", "url_scheme"),
    ("FILE://localhost/etc/passwd", "url_scheme"),
    # ... hidden by whitespace or control characters.
    (" javascript:alert(1)", "url_scheme"),
    ("\tjavascript:alert(1)", "url_scheme"),
    ("\njavascript:alert(1)", "url_scheme"),
    ("\x00javascript:alert(1)", "url_scheme"),
    ("java\tscript:alert(1)", "url_scheme"),
    ("java\nscript:alert(1)", "url_scheme"),
    ("java\x00script:alert(1)", "url_scheme"),
    ("jav\x0dascript:alert(1)", "url_scheme"),
    ("\u200bjavascript:alert(1)", "url_scheme"),
    ("\u00a0javascript:alert(1)", "url_scheme"),
    ("\ufeffjavascript:alert(1)", "url_scheme"),
    ("javascript\u2028:alert(1)", "url_scheme"),
    ("\x1fdata:text/html,x", "url_scheme"),
    (" vbscript:msgbox(1)", "url_scheme"),
    ("\x0bfile:///etc/passwd", "url_scheme"),
    # ... or disguised so that the scheme itself is malformed.
    ("&#106;avascript:alert(1)", "url_scheme"),
    ("%6Aavascript:alert(1)", "url_scheme"),
    ("ｊａｖａｓｃｒｉｐｔ:alert(1)", "url_scheme"),
    # Other schemes the spec does not allow, and no scheme at all.
    ("ftp://example.com/file", "url_scheme"),
    ("mailto:someone@example.com", "url_scheme"),
    ("//example.com/path", "url_scheme"),
    ("example.com", "url_scheme"),
    ("", "url_scheme"),
    # Whitespace and control characters anywhere else are refused, not stripped.
    (" https://example.com/", "url_invalid"),
    ("https://example.com/ ", "url_invalid"),
    ("https://exam\tple.com/", "url_invalid"),
    ("https://example.com/a b", "url_invalid"),
    ("https://example.com/\u202egnp.exe", "url_invalid"),
    ("https://exa\u00admple.com/", "url_invalid"),
    # Characters that parsers disagree on, bad escapes, no authority.
    ("https://evil.example\\@imdb.com/", "url_invalid"),
    ("https:\\\\evil.example/", "url_invalid"),
    ('https://example.com/"onmouseover="alert(1)', "url_invalid"),
    ("https://example.com/<script>", "url_invalid"),
    ("https://example.com/%zz", "url_invalid"),
    ("https:example.com", "url_invalid"),
    ("https:/example.com", "url_invalid"),
    # Credentials.
    ("https://user:pass@example.com/", "url_credentials"),
    ("https://user@example.com/", "url_credentials"),
    ("https://:@example.com/", "url_credentials"),
    ("https://imdb.com@evil.example/", "url_credentials"),
    ("https://www.imdb.com:443@evil.example/", "url_credentials"),
    # Missing, malformed and dotted hosts; IP addresses.
    ("https://", "url_host"),
    ("https:///path", "url_host"),
    ("https://?q=1", "url_host"),
    ("https://.", "url_host"),
    ("https://..", "url_host"),
    ("https://.../", "url_host"),
    ("https://.example.com/", "url_host"),
    ("https://example..com/", "url_host"),
    ("https://localhost/", "url_host"),
    ("https://-example.com/", "url_host"),
    ("https://example-.com/", "url_host"),
    ("https://ex_ample.com/", "url_host"),
    ("https://ab--cd.com/", "url_host"),
    ("https://" + "a" * 64 + ".com/", "url_host"),
    ("https://" + ".".join(["a" * 60] * 5) + ".com/", "url_host"),
    ("https://127.0.0.1/", "url_host"),
    ("https://2130706433/", "url_host"),
    ("https://0x7f.0.0.1/", "url_host"),
    ("https://[::1]/", "url_host"),
    ("https://example.com%2F@evil/", "url_credentials"),
    ("https://example%2Ecom/", "url_host"),
    # IDN and punycode homographs.
    ("https://аpple.com/", "url_host"),  # Cyrillic а + Latin
    ("https://xn--pple-43d.com/", "url_host"),  # the same, as punycode
    ("https://аррӏе.com/", "url_host"),  # all Cyrillic look-alikes, Latin TLD
    ("https://xn--80ak6aa92e.com/", "url_host"),  # the same, as punycode
    ("https://gοogle.com/", "url_host"),  # Greek omicron
    ("https://paypaӏ.com/", "url_host"),  # Cyrillic palochka
    ("https://ɡoogle.com/", "url_host"),  # Latin script g (IPA)
    ("https://ımdb.com/", "url_host"),  # dotless i
    ("https://іmdb.com/", "url_host"),  # Cyrillic і
    ("https://www.іmdb.com/", "url_host"),
    ("https://пример.com/", "url_host"),  # Cyrillic label, Latin TLD
    ("https://faß.de/", "url_host"),  # IDNA 2003 / 2008 deviation
    ("https://example。com/", "url_host"),  # ideographic full stop
    ("https://example．com/", "url_host"),  # fullwidth full stop
    ("https://i\u0307mdb.com/", "url_host"),  # combining dot above on Latin i
    ("https://e\u0335xample.com/", "url_host"),  # combining stroke overlay
    ("https://xn--zzzz-/", "url_host"),  # malformed punycode
    ("https://xn--abc.com/", "url_host"),  # punycode that decodes to nothing useful
    ("https://ex😀ample.com/", "url_host"),  # symbol
    ("https://١٢٣.com/", "url_host"),  # non-ASCII digits
    # IDNA 2008 (the idna package) refuses what IDNA 2003 (encodings.idna) encoded.
    ("https://☃.com/", "url_host"),  # a symbol: xn--n3h under IDNA 2003
    ("https://xn--n3h.com/", "url_host"),  # the same, as punycode
    ("https://a\u200db.com/", "url_invalid"),  # a joiner is a format character: refused before IDNA
    ("https://xn--ab-m1t.com/", "url_host"),  # ... and as punycode, by IDNA 2008's CONTEXTJ rule
    ("https://\u0c00.com/", "url_host"),  # a label that starts with a combining mark (IDNA 2003 encoded it)
    # Ports.
    ("https://example.com:0/", "url_invalid"),
    ("https://example.com:65536/", "url_invalid"),
    ("https://example.com:https/", "url_invalid"),
    ("https://example.com:/", "url_invalid"),
    # Over-long values.
    (LONG, "url_too_long"),
    ("javascript:" + "a" * 3000, "url_too_long"),
]

# (input, normalised), exactly as docs/validators.md documents.
NORMALISED: list[tuple[str, str]] = [
    ("HTTPS://WWW.IMDB.COM:443/name/nm0000123/", "https://www.imdb.com/name/nm0000123/"),
    ("http://Example.com:80", "http://example.com"),
    ("http://example.com:443/", "http://example.com:443/"),
    ("https://example.com:80/", "https://example.com:80/"),
    ("http://example.com:08080/a", "http://example.com:8080/a"),
    ("https://example.com:00443/", "https://example.com/"),
    ("https://example.com./x?q=1#top", "https://example.com/x?q=1#top"),
    ("https://example.com", "https://example.com"),
    ("https://example.com?q", "https://example.com?q"),
    ("https://example.com/A/B?C=D#E", "https://example.com/A/B?C=D#E"),
    ("https://example.com/a%20b", "https://example.com/a%20b"),
    ("https://example.com/a%2fb%2F", "https://example.com/a%2fb%2F"),
    ("https://example.com/@user", "https://example.com/@user"),
    ("https://example.com/search?q=a+b&x[]=1", "https://example.com/search?q=a+b&x[]=1"),
    ("https://bücher.de/Müller", "https://xn--bcher-kva.de/M%C3%BCller"),
    ("https://BÜCHER.de/", "https://xn--bcher-kva.de/"),
    ("https://xn--bcher-kva.de/", "https://xn--bcher-kva.de/"),
    ("https://пример.рф/", "https://xn--e1afmkfd.xn--p1ai/"),
    ("https://παράδειγμα.ελ/", "https://xn--hxajbheg2az3al.xn--qxam/"),
    ("https://例え.jp", "https://xn--r8jz45g.jp"),
    ("https://日本語.jp/", "https://xn--wgv71a119e.jp/"),
    ("https://한국.kr/", "https://xn--3e0b707e.kr/"),
    ("https://مثال.com/", "https://xn--mgbh0fb.com/"),
    ("https://ｅｘａｍｐｌｅ.com", "https://example.com"),
    # UTS 46 maps a subscript a to a, as a browser does when it resolves the
    # host; IDNA 2003 (Unicode 3.2) left it alone and encoded another host.
    ("https://ex\u2090mple.com/", "https://example.com/"),
    ("https://e\u0301xample.com/", "https://xn--xample-9ua.com/"),  # NFKC composes é
    ("https://123.example.com/", "https://123.example.com/"),
    ("https://a-b.example.co.uk/", "https://a-b.example.co.uk/"),
    ("https://example.com/#frag?x", "https://example.com/#frag?x"),
]


@pytest.fixture(scope="module")
def validators(tmp_path_factory: pytest.TempPathFactory) -> ModuleType:
    out = tmp_path_factory.mktemp("corpus")
    render_to(seed_project(), out, ("validators",))
    return import_file(spec_file(Path(out), "profile-links-titles", "validators.py"))


def test_corpus_is_big_enough() -> None:
    assert len(HOSTILE) >= 50
    assert len({url for url, _ in HOSTILE}) == len(HOSTILE)


@pytest.mark.parametrize(("url", "code"), HOSTILE, ids=[repr(u)[:60] for u, _ in HOSTILE])
def test_hostile_url_is_rejected(validators: ModuleType, url: str, code: str) -> None:
    with pytest.raises(validators.ValidationFailed) as info:
        validators.normalize_url(url)
    assert [e.code for e in info.value.errors] == [code]


@pytest.mark.parametrize(("url", "code"), HOSTILE, ids=[repr(u)[:60] for u, _ in HOSTILE])
def test_hostile_url_is_rejected_in_a_request(validators: ModuleType, url: str, code: str) -> None:
    body = {"links": [{"label": "x", "url": url, "type": "website", "position": 0}]}
    with pytest.raises(validators.ValidationFailed) as info:
        validators.validate_updateProfile_request(body)
    assert [(e.path, e.code) for e in info.value.errors] == [("links[0].url", code)]


@pytest.mark.parametrize(("url", "expected"), NORMALISED)
def test_well_formed_links_are_normalised(validators: ModuleType, url: str, expected: str) -> None:
    assert validators.normalize_url(url) == expected
    # Normalising is idempotent.
    assert validators.normalize_url(expected) == expected


@pytest.mark.parametrize(("url", "expected"), NORMALISED)
def test_normalised_in_a_request(validators: ModuleType, url: str, expected: str) -> None:
    body = {"links": [{"label": "x", "url": url, "type": "website", "position": 0}]}
    assert validators.validate_updateProfile_request(body)["links"][0]["url"] == expected


def test_documented_table_matches(validators: ModuleType) -> None:
    """Every row of the normalisation table in docs/validators.md holds."""
    doc = (Path(__file__).resolve().parents[1] / "docs" / "validators.md").read_text(encoding="utf-8")
    table = doc.split("### The normalised form", 1)[1]
    rows = [line for line in table.splitlines() if line.startswith("| `")]
    assert len(rows) >= 8
    for row in rows:
        given, stored = (cell.strip().strip("`") for cell in row.strip("|").split("|"))
        assert validators.normalize_url(given) == stored


def test_schemes_and_allowed_hosts_arguments(validators: ModuleType) -> None:
    assert validators.normalize_url("HTTP://x.example", schemes=("https", "http")) == "http://x.example"
    with pytest.raises(validators.ValidationFailed):
        validators.normalize_url("http://x.example", schemes=("https",))
    assert validators.normalize_url("https://www.IMDB.com/", allowed_hosts=("imdb.com",)) == "https://www.imdb.com/"
    with pytest.raises(validators.ValidationFailed) as info:
        validators.normalize_url("https://notimdb.com/", allowed_hosts=("imdb.com",), path="links[4].url")
    assert [e.as_dict() for e in info.value.errors][0]["path"] == "links[4].url"
    assert info.value.errors[0].code == "host_not_allowed"
    with pytest.raises(validators.ValidationFailed) as info:
        validators.normalize_url("https://example.com/abc", max_length=10)
    assert info.value.errors[0].code == "url_too_long"
    with pytest.raises(validators.ValidationFailed) as info:
        validators.normalize_url(42)  # type: ignore[arg-type]
    assert info.value.errors[0].code == "type"


# --- the backfill decides as the API does --------------------------------------------------------


@pytest.fixture(scope="module")
def backfill(tmp_path_factory: pytest.TempPathFactory) -> ModuleType:
    """The generated backfill that moves legacy links into profile_links."""
    out = tmp_path_factory.mktemp("corpus-backfill")
    render_to(seed_project(), out, ("validators", "backfill"))
    return import_file(spec_file(Path(out), "profile-links-titles", "backfills/social_links_to_profile_links.py"))


def _api_answer(validators: ModuleType, url: str, link_type: str) -> str | None:
    """The URL the API stores for this link, or None when it refuses it."""
    body = {"links": [{"label": "x", "url": url, "type": link_type, "position": 0}]}
    try:
        return str(validators.validate_updateProfile_request(body)["links"][0]["url"])
    except validators.ValidationFailed:
        return None


# Every URL of the corpus, as a website link and as an imdb link (whose host
# rule the backfill must apply too), plus the hosts the issue listed.
_SHARED = sorted(
    {(url, t) for url, _ in HOSTILE for t in ("website", "imdb")}
    | {(url, t) for url, _ in NORMALISED for t in ("website", "imdb")}
    | {(u, "website") for u in ("https://user:pass@example.com/x", "https://192.168.0.1/", "https://ex\u0430mple.com/", "https://example.com:99999/", "https://ex%zz.com", "https://localhost/")}
    | {("https://www.imdb.com/name/nm1", "imdb"), ("https://imdb.com.evil.example/x", "imdb"), ("https://WWW.IMDB.COM/x", "imdb")}
)


@pytest.mark.parametrize(("url", "link_type"), _SHARED, ids=[f"{t}:{u!r}"[:70] for u, t in _SHARED])
def test_backfill_and_api_accept_and_store_the_same_urls(validators: ModuleType, backfill: ModuleType, url: str, link_type: str) -> None:
    """One rule, one implementation: a legacy link moves iff the API would take
    it, and it is stored in the form the API stores.  (The backfill trims
    surrounding whitespace from legacy values first, as its docs say; the
    corpus compares on the trimmed value.)"""
    want = _api_answer(validators, url.strip(), link_type)
    got = backfill._item_values({"url": url, "label": "x", "type": link_type})
    assert (got[0] if got is not None else None) == want
