// An invoice's life after settlement: issued (numbered, final), voided (kept, with the reason),
// and exported as CSV.
//
// - Issuing waits for the grace time past the period's end (late transfers still land in a
//   re-run draft until then). Numbers are INV-<UTC year of issue>-<6 digits>, one sequence per
//   year for all invoices, taken in the issuing transaction: consecutive, no gaps, none twice.
// - Voiding keeps the invoice and its lines; its period may then be settled again. An invoice
//   that an issued invoice's adjustment line refers to cannot be voided before that one, or the
//   late usage would be billed again by the next settlement.
// - Issuing and voiding lock the contract row as settlement does, so a settlement run never
//   writes drafts against invoices that changed while it computed.
import { Exact, minorUnits } from '../contracts/pricing.ts';
import { InputError } from '../domain/input-error.ts';
import { found } from '../domain/references.ts';
import type { Invoice, InvoiceLine, Prisma, PrismaClient } from '../generated/prisma/client.ts';
import type { UserErrorCode } from '../generated/graphql.ts';

/** Hours after a period's end before its drafts may be issued, unless configured otherwise. */
export const DEFAULT_GRACE_HOURS = 24;

const GRACE_PERIOD: UserErrorCode = 'GRACE_PERIOD';
const ID = ['input', 'id'];
const HOUR_MS = 3_600_000;
const MAX_REASON = 2000;

export interface IssueOptions {
  graceHours?: number;
  now?: Date;
}

async function lockContractOf(tx: Prisma.TransactionClient, invoiceId: string): Promise<Invoice> {
  const invoice = found(await tx.invoice.findUnique({ where: { id: invoiceId } }), ID, 'invoice');
  await tx.$queryRawUnsafe(`SELECT "id" FROM "Contract" WHERE "id" = $1::uuid FOR UPDATE`, invoice.contractId);
  // Read again under the lock: a settlement or another issue may have changed it meanwhile.
  return tx.invoice.findUniqueOrThrow({ where: { id: invoiceId } });
}

const described = (invoice: Invoice) => (invoice.number ? `${invoice.status} as ${invoice.number}` : invoice.status);

/** Makes a draft final and gives it the next number of the year. */
export async function issueInvoice(prisma: PrismaClient, id: string, options: IssueOptions = {}): Promise<Invoice> {
  const now = options.now ?? new Date();
  const graceHours = options.graceHours ?? DEFAULT_GRACE_HOURS;
  return prisma.$transaction(async (tx) => {
    const invoice = await lockContractOf(tx, id);
    if (invoice.status !== 'DRAFT') throw new InputError(ID, `only a draft can be issued; this invoice is ${described(invoice)}.`);
    const issuable = new Date(invoice.periodEnd.getTime() + graceHours * HOUR_MS);
    if (now < issuable) {
      throw new InputError(
        ID,
        `${invoice.period} ended at ${invoice.periodEnd.toISOString()}; transfers may still arrive for ${graceHours} hours after, so it can be issued from ${issuable.toISOString()}.`,
        GRACE_PERIOD,
      );
    }
    const year = now.getUTCFullYear();
    const [taken] = await tx.$queryRawUnsafe<{ last: number }[]>(
      `INSERT INTO "InvoiceNumber" ("year", "last") VALUES ($1::int, 1) ON CONFLICT ("year") DO UPDATE SET "last" = "InvoiceNumber"."last" + 1 RETURNING "last"`,
      year,
    );
    const number = `INV-${year}-${String(taken!.last).padStart(6, '0')}`;
    return tx.invoice.update({ where: { id }, data: { status: 'ISSUED', number, issuedAt: now } });
  });
}

/** Voids an issued invoice, keeping it, its number and its lines, with the reason. */
export async function voidInvoice(prisma: PrismaClient, id: string, reason: string, options: { now?: Date } = {}): Promise<Invoice> {
  const reasonField = ['input', 'reason'];
  const why = reason.trim();
  if (why.length === 0) throw new InputError(reasonField, 'must say why the invoice is void.');
  if (why.length > MAX_REASON) throw new InputError(reasonField, `must be at most ${MAX_REASON} characters.`);
  return prisma.$transaction(async (tx) => {
    const invoice = await lockContractOf(tx, id);
    if (invoice.status === 'DRAFT') throw new InputError(ID, 'a draft is not voided: it is replaced by the next settlement run; only issued invoices are voided.');
    if (invoice.status === 'VOID') throw new InputError(ID, `the invoice is already void since ${invoice.voidedAt?.toISOString() ?? 'before'}.`);
    const adjusting = await tx.invoiceLine.findFirst({
      where: { adjustsInvoiceId: id, kind: 'ADJUSTMENT', invoice: { status: 'ISSUED' } },
      select: { invoice: { select: { number: true } } },
    });
    if (adjusting) {
      throw new InputError(ID, `issued invoice ${adjusting.invoice.number ?? ''} adjusts this one for late usage: void that one first.`, 'IN_USE');
    }
    return tx.invoice.update({ where: { id }, data: { status: 'VOID', voidedAt: options.now ?? new Date(), voidReason: why } });
  });
}

// ---------------------------------------------------------------------------------------------
// Formatting

/** A stored decimal in plain notation ("0.0000000001", never "1e-10"), as exact as stored. */
export function decimalText(value: { toString(): string }): string {
  return new Exact(value.toString()).toFixed();
}

/** A rounded amount with the currency's minor unit places: "12.50" EUR, "1250" JPY. */
export function amountText(value: { toString(): string }, currency: string): string {
  return new Exact(value.toString()).toFixed(minorUnits(currency));
}

export interface CsvNames {
  /** Accounting object names by id; an id missing here prints an empty cell. */
  accountingObjects: ReadonlyMap<string, string>;
  /** Organization names by id. */
  organizations: ReadonlyMap<string, string>;
}

export const CSV_HEADER = ['position', 'kind', 'description', 'accounting object', 'network owner', 'part', 'quantity', 'unit price', 'amount', 'currency'];

/** RFC 4180: a field with a comma, a quote or a line break is quoted, quotes doubled. */
function csvField(value: string): string {
  return /[",\r\n]/.test(value) ? `"${value.replaceAll('"', '""')}"` : value;
}

const csvRow = (fields: readonly string[]) => `${fields.map(csvField).join(',')}\r\n`;

/** The invoice as CSV (RFC 4180, CRLF): the header row, its lines by position, the total last. */
export function invoiceCsv(invoice: Pick<Invoice, 'currency' | 'total'>, lines: readonly InvoiceLine[], names: CsvNames): string {
  const { currency } = invoice;
  const rows = [...lines]
    .sort((a, b) => a.position - b.position)
    .map((line) =>
      csvRow([
        String(line.position),
        line.kind,
        line.description,
        line.accountingObjectId ? (names.accountingObjects.get(line.accountingObjectId) ?? '') : '',
        line.networkOwnerId ? (names.organizations.get(line.networkOwnerId) ?? '') : '',
        line.part ?? '',
        decimalText(line.quantity),
        decimalText(line.unitPrice),
        amountText(line.amount, currency),
        currency,
      ]),
    );
  return csvRow(CSV_HEADER) + rows.join('') + csvRow(['', '', 'Total', '', '', '', '', '', amountText(invoice.total, currency), currency]);
}
