// Counts GraphQL operations, their durations and their errors by operation name.
import type { ApolloServerPlugin, BaseContext } from '@apollo/server';
import type { Metrics } from '../../observability/metrics.ts';
import { errorCode } from './error-code.ts';

export function metricsPlugin(metrics: Metrics): ApolloServerPlugin<BaseContext> {
  return {
    async requestDidStart() {
      const started = process.hrtime.bigint();
      return {
        async didEncounterErrors({ operationName, request, errors }) {
          const operation = metrics.operationLabel(operationName ?? request.operationName);
          for (const error of errors) metrics.graphqlErrors.inc({ operation, code: errorCode(error) });
        },
        async willSendResponse({ operationName, request, operation }) {
          // Before the document resolves (a syntax error), the name the client sent is all there is.
          const label = metrics.operationLabel(operationName ?? request.operationName);
          metrics.graphqlRequests.inc({ operation: label, type: operation?.operation ?? 'unknown' });
          metrics.graphqlDuration.observe({ operation: label }, Number(process.hrtime.bigint() - started) / 1e9);
        },
      };
    },
  };
}
