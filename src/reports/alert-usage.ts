// Usage of many accounting objects over many periods in one statement per measure, for alert
// evaluation: thousands of rules must not cost thousands of queries. The semantics are the
// traffic API's for an accounting object (traffic/report.ts): an hourly counter counts when its
// hour starts in [start, end); files are the distinct contents counted in those hours.
import { arrayLiteral } from '../accounting/event-rows.ts';
import type { TrafficStore } from '../traffic/report.ts';

export interface UsageWindow {
  accountingObjectId: string;
  start: Date;
  end: Date;
}

export interface Usage {
  bytes: bigint;
  transfers: bigint;
  files: number;
}

export const windowKey = (window: UsageWindow) => `${window.accountingObjectId}|${window.start.toISOString()}|${window.end.toISOString()}`;

/**
 * The usage in each window, by `windowKey`, settled first so every batch acknowledged before the
 * call is in it. A window whose accounting object no longer exists is left out. `files` is only
 * counted for the windows in `filesFor` (distinct contents cost more than sums); others get 0.
 */
export async function objectUsage(store: TrafficStore, windows: readonly UsageWindow[], filesFor: ReadonlySet<string> = new Set()): Promise<Map<string, Usage>> {
  const unique = [...new Map(windows.map((window) => [windowKey(window), window])).values()];
  if (unique.length === 0) return new Map();
  await store.counters.settle();
  const withFiles = unique.filter((window) => filesFor.has(windowKey(window)));
  const [sums, files] = await Promise.all([
    perWindow<{ bytes: string; transfers: string }>(store, unique, `coalesce(sum(u."bytes"), 0)::text AS "bytes", coalesce(sum(u."transfers"), 0)::text AS "transfers"`, 'AccountingObjectUsage'),
    withFiles.length === 0 ? [] : perWindow<{ files: number }>(store, withFiles, `count(DISTINCT u."contentId")::int AS "files"`, 'AccountingObjectContent'),
  ]);
  const filesByKey = new Map(files.map((row) => [windowKey(withFiles[row.i - 1]!), row.files]));
  return new Map(
    sums.map((row) => {
      const key = windowKey(unique[row.i - 1]!);
      return [key, { bytes: BigInt(row.bytes), transfers: BigInt(row.transfers), files: filesByKey.get(key) ?? 0 }];
    }),
  );
}

/** One row per window (`i`, from 1, in the order given) whose object exists, with `measures` over its counters. */
function perWindow<Row>(store: TrafficStore, windows: readonly UsageWindow[], measures: string, table: 'AccountingObjectUsage' | 'AccountingObjectContent'): Promise<(Row & { i: number })[]> {
  // Columns travel as array literals (as the recorder's do); timestamps as ISO instants, which a
  // timestamp without zone reads as UTC, the columns' convention.
  return store.prisma.$queryRawUnsafe<(Row & { i: number })[]>(
    `SELECT w."i"::int AS "i", ${measures} ` +
      `FROM unnest($1::uuid[], $2::timestamp[], $3::timestamp[]) WITH ORDINALITY AS w("objectId", "start", "end", "i") ` +
      `JOIN "AccountingObject" o ON o."id" = w."objectId" ` +
      `LEFT JOIN "${table}" u ON u."accountingObjectId" = w."objectId" AND u."bucket" >= w."start" AND u."bucket" < w."end" ` +
      `GROUP BY w."i"`,
    arrayLiteral(windows.map((window) => window.accountingObjectId)),
    arrayLiteral(windows.map((window) => window.start.toISOString())),
    arrayLiteral(windows.map((window) => window.end.toISOString())),
  );
}
