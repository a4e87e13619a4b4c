// The availability index keeps its holder lists as numbered rows that are freed and reused as
// peers come and go. Here it lives through a few thousand random reports, heartbeats, moves to
// another ISP, departures and assignments beside a plain model of the same rules (arrays of
// client ids), and must give the same holders, in the same order, after every step.
import { describe, expect, it } from 'vitest';
import { AvailabilityIndex, type Holding } from '../../src/coordinator/availability.ts';
import { seededRandom } from '../../bench/support/addresses.ts';

const NOW = 1_000_000;
const CONTENTS = ['robinhood', 'hamlet', 'lear', 'macbeth', 'othello'];
const NETWORKS = ['sp1', 'sp2', 'sp3'];
const CLIENTS = Array.from({ length: 12 }, (_, i) => `c${i}`);

/** The rules, spelled out on arrays: each (content, network) has a never-assigned and an assigned queue. */
class Model {
  readonly peers = new Map<string, { networkId: string; contents: string[]; lastAssignedAt: number }>();
  private readonly queues = new Map<string, { never: string[]; assigned: string[] }>();

  report(clientId: string, networkId: string, contents: string[]): void {
    const before = this.peers.get(clientId);
    const lastAssignedAt = before?.lastAssignedAt ?? 0;
    if (before && before.networkId === networkId && sameSet(before.contents, contents)) return;
    this.leave(clientId);
    this.peers.set(clientId, { networkId, contents, lastAssignedAt });
    for (const content of contents) this.queue(content, networkId)[lastAssignedAt === 0 ? 'never' : 'assigned'].push(clientId);
  }

  remove(clientId: string): void {
    this.leave(clientId);
    this.peers.delete(clientId);
  }

  markAssigned(clientId: string, at: number): void {
    const peer = this.peers.get(clientId);
    if (!peer) return;
    for (const content of peer.contents) {
      const queue = this.queue(content, peer.networkId);
      queue.never = queue.never.filter((id) => id !== clientId);
      queue.assigned = [...queue.assigned.filter((id) => id !== clientId), clientId];
    }
    peer.lastAssignedAt = at;
  }

  holders(content: string, networkId: string): string[] {
    const queue = this.queue(content, networkId);
    return [...queue.never, ...queue.assigned];
  }

  private leave(clientId: string): void {
    for (const queue of this.queues.values()) {
      queue.never = queue.never.filter((id) => id !== clientId);
      queue.assigned = queue.assigned.filter((id) => id !== clientId);
    }
  }

  private queue(content: string, networkId: string) {
    const key = `${content}|${networkId}`;
    let queue = this.queues.get(key);
    if (!queue) this.queues.set(key, (queue = { never: [], assigned: [] }));
    return queue;
  }
}

const sameSet = (a: string[], b: string[]) => a.length === b.length && a.every((x) => b.includes(x));

describe('the availability index', () => {
  it('agrees with the plain model through thousands of random reports, departures and assignments', () => {
    const next = seededRandom(7);
    const pick = <T>(from: readonly T[]) => from[Math.floor(next() * from.length)]!;
    const index = new AvailabilityIndex(() => NOW);
    const model = new Model();
    let clock = 1;
    for (let step = 0; step < 3_000; step++) {
      const clientId = pick(CLIENTS);
      const roll = next();
      if (roll < 0.45) {
        const known = model.peers.get(clientId);
        // A heartbeat (same holdings, perhaps in another order), or a new report.
        const contents = known && next() < 0.4 ? [...known.contents].reverse() : CONTENTS.filter(() => next() < 0.4);
        const networkId = known && next() < 0.8 ? known.networkId : pick(NETWORKS);
        model.report(clientId, networkId, contents);
        index.report({
          clientId, networkId, country: null, address: `198.51.100.${clientId.slice(1)}`, spareUplinkBps: 1, optedIn: true, expiresAt: NOW + 60_000,
          holdings: contents.map((contentId): Holding => ({ contentId, complete: true, pieces: null })),
        });
      } else if (roll < 0.6) {
        model.remove(clientId);
        index.remove(clientId);
      } else {
        model.markAssigned(clientId, clock);
        index.markAssigned(clientId, clock++);
      }
      for (const content of CONTENTS) {
        for (const networkId of NETWORKS) {
          expect([...index.holdersIn(content, networkId)].map((peer) => peer.clientId), `step ${step}: ${content} in ${networkId}`).toEqual(model.holders(content, networkId));
        }
        expect(new Set(index.networksHolding(content))).toEqual(new Set(NETWORKS.filter((networkId) => model.holders(content, networkId).length > 0)));
      }
    }
    expect(index.size).toBe(model.peers.size);
    for (const [clientId, peer] of model.peers) {
      expect(new Set(index.holdings(index.peer(clientId)!).map((holding) => holding.contentId))).toEqual(new Set(peer.contents));
    }
  });

  it('holds a content listed twice once, with the pieces of both', () => {
    const index = new AvailabilityIndex(() => NOW);
    const peer = index.report({
      clientId: 'c1', networkId: 'sp1', country: null, address: '198.51.100.1', spareUplinkBps: 1, optedIn: true, expiresAt: NOW + 60_000,
      holdings: [
        { contentId: 'hamlet', complete: false, pieces: new Set([0, 1]) },
        { contentId: 'robinhood', complete: false, pieces: new Set([7]) },
        { contentId: 'hamlet', complete: false, pieces: new Set([1, 2]) },
        { contentId: 'robinhood', complete: true, pieces: null },
      ],
    });
    expect(index.holdings(peer)).toEqual([
      { contentId: 'hamlet', complete: false, pieces: new Set([0, 1, 2]) },
      { contentId: 'robinhood', complete: true, pieces: null },
    ]);
    expect([...index.holdersIn('hamlet', 'sp1')].map((holder) => holder.clientId)).toEqual(['c1']);
    expect(index.holding(peer, 'lear')).toBeUndefined();
  });
});
