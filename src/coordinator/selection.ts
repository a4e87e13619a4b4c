// Choosing the sources of a content for a client: permitted peers that can serve it now, in
// order of preference, with the pieces each should send, and the content's CDN node for what
// they cannot carry. Pure: availability, grants and policies come in as functions.
//
// The rules, in order:
// 1. A candidate is an online peer (not the requester) holding wanted pieces, covered by an
//    active uplink grant of its ISP that is under its caps (`permit`), whose route to the
//    requester crosses no link, link set or ISP under an ENFORCED capacity policy (`routeBlocked`).
// 2. Preference: the requester's own ISP (on-net), then peers in the same country, then others;
//    within each, the least recently assigned first (load spreads), then by client id (the same
//    state gives the same answer). At most a few hundred are looked at (see offNetCandidates).
// 3. Peers are added in that order until every wanted piece is covered and their capacity
//    together reaches the target rate, or `maxPeers` is reached; the pieces are then dealt out
//    among them in proportion to their capacity.
// 4. The CDN node takes what is left: pieces no chosen peer holds, or the rate they lack, or
//    everything when no peer qualifies.
import type { AvailabilityIndex, Peer } from './availability.ts';

export interface Requester {
  clientId: string;
  networkId: string;
  country: string | null;
}

/** What lets a peer upload: the grant covering it now, and the rate it may send at. */
export interface Permit {
  grantId: string;
  /** The peer's spare uplink, capped by the grant's per-client rate. */
  capacityBps: number;
  /** Why the grant applies, for the reason text ("partnership agreement", …). */
  basis: string;
}

export interface SelectionRules {
  /** The permit for this peer, or why there is none. */
  permit(peer: Peer): Permit | { refused: string };
  /** Why the route from the peer to the requester is closed, or null. */
  routeBlocked(peer: Peer): string | null;
  /** The rate the sources together should reach, bits per second. */
  targetBps: number;
  /** The most peers one assignment names. */
  maxPeers: number;
}

export interface CdnNode {
  componentId: string;
  name: string;
  address: string;
}

export type Source =
  | { kind: 'PEER'; peer: Peer; permit: Permit; tier: Tier; pieces: number[] | null; reason: string }
  | { kind: 'CDN'; node: CdnNode | null; pieces: number[] | null; reason: string };

export type Tier = 'ON_NET' | 'SAME_COUNTRY' | 'OTHER';

export interface Selection {
  sources: Source[];
  /** Peers considered and passed over, with why (for debugging and tests). */
  passedOver: { clientId: string; reason: string }[];
}

/** How many candidates are looked at, at most: a popular content has thousands of holders. */
const MAX_CONSIDERED = 256;
/** Off-net, the first holders taken from each network, and how far into its list to look for them. */
const HEAD_PER_NETWORK = 16;
const SCAN_PER_NETWORK = 256;

interface Candidate {
  peer: Peer;
  permit: Permit;
  tier: Tier;
  /** Wanted pieces it holds; null when it holds the whole content and no pieces were asked for. */
  pieces: number[] | null;
}

/**
 * `wanted`: the piece indices asked for, or null for the whole content (then only peers holding
 * all of it qualify, and each source sends what it is told at transfer time).
 */
export function chooseSources(
  index: AvailabilityIndex,
  requester: Requester,
  contentId: string,
  wanted: readonly number[] | null,
  rules: SelectionRules,
  cdnNode: CdnNode | null,
): Selection {
  const passedOver: Selection['passedOver'] = [];
  const chosen: Candidate[] = [];
  const uncovered = new Set(wanted ?? []);
  let capacity = 0;
  const satisfied = () => (wanted === null ? chosen.length > 0 : uncovered.size === 0) && capacity >= rules.targetBps;

  let offNet: OffNetCandidates | null = null;
  for (const tier of ['ON_NET', 'SAME_COUNTRY', 'OTHER'] as const) {
    if (satisfied() || chosen.length >= rules.maxPeers) break;
    const candidates = tier === 'ON_NET' ? onNetCandidates(index, requester, contentId) : (offNet ??= offNetCandidates(index, requester, contentId))[tier];
    for (const peer of candidates) {
      if (satisfied() || chosen.length >= rules.maxPeers) break;
      const pieces = heldPieces(index, peer, contentId, wanted);
      if (pieces !== null && pieces.length === 0) continue;
      // Wanted pieces it holds that nobody chosen covers yet, or more rate: else it adds nothing.
      const addsPieces = pieces === null ? chosen.length === 0 : pieces.some((piece) => uncovered.has(piece));
      if (!addsPieces && capacity >= rules.targetBps) continue;
      const permit = rules.permit(peer);
      if ('refused' in permit) {
        passedOver.push({ clientId: peer.clientId, reason: permit.refused });
        continue;
      }
      const blocked = rules.routeBlocked(peer);
      if (blocked !== null) {
        passedOver.push({ clientId: peer.clientId, reason: blocked });
        continue;
      }
      chosen.push({ peer, permit, tier, pieces });
      capacity += permit.capacityBps;
      for (const piece of pieces ?? []) uncovered.delete(piece);
    }
  }

  const sources: Source[] = dealPieces(chosen, wanted).map(({ candidate, pieces }) => ({
    kind: 'PEER',
    peer: candidate.peer,
    permit: candidate.permit,
    tier: candidate.tier,
    pieces,
    reason: reasonFor(candidate, requester, chosen.length, capacity),
  }));

  if (chosen.length === 0) {
    sources.push({ kind: 'CDN', node: cdnNode, pieces: wanted === null ? null : [...wanted], reason: 'no permitted peer online holds it: the content’s CDN node' });
  } else if (uncovered.size > 0) {
    sources.push({ kind: 'CDN', node: cdnNode, pieces: [...uncovered].sort((a, b) => a - b), reason: `no permitted peer online holds pieces ${describePieces([...uncovered])}` });
  } else if (capacity < rules.targetBps) {
    sources.push({ kind: 'CDN', node: cdnNode, pieces: null, reason: `the peers chosen can send ${megabits(capacity)} of the ${megabits(rules.targetBps)} wanted: the CDN node makes up the rest` });
  }
  return { sources, passedOver };
}

/**
 * On-net holders, least recently assigned first: the availability index keeps each network's
 * holders in that order, so they are taken as they come, as far as they are needed.
 */
function* onNetCandidates(index: AvailabilityIndex, requester: Requester, contentId: string): Generator<Peer> {
  let considered = 0;
  for (const peer of index.holdersIn(contentId, requester.networkId)) {
    if (peer.clientId === requester.clientId) continue;
    yield peer;
    if (++considered >= MAX_CONSIDERED) return;
  }
}

type OffNetCandidates = Record<Exclude<Tier, 'ON_NET'>, Peer[]>;

/**
 * Off-net holders for both off-net tiers, least recently assigned first: the first few of each
 * other network's list for each tier, merged (the first of a merged order are among the first of
 * each). One walk of each list serves both tiers.
 */
function offNetCandidates(index: AvailabilityIndex, requester: Requester, contentId: string): OffNetCandidates {
  const heads: OffNetCandidates = { SAME_COUNTRY: [], OTHER: [] };
  for (const networkId of index.networksHolding(contentId)) {
    if (networkId === requester.networkId) continue;
    let takenSameCountry = 0;
    let takenOther = 0;
    let scanned = 0;
    for (const peer of index.holdersIn(contentId, networkId)) {
      if (++scanned > SCAN_PER_NETWORK) break;
      const sameCountry = requester.country !== null && peer.country === requester.country;
      if (sameCountry && takenSameCountry < HEAD_PER_NETWORK) {
        heads.SAME_COUNTRY.push(peer);
        takenSameCountry++;
      } else if (!sameCountry && takenOther < HEAD_PER_NETWORK) {
        heads.OTHER.push(peer);
        takenOther++;
      }
      if (takenSameCountry >= HEAD_PER_NETWORK && takenOther >= HEAD_PER_NETWORK) break;
    }
  }
  return { SAME_COUNTRY: leastRecentlyAssigned(heads.SAME_COUNTRY), OTHER: leastRecentlyAssigned(heads.OTHER) };
}

/** The first MAX_CONSIDERED, least recently assigned first, then by client id (the same state gives the same answer). */
function leastRecentlyAssigned(peers: Peer[]): Peer[] {
  peers.sort((a, b) => a.lastAssignedAt - b.lastAssignedAt || (a.clientId < b.clientId ? -1 : a.clientId > b.clientId ? 1 : 0));
  return peers.slice(0, MAX_CONSIDERED);
}

/** The wanted pieces the peer holds (all of them if it holds the whole content); null: whole content, whole holder. */
function heldPieces(index: AvailabilityIndex, peer: Peer, contentId: string, wanted: readonly number[] | null): number[] | null {
  const holding = index.holding(peer, contentId);
  if (!holding) return [];
  if (wanted === null) return holding.complete ? null : [];
  if (holding.complete) return [...wanted];
  return wanted.filter((piece) => holding.pieces?.has(piece));
}

/**
 * Each wanted piece to one chosen peer that holds it: the one whose share so far is smallest for
 * its capacity, so pieces spread in proportion to rate.
 */
function dealPieces(chosen: readonly Candidate[], wanted: readonly number[] | null): { candidate: Candidate; pieces: number[] | null }[] {
  if (wanted === null) return chosen.map((candidate) => ({ candidate, pieces: null }));
  const dealt = new Map<Candidate, number[]>(chosen.map((candidate) => [candidate, []]));
  for (const piece of wanted) {
    let best: Candidate | null = null;
    for (const candidate of chosen) {
      if (!candidate.pieces?.includes(piece)) continue;
      const load = (dealt.get(candidate)!.length + 1) / Math.max(1, candidate.permit.capacityBps);
      const bestLoad = best ? (dealt.get(best)!.length + 1) / Math.max(1, best.permit.capacityBps) : Infinity;
      if (load < bestLoad) best = candidate;
    }
    if (best) dealt.get(best)!.push(piece);
  }
  return chosen.filter((candidate) => dealt.get(candidate)!.length > 0).map((candidate) => ({ candidate, pieces: dealt.get(candidate)! }));
}

function reasonFor(candidate: Candidate, requester: Requester, peers: number, capacity: number): string {
  const where =
    candidate.tier === 'ON_NET'
      ? 'on-net: a subscriber of the requester’s own ISP'
      : candidate.tier === 'SAME_COUNTRY'
        ? `same country (${requester.country})`
        : `another network${candidate.peer.country ? ` (${candidate.peer.country})` : ''}`;
  const spread = candidate.peer.lastAssignedAt === 0 ? 'not assigned before' : 'least recently assigned';
  const share = peers > 1 ? `; one of ${peers} peers (${megabits(capacity)} together)` : '';
  return `${where}; ${spread}; uplink permitted by ${candidate.permit.basis}, ${megabits(candidate.permit.capacityBps)} spare${share}`;
}

function megabits(bps: number): string {
  return `${(bps / 1e6).toFixed(bps < 1e7 ? 1 : 0)} Mbit/s`;
}

function describePieces(pieces: number[]): string {
  const sorted = [...pieces].sort((a, b) => a - b);
  return sorted.length <= 8 ? sorted.join(', ') : `${sorted.slice(0, 8).join(', ')} and ${sorted.length - 8} more`;
}
