// Which clients are online now, with how much spare uplink, holding which contents (and which
// pieces): what agents report, kept in memory. A report lives for its TTL unless renewed: soft
// state, as trackers keep it, since a heartbeat from every online peer every minute is far too
// many writes for the database and worth nothing once stale. After a restart, agents' next
// heartbeats fill it again.
//
// Indexed for the question the coordinator asks on every request: which online peers of network
// N hold content C? So: content → network → peers.

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
  holdingsByContent: ReadonlyMap<string, Holding>;
  /** When the coordinator last named it as a source (0: never): load spreads to the least recent. */
  lastAssignedAt: number;
}

export class AvailabilityIndex {
  private readonly peers = new Map<string, Peer>();
  /** content → network → client ids. */
  private readonly holders = new Map<string, Map<string, Set<string>>>();

  constructor(private readonly now: () => number = Date.now) {}

  /** Takes a client's report, replacing its previous one (what it no longer holds is forgotten). */
  report(report: PeerReport): Peer {
    const previous = this.peers.get(report.clientId);
    if (previous) this.unindex(previous);
    const peer: Peer = {
      ...report,
      holdingsByContent: new Map(report.holdings.map((holding) => [holding.contentId, holding])),
      lastAssignedAt: previous?.lastAssignedAt ?? 0,
    };
    this.peers.set(peer.clientId, peer);
    for (const holding of peer.holdings) {
      let byNetwork = this.holders.get(holding.contentId);
      if (!byNetwork) this.holders.set(holding.contentId, (byNetwork = new Map()));
      let clients = byNetwork.get(peer.networkId);
      if (!clients) byNetwork.set(peer.networkId, (clients = new Set()));
      clients.add(peer.clientId);
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

  /** Networks with online holders of the content, each with its holders (expired ones dropped). */
  networksHolding(contentId: string): ReadonlyMap<string, ReadonlySet<string>> {
    return this.holders.get(contentId) ?? EMPTY;
  }

  /** Online peers of one network holding the content. */
  *holdersIn(contentId: string, networkId: string): Generator<Peer> {
    const clients = this.holders.get(contentId)?.get(networkId);
    if (!clients) return;
    for (const clientId of [...clients]) {
      const peer = this.peer(clientId);
      if (peer) yield peer;
    }
  }

  markAssigned(clientId: string, at = this.now()): void {
    const peer = this.peers.get(clientId);
    if (peer) peer.lastAssignedAt = at;
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

  private unindex(peer: Peer): void {
    for (const holding of peer.holdings) {
      const byNetwork = this.holders.get(holding.contentId);
      const clients = byNetwork?.get(peer.networkId);
      if (!byNetwork || !clients) continue;
      clients.delete(peer.clientId);
      if (clients.size === 0) byNetwork.delete(peer.networkId);
      if (byNetwork.size === 0) this.holders.delete(holding.contentId);
    }
  }
}

const EMPTY: ReadonlyMap<string, ReadonlySet<string>> = new Map();
