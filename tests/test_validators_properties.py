"""Properties of the generated validators for any input (hypothesis).

Whatever it is given, a generated validator either raises `ValidationFailed`
or returns a clean value; it never crashes, and what it returns for a URL is
safe to store and render and stays the same when normalised again.
"""

from __future__ import annotations

import string
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.generated_modules import import_file, render_to, seed_project, spec_file

SETTINGS = settings(max_examples=1000, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])


@pytest.fixture(scope="module")
def profile(tmp_path_factory: pytest.TempPathFactory) -> ModuleType:
    out = tmp_path_factory.mktemp("props")
    render_to(seed_project(), out, ("validators",))
    return import_file(spec_file(Path(out), "profile-links-titles", "validators.py"))


# URL-ish text: mostly URL characters, with some of everything else.
_url_alphabet = st.sampled_from(string.ascii_letters + string.digits + "-._~:/?#[]@!$&'()*+,;=% \t\\\"<>")
_pieces = st.one_of(
    st.sampled_from(["http", "https", "HTTPS", "javascript", "data", "file", "ftp", "://", "//", ":", "@", ".", "..", "xn--", "imdb.com", "example", ":443", ":80", "%2F", "%zz"]),
    st.text(_url_alphabet, max_size=6),
    st.text(max_size=3),
)
urlish = st.lists(_pieces, max_size=12).map("".join)
json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=50),
    lambda children: st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=8), children, max_size=4),
    max_leaves=20,
)


def _check_normalised(module: ModuleType, out: str) -> None:
    assert out.startswith(("http://", "https://"))
    assert out.isascii()
    assert not any(ch.isspace() or ord(ch) < 0x20 or ch == "\x7f" for ch in out)
    assert "\\" not in out
    assert len(out) <= 2048
    host = out.split("://", 1)[1].split("/", 1)[0].split("?", 1)[0].split("#", 1)[0]
    assert "@" not in host
    assert module.normalize_url(out) == out


@SETTINGS
@given(value=urlish)
def test_normalize_url_on_urlish_text(profile: ModuleType, value: str) -> None:
    try:
        out = profile.normalize_url(value)
    except profile.ValidationFailed as err:
        assert len(err.errors) == 1 and err.errors[0].code in profile.ERROR_CODES
        return
    _check_normalised(profile, out)


@SETTINGS
@given(value=st.text(max_size=80))
def test_normalize_url_on_any_text(profile: ModuleType, value: str) -> None:
    for candidate in (value, "https://" + value, "https://example.com/" + value):
        try:
            out = profile.normalize_url(candidate)
        except profile.ValidationFailed as err:
            assert err.errors[0].code in profile.ERROR_CODES
            continue
        _check_normalised(profile, out)


@SETTINGS
@given(body=json_values)
def test_request_validator_never_crashes(profile: ModuleType, body: Any) -> None:
    for candidate in (body, {"links": body}, {"title": body}, {"links": [body]}):
        try:
            out = profile.validate_updateProfile_request(candidate)
        except profile.ValidationFailed as err:
            assert err.errors and all(e.code in profile.ERROR_CODES for e in err.errors)
            continue
        assert isinstance(out, dict) and set(out) <= {"title", "links"}
