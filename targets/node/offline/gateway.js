/**
 * API Gateway v2 (HTTP API, payload format 2.0) in miniature, for the local
 * server (offline.js): the routes of specc's serverless.functions.yml
 * fragments, an HTTP request as the event a Lambda handler gets, and the
 * handler's result as the HTTP response, the way `serverless offline` does.
 *
 * It reads only the fragments specc writes (one `httpApi: {path, method}`
 * per event), not a whole serverless.yml: anything else is an error naming
 * the line, never a guess.
 */

const LINE = /^( *)(- )?([A-Za-z_][A-Za-z0-9_]*):(?: (.*))?$/;

function scalar(text, where) {
  if (text.startsWith('"')) {
    try {
      return JSON.parse(text);
    } catch {
      throw new Error(`${where}: not a string`);
    }
  }
  if (!/^[A-Za-z0-9_./{}+-]+$/.test(text)) throw new Error(`${where}: unexpected value ${JSON.stringify(text)}`);
  return text;
}

/** The {name, handler, method, path} of every httpApi event of one fragment's text. */
export function parseFunctions(text, source = 'serverless.functions.yml') {
  const out = [];
  let fn = null;
  let event = null;
  const lines = text.split('\n');
  lines.forEach((raw, i) => {
    const where = `${source}:${i + 1}`;
    if (raw.trim() === '' || raw.trimStart().startsWith('#')) return;
    const m = LINE.exec(raw);
    if (m === null) throw new Error(`${where}: not a line of specc's functions fragment`);
    const [, indent, dash, key, value] = m;
    const depth = indent.length;
    if (depth === 0 && key === 'functions' && value === undefined && !dash) return;
    if (depth === 2 && value === undefined && !dash) {
      fn = { name: key, handler: null };
      return;
    }
    if (fn !== null && depth === 4 && key === 'handler' && value !== undefined) {
      fn.handler = scalar(value, where);
      return;
    }
    if (fn !== null && depth === 4 && key === 'events' && value === undefined) return;
    if (fn !== null && depth === 6 && dash && key === 'httpApi' && value === undefined) {
      event = { name: fn.name, handler: fn.handler, method: null, path: null };
      out.push(event);
      return;
    }
    if (event !== null && depth === 10 && (key === 'path' || key === 'method') && value !== undefined) {
      event[key] = scalar(value, where);
      return;
    }
    throw new Error(`${where}: not a line of specc's functions fragment`);
  });
  for (const e of out) {
    if (!e.handler || !e.method || !e.path) throw new Error(`${source}: function ${e.name} needs a handler, a path and a method`);
    // A path inside the service (no `..`, not absolute) and an export name.
    if (!/^[A-Za-z0-9_-]+(\/[A-Za-z0-9_-]+)*\.[A-Za-z_$][A-Za-z0-9_$]*$/.test(e.handler)) throw new Error(`${source}: bad handler ${e.handler}`);
    e.method = e.method.toUpperCase();
  }
  return out;
}

function escape(text) {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/** A route: the function's event plus a matcher of its path template ({name}, {name+}). */
export function compileRoute(fn) {
  const names = [];
  const pattern = fn.path
    .split('/')
    .map((part) => {
      const m = /^\{([A-Za-z0-9_]+)(\+?)\}$/.exec(part);
      if (m === null) return escape(part);
      names.push(m[1]);
      return m[2] ? '(.+)' : '([^/]+)';
    })
    .join('/');
  return { ...fn, routeKey: `${fn.method} ${fn.path}`, names, regex: new RegExp(`^${pattern}$`) };
}

/** The route and path parameters for a request, or null (API Gateway answers 404). */
export function findRoute(routes, method, path) {
  for (const route of routes) {
    if (route.method !== method && route.method !== 'ANY' && route.method !== '*') continue;
    const m = route.regex.exec(path);
    if (m === null) continue;
    const params = {};
    try {
      route.names.forEach((name, i) => {
        params[name] = decodeURIComponent(m[i + 1]);
      });
    } catch {
      return null; // a malformed %-escape matches no route
    }
    return { route, params };
  }
  return null;
}

// Bodies API Gateway passes as text; any other content type arrives base64-encoded.
function isText(contentType) {
  const type = (contentType ?? '').split(';')[0].trim().toLowerCase();
  return type === '' || type.startsWith('text/') || /^application\/([\w.+-]*\+)?(json|xml|javascript|x-www-form-urlencoded)$/.test(type);
}

/**
 * The payload 2.0 event of one request: header names lower-cased and
 * repeats joined with commas, the Cookie header as `cookies`, the raw
 * query string kept (repeats and all) beside the comma-joined parameters.
 */
export function toEvent({ method, target, rawHeaders, body, route, params, sourceIp, requestId, now = new Date() }) {
  const q = target.indexOf('?');
  const rawPath = q < 0 ? target : target.slice(0, q);
  const rawQueryString = q < 0 ? '' : target.slice(q + 1);
  const headers = {};
  let cookies;
  for (let i = 0; i + 1 < rawHeaders.length; i += 2) {
    const name = rawHeaders[i].toLowerCase();
    const value = rawHeaders[i + 1];
    if (name === 'cookie') {
      cookies = [...(cookies ?? []), ...value.split(';').map((c) => c.trim()).filter(Boolean)];
      continue;
    }
    headers[name] = name in headers ? `${headers[name]},${value}` : value;
  }
  const query = {};
  for (const [name, value] of new URLSearchParams(rawQueryString)) query[name] = name in query ? `${query[name]},${value}` : value;
  const event = {
    version: '2.0',
    routeKey: route.routeKey,
    rawPath,
    rawQueryString,
    headers,
    requestContext: {
      accountId: 'offline',
      apiId: 'specc-offline',
      domainName: headers.host ?? 'localhost',
      domainPrefix: (headers.host ?? 'localhost').split('.')[0],
      http: { method, path: rawPath, protocol: 'HTTP/1.1', sourceIp, userAgent: headers['user-agent'] ?? '' },
      requestId,
      routeKey: route.routeKey,
      stage: '$default',
      time: now.toISOString(),
      timeEpoch: now.getTime(),
    },
    isBase64Encoded: false,
  };
  if (cookies !== undefined) event.cookies = cookies;
  if (Object.keys(query).length) event.queryStringParameters = query;
  if (route.names.length) event.pathParameters = params;
  if (body.length) {
    event.isBase64Encoded = !isText(headers['content-type']);
    event.body = event.isBase64Encoded ? body.toString('base64') : body.toString('utf8');
  }
  return event;
}

const INTERNAL = { status: 500, headers: { 'content-type': 'application/json' }, body: Buffer.from('{"message":"Internal Server Error"}') };

/**
 * The HTTP response for a handler's result (payload 2.0): {statusCode,
 * headers, cookies, body, isBase64Encoded} as given; any other value is a
 * 200 with that value as JSON; a malformed result is a 500, as API Gateway answers.
 */
export function toResponse(result) {
  if (result === undefined || result === null) return INTERNAL;
  if (typeof result !== 'object' || !('statusCode' in result)) {
    const text = typeof result === 'string' ? result : JSON.stringify(result);
    return { status: 200, headers: { 'content-type': 'application/json' }, body: Buffer.from(text, 'utf8') };
  }
  const status = result.statusCode;
  if (!Number.isInteger(status) || status < 100 || status > 599) return INTERNAL;
  const headers = {};
  for (const [name, value] of Object.entries(result.headers ?? {})) headers[name] = String(value);
  const multi = Array.isArray(result.cookies) && result.cookies.length ? { 'set-cookie': result.cookies.map(String) } : {};
  const text = result.body === undefined || result.body === null ? '' : String(result.body);
  const body = result.isBase64Encoded ? Buffer.from(text, 'base64') : Buffer.from(text, 'utf8');
  return { status, headers: { ...headers, ...multi }, body };
}

export const NOT_FOUND = { status: 404, headers: { 'content-type': 'application/json' }, body: Buffer.from('{"message":"Not Found"}') };
export const TOO_LARGE = { status: 413, headers: { 'content-type': 'application/json' }, body: Buffer.from('{"message":"Request Entity Too Large"}') };
export { INTERNAL };
