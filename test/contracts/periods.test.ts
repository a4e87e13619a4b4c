// Billing periods as UTC instants. Every boundary below was worked out by hand from the zone's
// offsets, written next to it as local midnight with its offset; the code must agree.
//
// The clock changes of 2026 these cases straddle:
// - Europe/Berlin: 29 March 02:00 CET (+01) → 03:00 CEST (+02) at 01:00Z; 25 October 03:00 CEST → 02:00 CET at 01:00Z.
// - America/New_York: 8 March 02:00 EST (−05) → 03:00 EDT (−04) at 07:00Z; 1 November 02:00 EDT → 01:00 EST at 06:00Z.
// - Asia/Kolkata: +05:30 all year.
// - Australia/Lord_Howe, a 30-minute change: 5 April 02:00 +11 → 01:30 +10:30 at 15:00Z on the 4th;
//   4 October 02:00 +10:30 → 02:30 +11 at 15:30Z on the 3rd.
import { describe, expect, it } from 'vitest';
import type { BillingPeriod } from '../../src/generated/prisma/enums.ts';
import {
  nextPeriod,
  periodByLabel,
  periodContaining,
  periodLabel,
  previousPeriod,
  splitByVersions,
  type Period,
} from '../../src/contracts/periods.ts';

const at = (iso: string) => new Date(iso);
const HOUR_MS = 3_600_000;

/** A period as "start..end" in full ISO form. */
const span = (period: { start: Date; end: Date }) => `${period.start.toISOString()}..${period.end.toISOString()}`;
const hours = (period: { start: Date; end: Date }) => (period.end.getTime() - period.start.getTime()) / HOUR_MS;

// [zone, kind, label, start, end, what the start and end are locally]
const boundaries: [string, BillingPeriod, string, string, string, string][] = [
  ['UTC', 'MONTH', '2026-10', '2026-10-01T00:00:00.000Z', '2026-11-01T00:00:00.000Z', 'UTC midnights'],
  ['UTC', 'MONTH', '2028-02', '2028-02-01T00:00:00.000Z', '2028-03-01T00:00:00.000Z', 'a leap February, 29 days'],
  ['UTC', 'MONTH', '2026-12', '2026-12-01T00:00:00.000Z', '2027-01-01T00:00:00.000Z', 'December ends in the next year'],
  ['UTC', 'QUARTER', '2026-Q1', '2026-01-01T00:00:00.000Z', '2026-04-01T00:00:00.000Z', 'UTC midnights'],
  ['UTC', 'QUARTER', '2026-Q4', '2026-10-01T00:00:00.000Z', '2027-01-01T00:00:00.000Z', 'UTC midnights'],
  // Berlin: 1 March 00:00 +01 = 28 Feb 23:00Z; 1 April 00:00 +02 = 31 March 22:00Z.
  ['Europe/Berlin', 'MONTH', '2026-03', '2026-02-28T23:00:00.000Z', '2026-03-31T22:00:00.000Z', 'CET to CEST: 743 hours'],
  // 1 October 00:00 +02 = 30 Sept 22:00Z; 1 November 00:00 +01 = 31 Oct 23:00Z.
  ['Europe/Berlin', 'MONTH', '2026-10', '2026-09-30T22:00:00.000Z', '2026-10-31T23:00:00.000Z', 'CEST to CET: 745 hours'],
  // 1 November 00:00 +01; 1 December 00:00 +01.
  ['Europe/Berlin', 'MONTH', '2026-11', '2026-10-31T23:00:00.000Z', '2026-11-30T23:00:00.000Z', 'CET throughout'],
  // 1 January 00:00 +01 = 31 Dec 23:00Z; 1 April 00:00 +02 = 31 March 22:00Z.
  ['Europe/Berlin', 'QUARTER', '2026-Q1', '2025-12-31T23:00:00.000Z', '2026-03-31T22:00:00.000Z', 'across the spring change'],
  // 1 April 00:00 +02; 1 July 00:00 +02.
  ['Europe/Berlin', 'QUARTER', '2026-Q2', '2026-03-31T22:00:00.000Z', '2026-06-30T22:00:00.000Z', 'CEST throughout'],
  // 1 October 00:00 +02 = 30 Sept 22:00Z; 1 January 00:00 +01 = 31 Dec 23:00Z.
  ['Europe/Berlin', 'QUARTER', '2026-Q4', '2026-09-30T22:00:00.000Z', '2026-12-31T23:00:00.000Z', 'across the autumn change'],
  // New York: 1 March 00:00 −05 = 05:00Z; 1 April 00:00 −04 = 04:00Z.
  ['America/New_York', 'MONTH', '2026-03', '2026-03-01T05:00:00.000Z', '2026-04-01T04:00:00.000Z', 'EST to EDT: 743 hours'],
  // 1 November 00:00 −04 = 04:00Z, two hours before that night's change; 1 December 00:00 −05 = 05:00Z.
  ['America/New_York', 'MONTH', '2026-11', '2026-11-01T04:00:00.000Z', '2026-12-01T05:00:00.000Z', 'EDT to EST on the 1st itself: 721 hours'],
  // 1 October 00:00 −04 = 04:00Z; 1 January 00:00 −05 = 05:00Z.
  ['America/New_York', 'QUARTER', '2026-Q4', '2026-10-01T04:00:00.000Z', '2027-01-01T05:00:00.000Z', 'across the autumn change'],
  // Kolkata: 1 October 00:00 +05:30 = 30 Sept 18:30Z; 1 November 00:00 +05:30 = 31 Oct 18:30Z.
  ['Asia/Kolkata', 'MONTH', '2026-10', '2026-09-30T18:30:00.000Z', '2026-10-31T18:30:00.000Z', 'half-hour offset'],
  // 1 January 2027 00:00 +05:30 = 31 Dec 18:30Z; 1 April 00:00 +05:30 = 31 March 18:30Z.
  ['Asia/Kolkata', 'QUARTER', '2027-Q1', '2026-12-31T18:30:00.000Z', '2027-03-31T18:30:00.000Z', 'half-hour offset'],
  // Lord Howe: 1 April 00:00 +11 = 31 March 13:00Z; 1 May 00:00 +10:30 = 30 April 13:30Z.
  ['Australia/Lord_Howe', 'MONTH', '2026-04', '2026-03-31T13:00:00.000Z', '2026-04-30T13:30:00.000Z', 'clocks back 30 minutes: 720.5 hours'],
  // 1 October 00:00 +10:30 = 30 Sept 13:30Z; 1 November 00:00 +11 = 31 Oct 13:00Z.
  ['Australia/Lord_Howe', 'MONTH', '2026-10', '2026-09-30T13:30:00.000Z', '2026-10-31T13:00:00.000Z', 'clocks forward 30 minutes: 743.5 hours'],
  // 1 April 00:00 +11; 1 July 00:00 +10:30 = 30 June 13:30Z.
  ['Australia/Lord_Howe', 'QUARTER', '2026-Q2', '2026-03-31T13:00:00.000Z', '2026-06-30T13:30:00.000Z', 'across the April change'],
  // 1 October 00:00 +10:30; 1 January 00:00 +11 = 31 Dec 13:00Z.
  ['Australia/Lord_Howe', 'QUARTER', '2026-Q4', '2026-09-30T13:30:00.000Z', '2026-12-31T13:00:00.000Z', 'across the October change'],
];

describe('periodByLabel and periodContaining: boundaries as exact instants', () => {
  it.each(boundaries)('%s %s %s is %s..%s (%s)', (zone, kind, label, start, end) => {
    const period = periodByLabel(kind, zone, label);
    expect(span(period)).toBe(`${start}..${end}`);
    expect(periodLabel(period)).toBe(label);
    // The first and last millisecond are in it; the millisecond before and the end are not.
    expect(span(periodContaining(kind, zone, at(start)))).toBe(span(period));
    expect(span(periodContaining(kind, zone, new Date(at(end).getTime() - 1)))).toBe(span(period));
    expect(span(periodContaining(kind, zone, new Date(at(start).getTime() - 1)))).toBe(span(previousPeriod(period)));
    expect(span(periodContaining(kind, zone, at(end)))).toBe(span(nextPeriod(period)));
  });

  it('months are as long as their clocks say: 743, 745, 721 and 720.5 hours', () => {
    expect(hours(periodByLabel('MONTH', 'Europe/Berlin', '2026-03'))).toBe(31 * 24 - 1);
    expect(hours(periodByLabel('MONTH', 'Europe/Berlin', '2026-10'))).toBe(31 * 24 + 1);
    expect(hours(periodByLabel('MONTH', 'America/New_York', '2026-11'))).toBe(30 * 24 + 1);
    expect(hours(periodByLabel('MONTH', 'Australia/Lord_Howe', '2026-04'))).toBe(30 * 24 + 0.5);
  });

  it('carries its kind, zone, year and first month', () => {
    expect(periodByLabel('QUARTER', 'Europe/Berlin', '2026-Q4')).toEqual({
      kind: 'QUARTER',
      timeZone: 'Europe/Berlin',
      year: 2026,
      firstMonth: 10,
      start: at('2026-09-30T22:00Z'),
      end: at('2026-12-31T23:00Z'),
    });
  });
});

describe('periodContaining', () => {
  it('an instant in UTC that is already the next month in Berlin belongs to that month', () => {
    // 30 Sept 22:30Z is 1 October 00:30 CEST.
    expect(periodLabel(periodContaining('MONTH', 'Europe/Berlin', at('2026-09-30T22:30Z')))).toBe('2026-10');
    expect(periodLabel(periodContaining('MONTH', 'UTC', at('2026-09-30T22:30Z')))).toBe('2026-09');
    // 1 January 2027 04:00Z is still 31 December 23:00 EST in New York.
    expect(periodLabel(periodContaining('QUARTER', 'America/New_York', at('2027-01-01T04:00Z')))).toBe('2026-Q4');
  });

  it('the repeated hour of a fall-back night is one period: Berlin, 25 October 2026', () => {
    // 02:30 local happens at 00:30Z (CEST) and again at 01:30Z (CET).
    expect(periodLabel(periodContaining('MONTH', 'Europe/Berlin', at('2026-10-25T00:30Z')))).toBe('2026-10');
    expect(periodLabel(periodContaining('MONTH', 'Europe/Berlin', at('2026-10-25T01:30Z')))).toBe('2026-10');
  });

  it('quarters start in January, April, July and October', () => {
    const firstMonths = ['2026-02-15T12:00Z', '2026-05-15T12:00Z', '2026-08-15T12:00Z', '2026-11-15T12:00Z'].map(
      (instant) => periodContaining('QUARTER', 'UTC', at(instant)).firstMonth,
    );
    expect(firstMonths).toEqual([1, 4, 7, 10]);
  });

  it('when clocks fall back across midnight on the 1st, the hour that reads the last day again is in the new month', () => {
    // St. John's, 1 November 2009: at 00:01 NDT (−02:30), 02:31Z, clocks went back to 23:01 NST (−03:30)
    // on 31 October. November began at its first midnight, 00:00 −02:30 = 02:30Z; 03:00Z reads
    // 31 October 23:30 and is still November.
    const november = periodContaining('MONTH', 'America/St_Johns', at('2009-11-01T03:00Z'));
    expect(periodLabel(november)).toBe('2009-11');
    expect(span(november)).toBe('2009-11-01T02:30:00.000Z..2009-12-01T03:30:00.000Z');
    expect(periodLabel(periodContaining('MONTH', 'America/St_Johns', at('2009-11-01T02:29:59.999Z')))).toBe('2009-10');
  });

  it('when clocks skip midnight on the 1st, the period starts when they reach the far side of the gap', () => {
    // Asunción, 1 October 2023: at 00:00 −04 (04:00Z) clocks jumped to 01:00 −03. Midnight never
    // happened; October (and the fourth quarter) began at 04:00Z. September began 1 September 00:00 −04.
    expect(periodByLabel('MONTH', 'America/Asuncion', '2023-10').start).toEqual(at('2023-10-01T04:00Z'));
    expect(span(periodByLabel('MONTH', 'America/Asuncion', '2023-09'))).toBe('2023-09-01T04:00:00.000Z..2023-10-01T04:00:00.000Z');
    expect(periodByLabel('QUARTER', 'America/Asuncion', '2023-Q4').start).toEqual(at('2023-10-01T04:00Z'));
  });

  it('refuses an invalid instant or an unknown zone', () => {
    expect(() => periodContaining('MONTH', 'UTC', new Date(Number.NaN))).toThrow(/instant is not a valid date/);
    expect(() => periodContaining('MONTH', 'Europe/Springfield', at('2026-01-01T00:00Z'))).toThrow(/not an IANA time zone/);
  });
});

describe('nextPeriod and previousPeriod', () => {
  it('walk a year of Berlin months with no gap or overlap, twelve periods to the day', () => {
    let period: Period = periodByLabel('MONTH', 'Europe/Berlin', '2026-01');
    const labels = [periodLabel(period)];
    for (let index = 0; index < 12; index++) {
      const next = nextPeriod(period);
      expect(next.start).toEqual(period.end);
      expect(previousPeriod(next)).toEqual(period);
      period = next;
      labels.push(periodLabel(period));
    }
    expect(labels.at(-1)).toBe('2027-01');
    expect(labels.slice(0, 4)).toEqual(['2026-01', '2026-02', '2026-03', '2026-04']);
  });

  it('cross year ends both ways', () => {
    expect(periodLabel(nextPeriod(periodByLabel('QUARTER', 'Asia/Kolkata', '2026-Q4')))).toBe('2027-Q1');
    expect(periodLabel(previousPeriod(periodByLabel('QUARTER', 'Asia/Kolkata', '2026-Q1')))).toBe('2025-Q4');
    expect(periodLabel(previousPeriod(periodByLabel('MONTH', 'UTC', '2026-01')))).toBe('2025-12');
  });

  it('every hour of 2026 in each zone lies in the period its label names', () => {
    const problems: string[] = [];
    for (const zone of ['UTC', 'Europe/Berlin', 'America/New_York', 'Asia/Kolkata', 'Australia/Lord_Howe']) {
      for (const kind of ['MONTH', 'QUARTER'] as const) {
        for (let ms = Date.UTC(2026, 0, 1); ms < Date.UTC(2027, 0, 1); ms += 7 * HOUR_MS) {
          const period = periodContaining(kind, zone, new Date(ms));
          const named = periodByLabel(kind, zone, periodLabel(period));
          if (!(period.start.getTime() <= ms && ms < period.end.getTime())) problems.push(`${zone} ${kind} ${new Date(ms).toISOString()}: outside`);
          if (span(named) !== span(period)) problems.push(`${zone} ${kind} ${new Date(ms).toISOString()}: label does not round-trip`);
        }
      }
    }
    expect(problems).toEqual([]);
  });
});

describe('periodByLabel: labels that name no period say why', () => {
  it.each([
    ['MONTH', '2026-13', /"2026-13" is not a month label: the month must be 01 to 12/],
    ['MONTH', '2026-00', /the month must be 01 to 12/],
    ['MONTH', '2026-1', /"2026-1" is not a month label: use the year and the month's two digits, like "2026-10"/],
    ['MONTH', '2026/10', /not a month label/],
    ['MONTH', '26-10', /not a month label/],
    ['MONTH', '', /"" is not a month label/],
    ['MONTH', '2026-Q4', /"2026-Q4" names a quarter, but the billing period is a month/],
    ['QUARTER', '2026-10', /"2026-10" names a month, but the billing period is a quarter: use a label like "2026-Q4"/],
    ['QUARTER', '2026-Q5', /"2026-Q5" is not a quarter label: the quarter must be Q1 to Q4/],
    ['QUARTER', '2026-Q0', /the quarter must be Q1 to Q4/],
    ['QUARTER', '2026-q4', /"2026-q4" is not a quarter label/],
    ['QUARTER', ' 2026-Q4', /not a quarter label/],
  ] as const)('%s %j', (kind, label, message) => {
    expect(() => periodByLabel(kind, 'UTC', label)).toThrow(RangeError);
    expect(() => periodByLabel(kind, 'UTC', label)).toThrow(message);
  });

  it('an unknown zone is named', () => {
    expect(() => periodByLabel('MONTH', 'Mars/Olympus', '2026-10')).toThrow(/"Mars\/Olympus" is not an IANA time zone/);
  });
});

describe('splitByVersions', () => {
  const october = periodByLabel('MONTH', 'Europe/Berlin', '2026-10'); // 2026-09-30T22:00Z..2026-10-31T23:00Z
  const version = (name: string, effectiveFrom: string) => ({ name, effectiveFrom: at(effectiveFrom) });
  const parts = (versions: { name: string; effectiveFrom: Date }[]) =>
    splitByVersions(october, versions).map((part) => `${part.version.name} ${span(part)}`);

  it('one version from before the period governs all of it', () => {
    expect(parts([version('v1', '2026-01-01T00:00Z')])).toEqual(['v1 2026-09-30T22:00:00.000Z..2026-10-31T23:00:00.000Z']);
  });

  it('a renegotiation mid-period splits it at the instant the new terms take effect', () => {
    // v2 from 16 October 00:00 CEST = 15 October 22:00Z.
    expect(parts([version('v1', '2026-01-01T00:00Z'), version('v2', '2026-10-15T22:00Z')])).toEqual([
      'v1 2026-09-30T22:00:00.000Z..2026-10-15T22:00:00.000Z',
      'v2 2026-10-15T22:00:00.000Z..2026-10-31T23:00:00.000Z',
    ]);
  });

  it('versions in any order; those superseded before the period or starting after it give no part', () => {
    const versions = [
      version('v4', '2026-12-01T00:00Z'),
      version('v2', '2026-06-01T00:00Z'),
      version('v3', '2026-10-20T12:00Z'),
      version('v1', '2026-01-01T00:00Z'),
    ];
    expect(parts(versions)).toEqual(['v2 2026-09-30T22:00:00.000Z..2026-10-20T12:00:00.000Z', 'v3 2026-10-20T12:00:00.000Z..2026-10-31T23:00:00.000Z']);
  });

  it('time before the first version is not covered', () => {
    expect(parts([version('v1', '2026-10-10T00:00Z')])).toEqual(['v1 2026-10-10T00:00:00.000Z..2026-10-31T23:00:00.000Z']);
    expect(parts([version('v1', '2026-11-01T00:00Z')])).toEqual([]);
    expect(parts([])).toEqual([]);
  });

  it('a version taking effect exactly at the period edges', () => {
    expect(parts([version('v1', '2026-01-01T00:00Z'), version('v2', '2026-09-30T22:00Z')])).toEqual(['v2 2026-09-30T22:00:00.000Z..2026-10-31T23:00:00.000Z']);
    expect(parts([version('v1', '2026-01-01T00:00Z'), version('v2', '2026-10-31T23:00Z')])).toEqual(['v1 2026-09-30T22:00:00.000Z..2026-10-31T23:00:00.000Z']);
  });

  it('gives back the caller’s own version objects', () => {
    const v1 = version('v1', '2026-01-01T00:00Z');
    expect(splitByVersions(october, [v1])[0]!.version).toBe(v1);
  });

  it('refuses two versions from the same instant, and invalid dates', () => {
    expect(() => parts([version('a', '2026-10-05T00:00Z'), version('b', '2026-10-05T00:00Z')])).toThrow(/two versions take effect at 2026-10-05T00:00:00.000Z/);
    expect(() => parts([{ name: 'x', effectiveFrom: new Date(Number.NaN) }])).toThrow(/versions\[0\].effectiveFrom is not a valid date/);
    expect(() => splitByVersions({ start: october.end, end: october.start }, [])).toThrow(/must not be before/);
  });
});
