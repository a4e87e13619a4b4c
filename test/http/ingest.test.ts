// The /ingest route on the HTTP server with a recorder of the test's own: batches and their line
// numbers, the cap on listed rejections, backpressure while a batch is recorded, a client that
// goes away, one that stalls, and `Expect: 100-continue`.
import http from 'node:http';
import { Writable } from 'node:stream';
import { buildSchema } from 'graphql';
import { afterEach, describe, expect, it } from 'vitest';
import type { PreparedBatch, RecordOutcome } from '../../src/accounting/recorder.ts';
import { isRejection, validateTransfer, type TransferSubmission } from '../../src/accounting/transfers.ts';
import type { Principal } from '../../src/auth/principal.ts';
import { loadConfig } from '../../src/config.ts';
import { createIngestHandler, type IngestLimits } from '../../src/http/ingest.ts';
import { createHttpServer, listen, type HttpServer } from '../../src/http/server.ts';
import { createLogger } from '../../src/observability/logger.ts';
import { createMetrics } from '../../src/observability/metrics.ts';

const AGENT_KEY = 'pl_agent';
const agent: Principal = { keyId: 'key-1', keyName: 'agent', role: 'AGENT', organizationId: 'org-142' };

/** Records nothing: checks each transfer as the real recorder does and counts the valid ones. */
class FakeRecorder {
  /** The size of each batch prepared, in order. */
  readonly batches: number[] = [];
  /** The size of each batch committed. */
  readonly committed: number[] = [];
  /** While set, `commit` waits for it. */
  gate: Promise<void> | null = null;
  onRecord: (() => void) | null = null;

  async prepare(_reporterId: string, submissions: readonly TransferSubmission[]): Promise<PreparedBatch> {
    this.batches.push(submissions.length);
    this.onRecord?.();
    return { submissions } as unknown as PreparedBatch;
  }

  async commit(prepared: PreparedBatch): Promise<RecordOutcome> {
    const { submissions } = prepared as unknown as { submissions: readonly TransferSubmission[] };
    if (this.gate) await this.gate;
    this.committed.push(submissions.length);
    const results = submissions.map((submission, position) => validateTransfer(position, submission));
    return { accepted: results.filter((result) => !isRejection(result)).length, duplicates: 0, rejected: results.filter(isRejection) };
  }
}

interface Harness {
  url: string;
  recorder: FakeRecorder;
  logs: Record<string, unknown>[];
}

const running: HttpServer[] = [];
afterEach(async () => {
  await Promise.all(running.splice(0).map((server) => server.close()));
});

async function start(limits: Partial<IngestLimits> = {}): Promise<Harness> {
  const config = loadConfig({ PATHLEDGER_RATE_LIMIT: '0', PATHLEDGER_MAX_BODY_BYTES: '1024', LOG_LEVEL: 'info', PATHLEDGER_SHUTDOWN_TIMEOUT_MS: '1000' });
  const logs: Record<string, unknown>[] = [];
  const logger = createLogger(
    config,
    new Writable({
      write(chunk: Buffer, _encoding, done) {
        for (const line of chunk.toString('utf8').split('\n')) if (line) logs.push(JSON.parse(line) as Record<string, unknown>);
        done();
      },
    }),
  );
  const recorder = new FakeRecorder();
  const prisma = {
    organization: {
      findUnique: async ({ where }: { where: { id?: string; slug?: string } }) =>
        where.id === 'org-142' || where.slug === 'distributor-142' ? { id: 'org-142', slug: 'distributor-142' } : null,
    },
  };
  const server = await createHttpServer({
    config,
    logger,
    metrics: createMetrics(),
    schema: buildSchema('type Query { hello: String }'),
    db: { ping: async () => {}, poolStats: () => null },
    authenticate: async (token) => (token === AGENT_KEY ? agent : null),
    createContext: () => ({}),
    ingest: createIngestHandler({ prisma: prisma as never, recorder, logger, limits }),
  });
  running.push(server);
  const { url } = await listen(server, 0, '127.0.0.1');
  return { url, recorder, logs };
}

const transfer = (id: string, extra: Record<string, unknown> = {}) => ({
  id,
  source: '23.72.14.2',
  destination: '73.162.40.110',
  bytes: '4000',
  startedAt: '2026-11-12T20:00:00Z',
  endedAt: '2026-11-12T20:10:00Z',
  content: { title: 'Hamlet', owner: 'moviestudio' },
  type: 'CDN_DOWNLOAD',
  ...extra,
});

async function post(url: string, body: RequestInit['body']) {
  const response = await fetch(`${url}/ingest`, { method: 'POST', headers: { authorization: `Bearer ${AGENT_KEY}` }, body, duplex: 'half' } as RequestInit);
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  return { status: response.status, body: (await response.json()) as any };
}

/** A request written by hand, to stall it or cut it off. */
function openRequest(url: string, headers: Record<string, string> = {}) {
  const request = http.request(`${url}/ingest`, { method: 'POST', headers: { authorization: `Bearer ${AGENT_KEY}`, ...headers }, agent: false });
  const response = new Promise<{ status: number; body: string; continued: boolean }>((resolve, reject) => {
    let continued = false;
    request.on('continue', () => (continued = true));
    request.on('response', (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => (body += chunk));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body, continued }));
    });
    request.on('error', reject);
  });
  return { request, response };
}

const line = (item: unknown) => `${JSON.stringify(item)}\n`;
const until = async (condition: () => boolean) => {
  for (let waited = 0; !condition(); waited += 10) {
    if (waited > 10_000) throw new Error('timed out waiting');
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
};

describe('/ingest batches', () => {
  it('records batch by batch and numbers rejections by line across batches', async () => {
    const { url, recorder } = await start({ batchSize: 4 });
    const lines = Array.from({ length: 14 }, (_, i) => line(transfer(`t-${i}`)));
    lines[2] = 'nope\n';
    lines[6] = '\n';
    lines[9] = line(transfer('t-9', { bytes: -1 }));
    lines[13] = line(transfer('t-13', { type: 'FAX' })).trimEnd();
    const { body } = await post(url, lines.join(''));
    expect(body).toMatchObject({ accepted: 10, duplicates: 0, rejectedCount: 3, lines: 14 });
    expect(body.rejected.map((r: { index: number; field: string }) => [r.index, r.field])).toEqual([
      [2, 'line'],
      [9, 'bytes'],
      [13, 'type'],
    ]);
    // A batch is recorded once 4 lines are in hand (unreadable ones count), whatever the chunks.
    expect(recorder.batches).toEqual([3, 4, 4, 1]);
  });

  it('lists the first rejections and counts them all', async () => {
    const { url } = await start({ maxListedRejections: 3, batchSize: 2 });
    const { body } = await post(url, 'x\n'.repeat(10) + line(transfer('ok')));
    expect(body).toMatchObject({ accepted: 1, rejectedCount: 10, lines: 11 });
    expect(body.rejected.map((r: { index: number }) => r.index)).toEqual([0, 1, 2]);
  });
});

describe('/ingest streaming', () => {
  it('reads no further than the next batch while one is being recorded', async () => {
    const { url, recorder } = await start({ batchSize: 1000 });
    let release!: () => void;
    recorder.gate = new Promise((resolve) => (release = resolve));
    const encoder = new TextEncoder();
    const total = 160_000; // lines, about 40 MB
    let produced = 0;
    let bytes = 0;
    const stream = new ReadableStream<Uint8Array>({
      pull(controller) {
        if (produced >= total) return controller.close();
        let text = '';
        for (let n = 0; n < 1000; n++) text += line(transfer(`line-${produced++}`));
        const chunk = encoder.encode(text);
        bytes += chunk.length;
        controller.enqueue(chunk);
      },
    });
    const answer = post(url, stream);
    // The first batch commits (held at the gate) while the second is read and prepared; then
    // nothing more is read.
    await until(() => recorder.batches.length === 2);
    await new Promise((resolve) => setTimeout(resolve, 500));
    // Socket buffers and the streams' high-water marks, not the 40 MB body.
    expect(bytes).toBeLessThan(12_000_000);
    expect(recorder.batches).toHaveLength(2);
    expect(recorder.committed).toHaveLength(0);
    release();
    recorder.gate = null;
    const { status, body } = await answer;
    expect(status).toBe(200);
    expect(body).toMatchObject({ lines: total, accepted: total, rejectedCount: 0 });
    expect(recorder.batches).toHaveLength(total / 1000);
  });

  it('stops when the client goes away, after the batches it had recorded', async () => {
    const { url, recorder, logs } = await start({ batchSize: 10 });
    const { request, response } = openRequest(url);
    response.catch(() => undefined);
    request.write(Array.from({ length: 25 }, (_, i) => line(transfer(`c-${i}`))).join(''));
    await until(() => recorder.batches.length === 2);
    request.destroy();
    await until(() => logs.some((entry) => entry.msg === 'ingest'));
    const entry = logs.find((e) => e.msg === 'ingest')!;
    expect(entry).toMatchObject({ lines: 25, accepted: 20, stopped: 'the client went away' });
    expect(recorder.batches).toEqual([10, 10]);
    expect(logs.find((e) => e.msg === 'request' && e.path === '/ingest')).toMatchObject({ status: 499 });
  });

  it('gives up on a client that stops sending, saying how far it got', async () => {
    const { url } = await start({ idleTimeoutMs: 300 });
    const { request, response } = openRequest(url);
    request.write(line(transfer('s-1')) + line(transfer('s-2')) + '{"id": "s-3", ');
    const { status, body } = await response;
    expect(status).toBe(408);
    const error = JSON.parse(body).errors[0];
    expect(error.message).toMatch(/^No data arrived for 0.3 s after 2 lines\. The lines before were recorded \(2 accepted/);
    expect(error.extensions).toEqual({ code: 'BAD_REQUEST', accepted: 2, duplicates: 0, rejectedCount: 0, lines: 2 });
    request.destroy();
  });

  it('answers `Expect: 100-continue` only when the key may send', async () => {
    const { url } = await start();
    const refused = openRequest(url, { expect: '100-continue', authorization: 'Bearer pl_wrong' });
    refused.request.flushHeaders();
    const answer = await refused.response;
    expect([answer.status, answer.continued]).toEqual([401, false]);
    refused.request.destroy();

    const accepted = openRequest(url, { expect: '100-continue' });
    accepted.request.on('continue', () => accepted.request.end(line(transfer('e-1'))));
    accepted.request.flushHeaders();
    const done = await accepted.response;
    expect([done.status, done.continued, JSON.parse(done.body).accepted]).toEqual([200, true, 1]);
  });
});
