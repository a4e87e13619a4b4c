// What settlement measures, read set-wise: settlement first asks for everything it will price
// (per stretch of time: accounting objects, crossings between two parties, a content owner's
// bytes per network owner), then reads it in a few aggregate statements whatever the number of
// contracts and objects: the objects' usage in one pass over their counters for all stretches
// (see objectBytes), the traffic counters in one statement per stretch and measure. Counters
// count as the traffic API counts them (traffic/report.ts): an hourly counter belongs to a
// stretch when its hour starts in [start, end); where a table keeps daily counters, whole UTC
// days come from those.
import { arrayLiteral } from '../accounting/event-rows.ts';
import type { UtcInterval } from '../accounting/time-window.ts';
import type { PrismaClient } from '../generated/prisma/client.ts';

interface Stretch extends UtcInterval {
  objects: Set<string>;
  /** Organizations whose crossings with each other are asked for. */
  parties: Set<string>;
  contentOwners: Set<string>;
  /** Contracts whose uplink grants' uploads are asked for. */
  uplinkContracts: Set<string>;
}

const keyOf = (interval: UtcInterval) => `${interval.start.toISOString()}|${interval.end.toISOString()}`;

/** What settlement will price; collect first, then `measure` reads it all. */
export class UsageRequests {
  readonly stretches = new Map<string, Stretch>();

  private stretch(interval: UtcInterval): Stretch {
    const key = keyOf(interval);
    let stretch = this.stretches.get(key);
    if (!stretch) {
      stretch = { start: interval.start, end: interval.end, objects: new Set(), parties: new Set(), contentOwners: new Set(), uplinkContracts: new Set() };
      this.stretches.set(key, stretch);
    }
    return stretch;
  }

  /** The bytes an accounting object counted. */
  objectBytes(interval: UtcInterval, accountingObjectId: string): void {
    this.stretch(interval).objects.add(accountingObjectId);
  }

  /** The bytes that crossed between the two parties' components, each way. */
  exchange(interval: UtcInterval, a: string, b: string): void {
    const stretch = this.stretch(interval);
    stretch.parties.add(a);
    stretch.parties.add(b);
  }

  /** The bytes of a content owner's content that each network owner's components carried. */
  carried(interval: UtcInterval, contentOwnerId: string): void {
    this.stretch(interval).contentOwners.add(contentOwnerId);
  }

  /** The bytes uploaded under the uplink grant a contract settles. */
  uplinked(interval: UtcInterval, contractId: string): void {
    this.stretch(interval).uplinkContracts.add(contractId);
  }
}

export interface NetworkOwnerShare {
  ownerId: string;
  slug: string;
  bytes: bigint;
}

/** The answers to a UsageRequests; what was not asked for reads as 0. */
export class MeasuredUsage {
  constructor(
    private readonly objects: ReadonlyMap<string, bigint>,
    private readonly crossings: ReadonlyMap<string, bigint>,
    private readonly shares: ReadonlyMap<string, NetworkOwnerShare[]>,
    private readonly uploads: ReadonlyMap<string, bigint> = new Map(),
  ) {}

  uplinked(interval: UtcInterval, contractId: string): bigint {
    return this.uploads.get(`${keyOf(interval)}|${contractId}`) ?? 0n;
  }

  objectBytes(interval: UtcInterval, accountingObjectId: string): bigint {
    return this.objects.get(`${keyOf(interval)}|${accountingObjectId}`) ?? 0n;
  }

  crossed(interval: UtcInterval, fromId: string, toId: string): bigint {
    return this.crossings.get(`${keyOf(interval)}|${fromId}|${toId}`) ?? 0n;
  }

  /** Per network owner that carried any, in slug order. */
  carried(interval: UtcInterval, contentOwnerId: string): readonly NetworkOwnerShare[] {
    return this.shares.get(`${keyOf(interval)}|${contentOwnerId}`) ?? [];
  }
}

const DAY_MS = 86_400_000;

/**
 * The counter rows of [start, end) as a FROM item: the daily table's whole UTC days inside it and
 * the hourly table's hours at its two ends. `where` is appended to both sides.
 */
function counterRows(hourly: string, daily: string, columns: string, stretch: UtcInterval, where: string, params: unknown[]): string {
  const add = (value: unknown) => `$${params.push(value)}`;
  const at = (date: Date) => `${add(date.toISOString())}::timestamp`;
  const firstDay = Math.ceil(stretch.start.getTime() / DAY_MS) * DAY_MS;
  const lastDay = Math.floor(stretch.end.getTime() / DAY_MS) * DAY_MS;
  if (firstDay >= lastDay) return `(SELECT ${columns} FROM "${hourly}" WHERE "bucket" >= ${at(stretch.start)} AND "bucket" < ${at(stretch.end)} AND ${where})`;
  const [from, to, dayFrom, dayTo] = [stretch.start, stretch.end, new Date(firstDay), new Date(lastDay)].map(at);
  return (
    `(SELECT ${columns} FROM "${daily}" WHERE "bucket" >= ${dayFrom} AND "bucket" < ${dayTo} AND ${where} ` +
    `UNION ALL SELECT ${columns} FROM "${hourly}" WHERE (("bucket" >= ${from} AND "bucket" < ${dayFrom}) OR ("bucket" >= ${dayTo} AND "bucket" < ${to})) AND ${where})`
  );
}

/** Most sums a statement computes per object: each is a filter every counter row is tested against. */
const MAX_SEGMENTS = 8;

/**
 * The stretches in groups whose boundaries cut time into at most MAX_SEGMENTS segments; a run
 * usually has one group (a period in a zone or two, a renegotiation or two).
 */
function segmentGroups(stretches: readonly Stretch[]): { stretches: Stretch[]; bounds: number[] }[] {
  const groups: { stretches: Stretch[]; bounds: number[] }[] = [];
  for (const stretch of [...stretches].sort((a, b) => a.start.getTime() - b.start.getTime())) {
    const edges = [stretch.start.getTime(), stretch.end.getTime()];
    const last = groups.at(-1);
    const merged = last ? [...new Set([...last.bounds, ...edges])].sort((a, b) => a - b) : [];
    if (last && merged.length - 1 <= MAX_SEGMENTS) {
      last.stretches.push(stretch);
      last.bounds = merged;
    } else {
      groups.push({ stretches: [stretch], bounds: edges });
    }
  }
  return groups;
}

/**
 * The objects' usage in every stretch of a group, in one pass over their counters: the times
 * between the group's boundaries are segments, each object's bytes are summed per segment
 * (GROUP BY object alone, so that PostgreSQL plans it like any per-object sum), and a stretch
 * adds up the segments it covers. When the run covers most accounting objects, the rows are
 * not filtered by object: the whole range is read anyway, and testing each row against
 * thousands of ids would cost more than it saves.
 */
async function objectBytes(prisma: PrismaClient, stretches: readonly Stretch[], into: Map<string, bigint>): Promise<void> {
  const withObjects = stretches.filter((stretch) => stretch.objects.size > 0);
  if (withObjects.length === 0) return;
  const allObjects = await prisma.accountingObject.count();
  await Promise.all(
    segmentGroups(withObjects).map(async ({ stretches: group, bounds }) => {
      const objects = new Set(group.flatMap((stretch) => [...stretch.objects]));
      const everyObject = objects.size * 2 >= allObjects;
      // Timestamps travel as ISO instants, which a timestamp without zone reads as UTC, the columns' convention.
      const params: unknown[] = bounds.map((bound) => new Date(bound).toISOString());
      const at = (index: number) => `$${index + 1}::timestamp`;
      const sums = bounds.slice(1).map((_, i) => `sum("bytes") FILTER (WHERE "bucket" >= ${at(i)} AND "bucket" < ${at(i + 1)})::text AS "s${i}"`);
      const byObject = everyObject ? '' : ` AND "accountingObjectId" = ANY($${params.push(arrayLiteral([...objects]))}::uuid[])`;
      const rows = await prisma.$queryRawUnsafe<Record<string, string | null>[]>(
        `SELECT "accountingObjectId"::text AS "id", ${sums.join(', ')} FROM "AccountingObjectUsage" ` +
          `WHERE "bucket" >= ${at(0)} AND "bucket" < ${at(bounds.length - 1)}${byObject} GROUP BY "accountingObjectId"`,
        ...params,
      );
      const segments = new Map(rows.map((row) => [row.id!, bounds.slice(1).map((_, i) => BigInt(row[`s${i}`] ?? 0))]));
      for (const stretch of group) {
        const [first, last] = [bounds.indexOf(stretch.start.getTime()), bounds.indexOf(stretch.end.getTime())];
        for (const objectId of stretch.objects) {
          const bytes = segments.get(objectId)?.slice(first, last).reduce((sum, part) => sum + part, 0n) ?? 0n;
          into.set(`${keyOf(stretch)}|${objectId}`, bytes);
        }
      }
    }),
  );
}

async function crossings(prisma: PrismaClient, stretch: Stretch, into: Map<string, bigint>): Promise<void> {
  const params: unknown[] = [[...stretch.parties]];
  const rows = await prisma.$queryRawUnsafe<{ from: string; to: string; bytes: string }[]>(
    `SELECT "fromOwnerId"::text AS "from", "toOwnerId"::text AS "to", sum("bytes")::text AS "bytes" FROM ` +
      counterRows('CrossingTraffic', 'CrossingTrafficDaily', '"fromOwnerId", "toOwnerId", "bytes"', stretch, `"fromOwnerId" = ANY($1::uuid[]) AND "toOwnerId" = ANY($1::uuid[])`, params) +
      ` AS c GROUP BY 1, 2`,
    ...params,
  );
  const key = keyOf(stretch);
  for (const row of rows) into.set(`${key}|${row.from}|${row.to}`, BigInt(row.bytes));
}

async function carried(prisma: PrismaClient, stretch: Stretch, into: Map<string, NetworkOwnerShare[]>): Promise<void> {
  const params: unknown[] = [[...stretch.contentOwners]];
  // Components nobody owns (places, unknown hops) bill nobody.
  const rows = await prisma.$queryRawUnsafe<{ contentOwner: string; owner: string; slug: string; bytes: string }[]>(
    `SELECT t."contentOwnerId"::text AS "contentOwner", o."id"::text AS "owner", o."slug", sum(t."bytes")::text AS "bytes" FROM ` +
      counterRows('ComponentTraffic', 'ComponentTrafficDaily', '"componentId", "contentOwnerId", "bytes"', stretch, `"contentOwnerId" = ANY($1::uuid[])`, params) +
      ` AS t JOIN "NetworkComponent" c ON c."id" = t."componentId" JOIN "Organization" o ON o."id" = c."ownerId" ` +
      `GROUP BY 1, 2, 3 HAVING sum(t."bytes") > 0 ORDER BY 1, 3`,
    ...params,
  );
  const key = keyOf(stretch);
  for (const row of rows) {
    const shares = into.get(`${key}|${row.contentOwner}`) ?? [];
    shares.push({ ownerId: row.owner, slug: row.slug, bytes: BigInt(row.bytes) });
    into.set(`${key}|${row.contentOwner}`, shares);
  }
}

/** What each contract's uplink grant let its subscribers upload in the stretch (hours starting in it). */
async function uploads(prisma: PrismaClient, stretch: Stretch, into: Map<string, bigint>): Promise<void> {
  const rows = await prisma.$queryRawUnsafe<{ contract: string; bytes: string }[]>(
    `SELECT g."contractId"::text AS "contract", sum(t."bytes")::text AS "bytes" FROM "GrantTraffic" t JOIN "UplinkGrant" g ON g."id" = t."grantId"
     WHERE g."contractId" = ANY($1::uuid[]) AND t."bucket" >= $2::timestamp AND t."bucket" < $3::timestamp GROUP BY 1`,
    [...stretch.uplinkContracts],
    stretch.start.toISOString(),
    stretch.end.toISOString(),
  );
  const key = keyOf(stretch);
  for (const row of rows) into.set(`${key}|${row.contract}`, BigInt(row.bytes));
}

/** Reads everything asked for; the caller settles the counter journal first. */
export async function measure(prisma: PrismaClient, requests: UsageRequests): Promise<MeasuredUsage> {
  const objects = new Map<string, bigint>();
  const exchanged = new Map<string, bigint>();
  const shares = new Map<string, NetworkOwnerShare[]>();
  const uploaded = new Map<string, bigint>();
  const reads: Promise<void>[] = [];
  reads.push(objectBytes(prisma, [...requests.stretches.values()], objects));
  for (const stretch of requests.stretches.values()) {
    if (stretch.parties.size > 0) reads.push(crossings(prisma, stretch, exchanged));
    if (stretch.contentOwners.size > 0) reads.push(carried(prisma, stretch, shares));
    if (stretch.uplinkContracts.size > 0) reads.push(uploads(prisma, stretch, uploaded));
  }
  await Promise.all(reads);
  return new MeasuredUsage(objects, exchanged, shares, uploaded);
}
