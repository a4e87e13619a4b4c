// Recording transfers on the demo world with the real IP data: counters per component, the
// traffic rollups, the accounting objects each transfer matches (through the two-way
// association, with their filters and hours), FIG. 5 records, duplicates and rejections.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CounterJournal } from '../../src/accounting/counter-journal.ts';
import type { TransferRecorder } from '../../src/accounting/recorder.ts';
import type { TransferSubmission } from '../../src/accounting/transfers.ts';
import { ensureDemoWorld } from '../../src/db/demo-world.ts';
import type { IpData } from '../../src/path/ip-data.ts';
import { createTestDatabase, type TestDatabase } from '../support/database.ts';
import { openTestIpData } from '../support/ip-data.ts';
import { createRecording } from '../support/recording.ts';

let db: TestDatabase;
let ipData: IpData;
let recorder: TransferRecorder;
let counters: CounterJournal;
let cdn142: string;
const ids = new Map<string, string>(); // slug or name → id

beforeAll(async () => {
  db = await createTestDatabase();
  ipData = await openTestIpData();
  await ensureDemoWorld(db.prisma);
  ({ recorder, counters } = createRecording(db, ipData));
  for (const org of await db.prisma.organization.findMany()) ids.set(org.slug, org.id);
  for (const object of await db.prisma.accountingObject.findMany()) ids.set(object.name, object.id);
  cdn142 = ids.get('distributor-142')!;
});
afterAll(async () => {
  ipData?.close();
  await db?.drop();
});

const robinHood = { title: 'RobinHood', owner: 'moviestudio' };

/** Client 102 (SP1) sends RobinHood to 106 (SP2), 17:30–18:30 Berlin time on a November evening. */
const evening: TransferSubmission = {
  id: 'evening-1',
  source: '79.214.61.102',
  destination: '90.12.77.106',
  bytes: 3600n,
  startedAt: new Date('2026-11-10T16:30:00Z'),
  endedAt: new Date('2026-11-10T17:30:00Z'),
  content: robinHood,
  type: 'PEER_UPLOAD',
};

async function usage(objectName: string) {
  await counters.settle();
  const rows = await db.prisma.accountingObjectUsage.findMany({ where: { accountingObjectId: ids.get(objectName)! }, orderBy: { bucket: 'asc' } });
  return rows.map((row) => [row.bucket.toISOString().slice(11, 16), row.bytes, row.transfers]);
}

describe('recording transfers', () => {
  it('counts a transfer on every component of its path, in the hours it moved, and in the objects it matches', async () => {
    expect(await recorder.record(cdn142, [evening])).toEqual({ accepted: 1, duplicates: 0, rejected: [] });

    await counters.settle();
    const event = await db.prisma.transferEvent.findFirstOrThrow({ where: { externalId: 'evening-1' } });
    const clients = await db.prisma.client.findMany({ where: { id: { in: [event.sourceClientId!, event.destinationClientId!] } } });
    const clientName = (id: string | null) => clients.find((c) => c.id === id)?.name;
    expect(event).toMatchObject({ sourceNetworkId: ids.get('sp1'), destinationNetworkId: ids.get('sp2'), onNet: false, sourceCountry: 'DE', destinationCountry: 'FR', contentOwnerId: ids.get('moviestudio') });
    expect([clientName(event.sourceClientId), clientName(event.destinationClientId)]).toEqual(['client 102', 'client 106']);
    const components = await db.prisma.networkComponent.findMany({ where: { id: { in: event.path } } });
    const name = (id: string) => components.find((c) => c.id === id)?.name;
    expect(event.path.map(name)).toEqual(['Germany', 'client 102', 'AS3320 Deutsche Telekom AG', 'SP1–SP2 peering, Frankfurt', 'AS3215 Orange S.A.', 'client 106', 'France']);

    // Every component on the path: 1,800 bytes in each hour, one transfer in the first.
    const componentCounters = await db.prisma.componentTraffic.findMany({ where: { componentId: { in: event.path } } });
    expect(componentCounters).toHaveLength(event.path.length * 2);
    for (const id of event.path) {
      const rows = componentCounters.filter((row) => row.componentId === id).sort((a, b) => a.bucket.getTime() - b.bucket.getTime());
      expect(rows.map((row) => [row.bucket.toISOString(), row.bytes, row.transfers, row.type])).toEqual([
        ['2026-11-10T16:00:00.000Z', 1800n, 1n, 'PEER_UPLOAD'],
        ['2026-11-10T17:00:00.000Z', 1800n, 0n, 'PEER_UPLOAD'],
      ]);
    }
    const crossing = await db.prisma.crossingTraffic.aggregate({ where: { fromOwnerId: ids.get('sp1'), toOwnerId: ids.get('sp2') }, _sum: { bytes: true, transfers: true } });
    expect(crossing._sum).toEqual({ bytes: 3600n, transfers: 1n });
    const rollup = await db.prisma.trafficRollup.findMany({ orderBy: { bucket: 'asc' } });
    expect(rollup.map((row) => [row.sourceCountry, row.destinationCountry, row.onNet, row.bytes])).toEqual([
      ['DE', 'FR', 0, 1800n],
      ['DE', 'FR', 0, 1800n],
    ]);

    // SP1 → SP2 through the peering link set: the evening object counts only 18:00–24:00 Berlin.
    expect(await usage('Bytes SP1→SP2, 18:00–24:00')).toEqual([['17:00', 1800n, 1n]]);
    expect(await usage('MovieStudio bytes SP1→SP2')).toEqual([['16:00', 1800n, 1n], ['17:00', 1800n, 0n]]);
    expect(await usage('Bytes SP1→SP2')).toEqual([['16:00', 1800n, 1n], ['17:00', 1800n, 0n]]);
    // The other direction, and objects on clients that did not receive: nothing.
    expect(await usage('Bytes SP2→SP1')).toEqual([]);
    expect(await usage('MovieStudio bytes delivered to SP1 subscribers')).toEqual([]);
  });

  it('counts a transfer sent again once, and says it was a duplicate', async () => {
    await counters.settle();
    const before = await db.prisma.componentTraffic.aggregate({ _sum: { bytes: true } });
    expect(await recorder.record(cdn142, [evening, { ...evening, id: 'evening-1', bytes: 999n }])).toEqual({ accepted: 0, duplicates: 2, rejected: [] });
    await counters.settle();
    expect(await db.prisma.componentTraffic.aggregate({ _sum: { bytes: true } })).toEqual(before);
    expect(await db.prisma.transferEvent.count({ where: { externalId: 'evening-1' } })).toBe(1);
    // The same id from another reporter is another transfer.
    expect(await recorder.record(ids.get('distributor-144')!, [evening])).toMatchObject({ accepted: 1, duplicates: 0 });
  });

  it('follows traceroute hops: an object on a router, FIG. 5 records for its owner, and objects on the receiving client', async () => {
    const back: TransferSubmission = { ...evening, id: 'back-1', source: '90.12.77.106', destination: '79.214.61.102', hops: ['ae1.cr1.par.sp2.example', 'ae1.cr1.fra.sp1.example'] };
    expect(await recorder.record(cdn142, [back])).toEqual({ accepted: 1, duplicates: 0, rejected: [] });
    expect(await usage('Bytes through SP1’s Frankfurt core router')).toEqual([['16:00', 1800n, 1n], ['17:00', 1800n, 0n]]);
    expect(await usage('Bytes SP2→SP1')).toEqual([['16:00', 1800n, 1n], ['17:00', 1800n, 0n]]);
    expect(await usage('MovieStudio bytes delivered to SP1 subscribers')).toEqual([['16:00', 1800n, 1n], ['17:00', 1800n, 0n]]);
    await counters.settle();
    const files = await db.prisma.accountingObjectContent.findMany({ where: { accountingObjectId: ids.get('MovieStudio files received by client 102') } });
    expect(files.map((row) => row.bytes)).toEqual([1800n, 1800n]);

    const records = await db.prisma.componentRecord.findMany();
    const router = await db.prisma.networkComponent.findFirstOrThrow({ where: { hostname: 'ae1.cr1.fra.sp1.example' } });
    expect(records).toHaveLength(1);
    expect(records[0]).toMatchObject({ componentId: router.id, ownerId: ids.get('sp1'), title: 'RobinHood', bytes: 3600n, contentOwnerId: ids.get('moviestudio') });
    expect(records[0]!.path).toContain(router.id);
  });

  it('rejects what is wrong, naming the transfer and the field, and stores its valid neighbours', async () => {
    const good = (id: string): TransferSubmission => ({ ...evening, id });
    const outcome = await recorder.record(cdn142, [
      good('ok-1'),
      { ...good('bad-bytes'), bytes: 0n },
      { ...good('bad-source'), source: '79.214.61' },
      { ...good('bad-order'), endedAt: new Date('2026-11-10T16:00:00Z') },
      { ...good('bad-type'), type: 'DOWNLOAD' },
      { ...good('bad-content'), content: { title: 'Macbeth', owner: 'moviestudio' } },
      { ...good('bad-as-path'), asPath: [3320, -1] },
      { ...good(''), id: '' },
      good('ok-2'),
    ]);
    expect(outcome.accepted).toBe(2);
    expect(outcome.duplicates).toBe(0);
    expect(outcome.rejected.map((r) => [r.index, r.id, r.field, r.code])).toEqual([
      [1, 'bad-bytes', 'bytes', 'INVALID'],
      [2, 'bad-source', 'source', 'INVALID'],
      [3, 'bad-order', 'endedAt', 'INVALID'],
      [4, 'bad-type', 'type', 'INVALID'],
      [5, 'bad-content', 'content', 'NOT_FOUND'],
      [6, 'bad-as-path', 'asPath.1', 'INVALID'],
      [7, null, 'id', 'INVALID'],
    ]);
    expect(outcome.rejected[0]!.message).toBe('must be greater than 0; got 0.');
    expect(await db.prisma.transferEvent.count({ where: { externalId: { startsWith: 'bad' } } })).toBe(0);
  });
});
