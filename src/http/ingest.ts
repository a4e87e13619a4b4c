// POST /ingest: transfers as NDJSON, one per line, plain or gzip, recorded in batches as they
// arrive. The body is never held: lines are parsed as the bytes come, a batch is recorded (one
// transaction, acknowledged by its commit) before more is read, and the answer sums the batches.
// Line numbers are the `index` of rejections, as in a GraphQL batch.
import type http from 'node:http';
import type { Readable } from 'node:stream';
import { createGunzip } from 'node:zlib';
import type { RecordOutcome, TransferRecorder } from '../accounting/recorder.ts';
import { rejection, type Rejection, type TransferSubmission } from '../accounting/transfers.ts';
import type { PrismaClient } from '../generated/prisma/client.ts';
import { ErrorCode } from '../graphql/errors.ts';
import { fromGlobalId } from '../graphql/global-id.ts';
import type { Logger } from '../observability/logger.ts';
import { LineSplitter, type Line } from './ndjson.ts';
import type { IngestRequest, IngestResult } from './server.ts';

export interface IngestLimits {
  /** Transfers per recorded batch (one transaction each). */
  batchSize: number;
  /** The longest line read, in bytes without its line ending; a longer one is a rejection. */
  maxLineBytes: number;
  /** Rejections listed in the answer; `rejectedCount` has them all. */
  maxListedRejections: number;
  /** How long the server waits for the next bytes before it gives up on the sender. */
  idleTimeoutMs: number;
}

export const INGEST_LIMITS: IngestLimits = {
  batchSize: 2000,
  maxLineBytes: 64 * 1024,
  maxListedRejections: 1000,
  idleTimeoutMs: 60_000,
};

export interface IngestDeps {
  prisma: Pick<PrismaClient, 'organization'>;
  recorder: Pick<TransferRecorder, 'prepare' | 'commit'>;
  logger: Logger;
  limits?: Partial<IngestLimits>;
}

/** The answer: the GraphQL payload's fields, summed over the batches, with the list capped. */
export interface IngestAnswer {
  accepted: number;
  duplicates: number;
  /** The first `maxListedRejections` rejections, by line. */
  rejected: Rejection[];
  /** Every rejection, listed or not. */
  rejectedCount: number;
  /** Lines read, blank ones included. */
  lines: number;
}

type Refusal = Extract<IngestResult, { kind: 'refused' }>;

const refuse = (status: number, code: ErrorCode, message: string, extensions?: Record<string, unknown>): Refusal => ({
  kind: 'refused',
  status,
  code,
  message,
  ...(extensions ? { extensions } : {}),
});

/** Contents and assignments are named by the API's global ids, as in GraphQL. */
const contentRowId = (id: string): string | null => {
  const decoded = fromGlobalId(id);
  return decoded?.type === 'Content' ? decoded.id : null;
};
const assignmentRowId = (id: string): string | null => {
  const decoded = fromGlobalId(id);
  return decoded?.type === 'ContentAssignment' ? decoded.id : null;
};

export function createIngestHandler(deps: IngestDeps): (request: IngestRequest) => Promise<IngestResult> {
  const limits: IngestLimits = { ...INGEST_LIMITS, ...deps.limits };
  return async (request) => {
    const reporter = await reporterOf(request, deps.prisma);
    if (reporter.kind === 'refused') return reporter;
    const body = decodedBody(request.request);
    if ('kind' in body) return body;

    request.readyForBody();
    const started = performance.now();
    const outcome = await ingestLines(body, request.request, reporter.id, deps.recorder, limits);
    const { answer } = outcome;
    deps.logger.info(
      {
        requestId: request.requestId,
        reporter: reporter.slug,
        lines: answer.lines,
        accepted: answer.accepted,
        duplicates: answer.duplicates,
        rejected: answer.rejectedCount,
        seconds: Math.round(performance.now() - started) / 1000,
        ...(outcome.kind === 'done' ? {} : { stopped: outcome.kind === 'aborted' ? 'the client went away' : outcome.message }),
      },
      'ingest',
    );
    if (outcome.kind === 'done') return { kind: 'done', body: answer };
    if (outcome.kind === 'aborted') return { kind: 'aborted' };
    // Whatever was recorded stays recorded; the counts say how far it went.
    const { rejected: _listed, ...counts } = answer;
    return refuse(outcome.status, ErrorCode.BAD_REQUEST, `${outcome.message} ${whatHappened(answer)}`, counts);
  };
}

/**
 * Who the transfers are for: an AGENT key's own organization, or the one `?reporter=<slug>`
 * names (an ADMIN key must name one; an AGENT key may name only its own).
 */
async function reporterOf(request: IngestRequest, prisma: IngestDeps['prisma']): Promise<{ kind: 'reporter'; id: string; slug: string } | Refusal> {
  const { principal, query } = request;
  if (principal.role !== 'ADMIN' && principal.role !== 'AGENT') {
    return refuse(403, ErrorCode.FORBIDDEN, `${principal.role} keys may not record transfers; this needs ADMIN or AGENT.`);
  }
  const named = query.getAll('reporter');
  if (named.length > 1) return refuse(400, ErrorCode.BAD_REQUEST, 'Name one reporter: `reporter` is given more than once.');
  const slug = named[0]?.trim();
  if (!slug) {
    if (principal.organizationId === null) {
      return refuse(400, ErrorCode.BAD_REQUEST, 'An ADMIN key must name the reporting organization: POST /ingest?reporter=<slug>.');
    }
    const own = await prisma.organization.findUnique({ where: { id: principal.organizationId }, select: { slug: true } });
    if (own === null) return refuse(403, ErrorCode.FORBIDDEN, 'The organization of this key no longer exists.');
    return { kind: 'reporter', id: principal.organizationId, slug: own.slug };
  }
  const reporter = await prisma.organization.findUnique({ where: { slug }, select: { id: true } });
  if (reporter === null) return refuse(404, ErrorCode.NOT_FOUND, `No organization with slug "${slug}".`, { reporter: slug });
  if (principal.organizationId !== null && reporter.id !== principal.organizationId) {
    return refuse(403, ErrorCode.FORBIDDEN, `This AGENT key records for its own organization, not for ${slug}.`);
  }
  return { kind: 'reporter', id: reporter.id, slug };
}

/** The body's bytes as sent, or unpacked from gzip. */
function decodedBody(request: http.IncomingMessage): Readable | Refusal {
  const encoding = (request.headers['content-encoding'] ?? 'identity').trim().toLowerCase();
  if (encoding === 'identity' || encoding === '') return request;
  if (encoding !== 'gzip' && encoding !== 'x-gzip') {
    return refuse(415, ErrorCode.BAD_REQUEST, `Content-Encoding ${encoding} is not supported: send the body as it is, or gzip.`);
  }
  const gunzip = createGunzip();
  // A pipe does not pass the source's failure on: the client going away must end the reading.
  request.on('error', (error) => gunzip.destroy(error));
  request.on('close', () => {
    if (!request.complete) gunzip.destroy(new ClientGone());
  });
  return request.pipe(gunzip);
}

type Outcome = { answer: IngestAnswer } & ({ kind: 'done' } | { kind: 'aborted' } | { kind: 'stopped'; status: number; message: string });

/**
 * Reads, parses and records line by line. One batch commits while the next is read and prepared
 * (its paths resolved, its counters summed), and no more is read until that commit is done: the
 * database and this process work at the same time, and at most two batches are held.
 */
async function ingestLines(body: Readable, request: http.IncomingMessage, reporterId: string, recorder: IngestDeps['recorder'], limits: IngestLimits): Promise<Outcome> {
  const answer: IngestAnswer = { accepted: 0, duplicates: 0, rejected: [], rejectedCount: 0, lines: 0 };
  let batch: TransferSubmission[] = [];
  /** The line of each transfer in the batch: lines in between were blank or unreadable. */
  let lineOf: number[] = [];
  let lineRejections: Rejection[] = [];

  /** The lines of the chunk at hand: handled one by one, so that batches have their exact size. */
  const lines: Line[] = [];
  const splitter = new LineSplitter(limits.maxLineBytes, (line) => lines.push(line));
  const handle = (line: Line) => {
    if ('problem' in line) {
      lineRejections.push(rejection(line.index, null, 'line', line.problem));
      return;
    }
    if (line.text.trim() === '') return;
    let value: unknown;
    try {
      value = JSON.parse(line.text);
    } catch (error) {
      lineRejections.push(rejection(line.index, null, 'line', `is not valid JSON: ${(error as Error).message}`));
      return;
    }
    if (typeof value !== 'object' || value === null || Array.isArray(value)) {
      lineRejections.push(rejection(line.index, null, 'line', 'is not a JSON object: one transfer per line, as {"id": …, "source": …}.'));
      return;
    }
    const unknown = unknownField(value);
    if (unknown !== null) {
      const id = (value as { id?: unknown }).id;
      lineRejections.push(rejection(line.index, typeof id === 'string' ? id : null, unknown, `is not a field of a transfer (${TRANSFER_FIELDS.join(', ')}).`));
      return;
    }
    batch.push(value as TransferSubmission);
    lineOf.push(line.index);
  };
  const handleLines = async () => {
    for (const line of lines) {
      handle(line);
      // Unreadable lines count too, so that a stream of nothing else is not held either.
      if (batch.length + lineRejections.length >= limits.batchSize) await flush();
    }
    lines.length = 0;
  };

  /** The batch committing now, with its answer added once committed. */
  let committing: Promise<void> = Promise.resolve();
  const tally = (outcome: RecordOutcome, lines: readonly number[], lineProblems: readonly Rejection[]) => {
    answer.accepted += outcome.accepted;
    answer.duplicates += outcome.duplicates;
    // The recorder numbers a batch's transfers from 0; the sender numbers lines.
    const rejected = [...lineProblems, ...outcome.rejected.map((item) => ({ ...item, index: lines[item.index] ?? item.index }))];
    rejected.sort((a, b) => a.index - b.index);
    answer.rejectedCount += rejected.length;
    for (const item of rejected) {
      if (answer.rejected.length >= limits.maxListedRejections) break;
      answer.rejected.push(item);
    }
  };
  const flush = async () => {
    if (batch.length === 0 && lineRejections.length === 0) return;
    const [submissions, lines, lineProblems] = [batch, lineOf, lineRejections];
    batch = [];
    lineOf = [];
    lineRejections = [];
    const prepared = submissions.length === 0 ? null : await recorder.prepare(reporterId, submissions, { contentRowId, assignmentRowId });
    await committing;
    committing = (async () => tally(prepared === null ? { accepted: 0, duplicates: 0, rejected: [] } : await recorder.commit(prepared), lines, lineProblems))();
    // Its failure surfaces where it is awaited (the next flush or the end), not as unhandled.
    committing.catch(() => undefined);
  };

  const reader = new ChunkReader(body, limits.idleTimeoutMs);
  try {
    for (;;) {
      const chunk = await reader.read();
      if (chunk === null) break;
      splitter.push(chunk);
      answer.lines = splitter.lines;
      await handleLines();
    }
    splitter.end();
    answer.lines = splitter.lines;
    await handleLines();
    await flush();
    await committing;
    return { kind: 'done', answer };
  } catch (error) {
    if (!reader.failed(error)) {
      await committing.catch(() => undefined);
      throw error;
    }
    // What was read in full is recorded, the batch committing included; the line under way is not.
    if (error instanceof ClientGone || (!request.complete && request.destroyed)) {
      await committing;
      return { kind: 'aborted', answer };
    }
    await flush();
    await committing;
    if (error instanceof IdleTimeout) {
      return { kind: 'stopped', answer, status: 408, message: `No data arrived for ${limits.idleTimeoutMs / 1000} s after ${answer.lines} lines.` };
    }
    if (isZlibError(error)) return { kind: 'stopped', answer, status: 400, message: `The gzip body is not valid after ${answer.lines} lines (${error.message}).` };
    throw error;
  } finally {
    reader.close();
  }
}

/** TransferInput's fields: as in GraphQL, a misspelt one is an error rather than silently lost. */
const TRANSFER_FIELDS = ['id', 'source', 'destination', 'bytes', 'startedAt', 'endedAt', 'content', 'type', 'peakRate', 'averageRate', 'asPath', 'hops', 'assignment'] as const;
const CONTENT_FIELDS = ['id', 'title', 'owner'] as const;
const isTransferField = new Set<string>(TRANSFER_FIELDS);
const isContentField = new Set<string>(CONTENT_FIELDS);

/** The first field the object has that a transfer has not (`content.…` inside content), or null. */
function unknownField(value: object): string | null {
  for (const key in value) {
    if (!isTransferField.has(key)) return key;
  }
  const content = (value as { content?: unknown }).content;
  if (typeof content === 'object' && content !== null && !Array.isArray(content)) {
    for (const key in content) {
      if (!isContentField.has(key)) return `content.${key}`;
    }
  }
  return null;
}

function whatHappened(answer: IngestAnswer): string {
  return (
    `The lines before were recorded (${answer.accepted} accepted, ${answer.duplicates} duplicates, ${answer.rejectedCount} rejected); ` +
    'send them again with the rest: transfers already recorded count as duplicates.'
  );
}

function isZlibError(error: unknown): error is Error {
  return error instanceof Error && typeof (error as NodeJS.ErrnoException).code === 'string' && (error as NodeJS.ErrnoException).code!.startsWith('Z_');
}

/** The client closed the connection before the body was complete. */
class ClientGone extends Error {
  constructor() {
    super('the client closed the connection');
  }
}

class IdleTimeout extends Error {}

/**
 * Chunks from a stream, one `read()` at a time: nothing is read in between, so a slow consumer
 * holds the sender back (TCP flow control) instead of buffering. Unlike an async iterator it
 * never destroys the stream, which for a request would close the connection before the answer.
 */
class ChunkReader {
  private ended = false;
  private failure: Error | null = null;
  private wake: (() => void) | null = null;
  private readonly onReadable = () => this.wake?.();
  private readonly onEnd = () => {
    this.ended = true;
    this.wake?.();
  };
  private readonly onError = (error: Error) => {
    this.failure ??= error;
    this.wake?.();
  };
  private readonly onClose = () => {
    if (!this.ended) this.failure ??= new ClientGone();
    this.wake?.();
  };

  constructor(
    private readonly stream: Readable,
    private readonly idleTimeoutMs: number,
  ) {
    stream.on('readable', this.onReadable);
    stream.on('end', this.onEnd);
    stream.on('error', this.onError);
    stream.on('close', this.onClose);
  }

  /** The next bytes, or null at the end. */
  async read(): Promise<Buffer | null> {
    for (;;) {
      if (this.failure) throw this.failure;
      const chunk = this.stream.read() as Buffer | null;
      if (chunk !== null) return chunk;
      if (this.ended) return null;
      await new Promise<void>((resolve) => {
        const timer = setTimeout(() => {
          this.failure ??= new IdleTimeout();
          resolve();
        }, this.idleTimeoutMs);
        this.wake = () => {
          clearTimeout(timer);
          this.wake = null;
          resolve();
        };
      });
    }
  }

  /** Whether `error` is why reading failed (rather than something done with what was read). */
  failed(error: unknown): boolean {
    return error !== null && error === this.failure;
  }

  close(): void {
    this.stream.off('readable', this.onReadable);
    this.stream.off('end', this.onEnd);
    this.stream.off('error', this.onError);
    this.stream.off('close', this.onClose);
  }
}
