// Alert rules, the alerts they fired and their webhook deliveries; src/reports/alerts.ts and
// src/reports/webhooks.ts do the work.
import DataLoader from 'dataloader';
import type { Alert, Prisma, PrismaClient, WebhookAttempt, WebhookDelivery } from '../../generated/prisma/client.ts';
import type { MutationResolvers, QueryResolvers, Resolvers, SubscriptionResolvers } from '../../generated/graphql.ts';
import type { Visibility } from '../../auth/visibility.ts';
import { arrayLiteral } from '../../accounting/event-rows.ts';
import { isUuid } from '../../domain/validate.ts';
import { rowId } from '../../domain/references.ts';
import { createAlertRule, deleteAlertRule, updateAlertRule } from '../../reports/alerts.ts';
import { firedAlertStream } from '../../reports/alert-feed.ts';
import { renewLoaders, type GraphQLContext } from '../context.ts';
import { notFound } from '../errors.ts';
import { toGlobalId } from '../global-id.ts';
import type { ChildPage, PageRequest } from '../loaders.ts';
import { parsePage, toConnection, type Page } from '../pagination.ts';
import { childConnection, globalId, listConnection, payload, queryInput } from './support.ts';

/** Alerts are listed newest first; their cursor is `<firedAt ISO>|<id>`. */
const alertCursor = {
  of: (alert: Pick<Alert, 'firedAt' | 'id'>) => `${alert.firedAt.toISOString()}|${alert.id}`,
  valid: (key: string) => {
    const [firedAt, id, ...rest] = key.split('|');
    return rest.length === 0 && id !== undefined && isUuid(id) && firedAt !== undefined && !Number.isNaN(Date.parse(firedAt));
  },
};

function splitAlertCursor(key: string): { firedAt: Date; id: string } {
  const [firedAt, id] = key.split('|') as [string, string];
  return { firedAt: new Date(firedAt), id };
}

/** Alerts after the cursor in newest-first order. */
function olderThan(page: Page): Prisma.AlertWhereInput {
  if (page.after === null) return {};
  const { firedAt, id } = splitAlertCursor(page.after);
  return { OR: [{ firedAt: { lt: firedAt } }, { firedAt, id: { lt: id } }] };
}

// The loaders of this file, one set per request like those of loaders.ts, keyed by the request's
// loaders object (the context itself may be copied, its properties are not).
const perRequest = new WeakMap<object, ReturnType<typeof createAlertLoaders>>();

function alertLoaders(ctx: GraphQLContext) {
  let loaders = perRequest.get(ctx.loaders);
  if (!loaders) {
    loaders = createAlertLoaders(ctx.prisma, ctx.access.visibility);
    perRequest.set(ctx.loaders, loaders);
  }
  return loaders;
}

function createAlertLoaders(prisma: PrismaClient, visibility: Visibility) {
  const visible = visibility.alert ?? {};
  return {
    /** Each rule's page of alerts, newest first: one statement picks every rule's page. */
    ruleAlerts: new DataLoader<PageRequest<null>, ChildPage<Alert>, string>(
      async (requests) => {
        const byPage = new Map<string, PageRequest<null>[]>();
        for (const request of requests) {
          const key = JSON.stringify(request.page);
          byPage.set(key, [...(byPage.get(key) ?? []), request]);
        }
        const pages = new Map<PageRequest<null>, ChildPage<Alert>>();
        await Promise.all(
          [...byPage.values()].map(async (group) => {
            const page = group[0]!.page;
            const found = await ruleAlertPages(prisma, [...new Set(group.map((request) => request.parentId))], page, visible);
            for (const request of group) pages.set(request, found.get(request.parentId) ?? { rows: [], total: 0 });
          }),
        );
        return requests.map((request) => pages.get(request)!);
      },
      { cacheKeyFn: (request) => JSON.stringify([request.parentId, request.page]) },
    ),
    deliveries: new DataLoader<string, WebhookDelivery[]>(async (alertIds) => {
      const rows = await prisma.webhookDelivery.findMany({ where: { alertId: { in: [...alertIds] }, alert: visible }, orderBy: { id: 'asc' } });
      return alertIds.map((id) => rows.filter((row) => row.alertId === id));
    }),
    attempts: new DataLoader<string, WebhookAttempt[]>(async (deliveryIds) => {
      const rows = await prisma.webhookAttempt.findMany({ where: { deliveryId: { in: [...deliveryIds] }, delivery: { alert: visible } }, orderBy: [{ attempt: 'asc' }, { id: 'asc' }] });
      return deliveryIds.map((id) => rows.filter((row) => row.deliveryId === id));
    }),
  };
}

async function ruleAlertPages(prisma: PrismaClient, ruleIds: string[], page: Page, visible: Prisma.AlertWhereInput): Promise<Map<string, ChildPage<Alert>>> {
  const after = page.after === null ? null : splitAlertCursor(page.after);
  // Each rule's page by its own LIMIT (a LATERAL join), then the rows through visibility.
  const picked = await prisma.$queryRawUnsafe<{ id: string }[]>(
    `SELECT a."id"::text AS "id" FROM unnest($1::uuid[]) AS r("id") CROSS JOIN LATERAL (` +
      `SELECT "id" FROM "Alert" WHERE "ruleId" = r."id" ` +
      `AND ($2::timestamp IS NULL OR ("firedAt", "id") < ($2::timestamp, $3::uuid)) ` +
      `ORDER BY "firedAt" DESC, "id" DESC LIMIT $4::int) a`,
    arrayLiteral(ruleIds),
    after?.firedAt.toISOString() ?? null,
    after?.id ?? null,
    page.take + 1,
  );
  const where: Prisma.AlertWhereInput = { ruleId: { in: ruleIds }, AND: [visible] };
  const [rows, counts] = await Promise.all([
    picked.length === 0 ? [] : prisma.alert.findMany({ where: { id: { in: picked.map((row) => row.id) }, AND: [visible] }, orderBy: [{ firedAt: 'desc' }, { id: 'desc' }] }),
    prisma.alert.groupBy({ by: ['ruleId'], where, _count: { _all: true } }),
  ]);
  const pages = new Map<string, ChildPage<Alert>>(counts.map((count) => [count.ruleId, { rows: [], total: count._count._all }]));
  for (const row of rows) pages.get(row.ruleId)?.rows.push(row);
  return pages;
}

export const alertQueries: Pick<QueryResolvers, 'alertRules' | 'alerts'> = {
  alertRules: (_, args, ctx) => {
    const where: Prisma.AlertRuleWhereInput = { AND: [ctx.access.reader().alertRule ?? {}] };
    return listConnection(
      ctx,
      args,
      (page) => ctx.prisma.alertRule.findMany({ where: { ...where, id: page.id }, orderBy: { id: 'asc' }, take: page.take }),
      () => ctx.prisma.alertRule.count({ where }),
    );
  },
  alerts: async (_, args, ctx) => {
    const visible = ctx.access.reader().alert ?? {};
    const ruleId = args.rule == null ? undefined : await queryInput(async () => rowId(['rule'], args.rule!, 'AlertRule'));
    const where: Prisma.AlertWhereInput = {
      ruleId,
      level: args.level ?? undefined,
      firedAt: args.since == null ? undefined : { gte: args.since },
      AND: [visible],
    };
    const page = parsePage(args, ctx.limits, alertCursor.valid);
    const rows = await ctx.prisma.alert.findMany({ where: { ...where, AND: [visible, olderThan(page)] }, orderBy: [{ firedAt: 'desc' }, { id: 'desc' }], take: page.take + 1 });
    return toConnection(rows, page, () => ctx.prisma.alert.count({ where }), alertCursor.of);
  },
};

export const alertMutations: Pick<MutationResolvers, 'createAlertRule' | 'updateAlertRule' | 'deleteAlertRule'> = {
  createAlertRule: async (_, { input }, ctx) => {
    const guard = ctx.access.writer('AlertRule');
    const result = await payload('created', () => createAlertRule(ctx.prisma, input, guard));
    return { alertRule: result.created?.rule ?? null, secret: result.created?.secret ?? null, userErrors: result.userErrors };
  },
  updateAlertRule: (_, { input }, ctx) => {
    const guard = ctx.access.writer('AlertRule');
    return payload('alertRule', () => updateAlertRule(ctx.prisma, rowId(['input', 'id'], input.id, 'AlertRule'), input, guard));
  },
  deleteAlertRule: (_, { input }, ctx) => {
    const guard = ctx.access.writer('AlertRule');
    return payload('deletedId', async () => {
      const id = rowId(['input', 'id'], input.id, 'AlertRule');
      await deleteAlertRule(ctx.prisma, id, guard);
      return toGlobalId('AlertRule', id);
    });
  },
};

export const alertSubscriptions: Pick<SubscriptionResolvers, 'alertFired'> = {
  alertFired: {
    subscribe: async (_, args, ctx) => {
      const visible = ctx.access.reader().alert ?? {};
      const ruleId = args.rule == null ? undefined : await queryInput(async () => rowId(['rule'], args.rule!, 'AlertRule'));
      // A rule the key cannot see (or that is gone) would just never fire here: say so instead.
      if (ruleId !== undefined && !(await ctx.loaders.alertRule.load(ruleId))) throw notFound('alert rule', args.rule!);
      const level = args.level ?? undefined;
      return firedAlertStream(ctx.alertFeed, async (ids) => {
        if (!(await ctx.keyStillValid())) return null;
        renewLoaders(ctx);
        const rows = await ctx.prisma.alert.findMany({
          where: { id: { in: [...ids] }, ruleId, level, AND: [visible] },
          orderBy: [{ firedAt: 'asc' }, { id: 'asc' }],
        });
        return rows.map((alert) => ({ alertFired: alert }));
      });
    },
  },
};

export const alertTypes: Pick<Resolvers, 'AlertRule' | 'Alert' | 'WebhookDelivery' | 'WebhookAttempt'> = {
  AlertRule: {
    id: globalId('AlertRule'),
    owner: async (rule, _, ctx) => (await ctx.directory.organization.load(rule.ownerId))!,
    accountingObject: (rule, _, ctx) => (rule.accountingObjectId ? ctx.loaders.accountingObject.load(rule.accountingObjectId) : null),
    savedReport: (rule, _, ctx) => (rule.savedReportId ? ctx.loaders.savedReport.load(rule.savedReportId) : null),
    alerts: (rule, args, ctx) => childConnection(alertLoaders(ctx).ruleAlerts, rule.id, args, ctx, null, alertCursor),
  },
  Alert: {
    id: globalId('Alert'),
    rule: async (alert, _, ctx) => (await ctx.loaders.alertRule.load(alert.ruleId))!,
    deliveries: (alert, _, ctx) => alertLoaders(ctx).deliveries.load(alert.id),
  },
  WebhookDelivery: {
    // Only a delivery still being tried has a next attempt.
    nextAttemptAt: (delivery) => (delivery.status === 'PENDING' ? delivery.nextAttemptAt : null),
    log: (delivery, _, ctx) => alertLoaders(ctx).attempts.load(delivery.id),
  },
  WebhookAttempt: {},
};
