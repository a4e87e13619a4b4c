// Storing what a path revealed that the registry did not have: an AS nobody registered (with an
// organization made from its name, marked auto-discovered), the inferred link between two ASes,
// a router seen in traceroute, a country or city. Afterwards the same request resolves to stored
// components only, which is what accounting counts against.
//
// Every insert skips rows that exist (unique slug, AS number, discovery key), and every step
// reads back what is stored rather than trusting what it inserted. So two transfers revealing
// the same AS at once create it once, and a crash between two steps is finished by the next call.
import { isIP } from 'node:net';
import type { PrismaClient } from '../generated/prisma/client.ts';
import { asComponent, asNameOf } from './build.ts';
import type { Hop, Path, PathComponent } from './model.ts';

const DISCOVERED_OWNER = /^as:(\d+)$/;
const INFERRED_LINK = /^link:(\d+)>(\d+)$/;
const PLACE_KINDS = new Set<PathComponent['kind']>(['COUNTRY', 'REGION', 'CITY']);

/** The stand-in owner of an AS nobody registered, until it is stored. */
export function discoveredOwnerId(asNumber: number): string {
  return `as:${asNumber}`;
}

export function inferredLinkKey(fromAs: number, toAs: number): string {
  return `link:${fromAs}>${toAs}`;
}

/** The slug of the organization made for an AS nobody registered: "as64500". */
export function discoveredOrganizationSlug(asNumber: number): string {
  return `as${asNumber}`;
}

/** The AS number behind a stand-in owner id ("as:25152"); null for an organization's id. */
export function discoveredAsNumber(ownerId: string | null): number | null {
  const match = ownerId === null ? null : DISCOVERED_OWNER.exec(ownerId);
  return match ? Number(match[1]) : null;
}

/**
 * Whether a component on a path is one to store. A router known only by an address nobody is
 * known to announce (a private hop, an unrouted one) is not: the same address names different
 * routers in different networks.
 */
export function isUnregistered(component: PathComponent): boolean {
  if (component.componentId !== null) return false;
  return !(component.kind === 'ROUTER' && component.ownerId === null && isIP(component.name) !== 0);
}

/**
 * Stores the unregistered components of some paths (a batch's, at once); `hops` tell which AS
 * each revealed router is in.
 */
export async function registerDiscoveries(prisma: PrismaClient, paths: readonly Path[], hops: readonly Hop[]): Promise<void> {
  // One component per key: the same AS or link revealed by many paths is stored once.
  const byKey = new Map<string, PathComponent>();
  for (const path of paths) for (const component of path.components) if (!byKey.has(component.key)) byKey.set(component.key, component);
  const all = [...byKey.values()];
  const pending = all.filter(isUnregistered);
  if (pending.length === 0) return;
  const routerAs = new Map(hops.map((hop) => [hop.router.key, hop.asNumber]));

  // 1. ASes nobody registered: the path's own, and those owning a revealed router or link.
  const names = new Map<number, string>();
  for (const component of pending) {
    const number = component.kind === 'AUTONOMOUS_SYSTEM' ? Number(component.key.slice(3)) : discoveredAsNumber(component.ownerId);
    if (number === null) continue;
    if (component.kind === 'AUTONOMOUS_SYSTEM') names.set(number, asNameOf(component, number));
    else if (!names.has(number)) names.set(number, `AS${number}`);
  }
  const systems = await registerAutonomousSystems(prisma, names, new Map(pending.filter((c) => c.kind === 'AUTONOMOUS_SYSTEM').map((c) => [c.key, c])));

  // Every AS on the paths, stored before or just now: component and owner by number.
  const asByNumber = new Map(systems);
  for (const component of all) {
    if (component.kind !== 'AUTONOMOUS_SYSTEM' || component.componentId === null || component.ownerId === null) continue;
    asByNumber.set(Number(component.key.slice(3)), { componentId: component.componentId, ownerId: component.ownerId });
  }
  const ownerOf = (ownerId: string | null): string | null => {
    const number = discoveredAsNumber(ownerId);
    return number === null ? ownerId : (asByNumber.get(number)?.ownerId ?? null);
  };

  // 2. Inferred links between consecutive ASes, then 3. routers and places.
  const links = pending.flatMap((component) => {
    const match = component.kind === 'LINK' ? INFERRED_LINK.exec(component.key) : null;
    const aEnd = match ? asByNumber.get(Number(match[1])) : undefined;
    const bEnd = match ? asByNumber.get(Number(match[2])) : undefined;
    return aEnd && bEnd ? [{ component, aEndId: aEnd.componentId, bEndId: bEnd.componentId }] : [];
  });
  const linkComponents = await storeComponents(
    prisma,
    links.map(({ component }) => ({ component, ownerId: ownerOf(component.ownerId) })),
  );
  await prisma.link.createMany({
    data: links.flatMap(({ component, aEndId, bEndId }) => {
      const componentId = linkComponents.get(component.key);
      return componentId ? [{ componentId, aEndId, bEndId, kind: 'INFERRED' as const }] : [];
    }),
    skipDuplicates: true,
  });

  await storeComponents(
    prisma,
    pending
      .filter((component) => component.kind === 'ROUTER')
      .map((component) => {
        const asNumber = routerAs.get(component.key) ?? null;
        const byAddress = isIP(component.name) !== 0;
        return {
          component,
          ownerId: ownerOf(component.ownerId),
          parentId: asNumber === null ? null : (asByNumber.get(asNumber)?.componentId ?? null),
          ...(byAddress ? { addresses: [component.name] } : { hostname: component.name }),
        };
      }),
  );
  await storeComponents(
    prisma,
    pending
      .filter((component) => PLACE_KINDS.has(component.kind))
      .map((component) => ({ component, ownerId: null, countryCode: /^[a-z]+:([A-Z]{2})/.exec(component.key)?.[1] ?? null })),
  );
}

interface StoredAs {
  componentId: string;
  ownerId: string;
}

/** Organizations, AS components and AS rows for numbers nobody registered; what is stored for each. */
async function registerAutonomousSystems(prisma: PrismaClient, names: Map<number, string>, components: Map<string, PathComponent>): Promise<Map<number, StoredAs>> {
  if (names.size === 0) return new Map();
  const numbers = [...names.keys()];
  await prisma.organization.createMany({
    data: numbers.map((number) => ({ slug: discoveredOrganizationSlug(number), name: names.get(number)!, roles: ['SERVICE_PROVIDER' as const], autoDiscovered: true })),
    skipDuplicates: true,
  });
  const organizations = await prisma.organization.findMany({ where: { slug: { in: numbers.map(discoveredOrganizationSlug) } }, select: { id: true, slug: true } });
  const organizationOf = new Map(organizations.map((org) => [org.slug, org.id]));

  const stored = await storeComponents(
    prisma,
    numbers.map((number) => {
      const key = `as:${number}`;
      // An AS seen only as the owner of a revealed router or link was learned from traceroute.
      const component = components.get(key) ?? asComponent({ number, name: names.get(number)!, ownerId: '', componentId: null }, 'TRACEROUTE');
      return { component, ownerId: organizationOf.get(discoveredOrganizationSlug(number)) ?? null };
    }),
  );
  await prisma.autonomousSystem.createMany({
    data: numbers.flatMap((number) => {
      const componentId = stored.get(`as:${number}`);
      const ownerId = organizationOf.get(discoveredOrganizationSlug(number));
      return componentId && ownerId ? [{ number, name: names.get(number)!, ownerId, componentId }] : [];
    }),
    skipDuplicates: true,
  });
  // Read back: someone may have registered one of these numbers meanwhile, and theirs stands.
  const rows = await prisma.autonomousSystem.findMany({ where: { number: { in: numbers } }, select: { number: true, componentId: true, ownerId: true } });
  return new Map(rows.map((row) => [row.number, { componentId: row.componentId, ownerId: row.ownerId }]));
}

interface NewComponent {
  component: PathComponent;
  ownerId: string | null;
  parentId?: string | null;
  addresses?: string[];
  hostname?: string;
  countryCode?: string | null;
}

/** Inserts components by discovery key, skipping those stored; the id of each, by key. */
async function storeComponents(prisma: PrismaClient, rows: readonly NewComponent[]): Promise<Map<string, string>> {
  if (rows.length === 0) return new Map();
  await prisma.networkComponent.createMany({
    data: rows.map(({ component, ownerId, parentId, addresses, hostname, countryCode }) => ({
      kind: component.kind,
      name: component.name,
      ownerId,
      parentId: parentId ?? null,
      addresses: addresses ?? [],
      hostname: hostname ?? null,
      countryCode: countryCode ?? null,
      source: component.learnedBy,
      discoveryKey: component.key,
    })),
    skipDuplicates: true,
  });
  const stored = await prisma.networkComponent.findMany({ where: { discoveryKey: { in: rows.map((row) => row.component.key) } }, select: { id: true, discoveryKey: true } });
  return new Map(stored.map((row) => [row.discoveryKey!, row.id]));
}
