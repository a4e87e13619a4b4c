// The counter tables and the deltas a batch adds to them. A batch's deltas are summed in memory
// by key, travel through the counter journal as arrays (counter-journal.ts), and are folded into
// the tables set-wise: one INSERT … SELECT … GROUP BY … ON CONFLICT DO UPDATE per table, rows in
// key order so that two folds touching the same counters lock them in the same order.

/** "Unknown" in a counter key, which may hold no nulls (see prisma/schema.prisma). */
export const UNKNOWN_ID = '00000000-0000-0000-0000-000000000000';

export interface CounterTable {
  name: string;
  /** Key columns with their SQL type, in the order `add` takes them; one is `bucket`. */
  keys: readonly (readonly [column: string, sqlType: string])[];
  /** Whether the table counts transfers as well as bytes. */
  transfers: boolean;
  /** The table keeping the same counters per UTC day, for long ranges. */
  daily?: string;
}

export const COMPONENT_TRAFFIC: CounterTable = {
  name: 'ComponentTraffic',
  keys: [['componentId', 'uuid'], ['bucket', 'timestamp(3)'], ['contentOwnerId', 'uuid'], ['contentId', 'uuid'], ['type', '"TransferType"']],
  transfers: true,
  daily: 'ComponentTrafficDaily',
};
export const CLIENT_TRAFFIC: CounterTable = {
  name: 'ClientTraffic',
  keys: [['clientId', 'uuid'], ['direction', '"TransferDirection"'], ['bucket', 'timestamp(3)'], ['contentOwnerId', 'uuid'], ['contentId', 'uuid'], ['type', '"TransferType"']],
  transfers: true,
  daily: 'ClientTrafficDaily',
};
export const NETWORK_TRAFFIC: CounterTable = {
  name: 'NetworkTraffic',
  keys: [['networkId', 'uuid'], ['direction', '"TransferDirection"'], ['bucket', 'timestamp(3)'], ['contentOwnerId', 'uuid'], ['contentId', 'uuid'], ['type', '"TransferType"']],
  transfers: true,
  daily: 'NetworkTrafficDaily',
};
export const OBJECT_USAGE: CounterTable = {
  name: 'AccountingObjectUsage',
  keys: [['accountingObjectId', 'uuid'], ['bucket', 'timestamp(3)']],
  transfers: true,
};
export const OBJECT_CONTENT: CounterTable = {
  name: 'AccountingObjectContent',
  keys: [['accountingObjectId', 'uuid'], ['bucket', 'timestamp(3)'], ['contentId', 'uuid']],
  transfers: false,
};
export const TRAFFIC_ROLLUP: CounterTable = {
  name: 'TrafficRollup',
  keys: [
    ['bucket', 'timestamp(3)'],
    ['sourceNetworkId', 'uuid'],
    ['destinationNetworkId', 'uuid'],
    ['sourceCountry', 'text'],
    ['destinationCountry', 'text'],
    ['contentOwnerId', 'uuid'],
    ['contentId', 'uuid'],
    ['type', '"TransferType"'],
    ['onNet', 'smallint'],
  ],
  transfers: true,
};
export const CROSSING_TRAFFIC: CounterTable = {
  name: 'CrossingTraffic',
  keys: [['fromOwnerId', 'uuid'], ['toOwnerId', 'uuid'], ['bucket', 'timestamp(3)'], ['contentOwnerId', 'uuid'], ['contentId', 'uuid'], ['type', '"TransferType"']],
  transfers: true,
  daily: 'CrossingTrafficDaily',
};

/** Bytes uploaded under each uplink grant: the coordinator's statements and caps. */
export const GRANT_TRAFFIC: CounterTable = {
  name: 'GrantTraffic',
  keys: [['grantId', 'uuid'], ['bucket', 'timestamp(3)']],
  transfers: true,
};

export const COUNTER_TABLES: readonly CounterTable[] = [COMPONENT_TRAFFIC, CLIENT_TRAFFIC, NETWORK_TRAFFIC, OBJECT_USAGE, OBJECT_CONTENT, TRAFFIC_ROLLUP, CROSSING_TRAFFIC, GRANT_TRAFFIC];

export interface Delta {
  key: string[];
  bytes: bigint;
  transfers: bigint;
}

/**
 * Key parts are joined with this into one string per counter row: in memory (a Map key) and in
 * the journal. No part holds it: ids, ISO instants, enum names, country codes and -1/0/1.
 */
export const KEY_SEPARATOR = '|';

/** A batch's deltas for one table, as the journal stores them: parallel arrays. */
export interface JournalTable {
  table: CounterTable;
  keys: string[];
  bytes: bigint[];
  transfers: bigint[];
}

/** Everything a batch adds to the counters. Key parts are strings; a bucket is an ISO instant. */
export class CounterDeltas {
  private readonly tables = new Map<CounterTable, Map<string, { bytes: bigint; transfers: bigint }>>();

  /** Adds to the counter keyed by `key`: its parts joined with KEY_SEPARATOR, in the table's key order. */
  add(table: CounterTable, key: string, bytes: bigint, transfers = 0n): void {
    let rows = this.tables.get(table);
    if (!rows) this.tables.set(table, (rows = new Map()));
    const row = rows.get(key);
    if (row) {
      row.bytes += bytes;
      row.transfers += transfers;
    } else {
      rows.set(key, { bytes, transfers });
    }
  }

  /** Rows for one table, as they will be written: for tests and for reading a batch's effect. */
  rows(table: CounterTable): Delta[] {
    return [...(this.tables.get(table) ?? [])].map(([key, { bytes, transfers }]) => ({ key: key.split(KEY_SEPARATOR), bytes, transfers }));
  }

  get isEmpty(): boolean {
    return this.tables.size === 0;
  }

  toJournal(): JournalTable[] {
    return [...this.tables].map(([table, rows]) => {
      const entry: JournalTable = { table, keys: [], bytes: [], transfers: [] };
      for (const [key, row] of rows) {
        entry.keys.push(key);
        entry.bytes.push(row.bytes);
        entry.transfers.push(row.transfers);
      }
      return entry;
    });
  }
}

const quoted = (name: string) => `"${name}"`;

/**
 * The statements that add the table's rows of the journal entries whose ids are `$1` (a bigint
 * array) to the table, and to its daily table: summed by key first, so each counter row is
 * written once however many batches touched it, and only then split into its columns.
 */
export function foldStatements(table: CounterTable): string[] {
  const parts = table.keys.map(([, type], i) => `split_part(d."key", '${KEY_SEPARATOR}', ${i + 1})${type === 'text' ? '' : `::${type}`} AS ${quoted(`k${i}`)}`);
  const counted = table.transfers ? ['bytes', 'transfers'] : ['bytes'];
  const perKey =
    `SELECT ${[...parts, ...counted.map((c) => `d.${quoted(c)}`)].join(', ')} FROM (` +
    `SELECT u."key", sum(u."bytes")::bigint AS "bytes", sum(u."transfers")::bigint AS "transfers" ` +
    `FROM "CounterJournal" j CROSS JOIN LATERAL unnest(j."keys", j."bytes", j."transfers") AS u("key", "bytes", "transfers") ` +
    `WHERE j."id" = ANY($1::bigint[]) AND j."table" = '${table.name}' GROUP BY u."key") d`;
  const statements = [upsert(table.name, table, `SELECT * FROM (${perKey}) h ORDER BY ${table.keys.map((_, i) => String(i + 1)).join(', ')}`)];
  if (table.daily) {
    // The same sums with each hour's bucket replaced by its day's, summed again.
    const columns = table.keys.map(([column], i) => (column === 'bucket' ? `date_trunc('day', h."k${i}")` : `h."k${i}"`));
    const sums = counted.map((c) => `sum(h.${quoted(c)})::bigint`);
    const positions = table.keys.map((_, i) => String(i + 1)).join(', ');
    statements.push(upsert(table.daily, table, `SELECT ${[...columns, ...sums].join(', ')} FROM (${perKey}) h GROUP BY ${positions} ORDER BY ${positions}`));
  }
  return statements;
}

/** INSERT … ON CONFLICT DO UPDATE adding what `select` gives to the counters there. */
function upsert(name: string, table: CounterTable, select: string): string {
  const columns = table.keys.map(([column]) => quoted(column));
  const counted = table.transfers ? ['bytes', 'transfers'] : ['bytes'];
  return (
    `INSERT INTO ${quoted(name)} (${[...columns, ...counted.map(quoted)].join(', ')}) ${select} ` +
    `ON CONFLICT (${columns.join(', ')}) DO UPDATE SET ${counted.map((c) => `${quoted(c)} = ${quoted(name)}.${quoted(c)} + EXCLUDED.${quoted(c)}`).join(', ')}`
  );
}
