// The `alertFired` subscription over WebSocket, told as a story on the demo world's "MovieStudio
// bytes delivered to SP1 subscribers" (Berlin time, November 2026). Two rules watch it:
// MovieStudio's (threshold 10,000 B, approaching at 80 %) and SP1's (threshold 9,000 B).
//
//   10th 10:00  9,000 B   day total  9,000   MovieStudio APPROACHING
//   10th 11:00  2,000 B             11,000   MovieStudio EXCEEDED, SP1 EXCEEDED (one evaluation)
//   11th 10:00 12,000 B             12,000   MovieStudio APPROACHING + EXCEEDED, SP1 EXCEEDED
//                                            (after a VIEWER's key was revoked)
//
// Alerts are fired by evaluations the test runs, which announce them through the database
// (NOTIFY); the server's feed hears them like any other server's.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createClient, type Client } from 'graphql-ws';
import WebSocket from 'ws';
import { CounterJournal } from '../../src/accounting/counter-journal.ts';
import { ensureDemoWorld } from '../../src/db/demo-world.ts';
import { toGlobalId } from '../../src/graphql/global-id.ts';
import { evaluateAlerts } from '../../src/reports/alerts.ts';
import type { TrafficStore } from '../../src/traffic/report.ts';
import { startTestApi, type TestApi } from '../support/api.ts';
import { berlin, sendHamlet } from '../support/hamlet.ts';

let api: TestApi;
let store: TrafficStore;
let studioObject: string;
const rules = { studio: '', sp1: '' };

const hamlet = (id: string, day: number, time: string, bytes: number) => sendHamlet(api, id, day, time, bytes);

async function createRule(input: Record<string, unknown>): Promise<string> {
  const result = await api.admin(`mutation($input: CreateAlertRuleInput!) { createAlertRule(input: $input) { alertRule { id } userErrors { message } } }`, { input });
  expect(result.data.createAlertRule.userErrors).toEqual([]);
  const globalId: string = result.data.createAlertRule.alertRule.id;
  // As if made before the story's first day: a rule does not report on periods before it existed.
  const id = Buffer.from(globalId, 'base64url').toString('utf8').split(':')[1]!;
  await api.db.prisma.alertRule.update({ where: { id }, data: { createdAt: berlin(9, '00:00') } });
  return globalId;
}

// --- a subscriber: one connection, one subscription, what it received -------------------------

interface Received {
  data?: { alertFired: { level: string; value: string; rule: { name: string } } } | null;
  errors?: { message: string; extensions: { code: string } }[];
}

interface Subscriber {
  /** The next result, or 'nothing' when none comes within `ms`. */
  next(ms?: number): Promise<Received | 'nothing'>;
  /** The connection's close event: its code and reason. */
  closed: Promise<{ code: number; reason: string }>;
  /** Leaves: completes the subscription and closes the connection. */
  leave(): Promise<void>;
}

const ALERT_FIRED = `subscription($rule: ID, $level: AlertLevel) { alertFired(rule: $rule, level: $level) { level value rule { name } } }`;

function subscribe(connectionParams: Record<string, unknown> | undefined, query = ALERT_FIRED, variables: Record<string, unknown> = {}): Subscriber {
  const results: Received[] = [];
  let wake: (() => void) | undefined;
  let onClosed!: (event: { code: number; reason: string }) => void;
  const closed = new Promise<{ code: number; reason: string }>((resolve) => (onClosed = resolve));
  const client: Client = createClient({
    url: api.url.replace(/^http/, 'ws'),
    webSocketImpl: WebSocket,
    connectionParams,
    retryAttempts: 0,
    lazyCloseTimeout: 0,
    on: { closed: (event) => onClosed({ code: (event as { code: number }).code, reason: String((event as { reason: unknown }).reason) }) },
  });
  const push = (result: Received) => {
    results.push(result);
    wake?.();
  };
  const unsubscribe = client.subscribe(
    { query, variables },
    {
      next: (result) => push(result as Received),
      // A refused operation arrives as an `error` message: an array of GraphQL errors.
      error: (error) => {
        if (Array.isArray(error)) push({ errors: error as Received['errors'] });
      },
      complete: () => {},
    },
  );
  return {
    closed,
    async next(ms = 5000) {
      if (results.length === 0) {
        await new Promise<void>((resolve) => {
          const timer = setTimeout(resolve, ms);
          wake = () => {
            clearTimeout(timer);
            resolve();
          };
        });
        wake = undefined;
      }
      return results.shift() ?? 'nothing';
    },
    async leave() {
      unsubscribe();
      await client.dispose();
    },
  };
}

const bearer = (key: string) => ({ authorization: `Bearer ${key}` });
const fired = (received: Received | 'nothing') => (received === 'nothing' ? received : [received.data?.alertFired.rule.name, received.data?.alertFired.level, received.data?.alertFired.value]);

/** Waits until the server's feed has `count` subscribers (subscribing and leaving travel over the socket). */
async function feedSubscribers(count: number): Promise<void> {
  for (let waited = 0; api.services.alertFeed.subscribers !== count; waited += 10) {
    if (waited > 5000) throw new Error(`the feed has ${api.services.alertFeed.subscribers} subscribers, not ${count}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

beforeAll(async () => {
  api = await startTestApi();
  await ensureDemoWorld(api.db.prisma);
  store = { prisma: api.db.prisma, counters: new CounterJournal(api.db.sql) };
  const object = await api.db.prisma.accountingObject.findFirstOrThrow({ where: { name: 'MovieStudio bytes delivered to SP1 subscribers' } });
  studioObject = toGlobalId('AccountingObject', object.id);
  const watch = { accountingObject: studioObject, period: 'DAY', timeZone: 'Europe/Berlin' };
  rules.studio = await createRule({ name: 'MovieStudio to SP1, daily', owner: 'moviestudio', threshold: '10000', approachingPercent: 80, ...watch });
  rules.sp1 = await createRule({ name: 'SP1 watches its delivery', owner: 'sp1', threshold: '9000', ...watch });
});
afterAll(async () => {
  await api?.close();
});

describe('alertFired', () => {
  it('pushes each alert as it fires, to each subscriber as much as its key may see', async () => {
    const everything = subscribe(bearer(api.adminKey));
    const exceeded = subscribe(bearer(api.adminKey), ALERT_FIRED, { level: 'EXCEEDED' });
    const studioViewer = subscribe(bearer(await api.keyFor('VIEWER', 'moviestudio')));
    const sp1Partner = subscribe(bearer(await api.keyFor('PARTNER', 'sp1')));
    const onlySp1Rule = subscribe(bearer(api.adminKey), ALERT_FIRED, { rule: rules.sp1 });
    await feedSubscribers(5);
    const metrics = await (await fetch(api.url.replace(/\/graphql$/, '/metrics'))).text();
    expect(metrics).toMatch(/^pathledger_subscription_connections 5$/m);

    await hamlet('S1', 10, '10:00', 9000);
    await evaluateAlerts(store, { now: berlin(10, '10:30') });
    expect(fired(await everything.next())).toEqual(['MovieStudio to SP1, daily', 'APPROACHING', '9000']);
    expect(fired(await studioViewer.next())).toEqual(['MovieStudio to SP1, daily', 'APPROACHING', '9000']);

    await hamlet('S2', 10, '11:00', 2000);
    await evaluateAlerts(store, { now: berlin(10, '11:30') });
    expect(fired(await everything.next())).toEqual(['MovieStudio to SP1, daily', 'EXCEEDED', '11000']);
    expect(fired(await everything.next())).toEqual(['SP1 watches its delivery', 'EXCEEDED', '11000']);
    // Events keep the order alerts were announced in: a subscriber's first is the first it may see.
    expect(fired(await exceeded.next())).toEqual(['MovieStudio to SP1, daily', 'EXCEEDED', '11000']);
    expect(fired(await exceeded.next())).toEqual(['SP1 watches its delivery', 'EXCEEDED', '11000']);
    expect(fired(await studioViewer.next())).toEqual(['MovieStudio to SP1, daily', 'EXCEEDED', '11000']);
    expect(fired(await sp1Partner.next())).toEqual(['SP1 watches its delivery', 'EXCEEDED', '11000']);
    expect(fired(await onlySp1Rule.next())).toEqual(['SP1 watches its delivery', 'EXCEEDED', '11000']);
    // SP1's alert came in the same announcement as MovieStudio's EXCEEDED: had the viewer been
    // given it, it would be here already.
    expect(await studioViewer.next(200)).toBe('nothing');

    // The same alerts are in the `alerts` query: the feed announces rows that are committed.
    const listed = await api.admin(`{ alerts(first: 10) { totalCount } }`);
    expect(listed.data.alerts.totalCount).toBe(3);

    for (const subscriber of [everything, exceeded, studioViewer, sp1Partner, onlySp1Rule]) await subscriber.leave();
    // Leaving stops listening at once, with no alert needed to notice.
    await feedSubscribers(0);
  });

  it('delivers nothing to a key revoked since it subscribed, and closes its connection with 4403', async () => {
    const viewerKey = await api.keyFor('VIEWER', 'moviestudio');
    const viewer = subscribe(bearer(viewerKey));
    const admin = subscribe(bearer(api.adminKey));
    await feedSubscribers(2);
    const key = await api.db.prisma.apiKey.findFirstOrThrow({ where: { role: 'VIEWER' }, orderBy: { createdAt: 'desc' } });
    const revoked = await api.admin(`mutation($id: ID!) { revokeApiKey(input: { id: $id }) { apiKey { revokedAt } } }`, { id: toGlobalId('ApiKey', key.id) });
    expect(revoked.data.revokeApiKey.apiKey.revokedAt).toBeTruthy();

    await hamlet('S3', 11, '10:00', 12000);
    await evaluateAlerts(store, { now: berlin(11, '10:30') });
    expect(fired(await admin.next())).toEqual(['MovieStudio to SP1, daily', 'APPROACHING', '12000']);
    expect(await viewer.closed).toEqual({ code: 4403, reason: 'The API key was revoked.' });
    expect(await viewer.next(0)).toBe('nothing');
    await admin.leave();
  });

  it('refuses a connection without a key, or with a key that is not valid, saying why', async () => {
    expect(await subscribe(undefined).closed).toMatchObject({ code: 4401, reason: expect.stringContaining('An API key is required') });
    expect(await subscribe({ authorization: 'Basic abc' }).closed).toMatchObject({ code: 4401, reason: 'The authorization must be `Bearer <API key>`.' });
    expect(await subscribe(bearer('plk_not_a_real_key')).closed).toMatchObject({ code: 4403, reason: 'The API key is not valid or was revoked.' });
  });

  it.each([
    ['a query (those go over HTTP)', `{ me { role } }`, {}, 'BAD_REQUEST'],
    ['a document that does not parse', `subscription { alertFired {`, {}, 'GRAPHQL_PARSE_FAILED'],
    ['a field that does not exist', `subscription { alertFired { nonsense } }`, {}, 'GRAPHQL_VALIDATION_FAILED'],
    ['a level that is not one', ALERT_FIRED, { level: 'LOUD' }, 'BAD_USER_INPUT'],
    ['a rule id that is not a rule’s', ALERT_FIRED, { rule: toGlobalId('Organization', '00000000-0000-7000-8000-000000000000') }, 'BAD_USER_INPUT'],
    ['a rule that does not exist', ALERT_FIRED, { rule: toGlobalId('AlertRule', '00000000-0000-7000-8000-000000000000') }, 'NOT_FOUND'],
    ['a selection nested too deep', `subscription { alertFired { rule { alerts { edges { node { rule { alerts { edges { node { rule { alerts { edges { node { id } } } } } } } } } } } } } }`, {}, 'QUERY_TOO_DEEP'],
  ])('answers %s with an error that says so', async (_, query, variables, code) => {
    const subscriber = subscribe(bearer(api.adminKey), query, variables);
    const received = await subscriber.next();
    expect(received).not.toBe('nothing');
    expect((received as Received).errors?.map((error) => error.extensions.code)).toEqual([code]);
    await subscriber.leave();
  });

  it('refuses an AGENT key, which may only send transfers, and a key that may not see the rule', async () => {
    const agent = subscribe(bearer(await api.keyFor('AGENT', 'distributor-142')));
    expect(((await agent.next()) as Received).errors?.map((error) => error.extensions.code)).toEqual(['FORBIDDEN']);
    await agent.leave();
    const other = subscribe(bearer(await api.keyFor('VIEWER', 'sp2')), ALERT_FIRED, { rule: rules.studio });
    expect(((await other.next()) as Received).errors?.map((error) => error.extensions.code)).toEqual(['NOT_FOUND']);
    await other.leave();
  });

  it('answers an upgrade anywhere but /graphql with 404', async () => {
    const socket = new WebSocket(api.url.replace(/^http/, 'ws').replace(/\/graphql$/, '/elsewhere'), 'graphql-transport-ws');
    const status = await new Promise<number>((resolve, reject) => {
      socket.on('unexpected-response', (_request, response) => resolve(response.statusCode ?? 0));
      socket.on('open', () => reject(new Error('opened')));
      socket.on('error', () => {});
    });
    expect(status).toBe(404);
  });

  // Last: it stops the server.
  it('ends every subscription when the server shuts down: 1001, going away', async () => {
    const subscriber = subscribe(bearer(api.adminKey));
    await feedSubscribers(1);
    await api.close();
    expect((await subscriber.closed).code).toBe(1001);
  });
});
