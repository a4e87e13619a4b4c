// The path service: from two addresses, an AS path and traceroute hops to the ordered components
// a transfer crossed. Evidence comes from the registry (in memory, see registry-snapshot.ts) and
// from MaxMind-format IP databases; the ordering is build.ts's.
import { isIP } from 'node:net';
import type { PrismaClient } from '../generated/prisma/client.ts';
import { InputError } from '../domain/input-error.ts';
import { canonicalAddress } from '../domain/validate.ts';
import { buildPath, type PathLookups } from './build.ts';
import type { AutonomousSystemRef, Endpoint, Hop, Path, PathComponent } from './model.ts';
import { loadRegistrySnapshot, type RegisteredRouter, type RegistrySnapshot } from './registry-snapshot.ts';
import { isSpecialAddress } from './special-addresses.ts';

/** The AS announcing an address, as an ASN database says (GeoLite2-ASN fields). */
export type AsnLookup = (address: string) => { number: number; name: string } | null;
/** Country, region, city of an address, coarse to fine. */
export type PlaceLookup = (address: string) => PathComponent[];

export interface PathRequest {
  source: string;
  destination: string;
  asPath?: readonly number[] | null;
  hops?: readonly string[] | null;
}

export const MAX_HOPS = 64;
const MAX_AS_PATH = 64;

export interface PathServiceOptions {
  asn: AsnLookup;
  places: PlaceLookup;
  /** How long a registry snapshot serves before it is reloaded (changes made in other processes). */
  maxSnapshotAgeMs?: number;
  now?: () => number;
}

/** An AS the registry does not know: owned, until someone registers it, by "as:<number>". */
export function discoveredAs(number: number, name: string): AutonomousSystemRef {
  return { number, name, ownerId: `as:${number}`, componentId: null };
}

export class PathService {
  private snapshot: { value: Promise<RegistrySnapshot>; loadedAt: number } | null = null;

  constructor(
    private readonly prisma: PrismaClient,
    private readonly options: PathServiceOptions,
  ) {}

  /** The registry changed: the next resolution reloads it. */
  invalidate(): void {
    this.snapshot = null;
  }

  async resolve(request: PathRequest): Promise<Path> {
    const hops = validHops(request.hops ?? []);
    const asPath = validAsPath(request.asPath ?? []);
    const source = requireAddress(['source'], request.source);
    const destination = requireAddress(['destination'], request.destination);
    const registry = await this.registry();
    const lookups = this.lookups(registry);
    return buildPath(
      {
        source: this.endpoint(registry, source, lookups),
        destination: this.endpoint(registry, destination, lookups),
        asPath,
        hops: hops.map((hop) => this.hop(registry, hop)),
      },
      lookups,
    );
  }

  private registry(): Promise<RegistrySnapshot> {
    const now = (this.options.now ?? Date.now)();
    const maxAge = this.options.maxSnapshotAgeMs ?? 10_000;
    if (this.snapshot === null || now - this.snapshot.loadedAt > maxAge) {
      const value = loadRegistrySnapshot(this.prisma);
      this.snapshot = { value, loadedAt: now };
      // A failed load must not be served to every later caller.
      value.catch(() => this.invalidate());
    }
    return this.snapshot.value;
  }

  private lookups(registry: RegistrySnapshot): PathLookups {
    return {
      autonomousSystem: (number) => registry.autonomousSystems.get(number) ?? discoveredAs(number, `AS${number}`),
      link: (from, to, learnedBy) => {
        const known = from.componentId && to.componentId ? registry.links.get(`${from.componentId}|${to.componentId}`) : undefined;
        if (known) return { ...known, learnedBy };
        // Not registered: an inferred link, identified by its two ASes so repeats merge.
        return { key: `link:${from.number}>${to.number}`, kind: 'LINK', name: `AS${from.number}–AS${to.number}`, ownerId: from.ownerId, componentId: null, learnedBy };
      },
      switchesOn: (component) => (component.componentId ? (registry.switches.get(component.componentId) ?? []) : []),
    };
  }

  /**
   * Which ISP an address is in, most specific evidence first: a registered host, an operator's
   * prefix, the ASN database. Special addresses (private, documentation…) are never looked up:
   * they belong to their registered host's ISP or to nobody known.
   */
  private endpoint(registry: RegistrySnapshot, address: string, lookups: PathLookups): Endpoint {
    const host = registry.hosts.get(address) ?? null;
    const hostAs = host?.ownerId ? (registry.primaryAsOf.get(host.ownerId) ?? null) : null;
    if (isSpecialAddress(address)) return { host, as: hostAs, places: [] };
    const places = this.options.places(address);
    const prefix = registry.prefixes.match(address);
    if (prefix) {
      const as = prefix.value.asNumber !== null ? lookups.autonomousSystem(prefix.value.asNumber) : registry.primaryAsOf.get(prefix.value.organizationId);
      if (as) return { host, as, places };
    }
    const announced = this.options.asn(address);
    const as = announced ? (registry.autonomousSystems.get(announced.number) ?? discoveredAs(announced.number, announced.name)) : null;
    return { host, as: as ?? hostAs, places };
  }

  private hop(registry: RegistrySnapshot, hop: string): Hop {
    const address = canonicalAddress(hop);
    if (address !== null) {
      const known = registry.routersByAddress.get(address);
      if (known) return hopOf(known, 'TRACEROUTE');
      if (isSpecialAddress(address)) return anonymousHop(address);
      // An unknown router with a public address belongs to its AS's owner.
      const announced = registry.prefixes.match(address)?.value.asNumber ?? this.options.asn(address)?.number ?? null;
      const as = announced === null ? null : (registry.autonomousSystems.get(announced) ?? discoveredAs(announced, `AS${announced}`));
      return { router: { key: `router:${address}`, kind: 'ROUTER', name: address, ownerId: as?.ownerId ?? null, componentId: null, learnedBy: 'TRACEROUTE' }, asNumber: as?.number ?? null };
    }
    const name = hop.toLowerCase();
    const known = registry.routersByHostname.get(name) ?? registry.routerPatterns.find((entry) => entry.pattern.test(name))?.router;
    return known ? hopOf(known, 'TRACEROUTE') : anonymousHop(name);
  }
}

function hopOf(router: RegisteredRouter, learnedBy: PathComponent['learnedBy']): Hop {
  return { router: { ...router.component, learnedBy }, asNumber: router.asNumber };
}

/** A hop with neither a known name nor a public address keeps its name, owner unknown. */
function anonymousHop(name: string): Hop {
  return { router: { key: `router:${name}`, kind: 'ROUTER', name, ownerId: null, componentId: null, learnedBy: 'TRACEROUTE' }, asNumber: null };
}

function requireAddress(field: string[], text: string): string {
  const address = canonicalAddress(text);
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
