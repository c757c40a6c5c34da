/**
 * The validation runtime shared by every spec's handlers (plain JS, no dependency).
 *
 * The same rules and error codes as specc's Python runtime
 * (specc_app/runtime/validation.py): each spec's rules.js holds its rules
 * as data from the IR, and validateBody(rules, body) returns the cleaned body
 * or throws ValidationFailed carrying every error found, as
 * {path, code, message}.  Codes: required, not_nullable, type,
 * unknown_field, enum, invalid_text, too_short, too_long, too_small,
 * too_large, cap_exceeded, duplicate.  Lengths count code points, as the
 * CHECK constraints do.  Differences from the Python runtime: integers
 * beyond +-(2^53 - 1) are too_large/too_small (JSON.parse cannot carry them
 * exactly); URL fields are not handled here yet (the node target refuses
 * specs whose requests have them).
 */

export const ERROR_CODES = Object.freeze([
  'required', 'not_nullable', 'type', 'unknown_field', 'enum', 'invalid_text',
  'too_short', 'too_long', 'too_small', 'too_large', 'cap_exceeded', 'duplicate',
]);

export class ValidationFailed extends Error {
  constructor(errors) {
    super(errors.map((e) => `${e.path || '(body)'}: ${e.code}`).join('; '));
    this.name = 'ValidationFailed';
    this.errors = errors;
  }
}

const fieldError = (path, code, message) => ({ path, code, message });
const join = (prefix, name) => (prefix ? `${prefix}.${name}` : name);
const isObject = (value) => value !== null && typeof value === 'object' && !Array.isArray(value);
// Code points, not UTF-16 units: what LENGTH()/CHAR_LENGTH() count.
const length = (text) => [...text].length;
const plural = (n) => (n === 1 ? '' : 's');

// NUL and lone surrogates: no database stores them as text.
const UNSTORABLE = /\u0000|[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;
const UUID = /^[0-9a-fA-F]{8}-(?:[0-9a-fA-F]{4}-){3}[0-9a-fA-F]{12}$/;
const DATE = /^\d{4}-\d{2}-\d{2}$/;
const DATE_TIME = /^\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(?::\d{2}(?:\.\d{1,6})?)?(?:Z|[+-]\d{2}:?\d{2})$/i;

function storable(value, path, errors) {
  const bad = UNSTORABLE.exec(value);
  if (bad === null) return true;
  const what = bad[0] === '\u0000' ? 'NUL' : 'a lone surrogate';
  const hex = bad[0].charCodeAt(0).toString(16).toUpperCase().padStart(4, '0');
  const position = length(value.slice(0, bad.index)) + 1;
  errors.push(fieldError(path, 'invalid_text', `must not contain ${what} (U+${hex}, character ${position})`));
  return false;
}

function storableJson(value, path, errors) {
  if (typeof value === 'string') return storable(value, path, errors);
  if (Array.isArray(value)) return value.map((v, i) => storableJson(v, `${path}[${i}]`, errors)).every(Boolean);
  if (isObject(value)) {
    let ok = true;
    for (const [key, item] of Object.entries(value)) {
      ok = storable(key, path, errors) && ok;
      ok = storableJson(item, join(path, key), errors) && ok;
    }
    return ok;
  }
  return true;
}

function checkString(rule, value, path, errors) {
  const n = length(value);
  if (rule.min_length != null && n < rule.min_length) {
    errors.push(fieldError(path, 'too_short', `must be at least ${rule.min_length} character${plural(rule.min_length)}`));
    return false;
  }
  if (rule.max_length != null && n > rule.max_length) {
    errors.push(fieldError(path, 'too_long', `must be at most ${rule.max_length} character${plural(rule.max_length)}`));
    return false;
  }
  return true;
}

// [ok, cleaned] for one non-null value.
function checkValue(rule, value, path, errors) {
  const wrong = (expected) => {
    errors.push(fieldError(path, 'type', `must be ${expected}`));
    return [false, undefined];
  };
  switch (rule.kind) {
    case 'string':
      if (typeof value !== 'string') return wrong('a string');
      if (!storable(value, path, errors)) return [false, undefined];
      return [checkString(rule, value, path, errors), value];
    case 'enum':
      if (typeof value !== 'string') return wrong('a string');
      if (!rule.values.includes(value)) {
        errors.push(fieldError(path, 'enum', `must be one of: ${rule.values.join(', ')}`));
        return [false, undefined];
      }
      return [true, value];
    case 'int': {
      // 64.0 is an integer in JSON Schema, and JSON.parse gives 64 for it anyway.
      if (typeof value !== 'number' || !Number.isInteger(value)) return wrong('an integer');
      const low = rule.minimum == null ? -Number.MAX_SAFE_INTEGER : Math.max(rule.minimum, -Number.MAX_SAFE_INTEGER);
      const high = rule.maximum == null ? Number.MAX_SAFE_INTEGER : Math.min(rule.maximum, Number.MAX_SAFE_INTEGER);
      if (value < low) {
        errors.push(fieldError(path, 'too_small', `must be at least ${low}`));
        return [false, undefined];
      }
      if (value > high) {
        errors.push(fieldError(path, 'too_large', `must be at most ${high}`));
        return [false, undefined];
      }
      return [true, value];
    }
    case 'bool':
      if (typeof value !== 'boolean') return wrong('true or false');
      return [true, value];
    case 'uuid':
      if (typeof value !== 'string' || !UUID.test(value)) return wrong('a UUID');
      return [true, value.toLowerCase()];
    case 'timestamp':
      if (typeof value !== 'string' || !DATE_TIME.test(value) || Number.isNaN(Date.parse(value.replace(' ', 'T')))) {
        return wrong('an ISO 8601 date-time with a time zone');
      }
      return [true, value];
    case 'date': {
      const day = typeof value === 'string' && DATE.test(value) ? new Date(`${value}T00:00:00Z`) : null;
      if (day === null || Number.isNaN(day.getTime()) || day.toISOString().slice(0, 10) !== value) return wrong('an ISO 8601 date');
      return [true, value];
    }
    case 'json':
      return [storableJson(value, path, errors), value];
    case 'list':
      return checkList(rule, value, path, errors);
    default:
      throw new Error(`unknown rule kind ${rule.kind}`);
  }
}

function checkList(rule, value, path, errors) {
  if (!Array.isArray(value)) {
    errors.push(fieldError(path, 'type', 'must be a list'));
    return [false, undefined];
  }
  const before = errors.length;
  const items = [];
  value.forEach((item, i) => {
    const mark = errors.length;
    const cleaned = checkObject(rule.items, item, `${path}[${i}]`, errors);
    if (errors.length === mark) items.push([i, cleaned]);
  });
  for (const key of rule.unique) {
    const seen = new Set();
    for (const [i, item] of items) {
      const values = JSON.stringify(key.map((name) => item[name] ?? null));
      if (seen.has(values)) {
        errors.push(fieldError(`${path}[${i}].${key[0]}`, 'duplicate', `another item already has this ${key.join(' and ')}`));
      }
      seen.add(values);
    }
  }
  if (errors.length !== before) return [false, undefined];
  return [true, items.map(([, item]) => item)];
}

function checkObject(rules, value, prefix, errors) {
  if (!isObject(value)) {
    errors.push(fieldError(prefix, 'type', 'must be a JSON object'));
    return {};
  }
  for (const key of Object.keys(value)) {
    if (!Object.hasOwn(rules, key)) errors.push(fieldError(join(prefix, key), 'unknown_field', 'is not a known field'));
  }
  const out = {};
  for (const [name, rule] of Object.entries(rules)) {
    const path = join(prefix, name);
    if (!Object.hasOwn(value, name)) {
      if (rule.required) errors.push(fieldError(path, 'required', 'is required'));
      continue;
    }
    const item = value[name];
    if (item === null) {
      if (rule.nullable) out[name] = null;
      else errors.push(fieldError(path, 'not_nullable', 'must not be null'));
      continue;
    }
    const [ok, cleaned] = checkValue(rule, item, path, errors);
    if (ok) out[name] = cleaned;
  }
  return out;
}

/** The cleaned body (only the fields given, PATCH semantics), or throws ValidationFailed. */
export function validateBody(rules, body) {
  const errors = [];
  const out = checkObject(rules, body, '', errors);
  if (errors.length) throw new ValidationFailed(errors);
  return out;
}

/** Throws cap_exceeded when an owner would have `count` rows of `table` (call it inside the write transaction). */
export function checkCap(caps, table, count, path = '') {
  const limit = caps[table];
  if (count > limit) throw new ValidationFailed([fieldError(path, 'cap_exceeded', `at most ${limit} ${table} rows are allowed`)]);
}
