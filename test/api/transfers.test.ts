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
    const events = await api.db.prisma.transferEvent.findMany({ where: { externalId: { startsWith: 't-' } } });
    const slugs = new Map((await api.db.prisma.organization.findMany()).map((org) => [org.id, org.slug]));
    expect(events.map((e) => [e.externalId, slugs.get(e.reporterId), slugs.get(e.destinationNetworkId ?? ''), e.bytes])).toEqual([
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
    await api.settle();
    const usage = await api.db.prisma.accountingObjectUsage.findMany({ where: { accountingObjectId: object.id } });
    expect(usage.map((row) => [row.bucket.toISOString(), row.bytes, row.transfers])).toEqual([['2026-11-12T20:00:00.000Z', 4000n, 1n]]);
  });

  it('keeps a content and an organization with recorded transfers from being deleted, counted or not yet', async () => {
    const created = await api.admin(`mutation { createContent(input: { title: "Ophelia", kind: MOVIE, owner: "moviestudio" }) { content { id } } }`);
    const contentId = created.data.createContent.content.id;
    const deleteContent = async () => (await api.admin(`mutation($id: ID!) { deleteContent(input: { id: $id }) { deletedId userErrors { field code } } }`, { id: contentId })).data.deleteContent;
    const cdn = await api.admin(`mutation { createOrganization(input: { slug: "cdn-9", name: "CDN 9", roles: [CONTENT_DISTRIBUTOR] }) { organization { id } } }`);
    const cdnId = cdn.data.createOrganization.organization.id;

    // Recorded by a new distributor, and checked before the counter journal is folded.
    expect(await record(api.adminKey, { reporter: 'cdn-9', transfers: [transfer('ophelia-1', { content: { id: contentId } })] })).toMatchObject({ accepted: 1 });
    expect(await deleteContent()).toEqual({ deletedId: null, userErrors: [{ field: ['input', 'id'], code: 'IN_USE' }] });
    await api.settle();
    expect(await deleteContent()).toEqual({ deletedId: null, userErrors: [{ field: ['input', 'id'], code: 'IN_USE' }] });
    const deleteCdn = await api.admin(`mutation($id: ID!) { deleteOrganization(input: { id: $id }) { deletedId userErrors { code } } }`, { id: cdnId });
    expect(deleteCdn.data.deleteOrganization).toEqual({ deletedId: null, userErrors: [{ code: 'IN_USE' }] });
    expect(await api.db.prisma.content.count({ where: { title: 'Ophelia' } })).toBe(1);
  });

  it('lists the FIG. 5 records of a component whose owner asked for them, to that owner only', async () => {
    // Client 106 (SP2) sends RobinHood to client 102 (SP1) through SP1's Frankfurt core router,
    // which records every transfer (the demo world opts it in).
    const through = (id: string, startedAt: string) => ({
      id, source: '90.12.77.106', destination: '79.214.61.102', bytes: '30000', startedAt, endedAt: new Date(Date.parse(startedAt) + 34_000).toISOString(),
      content: { title: 'RobinHood', owner: 'moviestudio' }, type: 'PEER_UPLOAD', hops: ['ae1.cr1.par.sp2.example', 'ae1.cr1.fra.sp1.example'],
    });
    expect(await record(api.adminKey, { reporter: 'distributor-142', transfers: [through('fig5-2', '2026-11-13T00:05:00Z'), through('fig5-1', '2026-11-13T00:01:59Z')] })).toMatchObject({ accepted: 2 });
    const router = await api.db.prisma.networkComponent.findFirstOrThrow({ where: { hostname: 'ae1.cr1.fra.sp1.example' } });
    const routerId = Buffer.from(`NetworkComponent:${router.id}`).toString('base64url');
    const RECORDS = `query($id: ID!, $after: String) { node(id: $id) { ... on NetworkComponent { transferRecords(first: 1, after: $after, from: "2026-11-13T00:00:00Z") {
      totalCount pageInfo { hasNextPage endCursor } edges { node { title bytes startedAt owner { slug } contentOwner { slug } transfer { externalId } line } } } } } }`;

    const first = await api.admin(RECORDS, { id: routerId });
    expect(first.errors).toBeUndefined();
    const page = first.data.node.transferRecords;
    expect(page).toMatchObject({ totalCount: 2, pageInfo: { hasNextPage: true } });
    expect(page.edges[0].node).toEqual({
      title: 'RobinHood', bytes: '30000', startedAt: '2026-11-13T00:01:59.000Z', owner: { slug: 'sp1' }, contentOwner: { slug: 'moviestudio' }, transfer: { externalId: 'fig5-1' },
      line: expect.stringMatching(/^<ae1\.cr1\.fra\.sp1\.example> <.*ae1\.cr1\.fra\.sp1\.example.*, MovieStudio, 30000, 2026-11-13T00:01:59\.000Z, 2026-11-13T00:02:33\.000Z, RobinHood>$/),
    });
    const second = await api.admin(RECORDS, { id: routerId, after: page.pageInfo.endCursor });
    expect(second.data.node.transferRecords).toMatchObject({ pageInfo: { hasNextPage: false }, edges: [{ node: { transfer: { externalId: 'fig5-2' } } }] });

    // SP1's own key reads them; SP2's does not even see SP1's router.
    const sp1 = await api.gql(RECORDS, { id: routerId }, await api.keyFor('VIEWER', 'sp1'));
    expect(sp1.data.node.transferRecords.totalCount).toBe(2);
    const sp2 = await api.gql(RECORDS, { id: routerId }, await api.keyFor('PARTNER', 'sp2'));
    expect(sp2.data.node).toBeNull();
    expect((await api.admin(RECORDS, { id: routerId, after: 'bm9wZQ' })).errors?.[0]?.extensions.code).toBe('BAD_USER_INPUT');
  });
});
