// Checks on values users send, shared by every domain service. Each returns the normalized value
// or throws an InputError naming the field.
import { isIP } from 'node:net';
import ipaddr from 'ipaddr.js';
import { InputError } from './input-error.ts';

export type FieldPath = readonly string[];

/** The canonical text of an address (IPv4-mapped IPv6 becomes IPv4), or null if it is not one. */
export function canonicalAddress(text: string): string | null {
  // node:net is strict about the dotted-quad form; ipaddr.js alone accepts "127.1" and "0x7f.1".
  if (isIP(text) === 0) return null;
  return ipaddr.process(text).toString();
}

/**
 * The canonical text of a CIDR prefix with its host bits cleared ("79.214.61.102/10" becomes
 * "79.192.0.0/10"), or null if it is not one. An address alone is a /32 or /128.
 */
export function canonicalPrefix(text: string): string | null {
  const [address = '', length, ...rest] = text.split('/');
  if (rest.length > 0 || isIP(address) === 0) return null;
  const parsed = ipaddr.parse(address);
  const max = parsed.kind() === 'ipv4' ? 32 : 128;
  const bits = length === undefined ? max : /^\d{1,3}$/.test(length) ? Number(length) : NaN;
  if (!(bits >= 0 && bits <= max)) return null;
  const network = parsed.kind() === 'ipv4' ? ipaddr.IPv4.networkAddressFromCIDR(`${address}/${bits}`) : ipaddr.IPv6.networkAddressFromCIDR(`${address}/${bits}`);
  return `${network.toString()}/${bits}`;
}

export function prefix(field: FieldPath, value: string): string {
  const canonical = canonicalPrefix(value);
  if (canonical === null) throw new InputError(field, `"${value}" is not a CIDR prefix, e.g. "79.192.0.0/10" or "2003::/19".`);
  return canonical;
}

const HOSTNAME_PATTERN = /^(?=.{1,253}$)[a-z0-9*](?:[a-z0-9*-]*[a-z0-9*])?(?:\.[a-z0-9*](?:[a-z0-9*-]*[a-z0-9*])?)*$/;

/** Hostname globs: `*` matches within one label, e.g. "*.cr1.fra.sp1.example". */
export function hostnamePatterns(field: FieldPath, values: readonly string[]): string[] {
  return [
    ...new Set(
      values.map((value, index) => {
        const pattern = value.toLowerCase();
        if (!HOSTNAME_PATTERN.test(pattern) || pattern.replaceAll('*', '').replaceAll('.', '') === '') {
          throw new InputError([...field, String(index)], `"${value}" is not a hostname pattern, e.g. "*.cr1.fra.sp1.example".`);
        }
        return pattern;
      }),
    ),
  ];
}

export function addresses(field: FieldPath, values: readonly string[]): string[] {
  const result: string[] = [];
  values.forEach((value, index) => {
    const canonical = canonicalAddress(value);
    if (canonical === null) throw new InputError([...field, String(index)], `"${value}" is not an IP address.`);
    if (!result.includes(canonical)) result.push(canonical);
  });
  return result;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
export const isUuid = (text: string) => UUID.test(text);

const SLUG = /^[a-z0-9]+(?:-[a-z0-9]+)*$/;

export function slug(field: FieldPath, value: string): string {
  if (value.length > 63 || !SLUG.test(value)) {
    throw new InputError(field, `"${value}" is not a slug: use 1–63 lower-case letters, digits and single hyphens, e.g. "sp1".`);
  }
  return value;
}

/** A human-readable name: trimmed, 1 to 200 characters. */
export function name(field: FieldPath, value: string, max = 200): string {
  const trimmed = value.trim();
  if (trimmed.length === 0 || trimmed.length > max) {
    throw new InputError(field, `must be 1 to ${max} characters.`);
  }
  return trimmed;
}

export function optionalText(field: FieldPath, value: string | null | undefined, max = 2000): string | null | undefined {
  if (value == null) return value;
  if (value.length > max) throw new InputError(field, `must be at most ${max} characters.`);
  return value;
}

/** Autonomous system numbers as GraphQL's 32-bit Int can carry them. */
export function asNumber(field: FieldPath, value: number): number {
  if (!Number.isInteger(value) || value < 1 || value > 2_147_483_647) {
    throw new InputError(field, `${value} is not an AS number in 1..2147483647.`);
  }
  return value;
}

export function positiveBigInt(field: FieldPath, value: bigint | null | undefined): bigint | null | undefined {
  if (value != null && value <= 0n) throw new InputError(field, `must be greater than 0, got ${value}.`);
  return value;
}

const COUNTRY = /^[A-Z]{2}$/;

export function countryCode(field: FieldPath, value: string | null | undefined): string | null | undefined {
  if (value == null) return value;
  const upper = value.toUpperCase();
  if (!COUNTRY.test(upper)) throw new InputError(field, `"${value}" is not an ISO 3166-1 alpha-2 country code.`);
  return upper;
}

const timeZones = new Set(Intl.supportedValuesOf('timeZone'));

export function timeZone(field: FieldPath, value: string): string {
  // supportedValuesOf omits aliases such as "UTC" on some ICU builds; the formatter accepts them.
  if (timeZones.has(value)) return value;
  try {
    new Intl.DateTimeFormat('en', { timeZone: value });
    return value;
  } catch {
    throw new InputError(field, `"${value}" is not an IANA time zone, e.g. "Europe/Berlin" or "UTC".`);
  }
}

const currencies = new Set(Intl.supportedValuesOf('currency'));

export function currency(field: FieldPath, value: string): string {
  if (!currencies.has(value)) throw new InputError(field, `"${value}" is not an ISO 4217 currency code, e.g. "EUR".`);
  return value;
}

/** A time-of-day window [from, to) in whole hours. */
export function hourWindow(field: FieldPath, window: { from: number; to: number }): { from: number; to: number } {
  if (!Number.isInteger(window.from) || window.from < 0 || window.from > 23) {
    throw new InputError([...field, 'from'], `must be an hour from 0 to 23, got ${window.from}.`);
  }
  if (!Number.isInteger(window.to) || window.to <= window.from || window.to > 24) {
    throw new InputError([...field, 'to'], `must be an hour after "from" and at most 24, got ${window.to}.`);
  }
  return window;
}

export function period(field: FieldPath, startsAt: Date, endsAt: Date | null | undefined): void {
  if (endsAt != null && endsAt <= startsAt) {
    throw new InputError([...field, 'endsAt'], 'must be after startsAt.');
  }
}
