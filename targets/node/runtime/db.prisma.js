/**
 * The Prisma implementation of the data-access seam (see db.js), over the
 * repository's own client (getPrisma()).  It runs each spec's parameterised
 * SQL with $queryRawUnsafe/$executeRawUnsafe (values are always parameters,
 * never spliced) and a write in one interactive $transaction, so it holds
 * the same row lock (SELECT ... FOR UPDATE) as the pg implementation.
 *
 * Not run by specc's own tests (docs/node.md says what was verified).
 */

function executor(client) {
  return {
    rows: (text, values) => client.$queryRawUnsafe(text, ...values),
    exec: (text, values) => client.$executeRawUnsafe(text, ...values),
  };
}

export function createPrismaDb(prisma) {
  return {
    read: (work) => work(executor(prisma)),
    transaction: (work) => prisma.$transaction((tx) => work(executor(tx))),
  };
}
