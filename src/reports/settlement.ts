// Settlement: a billing period's draft invoices, computed from the contracts' terms and the
// counters, per contract and per payer and payee.
//
// The rules, where the issue left them open:
// - Which contracts: the one named, or every contract billed by the label's kind (a month label
//   settles MONTH contracts, a quarter label QUARTER ones) that runs during the period (its
//   adjustments only, when it ended during the period before). The period is the label's in each
//   contract's own time zone, and it must have ended there for every contract settled.
// - The period is cut where the contract starts or ends and where a new version of its terms
//   takes effect; each part is priced with its own version on its own usage (pricing.ts: no
//   proration). Time no version governs is not billed. Lines of a part that is not the whole
//   period carry its label ("2026-10-01 00:00 – 2026-10-15 00:00", local time, half-open).
// - What is measured in a part (hourly counters whose hour starts in it, settlement-usage.ts):
//   for usage terms an accounting object's bytes, whatever its metric (prices are per GB); for
//   PER_COMPONENT the bytes of the payer's content on each network component, summed per owner,
//   so a transfer counts on every owned component it crossed (the claims' fee per component);
//   for NETTING the bytes that crossed from the payer's components to the payee's and back.
// - Who pays whom: usage terms and the balanced or payer-pays netting line go on the contract's
//   payer → payee invoice; a netting the payee owes goes on payee → payer; PER_COMPONENT puts each
//   network owner's line (bytes of the payer's content its components carried, the payer's own
//   components and unowned ones excluded) on payer → that owner. A minimum commitment applies to
//   each invoice the payer pays under the contract, per part: its shortfall line tops that
//   invoice's part up; the payer → payee invoice is always measured, even with no other line.
//   Invoices with no line are not made.
// - Re-running replaces the drafts of the contract and period (same invoice ids for the same
//   payer and payee) and computes the same lines. An ISSUED invoice is never touched and no draft
//   is made beside it for the same payer, payee and period; a VOID one is kept and a new draft made.
// - Late usage: every ISSUED invoice of an earlier period of a settled contract is priced again on
//   current counters (its own period's lines only). What that comes to minus what was billed for
//   that period (the invoice's own non-adjustment lines, plus adjustment lines for it on issued
//   invoices and on drafts of other periods) is one ADJUSTMENT line on this period's draft for the
//   same payer and payee, pointing at it. Counting other periods' drafts means two periods settled
//   before either is issued never bill the same late usage twice. Each run prices every issued
//   period again, so its cost grows with the contract's issued history.
// - The computation reads outside any transaction; the write locks the contracts, checks that no
//   invoice of theirs changed meanwhile (else computes again) and replaces the drafts in one
//   transaction.
import { Decimal } from 'decimal.js';
import type { CounterJournal } from '../accounting/counter-journal.ts';
import { arrayLiteral, uuidV7 } from '../accounting/event-rows.ts';
import { utcOffsetMs, type UtcInterval } from '../accounting/time-window.ts';
import { periodByLabel, previousPeriod, splitByVersions, type Period } from '../contracts/periods.ts';
import { Exact, minimumCommitmentShortfall, priceNetting, pricePerComponent, priceUplink, priceUsage, type InvoiceLine as PricedLine } from '../contracts/pricing.ts';
import { isUsageTerm, versionOf, type ContractTerm, type TermsVersion } from '../contracts/terms.ts';
import { InputError } from '../domain/input-error.ts';
import type { Invoice, Prisma, PrismaClient } from '../generated/prisma/client.ts';
import type { BillingPeriod, InvoiceLineKind } from '../generated/prisma/enums.ts';
import type { UserErrorCode } from '../generated/graphql.ts';
import { measure, UsageRequests, type MeasuredUsage } from './settlement-usage.ts';

const PERIOD_OPEN: UserErrorCode = 'PERIOD_OPEN';
const PERIOD: readonly string[] = ['input', 'period'];
const CONTRACT: readonly string[] = ['input', 'contract'];
/** How often a settlement computes again when invoices changed under it before it gives up. */
const ATTEMPTS = 3;

export interface SettlementOptions {
  /** "2026-10" or "2026-Q4". */
  period: string;
  /** A contract's row id: settle only it. */
  contractId?: string;
  /** When the run happens (the period must have ended by then); now by default. */
  now?: Date;
}

export interface DraftLine {
  kind: InvoiceLineKind;
  description: string;
  quantity: Decimal;
  unitPrice: Decimal;
  amount: Decimal;
  accountingObjectId: string | null;
  networkOwnerId: string | null;
  part: string | null;
  adjustsInvoiceId: string | null;
}

export interface Draft {
  contractId: string;
  payerId: string;
  payeeId: string;
  lines: DraftLine[];
}

interface SettledContract {
  id: string;
  payerId: string;
  payeeId: string;
  payerSlug: string;
  payeeSlug: string;
  currency: string;
  timeZone: string;
  startsAt: Date;
  endsAt: Date | null;
  /** Its accounting objects, in id order. */
  objectIds: string[];
  versions: TermsVersion[];
  period: Period;
}

interface Part extends UtcInterval {
  terms: readonly ContractTerm[];
  label: string | null;
  /** Objects each usage term prices (the one it names, or the others). */
  targets: ReadonlyMap<ContractTerm, readonly string[]>;
}

const invoiceKey = (payerId: string, payeeId: string) => `${payerId}|${payeeId}`;

// ---------------------------------------------------------------------------------------------
// Periods and parts

function labelKind(label: string): BillingPeriod {
  return /^\d{4}-Q/.test(label) ? 'QUARTER' : 'MONTH';
}

function periodOf(kind: BillingPeriod, timeZone: string, label: string): Period {
  try {
    return periodByLabel(kind, timeZone, label);
  } catch (error) {
    if (error instanceof RangeError) throw new InputError(PERIOD, error.message);
    throw error;
  }
}

const pad = (value: number) => String(value).padStart(2, '0');

/** Local date and time of an instant: "2026-10-15 00:00". */
function localTime(at: Date, timeZone: string): string {
  const local = new Date(at.getTime() + utcOffsetMs(timeZone, at));
  return `${local.getUTCFullYear()}-${pad(local.getUTCMonth() + 1)}-${pad(local.getUTCDate())} ${pad(local.getUTCHours())}:${pad(local.getUTCMinutes())}`;
}

/** The stretches of `interval` the contract runs in, each with the version that governs it. */
function partsOf(contract: SettledContract, interval: UtcInterval): Part[] {
  const start = Math.max(interval.start.getTime(), contract.startsAt.getTime());
  const end = Math.min(interval.end.getTime(), contract.endsAt?.getTime() ?? Infinity);
  if (start >= end) return [];
  return splitByVersions({ start: new Date(start), end: new Date(end) }, contract.versions).map((split) => {
    const whole = split.start.getTime() === interval.start.getTime() && split.end.getTime() === interval.end.getTime();
    const terms = split.version.terms;
    const named = new Set(terms.filter(isUsageTerm).flatMap((term) => (term.accountingObjectId === null ? [] : [term.accountingObjectId])));
    const others = contract.objectIds.filter((id) => !named.has(id));
    const targets = new Map(terms.filter(isUsageTerm).map((term) => [term as ContractTerm, term.accountingObjectId === null ? others : [term.accountingObjectId]]));
    return {
      start: split.start,
      end: split.end,
      terms,
      targets,
      label: whole ? null : `${localTime(split.start, contract.timeZone)} – ${localTime(split.end, contract.timeZone)}`,
    };
  });
}

function requestUsage(requests: UsageRequests, contract: SettledContract, parts: readonly Part[]): void {
  for (const part of parts) {
    for (const term of part.terms) {
      if (term.kind === 'PER_COMPONENT') requests.carried(part, contract.payerId);
      else if (term.kind === 'NETTING') requests.exchange(part, contract.payerId, contract.payeeId);
      else if (term.kind === 'UPLINK') requests.uplinked(part, contract.id);
      else for (const id of part.targets.get(term) ?? []) requests.objectBytes(part, id);
    }
  }
}

// ---------------------------------------------------------------------------------------------
// Pricing

/** The lines of one stretch of a contract, by invoice (payer → payee), in the order they came. */
class Billing {
  readonly invoices = new Map<string, Draft>();

  constructor(private readonly contractId: string) {}

  lines(payerId: string, payeeId: string): DraftLine[] {
    const key = invoiceKey(payerId, payeeId);
    let draft = this.invoices.get(key);
    if (!draft) {
      draft = { contractId: this.contractId, payerId, payeeId, lines: [] };
      this.invoices.set(key, draft);
    }
    return draft.lines;
  }

  total(payerId: string, payeeId: string): Decimal {
    return (this.invoices.get(invoiceKey(payerId, payeeId))?.lines ?? []).reduce((sum, line) => sum.plus(line.amount), new Exact(0));
  }
}

const drafted = (line: PricedLine, extra: Partial<DraftLine> = {}): DraftLine => ({
  kind: line.kind,
  description: line.description,
  quantity: line.quantity,
  unitPrice: line.unitPrice,
  amount: line.amount,
  accountingObjectId: null,
  networkOwnerId: null,
  part: null,
  adjustsInvoiceId: null,
  ...extra,
});

/** The contract's lines over the parts, by invoice. */
function price(contract: SettledContract, parts: readonly Part[], usage: MeasuredUsage, objectNames: ReadonlyMap<string, string>): Billing {
  const billing = new Billing(contract.id);
  const { payerId, payeeId, currency } = contract;
  for (const part of parts) {
    const stretch = new Billing(contract.id);
    const base = stretch.lines(payerId, payeeId);
    for (const term of part.terms) {
      switch (term.kind) {
        case 'FLAT_WITH_OVERAGE':
        case 'GRADUATED':
        case 'VOLUME':
          for (const id of part.targets.get(term) ?? []) {
            const name = objectNames.get(id) ?? id;
            for (const line of priceUsage([term], { bytes: usage.objectBytes(part, id) }, currency)) {
              base.push(drafted(line, { description: `${name}: ${line.description}`, accountingObjectId: id }));
            }
          }
          break;
        case 'PER_COMPONENT': {
          // The payer does not bill itself for its own network.
          const shares = usage.carried(part, payerId).filter((share) => share.ownerId !== payerId);
          const lines = pricePerComponent(term, new Map(shares.map((share) => [share.slug, share.bytes])), currency);
          lines.forEach((line, index) => {
            const owner = shares[index]!.ownerId;
            stretch.lines(payerId, owner).push(drafted(line, { networkOwnerId: owner }));
          });
          break;
        }
        case 'NETTING': {
          const settled = priceNetting(term, { aToB: usage.crossed(part, payerId, payeeId), bToA: usage.crossed(part, payeeId, payerId) }, currency);
          const [from, to] = settled.payer === 'B' ? [contract.payeeSlug, contract.payerSlug] : [contract.payerSlug, contract.payeeSlug];
          const description = settled.payer === null ? `Net traffic between ${from} and ${to} (balanced)` : `Net traffic from ${from} to ${to}`;
          const lines = settled.payer === 'B' ? stretch.lines(payeeId, payerId) : base;
          lines.push(drafted(settled.line, { description }));
          break;
        }
        case 'UPLINK':
          base.push(...priceUplink(term, usage.uplinked(part, contract.id), currency).map((line) => drafted(line)));
          break;
        case 'MINIMUM_COMMITMENT':
          break;
      }
    }
    const minimum = part.terms.find((term) => term.kind === 'MINIMUM_COMMITMENT');
    for (const draft of stretch.invoices.values()) {
      if (minimum && draft.payerId === payerId) {
        draft.lines.push(...minimumCommitmentShortfall(minimum, draft.lines, currency).map((line) => drafted(line)));
      }
      if (draft.lines.length === 0) continue;
      billing.lines(draft.payerId, draft.payeeId).push(...draft.lines.map((line) => ({ ...line, part: part.label })));
    }
  }
  return billing;
}

// ---------------------------------------------------------------------------------------------
// Reading what is settled

async function contractsToSettle(prisma: PrismaClient, options: SettlementOptions, now: Date): Promise<SettledContract[]> {
  const kind = labelKind(options.period);
  // Validates the label before anything is read; each contract's own zone comes below.
  const utc = periodOf(kind, 'UTC', options.period);
  const DAY = 86_400_000;
  const where: Prisma.ContractWhereInput =
    options.contractId !== undefined
      ? { id: options.contractId }
      : {
          billingPeriod: kind,
          // Zones are at most a day from UTC; the exact overlap is checked in each contract's zone.
          startsAt: { lt: new Date(utc.end.getTime() + DAY) },
          OR: [{ endsAt: null }, { endsAt: { gt: new Date(previousPeriod(utc).start.getTime() - DAY) } }],
        };
  const rows = await prisma.contract.findMany({
    where,
    orderBy: { id: 'asc' },
    include: {
      payer: { select: { slug: true } },
      payee: { select: { slug: true } },
      accountingObjects: { select: { accountingObjectId: true }, orderBy: { accountingObjectId: 'asc' } },
      terms: { select: { id: true, contractId: true, effectiveFrom: true, terms: true } },
    },
  });
  if (options.contractId !== undefined) {
    const [row] = rows;
    if (row === undefined) throw new InputError(CONTRACT, 'no contract with this id.', 'NOT_FOUND');
    if (row.billingPeriod !== kind) {
      const example = row.billingPeriod === 'MONTH' ? '"2026-10"' : '"2026-Q4"';
      throw new InputError(PERIOD, `the contract is billed by ${row.billingPeriod.toLowerCase()}: name one like ${example}.`);
    }
  }

  const contracts: SettledContract[] = [];
  for (const row of rows) {
    const period = periodOf(kind, row.timeZone, options.period);
    // It runs during the period, or ran during the one before (late usage of its last period).
    const runsFrom = previousPeriod(period).start;
    const runs = row.startsAt < period.end && (row.endsAt === null || row.endsAt > runsFrom);
    if (!runs) {
      if (options.contractId !== undefined) {
        const until = row.endsAt === null ? '' : ` until ${row.endsAt.toISOString()}`;
        throw new InputError(PERIOD, `the contract runs from ${row.startsAt.toISOString()}${until}: ${options.period} is outside it.`);
      }
      continue;
    }
    if (now < period.end) {
      throw new InputError(PERIOD, `${options.period} has not ended yet in ${row.timeZone}: it ends at ${period.end.toISOString()}.`, PERIOD_OPEN);
    }
    contracts.push({
      id: row.id,
      payerId: row.payerId,
      payeeId: row.payeeId,
      payerSlug: row.payer.slug,
      payeeSlug: row.payee.slug,
      currency: row.currency,
      timeZone: row.timeZone,
      startsAt: row.startsAt,
      endsAt: row.endsAt,
      objectIds: row.accountingObjects.map((o) => o.accountingObjectId),
      versions: row.terms.map(versionOf),
      period,
    });
  }
  return contracts;
}

interface IssuedInvoice {
  id: string;
  contractId: string;
  period: string;
  periodStart: Date;
  periodEnd: Date;
  payerId: string;
  payeeId: string;
  number: string | null;
  /** What it and later adjustments billed for its own period. */
  billed: Decimal;
}

const exact = (value: { toString(): string } | null | undefined) => new Exact(value?.toString() ?? 0);

/** Issued invoices of periods before each contract's settled one, with what was billed for each. */
async function issuedEarlier(prisma: PrismaClient, contracts: readonly SettledContract[], label: string): Promise<IssuedInvoice[]> {
  if (contracts.length === 0) return [];
  const starts = new Map(contracts.map((c) => [c.id, c.period.start.getTime()]));
  const invoices = (
    await prisma.invoice.findMany({
      where: { contractId: { in: [...starts.keys()] }, status: 'ISSUED' },
      orderBy: [{ periodStart: 'asc' }, { number: 'asc' }],
      select: { id: true, contractId: true, period: true, periodStart: true, periodEnd: true, payerId: true, payeeId: true, number: true },
    })
  ).filter((invoice) => invoice.periodStart.getTime() < starts.get(invoice.contractId)!);
  if (invoices.length === 0) return [];
  const ids = invoices.map((invoice) => invoice.id);
  const [own, adjustments] = await Promise.all([
    prisma.invoiceLine.groupBy({ by: ['invoiceId'], where: { invoiceId: { in: ids }, kind: { not: 'ADJUSTMENT' } }, _sum: { amount: true } }),
    prisma.invoiceLine.groupBy({
      by: ['adjustsInvoiceId'],
      where: { adjustsInvoiceId: { in: ids }, kind: 'ADJUSTMENT', invoice: { OR: [{ status: 'ISSUED' }, { status: 'DRAFT', period: { not: label } }] } },
      _sum: { amount: true },
    }),
  ]);
  const ownSum = new Map(own.map((row) => [row.invoiceId, exact(row._sum.amount)]));
  const adjusted = new Map(adjustments.map((row) => [row.adjustsInvoiceId, exact(row._sum.amount)]));
  return invoices.map((invoice) => ({ ...invoice, billed: (ownSum.get(invoice.id) ?? new Exact(0)).plus(adjusted.get(invoice.id) ?? 0) }));
}

/** Every invoice of the contracts but the drafts being replaced: if it changes, the computation is stale. */
async function invoiceState(db: Pick<PrismaClient, 'invoice'>, contractIds: readonly string[], label: string): Promise<string> {
  const rows = await db.invoice.findMany({
    where: { contractId: { in: [...contractIds] }, NOT: { status: 'DRAFT', period: label } },
    orderBy: { id: 'asc' },
    select: { id: true, status: true, computedAt: true },
  });
  return rows.map((row) => `${row.id}:${row.status}:${row.computedAt.getTime()}`).join(',');
}

// ---------------------------------------------------------------------------------------------
// Computing and writing

async function computeDrafts(prisma: PrismaClient, contracts: readonly SettledContract[], issued: readonly IssuedInvoice[]): Promise<Draft[]> {
  const requests = new UsageRequests();
  const partsByContract = new Map<string, Part[]>();
  for (const contract of contracts) {
    const parts = partsOf(contract, contract.period);
    partsByContract.set(contract.id, parts);
    requestUsage(requests, contract, parts);
  }
  // Each earlier issued period, priced again on today's counters.
  const contractById = new Map(contracts.map((c) => [c.id, c]));
  const repriced = new Map<string, { contract: SettledContract; parts: Part[] }>();
  const earlierKey = (invoice: IssuedInvoice) => `${invoice.contractId}|${invoice.periodStart.toISOString()}|${invoice.periodEnd.toISOString()}`;
  for (const invoice of issued) {
    const key = earlierKey(invoice);
    if (repriced.has(key)) continue;
    const contract = contractById.get(invoice.contractId)!;
    const parts = partsOf(contract, { start: invoice.periodStart, end: invoice.periodEnd });
    repriced.set(key, { contract, parts });
    requestUsage(requests, contract, parts);
  }

  const objectIds = new Set<string>();
  for (const parts of [...partsByContract.values(), ...[...repriced.values()].map((earlier) => earlier.parts)]) {
    for (const part of parts) for (const ids of part.targets.values()) for (const id of ids) objectIds.add(id);
  }
  const [usage, objects] = await Promise.all([
    measure(prisma, requests),
    prisma.$queryRawUnsafe<{ id: string; name: string }[]>(`SELECT "id"::text AS "id", "name" FROM "AccountingObject" WHERE "id" = ANY($1::uuid[])`, arrayLiteral([...objectIds])),
  ]);
  const objectNames = new Map(objects.map((o) => [o.id, o.name]));

  const drafts: Draft[] = [];
  const earlierBillings = new Map([...repriced].map(([key, { contract, parts }]) => [key, price(contract, parts, usage, objectNames)]));
  const issuedOf = new Map<string, IssuedInvoice[]>();
  for (const invoice of issued) issuedOf.set(invoice.contractId, [...(issuedOf.get(invoice.contractId) ?? []), invoice]);
  for (const contract of contracts) {
    const billing = price(contract, partsByContract.get(contract.id)!, usage, objectNames);
    for (const invoice of issuedOf.get(contract.id) ?? []) {
      const difference = earlierBillings.get(earlierKey(invoice))!.total(invoice.payerId, invoice.payeeId).minus(invoice.billed);
      if (difference.isZero()) continue;
      billing.lines(invoice.payerId, invoice.payeeId).push({
        kind: 'ADJUSTMENT',
        description: `Adjustment to ${invoice.number ?? invoice.id} (${invoice.period}): usage recorded after it was issued`,
        quantity: new Exact(1),
        unitPrice: difference,
        amount: difference,
        accountingObjectId: null,
        networkOwnerId: null,
        part: null,
        adjustsInvoiceId: invoice.id,
      });
    }
    for (const draft of billing.invoices.values()) if (draft.lines.length > 0) drafts.push(draft);
  }
  return drafts;
}

/** The invoices' totals: the sum of their lines' rounded amounts. */
const totalOf = (draft: Draft) => draft.lines.reduce((sum, line) => sum.plus(line.amount), new Exact(0));

const INSERT_INVOICES =
  `INSERT INTO "Invoice" ("id", "contractId", "period", "periodStart", "periodEnd", "payerId", "payeeId", "currency", "status", "total", "computedAt", "createdAt", "updatedAt") ` +
  `SELECT i::uuid, c::uuid, $3, s::timestamp, e::timestamp, pa::uuid, pb::uuid, cur, 'DRAFT', t::numeric, $10::timestamp, $10::timestamp, $10::timestamp ` +
  `FROM unnest($1::text[], $2::text[], $4::text[], $5::text[], $6::text[], $7::text[], $8::text[], $9::text[]) AS x(i, c, s, e, pa, pb, cur, t)`;

const INSERT_LINES =
  `INSERT INTO "InvoiceLine" ("id", "invoiceId", "position", "kind", "description", "quantity", "unitPrice", "amount", "accountingObjectId", "networkOwnerId", "part", "adjustsInvoiceId") ` +
  `SELECT i::uuid, v::uuid, p::int, k::"InvoiceLineKind", d, q::numeric, u::numeric, a::numeric, o::uuid, n::uuid, pt, adj::uuid ` +
  `FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[], $6::text[], $7::text[], $8::text[], $9::text[], $10::text[], $11::text[], $12::text[]) ` +
  `AS x(i, v, p, k, d, q, u, a, o, n, pt, adj)`;

class InvoicesChanged extends Error {}

/** Replaces the drafts of the contracts' period with these; returns the new drafts' ids in order. */
async function writeDrafts(
  prisma: PrismaClient,
  contracts: readonly SettledContract[],
  label: string,
  drafts: readonly Draft[],
  state: string,
  computedAt: Date,
): Promise<string[]> {
  const contractIds = contracts.map((c) => c.id);
  const byId = new Map(contracts.map((c) => [c.id, c]));
  return prisma.$transaction(
    async (tx) => {
      // Issuing and voiding take the same locks: nothing changes these contracts' invoices until commit.
      await tx.$queryRawUnsafe(`SELECT "id" FROM "Contract" WHERE "id" = ANY($1::uuid[]) ORDER BY "id" FOR UPDATE`, contractIds);
      if ((await invoiceState(tx, contractIds, label)) !== state) throw new InvoicesChanged();
      const existing = await tx.invoice.findMany({
        where: { contractId: { in: contractIds }, period: label, status: { in: ['DRAFT', 'ISSUED'] } },
        select: { id: true, contractId: true, payerId: true, payeeId: true, status: true },
      });
      const keyOf = (row: { contractId: string; payerId: string; payeeId: string }) => `${row.contractId}|${invoiceKey(row.payerId, row.payeeId)}`;
      const issued = new Set(existing.filter((row) => row.status === 'ISSUED').map(keyOf));
      const reused = new Map(existing.filter((row) => row.status === 'DRAFT').map((row) => [keyOf(row), row.id]));
      await tx.invoice.deleteMany({ where: { contractId: { in: contractIds }, period: label, status: 'DRAFT' } });

      const written = drafts.filter((draft) => !issued.has(keyOf(draft)));
      if (written.length === 0) return [];
      const ids = written.map((draft) => reused.get(keyOf(draft)) ?? uuidV7());
      const column = <T>(values: readonly T[], value: (item: T, index: number) => string | null) => arrayLiteral(values.map(value));
      await tx.$executeRawUnsafe(
        INSERT_INVOICES,
        column(written, (_, i) => ids[i]!),
        column(written, (d) => d.contractId),
        label,
        column(written, (d) => byId.get(d.contractId)!.period.start.toISOString()),
        column(written, (d) => byId.get(d.contractId)!.period.end.toISOString()),
        column(written, (d) => d.payerId),
        column(written, (d) => d.payeeId),
        column(written, (d) => byId.get(d.contractId)!.currency),
        column(written, (d) => totalOf(d).toFixed()),
        computedAt.toISOString(),
      );
      const lines = written.flatMap((draft, i) => draft.lines.map((line, position) => ({ line, invoiceId: ids[i]!, position: position + 1 })));
      await tx.$executeRawUnsafe(
        INSERT_LINES,
        column(lines, () => uuidV7()),
        column(lines, (l) => l.invoiceId),
        column(lines, (l) => String(l.position)),
        column(lines, (l) => l.line.kind),
        column(lines, (l) => l.line.description),
        column(lines, (l) => l.line.quantity.toFixed()),
        column(lines, (l) => l.line.unitPrice.toFixed()),
        column(lines, (l) => l.line.amount.toFixed()),
        column(lines, (l) => l.line.accountingObjectId),
        column(lines, (l) => l.line.networkOwnerId),
        column(lines, (l) => l.line.part),
        column(lines, (l) => l.line.adjustsInvoiceId),
      );
      return ids;
    },
    // The statements are few but may carry tens of thousands of lines.
    { timeout: 120_000, maxWait: 30_000 },
  );
}

/**
 * Computes the period's draft invoices (see the header for the rules) and replaces the earlier
 * drafts with them; returns the new drafts. InputError for a label that names no period of the
 * contract, an unknown contract, or a period that has not ended.
 */
export async function runSettlement(prisma: PrismaClient, counters: Pick<CounterJournal, 'settle'>, options: SettlementOptions): Promise<Invoice[]> {
  const now = options.now ?? new Date();
  const label = options.period;
  const contracts = await contractsToSettle(prisma, options, now);
  if (contracts.length === 0) return [];
  const contractIds = contracts.map((c) => c.id);
  // Every transfer acknowledged before the run is in the counters it reads.
  await counters.settle();
  for (let attempt = 1; ; attempt++) {
    // The state first: a change after it, even one the reads below see, makes the write refuse.
    const state = await invoiceState(prisma, contractIds, label);
    const issued = await issuedEarlier(prisma, contracts, label);
    const drafts = await computeDrafts(prisma, contracts, issued);
    try {
      const ids = await writeDrafts(prisma, contracts, label, drafts, state, now);
      const rows = await prisma.invoice.findMany({ where: { id: { in: ids } } });
      const order = new Map(ids.map((id, index) => [id, index]));
      return rows.sort((a, b) => order.get(a.id)! - order.get(b.id)!);
    } catch (error) {
      if (!(error instanceof InvoicesChanged)) throw error;
      if (attempt === ATTEMPTS) throw new InputError(PERIOD, 'the invoices of these contracts kept changing while they were settled; run the settlement again.');
    }
  }
}
