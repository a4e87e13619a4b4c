// The migrations folder is the only way the schema reaches a database, so these prove that it
// builds exactly prisma/schema.prisma and that it is recorded the way `prisma migrate deploy`
// records it (so the CLI can take over a database migrated here). Runs on PGlite, and on
// PostgreSQL when DATABASE_URL is set.
import { createHash } from 'node:crypto';
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { applyMigrations, defaultMigrationsDir, diffMigrationsToSchema } from '../../src/db/migrations.ts';
import { openDatabase } from '../../src/db/open.ts';
import { createTestDatabase, type TestDatabase } from '../support/database.ts';

let db: TestDatabase;
const statements: string[] = [];

beforeAll(async () => {
  db = await createTestDatabase({ onQuery: (sql) => statements.push(sql) });
});
afterAll(() => db?.drop());
beforeEach(() => {
  statements.length = 0;
});

async function migrationFolders(): Promise<string[]> {
  const entries = await readdir(defaultMigrationsDir, { withFileTypes: true });
  return entries.filter((entry) => entry.isDirectory()).map((entry) => entry.name).sort();
}

describe(`migrations (${process.env.DATABASE_URL ? 'PostgreSQL' : 'PGlite'})`, () => {
  it('build exactly the schema in prisma/schema.prisma', async () => {
    // Non-empty means schema.prisma changed without a migration: `npm run migration:new -- <name>`.
    expect(await diffMigrationsToSchema(db)).toBe('');
  });

  it('are recorded in _prisma_migrations as migrate deploy records them', async () => {
    const folders = await migrationFolders();
    expect(folders.length).toBeGreaterThan(0);
    const rows = await db.prisma.$queryRaw<
      { migration_name: string; checksum: string; finished_at: Date | null; rolled_back_at: Date | null; applied_steps_count: number }[]
    >`SELECT migration_name, checksum, finished_at, rolled_back_at, applied_steps_count FROM _prisma_migrations ORDER BY migration_name`;
    expect(rows.map((row) => row.migration_name)).toEqual(folders);
    for (const row of rows) {
      const sql = await readFile(join(defaultMigrationsDir, row.migration_name, 'migration.sql'));
      expect(row.checksum).toBe(createHash('sha256').update(sql).digest('hex'));
      expect(row.finished_at).toBeInstanceOf(Date);
      expect(row.rolled_back_at).toBeNull();
      expect(row.applied_steps_count).toBe(1);
    }
  });

  it('apply nothing the second time', async () => {
    expect(await applyMigrations(db)).toEqual({ applied: [] });
    const [{ count }] = await db.prisma.$queryRaw<[{ count: bigint }]>`SELECT count(*) AS count FROM _prisma_migrations`;
    expect(Number(count)).toBe((await migrationFolders()).length);
  });
});

describe('the database handle', () => {
  it('answers ping', async () => {
    await expect(db.ping()).resolves.toBeUndefined();
  });

  it('reports each statement the client sends, transactions included, the same on both databases', async () => {
    await db.prisma.$transaction([db.prisma.organization.count(), db.prisma.organization.findFirst()]);
    expect(statements).toHaveLength(4);
    expect(statements[0]).toBe('BEGIN');
    expect(statements[1]).toMatch(/^SELECT COUNT/);
    expect(statements[2]).toMatch(/^SELECT/);
    expect(statements[3]).toBe('COMMIT');
  });

  it('reports pool occupancy for PostgreSQL and none for PGlite', async () => {
    if (db.kind === 'pglite') {
      expect(db.poolStats()).toBeNull();
      return;
    }
    const url = process.env.DATABASE_URL;
    if (!url) throw new Error('a PostgreSQL test database without DATABASE_URL');
    const pooled = await openDatabase({ url, dataDir: 'memory://', poolSize: 2 });
    try {
      // Prisma's promises are lazy: Promise.all is what sends the three queries.
      const sleeping = Promise.all(Array.from({ length: 3 }, () => pooled.prisma.$queryRaw`SELECT 1 AS one FROM pg_sleep(0.5)`));
      await new Promise((resolve) => setTimeout(resolve, 200));
      expect(pooled.poolStats()).toEqual({ total: 2, idle: 0, waiting: 1 });
      await sleeping;
      expect(pooled.poolStats()).toEqual({ total: 2, idle: 2, waiting: 0 });
    } finally {
      await pooled.close();
    }
  });
});

// PGlite keeps its data in a folder in production; whatever DATABASE_URL says, check that a
// clean close really leaves the data there.
describe('a PGlite data folder', () => {
  let dataDir: string;
  beforeAll(async () => {
    dataDir = await mkdtemp(join(tmpdir(), 'pathledger-pglite-'));
  });
  afterAll(() => rm(dataDir, { recursive: true, force: true }));

  it('keeps migrations and data across close and reopen', async () => {
    const first = await openDatabase({ dataDir: join(dataDir, 'db'), poolSize: 1 });
    try {
      expect((await applyMigrations(first)).applied).toEqual(await migrationFolders());
      await first.prisma.organization.create({ data: { slug: 'sp1', name: 'SP1', roles: ['SERVICE_PROVIDER'] } });
    } finally {
      await first.close();
    }

    const reopened = await openDatabase({ dataDir: join(dataDir, 'db'), poolSize: 1 });
    try {
      expect(await applyMigrations(reopened)).toEqual({ applied: [] });
      const organization = await reopened.prisma.organization.findUnique({ where: { slug: 'sp1' } });
      expect(organization).toMatchObject({ name: 'SP1', roles: ['SERVICE_PROVIDER'] });
    } finally {
      await reopened.close();
    }
  });
});
