// POST /ingest through the real server on the demo world: NDJSON and gzip, line numbers in
// rejections, idempotent resends, a body far over PATHLEDGER_MAX_BODY_BYTES, a line over the cap,
// and who may send for whom.
import { gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ensureDemoWorld } from '../../src/db/demo-world.ts';
import { startTestApi, type TestApi } from '../support/api.ts';

/** Small, so that the ingest bodies below are far over it (they are never held whole). */
const MAX_BODY_BYTES = 16 * 1024;

let api: TestApi;
let base: string;
let agent142: string;

beforeAll(async () => {
  api = await startTestApi({ PATHLEDGER_MAX_BODY_BYTES: String(MAX_BODY_BYTES) });
  base = api.url.replace(/\/graphql$/, '');
  await ensureDemoWorld(api.db.prisma);
  agent142 = await api.keyFor('AGENT', 'distributor-142');
});
afterAll(() => api?.close());

/** Distributor 142's Frankfurt node sends to the demo clients, Hamlet or Robin Hood. */
const CLIENTS = ['79.214.61.102', '84.173.22.104', '73.162.40.110'];
const transfer = (id: string, i = 0, extra: Record<string, unknown> = {}) => ({
  id,
  source: '23.72.14.2',
  destination: CLIENTS[i % CLIENTS.length],
  bytes: i % 2 === 0 ? String(1000 + i) : 1000 + i,
  startedAt: '2026-11-12T20:00:00Z',
  endedAt: '2026-11-12T20:10:00Z',
  content: { title: i % 2 === 0 ? 'Hamlet' : 'RobinHood', owner: 'moviestudio' },
  type: 'CDN_DOWNLOAD',
  ...extra,
});

interface Answer {
  accepted: number;
  duplicates: number;
  rejected: { index: number; id: string | null; field: string; message: string; code: string }[];
  rejectedCount: number;
  lines: number;
}

async function ingest(body: RequestInit['body'], { key = agent142 as string | null, query = '', headers = {} as Record<string, string> } = {}) {
  const response = await fetch(`${base}/ingest${query}`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-ndjson', ...(key ? { authorization: `Bearer ${key}` } : {}), ...headers },
    body,
    duplex: 'half',
  } as RequestInit);
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  return { status: response.status, headers: response.headers, body: (await response.json()) as any };
}

const ndjson = (items: readonly unknown[]) => items.map((item) => (typeof item === 'string' ? item : JSON.stringify(item))).join('\n');
const stored = (prefix: string) => api.db.prisma.transferEvent.count({ where: { externalId: { startsWith: prefix } } });

describe('POST /ingest', () => {
  it('records a few hundred lines, naming each bad one by its line', async () => {
    const contents = await api.admin(`{ contents(first: 10, owner: "moviestudio") { edges { node { id title } } } }`);
    const hamletId = contents.data.contents.edges.find((e: { node: { title: string } }) => e.node.title === 'Hamlet').node.id;
    const lines: unknown[] = Array.from({ length: 300 }, (_, i) => transfer(`a-${i}`, i));
    lines[5] = transfer('a-5', 5, { content: { id: hamletId } });
    lines[10] = '{"id": "a-10", "source": ';
    lines[20] = '   ';
    lines[30] = transfer('a-30', 30, { bytes: '0' });
    lines[40] = transfer('a-40', 40, { content: { title: 'Nope', owner: 'moviestudio' } });
    lines[50] = '[1, 2]';
    lines[60] = transfer('a-60', 60, { colour: 'blue' });
    lines[70] = transfer('a-7', 7); // the same id again in the stream
    // CRLF line ends, and the last line without one.
    const body = lines.map((item) => (typeof item === 'string' ? item : JSON.stringify(item))).join('\r\n');

    const { status, headers, body: answer } = await ingest(body);
    expect(status).toBe(200);
    expect(headers.get('content-type')).toMatch(/^application\/json/);
    expect(answer).toEqual({
      accepted: 293,
      duplicates: 1,
      rejectedCount: 5,
      lines: 300,
      rejected: [
        { index: 10, id: null, field: 'line', message: expect.stringMatching(/^is not valid JSON: /), code: 'INVALID' },
        { index: 30, id: 'a-30', field: 'bytes', message: 'must be greater than 0; got 0.', code: 'INVALID' },
        { index: 40, id: 'a-40', field: 'content', message: 'no content titled "Nope" owned by moviestudio.', code: 'NOT_FOUND' },
        { index: 50, id: null, field: 'line', message: expect.stringMatching(/^is not a JSON object/), code: 'INVALID' },
        { index: 60, id: 'a-60', field: 'colour', message: expect.stringMatching(/^is not a field of a transfer/), code: 'INVALID' },
      ],
    });
    expect(await stored('a-')).toBe(293);
    const event = await api.db.prisma.transferEvent.findFirstOrThrow({ where: { externalId: 'a-5' } });
    const [reporter, content] = [await api.db.prisma.organization.findUnique({ where: { id: event.reporterId } }), await api.db.prisma.content.findUnique({ where: { id: event.contentId } })];
    expect([reporter?.slug, content?.title, event.bytes]).toEqual(['distributor-142', 'Hamlet', 1005n]);
    expect((await api.db.prisma.transferEvent.findFirstOrThrow({ where: { externalId: 'a-1' } })).bytes).toBe(1001n);
  });

  it('takes gzip, and a resend is all duplicates', async () => {
    const body = gzipSync(ndjson(Array.from({ length: 250 }, (_, i) => transfer(`g-${i}`, i))) + '\n');
    const first = await ingest(body, { headers: { 'content-encoding': 'gzip' } });
    expect(first.body).toEqual({ accepted: 250, duplicates: 0, rejected: [], rejectedCount: 0, lines: 250 });
    const again = await ingest(body, { headers: { 'content-encoding': 'gzip' } });
    expect(again.body).toEqual({ accepted: 0, duplicates: 250, rejected: [], rejectedCount: 0, lines: 250 });
    expect(await stored('g-')).toBe(250);
  });

  it('says where a gzip body turns bad, keeping what came before', async () => {
    // Without its trailer (CRC and length): every line arrives, then the stream is cut short.
    const whole = gzipSync(ndjson(Array.from({ length: 50 }, (_, i) => transfer(`z-${i}`, i))) + '\n');
    const response = await ingest(whole.subarray(0, whole.length - 8), { headers: { 'content-encoding': 'gzip' } });
    expect(response.status).toBe(400);
    expect(response.body.errors[0].extensions).toMatchObject({ code: 'BAD_REQUEST', lines: 50, accepted: 50 });
    expect(response.body.errors[0].message).toMatch(/^The gzip body is not valid after 50 lines/);
    const unsupported = await ingest(whole, { headers: { 'content-encoding': 'br' } });
    expect([unsupported.status, unsupported.body.errors[0].extensions.code]).toEqual([415, 'BAD_REQUEST']);
  });

  it('streams a body far larger than PATHLEDGER_MAX_BODY_BYTES, which still holds for /graphql', async () => {
    const encoder = new TextEncoder();
    let sent = 0;
    let i = 0;
    // About 600 kB in small chunks, with no Content-Length: two batches.
    const stream = new ReadableStream<Uint8Array>({
      pull(controller) {
        if (i >= 2500) return controller.close();
        const chunk = encoder.encode(ndjson(Array.from({ length: 100 }, () => transfer(`big-${i}`, i++))) + '\n');
        sent += chunk.length;
        controller.enqueue(chunk);
      },
    });
    const { status, body } = await ingest(stream);
    expect(sent).toBeGreaterThan(30 * MAX_BODY_BYTES);
    expect(status).toBe(200);
    expect(body).toMatchObject({ accepted: 2500, duplicates: 0, rejectedCount: 0, lines: 2500 });
    expect(await stored('big-')).toBe(2500);

    const graphql = await fetch(api.url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${api.adminKey}` },
      body: JSON.stringify({ query: `{ me { role } }`, padding: 'x'.repeat(MAX_BODY_BYTES) }),
    });
    expect(graphql.status).toBe(413);
  });

  it('rejects a line over 64 KiB without reading it into memory, and goes on', async () => {
    const long = JSON.stringify(transfer('long-1', 1, { hops: Array.from({ length: 8000 }, (_, n) => `hop-${n}.example`) }));
    expect(long.length).toBeGreaterThan(64 * 1024);
    const { body } = await ingest(ndjson([transfer('long-0', 0), long, transfer('long-2', 2)]) + '\n');
    expect(body).toMatchObject({ accepted: 2, lines: 3, rejectedCount: 1 });
    expect(body.rejected).toEqual([{ index: 1, id: null, field: 'line', message: `is ${long.length.toLocaleString('en-US')} bytes long; a line may have at most 65,536.`, code: 'INVALID' }]);
  });

  it('is for ADMIN keys naming a reporter and AGENT keys for their own organization', async () => {
    const body = ndjson([transfer('auth-1')]);
    const error = (response: { status: number; body: { errors: { message: string; extensions: { code: string } }[] } }) => [
      response.status,
      response.body.errors[0]!.extensions.code,
    ];

    expect(error(await ingest(body, { key: null }))).toEqual([401, 'UNAUTHENTICATED']);
    expect(error(await ingest(body, { key: 'pl_not_a_key' }))).toEqual([401, 'UNAUTHENTICATED']);
    expect(error(await ingest(body, { key: await api.keyFor('VIEWER', 'sp1') }))).toEqual([403, 'FORBIDDEN']);
    expect(error(await ingest(body, { key: await api.keyFor('PARTNER', 'sp1') }))).toEqual([403, 'FORBIDDEN']);
    expect(error(await ingest(body, { query: '?reporter=distributor-144' }))).toEqual([403, 'FORBIDDEN']);
    const admin = await ingest(body, { key: api.adminKey });
    expect(error(admin)).toEqual([400, 'BAD_REQUEST']);
    expect(admin.body.errors[0].message).toBe('An ADMIN key must name the reporting organization: POST /ingest?reporter=<slug>.');
    expect(error(await ingest(body, { key: api.adminKey, query: '?reporter=nobody' }))).toEqual([404, 'NOT_FOUND']);
    expect(await stored('auth-')).toBe(0);

    // The agent may name its own organization; the admin any.
    expect((await ingest(body, { query: '?reporter=distributor-142' })).body).toMatchObject({ accepted: 1 });
    expect((await ingest(ndjson([transfer('auth-2')]), { key: api.adminKey, query: '?reporter=distributor-144' })).body).toMatchObject({ accepted: 1 });
    const events = await api.db.prisma.transferEvent.findMany({ where: { externalId: { startsWith: 'auth-' } }, orderBy: { externalId: 'asc' } });
    const slugs = new Map((await api.db.prisma.organization.findMany()).map((org) => [org.id, org.slug]));
    expect(events.map((e) => [e.externalId, slugs.get(e.reporterId)])).toEqual([
      ['auth-1', 'distributor-142'],
      ['auth-2', 'distributor-144'],
    ]);

    const get = await fetch(`${base}/ingest`, { headers: { authorization: `Bearer ${agent142}` } });
    expect([get.status, get.headers.get('allow')]).toEqual([405, 'POST']);
  });

  it('is counted in the metrics by route', async () => {
    const text = await (await fetch(`${base}/metrics`)).text();
    expect(text).toMatch(/pathledger_http_requests_total\{route="\/ingest",method="POST",status="200"\} \d+/);
    expect(text).toMatch(/pathledger_http_requests_total\{route="\/ingest",method="POST",status="403"\} \d+/);
  });
});
