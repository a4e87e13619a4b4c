// A transfer as a sender submits it, checked field by field. The same rules serve the GraphQL
// mutation (whose scalars arrive parsed) and the NDJSON stream (plain JSON: dates and byte counts
// as strings or numbers), so values are accepted in either form and every problem names the
// field. A transfer with a problem is rejected whole; its neighbours in the batch are not.
import { parseAddress } from '../path/address.ts';
import { MAX_HOPS } from '../path/service.ts';
import type { TransferType } from '../generated/prisma/enums.ts';

export const TRANSFER_TYPES: readonly TransferType[] = ['CDN_DOWNLOAD', 'PEER_UPLOAD', 'LIVE_STREAM'];
/** The longest idempotency key accepted: room for a UUID, a hash or a sender's own scheme. */
export const MAX_TRANSFER_ID_LENGTH = 200;
const MAX_AS_PATH = 64;
const MAX_BIGINT = 2n ** 63n - 1n;

/** What a sender says; every field is checked, whatever its type. */
export interface TransferSubmission {
  id?: unknown;
  source?: unknown;
  destination?: unknown;
  bytes?: unknown;
  startedAt?: unknown;
  endedAt?: unknown;
  content?: unknown;
  type?: unknown;
  peakRate?: unknown;
  averageRate?: unknown;
  asPath?: unknown;
  hops?: unknown;
  assignment?: unknown;
}

/** The content a transfer carried: by id, or by title and its owner's slug. */
export type ContentReference = { id: string } | { title: string; owner: string };

export interface ValidTransfer {
  /** Position in the batch or line in the stream, as the sender counts (from 0). */
  index: number;
  id: string;
  source: string;
  destination: string;
  bytes: bigint;
  startedAt: Date;
  endedAt: Date;
  content: ContentReference;
  type: TransferType;
  peakRate: bigint | null;
  averageRate: bigint | null;
  asPath: number[];
  hops: string[];
  /** The coordinator's assignment it carries out (its global id), if any. */
  assignment: string | null;
}

export type RejectionCode = 'INVALID' | 'NOT_FOUND';

export interface Rejection {
  index: number;
  id: string | null;
  field: string;
  message: string;
  code: RejectionCode;
}

class FieldProblem extends Error {
  constructor(
    readonly field: string,
    message: string,
    readonly code: RejectionCode = 'INVALID',
  ) {
    super(message);
  }
}

export function rejection(index: number, id: string | null, field: string, message: string, code: RejectionCode = 'INVALID'): Rejection {
  return { index, id, field, message, code };
}

function text(field: string, value: unknown, maxLength = 1000): string {
  if (typeof value !== 'string' || value.trim() === '') throw new FieldProblem(field, 'is required and must be a non-empty string.');
  if (value.length > maxLength) throw new FieldProblem(field, `is ${value.length} characters long; at most ${maxLength}.`);
  return value;
}

function address(field: string, value: unknown): string {
  const parsed = typeof value === 'string' ? parseAddress(value.trim()) : null;
  if (parsed === null) throw new FieldProblem(field, `${JSON.stringify(value)} is not an IPv4 or IPv6 address.`);
  return parsed.text;
}

function wholeNumber(field: string, value: unknown, { positive }: { positive: boolean }): bigint {
  let parsed: bigint | null = null;
  if (typeof value === 'bigint') parsed = value;
  else if (typeof value === 'number' && Number.isSafeInteger(value)) parsed = BigInt(value);
  else if (typeof value === 'string' && /^\d{1,19}$/.test(value.trim())) parsed = BigInt(value.trim());
  if (parsed === null) throw new FieldProblem(field, `${JSON.stringify(typeof value === 'bigint' ? String(value) : value)} is not a whole number (give large ones as a decimal string).`);
  if (positive ? parsed <= 0n : parsed < 0n) throw new FieldProblem(field, `must be ${positive ? 'greater than 0' : '0 or more'}; got ${parsed}.`);
  if (parsed > MAX_BIGINT) throw new FieldProblem(field, `${parsed} is larger than 2^63-1.`);
  return parsed;
}

function optionalWholeNumber(field: string, value: unknown): bigint | null {
  return value === undefined || value === null ? null : wholeNumber(field, value, { positive: false });
}

function instant(field: string, value: unknown): Date {
  // ISO 8601 with a zone, as the DateTime scalar demands; a bare "2026-11-01T10:00" is ambiguous.
  const date = value instanceof Date ? value : typeof value === 'string' && /(Z|[+-]\d\d:?\d\d)$/i.test(value.trim()) ? new Date(value.trim()) : null;
  if (date === null || Number.isNaN(date.getTime())) throw new FieldProblem(field, `${JSON.stringify(value)} is not an ISO 8601 date-time with a zone, e.g. 2026-11-01T18:30:00Z.`);
  return date;
}

function contentReference(value: unknown): ContentReference {
  if (typeof value !== 'object' || value === null) throw new FieldProblem('content', 'is required: { id } or { title, owner }.');
  const { id, title, owner } = value as { id?: unknown; title?: unknown; owner?: unknown };
  if (id !== undefined && id !== null) {
    if (title != null || owner != null) throw new FieldProblem('content', 'give either id, or title and owner, not both.');
    return { id: text('content.id', id) };
  }
  if (title == null && owner == null) throw new FieldProblem('content', 'is required: { id } or { title, owner }.');
  return { title: text('content.title', title), owner: text('content.owner', owner) };
}

function transferType(value: unknown): TransferType {
  const type = TRANSFER_TYPES.find((candidate) => candidate === value);
  if (type === undefined) throw new FieldProblem('type', `${JSON.stringify(value)} is not one of ${TRANSFER_TYPES.join(', ')}.`);
  return type;
}

function asPathOf(value: unknown): number[] {
  if (value === undefined || value === null) return [];
  if (!Array.isArray(value)) throw new FieldProblem('asPath', 'must be a list of AS numbers.');
  if (value.length > MAX_AS_PATH) throw new FieldProblem('asPath', `has ${value.length} entries; at most ${MAX_AS_PATH}.`);
  return value.map((number: unknown, i) => {
    if (typeof number !== 'number' || !Number.isInteger(number) || number < 1 || number > 0xffffffff) throw new FieldProblem(`asPath.${i}`, `${JSON.stringify(number)} is not an AS number.`);
    return number;
  });
}

function hopsOf(value: unknown): string[] {
  if (value === undefined || value === null) return [];
  if (!Array.isArray(value)) throw new FieldProblem('hops', 'must be a list of hostnames or addresses.');
  if (value.length > MAX_HOPS) throw new FieldProblem('hops', `has ${value.length} hops; at most ${MAX_HOPS}.`);
  return value.map((hop: unknown, i) => text(`hops.${i}`, hop, 253));
}

/** The transfer, checked; or why not, naming the first field at fault. */
export function validateTransfer(index: number, submission: TransferSubmission): ValidTransfer | Rejection {
  const id = typeof submission.id === 'string' && submission.id.trim() !== '' ? submission.id : null;
  try {
    const transfer: ValidTransfer = {
      index,
      id: text('id', submission.id, MAX_TRANSFER_ID_LENGTH),
      source: address('source', submission.source),
      destination: address('destination', submission.destination),
      bytes: wholeNumber('bytes', submission.bytes, { positive: true }),
      startedAt: instant('startedAt', submission.startedAt),
      endedAt: instant('endedAt', submission.endedAt),
      content: contentReference(submission.content),
      type: transferType(submission.type),
      peakRate: optionalWholeNumber('peakRate', submission.peakRate),
      averageRate: optionalWholeNumber('averageRate', submission.averageRate),
      asPath: asPathOf(submission.asPath),
      hops: hopsOf(submission.hops),
      assignment: submission.assignment === undefined || submission.assignment === null ? null : text('assignment', submission.assignment, 100),
    };
    if (transfer.endedAt < transfer.startedAt) throw new FieldProblem('endedAt', `${transfer.endedAt.toISOString()} is before startedAt ${transfer.startedAt.toISOString()}.`);
    return transfer;
  } catch (error) {
    if (error instanceof FieldProblem) return rejection(index, id, error.field, error.message, error.code);
    throw error;
  }
}

export function isRejection(result: ValidTransfer | Rejection): result is Rejection {
  return 'field' in result;
}
