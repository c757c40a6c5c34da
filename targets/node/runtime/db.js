/**
 * The data-access seam of the generated handlers.
 *
 * A "db" has two methods: read(work) and transaction(work).  `work(q)`
 * receives an executor with q.rows(sql, params) (the rows, as objects keyed
 * by column name) and q.exec(sql, params); the SQL is each spec's sql.js,
 * parameterised ($1, $2, ...) with only identifiers from the validated spec.
 * Two implementations are generated: db.pg.js (node-postgres), which the
 * contract tests run, and db.prisma.js (the repository's Prisma client).
 *
 * getDb() gives the db set with setDb(), or else the Prisma one over the
 * repository's getPrisma() (src/db/client.js), loaded on first use.
 */

let current = null;

/** Use `db` (createPgDb(pool) or createPrismaDb(prisma)) for every handler. */
export function setDb(db) {
  current = db;
}

export class DatabaseUnavailable extends Error {
  constructor(message) {
    super(message);
    this.name = 'DatabaseUnavailable';
  }
}

export async function getDb() {
  if (current === null) {
    const [{ getPrisma }, { createPrismaDb }] = await Promise.all([import('../../db/client.js'), import('./db.prisma.js')]);
    const prisma = getPrisma();
    if (!prisma) throw new DatabaseUnavailable('getPrisma() returned no client (degraded mode)');
    current = createPrismaDb(prisma);
  }
  return current;
}
