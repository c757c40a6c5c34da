// Stand-in for Valine's src/utils/headers.js: json(data, statusCode, extra), where
// `extra` holds extra headers plus the optional `event` (used there for CORS).
export function json(data, statusCode = 200, extra = {}) {
  const { event: _event, correlationId: _id, ...headers } = extra;
  return { statusCode, headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify(data) };
}

export function error(statusCode = 400, message = 'Bad Request', extra = {}) {
  return json({ error: message }, statusCode, extra);
}
