// Storing a batch's transfer events in one statement. Prisma's createMany spends about a
// millisecond per row building its query (two seconds for a batch of 2,000, measured), more than
// everything else recording does; one INSERT … SELECT FROM unnest(…) of column arrays costs a
// few dozen milliseconds for the same rows.
import { randomBytes } from 'node:crypto';
import type { Prisma } from '../generated/prisma/client.ts';
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
}

/**
 * A UUID version 7 (RFC 9562): milliseconds first, so rows inserted together sit together in the
 * primary key's index, as Prisma's own uuid(7) default does.
 */
export function uuidV7(now = Date.now()): string {
  const bytes = randomBytes(16);
  bytes.writeUIntBE(now, 0, 6);
  bytes[6] = (bytes[6]! & 0x0f) | 0x70;
  bytes[8] = (bytes[8]! & 0x3f) | 0x80;
  const hex = bytes.toString('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

/** A PostgreSQL array literal of strings, each quoted: the element type is cast in SQL. */
function arrayLiteral(values: readonly (string | number)[]): string {
  return `{${values.map((value) => `"${String(value).replace(/["\\]/g, '\\$&')}"`).join(',')}}`;
}

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
  ['asPath', 'integer[]', (row) => arrayLiteral(row.asPath)],
  ['hops', 'text[]', (row) => arrayLiteral(row.hops)],
  ['path', 'uuid[]', (row) => arrayLiteral(row.path)],
  ['onNet', 'boolean', (row) => (row.onNet === null ? null : String(row.onNet))],
  ['sourceCountry', 'text', (row) => row.sourceCountry],
  ['destinationCountry', 'text', (row) => row.destinationCountry],
];

/**
 * Inserts the events a reporter has not sent before (by reporter and external id) and returns
 * the new ones' ids by external id: the transfers to count. Every column travels as a text array
 * and is cast in SQL, arrays of arrays included (unnest would flatten those); the embedded
 * database's driver takes no other array parameters reliably.
 */
export async function insertNewEvents(tx: Prisma.TransactionClient, rows: readonly EventRow[]): Promise<Map<string, string>> {
  if (rows.length === 0) return new Map();
  // In id order: two batches that share ids then wait for each other's rows in the same order
  // instead of each holding one the other needs.
  rows = [...rows].sort((a, b) => (a.externalId < b.externalId ? -1 : a.externalId > b.externalId ? 1 : 0));
  const ids = rows.map(() => uuidV7());
  const params = COLUMNS.map(([, , value]) => rows.map((row, i) => value(row, ids[i]!)));
  const names = COLUMNS.map(([column]) => `"${column}"`);
  const aliases = COLUMNS.map((_, i) => `c${i}`);
  const sql =
    `INSERT INTO "TransferEvent" (${names.join(', ')}) ` +
    `SELECT ${COLUMNS.map(([, type], i) => `c${i}::${type}`).join(', ')} ` +
    `FROM unnest(${COLUMNS.map((_, i) => `$${i + 1}::text[]`).join(', ')}) AS t(${aliases.join(', ')}) ` +    `ON CONFLICT ("reporterId", "externalId") DO NOTHING RETURNING "id", "externalId"`;
  const inserted = await tx.$queryRawUnsafe<{ id: string; externalId: string }[]>(sql, ...params);
  return new Map(inserted.map((row) => [row.externalId, row.id]));
}
