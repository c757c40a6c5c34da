/**
 * How every generated resource handler answers: create, list, get, update
 * (PATCH: the fields given), replace (PUT: the whole row) and delete of rows the signed-in user owns, directly or through a chain
 * of parent rows (specc's Python serve_resource, in the same order).
 *
 * 401 without a user; 422 for a path key or list query that is malformed,
 * or a body that is not JSON or breaks the rules; then one transaction in
 * which ownership is checked through the whole chain (on locked rows for a
 * write) before anything changes: 404 for a missing row or parent, the
 * resource's not-owner status (403, or 404 to keep the row's existence
 * hidden) for another user's.  A create locks the parent row (the user's
 * row for a row owned directly) before counting against the cap, so
 * concurrent creates under one parent run in turn and cannot pass it
 * (409 cap_exceeded); a unique index violation is 409 conflict.  Lists page
 * by keyset on the key (`cursor` is the last key of the previous page).
 * Responses are never cached.
 */

import { databaseFailure, failure, INVALID_JSON, one, parseBody, queryPairs, toDb, toJson } from './http.js';
import { ValidationFailed } from './validation.js';

const NO_STORE = Object.freeze({ 'Cache-Control': 'no-store' });
const STATUS = Object.freeze({ create: 201, list: 200, get: 200, update: 200, replace: 200, delete: 204 });
const ITEM_VERBS = Object.freeze(['get', 'update', 'replace', 'delete']);
const MAX_KEY = 2n ** 63n - 1n; // a signed 64-bit key

class Refused extends Error {
  constructor(status, path, code, message) {
    super(code);
    this.status = status;
    this.errors = one(code, message, path);
  }
}

/** A path parameter or cursor as the integer key it names (as text: exact), or Refused(422). */
export function parseKey(raw, path) {
  const text = typeof raw === 'string' ? raw : '';
  if (!/^[0-9]{1,19}$/.test(text) || BigInt(text) < 1n || BigInt(text) > MAX_KEY) {
    throw new Refused(422, path, 'type', 'must be a positive integer');
  }
  return BigInt(text).toString();
}

/** `limit` (the default, at most the page max) and `cursor` of a list request, or Refused(422). */
export function pageQuery(pairs, cfg) {
  const seen = new Set();
  let limit = cfg.page_default;
  let after = '0';
  for (const [name, value] of pairs) {
    if (name !== 'limit' && name !== 'cursor') throw new Refused(422, name, 'unknown_field', 'is not a known query parameter');
    if (seen.has(name)) throw new Refused(422, name, 'duplicate', 'is given more than once');
    seen.add(name);
    if (name === 'limit') {
      if (!/^[0-9]+$/.test(value) || /^0+$/.test(value)) throw new Refused(422, 'limit', 'type', 'must be a positive integer');
      // However many digits, a number over the page max is too large (digits compared first: Number() rounds).
      const digits = value.replace(/^0+/, '');
      if (digits.length > String(cfg.page_max).length || Number(digits) > cfg.page_max) {
        throw new Refused(422, 'limit', 'too_large', `must be at most ${cfg.page_max}`);
      }
      limit = Number(digits);
    } else {
      after = parseKey(value, 'cursor');
    }
  }
  return [limit, after];
}

function record(row, fields) {
  return Object.fromEntries(fields.map(([name, kind, column]) => [name, toJson(row[column], kind)]));
}

// An ownership query's row (key, owned): 404 without one, the not-owner status when owned is 0.
async function checkOwned(q, statement, params, cfg, what) {
  const rows = await q.rows(statement, params);
  if (rows.length === 0) throw new Refused(404, '', 'not_found', `no such ${what}`);
  if (!Number(rows[0].owned ?? 0)) {
    if (cfg.not_owner === 403) throw new Refused(403, '', 'forbidden', `this ${what} belongs to another user`);
    throw new Refused(404, '', 'not_found', `no such ${what}`);
  }
}

async function selectRow(q, sql, cfg, key) {
  const rows = await q.rows(sql.select, [key]);
  return rows.length ? record(rows[0], cfg.response) : null;
}

function isUniqueViolation(err) {
  const cause = err?.meta?.driverAdapterError?.cause;
  return err?.code === '23505' || err?.code === 'P2002' || cause?.originalCode === '23505';
}

async function work(db, verb, cfg, sql, userId, keys, page, body) {
  const parentId = keys.parent;
  const itemId = keys.item;
  const ownerId = cfg.parent === null ? userId : parentId;
  const run = verb === 'list' || verb === 'get' ? db.read.bind(db) : db.transaction.bind(db);
  return run(async (q) => {
    if (cfg.parent !== null && verb !== 'create') await checkOwned(q, sql.parent, [userId, parentId], cfg, cfg.parent_what);
    if (verb === 'create') {
      if (cfg.parent !== null) await checkOwned(q, sql.parent_lock, [userId, parentId], cfg, cfg.parent_what);
      else if ((await q.rows(sql.user_lock, [userId])).length === 0) return { status: 401 };
      if (cfg.cap !== null) {
        const counted = await q.rows(sql.count, [ownerId]);
        if (Number(Object.values(counted[0])[0]) >= cfg.cap) throw new Refused(409, '', 'cap_exceeded', `at most ${cfg.cap} ${cfg.what} rows are allowed here`);
      }
      const values = [ownerId];
      for (const [name, kind] of cfg.fields) {
        values.push(toDb(Object.hasOwn(body, name) ? body[name] : (cfg.defaults[name] ?? null), kind));
      }
      const inserted = await q.rows(sql.insert, values);
      const newId = String(Object.values(inserted[0])[0]);
      const ids = { [cfg.item[0]]: newId };
      if (cfg.parent !== null) ids[cfg.parent[0]] = parentId;
      const location = cfg.item_path.replace(/\{([A-Za-z0-9_]+)\}/g, (_m, name) => encodeURIComponent(ids[name]));
      return { status: 201, result: await selectRow(q, sql, cfg, newId), headers: { Location: location } };
    }
    if (verb === 'list') {
      const [limit, after] = page;
      const rows = (await q.rows(sql.page, [ownerId, after, limit + 1])).map((row) => record(row, cfg.response));
      const more = rows.length > limit;
      const items = rows.slice(0, limit);
      const last = more ? items[items.length - 1][cfg.key_field] : null;
      return { status: 200, result: { items, next_cursor: last === null ? null : String(last) } };
    }
    const lock = verb !== 'get';
    const params = [userId, itemId, ...(cfg.parent !== null ? [parentId] : [])];
    try {
      await checkOwned(q, lock ? sql.lock : sql.owner, params, cfg, cfg.what);
    } catch (err) {
      if (verb === 'delete' && err instanceof Refused && err.status === 404 && cfg.delete_missing === 204) return { status: 204 };
      throw err;
    }
    if (verb === 'update') {
      for (const [name, kind] of cfg.fields) {
        if (Object.hasOwn(body, name)) await q.exec(sql[`set:${name}`], [toDb(body[name], kind), itemId]);
      }
      if (Object.keys(body).length && sql.touch) await q.exec(sql.touch, [itemId]);
    }
    if (verb === 'replace') {
      // PUT stores the whole row in one UPDATE (its updated_at too, when it has one):
      // an absent field is its default, or NULL, as on create.
      const values = cfg.fields.map(([name, kind]) => toDb(Object.hasOwn(body, name) ? body[name] : (cfg.defaults[name] ?? null), kind));
      await q.exec(sql.replace, [...values, itemId]);
    }
    if (verb === 'delete') {
      await q.exec(sql.delete, [itemId]);
      return { status: 204 };
    }
    return { status: 200, result: await selectRow(q, sql, cfg, itemId) };
  });
}

/**
 * One request of a resource method.  `helpers` are the repository's json(),
 * getUserFromEvent() and the db seam; `cfg` is the resource's data
 * (rules.js RESOURCES), `sql` its statements, `validate` the body's rules.
 */
export async function serveResource(event, helpers, { verb, cfg, sql, validate }) {
  const { json, getUserFromEvent, getDb } = helpers;
  const userId = getUserFromEvent(event);
  if (userId === null || userId === undefined || userId === '') {
    return failure(json, event, 401, one('unauthorized', 'sign in to use this endpoint'), NO_STORE);
  }
  let keys;
  let page = null;
  let body = {};
  try {
    const params = event?.pathParameters ?? {};
    keys = {
      parent: cfg.parent !== null ? parseKey(params[cfg.parent[0]], cfg.parent[0]) : null,
      item: ITEM_VERBS.includes(verb) ? parseKey(params[cfg.item[0]], cfg.item[0]) : null,
    };
    if (verb === 'list') page = pageQuery(queryPairs(event), cfg);
    if (validate) {
      const parsed = parseBody(event);
      if (parsed === INVALID_JSON) return failure(json, event, 422, one('type', 'the request body must be JSON'), NO_STORE);
      body = validate(parsed);
    }
  } catch (err) {
    if (err instanceof Refused || err instanceof ValidationFailed) return failure(json, event, err.status ?? 422, err.errors, NO_STORE);
    throw err;
  }
  let answer;
  try {
    answer = await work(await getDb(), verb, cfg, sql, userId, keys, page, body);
  } catch (err) {
    if (err instanceof Refused) return failure(json, event, err.status, err.errors, NO_STORE);
    if (err instanceof ValidationFailed) return failure(json, event, 422, err.errors, NO_STORE);
    if (isUniqueViolation(err)) {
      return failure(json, event, 409, one('conflict', `another ${cfg.what} already has this value`, cfg.conflict_path), NO_STORE);
    }
    const [status, errors] = databaseFailure(err);
    console.error(`specc resource handler: database failure ${status} ${errors[0].code}`, err);
    return failure(json, event, status, errors, NO_STORE);
  }
  if (answer.status === 401) return failure(json, event, 401, one('unauthorized', 'sign in to use this endpoint'), NO_STORE);
  if (answer.status === 204) return { statusCode: 204, headers: { ...NO_STORE } };
  return json(answer.result, STATUS[verb], { ...NO_STORE, ...(answer.headers ?? {}), event });
}
