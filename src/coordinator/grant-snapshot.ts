// The uplink grants in force, with how much each has been used in its current cap period, held
// in memory for the coordinator: a request checks a peer against them without a query. Use comes
// from the grant counters, which trail recording by the counter journal's fold (a fraction of a
// second) plus the snapshot's age (a few seconds): a cap can be overrun by what is uploaded in
// that time, never by more.
import type { UplinkGrantBasis, UplinkGrantScope } from '../generated/prisma/enums.ts';
import type { PrismaClient, UplinkGrant } from '../generated/prisma/client.ts';
import { periodContaining } from '../contracts/periods.ts';
import { utcInstantOf, utcOffsetMs } from '../accounting/time-window.ts';
import type { Peer } from './availability.ts';
import type { Permit } from './selection.ts';

export interface ActiveGrant {
  id: string;
  networkId: string;
  distributorId: string;
  scope: UplinkGrantScope;
  basis: UplinkGrantBasis;
  validFrom: number;
  validUntil: number | null;
  capBytes: bigint | null;
  perClientRateBps: number | null;
  /** For LISTED_CLIENTS. */
  clients: ReadonlySet<string> | null;
  /** Uploaded under it since its current cap period began. */
  usedBytes: bigint;
}

export interface GrantSnapshot {
  byNetwork: ReadonlyMap<string, readonly ActiveGrant[]>;
}

/** The start of the cap period holding `now`: the local day or month in the grant's zone. */
export function capPeriodStart(capPeriod: 'DAY' | 'MONTH', timeZone: string, now: Date): Date {
  if (capPeriod === 'MONTH') return periodContaining('MONTH', timeZone, now).start;
  const local = new Date(now.getTime() + utcOffsetMs(timeZone, now));
  return utcInstantOf({ year: local.getUTCFullYear(), month: local.getUTCMonth() + 1, day: local.getUTCDate() }, timeZone);
}

export async function loadGrantSnapshot(prisma: PrismaClient, now: Date): Promise<GrantSnapshot> {
  const grants = await prisma.uplinkGrant.findMany({
    where: { revokedAt: null, OR: [{ validUntil: null }, { validUntil: { gt: now } }] },
    include: { clients: { select: { clientId: true } } },
    orderBy: { createdAt: 'asc' },
  });
  const usedBytes = await grantUsage(prisma, grants, now);
  const byNetwork = new Map<string, ActiveGrant[]>();
  for (const grant of grants) {
    const active: ActiveGrant = {
      id: grant.id,
      networkId: grant.networkId,
      distributorId: grant.distributorId,
      scope: grant.scope,
      basis: grant.basis,
      validFrom: grant.validFrom.getTime(),
      validUntil: grant.validUntil?.getTime() ?? null,
      capBytes: grant.capBytes,
      perClientRateBps: grant.perClientRateBps === null ? null : Number(grant.perClientRateBps),
      clients: grant.scope === 'LISTED_CLIENTS' ? new Set(grant.clients.map((c) => c.clientId)) : null,
      usedBytes: usedBytes.get(grant.id) ?? 0n,
    };
    const list = byNetwork.get(grant.networkId);
    if (list) list.push(active);
    else byNetwork.set(grant.networkId, [active]);
  }
  return { byNetwork };
}

/** What each grant's subscribers uploaded under it since its current cap period began, in one query. */
export async function grantUsage(prisma: PrismaClient, grants: readonly Pick<UplinkGrant, 'id' | 'capPeriod' | 'timeZone'>[], now: Date): Promise<Map<string, bigint>> {
  if (grants.length === 0) return new Map();
  const starts = grants.map((grant) => capPeriodStart(grant.capPeriod, grant.timeZone, now));
  const used = await prisma.$queryRawUnsafe<{ grantId: string; bytes: string }[]>(
    `SELECT g."grantId"::text AS "grantId", sum(g."bytes")::text AS "bytes" FROM "GrantTraffic" g
     JOIN unnest($1::uuid[], $2::timestamp[]) AS p("grantId", "start") ON p."grantId" = g."grantId" WHERE g."bucket" >= p."start" GROUP BY 1`,
    `{${grants.map((grant) => grant.id).join(',')}}`,
    `{${starts.map((start) => start.toISOString()).join(',')}}`,
  );
  return new Map(used.map((row) => [row.grantId, BigInt(row.bytes)]));
}

const BASIS: Record<UplinkGrantBasis, string> = { PARTNERSHIP_AGREEMENT: 'partnership agreement', CLIENT_SOFTWARE: 'client software' };

/**
 * The grant under which this peer may upload this content now, or why none: its ISP must have
 * granted the content's distributor the use of its subscribers' uplink, for this peer (by scope),
 * in force now and under its cap. Its rate is the peer's spare uplink, held to the grant's
 * per-client rate.
 */
export function permitFor(snapshot: GrantSnapshot, peer: Peer, content: { distributorId: string | null }, now: Date): Permit | { refused: string } {
  const grants = (snapshot.byNetwork.get(peer.networkId) ?? []).filter((grant) => grant.distributorId === content.distributorId);
  if (grants.length === 0) return { refused: 'its ISP has granted this content’s distributor no use of its subscribers’ uplink' };
  let refused = '';
  const at = now.getTime();
  for (const grant of grants) {
    if (at < grant.validFrom) refused ||= `its ISP’s grant starts ${new Date(grant.validFrom).toISOString()}`;
    else if (grant.validUntil !== null && at >= grant.validUntil) refused ||= 'its ISP’s grant has ended';
    else if (grant.scope === 'LISTED_CLIENTS' && !grant.clients?.has(peer.clientId)) refused ||= 'it is not among the clients its ISP’s grant lists';
    else if (grant.scope === 'OPTED_IN_CLIENTS' && !peer.optedIn) refused ||= 'its user has not opted in to serving others';
    else if (grant.capBytes !== null && grant.usedBytes >= grant.capBytes) refused ||= `its ISP’s grant is at its cap (${grant.usedBytes} of ${grant.capBytes} bytes this period)`;
    else if (peer.spareUplinkBps <= 0) refused ||= 'it has no spare uplink';
    else {
      const capacityBps = grant.perClientRateBps === null ? peer.spareUplinkBps : Math.min(peer.spareUplinkBps, grant.perClientRateBps);
      return { grantId: grant.id, capacityBps, basis: BASIS[grant.basis] };
    }
  }
  return { refused };
}
