// The patent's query 710: what crossed from A's components to B's, what crossed back, and the
// difference, from the crossing counters (an hour counts when it starts in [from, to)).
import type { TrafficStore } from './report.ts';

export interface TrafficBalance {
  aToB: bigint;
  bToA: bigint;
  net: bigint;
}

export async function trafficBalance({ prisma, counters }: TrafficStore, aId: string, bId: string, from: Date, to: Date): Promise<TrafficBalance> {
  await counters.settle();
  const rows = await prisma.crossingTraffic.groupBy({
    by: ['fromOwnerId'],
    where: { bucket: { gte: from, lt: to }, OR: [{ fromOwnerId: aId, toOwnerId: bId }, { fromOwnerId: bId, toOwnerId: aId }] },
    _sum: { bytes: true },
  });
  const sent = (owner: string) => rows.find((row) => row.fromOwnerId === owner)?._sum.bytes ?? 0n;
  const aToB = sent(aId);
  const bToA = aId === bId ? 0n : sent(bId);
  return { aToB, bToA, net: aToB - bToA };
}
