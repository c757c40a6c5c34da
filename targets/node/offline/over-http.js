/**
 * The contract tests' HTTP transport: a synthetic API Gateway v2 event sent
 * as the HTTP request it stands for, to SPECC_BASE_URL (the local server
 * offline.js, or a stage that signs users in the same way), and the answer
 * read back as {statusCode, headers, body}, like a handler's result.
 *
 * A base64-flagged event is sent as its bytes with a binary content type,
 * so the gateway passes it on base64-encoded again.
 */

import http from 'node:http';
import https from 'node:https';

export function sendEvent(baseUrl, event) {
  const base = new URL(baseUrl);
  const prefix = base.pathname.replace(/\/$/, ''); // a stage path such as /dev
  const target = `${prefix}${event.rawPath}${event.rawQueryString ? `?${event.rawQueryString}` : ''}`;
  const headers = { ...event.headers };
  let body = null;
  if (event.body !== undefined && event.body !== null) {
    body = event.isBase64Encoded ? Buffer.from(event.body, 'base64') : Buffer.from(event.body, 'utf8');
    if (event.isBase64Encoded) headers['content-type'] = 'application/octet-stream';
    headers['content-length'] = String(body.length);
  }
  const client = base.protocol === 'https:' ? https : http;
  return new Promise((resolve, reject) => {
    const req = client.request(
      { protocol: base.protocol, hostname: base.hostname, port: base.port, method: event.requestContext.http.method, path: target, headers },
      (res) => {
        const chunks = [];
        res.on('data', (chunk) => chunks.push(chunk));
        res.on('error', reject);
        res.on('end', () => resolve({ statusCode: res.statusCode, headers: res.headers, body: Buffer.concat(chunks).toString('utf8') }));
      },
    );
    req.on('error', reject);
    req.end(body ?? undefined);
  });
}
