// Set-wise SQL on the hot paths, straight to the driver. Prisma's raw queries spend more time
// preparing a batch's parameters than the database spends running the statement (measured on
// recording: ~150 ms of client time per 2,000 transfers against ~50 ms on the server), so the
// statements that carry whole batches go through here: the same connection pool (or the same
// in-process PGlite, whose transactions queue with Prisma's), without the ORM in between.
import type { PGlite, Transaction as PGliteTransaction } from '@electric-sql/pglite';
import type pg from 'pg';
import type { QueryObserver } from './adapters.ts';

/** Parameters travel as text (or null); every statement casts them in SQL. */
export type SqlParameter = string | null;

export interface SqlRunner {
  query<Row extends object>(sql: string, params?: readonly SqlParameter[]): Promise<Row[]>;
}

export interface RawSql extends SqlRunner {
  /** Runs `work` in one transaction: committed when it resolves, rolled back when it throws. */
  transaction<T>(work: (tx: SqlRunner) => Promise<T>): Promise<T>;
}

const ignore: QueryObserver = () => {};

export function postgresRawSql(pool: pg.Pool, onQuery: QueryObserver = ignore): RawSql {
  const on = (client: pg.Pool | pg.PoolClient): SqlRunner => ({
    async query<Row extends object>(sql: string, params: readonly SqlParameter[] = []) {
      onQuery(sql);
      return (await client.query<Row>(sql, params as SqlParameter[])).rows;
    },
  });
  return {
    ...on(pool),
    async transaction(work) {
      const client = await pool.connect();
      let broken: Error | undefined;
      try {
        onQuery('BEGIN');
        await client.query('BEGIN');
        const result = await work(on(client));
        onQuery('COMMIT');
        await client.query('COMMIT');
        return result;
      } catch (error) {
        try {
          onQuery('ROLLBACK');
          await client.query('ROLLBACK');
        } catch (rollbackFailed) {
          // A connection that cannot even roll back goes back to the pool as broken, not reused.
          broken = rollbackFailed instanceof Error ? rollbackFailed : new Error(String(rollbackFailed));
        }
        throw error;
      } finally {
        client.release(broken);
      }
    },
  };
}

export function pgliteRawSql(db: PGlite, onQuery: QueryObserver = ignore): RawSql {
  const on = (runner: PGlite | PGliteTransaction): SqlRunner => ({
    async query<Row extends object>(sql: string, params: readonly SqlParameter[] = []) {
      onQuery(sql);
      return (await runner.query<Row>(sql, params as SqlParameter[])).rows;
    },
  });
  return {
    ...on(db),
    transaction(work) {
      onQuery('BEGIN');
      return db.transaction(async (tx) => {
        const result = await work(on(tx));
        onQuery('COMMIT');
        return result;
      });
    },
  };
}
