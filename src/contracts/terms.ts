// A contract's price terms as versions: what `setContractTerms` accepts, how a version is stored
// (ContractTerms.terms, JSON), and how settlement reads it back.
//
// Rules beyond pricing.ts's own checks:
// - Each kind takes its own fields, all of them required, and refuses the others (a rate sent
//   with the wrong kind is a mistake, not something to ignore): FLAT_WITH_OVERAGE flatFee,
//   includedBytes, overageRatePerGb; GRADUATED and VOLUME tiers; PER_COMPONENT and NETTING
//   ratePerGb; MINIMUM_COMMITMENT minimum.
// - FLAT_WITH_OVERAGE, GRADUATED and VOLUME price usage: one of the contract's accounting objects
//   when `accountingObject` names it, otherwise each of the contract's objects that no other term
//   names, each alone (its own flat fee, its own tiers). No object is priced twice: at most one
//   term per named object and one term without an object.
// - At most one PER_COMPONENT, one NETTING and one MINIMUM_COMMITMENT per version: a second
//   would bill the same traffic or the same minimum again.
// - NETTING settles traffic exchanged between two networks, so both parties must be service
//   providers (SERVICE_PROVIDER): only networks own the components traffic crosses between.
// - A version applies from `effectiveFrom` (default: the contract's start), which lies within the
//   contract, and not before the end of a period already issued: an issued invoice was priced
//   with the terms of its time and re-pricing it for late usage must find the same terms.
//   Setting terms at an `effectiveFrom` that has a version replaces that version.
//
// Stored form: a JSON list of { kind, accountingObjectId?, …fields } with decimals and byte
// counts as strings, so nothing passes through a float.
import { Decimal } from 'decimal.js';
import type { ContractTerms as ContractTermsRow, Contract, Prisma, PrismaClient } from '../generated/prisma/client.ts';
import { InputError } from '../domain/input-error.ts';
import { found, rowId } from '../domain/references.ts';
import { optionalText, type FieldPath } from '../domain/validate.ts';
import { checkPriceTerms, checkPriceTermsList, type PriceTerms, type Tier } from './pricing.ts';

export type TermsKind = PriceTerms['kind'];

/** One term of a version: priced terms and, for usage terms, the object they price (null: the contract's others). */
export type ContractTerm = PriceTerms & { accountingObjectId: string | null };

/** Terms that price an accounting object's usage. */
export type UsageTerm = Extract<ContractTerm, { kind: 'FLAT_WITH_OVERAGE' | 'GRADUATED' | 'VOLUME' }>;

export const USAGE_KINDS: readonly TermsKind[] = ['FLAT_WITH_OVERAGE', 'GRADUATED', 'VOLUME'];

export const isUsageTerm = (term: ContractTerm): term is UsageTerm => USAGE_KINDS.includes(term.kind);

/** A version as settlement uses it. */
export interface TermsVersion {
  id: string;
  effectiveFrom: Date;
  terms: ContractTerm[];
}

/** A tier as the API sends it: BigInt arrives as a bigint, Decimal as a string (graphql/scalars.ts). */
export interface TierInput {
  upToBytes?: bigint | null;
  ratePerGb: string;
  flatFee?: string | null;
}

export interface TermInput {
  kind: TermsKind;
  /** A global id of one of the contract's accounting objects. */
  accountingObject?: string | null;
  flatFee?: string | null;
  includedBytes?: bigint | null;
  overageRatePerGb?: string | null;
  tiers?: readonly TierInput[] | null;
  ratePerGb?: string | null;
  minimum?: string | null;
}

type TermField = Exclude<keyof TermInput, 'kind'>;

const FIELDS: Record<TermsKind, readonly TermField[]> = {
  FLAT_WITH_OVERAGE: ['flatFee', 'includedBytes', 'overageRatePerGb'],
  GRADUATED: ['tiers'],
  VOLUME: ['tiers'],
  PER_COMPONENT: ['ratePerGb'],
  MINIMUM_COMMITMENT: ['minimum'],
  NETTING: ['ratePerGb'],
  UPLINK: ['ratePerGb'],
};
const ALL_FIELDS: readonly TermField[] = ['accountingObject', 'flatFee', 'includedBytes', 'overageRatePerGb', 'tiers', 'ratePerGb', 'minimum'];
const ONCE_PER_VERSION: readonly TermsKind[] = ['PER_COMPONENT', 'NETTING'];

/** What a list of terms is checked against: the contract it belongs to. */
export interface TermsContext {
  /** Row ids of the contract's accounting objects. */
  accountingObjectIds: ReadonlySet<string>;
  /** Whether payer and payee are both service providers (NETTING needs it). */
  partiesAreServiceProviders: boolean;
}

const DECIMAL_TEXT = /^-?\d+(\.\d+)?$/;

function decimal(field: FieldPath, text: string): Decimal {
  if (!DECIMAL_TEXT.test(text)) throw new InputError(field, `must be a decimal number like "12.50", got ${JSON.stringify(text)}.`);
  return new Decimal(text);
}

function required<Value>(field: FieldPath, kind: TermsKind, value: Value): NonNullable<Value> {
  if (value == null) throw new InputError(field, `is required for ${kind} terms.`);
  return value;
}

function tiersOf(field: FieldPath, inputs: readonly TierInput[]): Tier[] {
  return inputs.map((tier, index) => {
    const at = [...field, String(index)];
    return {
      upToBytes: tier.upToBytes ?? null,
      ratePerGb: decimal([...at, 'ratePerGb'], tier.ratePerGb),
      ...(tier.flatFee != null ? { flatFee: decimal([...at, 'flatFee'], tier.flatFee) } : {}),
    };
  });
}

function priceTermsOf(field: FieldPath, input: TermInput): PriceTerms {
  const need = <F extends TermField>(name: F) => required([...field, name], input.kind, input[name]);
  switch (input.kind) {
    case 'FLAT_WITH_OVERAGE':
      return {
        kind: input.kind,
        flatFee: decimal([...field, 'flatFee'], need('flatFee')),
        includedBytes: need('includedBytes'),
        overageRatePerGb: decimal([...field, 'overageRatePerGb'], need('overageRatePerGb')),
      };
    case 'GRADUATED':
    case 'VOLUME':
      return { kind: input.kind, tiers: tiersOf([...field, 'tiers'], need('tiers')) };
    case 'PER_COMPONENT':
    case 'NETTING':
    case 'UPLINK':
      return { kind: input.kind, ratePerGb: decimal([...field, 'ratePerGb'], need('ratePerGb')) };
    case 'MINIMUM_COMMITMENT':
      return { kind: input.kind, minimum: decimal([...field, 'minimum'], need('minimum')) };
    default:
      throw new InputError([...field, 'kind'], `${JSON.stringify((input as { kind: unknown }).kind)} is not a kind of price terms.`);
  }
}

/**
 * The terms a list of inputs describes, checked against the contract (see the header for the
 * rules); an InputError names the offending field under `field`, e.g. input.terms.2.tiers.0.upToBytes.
 */
export function termsFromInput(field: FieldPath, inputs: readonly TermInput[], context: TermsContext): ContractTerm[] {
  const terms: ContractTerm[] = [];
  const pricedObjects = new Map<string, number>();
  const onceAt = new Map<TermsKind, number>();
  for (const [index, input] of inputs.entries()) {
    const at = [...field, String(index)];
    if (!Object.hasOwn(FIELDS, input.kind)) throw new InputError([...at, 'kind'], `${JSON.stringify(input.kind)} is not a kind of price terms.`);
    // The grant is the agreement: its contract's terms follow the grant, not an edit here.
    if (input.kind === 'UPLINK') throw new InputError([...at, 'kind'], 'UPLINK terms come with an uplink grant (createUplinkGrant), at its rate.');
    const allowed = [...FIELDS[input.kind], ...(USAGE_KINDS.includes(input.kind) ? ['accountingObject' as const] : [])];
    for (const name of ALL_FIELDS) {
      if (input[name] != null && !allowed.includes(name)) {
        throw new InputError([...at, name], `does not apply to ${input.kind} terms, which take ${allowed.join(', ')}.`);
      }
    }
    const priced = checkPriceTerms(at, priceTermsOf(at, input));

    let accountingObjectId: string | null = null;
    if (input.accountingObject != null) {
      accountingObjectId = rowId([...at, 'accountingObject'], input.accountingObject, 'AccountingObject');
      if (!context.accountingObjectIds.has(accountingObjectId)) {
        throw new InputError([...at, 'accountingObject'], "is not one of the contract's accounting objects; add it to the contract first.");
      }
    }
    if (USAGE_KINDS.includes(priced.kind)) {
      const key = accountingObjectId ?? '*';
      const earlier = pricedObjects.get(key);
      if (earlier !== undefined) {
        const what = accountingObjectId === null ? "the contract's accounting objects (no accountingObject)" : 'this accounting object';
        throw new InputError([...at, 'accountingObject'], `terms ${earlier} already price ${what}; its usage would be billed twice.`);
      }
      pricedObjects.set(key, index);
    }
    if (ONCE_PER_VERSION.includes(priced.kind)) {
      const earlier = onceAt.get(priced.kind);
      if (earlier !== undefined) throw new InputError([...at, 'kind'], `only one ${priced.kind} is allowed; terms ${earlier} already is one.`);
      onceAt.set(priced.kind, index);
    }
    if (priced.kind === 'NETTING' && !context.partiesAreServiceProviders) {
      throw new InputError([...at, 'kind'], 'NETTING settles traffic between two networks: the payer and the payee must both be service providers.');
    }
    terms.push({ ...priced, accountingObjectId });
  }
  checkPriceTermsList(field, terms);
  return terms;
}

// ---------------------------------------------------------------------------------------------
// Storage

const text = (value: Decimal) => value.toFixed();

export function termsToJson(terms: readonly ContractTerm[]): Prisma.InputJsonArray {
  return terms.map((term): Prisma.InputJsonObject => {
    const object = term.accountingObjectId === null ? {} : { accountingObjectId: term.accountingObjectId };
    switch (term.kind) {
      case 'FLAT_WITH_OVERAGE':
        return { kind: term.kind, ...object, flatFee: text(term.flatFee), includedBytes: String(term.includedBytes), overageRatePerGb: text(term.overageRatePerGb) };
      case 'GRADUATED':
      case 'VOLUME':
        return {
          kind: term.kind,
          ...object,
          tiers: term.tiers.map((tier) => ({
            upToBytes: tier.upToBytes === null ? null : String(tier.upToBytes),
            ratePerGb: text(tier.ratePerGb),
            ...(tier.flatFee ? { flatFee: text(tier.flatFee) } : {}),
          })),
        };
      case 'PER_COMPONENT':
      case 'NETTING':
      case 'UPLINK':
        return { kind: term.kind, ratePerGb: text(term.ratePerGb) };
      case 'MINIMUM_COMMITMENT':
        return { kind: term.kind, minimum: text(term.minimum) };
    }
  });
}

type JsonRecord = Record<string, unknown>;
const isRecord = (value: unknown): value is JsonRecord => typeof value === 'object' && value !== null && !Array.isArray(value);

/** A stored string field, as the input type has it. */
function storedText(record: JsonRecord, name: string): string | null {
  const value = record[name];
  if (value == null) return null;
  if (typeof value !== 'string') throw new TypeError(`${name} is ${JSON.stringify(value)}, not a string`);
  return value;
}

function storedBytes(record: JsonRecord, name: string): bigint | null {
  const value = storedText(record, name);
  if (value === null) return null;
  if (!/^\d+$/.test(value)) throw new TypeError(`${name} is ${JSON.stringify(value)}, not a byte count`);
  return BigInt(value);
}

/**
 * The terms stored in a version. Stored terms were checked when set; they are checked again
 * here, and anything wrong with them is a bug or a hand edit, so it throws an Error (not an
 * InputError: no caller's field is at fault).
 */
export function termsFromJson(json: Prisma.JsonValue, where: string): ContractTerm[] {
  try {
    if (!Array.isArray(json)) throw new TypeError('not a list');
    return json.map((entry, index) => {
      if (!isRecord(entry)) throw new TypeError(`terms ${index} is not an object`);
      const kind = storedText(entry, 'kind') as TermsKind;
      const tiers = entry.tiers;
      const input: TermInput = {
        kind,
        flatFee: storedText(entry, 'flatFee'),
        includedBytes: storedBytes(entry, 'includedBytes'),
        overageRatePerGb: storedText(entry, 'overageRatePerGb'),
        tiers: Array.isArray(tiers)
          ? tiers.map((tier) => {
              if (!isRecord(tier)) throw new TypeError(`a tier of terms ${index} is not an object`);
              return { upToBytes: storedBytes(tier, 'upToBytes'), ratePerGb: storedText(tier, 'ratePerGb') ?? '', flatFee: storedText(tier, 'flatFee') };
            })
          : null,
        ratePerGb: storedText(entry, 'ratePerGb'),
        minimum: storedText(entry, 'minimum'),
      };
      const at = ['terms', String(index)];
      return { ...checkPriceTerms(at, priceTermsOf(at, input)), accountingObjectId: storedText(entry, 'accountingObjectId') };
    });
  } catch (error) {
    const reason = error instanceof Error ? (error instanceof InputError ? `${error.field.join('.')} ${error.message}` : error.message) : String(error);
    throw new Error(`The stored terms of ${where} are not valid: ${reason}`, { cause: error });
  }
}

/** A stored version, read for settlement. */
export function versionOf(row: Pick<ContractTermsRow, 'id' | 'effectiveFrom' | 'terms' | 'contractId'>): TermsVersion {
  return { id: row.id, effectiveFrom: row.effectiveFrom, terms: termsFromJson(row.terms, `contract ${row.contractId} from ${row.effectiveFrom.toISOString()}`) };
}

// ---------------------------------------------------------------------------------------------
// setContractTerms

export interface SetTermsInput {
  /** The contract's global id. */
  contract: string;
  effectiveFrom?: Date | null;
  terms: readonly TermInput[];
  note?: string | null;
}

/** Adds a version of the contract's terms, or replaces the one with the same effectiveFrom. */
export async function setContractTerms(prisma: PrismaClient, input: SetTermsInput): Promise<Contract> {
  const contractField = ['input', 'contract'];
  const id = rowId(contractField, input.contract, 'Contract');
  const contract = found(
    await prisma.contract.findUnique({
      where: { id },
      include: { accountingObjects: { select: { accountingObjectId: true } }, payer: { select: { roles: true } }, payee: { select: { roles: true } } },
    }),
    contractField,
    'contract',
  );

  const effectiveField = ['input', 'effectiveFrom'];
  const effectiveFrom = input.effectiveFrom ?? contract.startsAt;
  if (effectiveFrom < contract.startsAt) {
    throw new InputError(effectiveField, `must not be before the contract starts (${contract.startsAt.toISOString()}).`);
  }
  if (contract.endsAt !== null && effectiveFrom >= contract.endsAt) {
    throw new InputError(effectiveField, `must be before the contract ends (${contract.endsAt.toISOString()}).`);
  }
  const terms = termsFromInput(['input', 'terms'], input.terms, {
    accountingObjectIds: new Set(contract.accountingObjects.map((o) => o.accountingObjectId)),
    partiesAreServiceProviders: contract.payer.roles.includes('SERVICE_PROVIDER') && contract.payee.roles.includes('SERVICE_PROVIDER'),
  });
  const note = optionalText(['input', 'note'], input.note) ?? null;

  const lastIssued = await prisma.invoice.findFirst({ where: { contractId: id, status: 'ISSUED' }, orderBy: { periodEnd: 'desc' }, select: { periodEnd: true, period: true } });
  if (lastIssued !== null && effectiveFrom < lastIssued.periodEnd) {
    throw new InputError(
      effectiveField,
      `invoices are issued up to ${lastIssued.period} (until ${lastIssued.periodEnd.toISOString()}): terms may change from then on, not before (void those invoices first).`,
    );
  }

  const json = termsToJson(terms);
  await prisma.contractTerms.upsert({
    where: { contractId_effectiveFrom: { contractId: id, effectiveFrom } },
    create: { contractId: id, effectiveFrom, terms: json, note },
    update: { terms: json, note, createdAt: new Date() },
  });
  return prisma.contract.findUniqueOrThrow({ where: { id } });
}
