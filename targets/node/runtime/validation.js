/**
 * The validation runtime shared by every spec's handlers (plain JS, no dependency).
 *
 * The same rules and error codes as specc's Python runtime
 * (specc_app/runtime/validation.py): each spec's rules.js holds its rules
 * as data from the IR, and validateBody(rules, body) returns the cleaned body
 * or throws ValidationFailed carrying every error found, as
 * {path, code, message}.  Codes: required, not_nullable, type,
 * unknown_field, enum, invalid_text, too_short, too_long, too_small,
 * too_large, url_scheme, url_credentials, url_host, url_invalid,
 * url_too_long, host_not_allowed, cap_exceeded, duplicate.  Lengths count
 * code points, as the CHECK constraints do.  URLs are checked and normalised
 * in the Python runtime's order (see normalizeUrl).  Differences from the
 * Python runtime: integers beyond +-(2^53 - 1) are too_large/too_small
 * (JSON.parse cannot carry them exactly); non-ASCII host labels go through
 * node's UTS #46 domainToASCII rather than Python's idna package (IDNA 2008), and a
 * label's script comes from Unicode's Script property rather than from the
 * character's name, so rare characters may be judged differently.
 */

import { domainToASCII, domainToUnicode } from 'node:url';

export const ERROR_CODES = Object.freeze([
  'required', 'not_nullable', 'type', 'unknown_field', 'enum', 'invalid_text',
  'too_short', 'too_long', 'too_small', 'too_large', 'url_scheme', 'url_credentials',
  'url_host', 'url_invalid', 'url_too_long', 'host_not_allowed', 'cap_exceeded', 'duplicate',
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

// --- URLs --------------------------------------------------------------------

export const DEFAULT_SCHEMES = Object.freeze(['http', 'https']);
export const DEFAULT_URL_MAX = 2048;
const FORBIDDEN_SCHEMES = new Set(['javascript', 'data', 'vbscript', 'file']);
const DEFAULT_PORTS = { http: 80, https: 443 };
const MAX_HOST_LENGTH = 253;
const SCHEME = /^[A-Za-z][A-Za-z0-9+.-]*$/;
// RFC 3986 unreserved + reserved characters, and % for escapes.
const URL_ASCII = new Set("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~:/?#[]@!$&'()*+,;=%");
const BAD_PERCENT = /%(?![0-9A-Fa-f]{2})/;
const LDH = /^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$/;
const PORT = /^[0-9]{1,5}$/;
const DOT_LIKE = /[\u3002\uff0e\uff61]/;
// Characters IDNA 2003 maps away but IDNA 2008 keeps: the same text would name two hosts.
const DEVIATIONS = /[\u00df\u1e9e\u03c2\u200c\u200d]/;
const HIDDEN = /^[\p{C}\p{Z}]$/u;
const NEUTRAL = new Set('0123456789-');
const CONFUSABLE = new Set(['Greek', 'Cyrillic', 'Armenian']);
const SCRIPTS = [
  'Latin', 'Greek', 'Cyrillic', 'Armenian', 'Hebrew', 'Arabic', 'Thai', 'Lao', 'Devanagari', 'Bengali',
  'Gurmukhi', 'Gujarati', 'Oriya', 'Tamil', 'Telugu', 'Kannada', 'Malayalam', 'Sinhala', 'Tibetan',
  'Myanmar', 'Georgian', 'Hangul', 'Ethiopic', 'Khmer', 'Hiragana', 'Katakana', 'Bopomofo', 'Han',
].map((name) => [name, new RegExp(`^\\p{Script=${name}}$`, 'u')]);
const CJK_GROUPS = [new Set(['Han', 'Hiragana', 'Katakana']), new Set(['Han', 'Bopomofo']), new Set(['Han', 'Hangul'])];
const LATIN_RANGES = [[0x00df, 0x00ff], [0x0100, 0x017f], [0x1e00, 0x1eff]];
const LATIN_LOOKALIKES = new Set(['\u0131', '\u0138']);

class UrlError extends Error {
  constructor(code, message) {
    super(message);
    this.code = code;
  }
}

const hidden = (ch) => HIDDEN.test(ch);
const isSubset = (a, b) => [...a].every((x) => b.has(x));

function labelScripts(label) {
  const scripts = new Set();
  let marks = false;
  for (const ch of label) {
    if (NEUTRAL.has(ch)) continue;
    if (/^\p{M}$/u.test(ch)) {
      marks = true;
      continue;
    }
    if (!/^\p{L}$/u.test(ch)) throw new UrlError('url_host', "host labels may hold only letters, digits and '-'");
    if (ch >= 'a' && ch <= 'z') {
      scripts.add('Latin');
      continue;
    }
    const found = SCRIPTS.find(([, re]) => re.test(ch));
    if (!found) throw new UrlError('url_host', 'host uses characters that are not allowed in a host name');
    const script = found[0];
    const code = ch.codePointAt(0);
    if (script === 'Latin' && (LATIN_LOOKALIKES.has(ch) || !LATIN_RANGES.some(([lo, hi]) => lo <= code && code <= hi))) {
      throw new UrlError('url_host', 'host uses a Latin letter that is easily mistaken for another');
    }
    scripts.add(script);
  }
  if (scripts.size > 1 && !CJK_GROUPS.some((group) => isSubset(scripts, group))) {
    throw new UrlError('url_host', 'host label mixes scripts, as look-alike hosts do');
  }
  if (marks && (scripts.size === 0 || [...scripts].some((s) => CONFUSABLE.has(s) || s === 'Latin'))) {
    throw new UrlError('url_host', 'host uses combining marks');
  }
  return scripts;
}

// [ASCII (IDNA) form, the scripts it displays in] of one host label.
function aceLabel(label) {
  if (!/^[\x00-\x7f]*$/.test(label)) {
    const ace = domainToASCII(label);
    if (!ace || ace.length > 63) {
      throw new UrlError('url_host', 'host is not a valid internationalised domain name');
    }
    if (ace.includes('.')) throw new UrlError('url_host', "only '.' may separate host labels");
    return aceLabel(ace);
  }
  label = label.toLowerCase();
  if (!LDH.test(label)) {
    throw new UrlError('url_host', "host labels are 1 to 63 letters, digits or '-', not starting or ending with '-'");
  }
  if (label.slice(2, 4) !== '--') return [label, labelScripts(label)];
  if (!label.startsWith('xn--')) {
    throw new UrlError('url_host', "host labels with '--' in the third and fourth place are reserved");
  }
  const decoded = domainToUnicode(label);
  if (!decoded || /^[\x00-\x7f]*$/.test(decoded) || domainToASCII(decoded) !== label) {
    throw new UrlError('url_host', 'host has an invalid xn-- (punycode) label');
  }
  return [label, labelScripts(decoded)];
}

function normalizeHost(host) {
  if (!host) throw new UrlError('url_host', 'URL has no host');
  if (host.startsWith('[')) throw new UrlError('url_host', 'IP address hosts are not allowed; use a domain name');
  if (DOT_LIKE.test(host)) throw new UrlError('url_host', "only '.' may separate host labels");
  if (DEVIATIONS.test(host)) throw new UrlError('url_host', 'host contains a character browsers map in different ways');
  if (host.endsWith('.')) host = host.slice(0, -1);
  const labels = host.split('.');
  if (labels.includes('')) throw new UrlError('url_host', 'host has an empty label');
  if (labels.length < 2) throw new UrlError('url_host', 'host must be a domain name such as example.com');
  const encoded = labels.map(aceLabel);
  if (!/^[a-z]/.test(encoded[encoded.length - 1][0])) {
    throw new UrlError('url_host', 'IP address hosts are not allowed; use a domain name');
  }
  const confusable = new Set(encoded.flatMap(([, s]) => [...s]).filter((s) => CONFUSABLE.has(s)));
  for (const script of confusable) {
    if (encoded.some(([, s]) => s.size > 0 && !(s.size === 1 && s.has(script)))) {
      throw new UrlError('url_host', 'host mixes a script with Latin look-alikes and another script');
    }
  }
  const out = encoded.map(([ace]) => ace).join('.');
  if (out.length > MAX_HOST_LENGTH) throw new UrlError('url_host', `host is longer than ${MAX_HOST_LENGTH} characters`);
  return out;
}

function hostAllowed(host, allowed) {
  return allowed.some((domain) => {
    const d = domain.toLowerCase().replace(/\.+$/, '');
    return host === d || host.endsWith(`.${d}`);
  });
}

const percentEncode = (text) => [...text].map((ch) => (ch.codePointAt(0) < 0x80 ? ch : encodeURIComponent(ch))).join('');

function normalize(value, schemes, maxLength) {
  if (typeof value !== 'string') throw new UrlError('type', 'must be a string');
  const chars = [...value];
  if (chars.length > maxLength) throw new UrlError('url_too_long', `must be at most ${maxLength} characters`);
  const probe = chars.filter((ch) => !hidden(ch)).join('');
  const colonAt = probe.indexOf(':');
  if (colonAt >= 0 && FORBIDDEN_SCHEMES.has(probe.slice(0, colonAt).toLowerCase())) {
    throw new UrlError('url_scheme', `${probe.slice(0, colonAt).toLowerCase()}: URLs are never allowed`);
  }
  if (chars.some(hidden)) throw new UrlError('url_invalid', 'must not contain spaces or control characters');
  const allowed = schemes.map((s) => `${s}://`).join(' or ');
  const at = value.indexOf(':');
  let scheme = at >= 0 ? value.slice(0, at) : '';
  let rest = at >= 0 ? value.slice(at + 1) : '';
  if (at < 0 || !SCHEME.test(scheme)) throw new UrlError('url_scheme', `must start with ${allowed}`);
  scheme = scheme.toLowerCase();
  if (!schemes.includes(scheme)) throw new UrlError('url_scheme', `must start with ${allowed}`);
  if (chars.some((ch) => ch.codePointAt(0) < 0x80 && !URL_ASCII.has(ch))) {
    throw new UrlError('url_invalid', 'contains characters that must be percent-encoded');
  }
  if (BAD_PERCENT.test(value)) throw new UrlError('url_invalid', "has a '%' that is not followed by two hex digits");
  if (!rest.startsWith('//')) throw new UrlError('url_invalid', `must be an absolute URL starting with ${allowed}`);
  rest = rest.slice(2);
  const cuts = ['/', '?', '#'].map((c) => rest.indexOf(c)).filter((i) => i >= 0);
  const cut = cuts.length ? Math.min(...cuts) : rest.length;
  let authority = rest.slice(0, cut);
  const tail = rest.slice(cut);
  if (authority.includes('@')) throw new UrlError('url_credentials', 'must not contain a user name or password');
  let port = '';
  if (authority.includes(':') && !authority.startsWith('[')) {
    const last = authority.lastIndexOf(':');
    port = authority.slice(last + 1);
    authority = authority.slice(0, last);
    if (!PORT.test(port) || Number(port) < 1 || Number(port) > 65535) {
      throw new UrlError('url_invalid', 'port must be a number from 1 to 65535');
    }
  }
  const host = normalizeHost(authority);
  if (port) port = Number(port) === DEFAULT_PORTS[scheme] ? '' : `:${Number(port)}`;
  const out = `${scheme}://${host}${port}${percentEncode(tail)}`;
  if ([...out].length > maxLength) {
    throw new UrlError('url_too_long', `must be at most ${maxLength} characters once normalised`);
  }
  return out;
}

/** `value` in normalised form, or throws ValidationFailed with one error at `path` (rules in the Python runtime's order). */
export function normalizeUrl(value, { schemes = DEFAULT_SCHEMES, maxLength = DEFAULT_URL_MAX, path = '' } = {}) {
  try {
    return normalize(value, schemes.map((s) => s.toLowerCase()), maxLength);
  } catch (err) {
    if (err instanceof UrlError) throw new ValidationFailed([fieldError(path, err.code, err.message)]);
    throw err;
  }
}

function urlHost(url) {
  const rest = url.slice(url.indexOf('://') + 3);
  const cuts = ['/', '?', '#', ':'].map((c) => rest.indexOf(c)).filter((i) => i >= 0);
  return rest.slice(0, cuts.length ? Math.min(...cuts) : rest.length);
}

// --- bodies ----------------------------------------------------------------------

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
    case 'url': {
      if (typeof value !== 'string') return wrong('a string');
      if (!checkString({ min_length: rule.min_length }, value, path, errors)) return [false, undefined];
      try {
        return [true, normalizeUrl(value, { schemes: rule.schemes, maxLength: rule.max_length, path })];
      } catch (err) {
        if (!(err instanceof ValidationFailed)) throw err;
        errors.push(...err.errors);
        return [false, undefined];
      }
    }
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
  // Host allow-lists depend on a sibling field (e.g. the link's type).
  for (const [name, rule] of Object.entries(rules)) {
    for (const [whenField, whenValue, hosts] of rule.hosts ?? []) {
      const url = out[name];
      if (url === undefined || url === null || out[whenField] !== whenValue) continue;
      if (!hostAllowed(urlHost(url), hosts)) {
        errors.push(fieldError(join(prefix, name), 'host_not_allowed', `must be on ${hosts.join(' or ')} or a subdomain of it when ${whenField} is ${whenValue}`));
      }
    }
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

/**
 * The cleaned query parameters, or throws ValidationFailed.  `pairs` are the
 * [name, value] pairs of the query string in order (a name given twice is
 * `duplicate`); an absent parameter takes its default; undeclared ones are
 * `unknown_field`; each value must be one of its enum values.
 */
export function validateQuery(rules, pairs) {
  const errors = [];
  const given = new Map();
  for (const [key, value] of pairs) given.set(key, [...(given.get(key) ?? []), value]);
  for (const key of given.keys()) {
    if (!Object.hasOwn(rules, key)) errors.push(fieldError(key, 'unknown_field', 'is not a known query parameter'));
  }
  const out = {};
  for (const [name, rule] of Object.entries(rules)) {
    if (!given.has(name)) {
      if (rule.default !== null && rule.default !== undefined) out[name] = rule.default;
      else if (rule.required) errors.push(fieldError(name, 'required', 'is required'));
      continue;
    }
    const values = given.get(name);
    if (values.length > 1) {
      errors.push(fieldError(name, 'duplicate', 'must be given once'));
    } else if (!rule.values.includes(values[0])) {
      errors.push(fieldError(name, 'enum', `must be one of: ${rule.values.join(', ')}`));
    } else {
      out[name] = values[0];
    }
  }
  if (errors.length) throw new ValidationFailed(errors);
  return out;
}

/** Throws cap_exceeded when an owner would have `count` rows of `table` (call it inside the write transaction). */
export function checkCap(caps, table, count, path = '') {
  const limit = caps[table];
  if (count > limit) throw new ValidationFailed([fieldError(path, 'cap_exceeded', `at most ${limit} ${table} rows are allowed`)]);
}
