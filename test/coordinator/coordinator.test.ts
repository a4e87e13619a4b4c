// The coordinator through the API, in the patents' scenarios on the demo world.
//
// FIG. 3A: client 102 (SP1) downloads RobinHood from distributor 142's node; clients 108 (SP2)
// and 110 (SP3) then ask for it and are sent to 102, once SP1 has granted distributor 142 the use
// of its subscribers' uplink. 102's uploads are recorded against SP1's grant, and SP1's statement
// bills distributor 142 for them.
// FIG. 4: 108 (SP2) holds Hamlet and serves 106 on-net (SP2 granted too), while 102 → 106 is
// off-net.
// Around them: no grant, a revoked grant, a capped grant, a listed-clients grant, a capacity
// policy enforced mid-way, and who may do what.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ensureDemoWorld } from '../../src/db/demo-world.ts';
import { evaluatePolicies } from '../../src/reports/policies.ts';
import { startTestApi, type TestApi } from '../support/api.ts';

let api: TestApi;
let agent: string; // distributor 142's client software
let sp1: string; // SP1's PARTNER key
let sp2: string;

const C102 = '79.214.61.102';
const C104 = '84.173.22.104';
const C106 = '90.12.77.106';
const C108 = '86.201.9.108';
const C110 = '73.162.40.110';
const NODE = '23.72.14.2';
const ROBIN_HOOD = { title: 'RobinHood', owner: 'moviestudio' };
const HAMLET = { title: 'Hamlet', owner: 'moviestudio' };

beforeAll(async () => {
  api = await startTestApi();
  await ensureDemoWorld(api.db.prisma);
  agent = await api.keyFor('AGENT', 'distributor-142');
  sp1 = await api.keyFor('PARTNER', 'sp1');
  sp2 = await api.keyFor('PARTNER', 'sp2');
});
afterAll(() => api?.close());

const REQUEST = `mutation($input: RequestContentInput!) { requestContent(input: $input) {
  assignment { id sources { kind peerAddress nodeAddress pieces reason grant { id } } } userErrors { field message code } } }`;

async function request(client: string, content: Record<string, string>, pieces?: number[], key = agent) {
  const result = await api.gql(REQUEST, { input: { client, content, pieces } }, key);
  if (result.errors) return { errors: result.errors.map((e) => e.extensions.code) };
  return result.data.requestContent;
}
const from = (payload: { assignment: { sources: { kind: string; peerAddress: string | null }[] } }) =>
  payload.assignment.sources.map((source) => (source.kind === 'PEER' ? source.peerAddress : 'CDN'));

async function report(client: string, holdings: { content: Record<string, string>; pieces?: number[] }[], extra: Record<string, unknown> = {}, key = agent) {
  const result = await api.gql(
    `mutation($input: ReportAvailabilityInput!) { reportAvailability(input: $input) { expiresAt userErrors { field message code } } }`,
    { input: { client, online: true, spareUplinkBps: '20000000', holdings, ...extra } },
    key,
  );
  if (result.errors) return { errors: result.errors.map((e) => e.extensions.code) };
  return result.data.reportAvailability;
}

const GRANT = `mutation($input: CreateUplinkGrantInput!) { createUplinkGrant(input: $input) { uplinkGrant { id active } userErrors { field message code } } }`;
async function grant(key: string, network: string, extra: Record<string, unknown> = {}) {
  const result = await api.gql(
    GRANT,
    { input: { network, distributor: 'distributor-142', scope: 'ALL_SUBSCRIBERS', basis: 'PARTNERSHIP_AGREEMENT', validFrom: '2026-01-01T00:00:00Z', ratePerGb: '0.02', currency: 'EUR', ...extra } },
    key,
  );
  if (result.errors) return { errors: result.errors.map((e) => e.extensions.code) };
  return result.data.createUplinkGrant;
}

async function record(transfers: Record<string, unknown>[]) {
  const result = await api.gql(
    `mutation($input: RecordTransfersInput!) { recordTransfers(input: $input) { accepted duplicates rejected { index field message code } } }`,
    { input: { transfers } },
    agent,
  );
  return result.data.recordTransfers;
}
const upload = (id: string, source: string, destination: string, bytes: string, assignment: string, content = ROBIN_HOOD) => ({
  id, source, destination, bytes, startedAt: '2026-11-20T19:00:00Z', endedAt: '2026-11-20T19:30:00Z', content, type: 'PEER_UPLOAD', assignment,
});

describe('FIG. 3A: client 102 serves 108 and 110', () => {
  let sp1Grant: string;

  it('sends 102 to the CDN node: nobody else holds RobinHood', async () => {
    const first = await request(C102, ROBIN_HOOD);
    expect(from(first)).toEqual(['CDN']);
    expect(first.assignment.sources[0]).toMatchObject({ nodeAddress: NODE, reason: 'no permitted peer online holds it: the content’s CDN node' });
    expect(await report(C102, [{ content: ROBIN_HOOD }])).toMatchObject({ userErrors: [] });
  });

  it('keeps 108 on the CDN while SP1 has granted nothing', async () => {
    expect(from(await request(C108, ROBIN_HOOD))).toEqual(['CDN']);
  });

  it('sends 108 and 110 to 102 once SP1 grants distributor 142 its subscribers’ uplink', async () => {
    const created = await grant(sp1, 'sp1');
    expect(created.userErrors).toEqual([]);
    sp1Grant = created.uplinkGrant.id;
    const to108 = await request(C108, ROBIN_HOOD);
    expect(from(to108)).toEqual([C102]);
    expect(to108.assignment.sources[0].reason).toMatch(/^another network \(DE\); not assigned before; uplink permitted by partnership agreement, 20 Mbit\/s spare/);
    // An agent sees the address to fetch from; the grant is SP1's record, not the CDN agent's.
    expect(to108.assignment.sources[0].grant).toBeNull();
    const to110 = await request(C110, ROBIN_HOOD);
    expect(from(to110)).toEqual([C102]);

    // 102 sends to 108 and 110 as told; the transfers carry the assignments.
    expect(
      await record([upload('u-108', C102, C108, '3000000000', to108.assignment.id), upload('u-110', C102, C110, '2000000000', to110.assignment.id)]),
    ).toEqual({ accepted: 2, duplicates: 0, rejected: [] });
    const events = await api.db.prisma.transferEvent.findMany({ where: { externalId: { in: ['u-108', 'u-110'] } } });
    const grantRow = Buffer.from(sp1Grant, 'base64url').toString().split(':')[1];
    expect(events.map((e) => e.grantId)).toEqual([grantRow, grantRow]);
  });

  it('bills distributor 142 for 102’s uploads on SP1’s statement, which only SP1 reads', async () => {
    const STATEMENT = `{ uplinkStatement(network: "sp1", period: "2026-11") { period lines { bytes quantity ratePerGb amount currency distributor { slug } } } }`;
    const statement = await api.gql(STATEMENT, {}, sp1);
    expect(statement.data.uplinkStatement).toEqual({
      period: '2026-11',
      lines: [{ bytes: '5000000000', quantity: '5', ratePerGb: '0.02', amount: '0.1', currency: 'EUR', distributor: { slug: 'distributor-142' } }],
    });
    expect((await api.gql(STATEMENT, {}, sp2)).errors?.[0]?.extensions.code).toBe('FORBIDDEN');
    const used = await api.gql(`query($id: ID!) { node(id: $id) { ... on UplinkGrant { usedBytes changes { change } } } }`, { id: sp1Grant }, sp1);
    expect(used.data.node.changes).toEqual([{ change: 'CREATED' }]);
  });

  it('is invoiced by the report engine’s settlement run: SP1 bills distributor 142', async () => {
    const contract = await api.gql(`query($id: ID!) { node(id: $id) { ... on UplinkGrant { contract { id payer { slug } payee { slug } terms { terms { kind ratePerGb } } } } } }`, { id: sp1Grant }, sp1);
    const { id, ...parties } = contract.data.node.contract;
    expect(parties).toEqual({ payer: { slug: 'distributor-142' }, payee: { slug: 'sp1' }, terms: [{ terms: [{ kind: 'UPLINK', ratePerGb: '0.02' }] }] });
    const settled = await api.admin(
      `mutation($input: RunSettlementInput!) { runSettlement(input: $input) { invoices { payer { slug } payee { slug } total currency lines { kind quantity unitPrice amount } } userErrors { message } } }`,
      { input: { period: '2026-11', contract: id } },
    );
    expect(settled.data.runSettlement).toEqual({
      invoices: [{ payer: { slug: 'distributor-142' }, payee: { slug: 'sp1' }, total: '0.10', currency: 'EUR', lines: [{ kind: 'USAGE', quantity: '5', unitPrice: '0.02', amount: '0.10' }] }],
      userErrors: [],
    });
  });

  it('refuses a transfer that names an assignment it does not carry out', async () => {
    const to104 = await request(C104, ROBIN_HOOD);
    expect((await record([upload('u-wrong', C106, C104, '1000', to104.assignment.id)])).rejected).toEqual([
      { index: 0, field: 'assignment', message: `${C106} is none of the assignment's sources.`, code: 'INVALID' },
    ]);
    expect((await record([upload('u-none', C102, C104, '1000', 'Q29udGVudEFzc2lnbm1lbnQ6MDE5YWJjZGUtMDAwMC03MDAwLTgwMDAtMDAwMDAwMDAwMDAw')])).rejected[0]).toMatchObject({ field: 'assignment', code: 'NOT_FOUND' });
  });
});

describe('FIG. 4: 108 serves 106 on-net; 102 → 106 is off-net', () => {
  it('prefers the on-net peer for Hamlet and goes off-net for RobinHood', async () => {
    expect((await grant(sp2, 'sp2')).userErrors).toEqual([]);
    await report(C108, [{ content: HAMLET }]);
    await report(C102, [{ content: ROBIN_HOOD }, { content: HAMLET }]);
    const hamlet = await request(C106, HAMLET);
    expect(from(hamlet)).toEqual([C108]);
    expect(hamlet.assignment.sources[0].reason).toMatch(/^on-net: a subscriber of the requester’s own ISP/);
    expect(from(await request(C106, ROBIN_HOOD))).toEqual([C102]);
  });

  it('deals pieces between peers that each hold some, and sends the rest to the CDN node', async () => {
    await report(C108, [{ content: HAMLET, pieces: [0, 1, 2, 3] }], { spareUplinkBps: '5000000' });
    await report(C104, [{ content: HAMLET, pieces: [2, 3, 4, 5] }], { spareUplinkBps: '5000000' });
    await report(C102, [{ content: ROBIN_HOOD }]);
    const split = await request(C106, HAMLET, [0, 1, 2, 3, 4, 5, 6]);
    // Both at 5 Mbit/s: the pieces both hold go to whichever has fewer so far.
    expect(split.assignment.sources.map((s: { kind: string; peerAddress: string | null; pieces: number[] }) => [s.peerAddress ?? s.kind, s.pieces])).toEqual([
      [C108, [0, 1]],
      [C104, [2, 3, 4, 5]],
      ['CDN', [6]],
    ]);
  });
});

describe('grants', () => {
  it('stop at once when revoked, keeping the record and why', async () => {
    await report(C108, [{ content: ROBIN_HOOD }]);
    const grants = await api.gql(`{ uplinkGrants(first: 10, network: "sp2") { edges { node { id } } } }`, {}, sp2);
    const id = grants.data.uplinkGrants.edges[0].node.id;
    expect(from(await request(C106, ROBIN_HOOD))[0]).toBe(C108);
    const revoked = await api.gql(`mutation($input: RevokeUplinkGrantInput!) { revokeUplinkGrant(input: $input) { uplinkGrant { active revokeReason changes { change } } userErrors { message } } }`, { input: { id, reason: 'peering dispute' } }, sp2);
    expect(revoked.data.revokeUplinkGrant.uplinkGrant).toEqual({ active: false, revokeReason: 'peering dispute', changes: [{ change: 'CREATED' }, { change: 'REVOKED' }] });
    expect(from(await request(C106, ROBIN_HOOD))).toEqual([C102]);
  });

  it('hold back peers past the cap, and peers the grant does not list', async () => {
    await api.db.prisma.uplinkGrant.updateMany({ data: { revokedAt: new Date(), revokeReason: 'test: start over' } });
    const capped = await grant(sp1, 'sp1', { capBytes: '1000', validFrom: new Date(Date.now() - 60_000).toISOString() });
    expect(capped.userErrors).toEqual([]);
    await report(C102, [{ content: ROBIN_HOOD }]);
    const before = await request(C108, ROBIN_HOOD);
    expect(from(before)).toEqual([C102]);
    // 102 uploads 1,500 bytes under it now: the cap is reached.
    const now = new Date();
    expect((await record([{ ...upload('cap-1', C102, C108, '1500', before.assignment.id), startedAt: now.toISOString(), endedAt: now.toISOString() }])).accepted).toBe(1);
    await api.settle();
    api.services.coordinator.invalidate();
    expect(from(await request(C108, ROBIN_HOOD))).toEqual(['CDN']);

    const client102 = await api.admin(`{ client(address: "${C102}") { id } }`);
    const client104 = await api.admin(`{ client(address: "${C104}") { id } }`);
    const listed = await grant(sp1, 'sp1', { scope: 'LISTED_CLIENTS', clients: [client104.data.client.id] });
    expect(listed.userErrors).toEqual([]);
    await report(C104, [{ content: ROBIN_HOOD }]);
    expect(from(await request(C108, ROBIN_HOOD))).toEqual([C104]);
    expect(client102.data.client.id).toBeTruthy();
  });

  it('are an ISP’s own: another ISP may neither grant nor change them; bad input is named', async () => {
    expect((await grant(sp2, 'sp1')).userErrors[0]).toMatchObject({ code: 'FORBIDDEN' });
    expect((await grant(agent, 'sp1')).errors).toEqual(['FORBIDDEN']);
    expect((await grant(sp1, 'sp1', { ratePerGb: '-1' })).userErrors[0]).toMatchObject({ field: ['input', 'ratePerGb'], code: 'INVALID' });
    expect((await grant(sp1, 'sp1', { scope: 'LISTED_CLIENTS' })).userErrors[0]).toMatchObject({ field: ['input', 'clients'] });
    expect((await grant(sp1, 'sp1', { distributor: 'sp2' })).userErrors[0]).toMatchObject({ field: ['input', 'distributor'] });
    const seen = await api.gql(`{ uplinkGrants(first: 50) { edges { node { network { slug } } } } }`, {}, sp2);
    expect(new Set(seen.data.uplinkGrants.edges.map((e: { node: { network: { slug: string } } }) => e.node.network.slug))).toEqual(new Set(['sp2']));
  });

  it('made for client software cover opted-in users only; a change of terms holds at once and is kept', async () => {
    await api.db.prisma.uplinkGrant.updateMany({ data: { revokedAt: new Date(), revokeReason: 'test: start over' } });
    await report(C104, [], { online: false });
    const created = await grant(sp1, 'sp1', { scope: 'OPTED_IN_CLIENTS', basis: 'CLIENT_SOFTWARE' });
    expect(created.userErrors).toEqual([]);
    const id = created.uplinkGrant.id;
    await report(C102, [{ content: ROBIN_HOOD }], { optedIn: false });
    expect(from(await request(C108, ROBIN_HOOD))).toEqual(['CDN']);
    await report(C102, [{ content: ROBIN_HOOD }], { optedIn: true });
    const optedIn = await request(C108, ROBIN_HOOD);
    expect(from(optedIn)).toEqual([C102]);
    expect(optedIn.assignment.sources[0].reason).toMatch(/uplink permitted by client software, 20 Mbit\/s spare$/);

    const UPDATE = `mutation($input: UpdateUplinkGrantInput!) { updateUplinkGrant(input: $input) { uplinkGrant { perClientRateBps changes { change detail } } userErrors { field message code } } }`;
    expect((await api.gql(UPDATE, { input: { id, perClientRateBps: '1' } }, sp2)).data.updateUplinkGrant.userErrors[0]).toMatchObject({ code: 'FORBIDDEN' });
    expect((await api.gql(UPDATE, { input: { id, perClientRateBps: '-5' } }, sp1)).data.updateUplinkGrant.userErrors[0]).toMatchObject({ field: ['input', 'perClientRateBps'] });
    const updated = (await api.gql(UPDATE, { input: { id, perClientRateBps: '5000000' } }, sp1)).data.updateUplinkGrant;
    expect(updated.userErrors).toEqual([]);
    expect(updated.uplinkGrant.perClientRateBps).toBe('5000000');
    expect(updated.uplinkGrant.changes.map((c: { change: string }) => c.change)).toEqual(['CREATED', 'UPDATED']);
    expect(JSON.parse(updated.uplinkGrant.changes[1].detail)).toEqual({ perClientRateBps: { from: null, to: '5000000' } });
    // 102 may now send at 5 Mbit/s only: the CDN node makes up the rest of the 8 wanted.
    const held = await request(C108, ROBIN_HOOD);
    expect(from(held)).toEqual([C102, 'CDN']);
    expect(held.assignment.sources[0].reason).toMatch(/client software, 5\.0 Mbit\/s spare$/);
  });
});

describe('a capacity policy enforced mid-way', () => {
  it('closes the route across the SP1–SP2 peering link, and opens it again', async () => {
    await api.db.prisma.uplinkGrant.updateMany({ data: { revokedAt: new Date(), revokeReason: 'test: start over' } });
    expect((await grant(sp1, 'sp1')).userErrors).toEqual([]);
    await report(C102, [{ content: ROBIN_HOOD }]);
    await report(C104, [], { online: false });
    expect(from(await request(C106, ROBIN_HOOD))).toEqual([C102]);

    const link = await api.db.prisma.link.findFirstOrThrow({ where: { component: { name: 'SP1–SP2 peering, Frankfurt' } } });
    const created = await api.admin(
      `mutation($input: CreateCapacityPolicyInput!) { createCapacityPolicy(input: $input) { capacityPolicy { id } userErrors { field message } } }`,
      { input: { name: 'Frankfurt peering, peak hours', owner: 'sp1', link: Buffer.from(`Link:${link.id}`).toString('base64url'), limitBytes: '1000', windowMinutes: 60 } },
    );
    expect(created.data.createCapacityPolicy.userErrors).toEqual([]);
    // Traffic over the link in the current window pushes it over; the policy is ENFORCED.
    const now = new Date();
    await record([{ id: 'peak-1', source: C102, destination: C106, bytes: '5000', startedAt: now.toISOString(), endedAt: now.toISOString(), content: HAMLET, type: 'PEER_UPLOAD' }]);
    await api.settle();
    await evaluatePolicies({ prisma: api.db.prisma, counters: api.services.counters }, { now: new Date() });
    api.services.coordinator.invalidate();
    const closed = await request(C106, ROBIN_HOOD);
    expect(from(closed)).toEqual(['CDN']);

    // A later window is under the limit again.
    await evaluatePolicies({ prisma: api.db.prisma, counters: api.services.counters }, { now: new Date(Date.now() + 3 * 3_600_000) });
    api.services.coordinator.invalidate();
    expect(from(await request(C106, ROBIN_HOOD))).toEqual([C102]);
  });
});

describe('who may ask', () => {
  it('agents act for their own organization’s clients; readers may not ask at all', async () => {
    const sp3Agent = await api.keyFor('AGENT', 'sp3');
    expect((await request(C106, ROBIN_HOOD, undefined, sp3Agent)).userErrors[0]).toMatchObject({ field: ['input', 'client'], code: 'FORBIDDEN' });
    expect((await request(C110, ROBIN_HOOD, undefined, sp3Agent)).userErrors).toEqual([]);
    expect((await request(C110, ROBIN_HOOD, undefined, sp1)).errors).toEqual(['FORBIDDEN']);
    expect((await request('10.1.2.3', ROBIN_HOOD)).userErrors[0]).toMatchObject({ field: ['input', 'client'], code: 'NOT_FOUND' });
    expect((await request(C110, { title: 'Nope', owner: 'moviestudio' })).userErrors[0]).toMatchObject({ field: ['input', 'content'], code: 'NOT_FOUND' });
    expect((await request(C110, ROBIN_HOOD, [-1])).userErrors[0]).toMatchObject({ field: ['input', 'pieces', '0'] });
    expect((await report(C110, [{ content: ROBIN_HOOD }], { ttlSeconds: 5 })).userErrors[0]).toMatchObject({ field: ['input', 'ttlSeconds'] });
  });
});

describe('many requests at once', () => {
  it('are each answered with their own assignment, stored by the time the answer comes', async () => {
    const answers = await Promise.all(Array.from({ length: 40 }, () => request(C110, ROBIN_HOOD)));
    const ids = answers.map((answer) => answer.assignment.id);
    expect(new Set(ids).size).toBe(40);
    const stored = await api.admin(`query($ids: [ID!]!) { nodes(ids: $ids) { id } }`, { ids });
    expect(stored.data.nodes.map((node: { id: string } | null) => node?.id)).toEqual(ids);
  });
});

describe('a report naming many contents', () => {
  it('reads the ones not remembered together, and one it cannot find is named and changes nothing', async () => {
    const studio = await api.db.prisma.organization.findUniqueOrThrow({ where: { slug: 'moviestudio' } });
    const sequels = await Promise.all(
      ['RobinHood II', 'RobinHood III', 'RobinHood IV'].map((title) => api.db.prisma.content.create({ data: { title, kind: 'MOVIE', ownerId: studio.id, distributorId: studio.id } })),
    );
    const byId = sequels.map((content) => ({ id: Buffer.from(`Content:${content.id}`).toString('base64url') }));
    api.services.coordinator.invalidate();
    api.statements.reset();
    expect(await report(C110, [{ content: ROBIN_HOOD }, ...byId.map((content) => ({ content })), { content: HAMLET, pieces: [1, 2] }])).toMatchObject({ userErrors: [] });
    expect(api.statements.log.filter((sql) => /FROM "public"\."Content"/.test(sql))).toHaveLength(2);

    const client = await api.db.prisma.client.findFirstOrThrow({ where: { addresses: { has: C110 } } });
    const { availability } = api.services.coordinator;
    const held = () => availability.holdings(availability.peer(client.id)!).map((holding) => [holding.contentId, holding.pieces && [...holding.pieces]]);
    const before = held();
    expect(before).toHaveLength(5);
    const missing = await report(C110, [{ content: ROBIN_HOOD }, { content: byId[0]! }, { content: { title: 'RobinHood V', owner: 'moviestudio' } }]);
    expect(missing.userErrors).toEqual([{ field: ['input', 'holdings', '2', 'content'], message: 'no content titled "RobinHood V" owned by moviestudio.', code: 'NOT_FOUND' }]);
    expect(held()).toEqual(before);
  });
});
