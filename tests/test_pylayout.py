"""`compiler.pylayout`: statements laid out so that black leaves them unchanged.

Whatever `statement` returns must be (1) the same program (equal ASTs) and
(2) a fixed point of black.  When it is unsure it returns None and black runs
instead; these tests also pin the cases it must decline.
"""

from __future__ import annotations

import ast

import black
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from compiler import pylayout

MODE = black.Mode()


def assert_black_stable(chunk: str, out: str | None) -> None:
    assert out is not None, chunk
    assert ast.dump(ast.parse(out)) == ast.dump(ast.parse(chunk))
    assert black.format_str(out, mode=MODE) == out, out


# -- strings -----------------------------------------------------------------------


@settings(max_examples=300, suppress_health_check=[HealthCheck.too_slow])
@given(st.text(alphabet=st.sampled_from("ab '\"\\\n\té€\x00\u2028"), max_size=12))
def test_string_literals_are_the_ones_black_writes(value: str) -> None:
    try:
        text = pylayout.string(value)
    except pylayout.Unsupported:
        return
    assert ast.literal_eval(text) == value
    assert black.format_str(f"x = {text}\n", mode=MODE) == f"x = {text}\n"


def test_quotes() -> None:
    assert pylayout.string("plain") == '"plain"'
    assert pylayout.string('say "hi"') == "'say \"hi\"'"
    assert pylayout.string("it's") == '"it\'s"'


# -- layouts -----------------------------------------------------------------------

STABLE = [
    'x = {"a": 1, "b": [1, 2, 3]}\n',
    "x = {" + ", ".join(f"'key{i}': 'value number {i}'" for i in range(12)) + "}\n",
    "response = client.patch('/api/me/profile', json={'links': [{'label': 'x' * 40, 'url': 'https://example.com/a'}]}, headers=auth)\n",
    "def test_updateProfile_cache_headers(client: httpx.Client, auth: dict[str, str], body: Any) -> None:\n"
    '    """Docstring."""\n    assert response.status_code == 200, response.text\n',
    "def build(*, get_connection: Callable[..., Any], get_current_user_id: Callable[..., Any], dialect: str) -> APIRouter:\n"
    "    router = APIRouter()\n\n    @router.get('/p', operation_id='getP', summary='Read it all, every last field of it.', response_class=JSONResponse)\n"
    "    def route(conn: Any = Depends(get_connection)) -> Response:\n        return 1\n\n    return router\n",
    "def f(x):\n    try:\n        y = 1\n    except ValueError as failed:\n        # Raised inside the transaction: nothing written.\n        return 2\n    return y\n",
    "SQL = {'mysql': {'read': '" + "SELECT `a` FROM `t` WHERE `id` = %s AND " * 4 + "1'}}\n",
    "assert not isinstance(a, bool) and (a + b) * c == -d, f'got {a!r}'\n",
    "x = [k for k, v in sorted(items.items()) if v is not None]\n",
    "y = all(v >= 0 for v in totals[1:])\n",
    "z = {**base, 'label': 'é' * 3}\n",
]


@pytest.mark.parametrize("chunk", STABLE)
def test_layouts_black_keeps(chunk: str) -> None:
    assert_black_stable(chunk, pylayout.statement(chunk))


DECLINED = [
    "x = 1  # a trailing comment\n",  # comments that are not whole lines
    "x = a[i + 1 :]\n",  # complex slices
    "x = lambda a: a\n",
    "assert " + " and ".join(f"value_{i} == {i}" for i in range(12)) + "\n",  # black wraps it in parentheses
    "x = 'a' + '" + "b" * 100 + "'\n",  # no bracket to split at
    "def f():\n    x = 1\n    def g():\n        pass\n    # about g\n",
    "class A:\n    pass\n",
]


@pytest.mark.parametrize("chunk", DECLINED)
def test_declines_what_it_cannot_be_sure_of(chunk: str) -> None:
    assert pylayout.statement(chunk) is None


# -- random data literals ----------------------------------------------------------

_scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(-(10**6), 10**6),
    st.text(alphabet=st.sampled_from("abcxyz _-/:.'\"é"), max_size=30),
)
_values = st.recursive(
    _scalars,
    lambda inner: st.one_of(
        st.lists(inner, max_size=6),
        st.dictionaries(st.text(alphabet="abcdefgh_", min_size=1, max_size=12), inner, max_size=6),
        st.tuples(inner, inner),
    ),
    max_leaves=30,
)


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(_values, st.sampled_from(["x = {}", "f({})", "@pytest.mark.parametrize('a', [{}])\ndef test_x(a: Any) -> None:\n    assert a", "return_value = call(first, {}, key=1)"]))
def test_random_literals_are_black_stable(value: object, shape: str) -> None:
    chunk = shape.format(repr(value)) + "\n"
    out = pylayout.statement(chunk)
    if out is not None:
        assert_black_stable(chunk, out)
