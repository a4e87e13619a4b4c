// Alert rules: what an organization watches (an accounting object's usage, or a saved report's
// total), per which period, and the bounds that fire alerts. Evaluating them is alerts.ts.
//
// An alert shows its rule's owner the usage it saw, so a rule may watch only what the owner's own
// keys could read: an accounting object it owns or is a party to a contract of, a saved report
// it owns. For a scoped key (which may only write its own organization's rules) that is what it
// sees itself.
import { randomBytes } from 'node:crypto';
import type { OwnerGuard } from '../auth/access.ts';
import { visibilityFor, type Visibility } from '../auth/visibility.ts';
import { InputError } from '../domain/input-error.ts';
import { found, organizationBySlug, rowId } from '../domain/references.ts';
import * as valid from '../domain/validate.ts';
import type { AlertRule, PrismaClient } from '../generated/prisma/client.ts';
import type { AccountingMetric, AlertPeriod } from '../generated/prisma/enums.ts';
import { savedQueryOf } from './saved-reports.ts';

const ID = ['input', 'id'];
const at = (name: string) => ['input', name];

export const ALERT_PERIODS: readonly AlertPeriod[] = ['HOUR', 'DAY', 'MONTH', 'QUARTER'];
const METRICS: readonly AccountingMetric[] = ['BYTES', 'TRANSFERS', 'FILES'];

export interface AlertRuleInput {
  name: string;
  /** Slug. */
  owner: string;
  /** Global ids; exactly one. */
  accountingObject?: string | null;
  savedReport?: string | null;
  /** Default: the accounting object's metric; BYTES for a saved report. */
  metric?: AccountingMetric | null;
  period: AlertPeriod;
  /** Default: the time zone of what is watched (the object's, the saved filter's), else UTC. */
  timeZone?: string | null;
  threshold?: bigint | null;
  approachingPercent?: number | null;
  floor?: bigint | null;
  webhookUrl?: string | null;
}

/** Absent (undefined) leaves a field as it is; null clears it. */
export interface AlertRuleChanges {
  name?: string | null;
  threshold?: bigint | null;
  approachingPercent?: number | null;
  floor?: bigint | null;
  webhookUrl?: string | null;
  enabled?: boolean | null;
}

interface Bounds {
  threshold: bigint | null;
  approachingPercent: number | null;
  floor: bigint | null;
}

/** A new signing secret: 256 random bits, prefixed so that one found lying around says what it is. */
export function newWebhookSecret(): string {
  return `whsec_${randomBytes(32).toString('base64url')}`;
}

export async function createAlertRule(prisma: PrismaClient, input: AlertRuleInput, guard: OwnerGuard): Promise<{ rule: AlertRule; secret: string }> {
  const name = valid.name(at('name'), input.name);
  const owner = await organizationBySlug(prisma, at('owner'), input.owner);
  guard(owner.id, at('owner'));
  if (!ALERT_PERIODS.includes(input.period)) throw new InputError(at('period'), `must be one of ${ALERT_PERIODS.join(', ')}.`);
  if (input.metric != null && !METRICS.includes(input.metric)) throw new InputError(at('metric'), `must be one of ${METRICS.join(', ')}.`);
  const watched = await watchedBy(prisma, input, owner);
  const timeZone = valid.timeZone(at('timeZone'), input.timeZone ?? watched.timeZone);
  const bounds = validBounds({ threshold: input.threshold ?? null, approachingPercent: input.approachingPercent ?? null, floor: input.floor ?? null });
  const webhookUrl = input.webhookUrl == null ? null : validWebhookUrl(input.webhookUrl);
  const secret = newWebhookSecret();
  const rule = await prisma.alertRule.create({
    data: {
      name,
      ownerId: owner.id,
      accountingObjectId: watched.accountingObjectId,
      savedReportId: watched.savedReportId,
      metric: input.metric ?? watched.metric,
      period: input.period,
      timeZone,
      ...bounds,
      webhookUrl,
      secret,
    },
  });
  return { rule, secret };
}

export async function updateAlertRule(prisma: PrismaClient, id: string, changes: AlertRuleChanges, guard: OwnerGuard): Promise<AlertRule> {
  const existing = await ownRule(prisma, id, guard);
  const keep = <T>(change: T | null | undefined, current: T | null): T | null => (change === undefined ? current : change);
  const bounds = validBounds({
    threshold: keep(changes.threshold, existing.threshold),
    approachingPercent: keep(changes.approachingPercent, existing.approachingPercent),
    floor: keep(changes.floor, existing.floor),
  });
  return prisma.alertRule.update({
    where: { id },
    data: {
      name: changes.name != null ? valid.name(at('name'), changes.name) : undefined,
      ...bounds,
      webhookUrl: changes.webhookUrl === undefined ? undefined : changes.webhookUrl === null ? null : validWebhookUrl(changes.webhookUrl),
      enabled: changes.enabled ?? undefined,
    },
  });
}

/** Deletes the rule with its alerts and their deliveries. */
export async function deleteAlertRule(prisma: PrismaClient, id: string, guard: OwnerGuard): Promise<void> {
  await ownRule(prisma, id, guard);
  await prisma.alertRule.delete({ where: { id } });
}

async function ownRule(prisma: PrismaClient, id: string, guard: OwnerGuard): Promise<AlertRule> {
  const rule = found(await prisma.alertRule.findUnique({ where: { id } }), ID, 'alert rule');
  guard(rule.ownerId, ID);
  return rule;
}

interface Watched {
  accountingObjectId: string | null;
  savedReportId: string | null;
  metric: AccountingMetric;
  timeZone: string;
}

async function watchedBy(prisma: PrismaClient, input: AlertRuleInput, owner: { id: string; slug: string }): Promise<Watched> {
  if ((input.accountingObject == null) === (input.savedReport == null)) {
    throw new InputError(at(input.accountingObject == null ? 'accountingObject' : 'savedReport'), 'give exactly one of accountingObject and savedReport.');
  }
  const ownersView = ownerVisibility(owner.id);
  if (input.accountingObject != null) {
    const id = rowId(at('accountingObject'), input.accountingObject, 'AccountingObject');
    const object = await prisma.accountingObject.findFirst({ where: { id, AND: [ownersView.accountingObject ?? {}] }, select: { metric: true, timeZone: true } });
    if (object === null) throw new InputError(at('accountingObject'), `no accounting object with this id that "${owner.slug}" may see.`, 'NOT_FOUND');
    return { accountingObjectId: id, savedReportId: null, metric: object.metric, timeZone: object.timeZone };
  }
  const id = rowId(at('savedReport'), input.savedReport!, 'SavedReport');
  const report = await prisma.savedReport.findFirst({ where: { id, AND: [ownersView.savedReport ?? {}] } });
  if (report === null) throw new InputError(at('savedReport'), `no saved report with this id that "${owner.slug}" may see.`, 'NOT_FOUND');
  return { accountingObjectId: null, savedReportId: id, metric: 'BYTES', timeZone: savedQueryOf(report).filter.timeZone ?? 'UTC' };
}

/** What the owner's own (VIEWER) keys would see: the rule's alerts are shown to them. */
function ownerVisibility(ownerId: string): Visibility {
  return visibilityFor({ keyId: '00000000-0000-0000-0000-000000000000', keyName: 'alert rule owner', role: 'VIEWER', organizationId: ownerId });
}

function validBounds(bounds: Bounds): Bounds {
  const { threshold, approachingPercent, floor } = bounds;
  if (threshold !== null && threshold <= 0n) throw new InputError(at('threshold'), `must be greater than 0, got ${threshold}.`);
  if (floor !== null && floor < 0n) throw new InputError(at('floor'), `must be 0 or more, got ${floor}.`);
  if (threshold === null && floor === null) throw new InputError(at('threshold'), 'give a threshold, a floor, or both: without either the rule can never fire.');
  if (approachingPercent !== null) {
    if (!Number.isInteger(approachingPercent) || approachingPercent < 1 || approachingPercent > 99) {
      throw new InputError(at('approachingPercent'), `must be a whole percentage from 1 to 99, got ${approachingPercent}.`);
    }
    if (threshold === null) throw new InputError(at('approachingPercent'), 'is a percentage of the threshold: give a threshold too.');
  }
  // Between such a floor and threshold a period would be both past the threshold and below the floor.
  if (threshold !== null && floor !== null && floor > threshold) {
    throw new InputError(at('floor'), `must not be above the threshold (${threshold}), got ${floor}.`);
  }
  return bounds;
}

function validWebhookUrl(value: string): string {
  const field = at('webhookUrl');
  if (value.length > 2000) throw new InputError(field, 'must be at most 2000 characters.');
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new InputError(field, `"${value}" is not an absolute URL, e.g. "https://alerts.example.com/pathledger".`);
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') throw new InputError(field, `must be an http or https URL, got "${url.protocol}".`);
  return url.href;
}
