// Alert evaluation: every enabled rule looks at its usage in the period under way and in the one
// just closed, and each level whose condition holds fires once per rule and period:
//
//   APPROACHING  value ≥ approachingPercent % of threshold (the bound rounded up to a whole unit)
//   EXCEEDED     value > threshold
//   BELOW        value < floor, only for a period that has closed
//
// A jump past the threshold in one step fires APPROACHING and EXCEEDED together: every period
// that went past its threshold also has its APPROACHING alert, and the two can never arrive in
// the wrong order (an EXCEEDED without its APPROACHING would let a later look fire APPROACHING
// after it). Once fired, an alert stays: usage that falls back (it cannot: counters only grow)
// or a rule changed mid-period does not fire its level again.
//
// "Once" is the database's promise, not this process's: Alert is unique by rule, level and
// period start, inserts skip what exists, and a webhook delivery is created only with the alert
// row that was new, in the same transaction. Evaluators on two servers, or a schedule and a
// fold-triggered run at the same moment, fire an alert once between them.
//
// Only periods that end after the rule was created are looked at: a rule made on the 3rd does
// not report on last month, which it never watched.
import { arrayLiteral, uuidV7 } from '../accounting/event-rows.ts';
import type { UtcInterval } from '../accounting/time-window.ts';
import { InputError } from '../domain/input-error.ts';
import type { AlertRule, PrismaClient } from '../generated/prisma/client.ts';
import type { AlertLevel } from '../generated/prisma/enums.ts';
import { failureReason } from '../observability/failure-reason.ts';
import type { TrafficStore } from '../traffic/report.ts';
import { announceFired } from './alert-feed.ts';
import { alertPeriodContaining, previousAlertPeriod } from './alert-periods.ts';
import { objectUsage, windowKey, type Usage, type UsageWindow } from './alert-usage.ts';
import { savedReportTotal } from './saved-reports.ts';
import { alertWebhookBody } from './webhook-body.ts';

export { createAlertRule, deleteAlertRule, updateAlertRule, type AlertRuleChanges, type AlertRuleInput } from './alert-rules.ts';

export interface EvaluationOptions {
  /** The instant whose periods are evaluated; the alerts' firedAt. Default: the clock's now. */
  now?: Date;
  /** Only these rules (row ids); default every enabled rule. */
  ruleIds?: readonly string[];
}

export interface FiredAlert {
  id: string;
  ruleId: string;
  level: AlertLevel;
  periodStart: Date;
  periodEnd: Date;
  value: bigint;
  bound: bigint;
  firedAt: Date;
}

export interface AlertEvaluation {
  /** Enabled rules looked at. */
  rules: number;
  /** Alerts new in this run (those fired before are not repeated). */
  fired: FiredAlert[];
  /** Webhook deliveries queued with them: wake the deliverer when > 0. */
  deliveries: number;
  /** Rules that could not be evaluated, and why (a deleted accounting object, a saved filter that no longer resolves). */
  skipped: { ruleId: string; reason: string }[];
}

/** One period of one rule, and whether it has closed. */
interface Watch {
  rule: AlertRule;
  period: UtcInterval;
  closed: boolean;
}

export async function evaluateAlerts(store: TrafficStore, options: EvaluationOptions = {}): Promise<AlertEvaluation> {
  const now = options.now ?? new Date();
  const rules = await store.prisma.alertRule.findMany({
    where: { enabled: true, ...(options.ruleIds ? { id: { in: [...options.ruleIds] } } : {}) },
    orderBy: { id: 'asc' },
  });
  const skipped: AlertEvaluation['skipped'] = [];
  const watches = rules.flatMap((rule) => {
    try {
      return watchesOf(rule, now);
    } catch (error) {
      skipped.push({ ruleId: rule.id, reason: failureReason(error) });
      return [];
    }
  });
  const values = await valuesOf(store, watches, skipped);
  const reached = watches.flatMap((watch) => {
    const value = values.get(watch);
    return value === undefined ? [] : levelsReached(watch, value, now);
  });
  // Ids in the order the levels were reached (uuidV7 is random within a millisecond): two alerts
  // of one instant list in that order.
  const ids = reached.map(() => uuidV7(now.getTime())).sort();
  const candidates = reached.map((alert, i): FiredAlert => ({ id: ids[i]!, ...alert }));
  const { fired, deliveries } = await record(store.prisma, candidates, new Map(rules.map((rule) => [rule.id, rule])));
  return { rules: rules.length, fired, deliveries, skipped };
}

function watchesOf(rule: AlertRule, now: Date): Watch[] {
  const current = alertPeriodContaining(rule.period, rule.timeZone, now);
  const previous = previousAlertPeriod(rule.period, rule.timeZone, current);
  return [
    { rule, period: previous, closed: true },
    { rule, period: current, closed: false },
  ].filter((watch) => watch.period.end > rule.createdAt);
}

/** Each watch's value in its rule's metric; watches whose source is gone are skipped (and said so). */
async function valuesOf(store: TrafficStore, watches: readonly Watch[], skipped: AlertEvaluation['skipped']): Promise<Map<Watch, bigint>> {
  const values = new Map<Watch, bigint>();
  const skip = (ruleId: string, reason: string) => {
    if (!skipped.some((entry) => entry.ruleId === ruleId)) skipped.push({ ruleId, reason });
  };

  // Accounting objects: every rule's periods in two statements, rules on one object sharing rows.
  const onObjects = watches.filter((watch) => watch.rule.accountingObjectId !== null);
  const windowOf = (watch: Watch): UsageWindow => ({ accountingObjectId: watch.rule.accountingObjectId!, start: watch.period.start, end: watch.period.end });
  const filesFor = new Set(onObjects.filter((watch) => watch.rule.metric === 'FILES').map((watch) => windowKey(windowOf(watch))));
  const usage = await objectUsage(store, onObjects.map(windowOf), filesFor);
  for (const watch of onObjects) {
    const found = usage.get(windowKey(windowOf(watch)));
    if (found === undefined) skip(watch.rule.id, 'its accounting object no longer exists.');
    else values.set(watch, metricOf(watch.rule, found));
  }

  // Saved reports: each is its own traffic question; one answer per report and period, one at a
  // time, since each may read raw events and the pool is shared with the API. A report that is
  // gone or whose filter no longer resolves (a slug deleted) skips its rules; other failures
  // (the database) fail the evaluation, to be retried whole.
  const answers = new Map<string, Usage | InputError>();
  for (const watch of watches) {
    const reportId = watch.rule.savedReportId;
    if (reportId === null) continue;
    const key = `${reportId}|${watch.period.start.toISOString()}|${watch.period.end.toISOString()}`;
    if (!answers.has(key)) {
      answers.set(
        key,
        await savedReportTotal(store, reportId, watch.period.start, watch.period.end).catch((error: unknown) => {
          if (error instanceof InputError) return error;
          throw error;
        }),
      );
    }
    const answer = answers.get(key)!;
    if (answer instanceof InputError) skip(watch.rule.id, `its saved report could not be run: ${answer.message}`);
    else values.set(watch, metricOf(watch.rule, answer));
  }
  return values;
}

function metricOf(rule: AlertRule, usage: Usage): bigint {
  switch (rule.metric) {
    case 'BYTES':
      return usage.bytes;
    case 'TRANSFERS':
      return usage.transfers;
    case 'FILES':
      return BigInt(usage.files);
  }
}

function levelsReached({ rule, period, closed }: Watch, value: bigint, now: Date): Omit<FiredAlert, 'id'>[] {
  const alert = (level: AlertLevel, bound: bigint): Omit<FiredAlert, 'id'> => ({
    ruleId: rule.id,
    level,
    periodStart: period.start,
    periodEnd: period.end,
    value,
    bound,
    firedAt: now,
  });
  const reached: Omit<FiredAlert, 'id'>[] = [];
  if (rule.threshold !== null) {
    if (rule.approachingPercent !== null) {
      const bound = approachingBound(rule.threshold, rule.approachingPercent);
      if (value >= bound) reached.push(alert('APPROACHING', bound));
    }
    if (value > rule.threshold) reached.push(alert('EXCEEDED', rule.threshold));
  }
  if (closed && rule.floor !== null && value < rule.floor) reached.push(alert('BELOW', rule.floor));
  return reached;
}

/** The least whole value at or above percent % of the threshold: value ≥ it ⇔ value·100 ≥ threshold·percent. */
export function approachingBound(threshold: bigint, percent: number): bigint {
  const scaled = threshold * BigInt(percent);
  return (scaled + 99n) / 100n;
}

/**
 * Inserts the alerts not fired before and, for each new one whose rule has a webhook, its
 * delivery, in one transaction that also announces them to subscribers (alert-feed.ts). The insert is in candidate order, so within a period APPROACHING
 * gets the smaller id.
 */
async function record(prisma: PrismaClient, candidates: readonly FiredAlert[], rules: ReadonlyMap<string, AlertRule>): Promise<{ fired: FiredAlert[]; deliveries: number }> {
  if (candidates.length === 0) return { fired: [], deliveries: 0 };
  return prisma.$transaction(async (tx) => {
    const rows = await tx.$queryRawUnsafe<{ id: string }[]>(
      `INSERT INTO "Alert" ("id", "ruleId", "level", "periodStart", "periodEnd", "value", "bound", "firedAt") ` +
        `SELECT * FROM unnest($1::uuid[], $2::uuid[], $3::"AlertLevel"[], $4::timestamp[], $5::timestamp[], $6::bigint[], $7::bigint[], $8::timestamp[]) ` +
        `ON CONFLICT ("ruleId", "level", "periodStart") DO NOTHING ` +
        `RETURNING "id"::text AS "id"`,
      arrayLiteral(candidates.map((alert) => alert.id)),
      arrayLiteral(candidates.map((alert) => alert.ruleId)),
      arrayLiteral(candidates.map((alert) => alert.level)),
      arrayLiteral(candidates.map((alert) => alert.periodStart.toISOString())),
      arrayLiteral(candidates.map((alert) => alert.periodEnd.toISOString())),
      arrayLiteral(candidates.map((alert) => alert.value.toString())),
      arrayLiteral(candidates.map((alert) => alert.bound.toString())),
      arrayLiteral(candidates.map((alert) => alert.firedAt.toISOString())),
    );
    // RETURNING comes back in no promised order: put the new ones back in candidate order.
    const isNew = new Set(rows.map((row) => row.id));
    const fired = candidates.filter((alert) => isNew.has(alert.id));
    await announceFired(tx, fired.map((alert) => alert.id));
    const deliveries = fired.flatMap((alert) => {
      const rule = rules.get(alert.ruleId)!;
      return rule.webhookUrl === null ? [] : [{ id: uuidV7(), alertId: alert.id, url: rule.webhookUrl, body: alertWebhookBody(alert, rule), due: alert.firedAt }];
    });
    if (deliveries.length > 0) {
      await tx.$executeRawUnsafe(
        `INSERT INTO "WebhookDelivery" ("id", "alertId", "url", "body", "status", "attempts", "nextAttemptAt", "createdAt", "updatedAt") ` +
          `SELECT d."id", d."alertId", d."url", d."body", 'PENDING', 0, d."due", $6::timestamp, $6::timestamp ` +
          `FROM unnest($1::uuid[], $2::uuid[], $3::text[], $4::text[], $5::timestamp[]) AS d("id", "alertId", "url", "body", "due")`,
        arrayLiteral(deliveries.map((delivery) => delivery.id)),
        arrayLiteral(deliveries.map((delivery) => delivery.alertId)),
        arrayLiteral(deliveries.map((delivery) => delivery.url)),
        arrayLiteral(deliveries.map((delivery) => delivery.body)),
        arrayLiteral(deliveries.map((delivery) => delivery.due.toISOString())),
        new Date().toISOString(),
      );
    }
    return { fired, deliveries: deliveries.length };
  });
}
