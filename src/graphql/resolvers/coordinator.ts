// The coordinator's API: ISPs' uplink grants and statements, agents' availability reports and
// content requests. src/coordinator/ does the work.
import DataLoader from 'dataloader';
import type { MutationResolvers, QueryResolvers, Resolvers } from '../../generated/graphql.ts';
import type { Client as ClientModel, Prisma, UplinkGrant, UplinkGrantChange } from '../../generated/prisma/client.ts';
import { grantUsage } from '../../coordinator/grant-snapshot.ts';
import * as grants from '../../coordinator/grants.ts';
import { uplinkStatement } from '../../coordinator/statements.ts';
import type { Requestor } from '../../coordinator/coordinator.ts';
import { organizationBySlug, rowId } from '../../domain/references.ts';
import type { GraphQLContext } from '../context.ts';
import { forbidden } from '../errors.ts';
import { globalId, listConnection, payload, queryInput } from './support.ts';

const ID = ['input', 'id'];

/** The requesting key as the coordinator sees it: its organization, and whether that distributes content. */
async function requestor(ctx: GraphQLContext, action: string): Promise<Requestor> {
  const principal = ctx.access.requireRole(['ADMIN', 'AGENT'], action);
  if (principal.organizationId === null) return { organizationId: null, isDistributor: true };
  // Read with the key when there is one: no query per content request.
  const roles = principal.organizationRoles ?? (await ctx.directory.organization.load(principal.organizationId))?.roles ?? [];
  return { organizationId: principal.organizationId, isDistributor: roles.includes('CONTENT_DISTRIBUTOR') };
}

/**
 * A DataLoader of this file's own, one per request: what every grant of a list needs (its use,
 * its clients, its changes) is read in one query for the whole list.
 */
function perRequest<V>(name: string, batch: (ctx: GraphQLContext, grants: readonly UplinkGrant[]) => Promise<Map<string, V>>, empty: V) {
  const loaders = new WeakMap<GraphQLContext, DataLoader<UplinkGrant, V, string>>();
  return (ctx: GraphQLContext, grant: UplinkGrant): Promise<V> => {
    let loader = loaders.get(ctx);
    if (!loader) {
      loader = new DataLoader(async (list: readonly UplinkGrant[]) => {
        const found = await batch(ctx, list);
        return list.map((g) => found.get(g.id) ?? empty);
      }, { cacheKeyFn: (g) => `${name}:${g.id}` });
      loaders.set(ctx, loader);
    }
    return loader.load(grant);
  };
}

const usageOf = perRequest('usage', (ctx, list) => grantUsage(ctx.prisma, list, new Date()), 0n);
const clientIdsOf = perRequest('clients', async (ctx, list) => {
  const rows = await ctx.prisma.uplinkGrantClient.findMany({ where: { grantId: { in: list.map((g) => g.id) } }, select: { grantId: true, clientId: true } });
  return groupBy(rows, (row) => row.grantId, (row) => row.clientId);
}, [] as string[]);
const changesOf = perRequest('changes', async (ctx, list) => {
  const rows = await ctx.prisma.uplinkGrantChange.findMany({ where: { grantId: { in: list.map((g) => g.id) } }, orderBy: { at: 'asc' } });
  return groupBy(rows, (row) => row.grantId, (row) => row);
}, [] as UplinkGrantChange[]);

function groupBy<T, V>(rows: readonly T[], key: (row: T) => string, value: (row: T) => V): Map<string, V[]> {
  const groups = new Map<string, V[]>();
  for (const row of rows) {
    const list = groups.get(key(row));
    if (list) list.push(value(row));
    else groups.set(key(row), [value(row)]);
  }
  return groups;
}

export const coordinatorQueries: Pick<QueryResolvers, 'uplinkGrants' | 'uplinkStatement'> = {
  uplinkGrants: async (_, args, ctx) => {
    const visible = ctx.access.reader().uplinkGrant ?? {};
    const where: Prisma.UplinkGrantWhereInput = {
      AND: [visible, ...(args.network ? [{ network: { slug: args.network } }] : []), ...(args.distributor ? [{ distributor: { slug: args.distributor } }] : [])],
    };
    return listConnection(
      ctx,
      args,
      (page) => ctx.prisma.uplinkGrant.findMany({ where: { ...where, id: page.id }, orderBy: { id: 'asc' }, take: page.take }),
      () => ctx.prisma.uplinkGrant.count({ where }),
    );
  },
  uplinkStatement: async (_, { network, period }, ctx) => {
    const principal = ctx.access.requireRole(['ADMIN', 'CONTRACT_MANAGER', 'PARTNER', 'VIEWER'], 'read uplink statements');
    return queryInput(async () => {
      const org = await organizationBySlug(ctx.prisma, ['network'], network, 'SERVICE_PROVIDER');
      if (principal.organizationId !== null && principal.organizationId !== org.id) throw forbidden('an ISP’s key reads only its own network’s statements.');
      return uplinkStatement(ctx.prisma, ctx.counters, org.id, period);
    });
  },
};

export const coordinatorMutations: Pick<MutationResolvers, 'createUplinkGrant' | 'updateUplinkGrant' | 'revokeUplinkGrant' | 'reportAvailability' | 'requestContent'> = {
  createUplinkGrant: async (_, { input }, ctx) => {
    const guard = ctx.access.writer('UplinkGrant');
    const result = await payload('uplinkGrant', () => grants.createUplinkGrant(ctx.prisma, input, guard, ctx.access.principal?.keyId ?? null));
    ctx.coordinator.invalidate();
    return result;
  },
  updateUplinkGrant: async (_, { input }, ctx) => {
    const guard = ctx.access.writer('UplinkGrant');
    const result = await payload('uplinkGrant', () => grants.updateUplinkGrant(ctx.prisma, rowId(ID, input.id, 'UplinkGrant'), input, guard, ctx.access.principal?.keyId ?? null));
    ctx.coordinator.invalidate();
    return result;
  },
  revokeUplinkGrant: async (_, { input }, ctx) => {
    const guard = ctx.access.writer('UplinkGrant');
    const result = await payload('uplinkGrant', () => grants.revokeUplinkGrant(ctx.prisma, rowId(ID, input.id, 'UplinkGrant'), input.reason, guard, ctx.access.principal?.keyId ?? null));
    ctx.coordinator.invalidate();
    return result;
  },
  reportAvailability: async (_, { input }, ctx) => {
    const who = await requestor(ctx, 'report availability');
    return payload('expiresAt', async () => (await ctx.coordinator.reportAvailability(who, contentReferences(input))).expiresAt);
  },
  requestContent: async (_, { input }, ctx) => {
    const who = await requestor(ctx, 'request content');
    return payload('assignment', () => ctx.coordinator.requestContent(who, { client: input.client, content: contentReference(input.content), pieces: input.pieces }));
  },
};

type ContentReferenceInput = { id?: string | null; title?: string | null; owner?: string | null };
function contentReference(reference: ContentReferenceInput): { id: string } | { title: string; owner: string } {
  return reference.id != null ? { id: reference.id } : { title: reference.title ?? '', owner: reference.owner ?? '' };
}
function contentReferences<T extends { holdings?: readonly { content: ContentReferenceInput; pieces?: readonly number[] | null }[] | null }>(input: T) {
  return { ...input, holdings: input.holdings?.map((holding) => ({ ...holding, content: contentReference(holding.content) })) } as T & {
    client: string;
    online: boolean;
    holdings?: { content: { id: string } | { title: string; owner: string }; pieces?: readonly number[] | null }[] | null;
  };
}

export const coordinatorTypes: Pick<Resolvers, 'UplinkGrant' | 'UplinkGrantChange' | 'ContentAssignment' | 'AssignmentSource' | 'UplinkStatement' | 'UplinkStatementLine'> = {
  UplinkGrant: {
    id: globalId('UplinkGrant'),
    network: async (g, _, ctx) => (await ctx.directory.organization.load(g.networkId))!,
    distributor: async (g, _, ctx) => (await ctx.directory.organization.load(g.distributorId))!,
    clients: async (g, _, ctx) => (await ctx.loaders.client.loadMany(await clientIdsOf(ctx, g))).filter((c): c is ClientModel => c !== null && !(c instanceof Error)),
    ratePerGb: (g) => g.ratePerGb.toString(),
    usedBytes: (g, _, ctx) => usageOf(ctx, g),
    active: (g) => g.revokedAt === null && g.validFrom <= new Date() && (g.validUntil === null || g.validUntil > new Date()),
    contract: (g, _, ctx) => (g.contractId ? ctx.loaders.contract.load(g.contractId) : null),
    changes: (g, _, ctx) => changesOf(ctx, g),
  },
  UplinkGrantChange: {
    detail: (change) => JSON.stringify(change.detail),
  },
  // Records through the loaders, so through visibility: an agent gets the addresses it needs to
  // connect (`peerAddress`, `nodeAddress`) but not other ISPs' client records.
  ContentAssignment: {
    id: globalId('ContentAssignment'),
    client: (a, _, ctx) => ctx.loaders.client.load(a.requesterClientId),
    content: async (a, _, ctx) => (await ctx.loaders.content.load(a.contentId))!,
  },
  AssignmentSource: {
    peer: (s, _, ctx) => (s.peerClientId ? ctx.loaders.client.load(s.peerClientId) : null),
    grant: (s, _, ctx) => (s.grantId ? ctx.loaders.uplinkGrant.load(s.grantId) : null),
    node: (s, _, ctx) => (s.nodeComponentId ? ctx.loaders.component.load(s.nodeComponentId) : null),
  },
  UplinkStatement: {
    network: async (s, _, ctx) => (await ctx.directory.organization.load(s.networkId))!,
  },
  UplinkStatementLine: {
    distributor: async (line, _, ctx) => (await ctx.directory.organization.load(line.grant.distributorId))!,
  },
};
