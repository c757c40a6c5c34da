/**
 * A local HTTP server for the generated handlers, as `serverless offline`
 * runs them: each request becomes the API Gateway v2 event of the route it
 * matches in specc's serverless.functions.yml fragments, the handler's
 * result becomes the response.  It is what the contract tests' HTTP suite
 * (SPECC_BASE_URL) runs against in CI; it is not a deployment.
 *
 *   node tests/specc/offline.js [--port 3000] [--root .] <fragment.yml>...
 *
 * --root is the service folder (serverless/, holding src/); by default the
 * folder two levels above this file.  --port 0 picks a free port.  The
 * first line on stdout is `specc offline: listening on http://127.0.0.1:PORT`.
 *
 * The signed-in user is the `x-specc-test-user` header (test-auth.js takes
 * the place of src/handlers/auth.js, as the tests' vi.mock does), so the
 * server listens on 127.0.0.1 only.  With DATABASE_URL the handlers use the
 * pg data layer on it (the Prisma one when SPECC_PRISMA_CLIENT names a
 * module exporting `prisma`); without it, the repository's getPrisma().
 */

import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import http from 'node:http';
import { register } from 'node:module';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { compileRoute, findRoute, INTERNAL, NOT_FOUND, parseFunctions, TOO_LARGE, toEvent, toResponse } from './gateway.js';

const MAX_BODY = 10 * 1024 * 1024; // HTTP APIs refuse larger payloads

function parseArgs(argv) {
  const options = { port: 3000, root: fileURLToPath(new URL('../..', import.meta.url)), fragments: [] };
  for (let i = 0; i < argv.length; i += 1) {
    if (argv[i] === '--port') options.port = Number(argv[(i += 1)]);
    else if (argv[i] === '--root') options.root = argv[(i += 1)];
    else options.fragments.push(argv[i]);
  }
  if (!Number.isInteger(options.port) || options.port < 0 || options.port > 65535) throw new Error('--port takes 0 to 65535');
  if (options.fragments.length === 0) throw new Error('give at least one serverless.functions.yml fragment');
  return options;
}

async function useDatabase() {
  if (!process.env.DATABASE_URL) return async () => {};
  const { setDb } = await import(pathToFileURL(path.join(root, 'src/specc/runtime/db.js')).href);
  const { default: pg } = await import('pg');
  const pool = new pg.Pool({ connectionString: process.env.DATABASE_URL, max: 8 });
  if (process.env.SPECC_PRISMA_CLIENT) {
    const { createPrismaDb } = await import(pathToFileURL(path.join(root, 'src/specc/runtime/db.prisma.js')).href);
    const { prisma } = await import(pathToFileURL(process.env.SPECC_PRISMA_CLIENT).href);
    setDb(createPrismaDb(prisma));
    return async () => {
      await prisma.$disconnect();
      await pool.end();
    };
  }
  const { createPgDb } = await import(pathToFileURL(path.join(root, 'src/specc/runtime/db.pg.js')).href);
  setDb(createPgDb(pool));
  return () => pool.end();
}

const options = parseArgs(process.argv.slice(2));
const root = path.resolve(options.root);
// Before any handler is imported: their `./auth.js` becomes test-auth.js.
register('./auth-hooks.js', import.meta.url, {
  data: { auth: pathToFileURL(path.join(root, 'src/handlers/auth.js')).href, replacement: new URL('./test-auth.js', import.meta.url).href },
});

const routes = options.fragments.flatMap((file) => parseFunctions(readFileSync(file, 'utf8'), file)).map(compileRoute);
const handlers = new Map();
for (const route of routes) {
  const dot = route.handler.lastIndexOf('.');
  const module = await import(pathToFileURL(path.join(root, `${route.handler.slice(0, dot)}.js`)).href);
  const fn = module[route.handler.slice(dot + 1)];
  if (typeof fn !== 'function') throw new Error(`${route.handler} is not an exported function`);
  handlers.set(route, fn);
}
const closeDatabase = await useDatabase();

function send(res, { status, headers, body }) {
  res.writeHead(status, { ...headers, 'content-length': body.length });
  res.end(body);
}

const server = http.createServer((req, res) => {
  const chunks = [];
  let size = 0;
  req.on('data', (chunk) => {
    size += chunk.length;
    if (size <= MAX_BODY) chunks.push(chunk);
  });
  req.on('end', () => answer(req, res, size, chunks).catch((err) => {
    console.error('specc offline: the request failed', err);
    if (!res.headersSent) send(res, INTERNAL);
  }));
});

// One request: the route's event to its handler, the result as the response.
async function answer(req, res, size, chunks) {
  if (size > MAX_BODY) return send(res, TOO_LARGE);
  const target = req.url ?? '/';
  const rawPath = target.split('?')[0];
  const found = findRoute(routes, req.method, rawPath);
  if (found === null) return send(res, NOT_FOUND);
  const event = toEvent({
    method: req.method,
    target,
    rawHeaders: req.rawHeaders,
    body: Buffer.concat(chunks),
    route: found.route,
    params: found.params,
    sourceIp: req.socket.remoteAddress ?? '127.0.0.1',
    requestId: randomUUID(),
  });
  let result;
  try {
    result = await handlers.get(found.route)(event, { functionName: found.route.name, awsRequestId: event.requestContext.requestId });
  } catch (err) {
    console.error(`specc offline: ${found.route.routeKey} threw`, err);
    return send(res, INTERNAL);
  }
  send(res, toResponse(result));
}

server.listen(options.port, '127.0.0.1', () => {
  console.log(`specc offline: listening on http://127.0.0.1:${server.address().port}`);
  for (const route of routes) console.log(`  ${route.routeKey} -> ${route.handler}`);
});

for (const signal of ['SIGINT', 'SIGTERM']) {
  process.on(signal, () => {
    server.close();
    server.closeAllConnections();
    Promise.resolve(closeDatabase()).finally(() => process.exit(0));
  });
}
