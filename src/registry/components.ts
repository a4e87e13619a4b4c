// Routers, switches, server hosts and places. Autonomous systems, links and client hosts are
// components too, but they are made and removed through their own services so the two rows
// never disagree.
import type { NetworkComponent, PrismaClient } from '../generated/prisma/client.ts';
import type { ComponentKind, ComponentSource } from '../generated/prisma/enums.ts';
import type { OwnerGuard } from '../auth/access.ts';
import { PUBLIC_COMPONENT_KINDS } from '../auth/visibility.ts';
import { withConstraints } from '../db/prisma-errors.ts';
import { InputError } from '../domain/input-error.ts';
import { found, organizationBySlug, rowId } from '../domain/references.ts';
import * as valid from '../domain/validate.ts';

const ID = ['input', 'id'];
const OWN_SERVICE: Partial<Record<ComponentKind, string>> = {
  AUTONOMOUS_SYSTEM: 'createAutonomousSystem',
  LINK: 'createLink',
};

export interface ComponentInput {
  name?: string | null;
  owner?: string | null;
  parent?: string | null;
  hostname?: string | null;
  hostnamePatterns?: string[] | null;
  addresses?: string[] | null;
  countryCode?: string | null;
  recordTransfers?: boolean | null;
}

async function fields(prisma: PrismaClient, input: ComponentInput, guard: OwnerGuard) {
  let ownerId: string | undefined;
  if (input.owner != null) {
    ownerId = (await organizationBySlug(prisma, ['input', 'owner'], input.owner)).id;
    guard(ownerId, ['input', 'owner']);
  }
  let parentId: string | undefined;
  if (input.parent != null) {
    parentId = rowId(['input', 'parent'], input.parent, 'NetworkComponent');
    found(await prisma.networkComponent.findUnique({ where: { id: parentId }, select: { id: true } }), ['input', 'parent'], 'network component');
  }
  return {
    ...(input.name != null && { name: valid.name(['input', 'name'], input.name) }),
    ...(ownerId && { ownerId }),
    ...(parentId && { parentId }),
    ...(input.hostname !== undefined && { hostname: input.hostname === null ? null : valid.name(['input', 'hostname'], input.hostname.toLowerCase(), 253) }),
    ...(input.hostnamePatterns != null && { hostnamePatterns: valid.hostnamePatterns(['input', 'hostnamePatterns'], input.hostnamePatterns) }),
    ...(input.addresses != null && { addresses: valid.addresses(['input', 'addresses'], input.addresses) }),
    ...(input.countryCode !== undefined && { countryCode: valid.countryCode(['input', 'countryCode'], input.countryCode) }),
    ...(input.recordTransfers != null && { recordTransfers: input.recordTransfers }),
  };
}

export async function createNetworkComponent(
  prisma: PrismaClient,
  input: ComponentInput & { kind: ComponentKind; name: string; source?: ComponentSource | null },
  guard: OwnerGuard,
): Promise<NetworkComponent> {
  const service = OWN_SERVICE[input.kind];
  if (service) throw new InputError(['input', 'kind'], `${input.kind} components are created with ${service}.`);
  const isPlace = PUBLIC_COMPONENT_KINDS.includes(input.kind);
  if (!isPlace && input.owner == null) throw new InputError(['input', 'owner'], `a ${input.kind} needs an owner.`);
  // Places belong to nobody, so only a global key may add them.
  if (isPlace) guard(null, ['input', 'kind']);
  const data = await fields(prisma, input, guard);
  return prisma.networkComponent.create({
    data: { ...data, kind: input.kind, name: valid.name(['input', 'name'], input.name), source: input.source ?? 'REGISTERED' },
  });
}

async function ownComponent(prisma: PrismaClient, id: string, guard: OwnerGuard): Promise<NetworkComponent> {
  const existing = found(await prisma.networkComponent.findUnique({ where: { id } }), ID, 'network component');
  guard(existing.ownerId, ID);
  return existing;
}

export async function updateNetworkComponent(
  prisma: PrismaClient,
  id: string,
  input: ComponentInput,
  guard: OwnerGuard,
): Promise<NetworkComponent> {
  await ownComponent(prisma, id, guard);
  if (input.parent != null && rowId(['input', 'parent'], input.parent, 'NetworkComponent') === id) {
    throw new InputError(['input', 'parent'], 'a component cannot be its own parent.');
  }
  const data = await fields(prisma, input, guard);
  return prisma.networkComponent.update({ where: { id }, data });
}

export async function deleteNetworkComponent(prisma: PrismaClient, id: string, guard: OwnerGuard): Promise<void> {
  const existing = await ownComponent(prisma, id, guard);
  const service = OWN_SERVICE[existing.kind];
  if (service) throw new InputError(ID, `${existing.kind} components are deleted with ${service.replace('create', 'delete')}.`);
  if (await prisma.client.findUnique({ where: { componentId: id }, select: { id: true } })) {
    throw new InputError(ID, 'this component is a client host; delete it with deleteClient.');
  }
  await withConstraints(
    { inUse: { field: ID, message: 'links still end on this component; delete them first.' } },
    () => prisma.networkComponent.delete({ where: { id } }),
  );
}
