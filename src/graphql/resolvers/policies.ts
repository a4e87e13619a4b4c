// Capacity policies and their changes of state; src/reports/policies.ts evaluates them.
import type { MutationResolvers, QueryResolvers, Resolvers } from '../../generated/graphql.ts';

export const policyQueries: Pick<QueryResolvers, 'capacityPolicies'> = {};
export const policyMutations: Pick<MutationResolvers, 'createCapacityPolicy' | 'updateCapacityPolicy' | 'deleteCapacityPolicy'> = {};
export const policyTypes: Pick<Resolvers, 'CapacityPolicy' | 'PolicyStateChange'> = {};
