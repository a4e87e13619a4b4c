// Opens the database the configuration names: a PostgreSQL server through a pg pool, or the
// embedded PGlite in a data folder. Schema changes are not made here (see migrations.ts).
import { mkdir } from 'node:fs/promises';
import { resolve } from 'node:path';
import { PGlite } from '@electric-sql/pglite';
import pg from 'pg';
import { PrismaClient } from '../generated/prisma/client.ts';
import { PGliteAdapterFactory, PostgresMigrationAdapterFactory, postgresClientAdapterFactory } from './adapters.ts';
import { lockDataFolder } from './data-folder-lock.ts';
import { listenPGlite, listenPostgres } from './notifications.ts';
import type { Database, DatabaseOptions } from './database.ts';
import { pgliteRawSql, postgresRawSql } from './raw-sql.ts';

export { PGliteAdapterFactory, PostgresMigrationAdapterFactory } from './adapters.ts';

export async function openDatabase(options: DatabaseOptions): Promise<Database> {
  return options.url ? openPostgres(options.url, options) : openPGlite(options);
}

async function openPostgres(url: string, options: DatabaseOptions): Promise<Database> {
  const pool = new pg.Pool({ connectionString: url, max: options.poolSize });
  // An idle client losing its server (restart, network) emits on the pool; unhandled it would
  // kill the process, handled the pool just replaces the client on next use.
  pool.on('error', () => {});
  const prisma = new PrismaClient({ adapter: postgresClientAdapterFactory(pool, options.onQuery) });
  const database: Database = {
    kind: 'postgresql',
    prisma,
    sql: postgresRawSql(pool, options.onQuery),
    migrationAdapterFactory: new PostgresMigrationAdapterFactory(url),
    ping: () => ping(prisma),
    listen: (channel, handlers) => listenPostgres(url, channel, handlers),
    poolStats: () => ({ total: pool.totalCount, idle: pool.idleCount, waiting: pool.waitingCount }),
    close: once(async () => {
      try {
        await prisma.$disconnect();
      } finally {
        await pool.end();
      }
    }),
  };
  return database;
}

async function openPGlite(options: DatabaseOptions): Promise<Database> {
  const inMemory = options.dataDir.startsWith('memory://');
  const dataDir = inMemory ? options.dataDir : resolve(options.dataDir);
  if (!inMemory) await mkdir(dataDir, { recursive: true });
  // PGlite lets a second process open the same folder and corrupt it; the lock file refuses it
  // with DataFolderLockedError, which names the process holding it.
  const lock = inMemory ? undefined : await lockDataFolder(dataDir);
  let db: PGlite;
  try {
    db = await PGlite.create({ dataDir });
  } catch (error) {
    await lock?.release();
    throw error;
  }
  const factory = new PGliteAdapterFactory(db, options.onQuery);
  const prisma = new PrismaClient({ adapter: factory });
  return {
    kind: 'pglite',
    prisma,
    sql: pgliteRawSql(db, options.onQuery),
    migrationAdapterFactory: new PGliteAdapterFactory(db),
    ping: () => ping(prisma),
    listen: (channel, handlers) => listenPGlite(db, channel, handlers),
    poolStats: () => null,
    close: once(async () => {
      try {
        await prisma.$disconnect();
      } finally {
        // close() checkpoints and syncs the data folder; without it recent writes can be lost.
        await db.close().finally(() => lock?.release());
      }
    }),
  };
}

async function ping(prisma: PrismaClient): Promise<void> {
  await prisma.$queryRaw`SELECT 1`;
}

/** Closing twice (a test's afterAll after a failed setup, a signal during shutdown) is harmless. */
function once(run: () => Promise<void>): () => Promise<void> {
  let closing: Promise<void> | undefined;
  return () => (closing ??= run());
}
