// Field resolvers of the object types: ids, and relations through the request's loaders.
import type { NetworkComponent as NetworkComponentModel } from '../../generated/prisma/client.ts';
import type { Resolvers } from '../../generated/graphql.ts';
import { isUuid } from '../../domain/validate.ts';
import { ENTITY_KINDS, entityKey, recordCursor } from '../loaders.ts';
import { childConnection, globalId } from './support.ts';
import { entityTraffic } from './traffic.ts';

const isEntityKey = (key: string) => /^[0-3]:/.test(key) && isUuid(key.slice(2));

export const types: Resolvers = {
  Node: { __resolveType: (node) => node.__typename },
  AccountedEntity: { __resolveType: (entity) => entity.__typename },

  Organization: {
    id: globalId('Organization'),
    autonomousSystems: (org, args, ctx) => childConnection(ctx.loaders.organizationAutonomousSystems, org.id, args, ctx, null),
    components: (org, args, ctx) => childConnection(ctx.loaders.organizationComponents, org.id, args, ctx, args.kind ?? null),
    subscribers: (org, args, ctx) => childConnection(ctx.loaders.organizationSubscribers, org.id, args, ctx, null),
    contents: (org, args, ctx) => childConnection(ctx.loaders.organizationContents, org.id, args, ctx, null),
  },

  AutonomousSystem: {
    id: globalId('AutonomousSystem'),
    owner: async (as, _, ctx) => (await ctx.directory.organization.load(as.ownerId))!,
    component: async (as, _, ctx) => (await ctx.loaders.component.load(as.componentId))!,
  },

  AddressPrefix: {
    id: globalId('AddressPrefix'),
    organization: async (prefix, _, ctx) => (await ctx.directory.organization.load(prefix.organizationId))!,
  },

  NetworkComponent: {
    id: globalId('NetworkComponent'),
    owner: (c, _, ctx) => (c.ownerId ? ctx.directory.organization.load(c.ownerId) : null),
    parent: (c, _, ctx) => (c.parentId ? ctx.loaders.component.load(c.parentId) : null),
    autonomousSystem: (c, _, ctx) => (c.kind === 'AUTONOMOUS_SYSTEM' ? ctx.loaders.autonomousSystemByComponent.load(c.id) : null),
    client: (c, _, ctx) => (c.kind === 'HOST' ? ctx.loaders.clientByComponent.load(c.id) : null),
    link: (c, _, ctx) => (c.kind === 'LINK' ? ctx.loaders.linkByComponent.load(c.id) : null),
    accountingObjects: (c, args, ctx) => childConnection(ctx.loaders.componentAccountingObjects, c.id, args, ctx, null),
    traffic: entityTraffic.traffic,
    transferRecords: (c, args, ctx) => {
      ctx.access.reader();
      return childConnection(ctx.loaders.componentRecords, c.id, args, ctx, { from: args.from ?? null, to: args.to ?? null }, recordCursor);
    },
  },

  ComponentRecord: {
    id: globalId('ComponentRecord'),
    component: async (r, _, ctx) => (await ctx.loaders.component.load(r.componentId))!,
    owner: (r, _, ctx) => (r.ownerId ? ctx.directory.organization.load(r.ownerId) : null),
    path: async (r, _, ctx) => (await ctx.loaders.component.loadMany(r.path)).filter((c): c is NetworkComponentModel => c !== null && !(c instanceof Error)),
    contentOwner: (r, _, ctx) => (r.contentOwnerId ? ctx.directory.organization.load(r.contentOwnerId) : null),
    transfer: (r, _, ctx) => ctx.loaders.transferEvent.load(r.eventId),
    line: async (r, _, ctx) => {
      const [component, path, contentOwner] = await Promise.all([
        ctx.loaders.component.load(r.componentId),
        ctx.loaders.component.loadMany(r.path),
        r.contentOwnerId ? ctx.directory.organization.load(r.contentOwnerId) : null,
      ]);
      const names = path.map((c) => (c && !(c instanceof Error) ? c.name : '?'));
      return `<${component?.name ?? r.componentId}> <${[...names, contentOwner?.name ?? '?', r.bytes.toString(), r.startedAt.toISOString(), r.endedAt.toISOString(), r.title].join(', ')}>`;
    },
  },

  Client: {
    id: globalId('Client'),
    subscriberNetwork: async (client, _, ctx) => (await ctx.directory.organization.load(client.subscriberNetworkId))!,
    component: async (client, _, ctx) => (await ctx.loaders.component.load(client.componentId))!,
    accountingObjects: (client, args, ctx) => childConnection(ctx.loaders.clientAccountingObjects, client.id, args, ctx, null),
  },

  Link: {
    id: globalId('Link'),
    name: async (link, _, ctx) => (await ctx.loaders.component.load(link.componentId))!.name,
    owner: async (link, _, ctx) => {
      const ownerId = (await ctx.loaders.component.load(link.componentId))?.ownerId;
      return ownerId ? ctx.directory.organization.load(ownerId) : null;
    },
    aEnd: async (link, _, ctx) => (await ctx.loaders.component.load(link.aEndId))!,
    bEnd: async (link, _, ctx) => (await ctx.loaders.component.load(link.bEndId))!,
    component: async (link, _, ctx) => (await ctx.loaders.component.load(link.componentId))!,
    linkSets: (link, args, ctx) => childConnection(ctx.loaders.linkLinkSets, link.id, args, ctx, null),
    accountingObjects: (link, args, ctx) => childConnection(ctx.loaders.linkAccountingObjects, link.id, args, ctx, null),
  },

  LinkSet: {
    id: globalId('LinkSet'),
    owner: async (set, _, ctx) => (await ctx.directory.organization.load(set.ownerId))!,
    links: (set, args, ctx) => childConnection(ctx.loaders.linkSetLinks, set.id, args, ctx, null),
    accountingObjects: (set, args, ctx) => childConnection(ctx.loaders.linkSetAccountingObjects, set.id, args, ctx, null),
  },

  Content: {
    id: globalId('Content'),
    owner: async (content, _, ctx) => (await ctx.directory.organization.load(content.ownerId))!,
    distributor: (content, _, ctx) => (content.distributorId ? ctx.directory.organization.load(content.distributorId) : null),
  },

  AccountingObject: {
    id: globalId('AccountingObject'),
    owner: async (object, _, ctx) => (await ctx.directory.organization.load(object.ownerId))!,
    filter: (object) => object,
    usage: entityTraffic.usage,
    entities: (object, args, ctx) =>
      childConnection(ctx.loaders.accountingObjectEntities, object.id, args, ctx, args.kinds?.length ? [...new Set(args.kinds)].sort(byEntityOrder) : ENTITY_KINDS, {
        of: entityKey,
        valid: isEntityKey,
      }),
    contracts: (object, args, ctx) => childConnection(ctx.loaders.accountingObjectContracts, object.id, args, ctx, null),
  },

  AccountingFilter: {
    contentOwner: (f, _, ctx) => (f.contentOwnerId ? ctx.directory.organization.load(f.contentOwnerId) : null),
    content: (f, _, ctx) => (f.contentId ? ctx.loaders.content.load(f.contentId) : null),
    crossing: (f) => (f.crossingFromId && f.crossingToId ? { fromId: f.crossingFromId, toId: f.crossingToId } : null),
    hours: (f) => (f.hourFrom !== null && f.hourTo !== null ? { from: f.hourFrom, to: f.hourTo } : null),
  },

  Crossing: {
    from: async (c, _, ctx) => (await ctx.directory.organization.load(c.fromId))!,
    to: async (c, _, ctx) => (await ctx.directory.organization.load(c.toId))!,
  },

  Contract: {
    id: globalId('Contract'),
    payer: async (contract, _, ctx) => (await ctx.directory.organization.load(contract.payerId))!,
    payee: async (contract, _, ctx) => (await ctx.directory.organization.load(contract.payeeId))!,
    accountingObjects: (contract, args, ctx) => childConnection(ctx.loaders.contractAccountingObjects, contract.id, args, ctx, null),
  },

  TransferEvent: {
    id: globalId('TransferEvent'),
    reporter: async (t, _, ctx) => (await ctx.directory.organization.load(t.reporterId))!,
    source: (t) => t.sourceAddress,
    destination: (t) => t.destinationAddress,
    sourceClient: (t, _, ctx) => (t.sourceClientId ? ctx.loaders.client.load(t.sourceClientId) : null),
    destinationClient: (t, _, ctx) => (t.destinationClientId ? ctx.loaders.client.load(t.destinationClientId) : null),
    sourceNetwork: (t, _, ctx) => (t.sourceNetworkId ? ctx.directory.organization.load(t.sourceNetworkId) : null),
    destinationNetwork: (t, _, ctx) => (t.destinationNetworkId ? ctx.directory.organization.load(t.destinationNetworkId) : null),
    content: async (t, _, ctx) => (await ctx.loaders.content.load(t.contentId))!,
    // Components this key may not see (another ISP's routers) are left out of the path.
    path: async (t, _, ctx) => (await ctx.loaders.component.loadMany(t.path)).filter((c): c is NetworkComponentModel => c !== null && !(c instanceof Error)),
  },

  ApiKey: {
    id: globalId('ApiKey'),
    // Through the directory, not `loaders`: an AGENT may read its own key's organization.
    organization: (key, _, ctx) => (key.organizationId ? ctx.directory.organization.load(key.organizationId) : null),
  },
};

function byEntityOrder(a: (typeof ENTITY_KINDS)[number], b: (typeof ENTITY_KINDS)[number]): number {
  return ENTITY_KINDS.indexOf(a) - ENTITY_KINDS.indexOf(b);
}
