// Which clients are online now, with how much spare uplink, holding which contents (and which
// pieces): what agents report, kept in memory. A report lives for its TTL unless renewed: soft
// state, as trackers keep it, since a heartbeat from every online peer every minute is far too
// many writes for the database and worth nothing once stale. After a restart, agents' next
// heartbeats fill it again.
//
// Indexed for the question the coordinator asks on every request: which online peers of network
// N hold content C, least recently assigned first? So: content → network → peers, in that order
// already, so that the first few are found without looking at the thousands behind them. Each
// list is two linked queues: peers never assigned, in the order they came, then peers assigned,
// a peer moving to the end when it is assigned again.
// A heartbeat that holds the same contents as before changes nothing but the report.

/** What one client holds of one content. */
export interface Holding {
  contentId: string;
  /** Every piece; `pieces` is then null. */
  complete: boolean;
  /** The piece indices held, when not complete. */
  pieces: ReadonlySet<number> | null;
}

export interface PeerReport {
  clientId: string;
  /** The ISP the client subscribes to, and its country where known. */
  networkId: string;
  country: string | null;
  address: string;
  /** Upload capacity the client can spare now, bits per second. */
  spareUplinkBps: number;
  /** The client's agent software opted in to serving others (for CLIENT_SOFTWARE grants). */
  optedIn: boolean;
  holdings: readonly Holding[];
  /** Until when (ms since the epoch) the report holds. */
  expiresAt: number;
}

export interface Peer extends PeerReport {
  /** When the coordinator last named it as a source (0: never): load spreads to the least recent. */
  lastAssignedAt: number;
}

/**
 * One content's holders in one network, least recently assigned first: peers never assigned in
 * the order they came, then peers assigned, the least recent first. Each is an intrusive linked
 * queue rather than a Set, because an assignment moves a peer to the end of every list it is in
 * (twenty, for a peer holding twenty contents) on every request: unlinking and appending a place
 * is a few pointer writes, where a Set's delete and add hash the id and, as entries churn,
 * rebuild its table.
 */
class HolderList {
  readonly neverAssigned = new PlaceQueue();
  readonly assigned = new PlaceQueue();
  constructor(
    readonly contentId: string,
    readonly networkId: string,
  ) {}

  get size(): number {
    return this.neverAssigned.size + this.assigned.size;
  }

  /** The queue a peer's place is in: whether it was ever assigned says which. */
  queueOf(peer: Peer): PlaceQueue {
    return peer.lastAssignedAt === 0 ? this.neverAssigned : this.assigned;
  }
}

/** A peer's place in one holder list. */
interface Place {
  peer: IndexedPeer;
  readonly holders: HolderList;
  prev: Place | null;
  next: Place | null;
}

class PlaceQueue {
  first: Place | null = null;
  last: Place | null = null;
  size = 0;

  append(place: Place): void {
    place.prev = this.last;
    place.next = null;
    if (this.last) this.last.next = place;
    else this.first = place;
    this.last = place;
    this.size++;
  }

  remove(place: Place): void {
    if (place.prev) place.prev.next = place.next;
    else this.first = place.next;
    if (place.next) place.next.prev = place.prev;
    else this.last = place.prev;
    place.prev = place.next = null;
    this.size--;
  }
}

/** A peer as the index keeps it: with its places in the holder lists, so that an assignment reaches them without a lookup. */
type IndexedPeer = Peer & { places: Place[] };

export class AvailabilityIndex {
  private readonly peers = new Map<string, IndexedPeer>();
  /** content → network → holders. */
  private readonly holders = new Map<string, Map<string, HolderList>>();
  /** network → online client ids. */
  private readonly byNetwork = new Map<string, Set<string>>();

  constructor(private readonly now: () => number = Date.now) {}

  /** Takes a client's report, replacing its previous one (what it no longer holds is forgotten). */
  report(report: PeerReport): Peer {
    const previous = this.peers.get(report.clientId);
    const peer: IndexedPeer = {
      ...report,
      lastAssignedAt: previous?.lastAssignedAt ?? 0,
      places: [],
    };
    // A heartbeat: same network, same holdings; the peer keeps its places in the lists.
    if (previous && previous.networkId === report.networkId && sameHoldings(previous.holdings, report.holdings)) {
      peer.places = previous.places;
      for (const place of peer.places) place.peer = peer;
      this.peers.set(peer.clientId, peer);
      return peer;
    }
    if (previous) this.unindex(previous);
    this.peers.set(peer.clientId, peer);
    let members = this.byNetwork.get(peer.networkId);
    if (!members) this.byNetwork.set(peer.networkId, (members = new Set()));
    members.add(peer.clientId);
    for (const holding of peer.holdings) {
      let byNetwork = this.holders.get(holding.contentId);
      if (!byNetwork) this.holders.set(holding.contentId, (byNetwork = new Map()));
      let list = byNetwork.get(peer.networkId);
      if (!list) byNetwork.set(peer.networkId, (list = new HolderList(holding.contentId, peer.networkId)));
      const place: Place = { peer, holders: list, prev: null, next: null };
      // A peer assigned before joins a list it was not in at the end: as if just assigned.
      list.queueOf(peer).append(place);
      peer.places.push(place);
    }
    return peer;
  }

  /** The client said it is going offline, or its report expired. */
  remove(clientId: string): void {
    const peer = this.peers.get(clientId);
    if (!peer) return;
    this.unindex(peer);
    this.peers.delete(clientId);
  }

  /** The client's report, if it has not expired. */
  peer(clientId: string): Peer | null {
    const peer = this.peers.get(clientId);
    if (!peer) return null;
    if (peer.expiresAt <= this.now()) {
      this.remove(clientId);
      return null;
    }
    return peer;
  }

  /** Networks with holders of the content (some perhaps expired since). */
  networksHolding(contentId: string): IterableIterator<string> {
    return (this.holders.get(contentId) ?? EMPTY).keys();
  }

  /**
   * Online peers of one network holding the content, least recently assigned first. Expired
   * reports met on the way are dropped; nothing else may change the index while this is walked.
   */
  *holdersIn(contentId: string, networkId: string): Generator<Peer> {
    const list = this.holders.get(contentId)?.get(networkId);
    if (!list) return;
    const now = this.now();
    for (const queue of [list.neverAssigned, list.assigned]) {
      let place = queue.first;
      while (place) {
        // Read before the place may be unlinked (its peer expired).
        const next = place.next;
        if (place.peer.expiresAt <= now) this.remove(place.peer.clientId);
        else yield place.peer;
        place = next;
      }
    }
  }

  /** Networks with a peer online (reported, perhaps expired since). */
  networksHoldingAny(): IterableIterator<string> {
    return this.byNetwork.keys();
  }

  /** Some online peer of the network, for what is the same for all its peers (the route out of it). */
  anyPeerIn(networkId: string): Peer | null {
    for (const clientId of this.byNetwork.get(networkId) ?? []) {
      const peer = this.peer(clientId);
      if (peer) return peer;
    }
    return null;
  }

  /** The peer was named as a source: it goes to the end of every list it is in. */
  markAssigned(clientId: string, at = this.now()): void {
    const peer = this.peers.get(clientId);
    if (!peer) return;
    for (const place of peer.places) {
      place.holders.queueOf(peer).remove(place);
      place.holders.assigned.append(place);
    }
    peer.lastAssignedAt = at;
  }

  /** Drops every expired report; the server runs it now and then so that memory follows the online peers. */
  sweep(): number {
    const now = this.now();
    let removed = 0;
    for (const peer of [...this.peers.values()]) {
      if (peer.expiresAt <= now) {
        this.remove(peer.clientId);
        removed++;
      }
    }
    return removed;
  }

  /** Online peers (expired reports not yet swept included). */
  get size(): number {
    return this.peers.size;
  }

  private unindex(peer: IndexedPeer): void {
    const members = this.byNetwork.get(peer.networkId);
    members?.delete(peer.clientId);
    if (members?.size === 0) this.byNetwork.delete(peer.networkId);
    for (const place of peer.places) {
      const list = place.holders;
      list.queueOf(peer).remove(place);
      if (list.size > 0) continue;
      const byNetwork = this.holders.get(list.contentId);
      // Only the list the index holds now: a list emptied and made again is another object.
      if (byNetwork?.get(list.networkId) === list) byNetwork.delete(list.networkId);
      if (byNetwork?.size === 0) this.holders.delete(list.contentId);
    }
    peer.places = [];
  }
}

/** What the peer holds of the content, if anything: a peer holds a few dozen contents, so a scan is cheaper than a map per peer. */
export function holdingOf(peer: Peer, contentId: string): Holding | undefined {
  for (const holding of peer.holdings) if (holding.contentId === contentId) return holding;
  return undefined;
}

/**
 * Whether two reports hold the same: a heartbeat. Agents list their holdings in the same order
 * each time, so that is compared first; any other order is compared by content.
 */
function sameHoldings(before: readonly Holding[], now: readonly Holding[]): boolean {
  if (before.length !== now.length) return false;
  if (before.every((holding, i) => sameHolding(holding, now[i]!))) return true;
  const byContent = new Map(before.map((holding) => [holding.contentId, holding]));
  return byContent.size === now.length && now.every((holding) => {
    const previous = byContent.get(holding.contentId);
    return previous !== undefined && sameHolding(previous, holding);
  });
}

function sameHolding(a: Holding, b: Holding): boolean {
  if (a.contentId !== b.contentId || a.complete !== b.complete) return false;
  if (a.pieces === null || b.pieces === null) return a.pieces === b.pieces;
  if (a.pieces.size !== b.pieces.size) return false;
  for (const piece of a.pieces) if (!b.pieces.has(piece)) return false;
  return true;
}

const EMPTY: ReadonlyMap<string, HolderList> = new Map();
