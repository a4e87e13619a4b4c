// Answering a traffic question: from the hourly counters when one counter table holds every
// filter and dimension asked for, else from the stored events (apportioned to hours exactly as
// the counters were, so both answer alike). An hour counts when it starts in [from, to).
import type { CounterJournal } from '../accounting/counter-journal.ts';
import type { Prisma, PrismaClient } from '../generated/prisma/client.ts';
import { apportion, apportionWithinWindows, bucketStart, HOUR_MS, type BucketBytes } from '../accounting/apportion.ts';
import { utcInstantOf, utcOffsetMs } from '../accounting/time-window.ts';
import { crossingsOf } from '../path/build.ts';
import type { Dimension, Granularity, TrafficQuery } from './query.ts';

export interface TrafficRow {
  period: Date | null;
  /** One value per dimension asked for, in its order; '' when unknown. */
  keys: string[];
  bytes: bigint;
  transfers: bigint;
  files: number;
}

export interface TrafficReport {
  bytes: bigint;
  transfers: bigint;
  files: number;
  rows: TrafficRow[];
  source: 'COUNTERS' | 'EVENTS';
  /** False when computed from events and part of the range is older than the events kept. */
  complete: boolean;
}

export interface ReportRequest {
  query: TrafficQuery;
  groupBy: readonly Dimension[];
  granularity: Granularity | null;
  /** A PARTNER's or VIEWER's organization: only traffic that touches it. */
  scope: string | null;
  /** Raw events before this were pruned (see accounting/retention.ts); null when all are kept. */
  rawEventsSince?: Date | null;
  /**
   * Whether `files` (distinct contents) is wanted; false spares the counters' answer a count of
   * distinct values over every row read, and `files` is then 0. Default true.
   */
  files?: boolean;
}

type FilterName = 'contentOwnerId' | 'contentId' | 'type' | 'crossing' | 'sourceNetworkId' | 'destinationNetworkId' | 'componentId' | 'onNet' | 'sender' | 'receiver';

type Condition = (query: TrafficQuery, params: Parameters) => string;

/** A counter table: the dimensions it groups by (its columns) and the filters it answers (as SQL). */
interface CounterSource {
  table: string;
  /** The same counters per UTC day (see prisma/schema.prisma), where kept. */
  daily?: string;
  dimensions: Partial<Record<Dimension, string>>;
  filters: Partial<Record<FilterName, Condition>>;
  /** A filter it needs: the crossing table answers only crossings, the client table only a sender or a receiver. */
  requires?: FilterName;
  /** Its rows limited to what touches an organization; null when that cannot be said from them. */
  scope: ((parameter: string) => string) | null;
}

const q = (column: string) => `"${column}"`;
const equals = (column: string, value: (query: TrafficQuery) => string | null, cast: string): Condition => (query, params) => `${q(column)} = ${params.add(value(query))}${cast}`;

/** What every counter table keys by: the content, its owner, the transfer type. */
const CONTENT_FILTERS: Partial<Record<FilterName, Condition>> = {
  contentOwnerId: equals('contentOwnerId', (query) => query.contentOwnerId, '::uuid'),
  contentId: equals('contentId', (query) => query.contentId, '::uuid'),
  type: equals('type', (query) => query.type, '::"TransferType"'),
};
const CONTENT_DIMENSIONS = { CONTENT_OWNER: 'contentOwnerId', CONTENT: 'contentId', TYPE: 'type' } as const;

/**
 * One end's traffic (a client's, a network's): the table keys it by that end and the direction,
 * so the other end is not there to say whether it touches a scoped key's organization: scoped
 * keys get such cuts from elsewhere.
 */
function endSource(table: string, column: string, filter: FilterName, direction: 'SENT' | 'RECEIVED', value: (query: TrafficQuery) => string | null): CounterSource {
  return {
    table,
    daily: `${table}Daily`,
    dimensions: CONTENT_DIMENSIONS,
    filters: { ...CONTENT_FILTERS, [filter]: (query: TrafficQuery, params: Parameters) => `${q(column)} = ${params.add(value(query))}::uuid AND "direction" = '${direction}'` },
    requires: filter,
    scope: null,
  };
}

// The first that can answer is used: the ends' tables before the cube, whose keys are many more.
const COUNTER_SOURCES: readonly CounterSource[] = [
  endSource('NetworkTraffic', 'networkId', 'sourceNetworkId', 'SENT', (query) => query.sourceNetworkId),
  endSource('NetworkTraffic', 'networkId', 'destinationNetworkId', 'RECEIVED', (query) => query.destinationNetworkId),
  endSource('ClientTraffic', 'clientId', 'sender', 'SENT', (query) => query.senderClientId),
  endSource('ClientTraffic', 'clientId', 'receiver', 'RECEIVED', (query) => query.receiverClientId),
  {
    table: 'TrafficRollup',
    dimensions: { ...CONTENT_DIMENSIONS, SOURCE_NETWORK: 'sourceNetworkId', DESTINATION_NETWORK: 'destinationNetworkId', COUNTRY: 'destinationCountry' },
    filters: {
      ...CONTENT_FILTERS,
      sourceNetworkId: equals('sourceNetworkId', (query) => query.sourceNetworkId, '::uuid'),
      destinationNetworkId: equals('destinationNetworkId', (query) => query.destinationNetworkId, '::uuid'),
      onNet: (query) => `"onNet" = ${query.onNet ? 1 : 0}`,
    },
    scope: (p) => `("sourceNetworkId" = ${p}::uuid OR "destinationNetworkId" = ${p}::uuid)`,
  },
  {
    table: 'CrossingTraffic',
    daily: 'CrossingTrafficDaily',
    dimensions: CONTENT_DIMENSIONS,
    filters: { ...CONTENT_FILTERS, crossing: (query, params) => `"fromOwnerId" = ${params.add(query.crossing!.fromId)}::uuid AND "toOwnerId" = ${params.add(query.crossing!.toId)}::uuid` },
    requires: 'crossing',
    scope: (p) => `("fromOwnerId" = ${p}::uuid OR "toOwnerId" = ${p}::uuid)`,
  },
  {
    // Without a component filter, each transfer is in it once per component on its path: rows
    // per component are right, totals come from the cube (see countersReport).
    table: 'ComponentTraffic',
    daily: 'ComponentTrafficDaily',
    dimensions: { ...CONTENT_DIMENSIONS, COMPONENT: 'componentId' },
    filters: { ...CONTENT_FILTERS, componentId: equals('componentId', (query) => query.componentId, '::uuid') },
    scope: (p) => `"componentId" IN (SELECT "id" FROM "NetworkComponent" WHERE "ownerId" = ${p}::uuid)`,
  },
];

function filtersOf(query: TrafficQuery): FilterName[] {
  const names: FilterName[] = [];
  if (query.contentOwnerId !== null) names.push('contentOwnerId');
  if (query.contentId !== null) names.push('contentId');
  if (query.type !== null) names.push('type');
  if (query.crossing !== null) names.push('crossing');
  if (query.sourceNetworkId !== null) names.push('sourceNetworkId');
  if (query.destinationNetworkId !== null) names.push('destinationNetworkId');
  if (query.componentId !== null) names.push('componentId');
  if (query.onNet !== null) names.push('onNet');
  if (query.senderClientId !== null) names.push('sender');
  if (query.receiverClientId !== null) names.push('receiver');
  return names;
}

/** Whether hourly counters can say which hours are inside the window: whole-hour offsets only. */
function wholeHourOffsets(timeZone: string, from: Date, to: Date): boolean {
  // Offsets change at most a few times a year; probing every six hours finds any in the range.
  for (let at = from.getTime(); at < to.getTime() + 6 * HOUR_MS; at += 6 * HOUR_MS) {
    if (utcOffsetMs(timeZone, new Date(at)) % HOUR_MS !== 0) return false;
  }
  return true;
}

function counterSourceFor(request: ReportRequest): CounterSource | null {
  const { query, groupBy } = request;
  // A link set: a transfer through two of its links would count twice in the component table.
  if (query.linkSet !== null) return null;
  if ((query.hours !== null || request.granularity !== null) && !wholeHourOffsets(query.timeZone, query.from, query.to)) return null;
  const filters = filtersOf(query);
  return (
    COUNTER_SOURCES.find(
      (source) =>
        (source.requires === undefined || filters.includes(source.requires)) &&
        filters.every((filter) => source.filters[filter] !== undefined) &&
        groupBy.every((dimension) => source.dimensions[dimension] !== undefined) &&
        (request.scope === null || source.scope !== null),
    ) ?? null
  );
}

/** Where traffic is read: the database, and the journal to settle before the counters are read. */
export interface TrafficStore {
  prisma: PrismaClient;
  counters: Pick<CounterJournal, 'settle'>;
}

export async function trafficReport({ prisma, counters }: TrafficStore, request: ReportRequest): Promise<TrafficReport> {
  const source = request.query.accountingObjectId !== null ? null : counterSourceFor(request);
  // Every batch acknowledged before the question is in the answer.
  if (request.query.accountingObjectId !== null || source !== null) await counters.settle();
  if (request.query.accountingObjectId !== null) return objectReport(prisma, request);
  if (source) return countersReport(prisma, request, source);
  const report = await eventsReport(prisma, request);
  const since = request.rawEventsSince ?? null;
  return { ...report, complete: since === null || request.query.from >= since };
}

/** `bucket` as the start of its period in the zone, as an instant. */
function periodExpression(granularity: Granularity | null, zone: string): string | null {
  if (granularity === null) return null;
  const unit = { HOUR: 'hour', DAY: 'day', MONTH: 'month', QUARTER: 'quarter' }[granularity];
  return `(date_trunc('${unit}', ("bucket" AT TIME ZONE 'UTC') AT TIME ZONE ${zone}) AT TIME ZONE ${zone})`;
}

interface SqlRow {
  period?: Date | null;
  bytes: string | null;
  transfers: string | null;
  files: number;
  [key: `k${number}`]: string | null;
}

class Parameters {
  readonly values: unknown[] = [];
  add(value: unknown): string {
    this.values.push(value);
    return `$${this.values.length}`;
  }
}

function timeConditions(query: TrafficQuery, params: Parameters): string[] {
  const conditions = [`"bucket" >= ${params.add(query.from.toISOString())}::timestamp`, `"bucket" < ${params.add(query.to.toISOString())}::timestamp`];
  if (query.hours) {
    const zone = params.add(query.timeZone);
    const hour = `extract(hour from ("bucket" AT TIME ZONE 'UTC') AT TIME ZONE ${zone})`;
    conditions.push(`${hour} >= ${params.add(query.hours.fromHour)}`, `${hour} < ${params.add(query.hours.toHour)}`);
  }
  return conditions;
}

const DAY_MS = 24 * HOUR_MS;

/**
 * The counter rows a query reads, as a FROM clause: the hourly table for [from, to) or, where
 * the table keeps daily counters and no hour of the day matters (no time-of-day window, periods
 * that are whole UTC days or none), the daily rows for the whole UTC days inside the range and
 * hourly rows only at its two ends.
 */
function counterRows(source: CounterSource, request: ReportRequest, params: Parameters, conditions: readonly string[]): string {
  const { query, granularity } = request;
  const wholeDays = source.daily !== undefined && query.hours === null && (granularity === null || zeroOffset(query.timeZone, query.from, query.to));
  const firstDay = Math.ceil(query.from.getTime() / DAY_MS) * DAY_MS;
  const lastDay = Math.floor(query.to.getTime() / DAY_MS) * DAY_MS;
  const and = conditions.map((condition) => ` AND ${condition}`).join('');
  if (!wholeDays || firstDay >= lastDay) return `(SELECT * FROM ${q(source.table)} WHERE ${timeConditions(query, params).join(' AND ')}${and}) AS c`;
  const [from, to, dayFrom, dayTo] = [query.from, query.to, new Date(firstDay), new Date(lastDay)].map((at) => `${params.add(at.toISOString())}::timestamp`);
  return (
    `(SELECT * FROM ${q(source.daily!)} WHERE "bucket" >= ${dayFrom} AND "bucket" < ${dayTo}${and} ` +
    `UNION ALL SELECT * FROM ${q(source.table)} WHERE (("bucket" >= ${from} AND "bucket" < ${dayFrom}) OR ("bucket" >= ${dayTo} AND "bucket" < ${to}))${and}) AS c`
  );
}

/** Whether the zone is UTC throughout the range (its days are UTC days). */
function zeroOffset(timeZone: string, from: Date, to: Date): boolean {
  for (let at = from.getTime(); at < to.getTime() + 6 * HOUR_MS; at += 6 * HOUR_MS) {
    if (utcOffsetMs(timeZone, new Date(at)) !== 0) return false;
  }
  return true;
}

async function countersReport(prisma: PrismaClient, request: ReportRequest, source: CounterSource): Promise<TrafficReport> {
  const { query, groupBy, granularity, scope } = request;
  const params = new Parameters();
  const conditions = filtersOf(query).map((filter) => source.filters[filter]!(query, params));
  if (scope !== null && source.scope !== null) conditions.push(source.scope(params.add(scope)));
  const from = `FROM ${counterRows(source, request, params, conditions)}`;

  // The zone for periods is the rows query's last parameter: the totals query has none.
  const rowParams = granularity === null ? params.values : [...params.values, query.timeZone];
  const period = periodExpression(granularity, `$${rowParams.length}`);
  const keys = groupBy.map((dimension, i) => `${q(source.dimensions[dimension]!)}::text AS k${i}`);
  const groups = [...(period ? [period] : []), ...groupBy.map((dimension) => q(source.dimensions[dimension]!))];
  const totals = `sum("bytes")::text AS bytes, sum("transfers")::text AS transfers, ${request.files === false ? '0' : 'count(DISTINCT "contentId")::int'} AS files`;
  // Per component, a transfer is in every component it crossed: the totals are the cube's.
  const perComponent = source.table === 'ComponentTraffic' && query.componentId === null;
  const [total, rows] = await Promise.all([
    perComponent
      ? countersReport(prisma, { ...request, groupBy: [], granularity: null }, COUNTER_SOURCES.find((s) => s.table === 'TrafficRollup')!).then((report) => ({
          bytes: String(report.bytes),
          transfers: String(report.transfers),
          files: report.files,
        }))
      : prisma.$queryRawUnsafe<SqlRow[]>(`SELECT ${totals} ${from}`, ...params.values).then((result) => result[0]),
    groups.length === 0
      ? []
      : prisma.$queryRawUnsafe<SqlRow[]>(
          `SELECT ${[...(period ? [`${period} AS period`] : []), ...keys, totals].join(', ')} ${from} GROUP BY ${groups.join(', ')} ORDER BY ${groups.join(', ')}`,
          ...rowParams,
        ),
  ]);
  return {
    bytes: BigInt(total?.bytes ?? 0),
    transfers: BigInt(total?.transfers ?? 0),
    files: total?.files ?? 0,
    rows: rows.map((row) => ({
      period: row.period ?? null,
      keys: groupBy.map((_, i) => unknownAsEmpty(row[`k${i}`] ?? '')),
      bytes: BigInt(row.bytes ?? 0),
      transfers: BigInt(row.transfers ?? 0),
      files: row.files,
    })),
    source: 'COUNTERS',
    complete: true,
  };
}

const NIL = '00000000-0000-0000-0000-000000000000';
const unknownAsEmpty = (value: string) => (value === NIL ? '' : value);

/** What an accounting object counted: its usage rows (entities, filter and hours were applied when recording). */
async function objectReport(prisma: PrismaClient, request: ReportRequest): Promise<TrafficReport> {
  const { query, granularity } = request;
  const params = new Parameters();
  const where = [...timeConditions({ ...query, hours: null }, params), `"accountingObjectId" = ${params.add(query.accountingObjectId)}::uuid`];
  const rowParams = granularity === null ? params.values : [...params.values, query.timeZone];
  const period = periodExpression(granularity, `$${rowParams.length}`);
  const usage = `FROM "AccountingObjectUsage" WHERE ${where.join(' AND ')}`;
  const contents = `FROM "AccountingObjectContent" WHERE ${where.join(' AND ')}`;
  const [total] = await prisma.$queryRawUnsafe<SqlRow[]>(
    `SELECT (SELECT sum("bytes")::text ${usage}) AS bytes, (SELECT sum("transfers")::text ${usage}) AS transfers, (SELECT count(DISTINCT "contentId")::int ${contents}) AS files`,
    ...params.values,
  );
  let rows: TrafficRow[] = [];
  if (period) {
    const [byPeriod, filesByPeriod] = await Promise.all([
      prisma.$queryRawUnsafe<SqlRow[]>(`SELECT ${period} AS period, sum("bytes")::text AS bytes, sum("transfers")::text AS transfers, 0 AS files ${usage} GROUP BY 1 ORDER BY 1`, ...rowParams),
      prisma.$queryRawUnsafe<{ period: Date; files: number }[]>(`SELECT ${period} AS period, count(DISTINCT "contentId")::int AS files ${contents} GROUP BY 1`, ...rowParams),
    ]);
    const files = new Map(filesByPeriod.map((row) => [row.period.getTime(), row.files]));
    rows = byPeriod.map((row) => ({ period: row.period ?? null, keys: [], bytes: BigInt(row.bytes ?? 0), transfers: BigInt(row.transfers ?? 0), files: files.get(row.period!.getTime()) ?? 0 }));
  }
  return { bytes: BigInt(total?.bytes ?? 0), transfers: BigInt(total?.transfers ?? 0), files: total?.files ?? 0, rows, source: 'COUNTERS', complete: true };
}

interface EventRow {
  bytes: bigint;
  startedAt: Date;
  endedAt: Date;
  contentId: string;
  contentOwnerId: string | null;
  sourceNetworkId: string | null;
  destinationNetworkId: string | null;
  destinationCountry: string | null;
  type: string;
  path: string[];
}

/**
 * From the stored events, for cuts no counter table holds. Each event is apportioned to hours as
 * when it was recorded, so an answer from here agrees with one from the counters.
 */
/** Events read per statement: a cut over millions of them never holds more than this many. */
const EVENT_CHUNK = 10_000;

async function eventsReport(prisma: PrismaClient, request: ReportRequest): Promise<TrafficReport> {
  const { query, groupBy, granularity, scope } = request;
  const firstBucket = bucketStart(query.from);
  const where: Prisma.TransferEventWhereInput = {
    startedAt: { lt: query.to },
    endedAt: { gte: firstBucket },
    ...(query.contentOwnerId !== null ? { contentOwnerId: query.contentOwnerId } : {}),
    ...(query.contentId !== null ? { contentId: query.contentId } : {}),
    ...(query.type !== null ? { type: query.type } : {}),
    ...(query.sourceNetworkId !== null ? { sourceNetworkId: query.sourceNetworkId } : {}),
    ...(query.destinationNetworkId !== null ? { destinationNetworkId: query.destinationNetworkId } : {}),
    ...(query.senderClientId !== null ? { sourceClientId: query.senderClientId } : {}),
    ...(query.receiverClientId !== null ? { destinationClientId: query.receiverClientId } : {}),
    ...(query.onNet !== null ? { onNet: query.onNet } : {}),
    AND: [
      query.componentId !== null ? { path: { has: query.componentId } } : {},
      query.linkSet !== null ? { path: { hasSome: query.linkSet.componentIds } } : {},
      scope !== null ? { OR: [{ sourceNetworkId: scope }, { destinationNetworkId: scope }, { reporterId: scope }] } : {},
    ],
  };
  const accumulator = new EventAccumulator(request);
  const owners = query.crossing || groupBy.includes('COMPONENT') ? new Map<string, string | null>() : null;
  // In (startedAt, id) order, a chunk at a time, each after the last one's key.
  let last: { startedAt: Date; id: string } | null = null;
  for (;;) {
    const events: (EventRow & { id: string })[] = await prisma.transferEvent.findMany({
      where: last === null ? where : { AND: [where, { OR: [{ startedAt: { gt: last.startedAt } }, { startedAt: last.startedAt, id: { gt: last.id } }] }] },
      orderBy: [{ startedAt: 'asc' }, { id: 'asc' }],
      take: EVENT_CHUNK,
      select: { id: true, bytes: true, startedAt: true, endedAt: true, contentId: true, contentOwnerId: true, sourceNetworkId: true, destinationNetworkId: true, destinationCountry: true, type: true, path: true },
    });
    if (owners) await loadComponentOwners(prisma, events, owners);
    for (const event of events) accumulator.add(event, owners);
    if (events.length < EVENT_CHUNK) break;
    last = events.at(-1)!;
  }
  return accumulator.report();
}

/** Sums events as the counters would have: apportioned to hours, each counted in its first. */
class EventAccumulator {
  private readonly rows = new Map<string, TrafficRow & { contents: Set<string> }>();
  private readonly total = { bytes: 0n, transfers: 0n, contents: new Set<string>() };
  private readonly fromMs: number;
  private readonly toMs: number;
  private readonly periodOf: (at: Date) => Date | null;

  constructor(private readonly request: ReportRequest) {
    this.fromMs = request.query.from.getTime();
    this.toMs = request.query.to.getTime();
    this.periodOf = periodFunction(request.granularity, request.query.timeZone);
  }

  add(event: EventRow, owners: ReadonlyMap<string, string | null> | null): void {
    const { query, groupBy } = this.request;
    const { rows, total } = this;
    if (query.crossing && owners) {
      const crossings = crossingsOf(event.path.map((id) => ({ ownerId: owners.get(id) ?? null })));
      if (!crossings.some((c) => c.from === query.crossing!.fromId && c.to === query.crossing!.toId)) return;
    }
    const shares: BucketBytes[] = query.hours
      ? apportionWithinWindows(event.bytes, event.startedAt, event.endedAt, query.hours, query.timeZone)
      : apportion(event.bytes, event.startedAt, event.endedAt);
    if (shares.length === 0) return;
    // The transfer counts in its first bucket (with bytes in the window, for a window).
    const countedIn = query.hours ? shares[0]!.bucketStart : bucketStart(event.startedAt);
    const inRange = (at: Date) => at.getTime() >= this.fromMs && at.getTime() < this.toMs;
    const components = groupBy.includes('COMPONENT') ? [...new Set(event.path)] : [''];
    for (const component of components) {
      const keys = groupBy.map((dimension) => dimensionValue(dimension, event, component));
      const add = (at: Date, bytes: bigint, transfers: bigint) => {
        const period = this.periodOf(at);
        const id = `${period?.getTime() ?? ''}|${keys.join('|')}`;
        let row = rows.get(id);
        if (!row) rows.set(id, (row = { period, keys, bytes: 0n, transfers: 0n, files: 0, contents: new Set() }));
        row.bytes += bytes;
        row.transfers += transfers;
        row.contents.add(event.contentId);
      };
      for (const share of shares) if (inRange(share.bucketStart)) add(share.bucketStart, share.bytes, 0n);
      if (inRange(countedIn)) add(countedIn, 0n, 1n);
    }
    for (const share of shares) if (inRange(share.bucketStart)) total.bytes += share.bytes;
    if (inRange(countedIn)) total.transfers += 1n;
    if (shares.some((share) => inRange(share.bucketStart)) || inRange(countedIn)) total.contents.add(event.contentId);
  }

  report(): TrafficReport {
    const { groupBy, granularity } = this.request;
    const grouped = groupBy.length > 0 || granularity !== null;
    const list = grouped
      ? [...this.rows.values()]
          .map(({ contents, ...row }) => ({ ...row, files: contents.size }))
          .sort((a, b) => (a.period?.getTime() ?? 0) - (b.period?.getTime() ?? 0) || a.keys.join('|').localeCompare(b.keys.join('|')))
      : [];
    return { bytes: this.total.bytes, transfers: this.total.transfers, files: this.total.contents.size, rows: list, source: 'EVENTS', complete: true };
  }
}

function dimensionValue(dimension: Dimension, event: EventRow, component: string): string {
  switch (dimension) {
    case 'CONTENT_OWNER':
      return event.contentOwnerId ?? '';
    case 'CONTENT':
      return event.contentId;
    case 'SOURCE_NETWORK':
      return event.sourceNetworkId ?? '';
    case 'DESTINATION_NETWORK':
      return event.destinationNetworkId ?? '';
    case 'COMPONENT':
      return component;
    case 'TYPE':
      return event.type;
    case 'COUNTRY':
      return event.destinationCountry ?? '';
  }
}

/** Adds the owners of the components on these events' paths that `owners` lacks. */
async function loadComponentOwners(prisma: PrismaClient, events: readonly EventRow[], owners: Map<string, string | null>): Promise<void> {
  const ids = [...new Set(events.flatMap((event) => event.path))].filter((id) => !owners.has(id));
  if (ids.length === 0) return;
  const rows = await prisma.networkComponent.findMany({ where: { id: { in: ids } }, select: { id: true, ownerId: true } });
  for (const id of ids) owners.set(id, null);
  for (const row of rows) owners.set(row.id, row.ownerId);
}

/** The start of the local period holding an hour bucket, as an instant; null without granularity. */
function periodFunction(granularity: Granularity | null, timeZone: string): (at: Date) => Date | null {
  if (granularity === null) return () => null;
  if (granularity === 'HOUR') return (at) => at;
  return (at) => {
    // The local date of the hour, then the instant of that period's local midnight (whose offset
    // may differ from the hour's, across a daylight-saving change).
    const local = new Date(at.getTime() + utcOffsetMs(timeZone, at));
    const month = granularity === 'QUARTER' ? Math.floor(local.getUTCMonth() / 3) * 3 : local.getUTCMonth();
    const day = granularity === 'DAY' ? local.getUTCDate() : 1;
    return utcInstantOf({ year: local.getUTCFullYear(), month: month + 1, day }, timeZone);
  };
}
