/**
 * How every generated handler answers an API Gateway v2 (httpApi) event.
 *
 * The order is that of specc's Python routes: 401 without a signed-in user;
 * 422 for a body that is not JSON or is invalid (every error found); then the
 * spec's data-access function, whose writes run in one transaction (409 when
 * they conflict with the stored rows); 401 when the user has no row; otherwise the spec's status with its cache headers.
 * Errors keep Valine's shape {error: message} and add the machine-readable
 * list {errors: [{path, code, message}]} with specc's codes; they are never
 * cached.  A database failure answers in the same shape (409 conflict,
 * 422 constraint or invalid_value, 503 unavailable, 500 internal) and never
 * shows the driver's message, which can name tables and values.
 */

import { ValidationFailed } from './validation.js';

export const ERROR_CACHE_CONTROL = 'no-store';
export const INVALID_JSON = Symbol('invalid JSON');

/** The parsed JSON body of an httpApi event (base64 decoded when flagged), or INVALID_JSON. */
export function parseBody(event) {
  let raw = event?.body ?? '';
  if (event?.isBase64Encoded && typeof raw === 'string') raw = Buffer.from(raw, 'base64').toString('utf8');
  try {
    return JSON.parse(raw);
  } catch {
    return INVALID_JSON;
  }
}

export function failure(json, event, status, errors, cache) {
  const headers = { ...cache, 'Cache-Control': ERROR_CACHE_CONTROL, event };
  return json({ error: errors[0].message, errors }, status, headers);
}

export const one = (code, message, path = '') => [{ path, code, message }];

/** A write refused because it conflicts with the stored rows (409; the transaction rolls back). */
export class Conflict extends Error {
  constructor(path, code, message) {
    super(code);
    this.errors = one(code, message, path);
  }
}

/**
 * The key of the user's one row of `table` (`rows`: what its SELECT found),
 * which each new row of list `path` references; 409 parent_missing when
 * there is none and `items` would need it.
 */
export function userRow(rows, items, path, table) {
  if (rows.length > 0) return Object.values(rows[0])[0];
  if (items.length > 0) throw new Conflict(path, 'parent_missing', `the signed-in user has no ${table} row for these rows to belong to`);
  return null;
}

// The SQLSTATE: pg's error.code, or what Prisma's driver adapter reports for a raw query
// (P2010 with meta.driverAdapterError.cause.originalCode).
function sqlState(err) {
  const cause = err?.meta?.driverAdapterError?.cause;
  const state = err?.code && /^[0-9A-Z]{5}$/.test(err.code) ? err.code : (cause?.originalCode ?? err?.meta?.code);
  return typeof state === 'string' ? state : '';
}

// Prisma driver adapter error kinds that mean the database cannot be reached.
const UNREACHABLE = new Set(['DatabaseNotReachable', 'DatabaseDoesNotExist', 'SocketTimeout', 'ConnectionClosed', 'TooManyConnections']);

const UNAVAILABLE = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'ENOTFOUND', 'P1001', 'P1002', 'P1017', 'P2024']);

/** The status and errors for an exception raised while the handler used the database. */
export function databaseFailure(err) {
  const state = sqlState(err);
  if (state === '23505' || err?.code === 'P2002') return [409, one('conflict', 'conflicts with a stored row (a unique value is taken)')];
  if (state.startsWith('23')) return [422, one('constraint', 'the database refused the values (a constraint failed)')];
  if (state.startsWith('22')) return [422, one('invalid_value', 'the database cannot store a value given')];
  const kind = err?.meta?.driverAdapterError?.cause?.kind;
  if (state.startsWith('08') || state.startsWith('57') || UNAVAILABLE.has(err?.code) || UNREACHABLE.has(kind) || err?.name === 'DatabaseUnavailable') {
    return [503, one('unavailable', 'the database is unavailable; try again later')];
  }
  return [500, one('internal', 'internal error')];
}

/**
 * One request of a generated handler.  `helpers` are the repository's own
 * json() and getUserFromEvent(); `endpoint` says what to run: its cache
 * headers, success status, whether it takes a body and how to validate it,
 * and `work(db, userId, body)`, which returns null when the user has no row.
 */
export async function serve(event, helpers, endpoint) {
  const { json, getUserFromEvent, getDb } = helpers;
  const cache = endpoint.cache;
  const userId = getUserFromEvent(event);
  if (endpoint.auth !== false && (userId === null || userId === undefined || userId === '')) {
    return failure(json, event, 401, one('unauthorized', 'sign in to use this endpoint'), cache);
  }
  let query;
  let body;
  if (endpoint.validateQuery) {
    try {
      query = endpoint.validateQuery(queryPairs(event));
    } catch (err) {
      if (err instanceof ValidationFailed) return failure(json, event, 422, err.errors, cache);
      throw err;
    }
  }
  if (endpoint.validate) {
    const parsed = parseBody(event);
    if (parsed === INVALID_JSON) return failure(json, event, 422, one('type', 'the request body must be JSON'), cache);
    try {
      body = endpoint.validate(parsed);
    } catch (err) {
      if (err instanceof ValidationFailed) return failure(json, event, 422, err.errors, cache);
      throw err;
    }
  }
  let result;
  try {
    const db = await getDb();
    result = await endpoint.work(db, userId, body, query);
  } catch (err) {
    if (err instanceof ValidationFailed) return failure(json, event, 422, err.errors, cache);
    if (err instanceof Conflict) return failure(json, event, 409, err.errors, cache);
    const [status, errors] = databaseFailure(err);
    console.error(`specc handler: database failure ${status} ${errors[0].code}`, err);
    return failure(json, event, status, errors, cache);
  }
  if (result === null) return failure(json, event, 401, one('unauthorized', 'sign in to use this endpoint'), cache);
  if (endpoint.okStatus === 204) return { statusCode: 204, headers: { ...cache } };
  return json(result, endpoint.okStatus, { ...cache, event });
}

/** The [name, value] pairs of an httpApi event's query string, in order (repeats kept). */
export function queryPairs(event) {
  if (typeof event?.rawQueryString === 'string') return [...new URLSearchParams(event.rawQueryString)];
  // Without the raw string (payload 1.0, hand-made events) repeats are already joined.
  return Object.entries(event?.queryStringParameters ?? {});
}

/** Today's date in UTC (YYYY-MM-DD): the last day of every window. */
export function utcToday() {
  return new Date().toISOString().slice(0, 10);
}

/**
 * The first moment of a window of `days` UTC calendar days ending `today`,
 * today included: midnight UTC `days - 1` days earlier; null days: all time.
 */
export function windowStart(days, today) {
  if (days === null || days === undefined) return new Date(Date.UTC(1970, 0, 1));
  const first = new Date(`${today}T00:00:00Z`);
  first.setUTCDate(first.getUTCDate() - (days - 1));
  return first;
}

/** The moment after every window ending `today`: the next midnight UTC. */
export function windowEnd(today) {
  const after = new Date(`${today}T00:00:00Z`);
  after.setUTCDate(after.getUTCDate() + 1);
  return after;
}

/** The single number a COUNT query returned (pg gives BIGINT as text, Prisma as BigInt). */
export function count(rows) {
  const value = rows.length ? Object.values(rows[0])[0] : 0;
  return Number(value ?? 0);
}

/**
 * Per-day counts from {day, n} rows: one point for each day from `start` to
 * `today` inclusive, oldest first, zero for a day without rows (exactly N
 * points from windowStart(N, today)).
 */
export function daySeries(rows, start, today) {
  const counts = new Map();
  const day = new Date(Date.UTC(start.getUTCFullYear(), start.getUTCMonth(), start.getUTCDate()));
  while (day.toISOString().slice(0, 10) <= today) {
    counts.set(day.toISOString().slice(0, 10), 0);
    day.setUTCDate(day.getUTCDate() + 1);
  }
  for (const row of rows) {
    const key = row.day instanceof Date ? row.day.toISOString().slice(0, 10) : String(row.day).slice(0, 10);
    counts.set(key, (counts.get(key) ?? 0) + Number(row.n ?? 0));
  }
  return [...counts.keys()].sort().map((date) => ({ date, count: counts.get(date) }));
}

/** A column value as JSON, whatever type the driver returned it as. */
export function toJson(value, kind) {
  if (value === null || value === undefined) return null;
  switch (kind) {
    case 'bool':
      return Boolean(value);
    case 'id':
    case 'int':
    case 'bigint':
      // pg returns BIGINT as text and Prisma as BigInt: both exact here.
      return typeof value === 'number' ? value : Number(value);
    case 'float':
      return Number(value);
    case 'json':
      return typeof value === 'string' ? JSON.parse(value) : value;
    case 'timestamp':
      return value instanceof Date ? value.toISOString() : String(value);
    case 'date':
      return value instanceof Date ? value.toISOString().slice(0, 10) : String(value).slice(0, 10);
    default:
      return typeof value === 'bigint' ? value.toString() : value;
  }
}

/** A validated JSON value as a query parameter. */
export function toDb(value, kind) {
  if (value !== null && value !== undefined && kind === 'json') return JSON.stringify(value);
  return value;
}
