// Old raw events go, counters stay: after pruning, a cut the counters answer is unchanged, and a
// cut that needs the events says it is incomplete.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { pruneRawEvents, rawEventsSince } from '../../src/accounting/retention.ts';
import { ensureDemoWorld } from '../../src/db/demo-world.ts';
import type { IpData } from '../../src/path/ip-data.ts';
import type { TrafficQuery } from '../../src/traffic/query.ts';
import { trafficReport } from '../../src/traffic/report.ts';
import { createTestDatabase, type TestDatabase } from '../support/database.ts';
import { openTestIpData } from '../support/ip-data.ts';
import { createRecording } from '../support/recording.ts';

let db: TestDatabase;
let ipData: IpData;

beforeAll(async () => {
  db = await createTestDatabase();
  ipData = await openTestIpData();
  await ensureDemoWorld(db.prisma);
});
afterAll(async () => {
  ipData?.close();
  await db?.drop();
});

const DAY = 86_400_000;

describe('raw event retention', () => {
  it('prunes events older than the retention, keeps the counters, and flags cuts that needed them', async () => {
    const now = Date.parse('2026-11-20T12:00:00Z');
    const reporter = (await db.prisma.organization.findUniqueOrThrow({ where: { slug: 'distributor-142' } })).id;
    const client102 = await db.prisma.client.findFirstOrThrow({ where: { name: 'client 102' } });
    const { recorder, counters } = createRecording(db, ipData);
    const store = { prisma: db.prisma, counters };
    const at = (daysAgo: number) => new Date(now - daysAgo * DAY);
    const send = (id: string, daysAgo: number) => ({
      id,
      source: '23.72.14.2',
      destination: '79.214.61.102',
      bytes: 1000n,
      startedAt: at(daysAgo),
      endedAt: new Date(at(daysAgo).getTime() + 60_000),
      content: { title: 'Hamlet', owner: 'moviestudio' },
      type: 'CDN_DOWNLOAD',
    });
    // One a year old (arriving late: still counted in its own hours), one last week.
    expect(await recorder.record(reporter, [send('old', 365), send('recent', 7)])).toMatchObject({ accepted: 2 });

    const cutoff = rawEventsSince(90, now);
    expect(await pruneRawEvents(db.prisma, cutoff)).toBe(1);
    expect((await db.prisma.transferEvent.findMany()).map((e) => e.externalId)).toEqual(['recent']);

    const query: TrafficQuery = {
      from: at(400), to: at(0), timeZone: 'UTC', hours: null, contentOwnerId: null, contentId: null, type: null, crossing: null,
      sourceNetworkId: null, destinationNetworkId: null, senderClientId: null, receiverClientId: null, componentId: null,
      linkSet: null, accountingObjectId: null, onNet: null,
    };
    // From the counters: both transfers, complete.
    expect(await trafficReport(store, { query, groupBy: [], granularity: null, scope: null, rawEventsSince: cutoff })).toMatchObject({ bytes: 2000n, source: 'COUNTERS', complete: true });
    // A receiver cut through a component needs the events: only the recent one is left, and the
    // answer says so.
    const byReceiver = { ...query, receiverClientId: client102.id, componentId: client102.componentId };
    expect(await trafficReport(store, { query: byReceiver, groupBy: [], granularity: null, scope: null, rawEventsSince: cutoff })).toMatchObject({ bytes: 1000n, source: 'EVENTS', complete: false });
    expect(await trafficReport(store, { query: { ...byReceiver, from: at(30) }, groupBy: [], granularity: null, scope: null, rawEventsSince: cutoff })).toMatchObject({ bytes: 1000n, complete: true });
  });
});
