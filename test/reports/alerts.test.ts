// Alerts on the demo world's "MovieStudio bytes delivered to SP1 subscribers", told as a story in
// Berlin time, November 2026 (UTC+1). Distributor 142's node 23.72.14.2 sends Hamlet to client 102
// (79.214.61.102, an SP1 subscriber). MovieStudio's daily rule: threshold 10,000 B, approaching at
// 80 % (8,000 B), floor 1,000 B.
//
//   10th 10:00  5,000 B   day total  5,000   nothing
//   10th 11:00  3,500 B              8,500   APPROACHING (≥ 8,000)
//   10th 12:00  2,000 B             10,500   EXCEEDED (> 10,000)
//   11th 09:00    500 B                500   BELOW when the 11th has closed (< 1,000)
//   12th 08:00 12,000 B             12,000   APPROACHING and EXCEEDED at once, for the 12th
//   13th           —                     0   BELOW for the 13th, once the rule is enabled again
//
// Its webhook receiver answers 500 to the first request for each alert and 200 after: every
// delivery takes two attempts. A deliverer with a clock the test moves (no waiting) sends them.
import { randomUUID } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CounterJournal } from '../../src/accounting/counter-journal.ts';
import { ensureDemoWorld } from '../../src/db/demo-world.ts';
import { toGlobalId } from '../../src/graphql/global-id.ts';
import { AlertEvaluator, alertEvaluationJob } from '../../src/reports/alert-evaluator.ts';
import { evaluateAlerts, type AlertEvaluation } from '../../src/reports/alerts.ts';
import { verifySignature, WebhookDeliverer } from '../../src/reports/webhooks.ts';
import type { TrafficStore } from '../../src/traffic/report.ts';
import { startTestApi, type TestApi } from '../support/api.ts';
import { berlin, sendHamlet } from '../support/hamlet.ts';

let api: TestApi;
let store: TrafficStore;
let objectId: string;
let studioObject: string;

// --- webhook receivers on localhost ---------------------------------------------------------

interface Request {
  alertId: string;
  level: string;
  body: string;
  timestamp: string;
  verified: boolean;
}

interface Receiver {
  url: string;
  requests: Request[];
  secret: string;
  close(): Promise<void>;
}

/** Checks every request's signature with `secret` (set once the rule exists) and answers `status(request, n-th for its alert)`. */
async function startReceiver(status: (seenBefore: number) => number): Promise<Receiver> {
  const receiver: Receiver = { url: '', requests: [], secret: '', close: async () => {} };
  const server: Server = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      const raw = Buffer.concat(chunks);
      const timestamp = String(request.headers['pathledger-timestamp']);
      const verified = verifySignature(receiver.secret, timestamp, raw, request.headers['pathledger-signature'] as string | undefined);
      const body = JSON.parse(raw.toString('utf8')) as { alert: { id: string; level: string } };
      const seenBefore = receiver.requests.filter((r) => r.alertId === body.alert.id).length;
      receiver.requests.push({ alertId: body.alert.id, level: body.alert.level, body: raw.toString('utf8'), timestamp, verified });
      response.statusCode = verified ? status(seenBefore) : 401;
      response.end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  receiver.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/hooks/pathledger`;
  receiver.close = () => new Promise((resolve) => server.close(() => resolve()));
  return receiver;
}

// --- the story's pieces ---------------------------------------------------------------------

const hamlet = (id: string, day: number, time: string, bytes: number) => sendHamlet(api, id, day, time, bytes);

/** What a run fired, as [level, value, bound, period start] (UTC), in order. */
const firedIn = (run: AlertEvaluation) => run.fired.map((alert) => [alert.level, String(alert.value), String(alert.bound), alert.periodStart.toISOString()]);

const RULE_FIELDS = `id name owner { slug } accountingObject { name } savedReport { name } metric period timeZone threshold approachingPercent floor webhookUrl enabled`;
const CREATE = `mutation($input: CreateAlertRuleInput!) { createAlertRule(input: $input) { alertRule { ${RULE_FIELDS} } secret userErrors { field message code } } }`;
const UPDATE = `mutation($input: UpdateAlertRuleInput!) { updateAlertRule(input: $input) { alertRule { ${RULE_FIELDS} } userErrors { field message code } } }`;

async function createRule(input: Record<string, unknown>, key = api.adminKey) {
  const result = await api.gql(CREATE, { input }, key);
  expect(result.errors).toBeUndefined();
  return result.data.createAlertRule as { alertRule: { id: string; [field: string]: unknown } | null; secret: string | null; userErrors: { field: string[]; message: string; code: string }[] };
}

/** The rule's row id; the rule is made to have existed since `since` (default: the story's first day), as if created then. */
async function backdate(globalId: string, since = berlin(10, '00:00')): Promise<string> {
  const id = Buffer.from(globalId, 'base64url').toString('utf8').split(':')[1]!;
  await api.db.prisma.alertRule.update({ where: { id }, data: { createdAt: since } });
  return id;
}

let flaky: Receiver;
let studioRule: { globalId: string; id: string };

beforeAll(async () => {
  api = await startTestApi();
  await ensureDemoWorld(api.db.prisma);
  store = { prisma: api.db.prisma, counters: new CounterJournal(api.db.sql) };
  objectId = (await api.db.prisma.accountingObject.findFirstOrThrow({ where: { name: 'MovieStudio bytes delivered to SP1 subscribers' } })).id;
  studioObject = toGlobalId('AccountingObject', objectId);
  flaky = await startReceiver((seenBefore) => (seenBefore === 0 ? 500 : 200));
});
afterAll(async () => {
  await flaky?.close();
  await api?.close();
});

describe('a rule, and the alerts it fires as MovieStudio’s traffic to SP1 grows', () => {
  it('is created with its secret, shown once', async () => {
    const created = await createRule({
      name: 'MovieStudio to SP1, daily',
      owner: 'moviestudio',
      accountingObject: studioObject,
      period: 'DAY',
      timeZone: 'Europe/Berlin',
      threshold: '10000',
      approachingPercent: 80,
      floor: '1000',
      webhookUrl: flaky.url,
    });
    expect(created.userErrors).toEqual([]);
    expect(created.secret).toMatch(/^whsec_[A-Za-z0-9_-]{43}$/);
    expect(created.alertRule).toMatchObject({
      name: 'MovieStudio to SP1, daily',
      owner: { slug: 'moviestudio' },
      accountingObject: { name: 'MovieStudio bytes delivered to SP1 subscribers' },
      savedReport: null,
      metric: 'BYTES', // the object's
      period: 'DAY',
      timeZone: 'Europe/Berlin',
      threshold: '10000',
      approachingPercent: 80,
      floor: '1000',
      webhookUrl: flaky.url,
      enabled: true,
    });
    flaky.secret = created.secret!;
    studioRule = { globalId: created.alertRule!.id, id: await backdate(created.alertRule!.id) };
  });

  it('fires APPROACHING at 80 % of the threshold, once however often it looks', async () => {
    await hamlet('A1', 10, '10:00', 5000);
    expect(firedIn(await evaluateAlerts(store, { now: berlin(10, '10:30') }))).toEqual([]);

    await hamlet('A2', 10, '11:00', 3500);
    const run = await evaluateAlerts(store, { now: berlin(10, '11:30') });
    expect(run).toMatchObject({ rules: 1, deliveries: 1, skipped: [] });
    expect(firedIn(run)).toEqual([['APPROACHING', '8500', '8000', '2026-11-09T23:00:00.000Z']]);
    expect(run.fired[0]!.periodEnd.toISOString()).toBe('2026-11-10T23:00:00.000Z');

    expect(firedIn(await evaluateAlerts(store, { now: berlin(10, '11:31') }))).toEqual([]);
    expect(firedIn(await evaluateAlerts(store, { now: berlin(10, '11:45') }))).toEqual([]);
  });

  it('fires EXCEEDED past the threshold, once even when two evaluators look at the same moment', async () => {
    await hamlet('A3', 10, '12:00', 2000);
    const runs = await Promise.all([evaluateAlerts(store, { now: berlin(10, '12:30') }), evaluateAlerts(store, { now: berlin(10, '12:30') })]);
    expect(runs.flatMap(firedIn)).toEqual([['EXCEEDED', '10500', '10000', '2026-11-09T23:00:00.000Z']]);
    expect(runs.reduce((sum, run) => sum + run.deliveries, 0)).toBe(1);
    expect(await api.db.prisma.alert.count()).toBe(2);
    expect(await api.db.prisma.webhookDelivery.count()).toBe(2);
  });

  it('saw the same usage as the API reports for the object', async () => {
    const result = await api.admin(`query($id: ID!) { node(id: $id) { ... on AccountingObject { usage(from: "2026-11-10T00:00:00+01:00", to: "2026-11-11T00:00:00+01:00") { bytes } } } }`, { id: studioObject });
    expect(result.data.node.usage.bytes).toBe('10500');
  });

  it('fires BELOW only once a period has closed under the floor', async () => {
    // The 10th closed at 10,500: not below. The 11th is under way at 0.
    expect(firedIn(await evaluateAlerts(store, { now: berlin(11, '00:30') }))).toEqual([]);
    await hamlet('A4', 11, '09:00', 500);
    expect(firedIn(await evaluateAlerts(store, { now: berlin(11, '23:59') }))).toEqual([]);
    expect(firedIn(await evaluateAlerts(store, { now: berlin(12, '00:10') }))).toEqual([['BELOW', '500', '1000', '2026-11-10T23:00:00.000Z']]);
    expect(firedIn(await evaluateAlerts(store, { now: berlin(12, '00:20') }))).toEqual([]);
  });

  it('fires again in a new period; a jump past the threshold fires APPROACHING and EXCEEDED together, in that order', async () => {
    await hamlet('A5', 12, '08:00', 12000);
    expect(firedIn(await evaluateAlerts(store, { now: berlin(12, '08:30') }))).toEqual([
      ['APPROACHING', '12000', '8000', '2026-11-11T23:00:00.000Z'],
      ['EXCEEDED', '12000', '10000', '2026-11-11T23:00:00.000Z'],
    ]);
    expect(firedIn(await evaluateAlerts(store, { now: berlin(12, '09:00') }))).toEqual([]);
  });

  it('is not evaluated while disabled', async () => {
    const off = await api.admin(UPDATE, { input: { id: studioRule.globalId, enabled: false } });
    expect(off.data.updateAlertRule).toMatchObject({ alertRule: { enabled: false }, userErrors: [] });
    expect(await evaluateAlerts(store, { now: berlin(14, '00:10') })).toMatchObject({ rules: 0, fired: [] });

    const on = await api.admin(UPDATE, { input: { id: studioRule.globalId, enabled: true } });
    expect(on.data.updateAlertRule.alertRule.enabled).toBe(true);
    expect(firedIn(await evaluateAlerts(store, { now: berlin(14, '00:20') }))).toEqual([['BELOW', '0', '1000', '2026-11-12T23:00:00.000Z']]);
  });

  it('does not report on periods that ended before it was created', async () => {
    const created = await createRule({ name: 'Fresh floor', owner: 'moviestudio', accountingObject: studioObject, period: 'DAY', floor: '1000000' });
    const id = Buffer.from(created.alertRule!.id, 'base64url').toString('utf8').split(':')[1]!;
    const now = new Date();
    // Yesterday closed far below the floor, but the rule was not watching then.
    expect(firedIn(await evaluateAlerts(store, { now, ruleIds: [id] }))).toEqual([]);
    // Today, the day it was created, is watched: BELOW once it has closed.
    const tomorrow = new Date(now.getTime() + 86_400_000);
    const run = await evaluateAlerts(store, { now: tomorrow, ruleIds: [id] });
    expect(run.fired.map((alert) => alert.level)).toEqual(['BELOW']);
    expect(run.fired[0]!.periodEnd.getTime()).toBeGreaterThan(now.getTime());

    const deleted = await api.admin(`mutation($input: DeleteInput!) { deleteAlertRule(input: $input) { deletedId userErrors { code } } }`, { input: { id: created.alertRule!.id } });
    expect(deleted.data.deleteAlertRule).toEqual({ deletedId: created.alertRule!.id, userErrors: [] });
    expect(await api.db.prisma.alert.count({ where: { ruleId: id } })).toBe(0);
  });
});

describe('webhooks', () => {
  let clock = Date.now();
  const deliverer = () => new WebhookDeliverer(api.db.prisma, { maxAttempts: 3, retryBaseMs: 10, jitter: 0, clock: () => new Date(clock), allowPrivateReceivers: true });

  it('retries a receiver that first answers 500, with backoff, until it answers 200; every attempt is logged', async () => {
    const sender = deliverer();
    expect(await sender.deliverDue()).toEqual({ attempted: 6, delivered: 0, retrying: 6, failed: 0 });
    const first = await api.db.prisma.webhookDelivery.findMany();
    expect(first.map((d) => [d.status, d.attempts, d.nextAttemptAt.getTime()])).toEqual(first.map(() => ['PENDING', 1, clock + 10]));

    clock += 9;
    expect((await sender.deliverDue()).attempted).toBe(0);
    clock += 1;
    expect(await sender.deliverDue()).toEqual({ attempted: 6, delivered: 6, retrying: 0, failed: 0 });
    clock += 100_000;
    expect((await sender.deliverDue()).attempted).toBe(0);

    // The receiver saw each alert twice, signed, with the same body each time.
    expect(flaky.requests).toHaveLength(12);
    expect(flaky.requests.every((request) => request.verified)).toBe(true);
    const byAlert = new Map<string, Request[]>();
    for (const request of flaky.requests) byAlert.set(request.alertId, [...(byAlert.get(request.alertId) ?? []), request]);
    expect([...byAlert.values()].map((requests) => requests.length)).toEqual([2, 2, 2, 2, 2, 2]);
    for (const requests of byAlert.values()) expect(requests[1]!.body).toBe(requests[0]!.body);
    expect(flaky.requests.map((request) => request.level).sort()).toEqual(['APPROACHING', 'APPROACHING', 'APPROACHING', 'APPROACHING', 'BELOW', 'BELOW', 'BELOW', 'BELOW', 'EXCEEDED', 'EXCEEDED', 'EXCEEDED', 'EXCEEDED']);
  });

  it('shows each alert’s delivery and its log in the API', async () => {
    const result = await api.admin(`query($rule: ID!) {
      alerts(rule: $rule, level: EXCEEDED) { totalCount edges { node { id level value bound periodStart firedAt rule { name }
        deliveries { url status attempts nextAttemptAt log { attempt at responseStatus error durationMs } } } } }
    }`, { rule: studioRule.globalId });
    expect(result.errors).toBeUndefined();
    const { totalCount, edges } = result.data.alerts;
    expect(totalCount).toBe(2);
    const [latest] = edges;
    expect(latest.node).toMatchObject({ level: 'EXCEEDED', value: '12000', bound: '10000', periodStart: '2026-11-11T23:00:00.000Z', firedAt: berlin(12, '08:30').toISOString(), rule: { name: 'MovieStudio to SP1, daily' } });
    expect(latest.node.deliveries).toHaveLength(1);
    const [delivery] = latest.node.deliveries;
    expect(delivery).toMatchObject({ url: flaky.url, status: 'DELIVERED', attempts: 2, nextAttemptAt: null });
    expect(delivery.log.map((a: { attempt: number; responseStatus: number; error: string | null }) => [a.attempt, a.responseStatus, a.error])).toEqual([
      [1, 500, 'the receiver answered 500 Internal Server Error'],
      [2, 200, null],
    ]);
    expect(delivery.log.every((a: { durationMs: number }) => Number.isInteger(a.durationMs) && a.durationMs >= 0)).toBe(true);

    // The body the receiver got, as documented in src/reports/webhook-body.ts.
    const body = JSON.parse(flaky.requests.find((request) => request.alertId === latest.node.id)!.body);
    expect(body).toEqual({
      type: 'alert',
      alert: {
        id: latest.node.id,
        level: 'EXCEEDED',
        periodStart: '2026-11-11T23:00:00.000Z',
        periodEnd: '2026-11-12T23:00:00.000Z',
        value: '12000',
        bound: '10000',
        firedAt: berlin(12, '08:30').toISOString(),
      },
      rule: { id: studioRule.globalId, name: 'MovieStudio to SP1, daily', metric: 'BYTES', period: 'DAY', timeZone: 'Europe/Berlin', accountingObject: studioObject, savedReport: null },
    });
  });

  it('gives up after the last attempt: FAILED, every attempt logged, unreachable receivers too', async () => {
    const failing = await startReceiver(() => 503);
    // A port that was just free and is closed again: nothing answers there.
    const gone = await startReceiver(() => 200);
    await gone.close();
    try {
      const ruleFor = async (name: string, receiver: Receiver) => {
        const created = await createRule({ name, owner: 'moviestudio', accountingObject: studioObject, period: 'DAY', timeZone: 'Europe/Berlin', threshold: '1', webhookUrl: receiver.url });
        receiver.secret = created.secret!;
        return backdate(created.alertRule!.id, berlin(12, '00:00'));
      };
      const ids = [await ruleFor('Always failing receiver', failing), await ruleFor('Receiver gone', gone)];
      expect((await evaluateAlerts(store, { now: berlin(12, '09:00'), ruleIds: ids })).deliveries).toBe(2);

      const sender = deliverer();
      const start = clock;
      expect(await sender.deliverDue()).toEqual({ attempted: 2, delivered: 0, retrying: 2, failed: 0 });
      clock = start + 9;
      expect((await sender.deliverDue()).attempted).toBe(0);
      clock = start + 10; // base × 2⁰ after the first failure
      expect(await sender.deliverDue()).toEqual({ attempted: 2, delivered: 0, retrying: 2, failed: 0 });
      clock = start + 29;
      expect((await sender.deliverDue()).attempted).toBe(0);
      clock = start + 30; // base × 2¹ after the second
      expect(await sender.deliverDue()).toEqual({ attempted: 2, delivered: 0, retrying: 0, failed: 2 });
      clock = start + 3_600_000;
      expect((await sender.deliverDue()).attempted).toBe(0);

      expect(failing.requests).toHaveLength(3);
      expect(failing.requests.every((request) => request.verified)).toBe(true);
      const deliveries = await api.db.prisma.webhookDelivery.findMany({ where: { alert: { ruleId: { in: ids } } }, include: { log: { orderBy: { attempt: 'asc' } } } });
      const log = (url: string) => deliveries.find((d) => d.url === url)!;
      expect(log(failing.url)).toMatchObject({ status: 'FAILED', attempts: 3 });
      expect(log(failing.url).log.map((a) => [a.attempt, a.responseStatus, a.error, a.at.getTime()])).toEqual([
        [1, 503, 'the receiver answered 503 Service Unavailable', start],
        [2, 503, 'the receiver answered 503 Service Unavailable', start + 10],
        [3, 503, 'the receiver answered 503 Service Unavailable', start + 30],
      ]);
      expect(log(gone.url)).toMatchObject({ status: 'FAILED', attempts: 3 });
      expect(log(gone.url).log.map((a) => [a.attempt, a.responseStatus])).toEqual([
        [1, null],
        [2, null],
        [3, null],
      ]);
      expect(log(gone.url).log[0]!.error).toMatch(/ECONNREFUSED/);
    } finally {
      await failing.close();
    }
  });

  it('gives a receiver that does not answer its timeout, and waits a little longer at random before the next try', async () => {
    clock = Date.now();
    const silent = createServer(() => {}); // never answers
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    try {
      const url = `http://127.0.0.1:${(silent.address() as AddressInfo).port}/`;
      const created = await createRule({ name: 'Silent receiver', owner: 'moviestudio', accountingObject: studioObject, period: 'DAY', timeZone: 'Europe/Berlin', threshold: '1', webhookUrl: url });
      const id = await backdate(created.alertRule!.id, berlin(12, '00:00'));
      expect((await evaluateAlerts(store, { now: berlin(12, '09:30'), ruleIds: [id] })).deliveries).toBe(1);
      const sender = new WebhookDeliverer(api.db.prisma, { maxAttempts: 3, retryBaseMs: 1000, timeoutMs: 300, jitter: 0.5, clock: () => new Date(clock), allowPrivateReceivers: true });
      expect(await sender.deliverDue()).toEqual({ attempted: 1, delivered: 0, retrying: 1, failed: 0 });
      const delivery = await api.db.prisma.webhookDelivery.findFirstOrThrow({ where: { alert: { ruleId: id } }, include: { log: true } });
      expect(delivery.log.map((a) => [a.attempt, a.responseStatus, a.error])).toEqual([[1, null, 'no answer within 300 ms']]);
      expect(delivery.log[0]!.durationMs).toBeGreaterThanOrEqual(250);
      // 1 s, plus up to half of it.
      expect(delivery.nextAttemptAt.getTime() - clock).toBeGreaterThanOrEqual(1000);
      expect(delivery.nextAttemptAt.getTime() - clock).toBeLessThanOrEqual(1500);
      // Its retry is not for the tests that follow.
      await api.db.prisma.alertRule.delete({ where: { id } });
    } finally {
      silent.closeAllConnections();
      await new Promise((resolve) => silent.close(resolve));
    }
  });

  it('two deliverers at once send each delivery once', async () => {
    // Back to the receiver's time: it refuses timestamps five minutes off.
    clock = Date.now();
    const ok = await startReceiver(() => 204);
    try {
      const created = await createRule({ name: 'Two servers', owner: 'moviestudio', accountingObject: studioObject, period: 'DAY', timeZone: 'Europe/Berlin', threshold: '1', webhookUrl: ok.url });
      ok.secret = created.secret!;
      const id = await backdate(created.alertRule!.id, berlin(12, '00:00'));
      expect((await evaluateAlerts(store, { now: berlin(12, '10:00'), ruleIds: [id] })).deliveries).toBe(1);
      const passes = await Promise.all([deliverer().deliverDue(), deliverer().deliverDue()]);
      expect(passes.reduce((sum, pass) => sum + pass.delivered, 0)).toBe(1);
      expect(ok.requests).toHaveLength(1);
    } finally {
      await ok.close();
    }
  });

  it('started, it delivers on its own soon after being told alerts fired, and stops', async () => {
    const ok = await startReceiver(() => 200);
    const sender = new WebhookDeliverer(api.db.prisma, { maxAttempts: 3, retryBaseMs: 10, pollIntervalMs: 60_000, allowPrivateReceivers: true });
    try {
      const created = await createRule({ name: 'Started deliverer', owner: 'moviestudio', accountingObject: studioObject, period: 'DAY', timeZone: 'Europe/Berlin', threshold: '1', webhookUrl: ok.url });
      ok.secret = created.secret!;
      const id = await backdate(created.alertRule!.id, berlin(12, '00:00'));
      sender.start();
      expect((await evaluateAlerts(store, { now: berlin(12, '11:00'), ruleIds: [id] })).deliveries).toBe(1);
      sender.notify();
      for (let waited = 0; ok.requests.length === 0 && waited < 10_000; waited += 20) await new Promise((resolve) => setTimeout(resolve, 20));
      expect(ok.requests.map((request) => request.verified)).toEqual([true]);
    } finally {
      await sender.stop();
      await ok.close();
    }
  });
});

describe('the alerts query', () => {
  const ALERTS = `query($first: Int, $after: String, $rule: ID, $level: AlertLevel, $since: DateTime) {
    alerts(first: $first, after: $after, rule: $rule, level: $level, since: $since) {
      totalCount pageInfo { hasNextPage endCursor } edges { cursor node { level periodStart firedAt } }
    }
  }`;
  const list = async (variables: Record<string, unknown>, key = api.adminKey) => {
    const result = await api.gql(ALERTS, { rule: studioRule.globalId, ...variables }, key);
    if (result.errors) return { errors: result.errors.map((e) => e.extensions.code) };
    const alerts = result.data.alerts;
    return { ...alerts, levels: alerts.edges.map((e: { node: { level: string; periodStart: string } }) => `${e.node.level} ${e.node.periodStart.slice(0, 10)}`) };
  };

  it('lists a rule’s alerts newest first', async () => {
    expect((await list({})).levels).toEqual([
      'BELOW 2026-11-12',
      'EXCEEDED 2026-11-11',
      'APPROACHING 2026-11-11',
      'BELOW 2026-11-10',
      'EXCEEDED 2026-11-09',
      'APPROACHING 2026-11-09',
    ]);
  });

  it('filters by level and by when they fired', async () => {
    expect(await list({ level: 'BELOW' })).toMatchObject({ totalCount: 2, levels: ['BELOW 2026-11-12', 'BELOW 2026-11-10'] });
    expect(await list({ since: berlin(12, '00:10').toISOString() })).toMatchObject({ totalCount: 4, levels: ['BELOW 2026-11-12', 'EXCEEDED 2026-11-11', 'APPROACHING 2026-11-11', 'BELOW 2026-11-10'] });
    expect(await list({ since: berlin(12, '00:11').toISOString(), level: 'APPROACHING' })).toMatchObject({ totalCount: 1, levels: ['APPROACHING 2026-11-11'] });
    // Every rule's, without `rule`.
    const all = await api.admin(`{ alerts(first: 100) { totalCount } }`);
    expect(all.data.alerts.totalCount).toBe(await api.db.prisma.alert.count());
  });

  it('pages with first and after', async () => {
    const first = await list({ first: 4 });
    expect(first).toMatchObject({ totalCount: 6, pageInfo: { hasNextPage: true } });
    const second = await list({ first: 4, after: first.pageInfo.endCursor });
    expect(second).toMatchObject({ pageInfo: { hasNextPage: false }, levels: ['EXCEEDED 2026-11-09', 'APPROACHING 2026-11-09'] });
  });

  it('refuses an id that is not a rule’s, and a cursor it did not give', async () => {
    expect(await list({ rule: studioObject })).toEqual({ errors: ['BAD_USER_INPUT'] });
    expect(await list({ after: 'bm90LWEtY3Vyc29y' })).toEqual({ errors: ['BAD_USER_INPUT'] });
  });

  it('also hangs under the rule, paged', async () => {
    const result = await api.admin(`query($id: ID!) { node(id: $id) { ... on AlertRule { alerts(first: 2) { totalCount pageInfo { hasNextPage endCursor } edges { node { level } } } } } }`, { id: studioRule.globalId });
    const alerts = result.data.node.alerts;
    expect(alerts).toMatchObject({ totalCount: 6, pageInfo: { hasNextPage: true }, edges: [{ node: { level: 'BELOW' } }, { node: { level: 'EXCEEDED' } }] });
    const next = await api.admin(`query($id: ID!, $after: String) { node(id: $id) { ... on AlertRule { alerts(first: 10, after: $after) { edges { node { level periodStart } } } } } }`, { id: studioRule.globalId, after: alerts.pageInfo.endCursor });
    expect(next.data.node.alerts.edges.map((e: { node: { level: string } }) => e.node.level)).toEqual(['APPROACHING', 'BELOW', 'EXCEEDED', 'APPROACHING']);
  });
});

describe('who may write and see rules', () => {
  let sp1Rule: string;

  it('a PARTNER writes rules for its own organization only', async () => {
    const partner = await api.keyFor('PARTNER', 'sp1');
    const forStudio = await createRule({ name: 'Not mine', owner: 'moviestudio', accountingObject: studioObject, period: 'DAY', threshold: '1' }, partner);
    expect(forStudio).toMatchObject({ alertRule: null, secret: null, userErrors: [{ field: ['input', 'owner'], code: 'FORBIDDEN' }] });

    // SP1 is paid under a contract on the object, so SP1 may watch it.
    const own = await createRule({ name: 'SP1 watches its delivery', owner: 'sp1', accountingObject: studioObject, period: 'DAY', timeZone: 'Europe/Berlin', threshold: '9000' }, partner);
    expect(own.userErrors).toEqual([]);
    sp1Rule = own.alertRule!.id;
    const id = await backdate(sp1Rule);
    expect(firedIn(await evaluateAlerts(store, { now: berlin(10, '15:00'), ruleIds: [id] }))).toEqual([['EXCEEDED', '10500', '9000', '2026-11-09T23:00:00.000Z']]);

    // …but not change MovieStudio's.
    const change = await api.gql(UPDATE, { input: { id: studioRule.globalId, threshold: '1' } }, partner);
    expect(change.data.updateAlertRule).toMatchObject({ alertRule: null, userErrors: [{ field: ['input', 'id'], code: 'FORBIDDEN' }] });
    const remove = await api.gql(`mutation($input: DeleteInput!) { deleteAlertRule(input: $input) { deletedId userErrors { field code } } }`, { input: { id: studioRule.globalId } }, partner);
    expect(remove.data.deleteAlertRule).toEqual({ deletedId: null, userErrors: [{ field: ['input', 'id'], code: 'FORBIDDEN' }] });
  });

  it('a rule may watch only what its owner’s keys may see', async () => {
    const partner = await api.keyFor('PARTNER', 'sp2');
    const result = await createRule({ name: 'Peeking', owner: 'sp2', accountingObject: studioObject, period: 'DAY', threshold: '1' }, partner);
    expect(result.userErrors).toMatchObject([{ field: ['input', 'accountingObject'], code: 'NOT_FOUND' }]);
    // Nor may an ADMIN make SP2 a rule that would show SP2 the object's usage.
    const byAdmin = await createRule({ name: 'Peeking', owner: 'sp2', accountingObject: studioObject, period: 'DAY', threshold: '1' });
    expect(byAdmin.userErrors).toMatchObject([{ field: ['input', 'accountingObject'], code: 'NOT_FOUND' }]);
  });

  it('VIEWER and AGENT keys may not write rules', async () => {
    for (const role of ['VIEWER', 'AGENT'] as const) {
      const result = await api.gql(CREATE, { input: { name: 'x', owner: 'moviestudio', accountingObject: studioObject, period: 'DAY', threshold: '1' } }, await api.keyFor(role, 'moviestudio'));
      expect(result.errors?.map((e) => e.extensions.code)).toEqual(['FORBIDDEN']);
    }
  });

  it('scoped keys see their own organization’s rules and those rules’ alerts, nothing else', async () => {
    const seen = async (key: string) => {
      const result = await api.gql(`query($sp1Rule: ID!, $studioRule: ID!) {
        alertRules(first: 100) { totalCount edges { node { name owner { slug } } } }
        alerts(first: 100) { totalCount edges { node { rule { owner { slug } } } } }
        sp1: node(id: $sp1Rule) { id }
        studio: node(id: $studioRule) { id }
      }`, { sp1Rule, studioRule: studioRule.globalId }, key);
      expect(result.errors).toBeUndefined();
      const data = result.data;
      return {
        owners: [...new Set(data.alertRules.edges.map((e: { node: { owner: { slug: string } } }) => e.node.owner.slug))],
        alertOwners: [...new Set(data.alerts.edges.map((e: { node: { rule: { owner: { slug: string } } } }) => e.node.rule.owner.slug))],
        alerts: data.alerts.totalCount,
        nodes: [data.sp1 !== null, data.studio !== null],
      };
    };
    const studio = await api.db.prisma.organization.findUniqueOrThrow({ where: { slug: 'moviestudio' } });
    const studioAlerts = await api.db.prisma.alert.count({ where: { rule: { ownerId: studio.id } } });
    expect(await seen(await api.keyFor('VIEWER', 'moviestudio'))).toEqual({ owners: ['moviestudio'], alertOwners: ['moviestudio'], alerts: studioAlerts, nodes: [false, true] });
    expect(await seen(await api.keyFor('PARTNER', 'sp1'))).toEqual({ owners: ['sp1'], alertOwners: ['sp1'], alerts: 1, nodes: [true, false] });
    expect(await seen(await api.keyFor('VIEWER', 'sp2'))).toEqual({ owners: [], alertOwners: [], alerts: 0, nodes: [false, false] });
    expect((await seen(await api.keyFor('CONTRACT_MANAGER'))).owners.sort()).toEqual(['moviestudio', 'sp1']);
  });
});

describe('bad input names its field', () => {
  const base = () => ({ name: 'Checked', owner: 'moviestudio', accountingObject: studioObject, period: 'DAY', threshold: '10000' });

  it.each([
    ['a blank name', { name: '  ' }, ['input', 'name'], 'INVALID'],
    ['an unknown owner', { owner: 'nobody' }, ['input', 'owner'], 'NOT_FOUND'],
    ['neither an object nor a saved report', { accountingObject: null }, ['input', 'accountingObject'], 'INVALID'],
    ['both an object and a saved report', { savedReport: toGlobalId('SavedReport', '00000000-0000-7000-8000-000000000000') }, ['input', 'savedReport'], 'INVALID'],
    ['an id of the wrong kind', { accountingObject: toGlobalId('Contract', '00000000-0000-7000-8000-000000000000') }, ['input', 'accountingObject'], 'INVALID'],
    ['an object that does not exist', { accountingObject: toGlobalId('AccountingObject', '00000000-0000-7000-8000-000000000000') }, ['input', 'accountingObject'], 'NOT_FOUND'],
    ['a zero threshold', { threshold: '0' }, ['input', 'threshold'], 'INVALID'],
    ['a negative floor', { floor: '-1' }, ['input', 'floor'], 'INVALID'],
    ['a floor above the threshold', { floor: '10001' }, ['input', 'floor'], 'INVALID'],
    ['neither a threshold nor a floor', { threshold: null }, ['input', 'threshold'], 'INVALID'],
    ['100 %', { approachingPercent: 100 }, ['input', 'approachingPercent'], 'INVALID'],
    ['0 %', { approachingPercent: 0 }, ['input', 'approachingPercent'], 'INVALID'],
    ['a percentage without a threshold', { threshold: null, floor: '5', approachingPercent: 50 }, ['input', 'approachingPercent'], 'INVALID'],
    ['an unknown time zone', { timeZone: 'Mars/Olympus_Mons' }, ['input', 'timeZone'], 'INVALID'],
    ['a relative webhook URL', { webhookUrl: '/hooks' }, ['input', 'webhookUrl'], 'INVALID'],
    ['a webhook URL that is not http(s)', { webhookUrl: 'ftp://example.com/hooks' }, ['input', 'webhookUrl'], 'INVALID'],
  ])('%s', async (_, change, field, code) => {
    const result = await createRule({ ...base(), ...change });
    expect(result.alertRule).toBeNull();
    expect(result.userErrors).toHaveLength(1);
    expect(result.userErrors[0]).toMatchObject({ field, code });
  });

  it('an update is checked as the rule it makes', async () => {
    const update = async (input: Record<string, unknown>) => (await api.admin(UPDATE, { input: { id: studioRule.globalId, ...input } })).data.updateAlertRule;
    // Clearing the threshold would leave the 80 % without anything to be a percentage of.
    expect((await update({ threshold: null })).userErrors).toMatchObject([{ field: ['input', 'approachingPercent'] }]);
    expect((await update({ approachingPercent: null, threshold: null, floor: null })).userErrors).toMatchObject([{ field: ['input', 'threshold'] }]);
    expect((await update({ webhookUrl: 'mailto:ops@example.com' })).userErrors).toMatchObject([{ field: ['input', 'webhookUrl'] }]);
    expect((await update({ id: studioObject })).userErrors).toMatchObject([{ field: ['input', 'id'] }]);
    // Nothing changed; then a valid change goes through.
    expect((await update({ name: '  MovieStudio to SP1, daily  ', threshold: '11000' })).alertRule).toMatchObject({ name: 'MovieStudio to SP1, daily', threshold: '11000', approachingPercent: 80, floor: '1000', webhookUrl: flaky.url });
    expect((await update({ threshold: '10000' })).alertRule.threshold).toBe('10000');
  });
});

describe('rules on a saved report, and rules whose source is gone', () => {
  it('watches a saved report’s total over the rule’s own periods', async () => {
    const studio = await api.db.prisma.organization.findUniqueOrThrow({ where: { slug: 'moviestudio' } });
    const report = await api.db.prisma.savedReport.create({
      data: {
        name: 'MovieStudio delivered to SP1',
        ownerId: studio.id,
        query: { filter: { contentOwner: 'moviestudio', destinationNetwork: 'sp1', timeZone: 'Europe/Berlin' }, groupBy: [], granularity: null, range: 'LAST_DAY', scope: null },
      },
    });
    const created = await createRule({ name: 'Saved report, daily', owner: 'moviestudio', savedReport: toGlobalId('SavedReport', report.id), period: 'DAY', metric: 'TRANSFERS', threshold: '2' });
    expect(created.userErrors).toEqual([]);
    // The zone is the saved filter's.
    expect(created.alertRule).toMatchObject({ savedReport: { name: 'MovieStudio delivered to SP1' }, accountingObject: null, metric: 'TRANSFERS', timeZone: 'Europe/Berlin' });
    const id = await backdate(created.alertRule!.id);
    expect(firedIn(await evaluateAlerts(store, { now: berlin(10, '23:00'), ruleIds: [id] }))).toEqual([['EXCEEDED', '3', '2', '2026-11-09T23:00:00.000Z']]);

    // A filter that no longer resolves skips the rule, saying why.
    await api.db.prisma.savedReport.update({ where: { id: report.id }, data: { query: { filter: { contentOwner: 'gone-studio' }, groupBy: [], granularity: null, range: 'LAST_DAY', scope: null } } });
    const broken = await evaluateAlerts(store, { now: berlin(10, '23:30'), ruleIds: [id] });
    expect(broken).toMatchObject({ rules: 1, fired: [], skipped: [{ ruleId: id, reason: expect.stringMatching(/^its saved report could not be run: .*gone-studio/) }] });

    // Another organization's saved report is not SP1's to watch.
    const other = await createRule({ name: 'Not SP1’s', owner: 'sp1', savedReport: toGlobalId('SavedReport', report.id), period: 'DAY', threshold: '2' });
    expect(other.userErrors).toMatchObject([{ field: ['input', 'savedReport'], code: 'NOT_FOUND' }]);
  });

  it('skips, and says why, a rule whose accounting object was deleted', async () => {
    const studio = await api.db.prisma.organization.findUniqueOrThrow({ where: { slug: 'moviestudio' } });
    const object = await api.db.prisma.accountingObject.create({ data: { name: 'Short-lived', ownerId: studio.id, metric: 'BYTES' } });
    const created = await createRule({ name: 'Orphan', owner: 'moviestudio', accountingObject: toGlobalId('AccountingObject', object.id), period: 'HOUR', floor: '1' });
    const id = await backdate(created.alertRule!.id);
    await api.db.prisma.accountingObject.delete({ where: { id: object.id } });
    expect(await evaluateAlerts(store, { now: berlin(10, '23:00'), ruleIds: [id] })).toEqual({ rules: 1, fired: [], deliveries: 0, skipped: [{ ruleId: id, reason: 'its accounting object no longer exists.' }] });
  });
});

describe('reading alerts costs the same whatever the number of rules', () => {
  it('nested rules → alerts → deliveries → log are batched', async () => {
    const prisma = api.db.prisma;
    const owner = await prisma.organization.findUniqueOrThrow({ where: { slug: 'moviestudio' } });
    // Written set-wise: the API's connection must not sit idle long enough to be dropped meanwhile.
    const rules = Array.from({ length: 40 }, (_, i) => ({ id: randomUUID(), name: `Bulk ${i}`, ownerId: owner.id, accountingObjectId: objectId, period: 'HOUR' as const, threshold: 1n, secret: 'whsec_bulk' }));
    const alerts = rules.flatMap((rule) =>
      (['APPROACHING', 'EXCEEDED'] as const).map((level) => ({ id: randomUUID(), ruleId: rule.id, level, periodStart: new Date('2026-11-10T10:00:00Z'), periodEnd: new Date('2026-11-10T11:00:00Z'), value: 5n, bound: 1n })),
    );
    const deliveries = alerts.map((alert) => ({ id: randomUUID(), alertId: alert.id, url: 'https://example.com/hook', body: '{}', status: 'DELIVERED' as const, attempts: 2 }));
    await prisma.alertRule.createMany({ data: rules });
    await prisma.alert.createMany({ data: alerts });
    await prisma.webhookDelivery.createMany({ data: deliveries });
    await prisma.webhookAttempt.createMany({
      data: deliveries.flatMap((delivery) => [
        { deliveryId: delivery.id, attempt: 1, durationMs: 3, responseStatus: 500 },
        { deliveryId: delivery.id, attempt: 2, durationMs: 2, responseStatus: 200 },
      ]),
    });
    const QUERY = `query($n: Int!) { alertRules(first: $n) { edges { node { name owner { slug } accountingObject { name }
      alerts(first: 5) { totalCount edges { node { level rule { name } deliveries { status log { attempt responseStatus } } } } } } } } }`;
    const statementsFor = async (n: number) => {
      await api.admin('{ me { role } }');
      api.statements.reset();
      const result = await api.admin(QUERY, { n });
      expect(result.errors).toBeUndefined();
      expect(result.data.alertRules.edges).toHaveLength(n);
      return api.statements.count;
    };
    const few = await statementsFor(5);
    const many = await statementsFor(40);
    expect(many).toBe(few);
    // The key, the rules, then one statement per field batch (owners, objects, alert pages, alert
    // counts, rules, deliveries, attempts).
    expect(few).toBeLessThanOrEqual(12);
  });
});

describe('evaluating as transfers are counted', () => {
  it('a burst of pokes (one per fold) is one evaluation soon after; the deliverer is told of new deliveries', async () => {
    let evaluations = 0;
    const counting: TrafficStore = { prisma: api.db.prisma, counters: { settle: async () => (evaluations++, 0) } };
    let notified = 0;
    const evaluator = new AlertEvaluator(counting, { intervalMs: 3_600_000, deliverer: { notify: () => notified++ }, delayMs: 50, clock: () => berlin(20, '12:00') });
    // Off until started, as in tests where the server's interval is 0.
    evaluator.poke();
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(evaluations).toBe(0);
    evaluator.start();
    const created = await createRule({ name: 'Quarterly, live', owner: 'moviestudio', accountingObject: studioObject, period: 'QUARTER', threshold: '1', webhookUrl: flaky.url });
    const id = await backdate(created.alertRule!.id, new Date('2026-10-01T00:00:00Z'));
    // Only this rule: the story's rules are not to fire again for the 19th.
    await api.db.prisma.alertRule.updateMany({ where: { id: { not: id } }, data: { enabled: false } });
    try {
      evaluator.poke();
      evaluator.poke();
      evaluator.poke();
      for (let waited = 0; evaluations === 0 && waited < 10_000; waited += 20) await new Promise((resolve) => setTimeout(resolve, 20));
      await evaluator.run(); // queued behind the poked one, if it is still running
      expect(evaluations).toBe(2);
      expect(notified).toBe(1);
      const fired = await api.db.prisma.alert.findMany({ where: { ruleId: id } });
      expect(fired.map((alert) => [alert.level, alert.periodStart.toISOString(), alert.firedAt.toISOString()])).toEqual([['EXCEEDED', '2026-10-01T00:00:00.000Z', berlin(20, '12:00').toISOString()]]);
    } finally {
      await evaluator.stop();
    }
    evaluator.poke();
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(evaluations).toBe(2);
  });

  it('started, it also evaluates on a timer, with no transfer to poke it', async () => {
    let evaluations = 0;
    const counting: TrafficStore = { prisma: api.db.prisma, counters: { settle: async () => (evaluations++, 0) } };
    const evaluator = new AlertEvaluator(counting, { intervalMs: 30, delayMs: 0, clock: () => berlin(20, '12:00') });
    evaluator.start();
    for (let waited = 0; evaluations < 2 && waited < 10_000; waited += 20) await new Promise((resolve) => setTimeout(resolve, 20));
    await evaluator.stop();
    expect(evaluations).toBeGreaterThanOrEqual(2);
    const after = evaluations;
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(evaluations).toBe(after);
  });

  it('the ALERT_EVALUATION job evaluates as of the instant it was due, and says what fired', async () => {
    const evaluator = new AlertEvaluator(store, { intervalMs: 0 });
    const job = alertEvaluationJob(evaluator);
    const rule = await api.db.prisma.alertRule.findFirstOrThrow({ where: { name: 'Quarterly, live' } });
    const scheduledFor = new Date('2027-01-01T00:05:00Z');
    const result = await job({ id: 'job', name: 'alerts', kind: 'ALERT_EVALUATION' } as Parameters<typeof job>[0], scheduledFor);
    // The quarter before went past the threshold and fired for it already: nothing new.
    expect(result).toEqual({ rules: 1, fired: [], deliveries: 0, skipped: [] });
    await api.db.prisma.alertRule.update({ where: { id: rule.id }, data: { floor: 1n, threshold: null } });
    const rerun = await job({ id: 'job', name: 'alerts', kind: 'ALERT_EVALUATION' } as Parameters<typeof job>[0], new Date('2027-04-01T00:05:00Z'));
    expect(rerun).toMatchObject({ rules: 1, deliveries: 1, fired: [{ rule: rule.id, level: 'BELOW', periodStart: '2027-01-01T00:00:00.000Z', value: '0' }] });
    await evaluator.stop();
  });
});


describe('webhook receivers at private addresses', () => {
  it('are refused unless allowed: the attempt is logged with why, and nothing is sent', async () => {
    const alert = await api.db.prisma.alert.findFirstOrThrow();
    const delivery = await api.db.prisma.webhookDelivery.create({ data: { alertId: alert.id, url: 'http://127.0.0.1:9/inside', body: '{}', nextAttemptAt: new Date(0) } });
    const strict = new WebhookDeliverer(api.db.prisma, { maxAttempts: 1, retryBaseMs: 10, jitter: 0 });
    await strict.deliverDue();
    const attempts = await api.db.prisma.webhookAttempt.findMany({ where: { deliveryId: delivery.id } });
    expect(attempts.map((a) => [a.responseStatus, a.error])).toEqual([
      [null, '127.0.0.1 is at 127.0.0.1, a private or special address; webhooks go to public receivers only (PATHLEDGER_WEBHOOK_ALLOW_PRIVATE=on allows it)'],
    ]);
    expect((await api.db.prisma.webhookDelivery.findUniqueOrThrow({ where: { id: delivery.id } })).status).toBe('FAILED');
  });
});
