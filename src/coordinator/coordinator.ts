// The coordinator: takes agents' availability reports and answers content requests with
// assignments, from what it holds in memory (availability, active grants and their use, enforced
// policies, the route between two networks) so that a request costs no reads and one row of a
// grouped INSERT (the assignment). What it reads from the database it refreshes every few seconds, and at once
// after a change made through this process (`invalidate`).
import type { Database } from '../db/database.ts';
import { fromGlobalId } from '../graphql/global-id.ts';
import { InputError } from '../domain/input-error.ts';
import { RefreshingSnapshot } from '../domain/refreshing-snapshot.ts';
import type { EnforcedPolicy } from '../reports/policies.ts';
import { enforcedPolicies } from '../reports/policies.ts';
import { BoundedCache } from '../path/bounded-cache.ts';
import { parseAddress } from '../path/address.ts';
import type { AddressLookups, PathService } from '../path/service.ts';
import { AvailabilityIndex, type Holding, type Peer } from './availability.ts';
import { AssignmentWriter, type Assignment, type StoredSource } from './assignments.ts';
import { loadGrantSnapshot, permitFor, type GrantSnapshot } from './grant-snapshot.ts';
import { chooseSources, type CdnNode, type SelectionRules } from './selection.ts';

export interface CoordinatorOptions {
  /** The IP databases as loaded now: a client's country comes from its address. */
  addresses: () => AddressLookups;
  /** Routes between networks, for capacity policies on links. */
  paths: Pick<PathService, 'resolve'>;
  /** The rate an assignment's sources should reach together, bits per second. */
  targetBps?: number;
  maxPeers?: number;
  /** How long grants, their use and the enforced policies serve before they are read again. */
  refreshMs?: number;
  now?: () => number;
}

/** Who asks: an AGENT's organization (scoped), or null for an ADMIN key. */
export interface Requestor {
  organizationId: string | null;
  /** Whether that organization distributes content: its client software runs on any ISP's clients. */
  isDistributor: boolean;
}

export interface ClientInfo {
  id: string;
  networkId: string;
  address: string;
  country: string | null;
}

export interface ContentInfo {
  id: string;
  ownerId: string;
  distributorId: string | null;
}

export type ContentReference = { id: string } | { title: string; owner: string };

export interface AvailabilityReport {
  client: string;
  online: boolean;
  spareUplinkBps?: bigint | null;
  optedIn?: boolean | null;
  holdings?: readonly { content: ContentReference; pieces?: readonly number[] | null }[] | null;
  ttlSeconds?: number | null;
}

export interface ContentRequest {
  client: string;
  content: ContentReference;
  pieces?: readonly number[] | null;
}

export const DEFAULT_TTL_SECONDS = 120;
const MAX_TTL_SECONDS = 3600;
const MAX_PIECES = 100_000;
const MAX_HOLDINGS = 10_000;

export class Coordinator {
  readonly availability: AvailabilityIndex;
  private readonly grants: RefreshingSnapshot<GrantSnapshot>;
  private readonly policies: RefreshingSnapshot<EnforcedPolicy[]>;
  private readonly clients = new BoundedCache<string, ClientInfo>(200_000);
  private readonly contents = new BoundedCache<string, ContentInfo>(50_000);
  private readonly nodes = new BoundedCache<string, CdnNode[]>(1_000);
  /** Link components between two networks (from one path between them), by "from|to". */
  private readonly routes = new BoundedCache<string, string[]>(10_000);
  private readonly now: () => number;
  private readonly assignments: AssignmentWriter;

  constructor(
    private readonly db: Pick<Database, 'prisma' | 'sql'>,
    private readonly options: CoordinatorOptions,
  ) {
    this.now = options.now ?? Date.now;
    this.availability = new AvailabilityIndex(this.now);
    this.assignments = new AssignmentWriter(db.sql);
    const refreshMs = options.refreshMs ?? 5_000;
    this.grants = new RefreshingSnapshot(() => loadGrantSnapshot(db.prisma, new Date(this.now())), refreshMs, this.now);
    this.policies = new RefreshingSnapshot(() => enforcedPolicies(db.prisma), refreshMs, this.now);
  }

  /** Grants, clients, contents or policies changed here: read them again on the next request. */
  invalidate(): void {
    this.grants.invalidate();
    this.policies.invalidate();
    this.clients.clear();
    this.contents.clear();
    this.nodes.clear();
  }

  async reportAvailability(requestor: Requestor, report: AvailabilityReport): Promise<{ expiresAt: Date }> {
    const client = await this.client(requestor, report.client, ['input', 'client']);
    if (!report.online) {
      this.availability.remove(client.id);
      return { expiresAt: new Date(this.now()) };
    }
    const ttl = report.ttlSeconds ?? DEFAULT_TTL_SECONDS;
    if (!Number.isInteger(ttl) || ttl < 10 || ttl > MAX_TTL_SECONDS) throw new InputError(['input', 'ttlSeconds'], `must be a whole number of seconds from 10 to ${MAX_TTL_SECONDS}, got ${ttl}.`);
    const spare = report.spareUplinkBps ?? 0n;
    if (spare < 0n || spare > 10n ** 12n) throw new InputError(['input', 'spareUplinkBps'], `must be from 0 to 10^12 bits per second, got ${spare}.`);
    const holdingsInput = report.holdings ?? [];
    if (holdingsInput.length > MAX_HOLDINGS) throw new InputError(['input', 'holdings'], `has ${holdingsInput.length} entries; at most ${MAX_HOLDINGS}.`);
    const contents = await this.contentsOf(holdingsInput.map((holding) => holding.content), (i) => ['input', 'holdings', String(i), 'content']);
    const holdings: Holding[] = holdingsInput.map((holding, i) => {
      const pieces = validPieces(holding.pieces ?? null, ['input', 'holdings', String(i), 'pieces']);
      return { contentId: contents[i]!.id, complete: pieces === null || pieces.length === 0, pieces: pieces && pieces.length > 0 ? new Set(pieces) : null };
    });
    const expiresAt = this.now() + ttl * 1000;
    this.availability.report({
      clientId: client.id,
      networkId: client.networkId,
      country: client.country,
      address: client.address,
      spareUplinkBps: Number(spare),
      optedIn: report.optedIn ?? false,
      holdings,
      expiresAt,
    });
    return { expiresAt: new Date(expiresAt) };
  }

  async requestContent(requestor: Requestor, request: ContentRequest): Promise<Assignment> {
    const requester = await this.client(requestor, request.client, ['input', 'client']);
    const content = (await this.contentsOf([request.content], () => ['input', 'content']))[0]!;
    const wanted = validPieces(request.pieces ?? null, ['input', 'pieces']);
    const [grants, policies, nodes] = await Promise.all([this.grants.get(), this.policies.get(), this.nodesOf(content.distributorId)]);
    const now = new Date(this.now());
    const routeBlocked = await this.routeCheck(requester, content, policies);
    const rules: SelectionRules = {
      permit: (peer) => permitFor(grants, peer, content, now),
      routeBlocked,
      targetBps: this.options.targetBps ?? 8_000_000,
      maxPeers: this.options.maxPeers ?? 4,
    };
    const node = nodes.find((candidate) => requester.country !== null && candidate.country === requester.country) ?? nodes[0] ?? null;
    const selection = chooseSources(this.availability, { clientId: requester.id, networkId: requester.networkId, country: requester.country }, content.id, wanted, rules, node);
    const sources: StoredSource[] = selection.sources.map((source) =>
      source.kind === 'PEER'
        ? { kind: 'PEER', peerClientId: source.peer.clientId, peerAddress: source.peer.address, grantId: source.permit.grantId, nodeComponentId: null, nodeAddress: null, pieces: source.pieces, reason: source.reason }
        : { kind: 'CDN', peerClientId: null, peerAddress: null, grantId: null, nodeComponentId: source.node?.componentId ?? null, nodeAddress: source.node?.address ?? null, pieces: source.pieces, reason: source.node ? source.reason : `${source.reason} (no node of its distributor is registered)` },
    );
    const assignment = await this.assignments.store({ requesterClientId: requester.id, contentId: content.id, requestedById: requestor.organizationId, sources });
    for (const source of selection.sources) if (source.kind === 'PEER') this.availability.markAssigned(source.peer.clientId);
    return assignment;
  }

  /**
   * Why a peer's route to the requester is closed: an ENFORCED policy on either end's network,
   * or on a link (or link set) between their networks, that applies to this content owner and to
   * peer uploads.
   */
  private async routeCheck(requester: ClientInfo, content: ContentInfo, policies: readonly EnforcedPolicy[]): Promise<(peer: Peer) => string | null> {
    const applying = policies.filter((policy) => (policy.contentOwnerId === null || policy.contentOwnerId === content.ownerId) && (policy.transferType === null || policy.transferType === 'PEER_UPLOAD'));
    if (applying.length === 0) return () => null;
    const closedNetworks = new Map(applying.flatMap((policy) => (policy.networkId ? [[policy.networkId, policy] as const] : [])));
    const closedLinks = new Map(applying.flatMap((policy) => policy.componentIds.map((id) => [id, policy] as const)));
    const describe = (policy: EnforcedPolicy) => `capacity policy “${policy.name}” is ENFORCED${policy.reason ? `: ${policy.reason}` : ''}`;
    const requesterClosed = closedNetworks.get(requester.networkId);
    // Links between the requester's network and each peer network, worked out once per pair.
    const links = new Map<string, string[]>();
    if (closedLinks.size > 0) {
      for (const networkId of this.availability.networksHoldingAny()) {
        if (networkId !== requester.networkId) links.set(networkId, await this.linksBetween(networkId, requester));
      }
    }
    return (peer) => {
      if (requesterClosed) return describe(requesterClosed);
      const peerClosed = closedNetworks.get(peer.networkId);
      if (peerClosed) return describe(peerClosed);
      for (const link of links.get(peer.networkId) ?? []) {
        const policy = closedLinks.get(link);
        if (policy) return describe(policy);
      }
      return null;
    };
  }

  private async linksBetween(networkId: string, requester: ClientInfo): Promise<string[]> {
    const key = `${networkId}|${requester.networkId}`;
    let found = this.routes.get(key);
    if (found === undefined) {
      const peer = this.availability.anyPeerIn(networkId);
      if (!peer) return [];
      const path = await this.options.paths.resolve({ source: peer.address, destination: requester.address });
      found = path.components.flatMap((component) => (component.kind === 'LINK' && component.componentId !== null ? [component.componentId] : []));
      this.routes.set(key, found);
    }
    return found;
  }

  /** A client by id or address, seen as the requestor may: its own subscribers, or any for a distributor or ADMIN. */
  private async client(requestor: Requestor, reference: string, field: string[]): Promise<ClientInfo> {
    const key = reference.trim();
    let client = this.clients.get(key);
    if (!client) {
      const address = parseAddress(key);
      const id = address === null ? clientRowId(key) : null;
      if (address === null && id === null) throw new InputError(field, `"${reference}" is neither a client id nor an IP address.`);
      const row = await this.db.prisma.client.findFirst({
        where: address !== null ? { addresses: { has: address.text } } : { id: id! },
        orderBy: { lastSeenAt: 'desc' },
        select: { id: true, addresses: true, subscriberNetworkId: true },
      });
      if (!row) throw new InputError(field, address !== null ? `no client has the address ${address.text}.` : `no client with id ${reference}.`, 'NOT_FOUND');
      const clientAddress = address?.text ?? row.addresses[0] ?? '';
      client = { id: row.id, networkId: row.subscriberNetworkId, address: clientAddress, country: this.countryOf(clientAddress) };
      this.clients.set(key, client);
    }
    if (requestor.organizationId !== null && !requestor.isDistributor && client.networkId !== requestor.organizationId) {
      throw new InputError(field, 'this agent acts only for clients of its own organization.', 'FORBIDDEN');
    }
    return client;
  }

  private countryOf(address: string): string | null {
    if (address === '') return null;
    const country = this.options.addresses().places(address).find((place) => place.kind === 'COUNTRY');
    return country ? country.key.slice('country:'.length) : null;
  }

  /**
   * Contents by id or by title and owner, in the order named. Those not remembered are read
   * together: one query by id, one by title, however many a report names.
   */
  private async contentsOf(references: readonly ContentReference[], field: (index: number) => string[]): Promise<ContentInfo[]> {
    const keys = references.map(contentKey);
    const found = new Map<string, ContentInfo>();
    const ids: string[] = [];
    const titles: { title: string; owner: { slug: string } }[] = [];
    references.forEach((reference, i) => {
      const known = this.contents.get(keys[i]!);
      if (known) found.set(keys[i]!, known);
      else if (!('id' in reference)) titles.push({ title: reference.title, owner: { slug: reference.owner } });
      else {
        const id = contentRowId(reference.id);
        if (id !== null) ids.push(id);
      }
    });
    if (ids.length > 0 || titles.length > 0) {
      const select = { id: true, ownerId: true, distributorId: true } as const;
      const [byId, byTitle] = await Promise.all([
        ids.length === 0 ? [] : this.db.prisma.content.findMany({ where: { id: { in: ids } }, select }),
        titles.length === 0 ? [] : this.db.prisma.content.findMany({ where: { OR: titles }, select: { ...select, title: true, owner: { select: { slug: true } } } }),
      ]);
      const remember = (key: string, { id, ownerId, distributorId }: ContentInfo) => {
        const content = { id, ownerId, distributorId };
        found.set(key, content);
        this.contents.set(key, content);
      };
      for (const row of byId) remember(`id:${row.id}`, row);
      for (const row of byTitle) remember(contentKey({ title: row.title, owner: row.owner.slug }), row);
    }
    return references.map((reference, i) => {
      const content = found.get(keys[i]!);
      if (content) return content;
      throw new InputError(field(i), 'id' in reference ? `no content with id ${reference.id}.` : `no content titled "${reference.title}" owned by ${reference.owner}.`, 'NOT_FOUND');
    });
  }

  /** The distributor's nodes: its registered hosts that have an address. */
  private async nodesOf(distributorId: string | null): Promise<(CdnNode & { country: string | null })[]> {
    if (distributorId === null) return [];
    let nodes = this.nodes.get(distributorId) as (CdnNode & { country: string | null })[] | undefined;
    if (!nodes) {
      const rows = await this.db.prisma.networkComponent.findMany({
        where: { ownerId: distributorId, kind: 'HOST', client: null, NOT: { addresses: { isEmpty: true } } },
        select: { id: true, name: true, addresses: true, countryCode: true },
        orderBy: { id: 'asc' },
      });
      nodes = rows.map((row) => ({ componentId: row.id, name: row.name, address: row.addresses[0]!, country: row.countryCode }));
      this.nodes.set(distributorId, nodes);
    }
    return nodes;
  }
}

function validPieces(pieces: readonly number[] | null, field: string[]): number[] | null {
  if (pieces === null) return null;
  if (pieces.length > MAX_PIECES) throw new InputError(field, `has ${pieces.length} pieces; at most ${MAX_PIECES}.`);
  const seen = new Set<number>();
  pieces.forEach((piece, i) => {
    if (!Number.isInteger(piece) || piece < 0) throw new InputError([...field, String(i)], `${piece} is not a piece index (a whole number from 0).`);
    seen.add(piece);
  });
  return [...seen].sort((a, b) => a - b);
}

// Clients and contents are named by the API's global ids, as in every other mutation.
const rowIdOf = (type: 'Client' | 'Content', globalId: string) => {
  const decoded = fromGlobalId(globalId);
  return decoded?.type === type ? decoded.id : null;
};
const clientRowId = (globalId: string) => rowIdOf('Client', globalId);
const contentRowId = (globalId: string) => rowIdOf('Content', globalId);
/** How a content reference is remembered: by row id, or by owner and title. */
const contentKey = (reference: ContentReference) => ('id' in reference ? `id:${contentRowId(reference.id) ?? reference.id}` : `title:${reference.owner}\u0000${reference.title}`);
