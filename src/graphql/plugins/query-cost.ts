// Enforces the cost limit and reports every operation's cost in `extensions.cost`, as Shopify does.
//
// A plugin rather than a validation rule: the cost of `first: $n` depends on the variables, and
// Apollo Server runs validation rules without them (and caches validated documents across
// requests with different variables). didResolveOperation sees the variables and still runs
// before any resolver.
import type { ApolloServerPlugin, BaseContext } from '@apollo/server';
import { costCache, queryTooCostly } from '../limits/cost.ts';

export interface QueryCostOptions {
  maxCost: number;
  defaultPageSize: number;
}

export function queryCostPlugin({ maxCost, defaultPageSize }: QueryCostOptions): ApolloServerPlugin<BaseContext> {
  const queryCost = costCache();
  return {
    async requestDidStart() {
      let requested: number | undefined;
      return {
        async didResolveOperation({ schema, document, request }) {
          requested = queryCost({ schema, document, operationName: request.operationName, variables: request.variables, defaultPageSize });
          if (requested > maxCost) throw queryTooCostly(requested, maxCost);
        },
        async willSendResponse({ response }) {
          if (requested === undefined || response.body.kind !== 'single') return;
          const result = response.body.singleResult;
          result.extensions = { ...result.extensions, cost: { requested, limit: maxCost } };
        },
      };
    },
  };
}
