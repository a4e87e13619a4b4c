// `npm run migration:new -- <name>`: writes prisma/migrations/<timestamp>_<name>/migration.sql
// with what prisma/schema.prisma needs beyond the existing migrations, as
// `prisma migrate dev --create-only` would. Runs on a throwaway in-memory PGlite, so it needs
// no database server; review the SQL before committing it.
import { mkdir, writeFile, access } from 'node:fs/promises';
import { join } from 'node:path';
import { openDatabase } from '../src/db/open.ts';
import { defaultMigrationsDir, lockfileContent, planMigration } from '../src/db/migrations.ts';

function exists(path: string): Promise<boolean> {
  return access(path).then(() => true, () => false);
}

const name = process.argv[2];
if (!name || process.argv.length > 3) {
  console.error('Usage: npm run migration:new -- <name>   (e.g. add_contract_terms)');
  process.exit(2);
}
// Prisma turns the name into a folder suffix; keep it to what reads well in a folder listing.
if (!/^[a-z0-9_]+$/.test(name)) {
  console.error(`Migration name "${name}": use lower-case letters, digits and underscores.`);
  process.exit(2);
}

const db = await openDatabase({ dataDir: 'memory://', poolSize: 1 });
try {
  const migration = await planMigration(db, name);
  if (!migration) {
    console.error('prisma/schema.prisma matches the existing migrations: there is nothing to migrate, so no migration was written.');
    process.exitCode = 1;
  } else {
    const folder = join(defaultMigrationsDir, migration.folder);
    if (await exists(folder)) throw new Error(`${folder} already exists.`);
    await mkdir(folder, { recursive: true });
    await writeFile(join(folder, 'migration.sql'), migration.script, 'utf8');
    const lockfile = join(defaultMigrationsDir, 'migration_lock.toml');
    const hasLockfile = await exists(lockfile);
    if (!hasLockfile) await writeFile(lockfile, lockfileContent('postgresql'), 'utf8');
    console.log(`Wrote ${join('prisma/migrations', migration.folder, 'migration.sql')}${hasLockfile ? '' : ' and prisma/migrations/migration_lock.toml'}.`);
  }
} finally {
  await db.close();
}
