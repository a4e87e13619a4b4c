// recordTransfers through the API: who may record for whom, the answer's shape, idempotency,
// per-transfer rejections, the batch limit, and accounting objects created through the API
// counting from the next transfer on.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ensureDemoWorld } from '../../src/db/demo-world.ts';
import { startTestApi, type TestApi } from '../support/api.ts';

let api: TestApi;
let agent142: string;

beforeAll(async () => {
  api = await startTestApi();
  await ensureDemoWorld(api.db.prisma);
  agent142 = await api.keyFor('AGENT', 'distributor-142');
});
afterAll(() => api?.close());

const RECORD = `mutation Record($input: RecordTransfersInput!) {
  recordTransfers(input: $input) { accepted duplicates rejected { index id field message code } userErrors { field message code } }
}`;

/** Distributor 142's Frankfurt node sends Hamlet to client 110 (SP3). */
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

async function record(key: string, input: Record<string, unknown>) {
  const result = await api.gql(RECORD, { input }, key);
  return result.errors ? { errors: result.errors.map((e) => e.extensions.code) } : result.data.recordTransfers;
}

describe('recordTransfers', () => {
  it('records for the agent’s own organization, once, however often it is sent', async () => {
    expect(await record(agent142, { transfers: [transfer('t-1'), transfer('t-2')] })).toEqual({ accepted: 2, duplicates: 0, rejected: [], userErrors: [] });
    expect(await record(agent142, { transfers: [transfer('t-2'), transfer('t-3')] })).toEqual({ accepted: 1, duplicates: 1, rejected: [], userErrors: [] });
    const events = await api.db.prisma.transferEvent.findMany({ where: { externalId: { startsWith: 't-' } }, include: { reporter: true, destinationNetwork: true } });
    expect(events.map((e) => [e.externalId, e.reporter.slug, e.destinationNetwork?.slug, e.bytes])).toEqual([
      ['t-1', 'distributor-142', 'sp3', 4000n],
      ['t-2', 'distributor-142', 'sp3', 4000n],
      ['t-3', 'distributor-142', 'sp3', 4000n],
    ]);
  });

  it('lets an admin record for a named reporter, and asks for one', async () => {
    expect(await record(api.adminKey, { reporter: 'distributor-144', transfers: [transfer('t-1')] })).toMatchObject({ accepted: 1, duplicates: 0 });
    expect(await record(api.adminKey, { transfers: [transfer('t-9')] })).toEqual({
      accepted: 0,
      duplicates: 0,
      rejected: [],
      userErrors: [{ field: ['input', 'reporter'], message: 'an ADMIN key must name the reporting organization (its slug).', code: 'INVALID' }],
    });
    expect((await record(api.adminKey, { reporter: 'nobody', transfers: [transfer('t-9')] })).userErrors[0].code).toBe('NOT_FOUND');
  });

  it('is for ADMIN and AGENT keys, an agent only for its own organization', async () => {
    expect(await record(agent142, { reporter: 'distributor-144', transfers: [transfer('x-1')] })).toEqual({ errors: ['FORBIDDEN'] });
    for (const [role, org] of [['PARTNER', 'sp1'], ['VIEWER', 'sp1'], ['CONTRACT_MANAGER', undefined]] as const) {
      expect(await record(await api.keyFor(role, org), { reporter: 'distributor-142', transfers: [transfer('x-1')] })).toEqual({ errors: ['FORBIDDEN'] });
    }
    expect(await record(null as unknown as string, { transfers: [transfer('x-1')] })).toEqual({ errors: ['UNAUTHENTICATED'] });
    expect(await api.db.prisma.transferEvent.count({ where: { externalId: 'x-1' } })).toBe(0);
  });

  it('names each bad transfer and stores the good ones; content by id too', async () => {
    const hamlet = await api.admin(`{ contents(first: 10, owner: "moviestudio") { edges { node { id title } } } }`);
    const hamletId = hamlet.data.contents.edges.find((e: { node: { title: string } }) => e.node.title === 'Hamlet').node.id;
    const outcome = await record(agent142, {
      transfers: [
        transfer('r-1', { content: { id: hamletId } }),
        transfer('r-2', { source: '23.72.14' }),
        transfer('r-3', { bytes: '0' }),
        transfer('r-4', { content: { id: 'not-an-id' } }),
        transfer('r-5', { endedAt: '2026-11-12T19:00:00Z' }),
        transfer('r-6', { hops: ['two words'] }),
      ],
    });
    expect(outcome.accepted).toBe(1);
    expect(outcome.rejected.map((r: { index: number; field: string; code: string }) => [r.index, r.field, r.code])).toEqual([
      [1, 'source', 'INVALID'],
      [2, 'bytes', 'INVALID'],
      [3, 'content.id', 'NOT_FOUND'],
      [4, 'endedAt', 'INVALID'],
      [5, 'hops.0', 'INVALID'],
    ]);
  });

  it('refuses more than 1,000 transfers in one call, storing none', async () => {
    const transfers = Array.from({ length: 1001 }, (_, i) => transfer(`big-${i}`));
    const outcome = await record(agent142, { transfers });
    expect(outcome).toMatchObject({ accepted: 0, userErrors: [{ field: ['input', 'transfers'], code: 'INVALID' }] });
    expect(await api.db.prisma.transferEvent.count({ where: { externalId: { startsWith: 'big-' } } })).toBe(0);
  });

  it('counts for an accounting object created and associated through the API, from the next transfer on', async () => {
    const created = await api.admin(`mutation { createAccountingObject(input: { name: "Downloads to client 110", owner: "sp3", metric: BYTES, filter: { direction: RECEIVED } }) { accountingObject { id } userErrors { message } } }`);
    const objectId = created.data.createAccountingObject.accountingObject.id;
    const client = await api.admin(`{ client(address: "73.162.40.110") { id } }`);
    const associated = await api.admin(`mutation($o: ID!, $c: ID!) { associate(input: { accountingObject: $o, entities: [$c] }) { userErrors { message } } }`, { o: objectId, c: client.data.client.id });
    expect(associated.data.associate.userErrors).toEqual([]);

    expect(await record(agent142, { transfers: [transfer('after-1')] })).toMatchObject({ accepted: 1 });
    const object = await api.db.prisma.accountingObject.findFirstOrThrow({ where: { name: 'Downloads to client 110' } });
    const usage = await api.db.prisma.accountingObjectUsage.findMany({ where: { accountingObjectId: object.id } });
    expect(usage.map((row) => [row.bucket.toISOString(), row.bytes, row.transfers])).toEqual([['2026-11-12T20:00:00.000Z', 4000n, 1n]]);
  });
});
