// The Prisma 6.19 client the node contract tests use for the Prisma data layer
// (SPECC_PRISMA_CLIENT=<this file>): generated offline from specc's schema.prisma with
// engineType = "client" into ./generated/prisma, on the pg driver adapter.
import { PrismaPg } from '@prisma/adapter-pg';
import { parse } from 'pg-connection-string';
import generated from './generated/prisma/index.js';

const { PrismaClient } = generated;
// Separate fields: the adapter does not take a socket folder from the URL's ?host=.
const { host, port, user, database } = parse(process.env.DATABASE_URL);
export const prisma = new PrismaClient({
  adapter: new PrismaPg({ host, port: Number(port), user, database, idleTimeoutMillis: 50 }),
});
