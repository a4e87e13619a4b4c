// Eight senders recording at once, with overlapping transfer ids (an agent retrying what another
// batch already carried): every counter must equal the sum over the transfers acknowledged, each
// counted once, and no batch may fail on a deadlock.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TransferSubmission } from '../../src/accounting/transfers.ts';
import { ensureDemoWorld } from '../../src/db/demo-world.ts';
import type { IpData } from '../../src/path/ip-data.ts';
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

const CLIENTS = ['79.214.61.102', '84.173.22.104', '90.12.77.106', '86.201.9.108', '73.162.40.110', '98.210.3.112'];

/** Transfer n: always the same fields for the same n, whichever sender carries it. */
function transfer(n: number): TransferSubmission {
  const start = Date.parse('2026-11-15T10:00:00Z') + n * 97_000;
  return {
    id: `c-${n}`,
    source: CLIENTS[n % 6],
    destination: CLIENTS[(n + 1 + (n % 5)) % 6],
    bytes: BigInt(1000 + n * 13),
    startedAt: new Date(start),
    endedAt: new Date(start + 30 * 60_000),
    content: { title: n % 2 ? 'RobinHood' : 'Hamlet', owner: 'moviestudio' },
    type: 'PEER_UPLOAD',
  };
}

describe('concurrent recording', () => {
  it('counts each acknowledged transfer once, whatever the interleaving', async () => {
    const reporter = (await db.prisma.organization.findUniqueOrThrow({ where: { slug: 'distributor-142' } })).id;
    // Eight recorders, as eight server processes would have; each sender sends four batches of
    // 50, overlapping its neighbour's range by half.
    const senders = Array.from({ length: 8 }, (_, sender) => ({
      ...createRecording(db, ipData),
      batches: Array.from({ length: 4 }, (_, b) => Array.from({ length: 50 }, (_, i) => transfer(sender * 100 + b * 50 + i))),
    }));
    const outcomes = await Promise.all(
      senders.map(async ({ recorder, batches }) => {
        let accepted = 0;
        for (const batch of batches) accepted += (await recorder.record(reporter, batch)).accepted;
        return accepted;
      }),
    );

    const distinct = new Set(senders.flatMap(({ batches }) => batches.flat().map((t) => t.id as string)));
    expect(outcomes.reduce((a, b) => a + b, 0)).toBe(distinct.size);
    expect(await db.prisma.transferEvent.count()).toBe(distinct.size);

    // Every component's counter equals the bytes of the events whose path holds it.
    const events = await db.prisma.transferEvent.findMany({ select: { bytes: true, path: true } });
    const expected = new Map<string, bigint>();
    for (const event of events) for (const id of new Set(event.path)) expected.set(id, (expected.get(id) ?? 0n) + event.bytes);
    await senders[0]!.counters.settle();
    const counters = await db.prisma.componentTraffic.groupBy({ by: ['componentId'], _sum: { bytes: true, transfers: true } });
    expect(new Map(counters.map((row) => [row.componentId, row._sum.bytes]))).toEqual(expected);
    const total = await db.prisma.trafficRollup.aggregate({ _sum: { bytes: true, transfers: true } });
    expect(total._sum).toEqual({ bytes: events.reduce((sum, e) => sum + e.bytes, 0n), transfers: BigInt(events.length) });
  });
});
