// Counter deltas: summed in memory over a whole batch, then written set-wise, one statement per
// table (INSERT … SELECT FROM unnest(…) ON CONFLICT DO UPDATE adding to what is there). Rows go
// in key order so that two batches touching the same counters lock them in the same order and
// cannot deadlock each other.
import type { Prisma } from '../generated/prisma/client.ts';

/** "Unknown" in a counter key, which may hold no nulls (see prisma/schema.prisma). */
export const UNKNOWN_ID = '00000000-0000-0000-0000-000000000000';

interface CounterTable {
  name: string;
  /** Key columns with their SQL array type, in the order `add` takes them. */
  keys: readonly (readonly [column: string, sqlType: string])[];
  transfers: boolean;
}

export const COMPONENT_TRAFFIC: CounterTable = {
  name: 'ComponentTraffic',
  keys: [['componentId', 'uuid'], ['bucket', 'timestamp(3)'], ['contentOwnerId', 'uuid'], ['contentId', 'uuid'], ['type', '"TransferType"']],
  transfers: true,
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
};

interface Delta {
  key: string[];
  bytes: bigint;
  transfers: bigint;
}

/** Deltas for one table, summed by key. */
class TableDeltas {
  readonly rows = new Map<string, Delta>();
  constructor(readonly table: CounterTable) {}

  add(key: string[], bytes: bigint, transfers: bigint): void {
    const id = key.join('|');
    const row = this.rows.get(id);
    if (row) {
      row.bytes += bytes;
      row.transfers += transfers;
    } else {
      this.rows.set(id, { key, bytes, transfers });
    }
  }
}

/** Everything a batch adds to the counters. Key parts are strings; a bucket is an ISO instant. */
export class CounterDeltas {
  private readonly tables = new Map<CounterTable, TableDeltas>();

  add(table: CounterTable, key: string[], bytes: bigint, transfers = 0n): void {
    let deltas = this.tables.get(table);
    if (!deltas) this.tables.set(table, (deltas = new TableDeltas(table)));
    deltas.add(key, bytes, transfers);
  }

  /** Rows per table, as they will be written: for tests and for reading a batch's effect. */
  rows(table: CounterTable): Delta[] {
    return [...(this.tables.get(table)?.rows.values() ?? [])];
  }

  async write(tx: Prisma.TransactionClient): Promise<void> {
    for (const deltas of this.tables.values()) await writeTable(tx, deltas);
  }
}

async function writeTable(tx: Prisma.TransactionClient, deltas: TableDeltas): Promise<void> {
  const { table } = deltas;
  const rows = [...deltas.rows.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([, row]) => row);
  if (rows.length === 0) return;
  const columns = table.keys.map(([column]) => column);
  const types = table.keys.map(([, type]) => type);
  const params: string[][] = table.keys.map((_, i) => rows.map((row) => row.key[i]!));
  columns.push('bytes');
  types.push('bigint');
  params.push(rows.map((row) => row.bytes.toString()));
  if (table.transfers) {
    columns.push('transfers');
    types.push('bigint');
    params.push(rows.map((row) => row.transfers.toString()));
  }
  const quoted = (column: string) => `"${column}"`;
  const added = (table.transfers ? ['bytes', 'transfers'] : ['bytes']).map((column) => `${quoted(column)} = ${quoted(table.name)}.${quoted(column)} + EXCLUDED.${quoted(column)}`);
  const sql =
    `INSERT INTO ${quoted(table.name)} (${columns.map(quoted).join(', ')}) ` +
    `SELECT * FROM unnest(${types.map((type, i) => `$${i + 1}::text[]::${type}[]`).join(', ')}) ` +
    `ON CONFLICT (${table.keys.map(([column]) => quoted(column)).join(', ')}) DO UPDATE SET ${added.join(', ')}`;
  await tx.$executeRawUnsafe(sql, ...params);
}
