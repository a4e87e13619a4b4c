// Per-request DataLoaders. Every load goes through the caller's visibility (auth/visibility.ts),
// so batching and authorization happen in the same query, and no resolver queries in a loop:
// a field asked for on 100 parents costs one batch, not 100 queries.
import DataLoader from 'dataloader';
import type {
  AccountingObject,
  Alert,
  AlertRule,
  CapacityPolicy,
  ComponentRecord,
  Invoice,
  SavedReport,
  ScheduledJob,
  UplinkGrant,
  AddressPrefix,
  ApiKey,
  AutonomousSystem,
  Client,
  Content,
  Contract,
  Link,
  LinkSet,
  NetworkComponent,
  Organization,
  Prisma,
  PrismaClient,
  TransferEvent,
} from '../generated/prisma/client.ts';
import type { ComponentKind } from '../generated/prisma/enums.ts';
import type { Visibility } from '../auth/visibility.ts';
import type { AccountedEntityModel } from './mapped-types.ts';
import type { Page } from './pagination.ts';
import { isUuid } from '../domain/validate.ts';
import type { Assignment, StoredSource } from '../coordinator/assignments.ts';

/** One parent's page of children and how many children it has in all. */
export interface ChildPage<T> {
  rows: T[];
  total: number;
}

type PageFetch<T, F> = (parentIds: string[], page: Page, filter: F) => Promise<Map<string, ChildPage<T>>>;

export interface PageRequest<F> {
  parentId: string;
  page: Page;
  filter: F;
}

/** Batches page requests that share page arguments and filter into one fetch. */
function pagedLoader<T, F>(fetch: PageFetch<T, F>): DataLoader<PageRequest<F>, ChildPage<T>, string> {
  return new DataLoader(
    async (requests) => {
      const groups = new Map<string, PageRequest<F>[]>();
      for (const request of requests) {
        const key = JSON.stringify([request.page, request.filter]);
        groups.set(key, [...(groups.get(key) ?? []), request]);
      }
      const results = new Map<PageRequest<F>, ChildPage<T>>();
      await Promise.all(
        [...groups.values()].map(async (group) => {
          const [first] = group as [PageRequest<F>];
          const byParent = await fetch([...new Set(group.map((r) => r.parentId))], first.page, first.filter);
          for (const request of group) results.set(request, byParent.get(request.parentId) ?? { rows: [], total: 0 });
        }),
      );
      return requests.map((request) => results.get(request) as ChildPage<T>);
    },
    { cacheKeyFn: (request) => JSON.stringify([request.parentId, request.page, request.filter]) },
  );
}

function byKey<T>(key: (row: T) => string, fetch: (keys: string[]) => Promise<T[]>): DataLoader<string, T | null> {
  return new DataLoader(async (keys) => {
    const rows = new Map((await fetch([...keys])).map((row) => [key(row), row]));
    return keys.map((k) => rows.get(k) ?? null);
  });
}

const byId = <T extends { id: string }>(fetch: (ids: string[]) => Promise<T[]>) => byKey((row: T) => row.id, fetch);

/**
 * An object whose properties are made on first use, each by its factory from `scope`. A request
 * reads a few of the forty loaders, and a DataLoader costs something to make.
 */
function lazily<S, T extends Record<string, (scope: S) => unknown>>(factories: T, scope: S): { readonly [K in keyof T]: ReturnType<T[K]> } {
  return new Proxy(factories, new MadeOnFirstUse<S, T>(scope)) as { readonly [K in keyof T]: ReturnType<T[K]> };
}

// A class, not an object literal with a get function: under tsx every function made per request
// in a literal is also given its name (a defineProperty), and this is made on every request.
class MadeOnFirstUse<S, T extends Record<string, (scope: S) => unknown>> implements ProxyHandler<T> {
  private readonly made = new Map<keyof T, unknown>();
  constructor(private readonly scope: S) {}

  get(factories: T, name: string | symbol): unknown {
    const key = name as keyof T;
    if (!this.made.has(key)) this.made.set(key, factories[key]?.(this.scope));
    return this.made.get(key);
  }
}

/** Keyset condition on a child id column. */
const after = (page: Page) => (page.after === null ? undefined : { gt: page.after });
const take = (page: Page) => page.take + 1;

function objectPages(
  parents: { id: string; accountingObjects: { accountingObject: AccountingObject }[]; _count: { accountingObjects: number } }[],
): Map<string, ChildPage<AccountingObject>> {
  return new Map(parents.map((p) => [p.id, { rows: p.accountingObjects.map((j) => j.accountingObject), total: p._count.accountingObjects }]));
}

/** Which records a `transferRecords` page lists: those that started in [from, to), either open. */
export interface RecordPeriod {
  from: Date | null;
  to: Date | null;
}

/** A FIG. 5 record's place in its component's list: `<startedAt ISO>|<id>`. */
export const recordCursor = {
  of: (row: Pick<ComponentRecord, 'startedAt' | 'id'>) => `${row.startedAt.toISOString()}|${row.id}`,
  valid: (key: string) => {
    const [startedAt, id] = key.split('|');
    return id !== undefined && isUuid(id) && startedAt !== undefined && !Number.isNaN(Date.parse(startedAt));
  },
};

function splitRecordCursor(key: string): [string, string] {
  const [startedAt, id] = key.split('|') as [string, string];
  return [startedAt, id];
}

/** Order of the groups in `AccountingObject.entities`; its cursor is `<rank>:<id>`. */
export const ENTITY_KINDS = ['CLIENT', 'LINK', 'LINK_SET', 'COMPONENT'] as const;
export type EntityKind = (typeof ENTITY_KINDS)[number];

/**
 * Organizations are a public directory: any authenticated key, an AGENT's included, may read
 * them (an agent's `me { organization }`).
 */
export function createDirectoryLoaders(prisma: PrismaClient) {
  return {
    organization: byId<Organization>((ids) => prisma.organization.findMany({ where: { id: { in: ids } } })),
  };
}
export type DirectoryLoaders = ReturnType<typeof createDirectoryLoaders>;

/** What a request's loaders see with: its database client and the caller's visibility. */
interface LoaderScope {
  prisma: PrismaClient;
  v: Visibility;
  directory: DirectoryLoaders;
  visibleObjects: { accountingObject: Prisma.AccountingObjectWhereInput };
}

// Clients, links, link sets, components and contracts all reach their accounting objects
// through a join table with the same columns, so one select serves all five.
const objectsSelect = (visibleObjects: LoaderScope['visibleObjects'], page: Page) => ({
  id: true,
  accountingObjects: {
    where: { ...visibleObjects, accountingObjectId: after(page) },
    orderBy: { accountingObjectId: 'asc' as const },
    take: take(page),
    select: { accountingObject: true },
  },
  _count: { select: { accountingObjects: { where: visibleObjects } } },
});

/**
 * How each loader is made, defined once: a request makes only those it reads (see lazily), and
 * making one creates no function but the loader's own.
 */
const LOADERS = {
  organization: ({ directory }: LoaderScope) => directory.organization,
  autonomousSystem: ({ prisma }: LoaderScope) => byId<AutonomousSystem>((ids) => prisma.autonomousSystem.findMany({ where: { id: { in: ids } } })),
  addressPrefix: ({ prisma }: LoaderScope) => byId<AddressPrefix>((ids) => prisma.addressPrefix.findMany({ where: { id: { in: ids } } })),
  component: ({ prisma, v }: LoaderScope) => byId<NetworkComponent>((ids) => prisma.networkComponent.findMany({ where: { id: { in: ids }, AND: [v.component ?? {}] } })),
  client: ({ prisma, v }: LoaderScope) => byId<Client>((ids) => prisma.client.findMany({ where: { id: { in: ids }, AND: [v.client ?? {}] } })),
  link: ({ prisma, v }: LoaderScope) => byId<Link>((ids) => prisma.link.findMany({ where: { id: { in: ids }, AND: [v.link ?? {}] } })),
  linkSet: ({ prisma, v }: LoaderScope) => byId<LinkSet>((ids) => prisma.linkSet.findMany({ where: { id: { in: ids }, AND: [v.linkSet ?? {}] } })),
  content: ({ prisma }: LoaderScope) => byId<Content>((ids) => prisma.content.findMany({ where: { id: { in: ids } } })),
  accountingObject: ({ prisma, v }: LoaderScope) => byId<AccountingObject>((ids) =>
    prisma.accountingObject.findMany({ where: { id: { in: ids }, AND: [v.accountingObject ?? {}] } }),
  ),
  contract: ({ prisma, v }: LoaderScope) => byId<Contract>((ids) => prisma.contract.findMany({ where: { id: { in: ids }, AND: [v.contract ?? {}] } })),
  transferEvent: ({ prisma, v }: LoaderScope) => byId<TransferEvent>((ids) =>
    prisma.transferEvent.findMany({ where: { id: { in: ids }, AND: [v.transferEvent ?? {}] } }),
  ),
  apiKey: ({ prisma, v }: LoaderScope) => byId<ApiKey>((ids) => prisma.apiKey.findMany({ where: { id: { in: ids }, AND: [v.apiKey ?? {}] } })),

  // A component's specialised row, if it has one.
  autonomousSystemByComponent: ({ prisma }: LoaderScope) => byKey(
    (row: AutonomousSystem) => row.componentId,
    (ids) => prisma.autonomousSystem.findMany({ where: { componentId: { in: ids } } }),
  ),
  clientByComponent: ({ prisma, v }: LoaderScope) => byKey(
    (row: Client) => row.componentId,
    (ids) => prisma.client.findMany({ where: { componentId: { in: ids }, AND: [v.client ?? {}] } }),
  ),
  linkByComponent: ({ prisma, v }: LoaderScope) => byKey(
    (row: Link) => row.componentId,
    (ids) => prisma.link.findMany({ where: { componentId: { in: ids }, AND: [v.link ?? {}] } }),
  ),

  organizationAutonomousSystems: ({ prisma }: LoaderScope) => pagedLoader<AutonomousSystem, null>(async (ids, page) => {
    const rows = await prisma.organization.findMany({
      where: { id: { in: ids } },
      select: {
        id: true,
        autonomousSystems: { where: { id: after(page) }, orderBy: { id: 'asc' }, take: take(page) },
        _count: { select: { autonomousSystems: true } },
      },
    });
    return new Map(rows.map((r) => [r.id, { rows: r.autonomousSystems, total: r._count.autonomousSystems }]));
  }),

  organizationComponents: ({ prisma, v }: LoaderScope) => pagedLoader<NetworkComponent, ComponentKind | null>(async (ids, page, kind) => {
    const where = { kind: kind ?? undefined, AND: [v.component ?? {}] };
    const rows = await prisma.organization.findMany({
      where: { id: { in: ids } },
      select: {
        id: true,
        components: { where: { ...where, id: after(page) }, orderBy: { id: 'asc' }, take: take(page) },
        _count: { select: { components: { where } } },
      },
    });
    return new Map(rows.map((r) => [r.id, { rows: r.components, total: r._count.components }]));
  }),

  organizationSubscribers: ({ prisma, v }: LoaderScope) => pagedLoader<Client, null>(async (ids, page) => {
    const where = { AND: [v.client ?? {}] };
    const rows = await prisma.organization.findMany({
      where: { id: { in: ids } },
      select: {
        id: true,
        subscribers: { where: { ...where, id: after(page) }, orderBy: { id: 'asc' }, take: take(page) },
        _count: { select: { subscribers: { where } } },
      },
    });
    return new Map(rows.map((r) => [r.id, { rows: r.subscribers, total: r._count.subscribers }]));
  }),

  organizationContents: ({ prisma }: LoaderScope) => pagedLoader<Content, null>(async (ids, page) => {
    const rows = await prisma.organization.findMany({
      where: { id: { in: ids } },
      select: {
        id: true,
        contentsOwned: { where: { id: after(page) }, orderBy: { id: 'asc' }, take: take(page) },
        _count: { select: { contentsOwned: true } },
      },
    });
    return new Map(rows.map((r) => [r.id, { rows: r.contentsOwned, total: r._count.contentsOwned }]));
  }),

  // --- entity → accounting objects (one direction of the association) ---
  clientAccountingObjects: ({ prisma, visibleObjects }: LoaderScope) => pagedLoader<AccountingObject, null>(async (ids, page) =>
    objectPages(await prisma.client.findMany({ where: { id: { in: ids } }, select: objectsSelect(visibleObjects, page) })),
  ),
  linkAccountingObjects: ({ prisma, visibleObjects }: LoaderScope) => pagedLoader<AccountingObject, null>(async (ids, page) =>
    objectPages(await prisma.link.findMany({ where: { id: { in: ids } }, select: objectsSelect(visibleObjects, page) })),
  ),
  invoice: ({ prisma, v }: LoaderScope) => byId<Invoice>((ids) => prisma.invoice.findMany({ where: { id: { in: ids }, AND: [v.invoice ?? {}] } })),
  alertRule: ({ prisma, v }: LoaderScope) => byId<AlertRule>((ids) => prisma.alertRule.findMany({ where: { id: { in: ids }, AND: [v.alertRule ?? {}] } })),
  alert: ({ prisma, v }: LoaderScope) => byId<Alert>((ids) => prisma.alert.findMany({ where: { id: { in: ids }, AND: [v.alert ?? {}] } })),
  capacityPolicy: ({ prisma, v }: LoaderScope) => byId<CapacityPolicy>((ids) => prisma.capacityPolicy.findMany({ where: { id: { in: ids }, AND: [v.capacityPolicy ?? {}] } })),
  savedReport: ({ prisma, v }: LoaderScope) => byId<SavedReport>((ids) => prisma.savedReport.findMany({ where: { id: { in: ids }, AND: [v.savedReport ?? {}] } })),
  scheduledJob: ({ prisma, v }: LoaderScope) => byId<ScheduledJob>((ids) => prisma.scheduledJob.findMany({ where: { id: { in: ids }, AND: [v.scheduledJob ?? {}] } })),
  contentAssignment: ({ prisma, v }: LoaderScope) => byId<Assignment>(async (ids) =>
    (await prisma.contentAssignment.findMany({ where: { id: { in: ids }, AND: [v.contentAssignment ?? {}] } })).map((row) => ({ ...row, sources: row.sources as unknown as StoredSource[] })),
  ),
  uplinkGrant: ({ prisma, v }: LoaderScope) => byId<UplinkGrant>((ids) => prisma.uplinkGrant.findMany({ where: { id: { in: ids }, AND: [v.uplinkGrant ?? {}] } })),
  componentRecord: ({ prisma, v }: LoaderScope) => byId<ComponentRecord>((ids) => prisma.componentRecord.findMany({ where: { id: { in: ids }, AND: [v.componentRecord ?? {}] } })),
  componentRecords: ({ prisma, v }: LoaderScope) => pagedLoader<ComponentRecord, RecordPeriod>(async (ids, page, period) => {
    // Each component's page by its own index range (a LATERAL join), in one statement; then
    // the rows through visibility like every other load.
    const [afterStartedAt, afterId] = page.after === null ? [null, null] : splitRecordCursor(page.after);
    const from = period.from?.toISOString() ?? null;
    const to = period.to?.toISOString() ?? null;
    const picked = await prisma.$queryRaw<{ id: string }[]>`
      SELECT r."id"::text AS "id" FROM unnest(${ids}::uuid[]) AS c("id") CROSS JOIN LATERAL (
        SELECT "id" FROM "ComponentRecord"
        WHERE "componentId" = c."id"
          AND (${v.organizationId}::uuid IS NULL OR "ownerId" = ${v.organizationId}::uuid)
          AND (${from}::timestamp IS NULL OR "startedAt" >= ${from}::timestamp)
          AND (${to}::timestamp IS NULL OR "startedAt" < ${to}::timestamp)
          AND (${afterStartedAt}::timestamp IS NULL OR ("startedAt", "id") > (${afterStartedAt}::timestamp, ${afterId}::uuid))
        ORDER BY "startedAt", "id" LIMIT ${take(page)}) r`;
    const where: Prisma.ComponentRecordWhereInput = {
      componentId: { in: ids },
      AND: [v.componentRecord ?? {}],
      ...(period.from || period.to ? { startedAt: { ...(period.from ? { gte: period.from } : {}), ...(period.to ? { lt: period.to } : {}) } } : {}),
    };
    const [rows, counts] = await Promise.all([
      picked.length === 0 ? [] : prisma.componentRecord.findMany({ where: { id: { in: picked.map((row) => row.id) }, AND: [v.componentRecord ?? {}] }, orderBy: [{ startedAt: 'asc' }, { id: 'asc' }] }),
      prisma.componentRecord.groupBy({ by: ['componentId'], where, _count: { _all: true } }),
    ]);
    const pages = new Map<string, ChildPage<ComponentRecord>>(counts.map((c) => [c.componentId, { rows: [], total: c._count._all }]));
    for (const row of rows) pages.get(row.componentId)?.rows.push(row);
    return pages;
  }),
  linkSetAccountingObjects: ({ prisma, visibleObjects }: LoaderScope) => pagedLoader<AccountingObject, null>(async (ids, page) =>
    objectPages(await prisma.linkSet.findMany({ where: { id: { in: ids } }, select: objectsSelect(visibleObjects, page) })),
  ),
  componentAccountingObjects: ({ prisma, visibleObjects }: LoaderScope) => pagedLoader<AccountingObject, null>(async (ids, page) =>
    objectPages(await prisma.networkComponent.findMany({ where: { id: { in: ids } }, select: objectsSelect(visibleObjects, page) })),
  ),
  contractAccountingObjects: ({ prisma, visibleObjects }: LoaderScope) => pagedLoader<AccountingObject, null>(async (ids, page) =>
    objectPages(await prisma.contract.findMany({ where: { id: { in: ids } }, select: objectsSelect(visibleObjects, page) })),
  ),

  accountingObjectContracts: ({ prisma, v }: LoaderScope) => pagedLoader<Contract, null>(async (ids, page) => {
    const where = { contract: v.contract ?? {} };
    const rows = await prisma.accountingObject.findMany({
      where: { id: { in: ids } },
      select: {
        id: true,
        contracts: { where: { ...where, contractId: after(page) }, orderBy: { contractId: 'asc' }, take: take(page), select: { contract: true } },
        _count: { select: { contracts: { where } } },
      },
    });
    return new Map(rows.map((r) => [r.id, { rows: r.contracts.map((j) => j.contract), total: r._count.contracts }]));
  }),

  linkLinkSets: ({ prisma, v }: LoaderScope) => pagedLoader<LinkSet, null>(async (ids, page) => {
    const where = { linkSet: v.linkSet ?? {} };
    const rows = await prisma.link.findMany({
      where: { id: { in: ids } },
      select: {
        id: true,
        linkSets: { where: { ...where, linkSetId: after(page) }, orderBy: { linkSetId: 'asc' }, take: take(page), select: { linkSet: true } },
        _count: { select: { linkSets: { where } } },
      },
    });
    return new Map(rows.map((r) => [r.id, { rows: r.linkSets.map((j) => j.linkSet), total: r._count.linkSets }]));
  }),

  linkSetLinks: ({ prisma, v }: LoaderScope) => pagedLoader<Link, null>(async (ids, page) => {
    const where = { link: v.link ?? {} };
    const rows = await prisma.linkSet.findMany({
      where: { id: { in: ids } },
      select: {
        id: true,
        members: { where: { ...where, linkId: after(page) }, orderBy: { linkId: 'asc' }, take: take(page), select: { link: true } },
        _count: { select: { members: { where } } },
      },
    });
    return new Map(rows.map((r) => [r.id, { rows: r.members.map((j) => j.link), total: r._count.members }]));
  }),

  // --- accounting object → entities (the other direction), four tables in one union ---
  accountingObjectEntities: ({ prisma, v }: LoaderScope) => pagedLoader<AccountedEntityModel, readonly EntityKind[]>(async (ids, page, kinds) => {
    const [afterRank, afterId] = page.after === null ? [-1, ''] : splitEntityKey(page.after);
    // Groups before the cursor's are done; the cursor's own continues after its id.
    const wanted = (kind: EntityKind) => kinds.includes(kind) && ENTITY_KINDS.indexOf(kind) >= afterRank;
    const from = (kind: EntityKind) => (ENTITY_KINDS.indexOf(kind) === afterRank ? { gt: afterId } : undefined);
    const n = (kind: EntityKind) => (wanted(kind) ? take(page) : 0);
    const where = {
      clients: { client: v.client ?? {} },
      links: { link: v.link ?? {} },
      linkSets: { linkSet: v.linkSet ?? {} },
      components: { component: v.component ?? {} },
    };
    const rows = await prisma.accountingObject.findMany({
      where: { id: { in: ids } },
      select: {
        id: true,
        clients: { where: { ...where.clients, clientId: from('CLIENT') }, orderBy: { clientId: 'asc' }, take: n('CLIENT'), select: { client: true } },
        links: { where: { ...where.links, linkId: from('LINK') }, orderBy: { linkId: 'asc' }, take: n('LINK'), select: { link: true } },
        linkSets: { where: { ...where.linkSets, linkSetId: from('LINK_SET') }, orderBy: { linkSetId: 'asc' }, take: n('LINK_SET'), select: { linkSet: true } },
        components: {
          where: { ...where.components, componentId: from('COMPONENT') },
          orderBy: { componentId: 'asc' },
          take: n('COMPONENT'),
          select: { component: true },
        },
        _count: { select: { clients: { where: where.clients }, links: { where: where.links }, linkSets: { where: where.linkSets }, components: { where: where.components } } },
      },
    });
    return new Map(
      rows.map((r) => {
        const entities: AccountedEntityModel[] = [
          ...r.clients.map((j) => ({ ...j.client, __typename: 'Client' as const })),
          ...r.links.map((j) => ({ ...j.link, __typename: 'Link' as const })),
          ...r.linkSets.map((j) => ({ ...j.linkSet, __typename: 'LinkSet' as const })),
          ...r.components.map((j) => ({ ...j.component, __typename: 'NetworkComponent' as const })),
        ];
        const counts = { CLIENT: r._count.clients, LINK: r._count.links, LINK_SET: r._count.linkSets, COMPONENT: r._count.components };
        const total = kinds.reduce((sum, kind) => sum + counts[kind], 0);
        return [r.id, { rows: entities.slice(0, take(page)), total }];
      }),
    );
  }),
};

export type Loaders = { readonly [K in keyof typeof LOADERS]: ReturnType<(typeof LOADERS)[K]> };

export function createLoaders(prisma: PrismaClient, visibility: Visibility, directory: DirectoryLoaders): Loaders {
  return lazily(LOADERS, { prisma, v: visibility, directory, visibleObjects: { accountingObject: visibility.accountingObject ?? {} } });
}

const TYPENAME_KIND: Record<AccountedEntityModel['__typename'], EntityKind> = {
  Client: 'CLIENT',
  Link: 'LINK',
  LinkSet: 'LINK_SET',
  NetworkComponent: 'COMPONENT',
};

/** The sort key of an entity in `AccountingObject.entities`: its group, then its id. */
export function entityKey(entity: AccountedEntityModel): string {
  return `${ENTITY_KINDS.indexOf(TYPENAME_KIND[entity.__typename])}:${entity.id}`;
}

function splitEntityKey(key: string): [number, string] {
  const [rank, id] = key.split(':');
  return [Number(rank), id ?? ''];
}
