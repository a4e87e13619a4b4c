// `pathledger report run <name>`: a saved report run by hand, now, on the configured database,
// exactly as the API's runSavedReport and a SAVED_REPORT job run it (the run is kept as well).
import { CounterJournal } from '../../accounting/counter-journal.ts';
import { InputError } from '../../domain/input-error.ts';
import type { PrismaClient } from '../../generated/prisma/client.ts';
import { reportOfRun, runSavedReport, type ReportStore } from '../../reports/saved-reports.ts';
import type { Dimension } from '../../traffic/query.ts';
import { EXIT_FAILURE, EXIT_OK, UsageError, formatTable, parse, withDatabase, type CliIO, type Command } from '../support.ts';

const help = `Usage:
  pathledger report run <name> [--json]

Runs a saved report now: its filter over the last complete hour, day, month or quarter (its
range) in its time zone. The run is kept, as a scheduled or API run would be, and printed:
the range and totals, then one row per period and dimension value.

  --json   JSON lines instead of a table: the totals first, then one line per row
           (bytes and transfers as decimal strings).`;

export const reportCommand: Command = {
  name: 'report',
  summary: 'run a saved report now',
  help,
  async run(args, context) {
    const [action, ...rest] = args;
    if (action === undefined) throw new UsageError('report needs an action: run');
    if (action !== 'run') throw new UsageError(`unknown report action "${action}"`);
    const { values, positionals } = parse(rest, { json: { type: 'boolean' } }, true);
    const [name, extra] = positionals;
    if (name === undefined) throw new UsageError('report run needs the name of a saved report');
    if (extra !== undefined) throw new UsageError(`unexpected argument "${extra}"`);
    const config = context.loadConfig();
    return withDatabase(config, context.io, { migrate: true }, (db) => {
      const store: ReportStore = { prisma: db.prisma, counters: new CounterJournal(db.sql), rawRetentionDays: config.accounting.rawRetentionDays };
      return runReportCommand(store, name, { json: values.json ?? false, now: new Date() }, context.io);
    });
  },
};

export interface ReportCommandOptions {
  json: boolean;
  now: Date;
}

/** Runs the report and prints it; a name that is no saved report's fails with one line. */
export async function runReportCommand(store: ReportStore, name: string, options: ReportCommandOptions, io: CliIO): Promise<number> {
  let run;
  try {
    run = await runSavedReport(store, name, options.now);
  } catch (error) {
    if (!(error instanceof InputError)) throw error;
    io.err(`pathledger report run: ${error.message}`);
    return EXIT_FAILURE;
  }
  const { report, dimensions } = reportOfRun(run);
  const names = await namesOf(store.prisma, dimensions, report.rows.flatMap((row) => row.keys));
  const label = (dimension: Dimension | undefined, value: string) => (value === '' ? '(unknown)' : (names.get(`${dimension}:${value}`) ?? value));
  const rows = report.rows.map((row) => ({
    period: row.period?.toISOString() ?? null,
    keys: Object.fromEntries(dimensions.map((dimension, i) => [dimension, label(dimension, row.keys[i] ?? '')])),
    bytes: row.bytes.toString(),
    transfers: row.transfers.toString(),
    files: row.files,
  }));
  const totals = { report: name, from: run.from.toISOString(), to: run.to.toISOString(), bytes: report.bytes.toString(), transfers: report.transfers.toString(), files: report.files, source: report.source, complete: report.complete };

  if (options.json) {
    io.out(JSON.stringify(totals));
    for (const row of rows) io.out(JSON.stringify(row));
    return EXIT_OK;
  }
  io.out(`${name}: [${totals.from}, ${totals.to})`);
  io.out(`total: ${totals.bytes} bytes, ${totals.transfers} transfers, ${totals.files} files (from the ${report.source.toLowerCase()}${report.complete ? '' : '; incomplete: some events were pruned'})`);
  if (rows.length > 0) {
    const periodic = rows.some((row) => row.period !== null);
    const header = [...(periodic ? ['PERIOD'] : []), ...dimensions, 'BYTES', 'TRANSFERS', 'FILES'];
    const cells = rows.map((row) => [...(periodic ? [row.period ?? '-'] : []), ...dimensions.map((dimension) => row.keys[dimension] ?? ''), row.bytes, row.transfers, String(row.files)]);
    io.out('');
    for (const line of formatTable(header, cells)) io.out(line);
  }
  return EXIT_OK;
}

/** Readable names for row keys (organizations by slug, contents by title, components by name), by "DIMENSION:id". */
async function namesOf(prisma: PrismaClient, dimensions: readonly Dimension[], values: readonly string[]): Promise<Map<string, string>> {
  const ids = [...new Set(values.filter((value) => /^[0-9a-f-]{36}$/.test(value)))];
  const names = new Map<string, string>();
  if (ids.length === 0) return names;
  const wants = (...wanted: Dimension[]) => dimensions.some((dimension) => wanted.includes(dimension));
  const [organizations, contents, components] = await Promise.all([
    wants('CONTENT_OWNER', 'SOURCE_NETWORK', 'DESTINATION_NETWORK') ? prisma.organization.findMany({ where: { id: { in: ids } }, select: { id: true, slug: true } }) : [],
    wants('CONTENT') ? prisma.content.findMany({ where: { id: { in: ids } }, select: { id: true, title: true } }) : [],
    wants('COMPONENT') ? prisma.networkComponent.findMany({ where: { id: { in: ids } }, select: { id: true, name: true } }) : [],
  ]);
  for (const { id, slug } of organizations) for (const dimension of ['CONTENT_OWNER', 'SOURCE_NETWORK', 'DESTINATION_NETWORK'] as const) names.set(`${dimension}:${id}`, slug);
  for (const { id, title } of contents) names.set(`CONTENT:${id}`, title);
  for (const { id, name } of components) names.set(`COMPONENT:${id}`, name);
  return names;
}
