// What every `pathledger` command shares: where output goes, how arguments are parsed and
// refused, and how the configured database is opened (and migrated) around the work.
import { parseArgs, type ParseArgsConfig } from 'node:util';
import type { PrismaClient } from '../generated/prisma/client.ts';
import { describeDatabase, type Config } from '../config.ts';
import type { Database } from '../db/database.ts';
import { DataFolderLockedError } from '../db/data-folder-lock.ts';
import { applyMigrations } from '../db/migrations.ts';
import { openDatabase } from '../db/open.ts';
import { failureReason } from '../observability/failure-reason.ts';

/** Where a command writes. Tests collect the lines; the real tool writes to the process. */
export interface CliIO {
  out(text: string): void;
  err(text: string): void;
}

export const processIO: CliIO = {
  out: (text) => process.stdout.write(`${text}\n`),
  err: (text) => process.stderr.write(`${text}\n`),
};

/** Exit codes: 0 done, 1 the work failed, 2 the command line was wrong (usage shown). */
export const EXIT_OK = 0;
export const EXIT_FAILURE = 1;
export const EXIT_USAGE = 2;

/** What a command needs besides its arguments; injectable so tests need no environment. */
export interface CommandContext {
  io: CliIO;
  loadConfig(): Config;
}

export interface Command {
  name: string;
  /** One line for the tool's command list. */
  summary: string;
  /** The full `pathledger <name> --help` text. */
  help: string;
  run(args: string[], context: CommandContext): Promise<number>;
}

/** A mistake on the command line. Reported as one line followed by the command's usage. */
export class UsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UsageError';
  }
}

/** A failure the user can act on, reported as one line without a stack trace. */
export class CommandError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'CommandError';
  }
}

type Options = NonNullable<ParseArgsConfig['options']>;

/** parseArgs, strict, with its errors turned into one-line usage errors. */
export function parse<O extends Options>(args: string[], options: O, allowPositionals = false) {
  try {
    return parseArgs({ args, options: { help: { type: 'boolean', short: 'h' }, ...options }, allowPositionals, strict: true });
  } catch (error) {
    throw new UsageError(describeParseError(error));
  }
}

function describeParseError(error: unknown): string {
  if (!(error instanceof Error)) return String(error);
  const code = (error as NodeJS.ErrnoException).code;
  // Node's own wording adds advice about `--` that does not apply to our commands.
  if (code === 'ERR_PARSE_ARGS_UNKNOWN_OPTION') {
    const option = /'([^']+)'/.exec(error.message)?.[1];
    return option ? `unknown option ${option}` : error.message;
  }
  if (code === 'ERR_PARSE_ARGS_UNEXPECTED_POSITIONAL') {
    const argument = /'([^']+)'/.exec(error.message)?.[1];
    return argument ? `unexpected argument "${argument}"` : error.message;
  }
  return error.message.replace(/^Option/, 'option');
}

// ---------------------------------------------------------------------------------------------
// The database

export interface OpenOptions {
  /** Apply pending migrations first (every command but `migrate`, which reports them itself). */
  migrate: boolean;
}

/**
 * Opens the configured database, migrates it, runs `work` and closes it again, also on failure.
 * Migrations applied on the way are reported on stderr, so stdout stays the command's output.
 */
export async function withDatabase<T>(config: Config, io: CliIO, options: OpenOptions, work: (db: Database) => Promise<T>): Promise<T> {
  const db = await open(config);
  try {
    if (options.migrate) {
      const { applied } = await migrate(db, config);
      if (applied.length > 0) io.err(`Applied ${plural(applied.length, 'migration')} first: ${applied.join(', ')}.`);
    }
    return await work(db);
  } finally {
    await db.close();
  }
}

/** Shorthand for commands that need only the Prisma client. */
export function withPrisma<T>(config: Config, io: CliIO, work: (prisma: PrismaClient) => Promise<T>): Promise<T> {
  return withDatabase(config, io, { migrate: true }, (db) => work(db.prisma));
}

export async function migrate(db: Database, config: Config): Promise<{ applied: string[] }> {
  try {
    return await applyMigrations(db, { onLog: () => {} });
  } catch (error) {
    throw explainDatabaseFailure(config, error, 'migrate');
  }
}

async function open(config: Config): Promise<Database> {
  let db: Database | undefined;
  try {
    db = await openDatabase(config.database);
    await db.ping();
    return db;
  } catch (error) {
    await db?.close().catch(() => undefined);
    throw explainDatabaseFailure(config, error, 'open');
  }
}

/**
 * PGlite is one process's database: while the server has the data folder open, another process
 * cannot safely use it. Whatever opening it fails with (a lock, a busy file, an aborted start),
 * the way out is the same, so the message says it.
 */
export function explainDatabaseFailure(config: Config, error: unknown, action: 'open' | 'migrate'): CommandError {
  const advice =
    'stop the server first (the embedded database allows one process at a time), or point both at PostgreSQL with DATABASE_URL.';
  if (error instanceof DataFolderLockedError) {
    return new CommandError(`${config.database.dataDir} is in use by another process (pid ${error.pid}), probably the server: ${advice}`, {
      cause: error,
    });
  }
  const reason = failureReason(error);
  const failure = `could not ${action} ${describeDatabase(config)}: ${reason}`;
  if (config.database.url || action !== 'open') return new CommandError(failure, { cause: error });
  return new CommandError(`${failure}. If the server is running on this data folder, ${advice}`, { cause: error });
}

// ---------------------------------------------------------------------------------------------
// Output

export function capitalize(text: string): string {
  return text.charAt(0).toUpperCase() + text.slice(1);
}

export function plural(count: number, noun: string): string {
  return `${count} ${noun}${count === 1 ? '' : 's'}`;
}

/** UTC to the minute: enough to tell when, short enough for a table. */
export function formatTime(date: Date | null, missing = '-'): string {
  if (date === null) return missing;
  return `${date.toISOString().slice(0, 16).replace('T', ' ')}Z`;
}

/** Columns padded to their widest cell; the last column is not padded. */
export function formatTable(header: readonly string[], rows: readonly (readonly string[])[]): string[] {
  const widths = header.map((title, column) => Math.max(title.length, ...rows.map((row) => (row[column] ?? '').length)));
  const line = (cells: readonly string[]) =>
    cells
      .map((cell, column) => (column === cells.length - 1 ? cell : cell.padEnd(widths[column] ?? 0)))
      .join('  ')
      .trimEnd();
  return [line(header), ...rows.map(line)];
}
