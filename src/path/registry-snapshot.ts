// What the path service knows from the registry, held in memory: resolving a path happens for
// every transfer and must not cost queries. Loaded in four queries; replaced whole when the
// registry changes (see PathService.invalidate) or grows old.
const PLACE_KINDS = new Set<PathComponent['kind']>(['COUNTRY', 'REGION', 'CITY']);

import type { PrismaClient } from '../generated/prisma/client.ts';
import { PrefixTable } from './prefix-table.ts';
import type { AutonomousSystemRef, PathComponent } from './model.ts';

export interface PrefixOwner {
  organizationId: string;
  asNumber: number | null;
}

/** A registered router, with the AS it sits in when its parent is an AS component. */
export interface RegisteredRouter {
  component: PathComponent;
  asNumber: number | null;
  hostname: string | null;
}

export interface RegistrySnapshot {
  autonomousSystems: Map<number, AutonomousSystemRef>;
  /** An organization's AS with the lowest number: where its prefixes and hosts are placed. */
  primaryAsOf: Map<string, AutonomousSystemRef>;
  prefixes: PrefixTable<PrefixOwner>;
  /** Client hosts and server nodes by canonical address. */
  hosts: Map<string, PathComponent>;
  routersByAddress: Map<string, RegisteredRouter>;
  routersByHostname: Map<string, RegisteredRouter>;
  routerPatterns: { pattern: RegExp; router: RegisteredRouter }[];
  /** Inter-AS links by "<component id>|<component id>", both orders. */
  links: Map<string, PathComponent>;
  /** Switches by the component (router or link) they are registered on. */
  switches: Map<string, PathComponent[]>;
  /** Countries, regions and cities stored by earlier resolutions, by discovery key. */
  places: Map<string, PathComponent>;
}

interface ComponentRow {
  id: string;
  kind: PathComponent['kind'];
  name: string;
  ownerId: string | null;
  discoveryKey: string | null;
}

// A discovered component keeps the key it was discovered under, so that a path built before it
// was stored and one built after name it alike.
const registered = (row: ComponentRow): PathComponent => ({
  key: row.discoveryKey ?? `${row.kind.toLowerCase()}:${row.id}`,
  kind: row.kind,
  name: row.name,
  ownerId: row.ownerId,
  componentId: row.id,
  learnedBy: 'INFERRED_FROM_ADDRESS',
});

/** Glob to RegExp: `*` matches within one label. */
export function hostnamePattern(glob: string): RegExp {
  const body = glob.split('*').map((part) => part.replace(/[.+?^${}()|[\]\\]/g, '\\$&')).join('[^.]*');
  return new RegExp(`^${body}$`);
}

export async function loadRegistrySnapshot(prisma: PrismaClient): Promise<RegistrySnapshot> {
  const [systems, prefixes, components, links] = await Promise.all([
    prisma.autonomousSystem.findMany({ select: { number: true, name: true, ownerId: true, componentId: true }, orderBy: { number: 'asc' } }),
    prisma.addressPrefix.findMany({ select: { prefix: true, organizationId: true, asNumber: true } }),
    prisma.networkComponent.findMany({
      where: { OR: [{ kind: { in: ['HOST', 'ROUTER', 'SWITCH'] } }, { kind: { in: [...PLACE_KINDS] }, discoveryKey: { not: null } }] },
      select: { id: true, kind: true, name: true, ownerId: true, discoveryKey: true, parentId: true, hostname: true, hostnamePatterns: true, addresses: true },
      orderBy: { id: 'asc' },
    }),
    prisma.link.findMany({ orderBy: { id: 'asc' }, select: { aEndId: true, bEndId: true, component: { select: { id: true, kind: true, name: true, ownerId: true, discoveryKey: true } } } }),
  ]);

  const autonomousSystems = new Map<number, AutonomousSystemRef>();
  const primaryAsOf = new Map<string, AutonomousSystemRef>();
  const asByComponent = new Map<string, number>();
  for (const as of systems) {
    autonomousSystems.set(as.number, as);
    if (!primaryAsOf.has(as.ownerId)) primaryAsOf.set(as.ownerId, as);
    asByComponent.set(as.componentId, as.number);
  }

  const prefixTable = new PrefixTable<PrefixOwner>();
  for (const row of prefixes) prefixTable.set(row.prefix, { organizationId: row.organizationId, asNumber: row.asNumber });

  const snapshot: RegistrySnapshot = {
    autonomousSystems,
    primaryAsOf,
    prefixes: prefixTable,
    hosts: new Map(),
    routersByAddress: new Map(),
    routersByHostname: new Map(),
    routerPatterns: [],
    links: new Map(),
    switches: new Map(),
    places: new Map(),
  };
  for (const row of components) {
    const component = registered(row);
    if (PLACE_KINDS.has(row.kind)) {
      snapshot.places.set(component.key, component);
    } else if (row.kind === 'HOST') {
      for (const address of row.addresses) snapshot.hosts.set(address, component);
    } else if (row.kind === 'ROUTER') {
      const router = { component, asNumber: row.parentId ? (asByComponent.get(row.parentId) ?? null) : null, hostname: row.hostname };
      for (const address of row.addresses) snapshot.routersByAddress.set(address, router);
      if (row.hostname) snapshot.routersByHostname.set(row.hostname, router);
      for (const glob of row.hostnamePatterns) snapshot.routerPatterns.push({ pattern: hostnamePattern(glob), router });
    } else if (row.parentId) {
      snapshot.switches.set(row.parentId, [...(snapshot.switches.get(row.parentId) ?? []), { ...component, learnedBy: 'ISP_PROVIDED' }]);
    }
  }
  for (const link of links) {
    const component = registered(link.component);
    // Two ASes joined by several links (peering in two cities): without finer evidence the path
    // takes the one registered first, so that the same input always gives the same link.
    for (const key of [`${link.aEndId}|${link.bEndId}`, `${link.bEndId}|${link.aEndId}`]) {
      if (!snapshot.links.has(key)) snapshot.links.set(key, component);
    }
  }
  return snapshot;
}
