// The two-way association seen from the path's side, in memory: for each network component, the
// accounting objects that measure it (directly, or through the client, link or link set it
// stands for). Matching a transfer then costs one map lookup per component on its path, never a
// scan of all objects. Also here: which client a host component is, and which components'
// owners asked for a record of every transfer (FIG. 5).
import type { PrismaClient } from '../generated/prisma/client.ts';
import type { TransferDirection, TransferType } from '../generated/prisma/enums.ts';

/** What an accounting object asks of a transfer besides touching one of its entities. */
export interface ObjectFilter {
  id: string;
  contentOwnerId: string | null;
  contentId: string | null;
  transferType: TransferType | null;
  direction: TransferDirection;
  crossingFromId: string | null;
  crossingToId: string | null;
  /** Local hours [from, to) in `timeZone`; null for all day. */
  window: { fromHour: number; toHour: number; timeZone: string } | null;
}

/** How an object reaches a component: through a client (whose host it is) or directly. */
export interface Measurement {
  object: ObjectFilter;
  /** Set when the entity is a client: direction filters then apply to this end. */
  viaClient: boolean;
}

export interface AccountingIndex {
  /** Objects measuring each component, by component id. */
  byComponent: Map<string, Measurement[]>;
  /** Client id by its host component id. */
  clientOfHost: Map<string, string>;
  /** Components whose owner wants a record of every transfer, with that owner. */
  recorded: Map<string, string | null>;
}

export async function loadAccountingIndex(prisma: PrismaClient): Promise<AccountingIndex> {
  const [objects, clients, clientLinks, links, linkSets, components, recorded] = await Promise.all([
    prisma.accountingObject.findMany({
      select: { id: true, contentOwnerId: true, contentId: true, transferType: true, direction: true, crossingFromId: true, crossingToId: true, hourFrom: true, hourTo: true, timeZone: true },
    }),
    prisma.client.findMany({ select: { id: true, componentId: true } }),
    prisma.accountingObjectClient.findMany({ select: { accountingObjectId: true, clientId: true } }),
    prisma.accountingObjectLink.findMany({ select: { accountingObjectId: true, link: { select: { componentId: true } } } }),
    prisma.accountingObjectLinkSet.findMany({ select: { accountingObjectId: true, linkSet: { select: { members: { select: { link: { select: { componentId: true } } } } } } } }),
    prisma.accountingObjectComponent.findMany({ select: { accountingObjectId: true, componentId: true } }),
    prisma.networkComponent.findMany({ where: { recordTransfers: true }, select: { id: true, ownerId: true } }),
  ]);

  const filters = new Map<string, ObjectFilter>(
    objects.map((o) => [
      o.id,
      {
        id: o.id,
        contentOwnerId: o.contentOwnerId,
        contentId: o.contentId,
        transferType: o.transferType,
        direction: o.direction,
        crossingFromId: o.crossingFromId,
        crossingToId: o.crossingToId,
        window: o.hourFrom !== null && o.hourTo !== null ? { fromHour: o.hourFrom, toHour: o.hourTo, timeZone: o.timeZone } : null,
      },
    ]),
  );
  const hostOfClient = new Map(clients.map((c) => [c.id, c.componentId]));
  const byComponent = new Map<string, Measurement[]>();
  const seen = new Set<string>();
  const measure = (componentId: string | undefined, objectId: string, viaClient: boolean) => {
    const object = filters.get(objectId);
    // One measurement per object and component: a link in two of an object's link sets counts once.
    const key = `${componentId}|${objectId}|${viaClient}`;
    if (componentId === undefined || object === undefined || seen.has(key)) return;
    seen.add(key);
    const list = byComponent.get(componentId);
    if (list) list.push({ object, viaClient });
    else byComponent.set(componentId, [{ object, viaClient }]);
  };
  for (const row of clientLinks) measure(hostOfClient.get(row.clientId), row.accountingObjectId, true);
  for (const row of links) measure(row.link.componentId, row.accountingObjectId, false);
  for (const row of linkSets) for (const member of row.linkSet.members) measure(member.link.componentId, row.accountingObjectId, false);
  for (const row of components) measure(row.componentId, row.accountingObjectId, false);

  return {
    byComponent,
    clientOfHost: new Map(clients.map((c) => [c.componentId, c.id])),
    recorded: new Map(recorded.map((c) => [c.id, c.ownerId])),
  };
}
