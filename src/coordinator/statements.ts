// An ISP's uplink statement: for each grant it gave, what its subscribers uploaded under it in a
// period, at the grant's rate. Periods are months (`2026-10`) or quarters (`2026-Q4`) in each
// grant's time zone; bytes come from the grant counters (hour buckets starting in the period).
import { Decimal } from 'decimal.js';
import type { CounterJournal } from '../accounting/counter-journal.ts';
import { periodByLabel } from '../contracts/periods.ts';
import { bytesToGb, roundToMinorUnit } from '../contracts/pricing.ts';
import { InputError } from '../domain/input-error.ts';
import type { PrismaClient, UplinkGrant } from '../generated/prisma/client.ts';

export interface UplinkStatementLine {
  grant: UplinkGrant;
  bytes: bigint;
  transfers: bigint;
  /** GB, exact. */
  quantity: string;
  ratePerGb: string;
  /** Rounded once to the currency's minor unit, half to even. */
  amount: string;
  currency: string;
}

export interface UplinkStatement {
  networkId: string;
  period: string;
  lines: UplinkStatementLine[];
}

const PERIOD = /^\d{4}-(0[1-9]|1[0-2]|Q[1-4])$/;

export async function uplinkStatement(prisma: PrismaClient, counters: Pick<CounterJournal, 'settle'>, networkId: string, period: string): Promise<UplinkStatement> {
  if (!PERIOD.test(period)) throw new InputError(['period'], `"${period}" is not a period: a month like 2026-10 or a quarter like 2026-Q4.`);
  const kind = period.includes('Q') ? 'QUARTER' : 'MONTH';
  const grants = await prisma.uplinkGrant.findMany({ where: { networkId }, orderBy: { createdAt: 'asc' } });
  await counters.settle();
  const bounds = grants.map((grant) => periodByLabel(kind, grant.timeZone, period));
  const usage =
    grants.length === 0
      ? []
      : await prisma.$queryRawUnsafe<{ grantId: string; bytes: string; transfers: string }[]>(
          `SELECT g."grantId"::text AS "grantId", sum(g."bytes")::text AS "bytes", sum(g."transfers")::text AS "transfers"
           FROM "GrantTraffic" g JOIN unnest($1::uuid[], $2::timestamp[], $3::timestamp[]) AS p("grantId", "start", "end") ON p."grantId" = g."grantId"
           WHERE g."bucket" >= p."start" AND g."bucket" < p."end" GROUP BY 1`,
          `{${grants.map((g) => g.id).join(',')}}`,
          `{${bounds.map((b) => b.start.toISOString()).join(',')}}`,
          `{${bounds.map((b) => b.end.toISOString()).join(',')}}`,
        );
  const used = new Map(usage.map((row) => [row.grantId, row]));
  const lines = grants.flatMap((grant) => {
    const row = used.get(grant.id);
    if (!row) return [];
    const bytes = BigInt(row.bytes);
    const quantity = bytesToGb(bytes);
    const rate = new Decimal(grant.ratePerGb.toString());
    return [
      {
        grant,
        bytes,
        transfers: BigInt(row.transfers),
        quantity: quantity.toString(),
        ratePerGb: rate.toString(),
        amount: roundToMinorUnit(quantity.times(rate), grant.currency).toFixed(),
        currency: grant.currency,
      },
    ];
  });
  return { networkId, period, lines };
}
