// Capacity policies: a limit on the bytes a link, a link set or an ISP's network carries per
// window (optionally only one content owner's, or one transfer type's), and the state that says
// whether the coordinator must route around it now.
//
// The window, precisely. Counters are kept per UTC hour, so usage is counted in whole hour buckets:
// at `now`, a policy of W minutes counts every bucket that starts in [windowStart, now], where
// windowStart is now − W rounded down to the hour. Those are exactly the buckets that overlap
// [now − W, now], so a window sees between W and W + 60 minutes of traffic: it may count a little
// more than W minutes, never less. For a limit that protects capacity that is the side to err on.
// At 10:20 a 60-minute window counts the 09:00 and 10:00 buckets; at 11:00 the 10:00 and 11:00
// buckets; a 1440-minute window counts 25 buckets.
//
// A policy is ENFORCED while its usage is over the limit (strictly greater) and OK otherwise. What
// it covers is the traffic of:
//   a link      its component (ComponentTraffic of Link.componentId);
//   a link set  its member links' components, summed: a transfer over two links of the set uses
//               capacity on both, so it counts on both;
//   a network   what the ISP's subscribers sent or received (TrafficRollup with the network as
//               source or destination); an on-net transfer counts once.
import type { OwnerGuard } from '../auth/access.ts';
import { InputError } from '../domain/input-error.ts';
import { organizationBySlug, rowId } from '../domain/references.ts';
import { name as validName } from '../domain/validate.ts';
import type { CapacityPolicy, PrismaClient } from '../generated/prisma/client.ts';
import type { PolicyState, TransferType } from '../generated/prisma/enums.ts';
import type { TrafficStore } from '../traffic/report.ts';

const HOUR_MS = 3_600_000;
const MAX_WINDOW_MINUTES = 1440;
const DEFAULT_WINDOW_MINUTES = 60;
const TRANSFER_TYPES: readonly TransferType[] = ['CDN_DOWNLOAD', 'PEER_UPLOAD', 'LIVE_STREAM'];

export interface CapacityPolicyInput {
  name: string;
  /** Slug. */
  owner: string;
  /** Global ids, or a slug for the network: exactly one of the three. */
  link?: string | null;
  linkSet?: string | null;
  network?: string | null;
  /** Slug. */
  contentOwner?: string | null;
  transferType?: TransferType | null;
  limitBytes?: bigint | null;
  rateBitsPerSecond?: bigint | null;
  windowMinutes?: number | null;
}

export interface CapacityPolicyChange {
  name?: string | null;
  limitBytes?: bigint | null;
  windowMinutes?: number | null;
}

/** What the key asking may do: change its own organization's records, see some links and sets. */
export interface PolicyKey {
  guard: OwnerGuard;
  /** The organization a scoped key acts for; null for a global key. */
  scope: string | null;
  seesLink: (id: string) => Promise<boolean>;
  seesLinkSet: (id: string) => Promise<boolean>;
}

const field = (name: string) => ['input', name];

/** windowMinutes as given, or the default; whole minutes from 1 to a day. */
function windowMinutesOf(value: number | null | undefined): number {
  const minutes = value ?? DEFAULT_WINDOW_MINUTES;
  if (!Number.isInteger(minutes) || minutes < 1 || minutes > MAX_WINDOW_MINUTES) {
    throw new InputError(field('windowMinutes'), `must be a whole number of minutes from 1 to ${MAX_WINDOW_MINUTES}, got ${minutes}.`);
  }
  return minutes;
}

/**
 * Bytes per window from exactly one of `limitBytes` and `rateBitsPerSecond`. A rate is turned into
 * the bytes it moves in the window, rounded down: rate × window seconds / 8.
 */
function limitOf(limitBytes: bigint | null | undefined, rateBitsPerSecond: bigint | null | undefined, windowMinutes: number): bigint {
  if (limitBytes != null && rateBitsPerSecond != null) throw new InputError(field('rateBitsPerSecond'), 'give limitBytes or rateBitsPerSecond, not both.');
  if (limitBytes != null) {
    if (limitBytes <= 0n) throw new InputError(field('limitBytes'), `must be greater than 0, got ${limitBytes}.`);
    return limitBytes;
  }
  if (rateBitsPerSecond == null) throw new InputError(field('limitBytes'), 'give limitBytes (bytes per window) or rateBitsPerSecond.');
  if (rateBitsPerSecond <= 0n) throw new InputError(field('rateBitsPerSecond'), `must be greater than 0, got ${rateBitsPerSecond}.`);
  const bytes = (rateBitsPerSecond * BigInt(windowMinutes * 60)) / 8n;
  if (bytes === 0n) throw new InputError(field('rateBitsPerSecond'), 'is less than one byte per window.');
  return bytes;
}

export async function createCapacityPolicy(prisma: PrismaClient, input: CapacityPolicyInput, key: PolicyKey): Promise<CapacityPolicy> {
  const name = validName(field('name'), input.name);
  const owner = await organizationBySlug(prisma, field('owner'), input.owner);
  key.guard(owner.id, field('owner'));

  const targets = (['link', 'linkSet', 'network'] as const).filter((target) => input[target] != null);
  if (targets.length !== 1) {
    throw new InputError(targets.length === 0 ? ['input'] : field(targets[1]!), `give exactly one of link, linkSet and network${targets.length > 1 ? `, not ${targets.join(' and ')}` : ''}.`);
  }
  let linkId: string | null = null;
  let linkSetId: string | null = null;
  let networkId: string | null = null;
  if (input.link != null) {
    linkId = rowId(field('link'), input.link, 'Link');
    if (!(await key.seesLink(linkId))) throw new InputError(field('link'), 'no link with this id.', 'NOT_FOUND');
  } else if (input.linkSet != null) {
    linkSetId = rowId(field('linkSet'), input.linkSet, 'LinkSet');
    if (!(await key.seesLinkSet(linkSetId))) throw new InputError(field('linkSet'), 'no link set with this id.', 'NOT_FOUND');
  } else {
    networkId = (await organizationBySlug(prisma, field('network'), input.network!, 'SERVICE_PROVIDER')).id;
    // An ISP limits its own network; limiting another's would steer the coordinator away from it.
    if (key.scope !== null && networkId !== key.scope) throw new InputError(field('network'), 'a scoped key may only limit its own organization’s network.', 'FORBIDDEN');
  }
  const contentOwnerId = input.contentOwner == null ? null : (await organizationBySlug(prisma, field('contentOwner'), input.contentOwner, 'CONTENT_OWNER')).id;
  if (input.transferType != null && !TRANSFER_TYPES.includes(input.transferType)) throw new InputError(field('transferType'), `must be one of ${TRANSFER_TYPES.join(', ')}.`);
  const windowMinutes = windowMinutesOf(input.windowMinutes);
  const limitBytes = limitOf(input.limitBytes, input.rateBitsPerSecond, windowMinutes);

  return prisma.capacityPolicy.create({
    data: { name, ownerId: owner.id, linkId, linkSetId, networkId, contentOwnerId, transferType: input.transferType ?? null, limitBytes, windowMinutes },
  });
}

/**
 * Renames or changes the limit or the window. The limit stays bytes per window: a longer window
 * with the same limit is a lower rate. The state is left to the next evaluation.
 */
export async function updateCapacityPolicy(prisma: PrismaClient, id: string, change: CapacityPolicyChange, guard: OwnerGuard): Promise<CapacityPolicy> {
  const existing = await prisma.capacityPolicy.findUnique({ where: { id } });
  if (existing === null) throw new InputError(field('id'), 'no capacity policy with this id.', 'NOT_FOUND');
  guard(existing.ownerId, field('id'));
  const name = change.name == null ? undefined : validName(field('name'), change.name);
  const windowMinutes = change.windowMinutes == null ? undefined : windowMinutesOf(change.windowMinutes);
  const limitBytes = change.limitBytes == null ? undefined : limitOf(change.limitBytes, null, windowMinutes ?? existing.windowMinutes);
  return prisma.capacityPolicy.update({ where: { id }, data: { name, windowMinutes, limitBytes } });
}

/** Deletes a policy and its history; null when there was none. */
export async function deleteCapacityPolicy(prisma: PrismaClient, id: string, guard: OwnerGuard): Promise<CapacityPolicy | null> {
  const existing = await prisma.capacityPolicy.findUnique({ where: { id } });
  if (existing === null) return null;
  guard(existing.ownerId, field('id'));
  await prisma.capacityPolicy.delete({ where: { id } });
  return existing;
}

// --- evaluation ------------------------------------------------------------------------------

/** The first hour bucket a policy's window counts at `now` (see the top of this file). */
export function windowStart(now: Date, windowMinutes: number): Date {
  const start = now.getTime() - windowMinutes * 60_000;
  return new Date(start - (((start % HOUR_MS) + HOUR_MS) % HOUR_MS));
}

export interface PolicyEvaluation {
  policyId: string;
  value: bigint;
  state: PolicyState;
  /** Whether the state changed (and a PolicyStateChange was logged). */
  changed: boolean;
}

export interface EvaluationOptions {
  now: Date;
  /** Only these policies; all of them when absent. */
  policyIds?: readonly string[];
}

type Target = Pick<CapacityPolicy, 'id' | 'linkId' | 'linkSetId' | 'networkId' | 'contentOwnerId' | 'transferType' | 'windowMinutes'>;

/**
 * Measures every policy's window at `now` and records the outcome: lastValue and evaluatedAt
 * always; on a change of state also state, stateSince (= now), stateReason and a
 * PolicyStateChange, all in one transaction. Usage takes one query per kind of counter
 * (components for links and link sets, the cube for networks), whatever the number of policies.
 *
 * An evaluation never goes back in time: a policy already evaluated after `now` (a scheduler
 * catching up on missed instants while the live evaluation ran) is left as it is. Two evaluations
 * at once are serialized on the policies' rows, so a change of state is logged once.
 */
export async function evaluatePolicies(store: TrafficStore, options: EvaluationOptions): Promise<PolicyEvaluation[]> {
  const { prisma } = store;
  const now = options.now;
  const policies = await prisma.capacityPolicy.findMany({
    where: { ...(options.policyIds ? { id: { in: [...options.policyIds] } } : {}), OR: [{ evaluatedAt: null }, { evaluatedAt: { lte: now } }] },
    select: { id: true, linkId: true, linkSetId: true, networkId: true, contentOwnerId: true, transferType: true, windowMinutes: true },
  });
  if (policies.length === 0) return [];
  await store.counters.settle();
  const usage = await usageOf(prisma, policies, now);

  return prisma.$transaction(async (tx) => {
    // Locked, and read again: the state to compare with is the one no other evaluation can change
    // until this one commits.
    const current = await tx.$queryRawUnsafe<{ id: string; state: PolicyState; stateSince: Date; stateReason: string | null; limitBytes: string; evaluatedAt: Date | null }[]>(
      `SELECT "id", "state", "stateSince", "stateReason", "limitBytes"::text AS "limitBytes", "evaluatedAt" FROM "CapacityPolicy" WHERE "id" IN (SELECT jsonb_array_elements_text($1::jsonb)::uuid) ORDER BY "id" FOR UPDATE`,
      JSON.stringify(policies.map((policy) => policy.id)),
    );
    const outcomes: PolicyEvaluation[] = [];
    const rows: { id: string; value: string; state: PolicyState; since: string; reason: string | null }[] = [];
    const changes: { policyId: string; from: PolicyState; to: PolicyState; at: Date; value: bigint; reason: string }[] = [];
    const targets = new Map(policies.map((target) => [target.id, target]));
    for (const policy of current) {
      if (policy.evaluatedAt !== null && policy.evaluatedAt > now) continue;
      const target = targets.get(policy.id)!;
      const value = usage.get(policy.id) ?? 0n;
      const limit = BigInt(policy.limitBytes);
      const state: PolicyState = value > limit ? 'ENFORCED' : 'OK';
      const changed = state !== policy.state;
      const since = windowStart(now, target.windowMinutes).toISOString();
      const reason = `${value} bytes in the window since ${since}, ${state === 'ENFORCED' ? 'over' : 'within'} the limit of ${limit}.`;
      rows.push({ id: policy.id, value: value.toString(), state, since: (changed ? now : policy.stateSince).toISOString(), reason: changed ? reason : policy.stateReason });
      if (changed) changes.push({ policyId: policy.id, from: policy.state, to: state, at: now, value, reason });
      outcomes.push({ policyId: policy.id, value, state, changed });
    }
    if (rows.length > 0) {
      await tx.$executeRawUnsafe(
        `UPDATE "CapacityPolicy" AS c SET "lastValue" = p."value", "evaluatedAt" = $2::timestamp, "state" = p."state"::"PolicyState", "stateSince" = p."since", "stateReason" = p."reason"
         FROM jsonb_to_recordset($1::jsonb) AS p("id" uuid, "value" bigint, "state" text, "since" timestamp, "reason" text) WHERE c."id" = p."id"`,
        JSON.stringify(rows),
        now.toISOString(),
      );
    }
    if (changes.length > 0) await tx.policyStateChange.createMany({ data: changes });
    return outcomes;
  });
}

/** Bytes in each policy's window at `now`, by policy id; a policy with no traffic is absent. */
async function usageOf(prisma: PrismaClient, policies: readonly Target[], now: Date): Promise<Map<string, bigint>> {
  const componentsOf = await linkComponents(prisma, policies);
  const filters = (policy: Target) => ({
    policyId: policy.id,
    since: windowStart(now, policy.windowMinutes).toISOString(),
    contentOwnerId: policy.contentOwnerId,
    type: policy.transferType,
  });
  const componentRows = policies.flatMap((policy) => componentsOf(policy).map((componentId) => ({ ...filters(policy), targetId: componentId })));
  const networkRows = policies.flatMap((policy) => (policy.networkId ? [{ ...filters(policy), targetId: policy.networkId }] : []));

  const [components, networks] = await Promise.all([
    sumOver(prisma, componentRows, now, `"ComponentTraffic" AS t ON t."componentId" = w."targetId"`),
    sumOver(prisma, networkRows, now, `"TrafficRollup" AS t ON (t."sourceNetworkId" = w."targetId" OR t."destinationNetworkId" = w."targetId")`),
  ]);
  return new Map([...components, ...networks]);
}

/**
 * The link components each policy covers: its link's, or its link set's members' (as they are
 * now); none for a network, or for a link deleted since. Two queries for any number of policies.
 */
async function linkComponents(prisma: PrismaClient, policies: readonly Pick<CapacityPolicy, 'linkId' | 'linkSetId'>[]): Promise<(policy: Pick<CapacityPolicy, 'linkId' | 'linkSetId'>) => string[]> {
  const linkIds = [...new Set(policies.flatMap((policy) => (policy.linkId ? [policy.linkId] : [])))];
  const linkSetIds = [...new Set(policies.flatMap((policy) => (policy.linkSetId ? [policy.linkSetId] : [])))];
  const [links, members] = await Promise.all([
    linkIds.length === 0 ? [] : prisma.link.findMany({ where: { id: { in: linkIds } }, select: { id: true, componentId: true } }),
    linkSetIds.length === 0 ? [] : prisma.linkSetMember.findMany({ where: { linkSetId: { in: linkSetIds } }, select: { linkSetId: true, link: { select: { componentId: true } } } }),
  ]);
  const ofLink = new Map(links.map((link) => [link.id, link.componentId]));
  const ofSet = new Map<string, string[]>();
  for (const member of members) ofSet.set(member.linkSetId, [...(ofSet.get(member.linkSetId) ?? []), member.link.componentId]);
  return (policy) => {
    if (policy.linkId) return ofLink.has(policy.linkId) ? [ofLink.get(policy.linkId)!] : [];
    if (policy.linkSetId) return ofSet.get(policy.linkSetId) ?? [];
    return [];
  };
}

interface WindowRow {
  policyId: string;
  targetId: string;
  since: string;
  contentOwnerId: string | null;
  type: TransferType | null;
}

/** One statement for all windows over one counter table: each row of `windows` joined with its buckets. */
async function sumOver(prisma: PrismaClient, windows: readonly WindowRow[], now: Date, join: string): Promise<Map<string, bigint>> {
  if (windows.length === 0) return new Map();
  const sums = await prisma.$queryRawUnsafe<{ policyId: string; bytes: string }[]>(
    `SELECT w."policyId"::text AS "policyId", sum(t."bytes")::text AS "bytes"
       FROM jsonb_to_recordset($1::jsonb) AS w("policyId" uuid, "targetId" uuid, "since" timestamp, "contentOwnerId" uuid, "type" text)
       JOIN ${join}
        AND t."bucket" >= w."since" AND t."bucket" <= $2::timestamp
        AND (w."contentOwnerId" IS NULL OR t."contentOwnerId" = w."contentOwnerId")
        AND (w."type" IS NULL OR t."type"::text = w."type")
      GROUP BY w."policyId"`,
    JSON.stringify(windows),
    now.toISOString(),
  );
  return new Map(sums.map((row) => [row.policyId, BigInt(row.bytes)]));
}

// --- what the coordinator needs ----------------------------------------------------------------

/** An ENFORCED policy as the coordinator routes around it. */
export interface EnforcedPolicy {
  policyId: string;
  name: string;
  /** The link components it covers (a link's one, a link set's members'); empty for a network. */
  componentIds: string[];
  /** The ISP whose subscribers' traffic it covers; null for a link or a link set. */
  networkId: string | null;
  /** Only this content owner's traffic is limited; null for all. */
  contentOwnerId: string | null;
  /** Only this transfer type is limited; null for all. */
  transferType: TransferType | null;
  since: Date;
  reason: string | null;
}

/** Every ENFORCED policy, with what it covers, in three queries. */
export async function enforcedPolicies(prisma: PrismaClient): Promise<EnforcedPolicy[]> {
  const policies = await prisma.capacityPolicy.findMany({ where: { state: 'ENFORCED' }, orderBy: { id: 'asc' } });
  const componentsOf = await linkComponents(prisma, policies);
  return policies.map((policy) => ({
    policyId: policy.id,
    name: policy.name,
    componentIds: componentsOf(policy),
    networkId: policy.networkId,
    contentOwnerId: policy.contentOwnerId,
    transferType: policy.transferType,
    since: policy.stateSince,
    reason: policy.stateReason,
  }));
}
