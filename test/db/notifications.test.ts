// LISTEN/NOTIFY on the database under test: what commits is heard, what rolls back is not, and on
// a PostgreSQL server a listener whose connection is cut listens again on a new one.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, type TestDatabase } from '../support/database.ts';

let db: TestDatabase;
beforeAll(async () => {
  db = await createTestDatabase();
});
afterAll(async () => {
  await db?.drop();
});

/** Resolves once `heard` holds `count` payloads (or fails after a while). */
async function until(heard: string[], count: number, ms = 10_000): Promise<void> {
  for (let waited = 0; heard.length < count; waited += 20) {
    if (waited > ms) throw new Error(`heard ${JSON.stringify(heard)}, waiting for ${count}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

describe('listen', () => {
  it('hears what committed transactions NOTIFY, in order, and nothing of a rolled-back one', async () => {
    const heard: string[] = [];
    const listening: boolean[] = [];
    const unlisten = await db.listen('pathledger_test_channel', { onNotify: (payload) => heard.push(payload), onListening: (now) => listening.push(now) });
    expect(listening).toEqual([true]);
    await db.sql.transaction(async (tx) => {
      await tx.query(`SELECT pg_notify('pathledger_test_channel', 'first')`);
      await tx.query(`SELECT pg_notify('pathledger_test_channel', 'second')`);
    });
    await db.sql
      .transaction(async (tx) => {
        await tx.query(`SELECT pg_notify('pathledger_test_channel', 'rolled back')`);
        throw new Error('changed my mind');
      })
      .catch(() => undefined);
    await db.prisma.$executeRawUnsafe(`SELECT pg_notify('pathledger_test_channel', 'third')`);
    await db.prisma.$executeRawUnsafe(`SELECT pg_notify('some_other_channel', 'not for us')`);
    await until(heard, 3);
    expect(heard).toEqual(['first', 'second', 'third']);

    await unlisten();
    await db.prisma.$executeRawUnsafe(`SELECT pg_notify('pathledger_test_channel', 'after')`);
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(heard).toEqual(['first', 'second', 'third']);
  });

  it.runIf(process.env.DATABASE_URL)('listens again on a new connection when its own is cut, and says when it is not listening', async () => {
    const heard: string[] = [];
    const errors: unknown[] = [];
    const listening: boolean[] = [];
    const unlisten = await db.listen('pathledger_test_cut', {
      onNotify: (payload) => heard.push(payload),
      onError: (error) => errors.push(error),
      onListening: (now) => listening.push(now),
    });
    expect(listening).toEqual([true]);
    try {
      const cut = await db.sql.query<{ cut: boolean }>(
        `SELECT pg_terminate_backend(pid) AS "cut" FROM pg_stat_activity WHERE datname = current_database() AND query = 'LISTEN "pathledger_test_cut"'`,
      );
      expect(cut).toEqual([{ cut: true }]);
      // Notified until heard: those sent before the new connection listens are lost, as documented.
      for (let tries = 0; heard.length === 0 && tries < 100; tries++) {
        await db.prisma.$executeRawUnsafe(`SELECT pg_notify('pathledger_test_cut', 'again')`);
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
      expect(heard[0]).toBe('again');
      expect(errors.length).toBeGreaterThan(0);
      expect(listening).toEqual([true, false, true]);
    } finally {
      await unlisten();
    }
  });
});
