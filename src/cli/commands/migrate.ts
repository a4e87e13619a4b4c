// `pathledger migrate`: bring the configured database up to the schema this build expects.
// The server and every other command migrate on start too; this is for doing it on purpose
// (before a deploy, or to see what a new release will change).
import { describeDatabase } from '../../config.ts';
import { EXIT_OK, capitalize, migrate, parse, plural, withDatabase, type Command } from '../support.ts';

const help = `Usage: pathledger migrate

Apply the migrations in prisma/migrations that the configured database has not seen, in order,
and print their names, or "up to date".`;

export const migrateCommand: Command = {
  name: 'migrate',
  summary: 'apply pending database migrations',
  help,
  async run(args, { io, loadConfig }) {
    parse(args, {});
    const config = loadConfig();
    const { applied } = await withDatabase(config, io, { migrate: false }, (db) => migrate(db, config));
    if (applied.length === 0) {
      io.out(`${capitalize(describeDatabase(config))} is up to date.`);
    } else {
      io.out(`Applied ${plural(applied.length, 'migration')} to ${describeDatabase(config)}:`);
      for (const name of applied) io.out(`  ${name}`);
    }
    return EXIT_OK;
  },
};
