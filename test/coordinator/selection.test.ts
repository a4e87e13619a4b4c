// Choosing sources, on a small world of peers: client 106 (SP2, France) asks for RobinHood.
//
//   p108  SP2, FR   holds RobinHood whole       (on-net for 106)
//   p109  SP2, FR   holds pieces 0–4
//   p102  SP1, DE   holds RobinHood whole       (another network, another country)
//   p103  SP4, FR   holds RobinHood whole       (another network, same country)
import { describe, expect, it } from 'vitest';
import { AvailabilityIndex, type Peer, type PeerReport } from '../../src/coordinator/availability.ts';
import { chooseSources, type Permit, type SelectionRules, type Source } from '../../src/coordinator/selection.ts';

const MBIT = 1_000_000;
const NOW = 1_000_000;
const requester = { clientId: 'c106', networkId: 'sp2', country: 'FR' };
const node = { componentId: 'node142', name: 'node1.fra.distributor-142.example', address: '23.72.14.2' };

function world(now = () => NOW) {
  const index = new AvailabilityIndex(now);
  const report = (clientId: string, networkId: string, country: string, holding: Partial<PeerReport['holdings'][number]> = {}, extra: Partial<PeerReport> = {}) =>
    index.report({
      clientId,
      networkId,
      country,
      address: `198.51.100.${clientId.slice(1)}`,
      spareUplinkBps: 10 * MBIT,
      optedIn: true,
      holdings: [{ contentId: 'robinhood', complete: true, pieces: null, ...holding }],
      expiresAt: NOW + 60_000,
      ...extra,
    });
  report('p108', 'sp2', 'FR');
  report('p109', 'sp2', 'FR', { complete: false, pieces: new Set([0, 1, 2, 3, 4]) });
  report('p102', 'sp1', 'DE');
  report('p103', 'sp4', 'FR');
  return index;
}

/** The peer's report again, with some of it changed: a heartbeat, or a new report. */
const again = (index: AvailabilityIndex, clientId: string, changes: Partial<PeerReport>) => {
  const peer = index.peer(clientId)!;
  const { lastAssignedAt: _, ...state } = peer;
  return index.report({ ...state, holdings: index.holdings(peer), ...changes });
};

const permitAll = (capacityBps = 10 * MBIT): SelectionRules['permit'] => (peer: Peer): Permit => ({ grantId: `grant-${peer.networkId}`, capacityBps, basis: 'partnership agreement' });
const rules = (overrides: Partial<SelectionRules> = {}): SelectionRules => ({ permit: permitAll(), routeBlocked: () => null, targetBps: 8 * MBIT, maxPeers: 4, ...overrides });
const who = (sources: Source[]) => sources.map((source) => (source.kind === 'PEER' ? [source.peer.clientId, source.pieces] : ['CDN', source.pieces]));

describe('choosing sources', () => {
  it('prefers an on-net peer, least recently assigned first', () => {
    const index = world();
    expect(who(chooseSources(index, requester, 'robinhood', null, rules(), node).sources)).toEqual([['p108', null]]);
    index.markAssigned('p108', NOW - 10);
    again(index, 'p109', { holdings: [{ contentId: 'robinhood', complete: true, pieces: null }] });
    // p109 now holds it whole and was never assigned: its turn.
    expect(who(chooseSources(index, requester, 'robinhood', null, rules(), node).sources)).toEqual([['p109', null]]);
  });

  it('goes to the same country, then anywhere, when the requester’s ISP cannot serve', () => {
    const index = world();
    const noSp2 = rules({ permit: (peer) => (peer.networkId === 'sp2' ? { refused: 'no grant' } : permitAll()(peer)) });
    const selection = chooseSources(index, requester, 'robinhood', null, noSp2, node);
    expect(who(selection.sources)).toEqual([['p103', null]]);
    expect(selection.sources[0]!.reason).toMatch(/^same country \(FR\)/);
    expect(selection.passedOver).toEqual([{ clientId: 'p108', reason: 'no grant' }]);
    const onlyDe = rules({ permit: (peer) => (peer.networkId === 'sp1' ? permitAll()(peer) : { refused: 'no grant' }) });
    expect(who(chooseSources(index, requester, 'robinhood', null, onlyDe, node).sources)).toEqual([['p102', null]]);
  });

  it('never routes across what an enforced policy closes', () => {
    const index = world();
    const selection = chooseSources(index, requester, 'robinhood', null, rules({ routeBlocked: (peer) => (peer.networkId === 'sp2' ? 'SP2 video cap ENFORCED' : null) }), node);
    expect(who(selection.sources)).toEqual([['p103', null]]);
    // p109 holds only some pieces: it was never a candidate for the whole content.
    expect(selection.passedOver).toEqual([{ clientId: 'p108', reason: 'SP2 video cap ENFORCED' }]);
  });

  it('adds peers until their rate reaches the target, dealing pieces by capacity', () => {
    const index = world();
    const selection = chooseSources(index, requester, 'robinhood', [0, 1, 2, 3, 4, 5], rules({ permit: permitAll(5 * MBIT) }), node);
    // p108 (whole) and p109 (0–4) are both on-net; 5 Mbit/s each reaches 8.
    expect(who(selection.sources)).toEqual([
      ['p108', [0, 2, 4, 5]],
      ['p109', [1, 3]],
    ]);
  });

  it('sends the CDN node for pieces no permitted peer holds, and for everything when none qualifies', () => {
    const index = world();
    const onlyP109 = rules({ permit: (peer) => (peer.clientId === 'p109' ? permitAll(20 * MBIT)(peer) : { refused: 'capped' }) });
    expect(who(chooseSources(index, requester, 'robinhood', [3, 4, 5, 6], onlyP109, node).sources)).toEqual([
      ['p109', [3, 4]],
      ['CDN', [5, 6]],
    ]);
    const none = chooseSources(index, requester, 'robinhood', null, rules({ permit: () => ({ refused: 'no grant' }) }), node);
    expect(none.sources).toEqual([{ kind: 'CDN', node, pieces: null, reason: 'no permitted peer online holds it: the content’s CDN node' }]);
    expect(who(chooseSources(index, requester, 'hamlet', null, rules(), node).sources)).toEqual([['CDN', null]]);
  });

  it('adds the CDN node for the rate the peers lack', () => {
    const index = world();
    const slow = chooseSources(index, requester, 'robinhood', null, rules({ permit: permitAll(1 * MBIT), maxPeers: 2 }), node);
    expect(who(slow.sources)).toEqual([['p108', null], ['p103', null], ['CDN', null]]);
    expect(slow.sources[2]!.reason).toBe('the peers chosen can send 2.0 Mbit/s of the 8.0 Mbit/s wanted: the CDN node makes up the rest');
  });
});

describe('availability', () => {
  it('forgets a report when its time is up, and what a client no longer holds', () => {
    let now = NOW;
    const index = world(() => now);
    expect([...index.holdersIn('robinhood', 'sp2')].map((p) => p.clientId)).toEqual(['p108', 'p109']);
    again(index, 'p108', { holdings: [], expiresAt: NOW + 120_000 });
    expect([...index.holdersIn('robinhood', 'sp2')].map((p) => p.clientId)).toEqual(['p109']);
    now = NOW + 60_000;
    expect([...index.holdersIn('robinhood', 'sp2')]).toEqual([]);
    expect(index.peer('p108')).not.toBeNull();
    expect(index.sweep()).toBe(2);
    expect(index.size).toBe(1);
    expect([...index.networksHolding('robinhood')]).toEqual([]);
  });

  it('drops a peer that expired between two others while their list is walked, and shows a heartbeat’s new figures', () => {
    let now = NOW;
    const index = world(() => now);
    again(index, 'p109', { expiresAt: NOW + 10_000 });
    again(index, 'p108', { spareUplinkBps: 30 * MBIT }); // heartbeat: only the figures change
    again(index, 'p102', { clientId: 'p110', networkId: 'sp2', address: '198.51.100.110' });
    now = NOW + 10_000;
    expect([...index.holdersIn('robinhood', 'sp2')].map((p) => [p.clientId, p.spareUplinkBps])).toEqual([
      ['p108', 30 * MBIT],
      ['p110', 10 * MBIT],
    ]);
    expect(index.peer('p109')).toBeNull();
    index.markAssigned('p108');
    expect([...index.holdersIn('robinhood', 'sp2')].map((p) => p.clientId)).toEqual(['p110', 'p108']);
  });
});

describe('least recently assigned first, in every list a peer is in', () => {
  // Three SP2 peers holding both RobinHood and Hamlet; a heartbeat or a new report between assignments.
  function twoContents() {
    const index = new AvailabilityIndex(() => NOW);
    const report = (clientId: string, contents = ['robinhood', 'hamlet']) =>
      index.report({
        clientId,
        networkId: 'sp2',
        country: 'FR',
        address: `198.51.100.${clientId.slice(1)}`,
        spareUplinkBps: 10 * MBIT,
        optedIn: true,
        holdings: contents.map((contentId) => ({ contentId, complete: true, pieces: null })),
        expiresAt: NOW + 60_000,
      });
    for (const peer of ['p1', 'p2', 'p3']) report(peer);
    const order = (contentId: string) => [...index.holdersIn(contentId, 'sp2')].map((peer) => peer.clientId);
    return { index, report, order };
  }

  it('moves an assigned peer to the end of the lists of everything it holds, not only of what it was assigned for', () => {
    const { index, order } = twoContents();
    index.markAssigned('p1', NOW - 30);
    expect(order('robinhood')).toEqual(['p2', 'p3', 'p1']);
    expect(order('hamlet')).toEqual(['p2', 'p3', 'p1']);
    index.markAssigned('p2', NOW - 20);
    index.markAssigned('p1', NOW - 10);
    expect(order('robinhood')).toEqual(['p3', 'p2', 'p1']);
    expect(order('hamlet')).toEqual(['p3', 'p2', 'p1']);
  });

  it('keeps the order through a heartbeat, and after a report that changes what a peer holds', () => {
    const { index, report, order } = twoContents();
    index.markAssigned('p1', NOW - 30);
    index.markAssigned('p2', NOW - 20);
    report('p1'); // heartbeat: same holdings
    expect(order('hamlet')).toEqual(['p3', 'p1', 'p2']);
    report('p1', ['hamlet', 'robinhood']); // a heartbeat too: the same holdings in another order
    expect(order('hamlet')).toEqual(['p3', 'p1', 'p2']);
    report('p3', ['robinhood']); // p3 no longer holds Hamlet
    expect(order('hamlet')).toEqual(['p1', 'p2']);
    index.markAssigned('p3', NOW - 5);
    index.markAssigned('p1', NOW);
    expect(order('robinhood')).toEqual(['p2', 'p3', 'p1']);
    expect(order('hamlet')).toEqual(['p2', 'p1']);
  });
});
