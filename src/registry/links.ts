// Links between two components, and link sets that group them.
import type { Link, LinkSet, PrismaClient } from '../generated/prisma/client.ts';
import type { LinkKind } from '../generated/prisma/enums.ts';
import type { OwnerGuard } from '../auth/access.ts';
import { InputError } from '../domain/input-error.ts';
import { found, organizationBySlug, rowId } from '../domain/references.ts';
import * as valid from '../domain/validate.ts';

const ID = ['input', 'id'];

export async function createLink(
  prisma: PrismaClient,
  input: { name: string; kind: LinkKind; aEnd: string; bEnd: string; capacityBps?: bigint | null; owner?: string | null },
  guard: OwnerGuard,
): Promise<Link> {
  const name = valid.name(['input', 'name'], input.name);
  const aEndId = rowId(['input', 'aEnd'], input.aEnd, 'NetworkComponent');
  const bEndId = rowId(['input', 'bEnd'], input.bEnd, 'NetworkComponent');
  if (aEndId === bEndId) throw new InputError(['input', 'bEnd'], 'a link joins two different components.');
  const ends = await prisma.networkComponent.findMany({ where: { id: { in: [aEndId, bEndId] } }, select: { id: true, ownerId: true } });
  const aEnd = found(ends.find((c) => c.id === aEndId) ?? null, ['input', 'aEnd'], 'network component');
  const bEnd = found(ends.find((c) => c.id === bEndId) ?? null, ['input', 'bEnd'], 'network component');
  const ownerId = input.owner != null ? (await organizationBySlug(prisma, ['input', 'owner'], input.owner)).id : aEnd.ownerId;
  guard(ownerId, ['input', 'owner']);
  // A scoped key may connect its network to another's, never two others' to each other.
  if (aEnd.ownerId !== ownerId && bEnd.ownerId !== ownerId) guard(null, ['input', 'aEnd']);
  return prisma.link.create({
    data: {
      kind: input.kind,
      capacityBps: valid.positiveBigInt(['input', 'capacityBps'], input.capacityBps),
      aEnd: { connect: { id: aEndId } },
      bEnd: { connect: { id: bEndId } },
      component: { create: { kind: 'LINK', name, ownerId } },
    },
  });
}

async function ownLink(prisma: PrismaClient, id: string, guard: OwnerGuard) {
  const existing = found(await prisma.link.findUnique({ where: { id }, include: { component: true } }), ID, 'link');
  guard(existing.component.ownerId, ID);
  return existing;
}

export async function updateLink(
  prisma: PrismaClient,
  id: string,
  input: { name?: string | null; kind?: LinkKind | null; capacityBps?: bigint | null; owner?: string | null },
  guard: OwnerGuard,
): Promise<Link> {
  await ownLink(prisma, id, guard);
  let ownerId: string | undefined;
  if (input.owner != null) {
    ownerId = (await organizationBySlug(prisma, ['input', 'owner'], input.owner)).id;
    guard(ownerId, ['input', 'owner']);
  }
  return prisma.link.update({
    where: { id },
    data: {
      kind: input.kind ?? undefined,
      capacityBps: input.capacityBps === undefined ? undefined : valid.positiveBigInt(['input', 'capacityBps'], input.capacityBps),
      component: {
        update: { name: input.name != null ? valid.name(['input', 'name'], input.name) : undefined, ownerId },
      },
    },
  });
}

export async function deleteLink(prisma: PrismaClient, id: string, guard: OwnerGuard): Promise<void> {
  const existing = await ownLink(prisma, id, guard);
  await prisma.networkComponent.delete({ where: { id: existing.componentId } });
}

// --- link sets -----------------------------------------------------------------------------

async function linkIds(prisma: PrismaClient, field: readonly string[], ids: readonly string[]): Promise<string[]> {
  const wanted = [...new Set(ids.map((id, index) => rowId([...field, String(index)], id, 'Link')))];
  const existing = new Set((await prisma.link.findMany({ where: { id: { in: wanted } }, select: { id: true } })).map((l) => l.id));
  const missing = wanted.findIndex((id) => !existing.has(id));
  if (missing >= 0) throw new InputError([...field, String(missing)], 'no link with this id.', 'NOT_FOUND');
  return wanted;
}

export async function createLinkSet(
  prisma: PrismaClient,
  input: { name: string; description?: string | null; owner: string; links?: string[] | null },
  guard: OwnerGuard,
): Promise<LinkSet> {
  const owner = await organizationBySlug(prisma, ['input', 'owner'], input.owner);
  guard(owner.id, ['input', 'owner']);
  const links = await linkIds(prisma, ['input', 'links'], input.links ?? []);
  return prisma.linkSet.create({
    data: {
      name: valid.name(['input', 'name'], input.name),
      description: valid.optionalText(['input', 'description'], input.description),
      ownerId: owner.id,
      members: { create: links.map((linkId) => ({ linkId })) },
    },
  });
}

async function ownLinkSet(prisma: PrismaClient, id: string, field: readonly string[], guard: OwnerGuard): Promise<LinkSet> {
  const existing = found(await prisma.linkSet.findUnique({ where: { id } }), field, 'link set');
  guard(existing.ownerId, field);
  return existing;
}

export async function updateLinkSet(
  prisma: PrismaClient,
  id: string,
  input: { name?: string | null; description?: string | null },
  guard: OwnerGuard,
): Promise<LinkSet> {
  await ownLinkSet(prisma, id, ID, guard);
  return prisma.linkSet.update({
    where: { id },
    data: {
      name: input.name != null ? valid.name(['input', 'name'], input.name) : undefined,
      description: valid.optionalText(['input', 'description'], input.description),
    },
  });
}

export async function deleteLinkSet(prisma: PrismaClient, id: string, guard: OwnerGuard): Promise<void> {
  await ownLinkSet(prisma, id, ID, guard);
  await prisma.linkSet.delete({ where: { id } });
}

/** Adds (or, with `remove`, takes out) links; both are idempotent. */
export async function changeLinkSetMembers(
  prisma: PrismaClient,
  linkSetGlobalId: string,
  links: string[],
  change: 'add' | 'remove',
  guard: OwnerGuard,
): Promise<LinkSet> {
  const field = ['input', 'linkSet'];
  const linkSet = await ownLinkSet(prisma, rowId(field, linkSetGlobalId, 'LinkSet'), field, guard);
  const ids = await linkIds(prisma, ['input', 'links'], links);
  if (change === 'add') {
    await prisma.linkSetMember.createMany({ data: ids.map((linkId) => ({ linkSetId: linkSet.id, linkId })), skipDuplicates: true });
  } else {
    await prisma.linkSetMember.deleteMany({ where: { linkSetId: linkSet.id, linkId: { in: ids } } });
  }
  return linkSet;
}
