/**
 * The node-postgres implementation of the data-access seam (see db.js): what
 * the generated contract tests run against a real PostgreSQL.
 *
 * transaction(work) runs `work` between BEGIN and COMMIT on one pooled
 * client and rolls back when it throws, so a write is all or nothing; the
 * write functions lock the user's row first (SELECT ... FOR UPDATE).
 */

import pg from 'pg';

const TIMESTAMP = 1114; // timestamp without time zone: Prisma's DateTime, stored as UTC
const DATE = 1082; // kept as 'YYYY-MM-DD': pg would make it a local midnight

// Per query, so the process-wide pg.types stay untouched.
const types = {
  getTypeParser(oid, format) {
    if (oid === TIMESTAMP && format !== 'binary') return (text) => new Date(`${text.replace(' ', 'T')}Z`);
    if (oid === DATE && format !== 'binary') return (text) => text;
    return pg.types.getTypeParser(oid, format);
  },
};

function executor(client) {
  return {
    async rows(text, values) {
      return (await client.query({ text, values, types })).rows;
    },
    async exec(text, values) {
      return (await client.query({ text, values, types })).rowCount;
    },
  };
}

/** A db over a pg.Pool (or anything with connect() giving clients with query() and release()). */
export function createPgDb(pool) {
  return {
    async read(work) {
      const client = await pool.connect();
      try {
        return await work(executor(client));
      } finally {
        client.release();
      }
    },
    async transaction(work) {
      const client = await pool.connect();
      let broken = false;
      try {
        await client.query('BEGIN');
        const result = await work(executor(client));
        await client.query('COMMIT');
        return result;
      } catch (err) {
        try {
          await client.query('ROLLBACK');
        } catch {
          broken = true; // a client that cannot roll back is not reused
        }
        throw err;
      } finally {
        client.release(broken);
      }
    },
  };
}
