// Storing a batch's transfer events in one statement. Prisma's createMany spends about a
// millisecond per row building its query (two seconds for a batch of 2,000, measured), more than
// everything else recording does; one INSERT … SELECT FROM unnest(…) of column arrays through
// the driver costs a few dozen milliseconds for the same rows.
import { randomFillSync } from 'node:crypto';
import type { SqlRunner } from '../db/raw-sql.ts';
import type { TransferType } from '../generated/prisma/enums.ts';

export interface EventRow {
  reporterId: string;
  externalId: string;
  sourceAddress: string;
  destinationAddress: string;
  sourceClientId: string | null;
  destinationClientId: string | null;
  sourceNetworkId: string | null;
  destinationNetworkId: string | null;
  bytes: bigint;
  startedAt: Date;
  endedAt: Date;
  contentId: string;
  contentOwnerId: string | null;
  type: TransferType;
  peakRate: bigint | null;
  averageRate: bigint | null;
  asPath: readonly number[];
  hops: readonly string[];
  path: readonly string[];
  onNet: boolean | null;
  sourceCountry: string | null;
  destinationCountry: string | null;
  assignmentId: string | null;
  grantId: string | null;
}

// Random bytes drawn from the system in blocks: one call per id cost more than the rest of
// making the id (a batch of 2,000 events spent ~30 ms in it).
const POOL_SIZE = 16 * 1024;
const pool = Buffer.alloc(POOL_SIZE);
let poolOffset = POOL_SIZE;

function randomBytesFromPool(size: number): Buffer {
  if (poolOffset + size > POOL_SIZE) {
    randomFillSync(pool);
    poolOffset = 0;
  }
  const bytes = pool.subarray(poolOffset, poolOffset + size);
  poolOffset += size;
  return bytes;
}

/**
 * A UUID version 7 (RFC 9562): milliseconds first, so rows inserted together sit together in the
 * primary key's index, as Prisma's own uuid(7) default does.
 */
export function uuidV7(now = Date.now()): string {
  const bytes = randomBytesFromPool(16);
  bytes.writeUIntBE(now, 0, 6);
  bytes[6] = (bytes[6]! & 0x0f) | 0x70;
  bytes[8] = (bytes[8]! & 0x3f) | 0x80;
  const hex = bytes.toString('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

/** A PostgreSQL array literal; elements are quoted only when they need it (rarely: ids and dates never do). */
export function arrayLiteral(values: readonly (string | number | null)[]): string {
  let text = '{';
  for (let i = 0; i < values.length; i++) {
    if (i > 0) text += ',';
    const value = values[i] as string | number | null;
    if (value === null) text += 'NULL';
    else if (typeof value === 'number') text += String(value);
    else text += NEEDS_QUOTES.test(value) ? `"${value.replace(/["\\]/g, '\\$&')}"` : value;
  }
  return text + '}';
}
// Empty, NULL, or holding what array syntax gives a meaning: such elements are quoted.
const NEEDS_QUOTES = /^$|^null$|[{}",\\\s]/i;

const COLUMNS: readonly (readonly [column: string, sqlType: string, value: (row: EventRow, id: string) => string | null])[] = [
  ['id', 'uuid', (_, id) => id],
  ['reporterId', 'uuid', (row) => row.reporterId],
  ['externalId', 'text', (row) => row.externalId],
  ['sourceAddress', 'text', (row) => row.sourceAddress],
  ['destinationAddress', 'text', (row) => row.destinationAddress],
  ['sourceClientId', 'uuid', (row) => row.sourceClientId],
  ['destinationClientId', 'uuid', (row) => row.destinationClientId],
  ['sourceNetworkId', 'uuid', (row) => row.sourceNetworkId],
  ['destinationNetworkId', 'uuid', (row) => row.destinationNetworkId],
  ['bytes', 'bigint', (row) => row.bytes.toString()],
  ['startedAt', 'timestamp(3)', (row) => row.startedAt.toISOString()],
  ['endedAt', 'timestamp(3)', (row) => row.endedAt.toISOString()],
  ['contentId', 'uuid', (row) => row.contentId],
  ['contentOwnerId', 'uuid', (row) => row.contentOwnerId],
  ['type', '"TransferType"', (row) => row.type],
  ['peakRate', 'bigint', (row) => row.peakRate?.toString() ?? null],
  ['averageRate', 'bigint', (row) => row.averageRate?.toString() ?? null],
  // Arrays of arrays would be flattened by unnest: these travel as array literals, cast per row.
  ['asPath', 'integer[]', (row) => arrayLiteral(row.asPath)],
  ['hops', 'text[]', (row) => arrayLiteral(row.hops)],
  ['path', 'uuid[]', (row) => arrayLiteral(row.path)],
  ['onNet', 'boolean', (row) => (row.onNet === null ? null : String(row.onNet))],
  ['sourceCountry', 'text', (row) => row.sourceCountry],
  ['destinationCountry', 'text', (row) => row.destinationCountry],
  ['assignmentId', 'uuid', (row) => row.assignmentId],
  ['grantId', 'uuid', (row) => row.grantId],
];

// Timestamps travel as ISO instants ("…Z"), which a timestamp without zone reads as UTC, the
// columns' convention.
const INSERT =
  `INSERT INTO "TransferEvent" (${COLUMNS.map(([column]) => `"${column}"`).join(', ')}) ` +
  `SELECT ${COLUMNS.map(([, type], i) => (type === 'text' ? `c${i}` : `c${i}::${type}`)).join(', ')} ` +
  `FROM unnest(${COLUMNS.map((_, i) => `$${i + 1}::text[]`).join(', ')}) AS t(${COLUMNS.map((_, i) => `c${i}`).join(', ')}) ` +
  `ON CONFLICT ("reporterId", "externalId") DO NOTHING RETURNING "id"::text AS "id", "externalId"`;

/**
 * Inserts the events a reporter has not sent before (by reporter and external id) and returns
 * the new ones' ids by external id: the transfers to count. Each column travels as one text
 * array literal built here, which the server reads faster than a JSON document of the same rows
 * (measured: 50 against 70 ms for 2,000) and which costs the client a string join.
 */
export async function insertNewEvents(tx: SqlRunner, rows: readonly EventRow[]): Promise<Map<string, string>> {
  if (rows.length === 0) return new Map();
  // In id order: two batches that share ids then wait for each other's rows in the same order
  // instead of each holding one the other needs.
  const sorted = [...rows].sort((a, b) => (a.externalId < b.externalId ? -1 : a.externalId > b.externalId ? 1 : 0));
  const ids = sorted.map(() => uuidV7());
  const params = COLUMNS.map(([, , value]) => arrayLiteral(sorted.map((row, i) => value(row, ids[i]!))));
  const inserted = await tx.query<{ id: string; externalId: string }>(INSERT, params);
  return new Map(inserted.map((row) => [row.externalId, row.id]));
}
