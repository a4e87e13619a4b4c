import { describe, expect, it } from 'vitest';
import { InputError } from '../../src/domain/input-error.ts';
import * as valid from '../../src/domain/validate.ts';

const field = ['input', 'x'];

function errorOf(run: () => unknown): InputError {
  try {
    run();
  } catch (error) {
    if (error instanceof InputError) return error;
  }
  throw new Error('expected an InputError');
}

describe('validate', () => {
  it('slugs: lower-case words joined by single hyphens', () => {
    expect(valid.slug(field, 'backbone-132')).toBe('backbone-132');
    for (const bad of ['SP1', 'sp 1', '-sp1', 'sp1-', 'sp--1', '', 'a'.repeat(64)]) {
      expect(errorOf(() => valid.slug(field, bad)).field).toEqual(field);
    }
  });

  it('names are trimmed and bounded', () => {
    expect(valid.name(field, '  SP1  ')).toBe('SP1');
    expect(errorOf(() => valid.name(field, '   ')).message).toMatch(/1 to 200/);
  });

  it('addresses are canonical, deduplicated, and the bad one is named by index', () => {
    expect(valid.addresses(field, ['192.0.2.1', '::ffff:192.0.2.1', '2001:DB8::1'])).toEqual(['192.0.2.1', '2001:db8::1']);
    expect(errorOf(() => valid.addresses(field, ['192.0.2.1', 'nope'])).field).toEqual(['input', 'x', '1']);
  });

  it('time zones are IANA names', () => {
    expect(valid.timeZone(field, 'Europe/Berlin')).toBe('Europe/Berlin');
    expect(valid.timeZone(field, 'UTC')).toBe('UTC');
    expect(errorOf(() => valid.timeZone(field, 'Mars/Olympus')).message).toMatch(/IANA/);
  });

  it('currencies are ISO 4217', () => {
    expect(valid.currency(field, 'EUR')).toBe('EUR');
    expect(errorOf(() => valid.currency(field, 'eur')).message).toMatch(/ISO 4217/);
  });

  it('hour windows are [from, to) within a day', () => {
    expect(valid.hourWindow(field, { from: 18, to: 24 })).toEqual({ from: 18, to: 24 });
    expect(errorOf(() => valid.hourWindow(field, { from: 24, to: 24 })).field).toEqual(['input', 'x', 'from']);
    expect(errorOf(() => valid.hourWindow(field, { from: 18, to: 18 })).field).toEqual(['input', 'x', 'to']);
    expect(errorOf(() => valid.hourWindow(field, { from: 0, to: 25 })).field).toEqual(['input', 'x', 'to']);
  });

  it('AS numbers fit GraphQL Int and are positive', () => {
    expect(valid.asNumber(field, 3320)).toBe(3320);
    expect(() => valid.asNumber(field, 0)).toThrow(InputError);
    expect(() => valid.asNumber(field, -5)).toThrow(InputError);
  });
});
