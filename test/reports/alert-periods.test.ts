// The periods alert rules watch, as UTC instants worked out by hand from the zones' offsets, and
// the approaching bound's rounding.
//
// Clock changes straddled: Europe/Berlin 29 March 2026 02:00 CET → 03:00 CEST at 01:00Z, 25 October
// 03:00 CEST → 02:00 CET at 01:00Z; America/Santiago 4 April 2026 24:00 (−03) → 23:00 (−04) at
// 03:00Z on the 5th (the 4th has 25 hours, the 5th begins at 04:00Z); Asia/Kolkata +05:30.
import { describe, expect, it } from 'vitest';
import type { AlertPeriod } from '../../src/generated/prisma/enums.ts';
import { alertPeriodContaining, previousAlertPeriod } from '../../src/reports/alert-periods.ts';
import { approachingBound } from '../../src/reports/alerts.ts';

const span = (period: { start: Date; end: Date }) => `${period.start.toISOString()}..${period.end.toISOString()}`;

// [kind, zone, instant, its period, the period before]
const cases: [AlertPeriod, string, string, string, string][] = [
  ['HOUR', 'UTC', '2026-11-10T10:59:59.999Z', '2026-11-10T10:00:00.000Z..2026-11-10T11:00:00.000Z', '2026-11-10T09:00:00.000Z..2026-11-10T10:00:00.000Z'],
  // 15:40 in India is in the hour from 15:00 +05:30.
  ['HOUR', 'Asia/Kolkata', '2026-11-10T10:10:00Z', '2026-11-10T09:30:00.000Z..2026-11-10T10:30:00.000Z', '2026-11-10T08:30:00.000Z..2026-11-10T09:30:00.000Z'],
  // 02:00–03:00 happens twice in Berlin on 25 October: two hours, one on each offset.
  ['HOUR', 'Europe/Berlin', '2026-10-25T00:30:00Z', '2026-10-25T00:00:00.000Z..2026-10-25T01:00:00.000Z', '2026-10-24T23:00:00.000Z..2026-10-25T00:00:00.000Z'],
  ['HOUR', 'Europe/Berlin', '2026-10-25T01:30:00Z', '2026-10-25T01:00:00.000Z..2026-10-25T02:00:00.000Z', '2026-10-25T00:00:00.000Z..2026-10-25T01:00:00.000Z'],
  ['DAY', 'Europe/Berlin', '2026-11-10T22:59:59.999Z', '2026-11-09T23:00:00.000Z..2026-11-10T23:00:00.000Z', '2026-11-08T23:00:00.000Z..2026-11-09T23:00:00.000Z'],
  // 25 and 23 hours long.
  ['DAY', 'Europe/Berlin', '2026-10-25T12:00:00Z', '2026-10-24T22:00:00.000Z..2026-10-25T23:00:00.000Z', '2026-10-23T22:00:00.000Z..2026-10-24T22:00:00.000Z'],
  ['DAY', 'Europe/Berlin', '2026-03-29T12:00:00Z', '2026-03-28T23:00:00.000Z..2026-03-29T22:00:00.000Z', '2026-03-27T23:00:00.000Z..2026-03-28T23:00:00.000Z'],
  // 03:30Z on the 5th reads 23:30 on the 4th again in Santiago: still the 4th.
  ['DAY', 'America/Santiago', '2026-04-05T03:30:00Z', '2026-04-04T03:00:00.000Z..2026-04-05T04:00:00.000Z', '2026-04-03T03:00:00.000Z..2026-04-04T03:00:00.000Z'],
  ['DAY', 'America/Santiago', '2026-04-05T04:00:00Z', '2026-04-05T04:00:00.000Z..2026-04-06T04:00:00.000Z', '2026-04-04T03:00:00.000Z..2026-04-05T04:00:00.000Z'],
  ['MONTH', 'Europe/Berlin', '2026-10-15T00:00:00Z', '2026-09-30T22:00:00.000Z..2026-10-31T23:00:00.000Z', '2026-08-31T22:00:00.000Z..2026-09-30T22:00:00.000Z'],
  ['QUARTER', 'UTC', '2026-11-10T00:00:00Z', '2026-10-01T00:00:00.000Z..2027-01-01T00:00:00.000Z', '2026-07-01T00:00:00.000Z..2026-10-01T00:00:00.000Z'],
];

describe('alert periods', () => {
  it.each(cases)('%s in %s at %s', (kind, zone, instant, expected, before) => {
    const period = alertPeriodContaining(kind, zone, new Date(instant));
    expect(span(period)).toBe(expected);
    expect(span(previousAlertPeriod(kind, zone, period))).toBe(before);
  });

  it('an instant at a period’s end starts the next period', () => {
    expect(span(alertPeriodContaining('DAY', 'Europe/Berlin', new Date('2026-11-10T23:00:00Z')))).toBe('2026-11-10T23:00:00.000Z..2026-11-11T23:00:00.000Z');
  });

  it('refuses an unknown zone', () => {
    expect(() => alertPeriodContaining('DAY', 'Mars/Olympus_Mons', new Date())).toThrow(RangeError);
  });
});

describe('the approaching bound', () => {
  it('is percent % of the threshold, rounded up to a whole unit', () => {
    expect(approachingBound(10_000n, 80)).toBe(8_000n);
    expect(approachingBound(10n, 33)).toBe(4n); // 3.3 → 4: 3 bytes are not 33 % of 10
    expect(approachingBound(1n, 1)).toBe(1n);
    expect(approachingBound(99n, 99)).toBe(99n); // 98.01 → 99
    expect(approachingBound(9_000_000_000_000_000_000n, 90)).toBe(8_100_000_000_000_000_000n);
  });
});
