"""Contract tests of a spec's resources, derived from their constraints.

Appended to `<spec-id>/test_contract.py` by `targets.fastapi.contract_tests`.
Each test makes its own rows over HTTP (a parent through the resource that
creates it, as the signed-in user or as a second user who owns the rows the
first must not reach) and deletes them afterwards, so caps and pages start
from a known state: the (cap+1)-th create is refused, a non-owner gets the
spec's status, a missing id is 404, a duplicate is 409, an absent field gets
its default, and a walk over the pages sees every row exactly once even with
rows inserted between pages.
"""

from __future__ import annotations

from typing import Any

from compiler.ir import ITEM_VERBS, RESOURCE_HTTP, ColumnField, Resource, Spec
from targets.fastapi import contract_cases as cc

# The largest key a path parameter may hold: surely no row has it.
MISSING_ID = 2**63 - 1
# Creates sent at once by the concurrency test of a cap.
RACERS = 4
# Methods with a request body.
BODY_VERBS = ("create", "update", "replace")

# The helpers open with a fixture, not a comment or a constant: when a spec
# has only resources they follow the imports directly, where black wants one
# blank line before a statement and ruff keeps two.
_HELPERS = '''
@pytest.fixture
def other_auth(request: pytest.FixtureRequest) -> dict[str, str]:
    """Headers that sign in as a second user, the owner of rows the test user must not reach."""
    if os.environ.get(BASE_URL_ENV):
        token = os.environ.get(OTHER_TOKEN_ENV)
        if not token:
            pytest.skip(f"set ${{OTHER_TOKEN_ENV}} to a second test user's token to test ownership")
    else:
        token = request.getfixturevalue("specc_other_token")
    return {{"Authorization": f"Bearer {{token}}"}}


OTHER_TOKEN_ENV = "SPECC_OTHER_TOKEN"
_SEQ = itertools.count(time.time_ns() // 1000 % 10**7)


@pytest.fixture
def made(client: httpx.Client) -> Iterator[list[tuple[str, dict[str, str]]]]:
    """Rows a test created (Location, headers): deleted afterwards, newest first."""
    rows: list[tuple[str, dict[str, str]]] = []
    yield rows
    for location, headers in reversed(rows):
        client.delete(location, headers=headers)


# A field left out of a body (a case of a required field).
MISSING = object()


def assert_refused(response: httpx.Response, status: int, code: str) -> None:
    """`status` in the documented error shape, with `code`."""
    assert response.status_code == status, response.text
    errors = response.json()["errors"]
    assert errors and all(set(e) == {{"path", "code", "message"}} for e in errors), errors
    assert code in [e["code"] for e in errors], errors
'''


def _value_code(column: Any) -> str:
    """Python source for a valid value of `column` that varies with `i`."""
    kind = column.kind
    if kind == "enum":
        values = column.enum.values if column.enum else ()
        return repr(values[0] if values else None)
    if kind in ("string", "text"):
        low = max(column.min_length or 0, 1)
        code = f'f"v{{i}}".ljust({low}, "x")' if low > 2 else 'f"v{i}"'
        if column.max_length is not None:
            code += f"[-{column.max_length}:]"
        return code
    if kind == "url":
        return repr(f"https://{cc.HOST}/{column.name}/") + " + str(i)"
    if kind in ("int", "bigint"):
        low = column.minimum if column.minimum is not None else 0
        if column.maximum is not None:
            return f"{low} + i % {column.maximum - low + 1}"
        return f"{low} + i"
    if kind == "bool":
        return "True"
    if kind == "uuid":
        return 'f"00000000-0000-4000-8000-{i % 10**12:012d}"'
    if kind == "date":
        return repr("2024-01-01")
    if kind == "timestamp":
        return repr("2024-01-01T00:00:00+00:00")
    return "None"


_CHAIN_HELPER = '''# The keys of every row the tests made, by (table, key): its own and those of
# the rows it was made under, so that a path naming the whole chain can be built.
_CHAIN: dict[tuple[str, Any], dict[str, Any]] = {}'''


def _default_of(field: ColumnField) -> Any:
    """What an absent optional field is stored as: its literal default, or None."""
    default = field.column.default
    return None if default is None or default == "now" else default


class ResourceTests:
    """The tests of every resource of one spec."""

    def __init__(self, spec: Spec, lit: Any) -> None:
        self.spec = spec
        self.lit = lit
        self.by_table = {r.table: r for r in spec.resources if "create" in r.methods}
        # A path that names ancestors needs each made row's chain of keys.
        self.chained = any(r.ancestors for r in spec.resources)

    def creator(self, resource: Resource) -> Resource | None:
        """The resource of this spec that creates `resource`'s parent rows."""
        if resource.parent is None:
            return None
        return self.by_table.get(resource.parent.table)

    def can_make(self, resource: Resource) -> bool:
        """Whether the tests can make rows of `resource` (and its parents)."""
        if "create" not in resource.methods:
            return False
        if resource.parent is None:
            return True
        parent = self.creator(resource)
        return parent is not None and parent is not resource and self.can_make(parent)

    @staticmethod
    def required(resource: Resource) -> tuple[ColumnField, ...]:
        return tuple(f for f in resource.fields if f.required)

    def helpers(self, resource: Resource) -> str:
        """`body_<r>(i)`, `path_<r>(...)`, `item_<r>(...)` and `make_<r>(...)`."""
        n = resource.name
        body = ", ".join(f"{f.name!r}: {_value_code(f.column)}" for f in self.required(resource))
        full = ", ".join(f"{f.name!r}: {_value_code(f.column)}" for f in resource.fields if f.column.kind != "json")
        parent = resource.parent
        pargs = "parent: Any, " if parent else ""
        fmt = f"{parent.name}=parent" if parent else ""
        item_fmt = ", ".join(x for x in (fmt, f"{resource.item.name}=item") if x)
        out = f'''

def body_{n}(i: int) -> dict[str, Any]:
    """A valid create body of {n}: its required fields only."""
    return {{{body}}}


def full_body_{n}(i: int) -> dict[str, Any]:
    """A valid create body of {n} with every field."""
    return {{{full}}}
'''
        if parent is None or not resource.ancestors:
            out += f'''

def path_{n}({pargs.rstrip(", ")}) -> str:
    return {resource.path!r}.format({fmt})


def item_{n}({pargs}item: Any) -> str:
    return {resource.item_path!r}.format({item_fmt})
'''
        else:
            # The ancestors come from the chain `parent` was made under (or,
            # with `under`, another parent's: the mismatch tests); 1 for a parent
            # no test made (a malformed or missing one).
            above = ", ".join(f"{a.name}=chain.get({a.table!r}, 1)" for a in resource.ancestors)
            out += f'''

def path_{n}(parent: Any, under: Any = None) -> str:
    chain = _CHAIN.get(({parent.table!r}, parent if under is None else under), {{}})
    return {resource.path!r}.format({above}, {fmt})


def item_{n}(parent: Any, item: Any, under: Any = None) -> str:
    chain = _CHAIN.get(({parent.table!r}, parent if under is None else under), {{}})
    return {resource.item_path!r}.format({above}, {item_fmt})
'''
        if self.can_make(resource):
            if parent:
                maker = self.creator(resource)
                assert maker is not None
                parent_of = "parent: Any = None, "
                make_parent = f"""    if parent is None:
        parent = make_{maker.name}(client, headers, made)["id"]
"""
                call_path = "path_" + n + "(parent)"
            else:
                parent_of, make_parent, call_path = "", "", f"path_{n}()"
            out += f'''

def make_{n}(client: httpx.Client, headers: dict[str, str], made: list[tuple[str, dict[str, str]]], {parent_of}**fields: Any) -> dict[str, Any]:
    """Create one {n} row (and, without `parent`, a parent for it) as `headers`' user."""
{make_parent}    response = client.post({call_path}, json={{**body_{n}(next(_SEQ)), **fields}}, headers=headers)
    assert response.status_code == 201, response.text
    made.append((response.headers["location"], headers))
{self._record_chain(resource)}    return response.json()
'''
        return out

    def _record_chain(self, resource: Resource) -> str:
        """Lines of `make_<r>` that remember the new row's chain of keys."""
        if not self.chained:
            return ""
        own = f"{resource.table!r}: response.json()['id']"
        if resource.parent is None:
            return f"    _CHAIN[({resource.table!r}, response.json()['id'])] = {{{own}}}\n"
        return f"    _CHAIN[({resource.table!r}, response.json()['id'])] = {{**_CHAIN.get(({resource.parent.table!r}, parent), {{}}), {resource.parent.table!r}: parent, {own}}}\n"

    def tests(self, resource: Resource) -> list[str]:
        n = resource.name
        parts: list[str] = []
        parent = resource.parent
        can = self.can_make(resource)
        pp = "parent, " if parent else ""
        need = "made: list[tuple[str, dict[str, str]]]"
        not_owner = resource.not_owner
        not_owner_code = "forbidden" if not_owner == 403 else "not_found"
        ids = {"create": f"path_{n}({'1' if parent else ''})", "list": f"path_{n}({'1' if parent else ''})"}
        ids.update({v: f"item_{n}({'1, ' if parent else ''}1)" for v in ITEM_VERBS})
        calls = []
        for verb in resource.methods:
            method = RESOURCE_HTTP[verb].lower()
            body = ", json={}" if verb in BODY_VERBS else ""
            calls.append(f"pytest.param({method!r}, {ids[verb]}, {bool(body)}, id={verb!r})")
        parts.append(
            f'''@pytest.mark.parametrize(("method", "url", "has_body"), [{", ".join(calls)}])
def test_{n}_requires_credentials(client: httpx.Client, method: str, url: str, has_body: bool) -> None:
    """Every method of {n} without a credential: 401 `unauthorized`, never cached."""
    extra: dict[str, Any] = {{"json": {{}}}} if has_body else {{}}
    response = client.request(method.upper(), url, headers={{}}, **extra)
    assert_unauthorized(response)
    assert_cache(response, ERROR_CACHE_CONTROL, None)
'''
        )
        # The last: 20 digits are refused even when the value (1) is a key;
        # the digit count bounds what the runtime converts.
        bad_ids = ["'abc'", "'0'", "'-1'", "'1.5'", f"'{MISSING_ID + 1}'", f"'{'0' * 19}1'"]
        if set(ITEM_VERBS) & set(resource.methods):
            verb = next(v for v in ITEM_VERBS if v in resource.methods)
            method = RESOURCE_HTTP[verb]
            cases = ", ".join(f"pytest.param({b}, id={b})" for b in bad_ids)
            parts.append(
                f'''@pytest.mark.parametrize("raw", [{cases}])
def test_{n}_malformed_item_id_is_422(client: httpx.Client, auth: dict[str, str], raw: str) -> None:
    """`{resource.item.name}` is validated like any input: 422 at it when it is not a key."""
    response = client.request({method!r}, item_{n}({"1, " if parent else ""}raw), headers=auth{", json={}" if verb in BODY_VERBS else ""})
    assert_errors(response, {resource.item.name!r}, ["type"])
'''
            )
        if parent is not None:
            verb = next(v for v in resource.methods)
            method = RESOURCE_HTTP[verb]
            url = f"path_{n}(raw)" if verb not in ITEM_VERBS else f"item_{n}(raw, 1)"
            cases = ", ".join(f"pytest.param({b}, id={b})" for b in bad_ids)
            parts.append(
                f'''@pytest.mark.parametrize("raw", [{cases}])
def test_{n}_malformed_parent_id_is_422(client: httpx.Client, auth: dict[str, str], raw: str) -> None:
    """`{parent.name}` is validated like any input: 422 at it when it is not a key."""
    response = client.request({method!r}, {url}, headers=auth{", json={}" if verb in BODY_VERBS else ""})
    assert_errors(response, {parent.name!r}, ["type"])
'''
            )
        if not can:
            reason = f"no resource of this spec creates {parent.table if parent else resource.table} rows"
            parts.append(
                f'''def test_{n}_rows_needed() -> None:
    """The remaining tests of {n} need rows made over HTTP."""
    pytest.skip({reason!r})
'''
            )
            return parts
        mk = f"make_{n}(client, auth, made"
        if "create" in resource.methods:
            get_back = ""
            if "get" in resource.methods:
                get_back = """
    again = client.get(response.headers["location"], headers=auth)
    assert again.status_code == 200, again.text
    assert again.json() == row"""
            parent_line = ""
            if parent:
                maker = self.creator(resource)
                assert maker is not None
                parent_line = f"    parent = make_{maker.name}(client, auth, made)['id']\n"
            # An RFC 3339 date-time always has its offset ("Z" or +hh:mm).
            stamps = "".join(
                f"\n    assert row[{f.name!r}].endswith('Z') or row[{f.name!r}][-6] in '+-', row[{f.name!r}]"
                for f in resource.response
                if f.column.kind == "timestamp"
            )
            parts.append(
                f'''def test_{n}_create_returns_201_the_row_and_its_location(client: httpx.Client, auth: dict[str, str], {need}) -> None:
    """POST creates: 201, the created row with every column, `Location` of the new item."""
{parent_line}    body = full_body_{n}(next(_SEQ))
    response = client.post(path_{n}({pp.rstrip(", ")}), json=body, headers=auth)
    assert response.status_code == 201, response.text
    row = response.json()
    made.append((response.headers["location"], auth))
    assert set(row) == {{{", ".join(repr(name) for name in sorted(f.name for f in resource.response))}}}
    assert response.headers["location"] == item_{n}({pp}row["id"])
    assert_matches(row, body){stamps}{get_back}
'''
            )
            defaults = [f for f in resource.fields if f.column.default is not None and f.column.default != "now" and not f.required]
            for f in defaults:
                # Stored, not only answered: read back when the resource can be read.
                read_back = (
                    f"""
    again = client.get(made[-1][0], headers=auth)
    assert again.status_code == 200, again.text
    assert again.json()[{f.name!r}] == {f.column.default!r}"""
                    if "get" in resource.methods
                    else ""
                )
                parts.append(
                    f'''def test_{n}_create_applies_default_of_{f.name}(client: httpx.Client, auth: dict[str, str], {need}) -> None:
    """Without `{f.name}`, create stores its default {f.column.default!r}, and it reads back."""
    row = {mk})
    assert row[{f.name!r}] == {f.column.default!r}{read_back}
'''
                )
            rejects = []
            for f in resource.fields:
                _, bad = cc.column_cases(f.column)
                for case in bad:
                    rejects.append(f"pytest.param({f.name!r}, {self.lit(case.value)}, {self.lit(list(case.codes))}, id={(f.name + '-' + case.id)!r})")
                if f.required:
                    rejects.append(f"pytest.param({f.name!r}, MISSING, ['required'], id={(f.name + '-missing')!r})")
            rejects.append("pytest.param('no_such_field', 1, ['unknown_field'], id='unknown-field')")
            parent_line2 = ""
            target = f"path_{n}()"
            if parent:
                maker = self.creator(resource)
                assert maker is not None
                parent_line2 = f"    parent = make_{maker.name}(client, auth, made)['id']\n"
                target = f"path_{n}(parent)"
            parts.append(
                f'''@pytest.mark.parametrize(("field", "value", "codes"), [{", ".join(rejects)}])
def test_{n}_create_rejects_invalid(client: httpx.Client, auth: dict[str, str], {need}, field: str, value: Any, codes: list[str]) -> None:
    """A create body outside a column's constraints: 422 at the field, nothing created."""
{parent_line2}    body = body_{n}(next(_SEQ))
    if value is MISSING:
        del body[field]
    else:
        body[field] = value
    response = client.post({target}, json=body, headers=auth)
    if response.status_code == 201:
        made.append((response.headers["location"], auth))
    assert_errors(response, field, codes)
'''
            )
            accepts = []
            for f in resource.fields:
                good, _ = cc.column_cases(f.column)
                for ok in good:
                    accepts.append(f"pytest.param({f.name!r}, {self.lit(ok.value)}, {self.lit(ok.expected)}, id={(f.name + '-' + ok.id)!r})")
            if accepts:
                parts.append(
                    f'''@pytest.mark.parametrize(("field", "value", "expected"), [{", ".join(accepts)}])
def test_{n}_create_accepts_every_boundary(client: httpx.Client, auth: dict[str, str], {need}, field: str, value: Any, expected: Any) -> None:
    """A create body at a column's boundary (or with any value it allows): 201, stored as `expected` (normalised)."""
{parent_line2}    body = {{**body_{n}(next(_SEQ)), field: value}}
    response = client.post({target}, json=body, headers=auth)
    assert response.status_code == 201, response.text
    made.append((response.headers["location"], auth))
    assert response.json()[field] == expected
'''
                )
            if "update" in resource.methods:
                update_rejects = [r for r in rejects if "MISSING" not in r]
                parts.append(
                    f'''@pytest.mark.parametrize(("field", "value", "codes"), [{", ".join(update_rejects)}])
def test_{n}_update_rejects_invalid(client: httpx.Client, auth: dict[str, str], {need}, field: str, value: Any, codes: list[str]) -> None:
    """An update body outside a column's constraints: 422 at the field, nothing written."""
    row = {mk})
    location = made[-1][0]
    assert_errors(client.patch(location, json={{field: value}}, headers=auth), field, codes)
    assert client.get(location, headers=auth).json() == row
'''
                )
                parts.append(
                    f'''def test_{n}_update_with_an_empty_body_changes_nothing(client: httpx.Client, auth: dict[str, str], {need}) -> None:
    """PATCH semantics: no field is required, and absent fields stay as they are."""
    row = {mk})
    response = client.patch(made[-1][0], json={{}}, headers=auth)
    assert response.status_code == 200, response.text
    assert response.json() == row
'''
                )
            for cols in resource.unique:
                keyed = tuple(c for c in cols if c != resource.owner_column)
                if not keyed or not all(any(f.name == c for f in resource.fields) for c in keyed):
                    continue
                same = ", ".join(f"{c!r}: first[{c!r}]" for c in keyed if any(f.name == c for f in resource.fields))
                parts.append(
                    f'''def test_{n}_duplicate_{"_".join(keyed)}_is_409(client: httpx.Client, auth: dict[str, str], {need}) -> None:
    """A second row with the same {", ".join(keyed)} under one owner: 409 `conflict` in the error shape."""
    first = {mk})
    response = client.post(path_{n}({"first[" + repr(resource.owner_column) + "]" if parent else ""}), json={{**body_{n}(next(_SEQ)), {same}}}, headers=auth)
    if response.status_code == 201:
        made.append((response.headers["location"], auth))
    assert_refused(response, 409, "conflict")
'''
                )
            if resource.cap is not None:
                if parent:
                    maker = self.creator(resource)
                    assert maker is not None
                    setup = f"    parent = make_{maker.name}(client, auth, made)['id']\n    have = 0\n"
                    extra = ", parent=parent"
                else:
                    setup = self._count_own(resource)
                    extra = ""
                parts.append(
                    f'''def test_{n}_cap_{resource.cap.max}_per_{resource.cap.per}(client: httpx.Client, auth: dict[str, str], {need}) -> None:
    """Up to {resource.cap.max} rows per {resource.cap.per}: the next create is refused (409 `cap_exceeded`), nothing written."""
{setup}    for _ in range({resource.cap.max} - have):
        make_{n}(client, auth, made{extra})
    response = client.post(path_{n}({pp.rstrip(", ")}), json=body_{n}(next(_SEQ)), headers=auth)
    if response.status_code == 201:
        made.append((response.headers["location"], auth))
    assert_refused(response, 409, "cap_exceeded")
'''
                )
                parts.append(
                    f'''def test_{n}_concurrent_creates_at_the_cap_pass_it_once(client: httpx.Client, auth: dict[str, str], {need}) -> None:
    """With room for one more row, {RACERS} creates at once: one 201, the others 409 (the parent row is locked, then counted)."""
    from concurrent.futures import ThreadPoolExecutor
    import threading

{setup}    for _ in range({resource.cap.max} - 1 - have):
        make_{n}(client, auth, made{extra})
    start = threading.Barrier({RACERS})

    def create(i: int) -> httpx.Response:
        start.wait(30)
        return client.post(path_{n}({pp.rstrip(", ")}), json=body_{n}(i), headers=auth)

    with ThreadPoolExecutor({RACERS}) as pool:
        responses = list(pool.map(create, [next(_SEQ) for _ in range({RACERS})]))
    for response in responses:
        if response.status_code == 201:
            made.append((response.headers["location"], auth))
    assert sorted(r.status_code for r in responses) == [201] + [409] * {RACERS - 1}, [r.text for r in responses]
    for response in responses:
        if response.status_code == 409:
            assert_refused(response, 409, "cap_exceeded")
'''
                )
            if parent:
                maker = self.creator(resource)
                assert maker is not None
                parts.append(
                    f'''def test_{n}_create_under_missing_parent_is_404(client: httpx.Client, auth: dict[str, str]) -> None:
    """A {parent.table} that does not exist: 404."""
    response = client.post(path_{n}({MISSING_ID}), json=body_{n}(next(_SEQ)), headers=auth)
    assert_refused(response, 404, "not_found")


def test_{n}_create_under_another_users_parent_is_{not_owner}(client: httpx.Client, auth: dict[str, str], other_auth: dict[str, str], {need}) -> None:
    """A {parent.table} of another user: {not_owner}, nothing created."""
    theirs = make_{maker.name}(client, other_auth, made)["id"]
    response = client.post(path_{n}(theirs), json=body_{n}(next(_SEQ)), headers=auth)
    if response.status_code == 201:
        made.append((response.headers["location"], auth))
    assert_refused(response, {not_owner}, {not_owner_code!r})
'''
                )
        if parent is not None and resource.ancestors:
            parts.append(self._chain_test(resource))
        item = f"item_{n}({'row[' + repr(resource.owner_column) + '], ' if parent else ''}row['id'])"
        missing = f"item_{n}({'row[' + repr(resource.owner_column) + '], ' if parent else ''}{MISSING_ID})"
        if "get" in resource.methods:
            parts.append(
                f'''def test_{n}_get_missing_is_404(client: httpx.Client, auth: dict[str, str], {need}) -> None:
    """An id no row has: 404 `not_found`."""
    row = {mk})
    assert_refused(client.get({missing}, headers=auth), 404, "not_found")


def test_{n}_get_of_another_user_is_{not_owner}(client: httpx.Client, auth: dict[str, str], other_auth: dict[str, str], {need}) -> None:
    """A row of another user: {not_owner} `{not_owner_code}`{" (its existence stays hidden)" if not_owner == 404 else ""}."""
    row = make_{n}(client, other_auth, made)
    assert_refused(client.get({item}, headers=auth), {not_owner}, {not_owner_code!r})
'''
            )
        if "update" in resource.methods and resource.fields:
            first = resource.fields[0]
            parts.append(
                f'''def test_{n}_update_sets_only_the_fields_present(client: httpx.Client, auth: dict[str, str], {need}) -> None:
    """PATCH with one field changes it and leaves every other column as it was."""
    row = {mk}, **full_body_{n}(next(_SEQ)))
    change = {{k: v for k, v in full_body_{n}(next(_SEQ)).items() if k == {first.name!r}}}
    response = client.patch({item}, json=change, headers=auth)
    assert response.status_code == 200, response.text
    after = response.json()
    assert after[{first.name!r}] == change[{first.name!r}]
    assert {{k: v for k, v in after.items() if k not in ({first.name!r}, "updated_at")}} == {{k: v for k, v in row.items() if k not in ({first.name!r}, "updated_at")}}


def test_{n}_update_of_another_user_is_{not_owner}(client: httpx.Client, auth: dict[str, str], other_auth: dict[str, str], {need}) -> None:
    """PATCH of another user's row: {not_owner}, and the row is unchanged."""
    row = make_{n}(client, other_auth, made)
    response = client.patch({item}, json=full_body_{n}(next(_SEQ)), headers=auth)
    assert_refused(response, {not_owner}, {not_owner_code!r})
{self._unchanged(resource, item)}

def test_{n}_update_missing_is_404(client: httpx.Client, auth: dict[str, str], {need}) -> None:
    """PATCH of an id no row has: 404."""
    row = {mk})
    assert_refused(client.patch({missing}, json={{}}, headers=auth), 404, "not_found")
'''
            )
        if "replace" in resource.methods and resource.fields:
            parts.append(self._replace_tests(resource, item, missing, mk, need))
        if "delete" in resource.methods:
            again = "assert client.delete({item}, headers=auth).status_code == 204" if resource.delete_missing == 204 else 'assert_refused(client.delete({item}, headers=auth), 404, "not_found")'
            gone = f'\n    assert_refused(client.get({item}, headers=auth), 404, "not_found")' if "get" in resource.methods else ""
            parts.append(
                f'''def test_{n}_delete_is_204_then_{resource.delete_missing}(client: httpx.Client, auth: dict[str, str], {need}) -> None:
    """DELETE removes the row (204, no body); a DELETE of a missing row is {resource.delete_missing}."""
    row = {mk})
    response = client.delete({item}, headers=auth)
    assert response.status_code == 204, response.text
    assert response.content == b""{gone}
    {again.format(item=item)}


def test_{n}_delete_of_another_user_is_{not_owner}(client: httpx.Client, auth: dict[str, str], other_auth: dict[str, str], {need}) -> None:
    """DELETE of another user's row: {not_owner}, and the row stays."""
    row = make_{n}(client, other_auth, made)
    assert_refused(client.delete({item}, headers=auth), {not_owner}, {not_owner_code!r})
{self._unchanged(resource, item)}'''
            )
        if "list" in resource.methods:
            parts.append(self._list_tests(resource))
        return parts

    def _replace_tests(self, resource: Resource, item: str, missing: str, mk: str, need: str) -> str:
        """PUT: the whole row is written (absent optional fields reset to their
        default or null), 422 without a required field, the owner rules."""
        n = resource.name
        not_owner = resource.not_owner
        code = "forbidden" if not_owner == 403 else "not_found"
        reset = {f.name: _default_of(f) for f in resource.fields if not f.required and f.column.kind != "json"}
        required = [f for f in resource.fields if f.required]
        # Optional enum fields start away from their default, so the reset shows.
        away = {}
        for f in resource.fields:
            values = f.column.enum.values if f.column.kind == "enum" and f.column.enum else ()
            if not f.required and f.name in reset and any(v != reset[f.name] for v in values):
                away[f.name] = next(v for v in values if v != reset[f.name])
        start = f"{{**full_body_{n}(next(_SEQ)), **{away!r}}}" if away else f"full_body_{n}(next(_SEQ))"
        out = f'''def test_{n}_replace_writes_the_whole_row(client: httpx.Client, auth: dict[str, str], {need}) -> None:
    """PUT with the required fields only: 200 and the row, each required field as sent and every optional one reset ({", ".join(f"{k}={v!r}" for k, v in reset.items()) or "none"})."""
    row = {mk}, **{start})
    body = body_{n}(next(_SEQ))
    response = client.put({item}, json=body, headers=auth)
    assert response.status_code == 200, response.text
    after = response.json()
    assert_matches(after, body)
    assert {{k: after[k] for k in {sorted(reset)!r}}} == {reset!r}
    assert {{k: v for k, v in after.items() if k not in body and k not in {sorted(reset)!r} and k != "updated_at"}} == {{k: v for k, v in row.items() if k not in body and k not in {sorted(reset)!r} and k != "updated_at"}}
'''
        if "get" in resource.methods:
            out += f'''    again = client.get({item}, headers=auth)
    assert again.status_code == 200 and again.json() == after, again.text
'''
        if required:
            first = required[0]
            out += f'''

def test_{n}_replace_without_{first.name}_is_422(client: httpx.Client, auth: dict[str, str], {need}) -> None:
    """PUT is a whole row: without the required `{first.name}` it is 422 `required`, and the row is unchanged."""
    row = {mk})
    body = {{k: v for k, v in full_body_{n}(next(_SEQ)).items() if k != {first.name!r}}}
    assert_errors(client.put({item}, json=body, headers=auth), {first.name!r}, ["required"])
'''
            if "get" in resource.methods:
                out += f'''    assert client.get({item}, headers=auth).json() == row
'''
        out += f'''

def test_{n}_replace_of_another_user_is_{not_owner}(client: httpx.Client, auth: dict[str, str], other_auth: dict[str, str], {need}) -> None:
    """PUT of another user's row: {not_owner}, and the row is unchanged."""
    row = make_{n}(client, other_auth, made)
    assert_refused(client.put({item}, json=full_body_{n}(next(_SEQ)), headers=auth), {not_owner}, {code!r})
{self._unchanged(resource, item)}

def test_{n}_replace_missing_is_404(client: httpx.Client, auth: dict[str, str], {need}) -> None:
    """PUT of an id no row has: 404 (PUT never creates)."""
    row = {mk})
    assert_refused(client.put({missing}, json=body_{n}(next(_SEQ)), headers=auth), 404, "not_found")
'''
        return out

    def _chain_test(self, resource: Resource) -> str:
        """A parent named under an ancestor of the same user that it does not
        belong to: 404 on every method (only the chain check can refuse it)."""
        n = resource.name
        parent = resource.parent
        maker = self.creator(resource)
        assert parent is not None and maker is not None
        top = resource.ancestors[0]
        lines = [
            f"    parent = make_{maker.name}(client, auth, made)['id']",
            f"    # Made under another {top.table} row of the same user.",
            f"    other = make_{maker.name}(client, auth, made)['id']",
            f"    wrong = path_{n}(parent, under=other)",
        ]
        if "create" in resource.methods:
            lines += [
                f"    row = make_{n}(client, auth, made, parent=parent)",
                f"    response = client.post(wrong, json=body_{n}(next(_SEQ)), headers=auth)",
                "    if response.status_code == 201:",
                '        made.append((response.headers["location"], auth))',
                '    assert_refused(response, 404, "not_found")',
            ]
        else:
            lines.append("    row = None")
        if "list" in resource.methods:
            lines.append('    assert_refused(client.get(wrong, headers=auth), 404, "not_found")')
        if "create" in resource.methods:
            item = f"item_{n}(parent, row['id'], under=other)"
            if "get" in resource.methods:
                lines.append(f'    assert_refused(client.get({item}, headers=auth), 404, "not_found")')
            if "update" in resource.methods:
                lines.append(f'    assert_refused(client.patch({item}, json={{}}, headers=auth), 404, "not_found")')
            if "delete" in resource.methods and resource.delete_missing == 404:
                lines.append(f'    assert_refused(client.delete({item}, headers=auth), 404, "not_found")')
            if "get" in resource.methods:
                lines += [
                    f"    kept = client.get(item_{n}(parent, row['id']), headers=auth)",
                    "    assert kept.status_code == 200, kept.text",
                    "    assert kept.json() == row",
                ]
        bad = f"{resource.path!r}.format(**{{**{{p: 1 for p in {tuple(p.name for p in resource.path_params)!r}}}, {top.name!r}: 'abc'}})"
        body = "\n".join(lines)
        return f'''def test_{n}_parent_under_another_{top.table}_is_404(client: httpx.Client, auth: dict[str, str], made: list[tuple[str, dict[str, str]]]) -> None:
    """A {parent.table} of the user named under a {top.table} it does not belong to: 404 `not_found`, nothing written."""
{body}


def test_{n}_malformed_{top.name}_is_422(client: httpx.Client, auth: dict[str, str]) -> None:
    """`{top.name}` is validated like any input: 422 at it when it is not a key."""
    assert_errors(client.get({bad}, headers=auth), {top.name!r}, ["type"])
'''

    def _unchanged(self, resource: Resource, item: str) -> str:
        if "get" not in resource.methods:
            return ""
        return f"""    kept = client.get({item}, headers=other_auth)
    assert kept.status_code == 200, kept.text
    assert kept.json() == row
"""

    def _count_own(self, resource: Resource) -> str:
        """Setup lines: `have` = how many rows the user already has (via the list)."""
        n = resource.name
        if "list" not in resource.methods:
            return "    have = 0\n"
        return f"""    have = len(collect_{n}(client, auth, path_{n}(), {resource.page_max}))
"""

    def _list_tests(self, resource: Resource) -> str:
        n = resource.name
        parent = resource.parent
        pmax = resource.page_max
        if parent:
            maker = self.creator(resource)
            assert maker is not None
            setup = f"    parent = make_{maker.name}(client, auth, made)['id']\n    url = path_{n}(parent)\n    mine: list[Any] = []\n"
            extra = ", parent=parent"
        else:
            setup = f"    url = path_{n}()\n    mine = [r['id'] for r in collect_{n}(client, auth, url, {pmax})]\n"
            extra = ""
        count = min(5, resource.cap.max if resource.cap else 5)
        # Rows for the default page test: one more than a page, within the cap.
        want = min(resource.page_default + 1, resource.cap.max if resource.cap else resource.page_default + 1)
        if not parent and resource.cap:
            count = 0  # the user's own rows may already be at the cap; the walk still covers them
        other_parent = ""
        not_owner = resource.not_owner
        code = "forbidden" if not_owner == 403 else "not_found"
        if parent:
            maker = self.creator(resource)
            assert maker is not None
            other_parent = f'''

def test_{n}_list_of_another_users_parent_is_{not_owner}(client: httpx.Client, auth: dict[str, str], other_auth: dict[str, str], {"made: list[tuple[str, dict[str, str]]]"}) -> None:
    """Listing under a {parent.table} of another user: {not_owner}."""
    theirs = make_{maker.name}(client, other_auth, made)["id"]
    assert_refused(client.get(path_{n}(theirs), headers=auth), {not_owner}, {code!r})


def test_{n}_list_under_missing_parent_is_404(client: httpx.Client, auth: dict[str, str]) -> None:
    """Listing under a {parent.table} that does not exist: 404."""
    assert_refused(client.get(path_{n}({MISSING_ID}), headers=auth), 404, "not_found")'''
        else:
            other_parent = f'''

def test_{n}_list_shows_no_row_of_another_user(client: httpx.Client, auth: dict[str, str], other_auth: dict[str, str], {"made: list[tuple[str, dict[str, str]]]"}) -> None:
    """Another user's rows never appear in the list."""
    theirs = make_{n}(client, other_auth, made)["id"]
    assert theirs not in [r["id"] for r in collect_{n}(client, auth, path_{n}(), {pmax})]'''
        return f'''def collect_{n}(client: httpx.Client, headers: dict[str, str], url: str, limit: int, between: Any = None) -> list[dict[str, Any]]:
    """Every row of the list at `url`, page by page (`between()` runs after each page)."""
    rows: list[dict[str, Any]] = []
    params: dict[str, Any] = {{"limit": limit}}
    while True:
        response = client.get(url, params=params, headers=headers)
        assert response.status_code == 200, response.text
        assert_cache(response, "no-store", None)
        page = response.json()
        assert set(page) == {{"items", "next_cursor"}}, page
        assert len(page["items"]) <= limit
        rows.extend(page["items"])
        if between is not None:
            between()
        if page["next_cursor"] is None:
            return rows
        assert isinstance(page["next_cursor"], str)
        params = {{"limit": limit, "cursor": page["next_cursor"]}}


def test_{n}_pages_cover_every_row_exactly_once(client: httpx.Client, auth: dict[str, str], {"made: list[tuple[str, dict[str, str]]]"}) -> None:
    """Pages of 2 walk every row once, in key order, though rows are inserted between pages."""
{setup}    for _ in range({count}):
        mine.append(make_{n}(client, auth, made{extra})["id"])
    added: list[Any] = []

    def insert_one() -> None:
        if len(added) < 2 and len(mine) + len(added) < {resource.cap.max if resource.cap else 10**6}:
            added.append(make_{n}(client, auth, made{extra})["id"])

    seen = [r["id"] for r in collect_{n}(client, auth, url, 2, insert_one)]
    assert len(seen) == len(set(seen)), seen
    assert seen == sorted(seen)
    assert set(mine) <= set(seen)
    assert set(seen) <= set(mine) | set(added)


def test_{n}_default_page_is_{resource.page_default}_and_max_is_{pmax}(client: httpx.Client, auth: dict[str, str], {"made: list[tuple[str, dict[str, str]]]"}) -> None:
    """`limit` defaults to {resource.page_default} (one row more than that is on a second page, up to the cap) and may be at most {pmax}; over it: 422 at `limit`."""
{setup}    while len(mine) < {want}:
        mine.append(make_{n}(client, auth, made{extra})["id"])
    response = client.get(url, headers=auth)
    assert response.status_code == 200, response.text
    assert len(response.json()["items"]) == min(len(mine), {resource.page_default})
    one = client.get(url, params={{"limit": 1}}, headers=auth)
    assert one.status_code == 200, one.text
    assert len(one.json()["items"]) <= 1
    assert client.get(url, params={{"limit": {pmax}}}, headers=auth).status_code == 200
    assert_errors(client.get(url, params={{"limit": {pmax + 1}}}, headers=auth), "limit", ["too_large"])


def test_{n}_list_documents_its_page_limit(client: httpx.Client) -> None:
    """The served OpenAPI documents `limit` as the runtime applies it: 1 to {pmax}, default {resource.page_default}."""
    response = client.get("/openapi.json")
    if response.status_code == 404:
        pytest.skip("this server does not serve /openapi.json")
    assert response.status_code == 200, response.text
    parameters = response.json()["paths"][{resource.path!r}]["get"]["parameters"]
    schema = next(p["schema"] for p in parameters if p["name"] == "limit")
    documented = [schema["minimum"], schema["maximum"], schema["default"]]
    assert documented == [1, {pmax}, {resource.page_default}], schema


@pytest.mark.parametrize(("params", "path", "codes"), [pytest.param({{"limit": "0"}}, "limit", ["type"], id="limit-0"), pytest.param({{"limit": "x"}}, "limit", ["type"], id="limit-not-int"), pytest.param({{"limit": "0000000000"}}, "limit", ["type"], id="limit-10-zeros"), pytest.param({{"limit": "1000000000"}}, "limit", ["too_large"], id="limit-10-digits"), pytest.param({{"limit": "9" * 40}}, "limit", ["too_large"], id="limit-40-digits"), pytest.param({{"cursor": "x"}}, "cursor", ["type"], id="cursor-not-int"), pytest.param({{"page": "1"}}, "page", ["unknown_field"], id="unknown-parameter")])
def test_{n}_list_rejects_bad_parameters(client: httpx.Client, auth: dict[str, str], {"made: list[tuple[str, dict[str, str]]]"}, params: dict[str, str], path: str, codes: list[str]) -> None:
    """Malformed `limit` or `cursor`, or an unknown parameter: 422 at it."""
{setup}    assert_errors(client.get(url, params=params, headers=auth), path, codes){other_parent}
'''

    def render(self) -> str:
        parts = [_HELPERS.format()]
        if self.chained:
            parts.append(_CHAIN_HELPER)
        for resource in self.spec.resources:
            parts.append(self.helpers(resource))
        for resource in self.spec.resources:
            parts.extend(self.tests(resource))
        return "\n\n".join(parts)
