// The path service: from two addresses, an AS path and traceroute hops to the ordered components
// a transfer crossed. Evidence comes from the registry (in memory, see registry-snapshot.ts) and
// from MaxMind-format IP databases; the ordering is build.ts's.
import { isIP } from 'node:net';
import type { PrismaClient } from '../generated/prisma/client.ts';
import { InputError } from '../domain/input-error.ts';
import { RefreshingSnapshot } from '../domain/refreshing-snapshot.ts';
import { BoundedCache } from './bounded-cache.ts';
import { buildPath, type PathLookups } from './build.ts';
import { discoveredOwnerId, inferredLinkKey, isUnregistered, registerDiscoveries } from './discoveries.ts';
import { placesFromHostname } from './place-hints.ts';
import type { AutonomousSystemRef, Endpoint, Hop, Path, PathComponent } from './model.ts';
import { loadRegistrySnapshot, type RegisteredRouter, type RegistrySnapshot } from './registry-snapshot.ts';
import { isSpecial } from './special-addresses.ts';
import { parseAddress, type Address } from './address.ts';

/** The AS announcing an address, as an ASN database says (GeoLite2-ASN fields). */
export type AsnLookup = (address: string) => { number: number; name: string } | null;
/** Country, region, city of an address, coarse to fine. */
export type PlaceLookup = (address: string) => readonly PathComponent[];

/** What the IP databases say of addresses; taken once per resolution, so one file answers it all. */
export interface AddressLookups {
  asn: AsnLookup;
  places: PlaceLookup;
}

export interface PathRequest {
  source: string;
  destination: string;
  asPath?: readonly number[] | null;
  hops?: readonly string[] | null;
}

export const MAX_HOPS = 64;

interface Trace {
  path: Path;
  hops: Hop[];
}

function inputErrorOnly(error: unknown): InputError {
  if (error instanceof InputError) return error;
  throw error;
}
const NO_COMPONENTS: readonly PathComponent[] = [];
const MAX_AS_PATH = 64;

export interface PathServiceOptions {
  /** The IP databases as loaded now (see ip-data.ts); called once per resolution. */
  addresses: () => AddressLookups;
  /** How long a registry snapshot serves before it is reloaded (changes made in other processes). */
  maxSnapshotAgeMs?: number;
  now?: () => number;
}

/**
 * An AS the registry does not know: owned by "as:<number>" until `resolveAndRegister` stores it
 * with an organization made from its name (see discoveries.ts).
 */
export function discoveredAs(number: number, name: string): AutonomousSystemRef {
  return { number, name, ownerId: discoveredOwnerId(number), componentId: null };
}

/** Paths resolved against one registry snapshot and one pair of IP database files. */
interface TraceCache {
  registry: RegistrySnapshot;
  addresses: AddressLookups;
  traces: BoundedCache<string, Trace>;
}

/** Distinct requests remembered: agents report the same pairs of hosts over and over. */
export const PATH_CACHE_SIZE = 20_000;

export class PathService {
  private readonly snapshot: RefreshingSnapshot<RegistrySnapshot>;
  private cache: TraceCache | null = null;

  constructor(
    private readonly prisma: PrismaClient,
    private readonly options: PathServiceOptions,
  ) {
    this.snapshot = new RefreshingSnapshot(() => loadRegistrySnapshot(prisma), options.maxSnapshotAgeMs ?? 10_000, options.now);
  }

  /** The registry changed: the next resolution reloads it. */
  invalidate(): void {
    this.snapshot.invalidate();
  }

  async resolve(request: PathRequest): Promise<Path> {
    return (await this.trace(request)).path;
  }

  /**
   * Resolves, and stores what the path revealed that the registry did not have (ASes with their
   * organizations, inferred links, routers, places), so that the path names stored components
   * only and accounting can count against them. Idempotent and safe to run concurrently.
   */
  async resolveAndRegister(request: PathRequest): Promise<Path> {
    const [result] = await this.resolveAllAndRegister([request]);
    if (result instanceof InputError) throw result;
    return result!;
  }

  /**
   * `resolveAndRegister` for a batch: what all the paths revealed is stored at once and the
   * registry reloaded once, not once per path (a batch from new clients reveals hundreds of
   * ASes and links). A request with bad input gives its InputError in its place.
   */
  async resolveAllAndRegister(requests: readonly PathRequest[]): Promise<(Path | InputError)[]> {
    const traced = await Promise.all(requests.map((request) => this.trace(request).catch(inputErrorOnly)));
    const found = traced.filter((trace): trace is Trace => !(trace instanceof InputError));
    if (!found.some((trace) => trace.path.components.some(isUnregistered))) return traced.map((trace) => (trace instanceof InputError ? trace : trace.path));
    await registerDiscoveries(
      this.prisma,
      found.map((trace) => trace.path),
      found.flatMap((trace) => trace.hops),
    );
    // Reloading the registry is what makes the second resolution see the stored components; it
    // happens only when a batch revealed something new, which grows rare as the registry fills.
    this.invalidate();
    return Promise.all(requests.map((request) => this.resolve(request).catch(inputErrorOnly)));
  }

  /**
   * The same request against the same registry and files always gives the same path, so a path
   * is remembered until either changes; only paths whose every component is stored, since one
   * with discoveries is resolved again once they are.
   */
  private async trace(request: PathRequest): Promise<Trace> {
    const registry = await this.registry();
    const addresses = this.options.addresses();
    if (this.cache?.registry !== registry || this.cache.addresses !== addresses) this.cache = { registry, addresses, traces: new BoundedCache(PATH_CACHE_SIZE) };
    const key = `${request.source}|${request.destination}|${request.asPath?.join(',') ?? ''}|${request.hops?.join('|') ?? ''}`;
    const cached = this.cache.traces.get(key);
    if (cached) return cached;

    const hopTexts = validHops(request.hops ?? []);
    const asPath = validAsPath(request.asPath ?? []);
    const source = requireAddress(['source'], request.source);
    const destination = requireAddress(['destination'], request.destination);
    const resolution = new Resolution(registry, addresses);
    const hops = hopTexts.map((hop) => resolution.hop(hop));
    const evidence = { source: resolution.endpoint(source), destination: resolution.endpoint(destination), asPath, hops };
    const trace = { path: buildPath(evidence, resolution), hops };
    if (!trace.path.components.some(isUnregistered) && !hops.some((hop) => isUnregistered(hop.router))) this.cache.traces.set(key, trace);
    return trace;
  }

  private registry(): Promise<RegistrySnapshot> {
    return this.snapshot.get();
  }
}

/** One path's worth of lookups against one registry snapshot and one set of IP database files. */
class Resolution implements PathLookups {
  /** Names the ASN database gave ASes on this path, for ASes the registry does not know. */
  private readonly announcedNames = new Map<number, string>();

  constructor(
    private readonly registry: RegistrySnapshot,
    private readonly addresses: AddressLookups,
  ) {}

  link(from: AutonomousSystemRef, to: AutonomousSystemRef, learnedBy: PathComponent['learnedBy']): PathComponent {
    const known = from.componentId && to.componentId ? this.registry.links.get(`${from.componentId}|${to.componentId}`) : undefined;
    if (known) return { ...known, learnedBy };
    // Not registered: an inferred link, identified by its two ASes so repeats merge.
    return { key: inferredLinkKey(from.number, to.number), kind: 'LINK', name: `AS${from.number}–AS${to.number}`, ownerId: from.ownerId, componentId: null, learnedBy };
  }

  switchesOn(component: PathComponent): readonly PathComponent[] {
    return component.componentId ? (this.registry.switches.get(component.componentId) ?? NO_COMPONENTS) : NO_COMPONENTS;
  }

  autonomousSystem(number: number): AutonomousSystemRef {
    return this.registry.autonomousSystems.get(number) ?? discoveredAs(number, this.announcedNames.get(number) ?? `AS${number}`);
  }

  /** The AS the ASN database says announces a public address, noting its name. */
  private announced(address: string): AutonomousSystemRef | null {
    const record = this.addresses.asn(address);
    if (record === null) return null;
    if (!this.announcedNames.has(record.number)) this.announcedNames.set(record.number, record.name);
    return this.autonomousSystem(record.number);
  }

  /** Places as stored by earlier resolutions, where they were. */
  private places(places: readonly PathComponent[]): readonly PathComponent[] {
    if (this.registry.places.size === 0) return places;
    return places.map((place) => {
      const stored = this.registry.places.get(place.key);
      return stored ? { ...stored, learnedBy: place.learnedBy } : place;
    });
  }

  /**
   * Which ISP an address is in, most specific evidence first: a registered host, an operator's
   * prefix, the ASN database. Special addresses (private, documentation…) are never looked up:
   * they belong to their registered host's ISP or to nobody known.
   */
  endpoint(address: Address): Endpoint {
    const { registry } = this;
    const host = registry.hosts.get(address.text) ?? null;
    const hostAs = host?.ownerId ? (registry.primaryAsOf.get(host.ownerId) ?? null) : null;
    if (isSpecial(address)) return { host, as: hostAs, places: [] };
    const places = this.places(this.addresses.places(address.text));
    const prefix = registry.prefixes.size === 0 ? null : registry.prefixes.match(address);
    if (prefix) {
      const as = prefix.value.asNumber !== null ? this.autonomousSystem(prefix.value.asNumber) : registry.primaryAsOf.get(prefix.value.organizationId);
      if (as) return { host, as, places };
    }
    return { host, as: this.announced(address.text) ?? hostAs, places };
  }

  hop(hop: string): Hop {
    const { registry } = this;
    const address = parseAddress(hop);
    if (address !== null) {
      const known = registry.routersByAddress.get(address.text);
      if (known) return this.knownHop(known);
      if (isSpecial(address)) return anonymousHop(address.text, []);
      // An unknown router with a public address belongs to its AS's owner.
      const prefixAs = registry.prefixes.match(address)?.value.asNumber ?? null;
      const as = prefixAs !== null ? this.autonomousSystem(prefixAs) : this.announced(address.text);
      return {
        router: { key: `router:${address.text}`, kind: 'ROUTER', name: address.text, ownerId: as?.ownerId ?? null, componentId: null, learnedBy: 'TRACEROUTE' },
        asNumber: as?.number ?? null,
        places: [],
      };
    }
    const name = hop.toLowerCase().replace(/\.$/, '');
    const known = registry.routersByHostname.get(name) ?? registry.routerPatterns.find((entry) => entry.pattern.test(name))?.router;
    // A pattern match names the interface answering, which says where it is as well as the router's own name.
    return known ? this.knownHop(known, name) : anonymousHop(name, this.places(placesFromHostname(name)));
  }

  private knownHop(router: RegisteredRouter, answeredAs?: string): Hop {
    const hostname = answeredAs ?? router.hostname;
    return { router: { ...router.component, learnedBy: 'TRACEROUTE' }, asNumber: router.asNumber, places: hostname ? this.places(placesFromHostname(hostname)) : [] };
  }
}

/** A hop with neither a known name nor a public address keeps its name, owner unknown. */
function anonymousHop(name: string, places: readonly PathComponent[]): Hop {
  return { router: { key: `router:${name}`, kind: 'ROUTER', name, ownerId: null, componentId: null, learnedBy: 'TRACEROUTE' }, asNumber: null, places };
}

function requireAddress(field: string[], text: string): Address {
  const address = parseAddress(text);
  if (address === null) throw new InputError(field, `"${text}" is not an IP address.`);
  return address;
}

function validAsPath(asPath: readonly number[]): number[] {
  if (asPath.length > MAX_AS_PATH) throw new InputError(['asPath'], `has ${asPath.length} entries; at most ${MAX_AS_PATH}.`);
  asPath.forEach((number, index) => {
    if (!Number.isInteger(number) || number < 1) throw new InputError(['asPath', String(index)], `${number} is not an AS number.`);
  });
  return [...asPath];
}

function validHops(hops: readonly string[]): string[] {
  if (hops.length > MAX_HOPS) throw new InputError(['hops'], `has ${hops.length} hops; at most ${MAX_HOPS}.`);
  return hops.map((hop, index) => {
    const text = hop.trim();
    if (text.length === 0 || text.length > 253 || (isIP(text) === 0 && !/^[A-Za-z0-9.-]+$/.test(text))) {
      throw new InputError(['hops', String(index)], `"${hop}" is neither an IP address nor a hostname.`);
    }
    return text;
  });
}
