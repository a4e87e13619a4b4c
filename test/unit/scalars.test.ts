import { Kind } from 'graphql';
import { describe, expect, it } from 'vitest';
import { BigIntScalar, DateTime, Decimal, IPAddress } from '../../src/graphql/scalars.ts';

describe('BigInt', () => {
  it('travels as a decimal string both ways, exact beyond 2^53', () => {
    expect(BigIntScalar.parseValue('9007199254740993')).toBe(9007199254740993n);
    expect(BigIntScalar.serialize(9007199254740993n)).toBe('9007199254740993');
  });

  it('accepts the 64-bit range and nothing past it', () => {
    expect(BigIntScalar.parseValue('9223372036854775807')).toBe(2n ** 63n - 1n);
    expect(() => BigIntScalar.parseValue('9223372036854775808')).toThrow(/does not fit in 64 bits/);
  });

  it('refuses floats, hex and words', () => {
    for (const bad of ['1.5', '0x10', 'ten', '', 1.5]) expect(() => BigIntScalar.parseValue(bad)).toThrow(/BigInt must be/);
  });

  it('takes an integer literal in a query', () => {
    expect(BigIntScalar.parseLiteral({ kind: Kind.INT, value: '30000' })).toBe(30000n);
  });
});

describe('DateTime', () => {
  it('requires a time zone, so an instant is never ambiguous', () => {
    expect(DateTime.parseValue('2026-10-01T18:00:00Z')).toEqual(new Date(Date.UTC(2026, 9, 1, 18)));
    expect(DateTime.parseValue('2026-10-01T20:00:00+02:00')).toEqual(new Date(Date.UTC(2026, 9, 1, 18)));
    expect(() => DateTime.parseValue('2026-10-01T18:00:00')).toThrow(/with a time zone/);
    expect(() => DateTime.parseValue('yesterday')).toThrow(/ISO 8601/);
    expect(() => DateTime.parseValue('2026-02-30T00:00:00Z')).toThrow(/not a real date/);
    expect(() => DateTime.parseValue('2026-10-01T24:00:00Z')).toThrow(/not a real date/);
    expect(DateTime.parseValue('2028-02-29T00:00:00Z')).toEqual(new Date(Date.UTC(2028, 1, 29)));
  });

  it('serializes in UTC', () => {
    expect(DateTime.serialize(new Date(Date.UTC(2026, 0, 2, 3, 4, 5)))).toBe('2026-01-02T03:04:05.000Z');
  });
});

describe('Decimal', () => {
  it('is kept as the exact string', () => {
    expect(Decimal.parseValue('12.50')).toBe('12.50');
    expect(Decimal.parseLiteral({ kind: Kind.FLOAT, value: '0.1' })).toBe('0.1');
    expect(() => Decimal.parseValue('1e3')).toThrow(/Decimal must be/);
    expect(() => Decimal.parseValue(12.5)).toThrow(/Decimal must be/);
  });
});

describe('IPAddress', () => {
  it('returns the canonical form', () => {
    expect(IPAddress.parseValue('2001:0db8:0000:0000:0000:0000:0000:0001')).toBe('2001:db8::1');
    expect(IPAddress.parseValue('::ffff:192.0.2.1')).toBe('192.0.2.1');
    expect(IPAddress.parseValue('192.0.2.1')).toBe('192.0.2.1');
  });

  it('refuses the lenient forms some parsers take', () => {
    for (const bad of ['127.1', '0x7f.0.0.1', '256.0.0.1', '192.0.2.1/24', 'localhost', '']) {
      expect(() => IPAddress.parseValue(bad)).toThrow(/IPAddress must be/);
    }
  });
});
