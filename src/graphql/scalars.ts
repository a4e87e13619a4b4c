// The API's scalars (DESIGN.md §3). 64-bit numbers and money travel as decimal strings so no
// client's float can round them.
import { GraphQLScalarType, Kind, type ValueNode } from 'graphql';
import { canonicalAddress } from '../domain/validate.ts';
import { apiError, ErrorCode } from './errors.ts';

const invalid = (message: string) => apiError(ErrorCode.BAD_USER_INPUT, message);

function literalString(ast: ValueNode, scalar: string): string {
  if (ast.kind === Kind.STRING) return ast.value;
  if (ast.kind === Kind.INT && (scalar === 'BigInt' || scalar === 'Decimal')) return ast.value;
  if (ast.kind === Kind.FLOAT && scalar === 'Decimal') return ast.value;
  throw invalid(`${scalar} must be given as a string.`);
}

const ISO_8601 = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})(?::(\d{2})(?:\.\d{1,9})?)?(?:Z|[+-](\d{2}):(\d{2}))$/;

function parseDateTime(value: unknown): Date {
  const parts = typeof value === 'string' ? ISO_8601.exec(value) : null;
  if (parts === null) {
    throw invalid(`DateTime must be ISO 8601 with a time zone, e.g. 2026-10-01T18:00:00Z; got ${JSON.stringify(value)}.`);
  }
  // Date() rolls 2026-02-30 over into March; a date that does not exist is an error instead.
  const [year, month, day, hour, minute, second = 0, offsetHour = 0, offsetMinute = 0] = parts.slice(1).map((p) => (p === undefined ? undefined : Number(p))) as number[];
  const daysInMonth = new Date(Date.UTC(year!, month!, 0)).getUTCDate();
  if (month! < 1 || month! > 12 || day! < 1 || day! > daysInMonth || hour! > 23 || minute! > 59 || second > 59 || offsetHour > 23 || offsetMinute > 59) {
    throw invalid(`DateTime ${JSON.stringify(value)} is not a real date and time.`);
  }
  return new Date(value as string);
}

export const DateTime = new GraphQLScalarType<Date, string>({
  name: 'DateTime',
  serialize: (value) => {
    const date = value instanceof Date ? value : new Date(String(value));
    if (Number.isNaN(date.getTime())) throw new TypeError(`Not a DateTime: ${String(value)}`);
    return date.toISOString();
  },
  parseValue: parseDateTime,
  parseLiteral: (ast) => parseDateTime(literalString(ast, 'DateTime')),
});

const INT64_MAX = 2n ** 63n - 1n;
const INT64_MIN = -(2n ** 63n);

function parseBigInt(value: unknown): bigint {
  const text = typeof value === 'number' && Number.isSafeInteger(value) ? String(value) : value;
  if (typeof text !== 'string' || !/^-?\d{1,19}$/.test(text)) {
    throw invalid(`BigInt must be a string of decimal digits, e.g. "30000"; got ${JSON.stringify(value)}.`);
  }
  const parsed = BigInt(text);
  if (parsed > INT64_MAX || parsed < INT64_MIN) throw invalid(`BigInt ${text} does not fit in 64 bits.`);
  return parsed;
}

export const BigIntScalar = new GraphQLScalarType<bigint, string>({
  name: 'BigInt',
  serialize: (value) => {
    if (typeof value === 'bigint') return value.toString();
    if (typeof value === 'number' && Number.isSafeInteger(value)) return String(value);
    if (typeof value === 'string' && /^-?\d+$/.test(value)) return value;
    throw new TypeError(`Not a BigInt: ${String(value)}`);
  },
  parseValue: parseBigInt,
  parseLiteral: (ast) => parseBigInt(literalString(ast, 'BigInt')),
});

const DECIMAL = /^-?\d{1,28}(\.\d{1,12})?$/;

function parseDecimal(value: unknown): string {
  if (typeof value !== 'string' || !DECIMAL.test(value)) {
    throw invalid(`Decimal must be a string like "12.50"; got ${JSON.stringify(value)}.`);
  }
  return value;
}

export const Decimal = new GraphQLScalarType<string, string>({
  name: 'Decimal',
  // Prisma's Decimal, decimal.js and strings all print exactly with toString().
  serialize: (value) => String(value),
  parseValue: parseDecimal,
  parseLiteral: (ast) => parseDecimal(literalString(ast, 'Decimal')),
});

function parseAddress(value: unknown): string {
  const canonical = typeof value === 'string' ? canonicalAddress(value) : null;
  if (canonical === null) {
    throw invalid(`IPAddress must be an IPv4 or IPv6 address, e.g. 192.0.2.1; got ${JSON.stringify(value)}.`);
  }
  return canonical;
}

export const IPAddress = new GraphQLScalarType<string, string>({
  name: 'IPAddress',
  serialize: (value) => String(value),
  parseValue: parseAddress,
  parseLiteral: (ast) => parseAddress(literalString(ast, 'IPAddress')),
});
