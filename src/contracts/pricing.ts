// Price terms turned into invoice lines, in exact decimal arithmetic.
//
// Usage is measured in bytes and priced per GB, where 1 GB is 10^9 bytes: 1 byte is exactly
// 0.000000001 GB. Rates and fees are decimals of at most 10 places, never floats.
//
// Rounding, the one rule: every invoice line's amount is its quantity times its unit price,
// computed exactly and then rounded ONCE to the currency's minor unit (JPY 0 places, EUR 2,
// KWD and BHD 3, as Intl knows them), half to even (banker's rounding: 0.005 → 0.00,
// 0.015 → 0.02, 2.5 JPY → 2). Unit prices are never rounded. A total is the sum of its lines'
// rounded amounts, so an invoice always adds up as printed; it may differ by a few minor units
// from rounding the exact total once.
//
// The terms, one kind each; a contract's terms are a list of them, priced together:
// - FLAT_WITH_OVERAGE: the flat fee, always (a line even when it is 0), and usage above the
//   included bytes at the overage rate. Usage of exactly the included bytes has no overage line.
// - GRADUATED: each tier's rate on the usage inside that tier. A tier's upToBytes is inclusive,
//   as in Stripe: the tier "up to 10 GB" holds usage up to and including 10 GB, and the next
//   tier starts 1 byte above. The first tier holds 0 too, so it is always entered: zero usage
//   still pays the first tier's flat fee (Stripe does the same). A tier after the first is entered
//   once usage is above the previous tier's upToBytes. Every tier entered has a usage line (even at
//   rate 0, to show the free allowance) and, when it has a flat fee, a separate fee line after it,
//   so that every line's amount is its quantity times its unit price.
// - VOLUME: the rate of the tier the whole usage falls in, on all of it, and that tier's flat fee.
// - PER_COMPONENT: a rate on the bytes each network owner carried, one line per owner, in the
//   order given, an owner who carried nothing included.
// - MINIMUM_COMMITMENT: when the other lines add up to less than the minimum, a shortfall line for
//   the difference; at most one per list of terms.
// - NETTING: the side that sent more pays the difference at the rate; one line even when the two
//   directions balance (nobody pays it, and it is 0).
//
// A period whose terms were renegotiated is priced part by part (priceParts): each part with its
// own version's terms on its own usage. Nothing is prorated: each part gets the whole of its
// version's included bytes, tier bounds and minimum, and its flat fees in full.
import { Decimal } from 'decimal.js';
import { InputError } from '../domain/input-error.ts';
import type { FieldPath } from '../domain/validate.ts';
import type { InvoiceLineKind } from '../generated/prisma/enums.ts';

// decimal.js rounds every result to `precision` significant digits (20 by default, too few for
// 10^18 bytes at a 10-place rate). Validated rates and fees have at most 25 digits and byte counts
// are 64-bit (20 digits), so with 1000 digits every product and sum here is exact.
// Sums of money elsewhere (invoice totals, adjustments) use it for the same reason.
export const Exact = Decimal.clone({ precision: 1_000, rounding: Decimal.ROUND_HALF_EVEN });

export interface Tier {
  /** The highest usage the tier holds, inclusive; null for no limit (the last tier only). */
  upToBytes: bigint | null;
  ratePerGb: Decimal;
  /** Charged once when usage enters the tier. */
  flatFee?: Decimal;
}

export interface FlatWithOverageTerms {
  kind: 'FLAT_WITH_OVERAGE';
  flatFee: Decimal;
  includedBytes: bigint;
  overageRatePerGb: Decimal;
}

export interface GraduatedTerms {
  kind: 'GRADUATED';
  tiers: readonly Tier[];
}

export interface VolumeTerms {
  kind: 'VOLUME';
  tiers: readonly Tier[];
}

export interface PerComponentTerms {
  kind: 'PER_COMPONENT';
  ratePerGb: Decimal;
}

export interface MinimumCommitmentTerms {
  kind: 'MINIMUM_COMMITMENT';
  minimum: Decimal;
}

export interface NettingTerms {
  kind: 'NETTING';
  ratePerGb: Decimal;
}

/** What the contract's uplink grant let the ISP's subscribers upload, at the grant's rate (made with the grant). */
export interface UplinkTerms {
  kind: 'UPLINK';
  ratePerGb: Decimal;
}

export type PriceTerms = FlatWithOverageTerms | GraduatedTerms | VolumeTerms | PerComponentTerms | MinimumCommitmentTerms | NettingTerms | UplinkTerms;

/** The two parties of a netting contract, in the order the terms name them. */
export type NettingSide = 'A' | 'B';

/** What a priced line is; adjustments are made by settlement, not by terms. */
export type PricedLineKind = Exclude<InvoiceLineKind, 'ADJUSTMENT'>;

export interface InvoiceLine {
  kind: PricedLineKind;
  description: string;
  /** GB, or 1 for a fee. */
  quantity: Decimal;
  /** Exact, never rounded. */
  unitPrice: Decimal;
  /** quantity × unitPrice, rounded to the currency's minor unit, half to even. */
  amount: Decimal;
  /** PER_COMPONENT lines: the network owner whose share this is, who bills it. */
  networkOwner?: string;
  /** NETTING lines: the side that pays; absent when the traffic balances. */
  payer?: NettingSide;
  /** Lines from priceParts: the label of the part they price. */
  part?: string;
}

export interface NettingUsage {
  aToB: bigint;
  bToA: bigint;
}

export interface NettingSettlement {
  /** The side that sent more, or null when both sent the same. */
  payer: NettingSide | null;
  line: InvoiceLine;
}

/** What a period (or part of one) measured, in the shapes the terms price. */
export interface Usage {
  /** All bytes: FLAT_WITH_OVERAGE, GRADUATED and VOLUME. */
  bytes?: bigint;
  /** Bytes per network owner: PER_COMPONENT. */
  bytesByNetworkOwner?: ReadonlyMap<string, bigint>;
  /** The two directions between the parties: NETTING. */
  exchange?: NettingUsage;
}

export interface PricedPart {
  /** Put on every line of the part, e.g. the dates it covers. */
  label: string;
  terms: readonly PriceTerms[];
  usage: Usage;
}

// ---------------------------------------------------------------------------------------------
// Validation

const MAX_DECIMAL_PLACES = 10;
/** A bound far above any real price, so that exactness never depends on how large one is. */
const PRICE_LIMIT = new Exact('1e15');

function checkPrice(field: FieldPath, value: Decimal): void {
  if (!value.isFinite()) throw new InputError(field, `must be a number, got ${value.toString()}.`);
  // toFixed: a caller who sent "0.00000000001" should not read it back as "1e-11".
  if (value.lessThan(0)) throw new InputError(field, `must not be negative, got ${value.toFixed()}.`);
  if (value.decimalPlaces() > MAX_DECIMAL_PLACES) {
    throw new InputError(field, `must have at most ${MAX_DECIMAL_PLACES} decimal places, got ${value.toFixed()}.`);
  }
  if (PRICE_LIMIT.lessThanOrEqualTo(value)) throw new InputError(field, `must be less than 10^15, got ${value.toFixed()}.`);
}

function checkTiers(field: FieldPath, tiers: readonly Tier[]): void {
  if (tiers.length === 0) throw new InputError(field, 'must have at least one tier.');
  let below = 0n;
  for (const [index, tier] of tiers.entries()) {
    const at = [...field, String(index)];
    const last = index === tiers.length - 1;
    checkPrice([...at, 'ratePerGb'], tier.ratePerGb);
    if (tier.flatFee !== undefined) checkPrice([...at, 'flatFee'], tier.flatFee);
    if (tier.upToBytes === null) {
      if (!last) throw new InputError([...at, 'upToBytes'], 'only the last tier may be unbounded (upToBytes null).');
      continue;
    }
    if (last) throw new InputError([...at, 'upToBytes'], 'the last tier must be unbounded (upToBytes null), so that all usage has a price.');
    if (tier.upToBytes <= below) {
      const previous = index === 0 ? 'above 0' : `above the previous tier's upToBytes (${below})`;
      throw new InputError([...at, 'upToBytes'], `must be ${previous}: tiers strictly increase, got ${tier.upToBytes}.`);
    }
    below = tier.upToBytes;
  }
}

/**
 * The terms, if valid; otherwise an InputError naming the offending field under `field`. Rates,
 * fees and minimums are finite, from 0 to below 10^15, with at most 10 decimal places; tier bounds
 * strictly increase from above 0, and the last tier, only it, is unbounded.
 */
export function checkPriceTerms<Terms extends PriceTerms>(field: FieldPath, terms: Terms): Terms {
  switch (terms.kind) {
    case 'FLAT_WITH_OVERAGE':
      checkPrice([...field, 'flatFee'], terms.flatFee);
      if (terms.includedBytes < 0n) throw new InputError([...field, 'includedBytes'], `must not be negative, got ${terms.includedBytes}.`);
      checkPrice([...field, 'overageRatePerGb'], terms.overageRatePerGb);
      return terms;
    case 'GRADUATED':
    case 'VOLUME':
      checkTiers([...field, 'tiers'], terms.tiers);
      return terms;
    case 'PER_COMPONENT':
    case 'NETTING':
    case 'UPLINK':
      checkPrice([...field, 'ratePerGb'], terms.ratePerGb);
      return terms;
    case 'MINIMUM_COMMITMENT':
      checkPrice([...field, 'minimum'], terms.minimum);
      return terms;
    default:
      // Terms read back from storage are only as typed as what was stored.
      throw new InputError([...field, 'kind'], `${JSON.stringify((terms as { kind: unknown }).kind)} is not a kind of price terms.`);
  }
}

/** A contract's list of terms, each checked, with at most one minimum commitment. */
export function checkPriceTermsList(field: FieldPath, list: readonly PriceTerms[]): readonly PriceTerms[] {
  let minimumAt: number | null = null;
  for (const [index, terms] of list.entries()) {
    checkPriceTerms([...field, String(index)], terms);
    if (terms.kind !== 'MINIMUM_COMMITMENT') continue;
    if (minimumAt !== null) {
      throw new InputError([...field, String(index), 'kind'], `only one MINIMUM_COMMITMENT is allowed; terms ${minimumAt} already is one.`);
    }
    minimumAt = index;
  }
  return list;
}

// ---------------------------------------------------------------------------------------------
// Money and quantities

const currencies = new Set(Intl.supportedValuesOf('currency'));
const minorUnitsOf = new Map<string, number>();

/** Decimal places of the currency's minor unit: EUR 2, JPY 0, KWD 3. RangeError for an unknown code. */
export function minorUnits(currency: string): number {
  const known = minorUnitsOf.get(currency);
  if (known !== undefined) return known;
  // Intl formats any three letters ("ABC") as a currency with 2 places: ask the list it knows.
  if (!currencies.has(currency)) throw new RangeError(`"${currency}" is not an ISO 4217 currency code, e.g. "EUR".`);
  const places = new Intl.NumberFormat('en', { style: 'currency', currency }).resolvedOptions().maximumFractionDigits ?? 2;
  minorUnitsOf.set(currency, places);
  return places;
}

/** The amount rounded to the currency's minor unit, half to even. */
export function roundToMinorUnit(amount: Decimal, currency: string): Decimal {
  return new Exact(amount).toDecimalPlaces(minorUnits(currency), Decimal.ROUND_HALF_EVEN);
}

/** Bytes in GB (10^9 bytes), exactly. */
export function bytesToGb(bytes: bigint): Decimal {
  // A decimal string with an exponent: the constructor does not round, and no float is involved.
  return new Exact(`${bytes}e-9`);
}

const gbText = (bytes: bigint) => `${bytesToGb(bytes).toFixed()} GB`;

/** Adds up the lines' rounded amounts. */
export function invoiceTotal(lines: readonly Pick<InvoiceLine, 'amount'>[]): Decimal {
  return lines.reduce((total, line) => total.plus(line.amount), new Exact(0));
}

function checkBytes(name: string, bytes: bigint): void {
  if (bytes < 0n) throw new RangeError(`${name} must not be negative, got ${bytes}.`);
}

function line(currency: string, kind: PricedLineKind, description: string, quantity: Decimal, unitPrice: Decimal): InvoiceLine {
  return { kind, description, quantity, unitPrice, amount: roundToMinorUnit(new Exact(quantity).times(unitPrice), currency) };
}

const ONE = new Exact(1);
const fee = (currency: string, kind: PricedLineKind, description: string, amount: Decimal) => line(currency, kind, description, ONE, amount);

// ---------------------------------------------------------------------------------------------
// Each kind of terms; the exported functions check their terms, the inner ones trust them.

function flatWithOverage(terms: FlatWithOverageTerms, bytes: bigint, currency: string): InvoiceLine[] {
  const lines = [fee(currency, 'FLAT_FEE', 'Flat fee', terms.flatFee)];
  if (bytes > terms.includedBytes) {
    lines.push(line(currency, 'OVERAGE', `Usage above ${gbText(terms.includedBytes)}`, bytesToGb(bytes - terms.includedBytes), terms.overageRatePerGb));
  }
  return lines;
}

function tierName(tiers: readonly Tier[], index: number): string {
  const upTo = tiers[index]!.upToBytes;
  const below = index === 0 ? null : tiers[index - 1]!.upToBytes;
  const range =
    below === null ? `up to ${upTo === null ? 'any usage' : gbText(upTo)}` : upTo === null ? `over ${gbText(below)}` : `over ${gbText(below)} up to ${gbText(upTo)}`;
  return `Tier ${index + 1} (${range})`;
}

function graduated(terms: GraduatedTerms, bytes: bigint, currency: string): InvoiceLine[] {
  const lines: InvoiceLine[] = [];
  let below = 0n;
  for (const [index, tier] of terms.tiers.entries()) {
    if (index > 0 && bytes <= below) break;
    const top = tier.upToBytes === null || bytes < tier.upToBytes ? bytes : tier.upToBytes;
    const name = tierName(terms.tiers, index);
    lines.push(line(currency, 'USAGE', name, bytesToGb(top - below), tier.ratePerGb));
    if (tier.flatFee && !tier.flatFee.isZero()) lines.push(fee(currency, 'TIER_FEE', `${name} flat fee`, tier.flatFee));
    if (tier.upToBytes === null) break;
    below = tier.upToBytes;
  }
  return lines;
}

function volume(terms: VolumeTerms, bytes: bigint, currency: string): InvoiceLine[] {
  // The last tier is unbounded, so some tier holds any usage.
  const index = terms.tiers.findIndex((tier) => tier.upToBytes === null || bytes <= tier.upToBytes);
  const tier = terms.tiers[index]!;
  const name = tierName(terms.tiers, index);
  const lines = [line(currency, 'USAGE', `All usage at ${name}`, bytesToGb(bytes), tier.ratePerGb)];
  if (tier.flatFee && !tier.flatFee.isZero()) lines.push(fee(currency, 'TIER_FEE', `${name} flat fee`, tier.flatFee));
  return lines;
}

function perComponent(terms: PerComponentTerms, bytesByNetworkOwner: ReadonlyMap<string, bigint>, currency: string): InvoiceLine[] {
  return [...bytesByNetworkOwner].map(([networkOwner, bytes]) => {
    checkBytes(`bytes carried by ${networkOwner}`, bytes);
    return { ...line(currency, 'COMPONENT_FEE', `Traffic carried by ${networkOwner}`, bytesToGb(bytes), terms.ratePerGb), networkOwner };
  });
}

function uplink(terms: UplinkTerms, bytes: bigint, currency: string): InvoiceLine[] {
  checkBytes('bytes uploaded', bytes);
  return bytes === 0n ? [] : [line(currency, 'USAGE', 'Uplink used under the grant', bytesToGb(bytes), terms.ratePerGb)];
}

function shortfall(terms: MinimumCommitmentTerms, others: readonly Pick<InvoiceLine, 'amount'>[], currency: string): InvoiceLine[] {
  const missing = new Exact(terms.minimum).minus(invoiceTotal(others));
  const shortfallLine = fee(currency, 'MINIMUM_SHORTFALL', `Minimum commitment shortfall (minimum ${new Exact(terms.minimum).toFixed()})`, missing);
  // Compared once rounded: a shortfall of less than half a minor unit is no line rather than a 0 one.
  return shortfallLine.amount.greaterThan(0) ? [shortfallLine] : [];
}

function netting(terms: NettingTerms, usage: NettingUsage, currency: string): NettingSettlement {
  checkBytes('aToB', usage.aToB);
  checkBytes('bToA', usage.bToA);
  const difference = usage.aToB - usage.bToA;
  const payer: NettingSide | null = difference > 0n ? 'A' : difference < 0n ? 'B' : null;
  const description = payer === 'A' ? 'Net traffic from A to B' : payer === 'B' ? 'Net traffic from B to A' : 'Net traffic (balanced)';
  const nettingLine = line(currency, 'NETTING', description, bytesToGb(difference < 0n ? -difference : difference), terms.ratePerGb);
  return { payer, line: payer === null ? nettingLine : { ...nettingLine, payer } };
}

const TERMS: FieldPath = ['terms'];

export function priceFlatWithOverage(terms: FlatWithOverageTerms, bytes: bigint, currency: string): InvoiceLine[] {
  checkBytes('bytes', bytes);
  return flatWithOverage(checkPriceTerms(TERMS, terms), bytes, currency);
}

export function priceGraduated(terms: GraduatedTerms, bytes: bigint, currency: string): InvoiceLine[] {
  checkBytes('bytes', bytes);
  return graduated(checkPriceTerms(TERMS, terms), bytes, currency);
}

export function priceVolume(terms: VolumeTerms, bytes: bigint, currency: string): InvoiceLine[] {
  checkBytes('bytes', bytes);
  return volume(checkPriceTerms(TERMS, terms), bytes, currency);
}

export function pricePerComponent(terms: PerComponentTerms, bytesByNetworkOwner: ReadonlyMap<string, bigint>, currency: string): InvoiceLine[] {
  return perComponent(checkPriceTerms(TERMS, terms), bytesByNetworkOwner, currency);
}

/** The shortfall line when the other lines of the contract and period add up to less than the minimum; else none. */
export function minimumCommitmentShortfall(terms: MinimumCommitmentTerms, otherLines: readonly Pick<InvoiceLine, 'amount'>[], currency: string): InvoiceLine[] {
  return shortfall(checkPriceTerms(TERMS, terms), otherLines, currency);
}

/** The line for what was uploaded under an uplink grant; none when nothing was. */
export function priceUplink(terms: UplinkTerms, bytes: bigint, currency: string): InvoiceLine[] {
  return uplink(checkPriceTerms(TERMS, terms), bytes, currency);
}

export function priceNetting(terms: NettingTerms, usage: NettingUsage, currency: string): NettingSettlement {
  return netting(checkPriceTerms(TERMS, terms), usage, currency);
}

function needed<Value>(value: Value | undefined, kind: PriceTerms['kind'], name: keyof Usage): Value {
  if (value === undefined) throw new RangeError(`${kind} terms price usage.${name}, which is missing.`);
  return value;
}

/**
 * The lines of a contract's terms on one period's usage: each terms' lines in list order, then
 * the minimum commitment's shortfall measured against all of them.
 */
export function priceUsage(termsList: readonly PriceTerms[], usage: Usage, currency: string): InvoiceLine[] {
  checkPriceTermsList(TERMS, termsList);
  minorUnits(currency);
  if (usage.bytes !== undefined) checkBytes('usage.bytes', usage.bytes);
  const lines: InvoiceLine[] = [];
  for (const terms of termsList) {
    switch (terms.kind) {
      case 'FLAT_WITH_OVERAGE':
        lines.push(...flatWithOverage(terms, needed(usage.bytes, terms.kind, 'bytes'), currency));
        break;
      case 'GRADUATED':
        lines.push(...graduated(terms, needed(usage.bytes, terms.kind, 'bytes'), currency));
        break;
      case 'VOLUME':
        lines.push(...volume(terms, needed(usage.bytes, terms.kind, 'bytes'), currency));
        break;
      case 'PER_COMPONENT':
        lines.push(...perComponent(terms, needed(usage.bytesByNetworkOwner, terms.kind, 'bytesByNetworkOwner'), currency));
        break;
      case 'NETTING':
        lines.push(netting(terms, needed(usage.exchange, terms.kind, 'exchange'), currency).line);
        break;
      case 'UPLINK':
        lines.push(...uplink(terms, needed(usage.bytes, terms.kind, 'bytes'), currency));
        break;
      case 'MINIMUM_COMMITMENT':
        break;
    }
  }
  const minimum = termsList.find((terms) => terms.kind === 'MINIMUM_COMMITMENT');
  if (minimum) lines.push(...shortfall(minimum, lines, currency));
  return lines;
}

/**
 * The lines of a period priced part by part, each part with its own terms on its own usage (no
 * proration: see the header), in part order, each line labelled with its part.
 */
export function priceParts(parts: readonly PricedPart[], currency: string): InvoiceLine[] {
  return parts.flatMap((part) => priceUsage(part.terms, part.usage, currency).map((priced) => ({ ...priced, part: part.label })));
}
