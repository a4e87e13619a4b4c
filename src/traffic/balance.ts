// The patent's query 710: what crossed from A's components to B's, what crossed back, and the
// difference, from the crossing counters (an hour counts when it starts in [from, to)).
import type { TrafficQuery } from './query.ts';
import { trafficReport, type TrafficStore } from './report.ts';

export interface TrafficBalance {
  aToB: bigint;
  bToA: bigint;
  net: bigint;
}

/** A query with only a crossing and a range: every other filter off. */
function crossingQuery(fromId: string, toId: string, from: Date, to: Date): TrafficQuery {
  return {
    from, to, timeZone: 'UTC', hours: null, contentOwnerId: null, contentId: null, type: null, crossing: { fromId, toId },
    sourceNetworkId: null, destinationNetworkId: null, senderClientId: null, receiverClientId: null, componentId: null,
    linkSet: null, accountingObjectId: null, onNet: null,
  };
}

export async function trafficBalance(store: TrafficStore, aId: string, bId: string, from: Date, to: Date): Promise<TrafficBalance> {
  const crossed = async (fromId: string, toId: string) =>
    (await trafficReport(store, { query: crossingQuery(fromId, toId, from, to), groupBy: [], granularity: null, scope: null })).bytes;
  const [aToB, bToA] = await Promise.all([crossed(aId, bId), aId === bId ? Promise.resolve(0n) : crossed(bId, aId)]);
  return { aToB, bToA, net: aToB - bToA };
}
