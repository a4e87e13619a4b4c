// Contract terms, settlement runs and invoices: who may define, run, issue, void and read them;
// src/contracts/ and src/reports/settlement.ts do the work.
//
// Lists under a parent (a contract's terms and invoices, an invoice's lines) are loaded in one
// batch for all parents of a request, through loaders kept per request beside the context's own
// (keyed by its `loaders`, which lives exactly as long as the request).
import DataLoader from 'dataloader';
import type {
  AccountingObject as AccountingObjectModel,
  Contract as ContractModel,
  ContractTerms as ContractTermsModel,
  Invoice as InvoiceModel,
  InvoiceLine as InvoiceLineModel,
  Prisma,
} from '../../generated/prisma/client.ts';
import type { InvoiceStatus } from '../../generated/prisma/enums.ts';
import type { MutationResolvers, PriceTerm, PriceTier, QueryResolvers, Resolvers } from '../../generated/graphql.ts';
import { setContractTerms, termsFromJson, type ContractTerm } from '../../contracts/terms.ts';
import { rowId } from '../../domain/references.ts';
import { isUuid } from '../../domain/validate.ts';
import { amountText, decimalText, DEFAULT_GRACE_HOURS, invoiceCsv, issueInvoice, voidInvoice } from '../../reports/invoices.ts';
import { runSettlement } from '../../reports/settlement.ts';
import type { GraphQLContext } from '../context.ts';
import { parsePage, toConnection, type Page, type PageArgs } from '../pagination.ts';
import { globalId, payload, queryInput } from './support.ts';

const ID = ['input', 'id'];

/** Newest period first, then by id (UUIDv7: roughly creation order): `<periodStart ISO>|<id>`. */
const invoiceCursor = {
  of: (row: Pick<InvoiceModel, 'periodStart' | 'id'>) => `${row.periodStart.toISOString()}|${row.id}`,
  valid: (key: string) => {
    const [start, id, ...rest] = key.split('|');
    return rest.length === 0 && id !== undefined && isUuid(id) && start !== undefined && !Number.isNaN(Date.parse(start));
  },
};
const INVOICE_ORDER: Prisma.InvoiceOrderByWithRelationInput[] = [{ periodStart: 'desc' }, { id: 'asc' }];

function afterCursor(page: Page): Prisma.InvoiceWhereInput {
  if (page.after === null) return {};
  const [start, id] = page.after.split('|') as [string, string];
  const periodStart = new Date(start);
  return { OR: [{ periodStart: { lt: periodStart } }, { periodStart, id: { gt: id } }] };
}

interface ContractInvoicesRequest {
  contractId: string;
  page: Page;
  status: InvoiceStatus | null;
}

/** Rows by the key of each, in the order given. */
function grouped<T>(keys: readonly string[], rows: readonly T[], keyOf: (row: T) => string): T[][] {
  const groups = new Map<string, T[]>();
  for (const row of rows) {
    const key = keyOf(row);
    let group = groups.get(key);
    if (!group) groups.set(key, (group = []));
    group.push(row);
  }
  return keys.map((key) => groups.get(key) ?? []);
}

function createInvoiceLoaders(ctx: GraphQLContext) {
  const { prisma } = ctx;
  const visible = ctx.access.visibility.invoice ?? {};
  return {
    termsOfContract: new DataLoader<string, ContractTermsModel[]>(async (ids) => {
      const rows = await prisma.contractTerms.findMany({ where: { contractId: { in: [...ids] } }, orderBy: { effectiveFrom: 'asc' } });
      return grouped(ids, rows, (row) => row.contractId);
    }),
    linesOfInvoice: new DataLoader<string, InvoiceLineModel[]>(async (ids) => {
      const rows = await prisma.invoiceLine.findMany({ where: { invoiceId: { in: [...ids] } }, orderBy: [{ invoiceId: 'asc' }, { position: 'asc' }] });
      return grouped(ids, rows, (row) => row.invoiceId);
    }),
    // A party to an invoice sees the contract it was computed under, even when the contract is
    // between others (a network owner billing its share under PER_COMPONENT terms).
    contractOfInvoice: new DataLoader<string, ContractModel | null>(async (ids) => {
      const rows = new Map((await prisma.contract.findMany({ where: { id: { in: [...ids] } } })).map((row) => [row.id, row]));
      return ids.map((id) => rows.get(id) ?? null);
    }),
    // Requests with the same page and status share one query for all their contracts.
    contractInvoices: new DataLoader<ContractInvoicesRequest, { rows: InvoiceModel[]; total: number }, string>(
      async (requests) => {
        const groups = new Map<string, ContractInvoicesRequest[]>();
        for (const request of requests) {
          const key = JSON.stringify([request.page, request.status]);
          groups.set(key, [...(groups.get(key) ?? []), request]);
        }
        const results = new Map<ContractInvoicesRequest, { rows: InvoiceModel[]; total: number }>();
        await Promise.all(
          [...groups.values()].map(async (group) => {
            const [{ page, status }] = group as [ContractInvoicesRequest];
            const where: Prisma.InvoiceWhereInput = { AND: [visible], ...(status ? { status } : {}) };
            const contracts = await prisma.contract.findMany({
              where: { id: { in: [...new Set(group.map((r) => r.contractId))] } },
              select: {
                id: true,
                invoices: { where: { AND: [where, afterCursor(page)] }, orderBy: INVOICE_ORDER, take: page.take + 1 },
                _count: { select: { invoices: { where } } },
              },
            });
            const byId = new Map(contracts.map((c) => [c.id, { rows: c.invoices, total: c._count.invoices }]));
            for (const request of group) results.set(request, byId.get(request.contractId) ?? { rows: [], total: 0 });
          }),
        );
        return requests.map((request) => results.get(request)!);
      },
      { cacheKeyFn: (request) => JSON.stringify([request.contractId, request.page, request.status]) },
    ),
  };
}

type InvoiceLoaders = ReturnType<typeof createInvoiceLoaders>;
const perRequest = new WeakMap<object, InvoiceLoaders>();

function loadersOf(ctx: GraphQLContext): InvoiceLoaders {
  let loaders = perRequest.get(ctx.loaders);
  if (!loaders) {
    loaders = createInvoiceLoaders(ctx);
    perRequest.set(ctx.loaders, loaders);
  }
  return loaders;
}

/** The configured grace (PATHLEDGER_SETTLEMENT_GRACE_HOURS). */
function graceHours(ctx: GraphQLContext): number {
  return ctx.settlementGraceHours;
}

type PriceTermModel = Omit<PriceTerm, 'accountingObject'> & { accountingObject?: AccountingObjectModel | null };

function priceTermOf(term: ContractTerm, accountingObject: AccountingObjectModel | null): PriceTermModel {
  const none = { accountingObject, flatFee: null, includedBytes: null, overageRatePerGb: null, tiers: null, ratePerGb: null, minimum: null };
  switch (term.kind) {
    case 'FLAT_WITH_OVERAGE':
      return { ...none, kind: term.kind, flatFee: term.flatFee.toFixed(), includedBytes: term.includedBytes, overageRatePerGb: term.overageRatePerGb.toFixed() };
    case 'GRADUATED':
    case 'VOLUME':
      return {
        ...none,
        kind: term.kind,
        tiers: term.tiers.map((tier): PriceTier => ({ upToBytes: tier.upToBytes, ratePerGb: tier.ratePerGb.toFixed(), flatFee: tier.flatFee?.toFixed() ?? null })),
      };
    case 'PER_COMPONENT':
    case 'NETTING':
    case 'UPLINK':
      return { ...none, kind: term.kind, ratePerGb: term.ratePerGb.toFixed() };
    case 'MINIMUM_COMMITMENT':
      return { ...none, kind: term.kind, minimum: term.minimum.toFixed() };
  }
}

async function contractInvoices(ctx: GraphQLContext, contractId: string, args: PageArgs & { status?: InvoiceStatus | null }) {
  const page = parsePage(args, ctx.limits, invoiceCursor.valid);
  const { rows, total } = await loadersOf(ctx).contractInvoices.load({ contractId, page, status: args.status ?? null });
  return toConnection(rows, page, total, invoiceCursor.of);
}

export const invoiceQueries: Pick<QueryResolvers, 'invoices'> = {
  invoices: async (_, args, ctx) => {
    const visible = ctx.access.reader().invoice ?? {};
    const contract = args.contract;
    const contractId = contract == null ? undefined : await queryInput(async () => rowId(['contract'], contract, 'Contract'));
    const where: Prisma.InvoiceWhereInput = { AND: [visible], period: args.period ?? undefined, contractId, status: args.status ?? undefined };
    const page = parsePage(args, ctx.limits, invoiceCursor.valid);
    const rows = await ctx.prisma.invoice.findMany({ where: { AND: [where, afterCursor(page)] }, orderBy: INVOICE_ORDER, take: page.take + 1 });
    return toConnection(rows, page, () => ctx.prisma.invoice.count({ where }), invoiceCursor.of);
  },
};

export const invoiceMutations: Pick<MutationResolvers, 'setContractTerms' | 'runSettlement' | 'issueInvoice' | 'voidInvoice'> = {
  setContractTerms: (_, { input }, ctx) => {
    ctx.access.writer('Contract');
    return payload('contract', () => setContractTerms(ctx.prisma, input));
  },
  runSettlement: (_, { input }, ctx) => {
    ctx.access.writer('Invoice');
    return payload('invoices', () =>
      runSettlement(ctx.prisma, ctx.counters, {
        period: input.period,
        contractId: input.contract == null ? undefined : rowId(['input', 'contract'], input.contract, 'Contract'),
      }),
    );
  },
  issueInvoice: (_, { input }, ctx) => {
    ctx.access.writer('Invoice');
    return payload('invoice', () => issueInvoice(ctx.prisma, rowId(ID, input.id, 'Invoice'), { graceHours: graceHours(ctx) }));
  },
  voidInvoice: (_, { input }, ctx) => {
    ctx.access.writer('Invoice');
    return payload('invoice', () => voidInvoice(ctx.prisma, rowId(ID, input.id, 'Invoice'), input.reason));
  },
};

export const invoiceTypes: Pick<Resolvers, 'Contract' | 'ContractTerms' | 'PriceTerm' | 'Invoice' | 'InvoiceLine'> = {
  Contract: {
    terms: (contract, _, ctx) => loadersOf(ctx).termsOfContract.load(contract.id),
    invoices: (contract, args, ctx) => contractInvoices(ctx, contract.id, args),
  },

  ContractTerms: {
    terms: async (version, _, ctx) => {
      const terms = termsFromJson(version.terms, `contract ${version.contractId} from ${version.effectiveFrom.toISOString()}`);
      // Objects this key may not see read as null.
      const ids = terms.flatMap((term) => (term.accountingObjectId === null ? [] : [term.accountingObjectId]));
      const objects = new Map((await ctx.loaders.accountingObject.loadMany(ids)).flatMap((row) => (row && !(row instanceof Error) ? [[row.id, row] as const] : [])));
      return terms.map((term) => priceTermOf(term, term.accountingObjectId === null ? null : (objects.get(term.accountingObjectId) ?? null)));
    },
  },

  // Built whole by ContractTerms.terms; the default resolvers read its fields.
  PriceTerm: {},

  Invoice: {
    id: globalId('Invoice'),
    contract: async (invoice, _, ctx) => (await loadersOf(ctx).contractOfInvoice.load(invoice.contractId))!,
    payer: async (invoice, _, ctx) => (await ctx.directory.organization.load(invoice.payerId))!,
    payee: async (invoice, _, ctx) => (await ctx.directory.organization.load(invoice.payeeId))!,
    total: (invoice) => amountText(invoice.total, invoice.currency),
    lines: (invoice, _, ctx) => loadersOf(ctx).linesOfInvoice.load(invoice.id),
    csv: async (invoice, _, ctx) => {
      const lines = await loadersOf(ctx).linesOfInvoice.load(invoice.id);
      const objectIds = [...new Set(lines.flatMap((line) => (line.accountingObjectId ? [line.accountingObjectId] : [])))];
      const ownerIds = [...new Set(lines.flatMap((line) => (line.networkOwnerId ? [line.networkOwnerId] : [])))];
      const [objects, owners] = await Promise.all([ctx.loaders.accountingObject.loadMany(objectIds), ctx.directory.organization.loadMany(ownerIds)]);
      const names = <T extends { id: string; name: string }>(rows: readonly (T | null | Error)[]) =>
        new Map(rows.flatMap((row) => (row && !(row instanceof Error) ? [[row.id, row.name] as const] : [])));
      return invoiceCsv(invoice, lines, { accountingObjects: names(objects), organizations: names(owners) });
    },
  },

  InvoiceLine: {
    quantity: (line) => decimalText(line.quantity),
    unitPrice: (line) => decimalText(line.unitPrice),
    // Amounts print with the currency's places ("12.50"), which the invoice knows.
    amount: async (line, _, ctx) => {
      const invoice = await ctx.loaders.invoice.load(line.invoiceId);
      return invoice ? amountText(line.amount, invoice.currency) : decimalText(line.amount);
    },
    accountingObject: (line, _, ctx) => (line.accountingObjectId ? ctx.loaders.accountingObject.load(line.accountingObjectId) : null),
    networkOwner: (line, _, ctx) => (line.networkOwnerId ? ctx.directory.organization.load(line.networkOwnerId) : null),
    adjusts: (line, _, ctx) => (line.adjustsInvoiceId ? ctx.loaders.invoice.load(line.adjustsInvoiceId) : null),
  },
};
