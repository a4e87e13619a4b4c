// Capacity policies and their changes of state; src/reports/policies.ts evaluates them.
import type { MutationResolvers, QueryResolvers, Resolvers } from '../../generated/graphql.ts';
import type { Prisma } from '../../generated/prisma/client.ts';
import type { OwnerGuard } from '../../auth/access.ts';
import { rowId } from '../../domain/references.ts';
import * as policies from '../../reports/policies.ts';
import type { GraphQLContext } from '../context.ts';
import { toGlobalId } from '../global-id.ts';
import { latest, reportLoaders } from './report-loaders.ts';
import { globalId, listConnection, payload } from './support.ts';

const ID = ['input', 'id'];

/** What the key may do and see, for the policy service. */
function policyKey(ctx: GraphQLContext, guard: OwnerGuard): policies.PolicyKey {
  return {
    guard,
    scope: ctx.access.authenticated().organizationId,
    seesLink: async (id) => (await ctx.loaders.link.load(id)) !== null,
    seesLinkSet: async (id) => (await ctx.loaders.linkSet.load(id)) !== null,
  };
}

export const policyQueries: Pick<QueryResolvers, 'capacityPolicies'> = {
  capacityPolicies: (_, args, ctx) => {
    const visible = ctx.access.reader().capacityPolicy ?? {};
    const where: Prisma.CapacityPolicyWhereInput = { AND: [visible, args.state ? { state: args.state } : {}] };
    return listConnection(
      ctx,
      args,
      (page) => ctx.prisma.capacityPolicy.findMany({ where: { ...where, id: page.id }, orderBy: { id: 'asc' }, take: page.take }),
      () => ctx.prisma.capacityPolicy.count({ where }),
    );
  },
};

export const policyMutations: Pick<MutationResolvers, 'createCapacityPolicy' | 'updateCapacityPolicy' | 'deleteCapacityPolicy'> = {
  createCapacityPolicy: (_, { input }, ctx) => {
    const guard = ctx.access.writer('CapacityPolicy');
    return payload('capacityPolicy', () => policies.createCapacityPolicy(ctx.prisma, input, policyKey(ctx, guard)));
  },
  updateCapacityPolicy: (_, { input }, ctx) => {
    const guard = ctx.access.writer('CapacityPolicy');
    return payload('capacityPolicy', () => policies.updateCapacityPolicy(ctx.prisma, rowId(ID, input.id, 'CapacityPolicy'), input, guard));
  },
  deleteCapacityPolicy: (_, { input }, ctx) => {
    const guard = ctx.access.writer('CapacityPolicy');
    return payload('deletedId', async () => {
      const deleted = await policies.deleteCapacityPolicy(ctx.prisma, rowId(ID, input.id, 'CapacityPolicy'), guard);
      return deleted && toGlobalId('CapacityPolicy', deleted.id);
    });
  },
};

export const policyTypes: Pick<Resolvers, 'CapacityPolicy' | 'PolicyStateChange'> = {
  CapacityPolicy: {
    id: globalId('CapacityPolicy'),
    owner: async (policy, _, ctx) => (await ctx.directory.organization.load(policy.ownerId))!,
    link: (policy, _, ctx) => (policy.linkId ? ctx.loaders.link.load(policy.linkId) : null),
    linkSet: (policy, _, ctx) => (policy.linkSetId ? ctx.loaders.linkSet.load(policy.linkSetId) : null),
    network: (policy, _, ctx) => (policy.networkId ? ctx.directory.organization.load(policy.networkId) : null),
    contentOwner: (policy, _, ctx) => (policy.contentOwnerId ? ctx.directory.organization.load(policy.contentOwnerId) : null),
    changes: (policy, { first }, ctx) => reportLoaders(ctx).policyChanges.load(latest(ctx, policy.id, first)),
  },
  PolicyStateChange: {},
};
