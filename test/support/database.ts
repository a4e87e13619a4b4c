// A migrated database of its own for one test file: a fresh database on the PostgreSQL server
// named by DATABASE_URL, or an in-memory PGlite. Create one per file (beforeAll), not per
// test: a PGlite costs about 4 s and 0.8 GB to start.
import { randomBytes } from 'node:crypto';
import type { Database } from '../../src/db/database.ts';
import { applyMigrations } from '../../src/db/migrations.ts';
import { openDatabase } from '../../src/db/open.ts';
import { quoteIdentifier, runOnOwnConnection, withDatabase } from '../../src/db/adapters.ts';

export type TestDatabase = Database & { drop(): Promise<void> };

export interface TestDatabaseOptions {
  onQuery?: (sql: string) => void;
}

export async function createTestDatabase(options: TestDatabaseOptions = {}): Promise<TestDatabase> {
  const serverUrl = process.env.DATABASE_URL;
  return serverUrl ? createOnServer(serverUrl, options) : createInMemory(options);
}

async function createInMemory(options: TestDatabaseOptions): Promise<TestDatabase> {
  const db = await openDatabase({ dataDir: 'memory://', poolSize: 1, onQuery: options.onQuery });
  try {
    await applyMigrations(db);
  } catch (error) {
    await db.close();
    throw error;
  }
  return { ...db, drop: () => db.close() };
}

async function createOnServer(serverUrl: string, options: TestDatabaseOptions): Promise<TestDatabase> {
  // DATABASE_URL names the maintenance database; each test file gets a database of its own next
  // to it, so files can run in parallel workers and leave nothing behind.
  const name = `pathledger_test_${randomBytes(6).toString('hex')}`;
  await runOnOwnConnection(serverUrl, `CREATE DATABASE ${quoteIdentifier(name)}`);
  // FORCE: a test that leaked a connection must not leave its database behind.
  const dropDatabase = () => runOnOwnConnection(serverUrl, `DROP DATABASE IF EXISTS ${quoteIdentifier(name)} WITH (FORCE)`);
  let db: Database | undefined;
  try {
    db = await openDatabase({ url: withDatabase(serverUrl, name), dataDir: 'memory://', poolSize: 5, onQuery: options.onQuery });
    await applyMigrations(db);
  } catch (error) {
    await db?.close();
    await dropDatabase();
    throw error;
  }
  const opened = db;
  return {
    ...opened,
    drop: async () => {
      try {
        await opened.close();
      } finally {
        await dropDatabase();
      }
    },
  };
}
