// Saved reports: a traffic question with a name, asked again whenever it runs, over a range
// relative to that moment. The filter is kept as the caller wrote it (slugs, global ids), not as
// row ids, and resolved at every run: a link set gains links, a client changes address, and the
// report follows, as the same question typed into the API would.
import type { OwnerGuard } from '../auth/access.ts';
import { rawEventsSince } from '../accounting/retention.ts';
import { withConstraints } from '../db/prisma-errors.ts';
import { InputError } from '../domain/input-error.ts';
import { organizationBySlug } from '../domain/references.ts';
import { isUuid, name as validName, timeZone as validTimeZone } from '../domain/validate.ts';
import type { Prisma, PrismaClient, ReportRun, SavedReport } from '../generated/prisma/client.ts';
import { fromGlobalId } from '../graphql/global-id.ts';
import { DIMENSIONS, resolveTrafficFilter, type Dimension, type Granularity, type TrafficFilterInput, type TrafficQuery } from '../traffic/query.ts';
import { trafficReport, type TrafficReport, type TrafficStore } from '../traffic/report.ts';
import { rangeBefore, REPORT_RANGES, type ReportRange } from './report-range.ts';

/** A TrafficFilter without its range. */
export type SavedTrafficFilter = Omit<TrafficFilterInput, 'from' | 'to'>;

/** What a SavedReport's `query` column holds. */
export interface SavedQuery {
  filter: SavedTrafficFilter;
  groupBy: Dimension[];
  granularity: Granularity | null;
  range: ReportRange;
  /**
   * The organization whose traffic alone the report sees: the scope of the key that saved it
   * (null for a global key). A PARTNER's report run by the scheduler, with no key at hand, must
   * not see more than the PARTNER could have asked for itself.
   */
  scope: string | null;
}

export interface SavedReportInput {
  name: string;
  /** Slug. */
  owner: string;
  filter: SavedTrafficFilter;
  groupBy?: readonly Dimension[] | null;
  granularity?: Granularity | null;
  range: ReportRange;
}

/** What the caller may do and see, as the API's key says. */
export interface SavingKey {
  guard: OwnerGuard;
  /** The organization a scoped key sees traffic of; null for a global key. */
  scope: string | null;
  /** Whether the key may see this accounting object (a filter may name one). */
  seesAccountingObject: (id: string) => Promise<boolean>;
}

/** Where a report reads traffic, and how long raw events are kept (so it can say when some are gone). */
export interface ReportStore extends TrafficStore {
  rawRetentionDays?: number;
}

const GRANULARITIES: readonly Granularity[] = ['HOUR', 'DAY', 'MONTH', 'QUARTER'];

/** The API's global ids as the traffic filter takes them. */
const decodeId = (id: string, type: string): string | null => {
  const decoded = fromGlobalId(id);
  return decoded?.type === type ? decoded.id : null;
};

export async function createSavedReport(prisma: PrismaClient, input: SavedReportInput, key: SavingKey, now = new Date()): Promise<SavedReport> {
  const name = validName(['input', 'name'], input.name);
  const owner = await organizationBySlug(prisma, ['input', 'owner'], input.owner);
  key.guard(owner.id, ['input', 'owner']);
  if (!REPORT_RANGES.includes(input.range)) throw new InputError(['input', 'range'], `must be one of ${REPORT_RANGES.join(', ')}.`);
  const groupBy = [...(input.groupBy ?? [])];
  groupBy.forEach((dimension, i) => {
    if (!DIMENSIONS.includes(dimension)) throw new InputError(['input', 'groupBy', String(i)], `"${dimension}" is not a dimension.`);
  });
  if (new Set(groupBy).size !== groupBy.length) throw new InputError(['input', 'groupBy'], 'names a dimension twice.');
  const granularity = input.granularity ?? null;
  if (granularity !== null && !GRANULARITIES.includes(granularity)) throw new InputError(['input', 'granularity'], `must be one of ${GRANULARITIES.join(', ')}.`);
  const filter = savedFilter(input.filter);

  // Resolved once over the range it would run on now, so every problem surfaces at saving time
  // rather than at 06:00 in the scheduler.
  const sample = rangeBefore(input.range, validTimeZone(['input', 'filter', 'timeZone'], filter.timeZone ?? 'UTC'), now);
  const query = await resolveTrafficFilter(prisma, { ...filter, from: sample.start, to: sample.end }, decodeId, 'filter').catch((error: unknown) => {
    throw error instanceof InputError ? new InputError(['input', ...error.field], error.message, error.code) : error;
  });
  if (query.accountingObjectId !== null) {
    if (!(await key.seesAccountingObject(query.accountingObjectId))) {
      throw new InputError(['input', 'filter', 'accountingObject'], 'no such accounting object visible to this key.', 'NOT_FOUND');
    }
    if (groupBy.length > 0) throw new InputError(['input', 'groupBy'], 'an accounting object’s usage has no dimensions; use granularity for periods.');
  }

  const saved: SavedQuery = { filter, groupBy, granularity, range: input.range, scope: key.scope };
  return withConstraints({ unique: { field: ['input', 'name'], message: `a saved report named "${name}" exists already.` } }, () =>
    prisma.savedReport.create({ data: { name, ownerId: owner.id, query: saved as unknown as Prisma.InputJsonObject } }),
  );
}

/**
 * Deletes a saved report and its runs. Refused while a scheduled job or an alert rule still names
 * it: neither has a foreign key to say so, and either would otherwise fail at its next run.
 */
export async function deleteSavedReport(prisma: PrismaClient, id: string, guard: OwnerGuard): Promise<SavedReport | null> {
  const report = await prisma.savedReport.findUnique({ where: { id } });
  if (report === null) return null;
  guard(report.ownerId, ['input', 'id']);
  const [jobs, rules] = await Promise.all([
    prisma.scheduledJob.findMany({ where: { savedReportId: id }, select: { name: true }, take: 3 }),
    prisma.alertRule.findMany({ where: { savedReportId: id }, select: { name: true }, take: 3 }),
  ]);
  const users = [...jobs.map((job) => `scheduled job "${job.name}"`), ...rules.map((rule) => `alert rule "${rule.name}"`)];
  if (users.length > 0) throw new InputError(['input', 'id'], `still used by ${users.join(', ')}; delete those first.`, 'IN_USE');
  await prisma.savedReport.delete({ where: { id } });
  return report;
}

/** The saved question, as stored. */
export function savedQueryOf(report: Pick<SavedReport, 'query'>): SavedQuery {
  const query = report.query;
  if (query === null || typeof query !== 'object' || Array.isArray(query) || typeof query.range !== 'string') {
    throw new Error('a saved report’s query is not one this version wrote.');
  }
  const stored = query as unknown as Partial<SavedQuery>;
  return { filter: stored.filter ?? {}, groupBy: stored.groupBy ?? [], granularity: stored.granularity ?? null, range: stored.range as ReportRange, scope: stored.scope ?? null };
}

/** The saved question over [from, to). */
async function queryFor(prisma: PrismaClient, saved: SavedQuery, from: Date, to: Date): Promise<TrafficQuery> {
  return resolveTrafficFilter(prisma, { ...saved.filter, from, to }, decodeId);
}

/**
 * The saved report's filter evaluated over [from, to): its totals, whatever its grouping. For
 * alert rules that watch a saved report per period of their own.
 */
export async function savedReportTotal(store: TrafficStore, savedReportId: string, from: Date, to: Date): Promise<{ bytes: bigint; transfers: bigint; files: number }> {
  const report = await store.prisma.savedReport.findUnique({ where: { id: savedReportId } });
  if (report === null) throw new InputError(['savedReport'], 'no such saved report.', 'NOT_FOUND');
  const saved = savedQueryOf(report);
  const query = await queryFor(store.prisma, saved, from, to);
  const { bytes, transfers, files } = await trafficReport(store, { query, groupBy: [], granularity: null, scope: saved.scope });
  return { bytes, transfers, files };
}

/** A report by its name, or by its row id. */
export async function findSavedReport(prisma: PrismaClient, nameOrId: string): Promise<SavedReport | null> {
  const byName = await prisma.savedReport.findUnique({ where: { name: nameOrId } });
  if (byName !== null || !isUuid(nameOrId)) return byName;
  return prisma.savedReport.findUnique({ where: { id: nameOrId } });
}

/**
 * Runs the report over the last complete range before `now` (see report-range.ts) and keeps the
 * answer as a ReportRun.
 */
export async function runSavedReport(store: ReportStore, nameOrId: string, now: Date): Promise<ReportRun> {
  const report = await findSavedReport(store.prisma, nameOrId);
  if (report === null) throw new InputError(['input', 'name'], `no saved report named "${nameOrId}".`, 'NOT_FOUND');
  return runReport(store, report, now, now);
}

/**
 * Runs the report for the moment `at` (its range is the last complete one before `at`) and keeps
 * the answer, ran at `ranAt`. The scheduler passes the instant a run was due for as `at`, so a
 * run caught up late covers the range it would have covered on time.
 */
export async function runReport(store: ReportStore, report: SavedReport, at: Date, ranAt: Date = new Date()): Promise<ReportRun> {
  const saved = savedQueryOf(report);
  const range = rangeBefore(saved.range, saved.filter.timeZone ?? 'UTC', at);
  const query = await queryFor(store.prisma, saved, range.start, range.end);
  const retention = store.rawRetentionDays ?? 0;
  const answer = await trafficReport(store, {
    query,
    groupBy: saved.groupBy,
    granularity: saved.granularity,
    scope: saved.scope,
    rawEventsSince: retention > 0 ? rawEventsSince(retention, ranAt.getTime()) : null,
  });
  return store.prisma.reportRun.create({
    data: { savedReportId: report.id, from: range.start, to: range.end, ranAt, result: storedResult(answer, saved.groupBy) as unknown as Prisma.InputJsonObject },
  });
}

/** A report as kept in ReportRun.result: 64-bit numbers as decimal strings, instants as ISO text. */
export interface StoredResult {
  groupBy: Dimension[];
  bytes: string;
  transfers: string;
  files: number;
  source: TrafficReport['source'];
  complete: boolean;
  rows: { period: string | null; keys: string[]; bytes: string; transfers: string; files: number }[];
}

function storedResult(report: TrafficReport, groupBy: Dimension[]): StoredResult {
  return {
    groupBy,
    bytes: report.bytes.toString(),
    transfers: report.transfers.toString(),
    files: report.files,
    source: report.source,
    complete: report.complete,
    rows: report.rows.map((row) => ({ period: row.period?.toISOString() ?? null, keys: row.keys, bytes: row.bytes.toString(), transfers: row.transfers.toString(), files: row.files })),
  };
}

/** A run's answer back as a traffic report, with the dimensions its rows are keyed by. */
export function reportOfRun(run: Pick<ReportRun, 'result'>): { report: TrafficReport; dimensions: Dimension[] } {
  const result = run.result as unknown as StoredResult;
  return {
    dimensions: result.groupBy,
    report: {
      bytes: BigInt(result.bytes),
      transfers: BigInt(result.transfers),
      files: result.files,
      source: result.source,
      complete: result.complete,
      rows: result.rows.map((row) => ({ period: row.period === null ? null : new Date(row.period), keys: row.keys, bytes: BigInt(row.bytes), transfers: BigInt(row.transfers), files: row.files })),
    },
  };
}

/** Only the fields a saved filter has, so nothing else is kept in the column. */
function savedFilter(filter: SavedTrafficFilter): SavedTrafficFilter {
  const kept: SavedTrafficFilter = {};
  const copy = <K extends keyof SavedTrafficFilter>(key: K) => {
    const value = filter[key];
    if (value !== undefined && value !== null) kept[key] = value;
  };
  (['timeZone', 'hours', 'contentOwner', 'content', 'type', 'crossing', 'sourceNetwork', 'destinationNetwork', 'sender', 'receiver', 'component', 'linkSet', 'accountingObject', 'onNet'] as const).forEach(copy);
  if (kept.hours) kept.hours = { from: kept.hours.from, to: kept.hours.to };
  if (kept.crossing) kept.crossing = { from: kept.crossing.from, to: kept.crossing.to };
  return kept;
}
