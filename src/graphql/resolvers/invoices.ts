// Contract terms, settlement runs and invoices: who may define, run, issue, void and read them;
// src/contracts/ and src/reports/settlement.ts do the work.
import type { MutationResolvers, QueryResolvers, Resolvers } from '../../generated/graphql.ts';

export const invoiceQueries: Pick<QueryResolvers, 'invoices'> = {};
export const invoiceMutations: Pick<MutationResolvers, 'setContractTerms' | 'runSettlement' | 'issueInvoice' | 'voidInvoice'> = {};
export const invoiceTypes: Pick<Resolvers, 'Contract' | 'ContractTerms' | 'PriceTerm' | 'Invoice' | 'InvoiceLine'> = {};
