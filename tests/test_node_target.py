"""The node target (targets/node): when it writes, what, and what it refuses.
Running the emitted handlers' vitest tests on PostgreSQL is tests/engines/test_node_handlers.py."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path, PurePosixPath

import pytest

from compiler.diagnostics import SpecError
from compiler.ir import ITEM_VERBS, RESOURCE_HTTP, RESOURCE_VERBS
from compiler.project import build_project
from targets import get, kind_of
from targets.node.handlers import postgres_sql, runtime_text, statements
from tests.conftest import ROOT, SPECS
from tests.engines.conftest import engines_required

VALINE = ROOT / "examples" / "valine"

HOSTILE = """\
spec: 1
id: hostile-text
title: "x */ ` ${process.exit(1)} '); require('fs') // \\u2028 end"
priority: low
motivation: m
depends_on: [theme-preference]
endpoints:
  getHostile:
    method: GET
    path: /api/me/hostile
    summary: "`${1}` */ \\" \\u2029 '"
    response:
      theme: users.theme_preference
"""


@pytest.fixture()
def valine(tmp_path: Path) -> Path:
    shutil.copytree(VALINE, tmp_path / "p", ignore=shutil.ignore_patterns("snapshots", ".specc"))
    return tmp_path / "p"


def _node_check(files: dict[PurePosixPath, str], tmp: Path) -> None:
    node = shutil.which("node")
    if node is None:
        if engines_required():
            pytest.fail("node is not installed (required here: CI=true or SPECC_REQUIRE_ENGINES=1)", pytrace=False)
        pytest.skip("node is not installed")
    for path, text in files.items():
        if path.suffix != ".js":
            continue
        file = tmp / (path.stem + ".mjs")
        file.write_text(text, "utf-8")
        done = subprocess.run([node, "--check", str(file)], capture_output=True, text=True, timeout=60)
        assert done.returncode == 0, f"{path}: {done.stderr}"


def test_silent_under_the_default_stack() -> None:
    project = build_project(SPECS)
    assert project.conventions.stack == "fastapi"
    assert get("node").emit(project) == {}


def test_the_example_writes_handlers_data_layer_functions_and_tests(tmp_path: Path) -> None:
    project = build_project(VALINE / "specs")
    assert project.conventions.stack == "node-serverless"
    files = get("node").emit(project)
    spec = PurePosixPath("theme-preference/serverless")
    runtime = PurePosixPath("_project/serverless/src/specc/runtime")
    # Every spec of the example (the three seed tasks) gets the same six files.
    per_spec = [
        PurePosixPath(f"{s.id}/serverless") / name.format(s.id)
        for s in project.specs
        for name in (
            "serverless.functions.yml",
            "src/handlers/{}.js",
            "src/specc/{}/data.js",
            "src/specc/{}/rules.js",
            "src/specc/{}/sql.js",
            "tests/{}.contract.test.js",
        )
    ]
    assert {s.id for s in project.specs} == {"theme-preference", "profile-links-titles", "dashboard-stats-endpoints"}
    offline = PurePosixPath("_project/serverless/tests/specc")
    assert sorted(files) == sorted(
        per_spec
        + [runtime / name for name in ("db.js", "db.pg.js", "db.prisma.js", "http.js", "resource.js", "validation.js")]
        + [offline / name for name in ("auth-hooks.js", "gateway.js", "offline.js", "over-http.js", "test-auth.js")]
    )
    handler = files[spec / "src/handlers/theme-preference.js"]
    assert "export const getPreferences = async (event) =>" in handler
    assert "export const updatePreferences = async (event) =>" in handler
    assert "import { json } from '../utils/headers.js';" in handler
    assert "import { getUserFromEvent } from './auth.js';" in handler
    sql = files[spec / "src/specc/theme-preference/sql.js"]
    assert '"updatePreferences:lock": "SELECT \\"id\\" FROM \\"users\\" WHERE \\"id\\" = $1 FOR UPDATE"' in sql
    assert '"updatePreferences:set:theme": "UPDATE \\"users\\" SET \\"themePreference\\" = $1 WHERE \\"id\\" = $2"' in sql
    functions = files[spec / "serverless.functions.yml"]
    assert 'handler: "src/handlers/theme-preference.updatePreferences"' in functions
    assert "method: patch" in functions and 'path: "/api/me/preferences"' in functions
    assert get("node").emit(project) == files, "deterministic"
    for path in files:
        kind = kind_of(str(path))
        assert kind is not None and kind.comment is not None, path
    _node_check(files, tmp_path)


def test_placeholders_are_numbered_in_order(valine: Path) -> None:
    project = build_project(valine / "specs")
    spec = project.spec("theme-preference")
    assert spec is not None
    rendered = {key: postgres_sql(st) for key, st in statements(spec).items()}
    assert rendered["updatePreferences:set:theme"].endswith("= $1 WHERE \"id\" = $2")


def test_hostile_spec_text_stays_inside_string_literals(valine: Path, tmp_path: Path) -> None:
    (valine / "specs" / "hostile-text.yaml").write_text(HOSTILE, "utf-8")
    project = build_project(valine / "specs")
    files = get("node").spec_files(project, project.spec("hostile-text"))
    handler = files[PurePosixPath("hostile-text/serverless/src/handlers/hostile-text.js")]
    assert "process.exit(1)} '); require('fs') //" in handler  # only inside a JSON string
    assert "\u2028" not in handler and "\u2029" not in handler
    _node_check(files, tmp_path)


@pytest.fixture()
def bundled_on_node(tmp_path: Path) -> Path:
    """The bundled specs under the fastapi-sql profile with `stack: node-serverless`."""
    shutil.copytree(SPECS, tmp_path / "b" / "specs")
    (tmp_path / "b" / "specc.yaml").write_text("version: 1\nprofile: fastapi-sql\nstack: node-serverless\n", "utf-8")
    return tmp_path / "b" / "specs"


def test_the_bundled_specs_render_resources_too(bundled_on_node: Path, tmp_path: Path) -> None:
    project = build_project(bundled_on_node)
    target = get("node")
    for spec in project.specs:
        files = target.spec_files(project, spec)
        assert PurePosixPath(spec.id, "serverless", "src", "handlers", f"{spec.id}.js") in files
        _node_check(files, tmp_path)
    spec = project.spec("reading-lists")
    assert spec is not None and spec.resources
    files = target.spec_files(project, spec)
    handler = files[PurePosixPath("reading-lists/serverless/src/handlers/reading-lists.js")]
    for op in ("lists_create", "lists_list", "lists_get", "lists_update", "lists_delete", "items_create", "items_delete"):
        assert f"export const {op} = async (event) =>" in handler
    sql = files[PurePosixPath("reading-lists/serverless/src/specc/reading-lists/sql.js")]
    # The create locks the parent list before counting its items; every value is a parameter.
    assert '"parent_lock": "SELECT \\"t1\\".\\"id\\", CASE WHEN \\"t1\\".\\"owner_id\\" = $1 THEN 1 ELSE 0 END AS owned FROM \\"reading_lists\\" AS t1 WHERE \\"t1\\".\\"id\\" = $2 FOR UPDATE"' in sql
    assert 'RETURNING \\"id\\""' in sql
    functions = files[PurePosixPath("reading-lists/serverless/serverless.functions.yml")]
    assert 'path: "/api/reading-lists/{list_id}/items/{item_id}"' in functions and "method: delete" in functions


def test_replace_is_a_whole_row_put_with_create_rules(bundled_on_node: Path) -> None:
    """items' replace: its handler validates (required fields as on create), and
    its statement is one parameterised UPDATE of every field and updated_at."""
    project = build_project(bundled_on_node)
    spec = project.spec("reading-lists")
    assert spec is not None
    files = get("node").spec_files(project, spec)
    lib = PurePosixPath("reading-lists/serverless/src/specc/reading-lists")
    handler = files[PurePosixPath("reading-lists/serverless/src/handlers/reading-lists.js")]
    assert 'verb: "replace",\n    cfg: RESOURCES.items,\n    sql: RESOURCE_SQL.items,\n    validate: (body) => validateBody(REQUEST_RULES.items_replace, body),' in handler
    rules = files[lib / "rules.js"]
    replace_rules = rules.split("  items_replace: {\n", 1)[1].split("  },", 1)[0]
    assert '"url": {"kind": "url", "required": true' in replace_rules and '"status": {"kind": "enum", "required": false' in replace_rules
    sql = files[lib / "sql.js"]
    assert '"replace": "UPDATE \\"reading_list_items\\" SET \\"url\\" = $1, \\"title\\" = $2, \\"status\\" = $3, \\"note\\" = $4, \\"updated_at\\" = CURRENT_TIMESTAMP WHERE \\"id\\" = $5"' in sql
    functions = files[PurePosixPath("reading-lists/serverless/serverless.functions.yml")]
    assert "handler: \"src/handlers/reading-lists.items_replace\"" in functions and "method: put" in functions


def test_resource_js_answers_every_resource_verb_of_the_ir() -> None:
    """A verb the IR gains must be served by runtime/resource.js, not fall
    through to a 200 with the unchanged row (issue 14)."""
    text = runtime_text("resource.js")
    status = text.split("const STATUS = Object.freeze({", 1)[1].split("});", 1)[0]
    assert {part.split(":")[0].strip() for part in status.split(",")} == set(RESOURCE_VERBS) == set(RESOURCE_HTTP)
    items = text.split("const ITEM_VERBS = Object.freeze([", 1)[1].split("]);", 1)[0]
    assert [v.strip().strip("'") for v in items.split(",")] == list(ITEM_VERBS)
    for verb in RESOURCE_VERBS:
        if verb not in ("get", "list"):
            assert f"verb === '{verb}'" in text, verb


def test_resources_the_node_target_cannot_test_are_a_located_e284(bundled_on_node: Path) -> None:
    """A url field with a host rule: its cases could not make distinct rows, so no handler is written."""
    path = bundled_on_node / "reading-lists.yaml"
    text = path.read_text("utf-8").replace("enums:\n", "enums:\n  item_kind: [site, imdb]\n", 1)
    text = text.replace(
        "      note: {type: text, nullable: true}\n",
        "      note: {type: text, nullable: true}\n      kind: {type: enum, enum: item_kind, nullable: false, default: site}\n",
        1,
    )
    text = text.replace(
        "url: {type: url, max: 2048, nullable: false, description: The article's absolute http(s) URL.}",
        "url: {type: url, max: 2048, nullable: false, hosts: {by: kind, allow: {imdb: [imdb.com]}}}",
    )
    text = text.replace("fields: [url, title, status, note]", "fields: [url, title, status, note, kind]")
    path.write_text(text, "utf-8")
    project = build_project(bundled_on_node)
    spec = project.spec("reading-lists")
    assert spec is not None
    with pytest.raises(SpecError) as err:
        get("node").spec_files(project, spec)
    (d,) = err.value.diagnostics
    assert d.code == "E284" and d.span.file.endswith("reading-lists.yaml") and d.span.line > 0, str(d.span)
    assert "host rules (items.url)" in d.message


def test_an_unknown_stack_is_a_located_config_error(valine: Path) -> None:
    config = valine / "specc.yaml"
    config.write_text(config.read_text("utf-8").replace("stack: node-serverless", "stack: lambda"), "utf-8")
    with pytest.raises(SpecError) as err:
        build_project(valine / "specs")
    (d,) = err.value.diagnostics
    assert d.span.file.endswith("specc.yaml") and "stack" in d.message, d


GATEWAY_CHECKS = r"""
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { compileRoute, findRoute, parseFunctions, toEvent, toResponse } from './gateway.js';

const fragment = readFileSync(process.argv[2], 'utf8');
const routes = parseFunctions(fragment, 'theme.yml').map(compileRoute);
assert.deepEqual(routes.map((r) => [r.name, r.handler, r.routeKey]), [
  ['themePreferenceGetPreferences', 'src/handlers/theme-preference.getPreferences', 'GET /api/me/preferences'],
  ['themePreferenceUpdatePreferences', 'src/handlers/theme-preference.updatePreferences', 'PATCH /api/me/preferences'],
]);
assert.equal(findRoute(routes, 'PATCH', '/api/me/preferences').route.name, 'themePreferenceUpdatePreferences');
assert.equal(findRoute(routes, 'DELETE', '/api/me/preferences'), null);
assert.equal(findRoute(routes, 'GET', '/api/me/preferences/x'), null);

// A path template's parameters, as httpApi gives them.
const item = compileRoute({ name: 'f', handler: 'src/handlers/a.b', method: 'GET', path: '/lists/{listId}/items/{itemId}' });
assert.deepEqual(findRoute([item], 'GET', '/lists/7/items/a%20b').params, { listId: '7', itemId: 'a b' });
assert.equal(findRoute([item], 'GET', '/lists/7/items/%E0%A4%A'), null); // a malformed escape: no route, no throw

// Handlers outside the service folder, and anything but specc's fragment lines, are refused.
for (const bad of ['../x.y', '/etc/x.y', 'src/../x.y']) {
  assert.throws(() => parseFunctions(`functions:\n  f:\n    handler: ${JSON.stringify(bad)}\n    events:\n      - httpApi:\n          path: "/a"\n          method: get\n`), /bad handler/);
}
assert.throws(() => parseFunctions('functions:\n  f:\n    handler: "src/handlers/a.b"\n    layers: [x]\n'), /theme|serverless.functions.yml:4/);

const route = routes[1];
const event = toEvent({
  method: 'PATCH',
  target: '/api/me/preferences?a=1&a=2&b=',
  rawHeaders: ['Content-Type', 'application/json', 'X-Twice', 'one', 'X-Twice', 'two', 'Cookie', 'c=1; d=2'],
  body: Buffer.from('{"theme":"dark"}'),
  route,
  params: {},
  sourceIp: '127.0.0.1',
  requestId: 'r',
  now: new Date(0),
});
assert.equal(event.version, '2.0');
assert.equal(event.routeKey, 'PATCH /api/me/preferences');
assert.equal(event.rawQueryString, 'a=1&a=2&b=');
assert.deepEqual(event.queryStringParameters, { a: '1,2', b: '' });
assert.deepEqual(event.headers, { 'content-type': 'application/json', 'x-twice': 'one,two' });
assert.deepEqual(event.cookies, ['c=1', 'd=2']);
assert.equal(event.body, '{"theme":"dark"}');
assert.equal(event.isBase64Encoded, false);
assert.equal(event.requestContext.http.method, 'PATCH');
assert.equal('pathParameters' in event, false);
const binary = toEvent({ method: 'PATCH', target: '/x', rawHeaders: ['content-type', 'application/octet-stream'], body: Buffer.from('{}'), route, params: {}, sourceIp: '', requestId: 'r' });
assert.deepEqual([binary.isBase64Encoded, binary.body], [true, Buffer.from('{}').toString('base64')]);
const empty = toEvent({ method: 'GET', target: '/x', rawHeaders: [], body: Buffer.alloc(0), route, params: {}, sourceIp: '', requestId: 'r' });
assert.equal('body' in empty, false);

const ok = toResponse({ statusCode: 201, headers: { 'Cache-Control': 'no-store' }, cookies: ['s=1'], body: 'aGk=', isBase64Encoded: true });
assert.deepEqual([ok.status, ok.headers, ok.body.toString()], [201, { 'Cache-Control': 'no-store', 'set-cookie': ['s=1'] }, 'hi']);
assert.deepEqual([toResponse({ a: 1 }).status, toResponse({ a: 1 }).body.toString()], [200, '{"a":1}']);
assert.equal(toResponse({ statusCode: 'x' }).status, 500);
assert.equal(toResponse(undefined).status, 500);
console.log('gateway ok');
"""


def test_the_local_server_maps_requests_to_api_gateway_v2_events(tmp_path: Path) -> None:
    """gateway.js (the local server's mapping), run by node on the example's functions fragment."""
    node = shutil.which("node")
    if node is None:
        if engines_required():
            pytest.fail("node is not installed (required here: CI=true or SPECC_REQUIRE_ENGINES=1)", pytrace=False)
        pytest.skip("node is not installed")
    files = get("node").emit(build_project(VALINE / "specs"))
    (tmp_path / "gateway.js").write_text(files[PurePosixPath("_project/serverless/tests/specc/gateway.js")], "utf-8")
    (tmp_path / "package.json").write_text('{"type": "module"}', "utf-8")
    (tmp_path / "theme.yml").write_text(files[PurePosixPath("theme-preference/serverless/serverless.functions.yml")], "utf-8")
    (tmp_path / "checks.js").write_text(GATEWAY_CHECKS, "utf-8")
    done = subprocess.run([node, "checks.js", "theme.yml"], cwd=tmp_path, capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "gateway ok"


def test_a_path_naming_the_chain_above_the_parent_is_a_located_e284(bundled_on_node: Path) -> None:
    """resource.js checks the parent and the item only: a path that also names
    the row above the parent would be served without its check, so nothing is written."""
    shutil.copy(Path(__file__).parent / "fixtures" / "nested" / "fleet-chains.yaml", bundled_on_node / "fleet-chains.yaml")
    project = build_project(bundled_on_node)
    spec = project.spec("fleet-chains")
    assert spec is not None and any(r.ancestors for r in spec.resources)
    with pytest.raises(SpecError) as err:
        get("node").spec_files(project, spec)
    (d,) = err.value.diagnostics
    assert d.code == "E284" and d.span.file.endswith("fleet-chains.yaml") and d.span.line > 0, str(d.span)
    assert "{fleet_id}" in d.message
