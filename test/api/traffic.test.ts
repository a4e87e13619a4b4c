// The patent's five reference queries (FIG. 7), each one GraphQL query, on six transfers whose
// answers are worked out by hand below. November 2026: Berlin is UTC+1.
//
//   T1  client 102 (SP1) → 106 (SP2)   RobinHood  1,000 B  19:00–19:30 Berlin   SP1→SP2, evening
//   T2  client 102 (SP1) → 108 (SP2)   Hamlet     2,000 B  10:00–10:10 Berlin   SP1→SP2, morning
//   T3  client 104 (SP1) → 110 (SP3)   Pop Tune   4,000 B  20:00–20:05 Berlin   SP1→SP2→SP3 (AS path), evening
//   T4  node 142 → client 102 (SP1)    RobinHood  8,000 B  21:00–21:20 Berlin   delivered to SP1
//   T5  node 142 → client 102 (SP1)    Hamlet     3,000 B  21:30–21:40 Berlin   delivered to SP1
//   T6  client 106 (SP2) → 104 (SP1)   RobinHood    500 B  22:00–22:01 Berlin   SP2→SP1
//   T7  node 142 → client 104 (SP1)    RobinHood  7,000 B  the evening before, 21:00–21:10 Berlin
//
//   702 SP1→SP2 between 18:00 and 24:00 Berlin: T1 + T3 = 5,000
//   704 MovieStudio's SP1→SP2: T1 + T2 = 3,000
//   706 MovieStudio's delivered to SP1's subscribers: T4 + T5 + T6 = 11,500
//   708 MovieStudio files received by client 102: RobinHood and Hamlet = 2
//   710 SP1→SP2 minus SP2→SP1: 7,000 − 500 = 6,500
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ensureDemoWorld } from '../../src/db/demo-world.ts';
import { startTestApi, type TestApi } from '../support/api.ts';

let api: TestApi;

const transfer = (id: string, source: string, destination: string, title: string, owner: string, bytes: number, start: string, minutes: number, extra: Record<string, unknown> = {}) => ({
  id,
  source,
  destination,
  bytes: String(bytes),
  startedAt: `2026-11-10T${start}:00+01:00`,
  endedAt: new Date(new Date(`2026-11-10T${start}:00+01:00`).getTime() + minutes * 60_000).toISOString(),
  content: { title, owner },
  type: source === '23.72.14.2' ? 'CDN_DOWNLOAD' : 'PEER_UPLOAD',
  ...extra,
});

beforeAll(async () => {
  api = await startTestApi();
  await ensureDemoWorld(api.db.prisma);
  const result = await api.admin(
    `mutation($input: RecordTransfersInput!) { recordTransfers(input: $input) { accepted rejected { index field message } } }`,
    {
      input: {
        reporter: 'distributor-142',
        transfers: [
          transfer('T1', '79.214.61.102', '90.12.77.106', 'RobinHood', 'moviestudio', 1000, '19:00', 30),
          transfer('T2', '79.214.61.102', '86.201.9.108', 'Hamlet', 'moviestudio', 2000, '10:00', 10),
          transfer('T3', '84.173.22.104', '73.162.40.110', 'Pop Tune', 'label', 4000, '20:00', 5, { asPath: [3320, 3215, 7922] }),
          transfer('T4', '23.72.14.2', '79.214.61.102', 'RobinHood', 'moviestudio', 8000, '21:00', 20),
          transfer('T5', '23.72.14.2', '79.214.61.102', 'Hamlet', 'moviestudio', 3000, '21:30', 10),
          transfer('T6', '90.12.77.106', '84.173.22.104', 'RobinHood', 'moviestudio', 500, '22:00', 1),
          { ...transfer('T7', '23.72.14.2', '84.173.22.104', 'RobinHood', 'moviestudio', 7000, '21:00', 10), startedAt: '2026-11-09T21:00:00+01:00', endedAt: '2026-11-09T21:10:00+01:00' },
        ],
      },
    },
  );
  expect(result.data.recordTransfers).toEqual({ accepted: 7, rejected: [] });
});
afterAll(() => api?.close());

const DAY = { from: '2026-11-10T00:00:00+01:00', to: '2026-11-11T00:00:00+01:00' };
const TRAFFIC = `query($filter: TrafficFilter!, $groupBy: [TrafficDimension!], $granularity: Granularity) {
  traffic(filter: $filter, groupBy: $groupBy, granularity: $granularity) {
    bytes transfers files source rows { period keys { dimension value } bytes transfers files }
  }
}`;

async function traffic(filter: Record<string, unknown>, options: { groupBy?: string[]; granularity?: string; key?: string } = {}) {
  const result = await api.gql(TRAFFIC, { filter: { ...DAY, ...filter }, groupBy: options.groupBy, granularity: options.granularity }, options.key ?? api.adminKey);
  if (result.errors) return { errors: result.errors.map((e) => [e.extensions.code, e.message]) };
  return result.data.traffic;
}

describe('the reference queries of FIG. 7', () => {
  it('702: bytes leaving SP1 and entering SP2 between 18:00 and 24:00 Berlin time', async () => {
    expect(await traffic({ crossing: { from: 'sp1', to: 'sp2' }, hours: { from: 18, to: 24 }, timeZone: 'Europe/Berlin' })).toMatchObject({ bytes: '5000', transfers: '2', files: 2, source: 'COUNTERS' });
  });

  it('704: MovieStudio’s bytes leaving SP1 and entering SP2', async () => {
    expect(await traffic({ crossing: { from: 'sp1', to: 'sp2' }, contentOwner: 'moviestudio' })).toMatchObject({ bytes: '3000', transfers: '2', files: 2 });
  });

  it('706: MovieStudio’s bytes delivered to SP1’s subscribers', async () => {
    expect(await traffic({ contentOwner: 'moviestudio', destinationNetwork: 'sp1' })).toMatchObject({ bytes: '11500', transfers: '3', files: 2, source: 'COUNTERS' });
  });

  it('708: how many MovieStudio files client 102 received', async () => {
    expect(await traffic({ contentOwner: 'moviestudio', receiver: '79.214.61.102' })).toMatchObject({ bytes: '11000', transfers: '2', files: 2, source: 'COUNTERS' });
  });

  it('710: SP1→SP2 bytes minus SP2→SP1 bytes', async () => {
    const result = await api.admin(`{ trafficBalance(a: "sp1", b: "sp2", from: "${DAY.from}", to: "${DAY.to}") { aToB bToA net } }`);
    expect(result.data.trafficBalance).toEqual({ aToB: '7000', bToA: '500', net: '6500' });
  });

  it('answers the same from the demo world’s accounting objects, which counted as the transfers came', async () => {
    const objects = await api.db.prisma.accountingObject.findMany();
    const id = (name: string) => Buffer.from(`AccountingObject:${objects.find((o) => o.name === name)!.id}`).toString('base64url');
    expect(await traffic({ accountingObject: id('Bytes SP1→SP2, 18:00–24:00') })).toMatchObject({ bytes: '5000', transfers: '2' });
    expect(await traffic({ accountingObject: id('MovieStudio bytes SP1→SP2') })).toMatchObject({ bytes: '3000', files: 2 });
    expect(await traffic({ accountingObject: id('MovieStudio bytes delivered to SP1 subscribers') })).toMatchObject({ bytes: '11500' });
    expect(await traffic({ accountingObject: id('MovieStudio files received by client 102') })).toMatchObject({ files: 2 });
  });
});

describe('traffic on the entities it is about', () => {
  it('an accounting object’s usage per local day, and a link’s traffic per content owner', async () => {
    const result = await api.admin(`{
      accountingObjects(first: 50) { edges { node { name usage(from: "${DAY.from}", to: "${DAY.to}", timeZone: "Europe/Berlin", granularity: DAY) { bytes transfers rows { period bytes } } } } }
      links(first: 20) { edges { node { component { name traffic(from: "${DAY.from}", to: "${DAY.to}", groupBy: [CONTENT_OWNER]) { bytes rows { keys { value organization { name } } bytes } } } } } }
    }`);
    expect(result.errors).toBeUndefined();
    const usage = result.data.accountingObjects.edges.find((e: { node: { name: string } }) => e.node.name === 'Bytes SP1→SP2').node.usage;
    expect(usage).toEqual({ bytes: '7000', transfers: '3', rows: [{ period: '2026-11-09T23:00:00.000Z', bytes: '7000' }] });
    const peering = result.data.links.edges.find((e: { node: { component: { name: string } } }) => e.node.component.name === 'SP1–SP2 peering, Frankfurt').node.component.traffic;
    expect(peering.bytes).toBe('7500');
    expect(peering.rows.map((row: { keys: { value: string }[]; bytes: string }) => [row.keys[0]!.value, row.bytes]).sort()).toEqual([
      ['label', '4000'],
      ['moviestudio', '3500'],
    ]);
  });
});

describe('traffic', () => {
  it('groups by dimensions and by local day, hour or month', async () => {
    const byOwner = await traffic({}, { groupBy: ['CONTENT_OWNER', 'DESTINATION_NETWORK'] });
    expect(byOwner.rows.map((row: { keys: { value: string }[]; bytes: string }) => [...row.keys.map((k) => k.value), row.bytes]).sort()).toEqual([
      ['label', 'sp3', '4000'],
      ['moviestudio', 'sp1', '11500'],
      ['moviestudio', 'sp2', '3000'],
    ]);
    const byDay = await traffic({ timeZone: 'Europe/Berlin' }, { granularity: 'DAY' });
    expect(byDay.rows.map((row: { period: string; bytes: string }) => [row.period, row.bytes])).toEqual([['2026-11-09T23:00:00.000Z', '18500']]);
    const byHour = await traffic({ contentOwner: 'moviestudio', destinationNetwork: 'sp1' }, { granularity: 'HOUR' });
    expect(byHour.rows.map((row: { period: string; bytes: string; transfers: string }) => [row.period.slice(11, 16), row.bytes, row.transfers])).toEqual([
      ['20:00', '11000', '2'],
      ['21:00', '500', '1'],
    ]);
  });

  it('gives the same answer from the events as from the counters', async () => {
    const client102 = await api.admin(`{ client(address: "79.214.61.102") { id } }`);
    // A sender with on-net makes the cut an events one (no counter table holds both); the
    // counters hold the same bytes per content and hour.
    const fromEvents = await traffic({ sender: client102.data.client.id, onNet: false }, { groupBy: ['CONTENT'], granularity: 'HOUR' });
    expect(fromEvents.source).toBe('EVENTS');
    expect(fromEvents).toMatchObject({ bytes: '3000', transfers: '2', files: 2 });
    const fromCounters = await traffic({ sourceNetwork: 'sp1', destinationNetwork: 'sp2' }, { groupBy: ['CONTENT'], granularity: 'HOUR' });
    expect(fromCounters.errors).toBeUndefined();
    expect(fromCounters.source).toBe('COUNTERS');
    expect(fromCounters.rows).toEqual(fromEvents.rows);
  });

  it('gives a client’s traffic from its counters as the events give it', async () => {
    // Client 102 received T4 and T5 and sent T1 and T2. SP1's PARTNER key reads client cuts from
    // the events (its scope is not in the client counters); all of 102's traffic touches SP1.
    const sp1 = await api.keyFor('PARTNER', 'sp1');
    for (const filter of [{ receiver: '79.214.61.102' }, { sender: '79.214.61.102' }]) {
      const fromCounters = await traffic(filter, { groupBy: ['CONTENT'], granularity: 'HOUR' });
      const fromEvents = await traffic(filter, { groupBy: ['CONTENT'], granularity: 'HOUR', key: sp1 });
      expect([fromCounters.source, fromEvents.source]).toEqual(['COUNTERS', 'EVENTS']);
      expect(fromCounters).toEqual({ ...fromEvents, source: 'COUNTERS' });
    }
  });

  it('reads whole UTC days from the daily counters and the hours at both ends, as the hourly ones say', async () => {
    // Nov 9 12:00Z – Nov 12 06:00Z: T7 in the first edge's hours, T4–T6 in the days between.
    const range = { from: '2026-11-09T12:00:00Z', to: '2026-11-12T06:00:00Z' };
    const filter = { ...range, destinationNetwork: 'sp1' };
    const daily = await traffic(filter, { groupBy: ['CONTENT'], granularity: 'DAY' });
    // SP1's own key is not served by the network counters (they cannot scope), so the cube's
    // hourly rows answer it; all of SP1's received traffic touches SP1.
    const hourly = await traffic(filter, { groupBy: ['CONTENT'], granularity: 'DAY', key: await api.keyFor('PARTNER', 'sp1') });
    expect(daily).toMatchObject({ bytes: '18500', transfers: '4', files: 2, source: 'COUNTERS' });
    expect(daily).toEqual(hourly);
    expect(daily.rows.map((row: { period: string; bytes: string }) => [row.period.slice(0, 10), row.bytes])).toEqual([
      ['2026-11-09', '7000'],
      ['2026-11-10', '8500'],
      ['2026-11-10', '3000'],
    ]);
    // The balance reads the crossing counters the same way.
    const balance = await api.admin(`{ trafficBalance(a: "sp1", b: "sp2", from: "${range.from}", to: "${range.to}") { aToB bToA net } }`);
    expect(balance.data.trafficBalance).toEqual({ aToB: '7000', bToA: '500', net: '6500' });
  });

  it('shows a PARTNER key only the traffic sent from or received in its network', async () => {
    const sp3 = await api.keyFor('PARTNER', 'sp3');
    expect(await traffic({}, { key: sp3 })).toMatchObject({ bytes: '4000', transfers: '1' });
    expect(await traffic({ contentOwner: 'moviestudio' }, { key: sp3 })).toMatchObject({ bytes: '0', transfers: '0', files: 0 });
    const balance = await api.gql(`{ trafficBalance(a: "sp1", b: "sp2", from: "${DAY.from}", to: "${DAY.to}") { net } }`, {}, sp3);
    expect(balance.errors?.[0]?.extensions.code).toBe('FORBIDDEN');
    expect((await traffic({}, { key: await api.keyFor('AGENT', 'distributor-142') })).errors[0][0]).toBe('FORBIDDEN');
  });

  it('names what is wrong with a filter', async () => {
    expect((await traffic({ from: DAY.to, to: DAY.from })).errors).toEqual([['BAD_USER_INPUT', expect.stringMatching(/^filter\.to: must be after from/)]]);
    expect((await traffic({ timeZone: 'Mars/Olympus' })).errors).toEqual([['BAD_USER_INPUT', expect.stringMatching(/^filter\.timeZone: "Mars\/Olympus" is not an IANA time zone/)]]);
    expect((await traffic({ hours: { from: 20, to: 18 } })).errors[0][1]).toBe('filter.hours.to: must be an hour after "from" and at most 24, got 18.');
    expect((await traffic({ contentOwner: 'nobody' })).errors[0][1]).toBe('filter.contentOwner: no organization with slug "nobody".');
    expect((await traffic({ receiver: '10.9.9.9' })).errors[0][1]).toBe('filter.receiver: no client has the address 10.9.9.9.');
  });
});
