// Root queries: check the caller may read, then read through its visibility.
import type { Prisma } from '../../generated/prisma/client.ts';
import type { QueryResolvers, ResolversInterfaceTypes, ResolversTypes } from '../../generated/graphql.ts';
import { badUserInput, notFound } from '../errors.ts';
import { fromGlobalId, type NodeType } from '../global-id.ts';
import type { GraphQLContext } from '../context.ts';
import { listConnection } from './support.ts';

type NodeModel = ResolversInterfaceTypes<ResolversTypes>['Node'];
type Untagged<T extends NodeType> = Omit<Extract<NodeModel, { __typename: T }>, '__typename'>;

/** Loads any node by global id through the loaders (so through visibility), tagged with its type. */
export async function loadNode(ctx: GraphQLContext, globalId: string): Promise<NodeModel | null> {
  const decoded = fromGlobalId(globalId);
  ctx.access.reader();
  if (decoded === null) throw badUserInput('id', `"${globalId}" is not an id this API issued.`);
  const loaders = ctx.loaders;
  const loaderOf: { [T in NodeType]: { load(id: string): Promise<Untagged<T> | null> } } = {
    Organization: loaders.organization,
    AutonomousSystem: loaders.autonomousSystem,
    AddressPrefix: loaders.addressPrefix,
    NetworkComponent: loaders.component,
    Client: loaders.client,
    Link: loaders.link,
    LinkSet: loaders.linkSet,
    Content: loaders.content,
    AccountingObject: loaders.accountingObject,
    Contract: loaders.contract,
    TransferEvent: loaders.transferEvent,
    ComponentRecord: loaders.componentRecord,
    Invoice: loaders.invoice,
    AlertRule: loaders.alertRule,
    Alert: loaders.alert,
    CapacityPolicy: loaders.capacityPolicy,
    SavedReport: loaders.savedReport,
    ScheduledJob: loaders.scheduledJob,
    UplinkGrant: loaders.uplinkGrant,
    ContentAssignment: loaders.contentAssignment,
    ApiKey: loaders.apiKey,
  };
  const row = await loaderOf[decoded.type].load(decoded.id);
  // TypeScript cannot correlate the row's type with `decoded.type`; the table above does.
  return row === null ? null : ({ ...row, __typename: decoded.type } as NodeModel);
}

const bySlug = (slug: string | null | undefined) => (slug == null ? undefined : { slug });

export const Query: QueryResolvers = {
  node: (_, { id }, ctx) => loadNode(ctx, id),
  nodes: (_, { ids }, ctx) => {
    if (ids.length > ctx.limits.maxPageSize) throw badUserInput('ids', `at most ${ctx.limits.maxPageSize} ids at once.`);
    return Promise.all(ids.map((id) => loadNode(ctx, id)));
  },

  me: async (_, __, ctx) => {
    const principal = ctx.access.authenticated();
    const key = await ctx.prisma.apiKey.findUnique({ where: { id: principal.keyId } });
    if (key === null) throw notFound('API key', principal.keyId);
    return key;
  },

  organization: (_, { slug }, ctx) => {
    ctx.access.reader();
    return ctx.prisma.organization.findUnique({ where: { slug } });
  },
  organizations: (_, args, ctx) => {
    ctx.access.reader();
    const where: Prisma.OrganizationWhereInput = args.role ? { roles: { has: args.role } } : {};
    return listConnection(
      ctx,
      args,
      (page) => ctx.prisma.organization.findMany({ where: { ...where, id: page.id }, orderBy: { id: 'asc' }, take: page.take }),
      () => ctx.prisma.organization.count({ where }),
    );
  },

  autonomousSystem: (_, { number }, ctx) => {
    ctx.access.reader();
    return ctx.prisma.autonomousSystem.findUnique({ where: { number } });
  },
  autonomousSystems: (_, args, ctx) => {
    ctx.access.reader();
    const where: Prisma.AutonomousSystemWhereInput = { owner: bySlug(args.owner) };
    return listConnection(
      ctx,
      args,
      (page) => ctx.prisma.autonomousSystem.findMany({ where: { ...where, id: page.id }, orderBy: { id: 'asc' }, take: page.take }),
      () => ctx.prisma.autonomousSystem.count({ where }),
    );
  },

  addressPrefixes: (_, args, ctx) => {
    ctx.access.reader();
    const where: Prisma.AddressPrefixWhereInput = { organization: bySlug(args.organization) };
    return listConnection(
      ctx,
      args,
      (page) => ctx.prisma.addressPrefix.findMany({ where: { ...where, id: page.id }, orderBy: { id: 'asc' }, take: page.take }),
      () => ctx.prisma.addressPrefix.count({ where }),
    );
  },

  networkComponents: (_, args, ctx) => {
    const visible = ctx.access.reader().component ?? {};
    const where: Prisma.NetworkComponentWhereInput = { kind: args.kind ?? undefined, owner: bySlug(args.owner), AND: [visible] };
    return listConnection(
      ctx,
      args,
      (page) => ctx.prisma.networkComponent.findMany({ where: { ...where, id: page.id }, orderBy: { id: 'asc' }, take: page.take }),
      () => ctx.prisma.networkComponent.count({ where }),
    );
  },

  client: (_, { address }, ctx) => {
    const visible = ctx.access.reader().client ?? {};
    // Addresses are reassigned over time: the client seen most recently holds it now.
    return ctx.prisma.client.findFirst({ where: { addresses: { has: address }, AND: [visible] }, orderBy: { lastSeenAt: 'desc' } });
  },
  clients: (_, args, ctx) => {
    const visible = ctx.access.reader().client ?? {};
    const where: Prisma.ClientWhereInput = { subscriberNetwork: bySlug(args.subscriberNetwork), AND: [visible] };
    return listConnection(
      ctx,
      args,
      (page) => ctx.prisma.client.findMany({ where: { ...where, id: page.id }, orderBy: { id: 'asc' }, take: page.take }),
      () => ctx.prisma.client.count({ where }),
    );
  },

  links: (_, args, ctx) => {
    const visible = ctx.access.reader().link ?? {};
    const where: Prisma.LinkWhereInput = { kind: args.kind ?? undefined, AND: [visible] };
    return listConnection(
      ctx,
      args,
      (page) => ctx.prisma.link.findMany({ where: { ...where, id: page.id }, orderBy: { id: 'asc' }, take: page.take }),
      () => ctx.prisma.link.count({ where }),
    );
  },

  linkSets: (_, args, ctx) => {
    const visible = ctx.access.reader().linkSet ?? {};
    const where: Prisma.LinkSetWhereInput = { owner: bySlug(args.owner), AND: [visible] };
    return listConnection(
      ctx,
      args,
      (page) => ctx.prisma.linkSet.findMany({ where: { ...where, id: page.id }, orderBy: { id: 'asc' }, take: page.take }),
      () => ctx.prisma.linkSet.count({ where }),
    );
  },

  contents: (_, args, ctx) => {
    ctx.access.reader();
    const where: Prisma.ContentWhereInput = { owner: bySlug(args.owner) };
    return listConnection(
      ctx,
      args,
      (page) => ctx.prisma.content.findMany({ where: { ...where, id: page.id }, orderBy: { id: 'asc' }, take: page.take }),
      () => ctx.prisma.content.count({ where }),
    );
  },

  accountingObjects: (_, args, ctx) => {
    const visible = ctx.access.reader().accountingObject ?? {};
    const where: Prisma.AccountingObjectWhereInput = { owner: bySlug(args.owner), AND: [visible] };
    return listConnection(
      ctx,
      args,
      (page) => ctx.prisma.accountingObject.findMany({ where: { ...where, id: page.id }, orderBy: { id: 'asc' }, take: page.take }),
      () => ctx.prisma.accountingObject.count({ where }),
    );
  },

  contracts: (_, args, ctx) => {
    const visible = ctx.access.reader().contract ?? {};
    const party = bySlug(args.party);
    const where: Prisma.ContractWhereInput = { ...(party && { OR: [{ payer: party }, { payee: party }] }), AND: [visible] };
    return listConnection(
      ctx,
      args,
      (page) => ctx.prisma.contract.findMany({ where: { ...where, id: page.id }, orderBy: { id: 'asc' }, take: page.take }),
      () => ctx.prisma.contract.count({ where }),
    );
  },

  transferEvents: (_, args, ctx) => {
    const visible = ctx.access.reader().transferEvent ?? {};
    const where: Prisma.TransferEventWhereInput = { AND: [visible] };
    return listConnection(
      ctx,
      args,
      (page) => ctx.prisma.transferEvent.findMany({ where: { ...where, id: page.id }, orderBy: { id: 'asc' }, take: page.take }),
      () => ctx.prisma.transferEvent.count({ where }),
    );
  },

  apiKeys: (_, args, ctx) => {
    ctx.access.requireRole(['ADMIN'], 'list API keys');
    const where: Prisma.ApiKeyWhereInput = args.includeRevoked ? {} : { revokedAt: null };
    return listConnection(
      ctx,
      args,
      (page) => ctx.prisma.apiKey.findMany({ where: { ...where, id: page.id }, orderBy: { id: 'asc' }, take: page.take }),
      () => ctx.prisma.apiKey.count({ where }),
    );
  },
};
