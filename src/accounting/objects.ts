// Accounting objects and their two-way association with the entities they measure.
import type { AccountingObject, Prisma, PrismaClient } from '../generated/prisma/client.ts';
import type { AccountingMetric, TransferDirection, TransferType } from '../generated/prisma/enums.ts';
import { withConstraints } from '../db/prisma-errors.ts';
import { InputError } from '../domain/input-error.ts';
import { decodeAs, found, organizationBySlug, rowId } from '../domain/references.ts';
import * as valid from '../domain/validate.ts';
import type { NodeType } from '../graphql/global-id.ts';

const ID = ['input', 'id'];

export interface FilterInput {
  contentOwner?: string | null;
  content?: string | null;
  transferType?: TransferType | null;
  direction?: TransferDirection | null;
  crossing?: { from: string; to: string } | null;
  hours?: { from: number; to: number } | null;
  timeZone?: string | null;
}

/** The filter as columns. Every field is written, so an update replaces the whole filter. */
async function filterColumns(prisma: PrismaClient, filter: FilterInput) {
  const at = (...path: string[]) => ['input', 'filter', ...path];
  let contentId: string | null = null;
  if (filter.content != null) {
    contentId = rowId(at('content'), filter.content, 'Content');
    found(await prisma.content.findUnique({ where: { id: contentId }, select: { id: true } }), at('content'), 'content');
  }
  const org = async (slug: string | null | undefined, ...path: string[]) =>
    slug == null ? null : (await organizationBySlug(prisma, at(...path), slug)).id;
  const hours = filter.hours == null ? null : valid.hourWindow(at('hours'), filter.hours);
  return {
    contentOwnerId: await org(filter.contentOwner, 'contentOwner'),
    contentId,
    transferType: filter.transferType ?? null,
    direction: filter.direction ?? 'ANY',
    crossingFromId: await org(filter.crossing?.from, 'crossing', 'from'),
    crossingToId: await org(filter.crossing?.to, 'crossing', 'to'),
    hourFrom: hours?.from ?? null,
    hourTo: hours?.to ?? null,
    timeZone: filter.timeZone == null ? 'UTC' : valid.timeZone(at('timeZone'), filter.timeZone),
  };
}

export async function createAccountingObject(
  prisma: PrismaClient,
  input: { name: string; description?: string | null; owner: string; metric: AccountingMetric; filter?: FilterInput | null; entities?: string[] | null },
): Promise<AccountingObject> {
  const owner = await organizationBySlug(prisma, ['input', 'owner'], input.owner);
  const entities = await resolveEntities(prisma, ['input', 'entities'], input.entities ?? []);
  const columns = await filterColumns(prisma, input.filter ?? {});
  return prisma.$transaction(async (tx) => {
    const object = await tx.accountingObject.create({
      data: {
        name: valid.name(['input', 'name'], input.name),
        description: valid.optionalText(['input', 'description'], input.description),
        ownerId: owner.id,
        metric: input.metric,
        ...columns,
      },
    });
    await writeAssociations(tx, object.id, entities, 'associate');
    return object;
  });
}

export async function updateAccountingObject(
  prisma: PrismaClient,
  id: string,
  input: { name?: string | null; description?: string | null; metric?: AccountingMetric | null; filter?: FilterInput | null },
): Promise<AccountingObject> {
  found(await prisma.accountingObject.findUnique({ where: { id }, select: { id: true } }), ID, 'accounting object');
  return prisma.accountingObject.update({
    where: { id },
    data: {
      name: input.name != null ? valid.name(['input', 'name'], input.name) : undefined,
      description: valid.optionalText(['input', 'description'], input.description),
      metric: input.metric ?? undefined,
      ...(input.filter != null && (await filterColumns(prisma, input.filter))),
    },
  });
}

export async function deleteAccountingObject(prisma: PrismaClient, id: string): Promise<void> {
  found(await prisma.accountingObject.findUnique({ where: { id }, select: { id: true } }), ID, 'accounting object');
  // Alert rules name it without a foreign key; one left behind would watch nothing.
  const rules = await prisma.alertRule.findMany({ where: { accountingObjectId: id }, select: { name: true }, take: 3 });
  if (rules.length > 0) throw new InputError(ID, `still watched by ${rules.map((rule) => `alert rule "${rule.name}"`).join(', ')}; delete those first.`, 'IN_USE');
  await withConstraints(
    { inUse: { field: ID, message: 'contracts still price this accounting object; remove it from them first.' } },
    () => prisma.accountingObject.delete({ where: { id } }),
  );
}

// --- the two-way association ----------------------------------------------------------------

const ENTITY_TYPES = ['Client', 'Link', 'LinkSet', 'NetworkComponent'] as const satisfies readonly NodeType[];
type EntityType = (typeof ENTITY_TYPES)[number];

/** Entity row ids grouped by table, each checked to exist. */
export type EntityIds = Record<EntityType, string[]>;

async function resolveEntities(prisma: PrismaClient, field: readonly string[], globalIds: readonly string[]): Promise<EntityIds> {
  const ids: EntityIds = { Client: [], Link: [], LinkSet: [], NetworkComponent: [] };
  const positions = new Map<string, number>();
  globalIds.forEach((globalId, index) => {
    const { type, id } = decodeAs([...field, String(index)], globalId, ENTITY_TYPES);
    ids[type as EntityType].push(id);
    positions.set(id, index);
  });
  const where = (list: string[]) => ({ where: { id: { in: list } }, select: { id: true } });
  const existing = new Set(
    (
      await Promise.all([
        prisma.client.findMany(where(ids.Client)),
        prisma.link.findMany(where(ids.Link)),
        prisma.linkSet.findMany(where(ids.LinkSet)),
        prisma.networkComponent.findMany(where(ids.NetworkComponent)),
      ])
    )
      .flat()
      .map((row) => row.id),
  );
  for (const [id, index] of positions) {
    if (!existing.has(id)) throw new InputError([...field, String(index)], 'no client, link, link set or component with this id.', 'NOT_FOUND');
  }
  return ids;
}

async function writeAssociations(prisma: Prisma.TransactionClient, objectId: string, ids: EntityIds, change: 'associate' | 'dissociate') {
  const accountingObjectId = objectId;
  if (change === 'associate') {
    // skipDuplicates makes associating twice a no-op rather than a conflict.
    await prisma.accountingObjectClient.createMany({ data: ids.Client.map((clientId) => ({ accountingObjectId, clientId })), skipDuplicates: true });
    await prisma.accountingObjectLink.createMany({ data: ids.Link.map((linkId) => ({ accountingObjectId, linkId })), skipDuplicates: true });
    await prisma.accountingObjectLinkSet.createMany({ data: ids.LinkSet.map((linkSetId) => ({ accountingObjectId, linkSetId })), skipDuplicates: true });
    await prisma.accountingObjectComponent.createMany({ data: ids.NetworkComponent.map((componentId) => ({ accountingObjectId, componentId })), skipDuplicates: true });
  } else {
    await prisma.accountingObjectClient.deleteMany({ where: { accountingObjectId, clientId: { in: ids.Client } } });
    await prisma.accountingObjectLink.deleteMany({ where: { accountingObjectId, linkId: { in: ids.Link } } });
    await prisma.accountingObjectLinkSet.deleteMany({ where: { accountingObjectId, linkSetId: { in: ids.LinkSet } } });
    await prisma.accountingObjectComponent.deleteMany({ where: { accountingObjectId, componentId: { in: ids.NetworkComponent } } });
  }
}

/** Associates or dissociates entities; both are idempotent. */
export async function changeAssociation(
  prisma: PrismaClient,
  input: { accountingObject: string; entities: string[] },
  change: 'associate' | 'dissociate',
): Promise<AccountingObject> {
  const field = ['input', 'accountingObject'];
  const objectId = rowId(field, input.accountingObject, 'AccountingObject');
  const object = found(await prisma.accountingObject.findUnique({ where: { id: objectId } }), field, 'accounting object');
  const ids = await resolveEntities(prisma, ['input', 'entities'], input.entities);
  await prisma.$transaction(async (tx) => writeAssociations(tx, object.id, ids, change));
  return object;
}
