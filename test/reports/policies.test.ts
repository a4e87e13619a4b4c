// Capacity policies, as a story on the demo world. SP1 limits its Frankfurt peering link with SP2
// to 10,000 bytes an hour. On 10 November 2026 (UTC):
//
//   P1  client 102 (SP1) → 106 (SP2)  Hamlet  6,000 B  10:05–10:15   peer upload, SP1→SP2
//   P2  client 102 (SP1) → 106 (SP2)  Hamlet  5,000 B  10:30–10:40   peer upload, SP1→SP2
//
// Both cross the Frankfurt peering link (a member of the "SP1–SP2 peering" set) and both are
// received by SP2's subscriber. Evaluated at
//   10:20  window since 09:00: 6,000            OK
//   10:45  window since 09:00: 11,000 > 10,000  ENFORCED (since 10:45)
//   11:30  window since 10:00: 11,000           still ENFORCED, no new change
//   12:10  window since 11:00: 0                OK again (since 12:10)
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CounterJournal } from '../../src/accounting/counter-journal.ts';
import { ensureDemoWorld } from '../../src/db/demo-world.ts';
import { enforcedPolicies, evaluatePolicies, windowStart } from '../../src/reports/policies.ts';
import type { TrafficStore } from '../../src/traffic/report.ts';
import { startTestApi, type TestApi } from '../support/api.ts';

let api: TestApi;
let store: TrafficStore;
const ids = { frankfurt: '', frankfurtComponent: '', paris: '', peeringSet: '', sp2: '' };
const gid = (type: string, id: string) => Buffer.from(`${type}:${id}`).toString('base64url');
const at = (time: string) => new Date(`2026-11-10T${time}:00Z`);

const transfer = (id: string, bytes: number, start: string, minutes: number) => ({
  id,
  source: '79.214.61.102',
  destination: '90.12.77.106',
  bytes: String(bytes),
  startedAt: at(start).toISOString(),
  endedAt: new Date(at(start).getTime() + minutes * 60_000).toISOString(),
  content: { title: 'Hamlet', owner: 'moviestudio' },
  type: 'PEER_UPLOAD',
});

async function record(transfers: ReturnType<typeof transfer>[]) {
  const result = await api.admin(`mutation($input: RecordTransfersInput!) { recordTransfers(input: $input) { accepted rejected { message } } }`, {
    input: { reporter: 'distributor-142', transfers },
  });
  expect(result.data.recordTransfers).toEqual({ accepted: transfers.length, rejected: [] });
}

const CREATE = `mutation($input: CreateCapacityPolicyInput!) {
  createCapacityPolicy(input: $input) { capacityPolicy { id name limitBytes windowMinutes state } userErrors { field message code } }
}`;

async function create(input: Record<string, unknown>, key = api.adminKey) {
  const result = await api.gql(CREATE, { input }, key);
  if (result.errors) return { errors: result.errors.map((e) => e.extensions.code) };
  return result.data.createCapacityPolicy;
}

async function createOk(input: Record<string, unknown>, key = api.adminKey): Promise<string> {
  const result = await create(input, key);
  expect(result.userErrors).toEqual([]);
  return result.capacityPolicy.id;
}

const POLICY = `query($id: ID!) { node(id: $id) { ... on CapacityPolicy {
  name state stateSince stateReason lastValue evaluatedAt limitBytes windowMinutes
  owner { slug } link { id } linkSet { id } network { slug } contentOwner { slug } transferType
  changes(first: 10) { from to at value reason }
} } }`;

async function policy(id: string, key = api.adminKey) {
  const result = await api.gql(POLICY, { id }, key);
  expect(result.errors).toBeUndefined();
  return result.data.node;
}

beforeAll(async () => {
  // The server's own scheduler stays off: these tests tick theirs on a clock of their choosing.
  api = await startTestApi({ PATHLEDGER_SCHEDULER_INTERVAL_MS: '0' });
  await ensureDemoWorld(api.db.prisma);
  store = { prisma: api.db.prisma, counters: new CounterJournal(api.db.sql) };
  const prisma = api.db.prisma;
  const link = async (name: string) => prisma.link.findFirstOrThrow({ where: { component: { name } } });
  const frankfurt = await link('SP1–SP2 peering, Frankfurt');
  ids.frankfurt = gid('Link', frankfurt.id);
  ids.frankfurtComponent = frankfurt.componentId;
  ids.paris = (await link('SP1–SP2 peering, Paris')).componentId;
  ids.peeringSet = gid('LinkSet', (await prisma.linkSet.findFirstOrThrow({ where: { name: 'SP1–SP2 peering' } })).id);
  ids.sp2 = (await prisma.organization.findUniqueOrThrow({ where: { slug: 'sp2' } })).id;
}, 120_000);
afterAll(() => api?.close());

describe('a policy on the SP1–SP2 peering link', () => {
  let peering: string;

  it('is created OK, not yet evaluated, with its limit per window', async () => {
    peering = await createOk({ name: 'Frankfurt peering, 10 kB an hour', owner: 'sp1', link: ids.frankfurt, limitBytes: '10000' });
    expect(await policy(peering)).toMatchObject({
      state: 'OK', stateReason: null, lastValue: '0', evaluatedAt: null, limitBytes: '10000', windowMinutes: 60,
      owner: { slug: 'sp1' }, link: { id: ids.frankfurt }, linkSet: null, network: null, changes: [],
    });
  });

  it('stays OK while the window is under the limit, and says what it measured', async () => {
    await record([transfer('P1', 6000, '10:05', 10)]);
    const [outcome] = await evaluatePolicies(store, { now: at('10:20'), policyIds: [gidToId(peering)] });
    expect(outcome).toMatchObject({ value: 6000n, state: 'OK', changed: false });
    expect(await policy(peering)).toMatchObject({ state: 'OK', lastValue: '6000', evaluatedAt: at('10:20').toISOString(), changes: [] });
  });

  it('goes ENFORCED when a transfer pushes the window over the limit: since when and why', async () => {
    await record([transfer('P2', 5000, '10:30', 10)]);
    await evaluatePolicies(store, { now: at('10:45') });
    const reason = '11000 bytes in the window since 2026-11-10T09:00:00.000Z, over the limit of 10000.';
    expect(await policy(peering)).toMatchObject({
      state: 'ENFORCED', stateSince: at('10:45').toISOString(), stateReason: reason, lastValue: '11000',
      changes: [{ from: 'OK', to: 'ENFORCED', at: at('10:45').toISOString(), value: '11000', reason }],
    });
    const enforced = await api.admin(`{ capacityPolicies(first: 50, state: ENFORCED) { totalCount edges { node { name } } } }`);
    expect(enforced.data.capacityPolicies.edges.map((e: { node: { name: string } }) => e.node.name)).toContain('Frankfurt peering, 10 kB an hour');
  });

  it('stays ENFORCED while the window still holds the hour, without logging again', async () => {
    await evaluatePolicies(store, { now: at('11:30') });
    const state = await policy(peering);
    expect(state).toMatchObject({ state: 'ENFORCED', stateSince: at('10:45').toISOString(), lastValue: '11000', evaluatedAt: at('11:30').toISOString() });
    expect(state.changes).toHaveLength(1);
  });

  it('is OK again in a later window, and every change is logged, newest first', async () => {
    await evaluatePolicies(store, { now: at('12:10') });
    const state = await policy(peering);
    expect(state).toMatchObject({
      state: 'OK', stateSince: at('12:10').toISOString(), lastValue: '0',
      stateReason: '0 bytes in the window since 2026-11-10T11:00:00.000Z, within the limit of 10000.',
    });
    expect(state.changes.map((c: { from: string; to: string; at: string }) => [c.from, c.to, c.at])).toEqual([
      ['ENFORCED', 'OK', at('12:10').toISOString()],
      ['OK', 'ENFORCED', at('10:45').toISOString()],
    ]);
    const first = await api.admin(`query($id: ID!) { node(id: $id) { ... on CapacityPolicy { changes(first: 1) { to } } } }`, { id: peering });
    expect(first.data.node.changes).toEqual([{ to: 'OK' }]);
  });

  it('never goes back in time: an evaluation older than the last one leaves the policy alone', async () => {
    expect(await evaluatePolicies(store, { now: at('10:45'), policyIds: [gidToId(peering)] })).toEqual([]);
    expect(await policy(peering)).toMatchObject({ state: 'OK', evaluatedAt: at('12:10').toISOString() });
  });
});

function gidToId(globalId: string): string {
  return Buffer.from(globalId, 'base64url').toString('utf8').split(':')[1]!;
}

describe('what a policy covers', () => {
  // Every policy here is measured at 10:45, when the window holds P1 and P2 (11,000 bytes).
  const measured = async (input: Record<string, unknown>) => {
    const id = gidToId(await createOk({ name: `covers ${JSON.stringify(input)}`, owner: 'sp1', limitBytes: '10000', ...input }));
    const [outcome] = await evaluatePolicies(store, { now: at('10:45'), policyIds: [id] });
    return { id, value: outcome!.value, state: outcome!.state };
  };

  it('a link set: its member links’ traffic, summed', async () => {
    expect(await measured({ linkSet: ids.peeringSet })).toMatchObject({ value: 11000n, state: 'ENFORCED' });
  });

  it('an ISP’s network: what its subscribers sent or received', async () => {
    expect(await measured({ network: 'sp2' })).toMatchObject({ value: 11000n, state: 'ENFORCED' });
    expect(await measured({ network: 'sp3' })).toMatchObject({ value: 0n, state: 'OK' });
  });

  it('one content owner’s traffic, or one transfer type’s', async () => {
    expect(await measured({ link: ids.frankfurt, contentOwner: 'moviestudio' })).toMatchObject({ value: 11000n, state: 'ENFORCED' });
    expect(await measured({ link: ids.frankfurt, contentOwner: 'label' })).toMatchObject({ value: 0n, state: 'OK' });
    expect(await measured({ link: ids.frankfurt, transferType: 'PEER_UPLOAD' })).toMatchObject({ value: 11000n, state: 'ENFORCED' });
    expect(await measured({ network: 'sp2', transferType: 'CDN_DOWNLOAD' })).toMatchObject({ value: 0n, state: 'OK' });
  });

  it('a window of W minutes counts every hour bucket that overlaps [now − W, now]', () => {
    expect(windowStart(at('10:20'), 60)).toEqual(at('09:00'));
    expect(windowStart(at('11:00'), 60)).toEqual(at('10:00'));
    expect(windowStart(at('10:50'), 15)).toEqual(at('10:00'));
    expect(windowStart(at('10:20'), 1440)).toEqual(new Date('2026-11-09T10:00:00Z'));
  });

  it('a limit given as a rate is the bytes the rate moves in the window', async () => {
    const result = await create({ name: 'rate', owner: 'sp1', link: ids.frankfurt, rateBitsPerSecond: '1000', windowMinutes: 30 });
    expect(result.capacityPolicy).toMatchObject({ limitBytes: String((1000 * 30 * 60) / 8), windowMinutes: 30 });
  });

  it('is exposed to the coordinator: the components, network, owner and type of every ENFORCED policy', async () => {
    const enforced = await enforcedPolicies(api.db.prisma);
    const setPolicy = enforced.find((p) => p.name.includes('linkSet'))!;
    expect(setPolicy.componentIds.sort()).toEqual([ids.frankfurtComponent, ids.paris].sort());
    expect(setPolicy).toMatchObject({ networkId: null, contentOwnerId: null, transferType: null, since: at('10:45') });
    const networkPolicy = enforced.find((p) => p.name === 'covers {"network":"sp2"}')!;
    expect(networkPolicy).toMatchObject({ componentIds: [], networkId: ids.sp2 });
    const typed = enforced.find((p) => p.name.includes('PEER_UPLOAD'))!;
    expect(typed).toMatchObject({ componentIds: [ids.frankfurtComponent], transferType: 'PEER_UPLOAD' });
    expect(enforced.every((p) => p.reason?.includes('over the limit'))).toBe(true);
  });

  it('evaluates in the same number of statements for many policies as for a few', async () => {
    const count = async () => {
      api.statements.reset();
      await evaluatePolicies(store, { now: new Date('2026-11-10T13:00:00Z') });
      return api.statements.count;
    };
    await evaluatePolicies(store, { now: new Date('2026-11-10T12:59:00Z') });
    const before = await count();
    for (let i = 0; i < 5; i++) await createOk({ name: `more ${i}`, owner: 'sp1', link: ids.frankfurt, limitBytes: '1' });
    await createOk({ name: 'more set', owner: 'sp1', linkSet: ids.peeringSet, limitBytes: '1' });
    await createOk({ name: 'more network', owner: 'sp1', network: 'sp1', limitBytes: '1' });
    const after = await count();
    expect(after).toBe(before);
  });
});

describe('creating, changing and deleting policies', () => {
  it('names the field of each problem', async () => {
    const errors = async (input: Record<string, unknown>) => (await create({ name: 'x', owner: 'sp1', limitBytes: '1', ...input })).userErrors.map((e: { field: string[]; code: string }) => [e.field.join('.'), e.code]);
    expect(await errors({})).toEqual([['input', 'INVALID']]);
    expect(await errors({ link: ids.frankfurt, network: 'sp1' })).toEqual([['input.network', 'INVALID']]);
    expect(await errors({ link: ids.peeringSet })).toEqual([['input.link', 'INVALID']]);
    expect(await errors({ network: 'nowhere' })).toEqual([['input.network', 'NOT_FOUND']]);
    expect(await errors({ network: 'moviestudio' })).toEqual([['input.network', 'INVALID']]);
    expect(await errors({ network: 'sp1', contentOwner: 'sp2' })).toEqual([['input.contentOwner', 'INVALID']]);
    expect(await errors({ network: 'sp1', windowMinutes: 0 })).toEqual([['input.windowMinutes', 'INVALID']]);
    expect(await errors({ network: 'sp1', windowMinutes: 1441 })).toEqual([['input.windowMinutes', 'INVALID']]);
    expect(await errors({ network: 'sp1', limitBytes: '0' })).toEqual([['input.limitBytes', 'INVALID']]);
    expect(await errors({ network: 'sp1', limitBytes: null })).toEqual([['input.limitBytes', 'INVALID']]);
    expect(await errors({ network: 'sp1', rateBitsPerSecond: '8' })).toEqual([['input.rateBitsPerSecond', 'INVALID']]);
    expect(await errors({ network: 'sp1', limitBytes: null, rateBitsPerSecond: '-5' })).toEqual([['input.rateBitsPerSecond', 'INVALID']]);
    expect(await errors({ network: 'sp1', name: '  ' })).toEqual([['input.name', 'INVALID']]);
  });

  it('updates the name, limit and window, and deletes with the history', async () => {
    const id = await createOk({ name: 'to change', owner: 'sp1', network: 'sp1', limitBytes: '100' });
    const updated = await api.admin(`mutation($input: UpdateCapacityPolicyInput!) { updateCapacityPolicy(input: $input) { capacityPolicy { name limitBytes windowMinutes } userErrors { field } } }`, {
      input: { id, name: 'changed', limitBytes: '200', windowMinutes: 120 },
    });
    expect(updated.data.updateCapacityPolicy).toEqual({ capacityPolicy: { name: 'changed', limitBytes: '200', windowMinutes: 120 }, userErrors: [] });
    const bad = await api.admin(`mutation($input: UpdateCapacityPolicyInput!) { updateCapacityPolicy(input: $input) { userErrors { field } } }`, { input: { id, windowMinutes: 2000 } });
    expect(bad.data.updateCapacityPolicy.userErrors).toEqual([{ field: ['input', 'windowMinutes'] }]);
    const deleted = await api.admin(`mutation($id: ID!) { deleteCapacityPolicy(input: { id: $id }) { deletedId userErrors { field } } }`, { id });
    expect(deleted.data.deleteCapacityPolicy).toEqual({ deletedId: id, userErrors: [] });
    const again = await api.admin(`mutation($id: ID!) { deleteCapacityPolicy(input: { id: $id }) { deletedId } }`, { id });
    expect(again.data.deleteCapacityPolicy.deletedId).toBeNull();
  });
});

describe('who may see and change policies', () => {
  it('an ISP limits its own network and links, not another’s, and not for another owner', async () => {
    const sp1 = await api.keyFor('PARTNER', 'sp1');
    expect((await create({ name: 'sp1 own', owner: 'sp1', network: 'sp1', limitBytes: '1' }, sp1)).userErrors).toEqual([]);
    expect((await create({ name: 'sp1 link', owner: 'sp1', link: ids.frankfurt, limitBytes: '1' }, sp1)).userErrors).toEqual([]);
    expect((await create({ name: 'as sp2', owner: 'sp2', network: 'sp2', limitBytes: '1' }, sp1)).userErrors).toMatchObject([{ field: ['input', 'owner'], code: 'FORBIDDEN' }]);
    expect((await create({ name: 'on sp2', owner: 'sp1', network: 'sp2', limitBytes: '1' }, sp1)).userErrors).toMatchObject([{ field: ['input', 'network'], code: 'FORBIDDEN' }]);
    const sp3 = await api.keyFor('PARTNER', 'sp3');
    expect((await create({ name: 'sp3 on peering', owner: 'sp3', link: ids.frankfurt, limitBytes: '1' }, sp3)).userErrors).toMatchObject([{ field: ['input', 'link'], code: 'NOT_FOUND' }]);
    expect(await create({ name: 'viewer', owner: 'sp1', network: 'sp1', limitBytes: '1' }, await api.keyFor('VIEWER', 'sp1'))).toEqual({ errors: ['FORBIDDEN'] });
  });

  it('a scoped key sees the policies it owns and those on its network, no others', async () => {
    const names = async (key: string) => {
      const result = await api.gql(`{ capacityPolicies(first: 100) { totalCount edges { node { name owner { slug } network { slug } } } } }`, {}, key);
      return result.data.capacityPolicies.edges.map((e: { node: { name: string; owner: { slug: string }; network: { slug: string } | null } }) => e.node);
    };
    const sp2 = await names(await api.keyFor('VIEWER', 'sp2'));
    expect(sp2.length).toBeGreaterThan(0);
    expect(sp2.every((p: { network: { slug: string } | null }) => p.network?.slug === 'sp2')).toBe(true);
    expect(await names(await api.keyFor('PARTNER', 'label'))).toEqual([]);
    const sp1 = await names(await api.keyFor('VIEWER', 'sp1'));
    expect(sp1.every((p: { owner: { slug: string }; network: { slug: string } | null }) => p.owner.slug === 'sp1' || p.network?.slug === 'sp1')).toBe(true);

    const sp1Policy = (await api.db.prisma.capacityPolicy.findFirstOrThrow({ where: { name: 'sp1 own' } })).id;
    const sp3 = await api.keyFor('PARTNER', 'sp3');
    const change = await api.gql(`mutation($id: ID!) { updateCapacityPolicy(input: { id: $id, limitBytes: "5" }) { userErrors { code } } }`, { id: gid('CapacityPolicy', sp1Policy) }, sp3);
    expect(change.data.updateCapacityPolicy.userErrors).toEqual([{ code: 'FORBIDDEN' }]);
  });
});

describe('evaluated on schedule', () => {
  it('a POLICY_EVALUATION job evaluates every policy as of the instant it was due for', async () => {
    const { Scheduler } = await import('../../src/reports/scheduler.ts');
    const { reportJobHandlers } = await import('../../src/reports/job-handlers.ts');
    const { createScheduledJob } = await import('../../src/reports/scheduled-jobs.ts');
    const id = gidToId(await createOk({ name: 'SP2 on schedule', owner: 'sp2', network: 'sp2', limitBytes: '5000' }));
    const job = await createScheduledJob(api.db.prisma, { name: 'policies hourly', kind: 'POLICY_EVALUATION', schedule: '0 * * * *' }, () => {}, at('09:30'));
    const scheduler = new Scheduler({ prisma: api.db.prisma, handlers: reportJobHandlers(store), intervalMs: 0 });
    await scheduler.tick(at('11:15'));
    // Replayed after the fact, the 10:00 instant counts the whole 10:00 bucket (P1 and P2, 11,000
    // bytes), as an evaluation on time would have counted what it held by then. Policies already
    // evaluated later (13:00) are left as they are.
    const runs = await api.db.prisma.jobRun.findMany({ where: { jobId: job.id }, orderBy: { scheduledFor: 'asc' } });
    expect(runs.map((run) => [run.scheduledFor.toISOString(), run.status])).toEqual([
      [at('10:00').toISOString(), 'SUCCEEDED'],
      [at('11:00').toISOString(), 'SUCCEEDED'],
    ]);
    type Outcome = { evaluated: number; changed: { policy: string; to: string }[] };
    const [first, second] = runs.map((run) => run.result as Outcome);
    expect(first!.changed).toContainEqual({ policy: id, to: 'ENFORCED' });
    expect(second!.changed).toEqual([]);
    expect(first!.evaluated).toBe(second!.evaluated);
    expect(await policy(gid('CapacityPolicy', id))).toMatchObject({ state: 'ENFORCED', stateSince: at('10:00').toISOString(), lastValue: '11000', evaluatedAt: at('11:00').toISOString() });
  });
});

describe('in the server', () => {
  it('policies are evaluated moments after a nudge (a fold of recorded transfers), and on an interval without one', async () => {
    const { PolicyWatch } = await import('../../src/reports/policy-watch.ts');
    const id = (await api.db.prisma.capacityPolicy.findFirstOrThrow({ where: { name: 'Frankfurt peering, 10 kB an hour' } })).id;
    const evaluatedSince = async (since: Date) => {
      for (let tries = 0; tries < 500; tries++) {
        const { evaluatedAt } = await api.db.prisma.capacityPolicy.findUniqueOrThrow({ where: { id } });
        if (evaluatedAt !== null && evaluatedAt >= since) return true;
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
      return false;
    };
    const nudged = new PolicyWatch(store, { intervalMs: 3_600_000, delayMs: 10 });
    nudged.start();
    const before = new Date();
    nudged.nudge();
    expect(await evaluatedSince(before)).toBe(true);
    await nudged.stop();

    const ticking = new PolicyWatch(store, { intervalMs: 30 });
    const later = new Date();
    ticking.start();
    expect(await evaluatedSince(later)).toBe(true);
    await ticking.stop();
  });
});
