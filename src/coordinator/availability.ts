// Which clients are online now, with how much spare uplink, holding which contents (and which
// pieces): what agents report, kept in memory. A report lives for its TTL unless renewed: soft
// state, as trackers keep it, since a heartbeat from every online peer every minute is far too
// many writes for the database and worth nothing once stale. After a restart, agents' next
// heartbeats fill it again.
//
// Indexed for the question the coordinator asks on every request: which online peers of network
// N hold content C, least recently assigned first? So: content → network → a holder list, in
// that order already, so that the first few are found without looking at the thousands behind
// them. Each list is two linked queues: peers never assigned, in the order they came, then peers
// assigned, a peer moving to the end when it is assigned again.
// A heartbeat that holds the same contents as before changes nothing but the report.
//
// Memory is the constraint at scale: 100,000 peers holding 20 contents each are 2,000,000
// places in some 450,000 lists. As objects (a place with four fields, a list with two queue
// objects, a holding per place) they took some 400 MB of heap; as numbered rows of typed
// columns they take a tenth of that, outside the JavaScript heap, and an assignment's pointer
// moves touch a few contiguous arrays instead of objects scattered through it.

/** What one client holds of one content. */
export interface Holding {
  contentId: string;
  /** Every piece; `pieces` is then null. */
  complete: boolean;
  /** The piece indices held, when not complete. */
  pieces: ReadonlySet<number> | null;
}

/** A client's state as its agent reported it, without what it holds. */
interface PeerState {
  clientId: string;
  /** The ISP the client subscribes to, and its country where known. */
  networkId: string;
  country: string | null;
  address: string;
  /** Upload capacity the client can spare now, bits per second. */
  spareUplinkBps: number;
  /** The client's agent software opted in to serving others (for CLIENT_SOFTWARE grants). */
  optedIn: boolean;
  /** Until when (ms since the epoch) the report holds. */
  expiresAt: number;
}

export interface PeerReport extends PeerState {
  holdings: readonly Holding[];
}

/** An online peer. What it holds the index answers (`holding`, `holdings`). */
export interface Peer extends PeerState {
  /** When the coordinator last named it as a source (0: never): load spreads to the least recent. */
  lastAssignedAt: number;
}

/** A peer as the index keeps it: with the first of its places, which are chained (`PlaceRows.sibling`). */
interface IndexedPeer extends Peer {
  firstPlace: number;
}

/** No place, no list: the end of a chain. */
const NONE = -1;
/** A list's two queues. */
const NEVER_ASSIGNED = 0;
const ASSIGNED = 1;
type Queue = typeof NEVER_ASSIGNED | typeof ASSIGNED;

const INITIAL_ROWS = 1024;

/** The column, or a copy at least `rows` long (doubling, so that growing costs O(1) a row over time). */
function withRoom(column: Int32Array<ArrayBuffer>, rows: number): Int32Array<ArrayBuffer> {
  if (rows <= column.length) return column;
  const bigger = new Int32Array(Math.max(rows, column.length * 2));
  bigger.set(column);
  return bigger;
}

/**
 * A peer's places, one per content it holds: place p is in holder list `list[p]`, between `prev[p]`
 * and `next[p]` in its queue; `sibling[p]` is the peer's next place. Freed numbers are reused.
 */
class PlaceRows {
  list = new Int32Array(INITIAL_ROWS);
  prev = new Int32Array(INITIAL_ROWS);
  next = new Int32Array(INITIAL_ROWS);
  sibling = new Int32Array(INITIAL_ROWS);
  readonly peer: (IndexedPeer | null)[] = [];
  /** The pieces held, for places whose peer holds only some of the content (the rest hold it whole). */
  readonly pieces = new Map<number, ReadonlySet<number>>();
  private readonly freed: number[] = [];
  private rows = 0;

  add(peer: IndexedPeer, list: number, pieces: ReadonlySet<number> | null): number {
    const place = this.freed.pop() ?? this.rows++;
    if (place >= this.list.length) {
      this.list = withRoom(this.list, place + 1);
      this.prev = withRoom(this.prev, place + 1);
      this.next = withRoom(this.next, place + 1);
      this.sibling = withRoom(this.sibling, place + 1);
    }
    this.list[place] = list;
    this.prev[place] = this.next[place] = NONE;
    this.sibling[place] = peer.firstPlace;
    peer.firstPlace = place;
    this.peer[place] = peer;
    if (pieces !== null) this.pieces.set(place, pieces);
    return place;
  }

  free(place: number): void {
    this.peer[place] = null;
    this.pieces.delete(place);
    this.freed.push(place);
  }
}

/**
 * One content's holders in one network, a list per (content, network): queue q of list l runs
 * from `first[2l + q]` to `last[2l + q]` (NONE when empty). Emptied lists are dropped and their
 * numbers reused.
 */
class HolderLists {
  first = new Int32Array(2 * INITIAL_ROWS);
  last = new Int32Array(2 * INITIAL_ROWS);
  readonly contentOf: string[] = [];
  readonly networkOf: string[] = [];
  /** content → network → list. */
  private readonly byContent = new Map<string, Map<string, number>>();
  private readonly freed: number[] = [];
  private rows = 0;

  find(contentId: string, networkId: string): number {
    return this.byContent.get(contentId)?.get(networkId) ?? NONE;
  }

  networksHolding(contentId: string): IterableIterator<string> {
    return (this.byContent.get(contentId) ?? EMPTY).keys();
  }

  /** The list for the content in the network, made empty if there is none. */
  obtain(contentId: string, networkId: string): number {
    let byNetwork = this.byContent.get(contentId);
    if (!byNetwork) this.byContent.set(contentId, (byNetwork = new Map()));
    const found = byNetwork.get(networkId);
    if (found !== undefined) return found;
    const list = this.freed.pop() ?? this.rows++;
    if (2 * list + 1 >= this.first.length) {
      this.first = withRoom(this.first, 2 * list + 2);
      this.last = withRoom(this.last, 2 * list + 2);
    }
    this.first[2 * list] = this.first[2 * list + 1] = this.last[2 * list] = this.last[2 * list + 1] = NONE;
    this.contentOf[list] = contentId;
    this.networkOf[list] = networkId;
    byNetwork.set(networkId, list);
    return list;
  }

  /** Drops the list if nobody is in it any more. */
  dropIfEmpty(list: number): void {
    if (this.first[2 * list] !== NONE || this.first[2 * list + 1] !== NONE) return;
    const contentId = this.contentOf[list]!;
    const byNetwork = this.byContent.get(contentId);
    byNetwork?.delete(this.networkOf[list]!);
    if (byNetwork?.size === 0) this.byContent.delete(contentId);
    this.freed.push(list);
  }
}

export class AvailabilityIndex {
  private readonly peers = new Map<string, IndexedPeer>();
  private readonly places = new PlaceRows();
  private readonly lists = new HolderLists();
  /** network → online client ids. */
  private readonly byNetwork = new Map<string, Set<string>>();

  constructor(private readonly now: () => number = Date.now) {}

  /**
   * Takes a client's report, replacing its previous one (what it no longer holds is forgotten).
   * A content listed twice counts once, with the pieces of both.
   */
  report(report: PeerReport): Peer {
    const previous = this.peers.get(report.clientId);
    const state: PeerState = {
      clientId: report.clientId,
      networkId: report.networkId,
      country: report.country,
      address: report.address,
      spareUplinkBps: report.spareUplinkBps,
      optedIn: report.optedIn,
      expiresAt: report.expiresAt,
    };
    const holdings = distinctHoldings(report.holdings);
    // A heartbeat: same network, same holdings; the peer keeps its places in the lists.
    if (previous && previous.networkId === report.networkId && this.holdsExactly(previous, holdings)) {
      return Object.assign(previous, state);
    }
    if (previous) this.unindex(previous);
    const peer: IndexedPeer = Object.assign(previous ?? { lastAssignedAt: 0, firstPlace: NONE }, state);
    this.peers.set(peer.clientId, peer);
    let members = this.byNetwork.get(peer.networkId);
    if (!members) this.byNetwork.set(peer.networkId, (members = new Set()));
    members.add(peer.clientId);
    for (const holding of holdings) {
      const list = this.lists.obtain(holding.contentId, peer.networkId);
      const place = this.places.add(peer, list, piecesOf(holding));
      // A peer assigned before joins a list it was not in at the end: as if just assigned.
      this.append(place, list, queueOf(peer));
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

  /** What the peer holds of the content, if anything. A peer holds a few dozen contents: its places are scanned. */
  holding(peer: Peer, contentId: string): Holding | undefined {
    const { places, lists } = this;
    for (let place = this.firstPlaceOf(peer); place !== NONE; place = places.sibling[place]!) {
      if (lists.contentOf[places.list[place]!] === contentId) return holdingAt(places, contentId, place);
    }
    return undefined;
  }

  /** Everything the peer holds, as its report said. */
  holdings(peer: Peer): Holding[] {
    const { places, lists } = this;
    const held: Holding[] = [];
    for (let place = this.firstPlaceOf(peer); place !== NONE; place = places.sibling[place]!) {
      held.push(holdingAt(places, lists.contentOf[places.list[place]!]!, place));
    }
    return held.reverse();
  }

  /** Networks with holders of the content (some perhaps expired since). */
  networksHolding(contentId: string): IterableIterator<string> {
    return this.lists.networksHolding(contentId);
  }

  /**
   * Online peers of one network holding the content, least recently assigned first. Expired
   * reports met on the way are dropped; nothing else may change the index while this is walked.
   */
  *holdersIn(contentId: string, networkId: string): Generator<Peer> {
    const list = this.lists.find(contentId, networkId);
    if (list === NONE) return;
    const now = this.now();
    const { places, lists } = this;
    for (const queue of [NEVER_ASSIGNED, ASSIGNED]) {
      let place = lists.first[2 * list + queue]!;
      while (place !== NONE) {
        // Read before the place may be freed (its peer expired): a peer has one place in a list.
        const next = places.next[place]!;
        const peer = places.peer[place]!;
        if (peer.expiresAt <= now) this.remove(peer.clientId);
        else yield peer;
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
    const from = queueOf(peer);
    const { places } = this;
    for (let place = peer.firstPlace; place !== NONE; place = places.sibling[place]!) {
      const list = places.list[place]!;
      this.unlink(place, list, from);
      this.append(place, list, ASSIGNED);
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

  /** The first of the peer's places now (none if it is no longer online). */
  private firstPlaceOf(peer: Peer): number {
    return this.peers.get(peer.clientId)?.firstPlace ?? NONE;
  }

  /** Whether the peer holds exactly these (distinct) holdings now. */
  private holdsExactly(peer: IndexedPeer, holdings: readonly Holding[]): boolean {
    const { places, lists } = this;
    let count = 0;
    for (let place = peer.firstPlace; place !== NONE; place = places.sibling[place]!) count++;
    if (count !== holdings.length) return false;
    // Agents list their holdings in the same order each time; the chain holds them reversed.
    let place = peer.firstPlace;
    let inOrder = true;
    for (let i = holdings.length - 1; i >= 0 && inOrder; i--, place = places.sibling[place]!) {
      inOrder = lists.contentOf[places.list[place]!] === holdings[i]!.contentId && samePieces(places.pieces.get(place) ?? null, holdings[i]!);
    }
    if (inOrder) return true;
    const held = new Map<string, number>();
    for (let place = peer.firstPlace; place !== NONE; place = places.sibling[place]!) held.set(lists.contentOf[places.list[place]!]!, place);
    return holdings.every((holding) => {
      const place = held.get(holding.contentId);
      return place !== undefined && samePieces(places.pieces.get(place) ?? null, holding);
    });
  }

  private append(place: number, list: number, queue: Queue): void {
    const { places, lists } = this;
    const q = 2 * list + queue;
    const last = lists.last[q]!;
    places.prev[place] = last;
    places.next[place] = NONE;
    if (last !== NONE) places.next[last] = place;
    else lists.first[q] = place;
    lists.last[q] = place;
  }

  private unlink(place: number, list: number, queue: Queue): void {
    const { places, lists } = this;
    const q = 2 * list + queue;
    const prev = places.prev[place]!;
    const next = places.next[place]!;
    if (prev !== NONE) places.next[prev] = next;
    else lists.first[q] = next;
    if (next !== NONE) places.prev[next] = prev;
    else lists.last[q] = prev;
  }

  private unindex(peer: IndexedPeer): void {
    const members = this.byNetwork.get(peer.networkId);
    members?.delete(peer.clientId);
    if (members?.size === 0) this.byNetwork.delete(peer.networkId);
    const { places, lists } = this;
    const queue = queueOf(peer);
    let place = peer.firstPlace;
    while (place !== NONE) {
      const sibling = places.sibling[place]!;
      const list = places.list[place]!;
      this.unlink(place, list, queue);
      lists.dropIfEmpty(list);
      places.free(place);
      place = sibling;
    }
    peer.firstPlace = NONE;
  }
}

/** The queue a peer's places are in: whether it was ever assigned says which. */
function queueOf(peer: Peer): Queue {
  return peer.lastAssignedAt === 0 ? NEVER_ASSIGNED : ASSIGNED;
}

function holdingAt(places: PlaceRows, contentId: string, place: number): Holding {
  const pieces = places.pieces.get(place) ?? null;
  return { contentId, complete: pieces === null, pieces };
}

/** One holding per content: a content listed twice is held with the pieces of both (whole if either is). */
function distinctHoldings(holdings: readonly Holding[]): readonly Holding[] {
  const seen = new Map<string, Holding>();
  for (const holding of holdings) {
    const before = seen.get(holding.contentId);
    if (before === undefined) seen.set(holding.contentId, holding);
    else if (!before.complete) {
      seen.set(holding.contentId, holding.complete ? holding : { ...before, pieces: new Set([...(before.pieces ?? []), ...(holding.pieces ?? [])]) });
    }
  }
  return seen.size === holdings.length ? holdings : [...seen.values()];
}

/** The pieces a holding holds; null: the whole content. */
function piecesOf(holding: Holding): ReadonlySet<number> | null {
  return holding.complete ? null : (holding.pieces ?? NO_PIECES);
}

/** Whether a place's pieces (null: whole) are what the holding says. */
function samePieces(held: ReadonlySet<number> | null, holding: Holding): boolean {
  const pieces = piecesOf(holding);
  if (held === null || pieces === null) return held === pieces;
  if (held.size !== pieces.size) return false;
  for (const piece of held) if (!pieces.has(piece)) return false;
  return true;
}

const EMPTY: ReadonlyMap<string, number> = new Map();
const NO_PIECES: ReadonlySet<number> = new Set();
