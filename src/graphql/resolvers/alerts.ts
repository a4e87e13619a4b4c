// Alert rules, the alerts they fired and their webhook deliveries; src/reports/alerts.ts and
// src/reports/webhooks.ts do the work.
import type { MutationResolvers, QueryResolvers, Resolvers } from '../../generated/graphql.ts';

export const alertQueries: Pick<QueryResolvers, 'alertRules' | 'alerts'> = {};
export const alertMutations: Pick<MutationResolvers, 'createAlertRule' | 'updateAlertRule' | 'deleteAlertRule'> = {};
export const alertTypes: Pick<Resolvers, 'AlertRule' | 'Alert' | 'WebhookDelivery' | 'WebhookAttempt'> = {};
