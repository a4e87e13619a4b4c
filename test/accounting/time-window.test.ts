// Evenings in Berlin, Kolkata and Kathmandu as UTC intervals, on ordinary days and on the two days
// of 2026 when Berlin changes its clocks (29 March: 02:00 CET → 03:00 CEST, at 01:00 UTC;
// 25 October: 03:00 CEST → 02:00 CET, at 01:00 UTC).
import { describe, expect, it } from 'vitest';
import {
  hourWindowProblem,
  isValidTimeZone,
  utcInstantOf,
  utcOffsetMs,
  windowIntervals,
  type HourWindow,
  type UtcInterval,
} from '../../src/accounting/time-window.ts';

const at = (iso: string) => new Date(iso);
const EVENINGS: HourWindow = { fromHour: 18, toHour: 24 };

/** Intervals as "start..end" in ISO form without seconds, for readable expectations. */
function spans(intervals: UtcInterval[]): string[] {
  const short = (date: Date) => date.toISOString().slice(0, 16);
  return intervals.map((interval) => `${short(interval.start)}..${short(interval.end)}`);
}

const hoursIn = (intervals: UtcInterval[]) => intervals.reduce((sum, i) => sum + (i.end.getTime() - i.start.getTime()), 0) / 3_600_000;

describe('windowIntervals', () => {
  it('on a winter day in Berlin (CET, UTC+1), evenings are 17:00–23:00 UTC', () => {
    const intervals = windowIntervals(EVENINGS, 'Europe/Berlin', at('2026-01-15T00:00Z'), at('2026-01-16T00:00Z'));
    expect(spans(intervals)).toEqual(['2026-01-15T17:00..2026-01-15T23:00']);
  });

  it('in UTC, evenings are 18:00–24:00 UTC, every day of a range', () => {
    const intervals = windowIntervals(EVENINGS, 'UTC', at('2026-01-01T00:00Z'), at('2026-01-04T00:00Z'));
    expect(spans(intervals)).toEqual(['2026-01-01T18:00..2026-01-02T00:00', '2026-01-02T18:00..2026-01-03T00:00', '2026-01-03T18:00..2026-01-04T00:00']);
  });

  it('clips to the range asked about', () => {
    const intervals = windowIntervals(EVENINGS, 'Europe/Berlin', at('2026-01-15T19:30Z'), at('2026-01-16T18:00Z'));
    expect(spans(intervals)).toEqual(['2026-01-15T19:30..2026-01-15T23:00', '2026-01-16T17:00..2026-01-16T18:00']);
  });

  it('the whole day (0–24) is the whole range, as one interval, even across a clock change', () => {
    const intervals = windowIntervals({ fromHour: 0, toHour: 24 }, 'Europe/Berlin', at('2026-10-24T05:00Z'), at('2026-10-26T05:00Z'));
    expect(spans(intervals)).toEqual(['2026-10-24T05:00..2026-10-26T05:00']);
  });

  it('an empty range has no intervals', () => {
    expect(windowIntervals(EVENINGS, 'UTC', at('2026-01-01T19:00Z'), at('2026-01-01T19:00Z'))).toEqual([]);
  });

  describe('spring forward in Berlin, 29 March 2026 (a 23-hour day)', () => {
    const range = [at('2026-03-28T00:00Z'), at('2026-03-30T00:00Z')] as const;

    it('evenings are still six hours: 17:00–23:00 UTC the day before (CET), 16:00–22:00 UTC that day (CEST)', () => {
      const intervals = windowIntervals(EVENINGS, 'Europe/Berlin', ...range);
      expect(spans(intervals)).toEqual(['2026-03-28T17:00..2026-03-28T23:00', '2026-03-29T16:00..2026-03-29T22:00']);
    });

    it('02:00–03:00 does not happen that day, so a 2–3 window holds only the day before', () => {
      const intervals = windowIntervals({ fromHour: 2, toHour: 3 }, 'Europe/Berlin', ...range);
      expect(spans(intervals)).toEqual(['2026-03-28T01:00..2026-03-28T02:00']);
    });

    it('a 1–4 window is two real hours that day: 01:00–02:00 CET and 03:00–04:00 CEST', () => {
      const intervals = windowIntervals({ fromHour: 1, toHour: 4 }, 'Europe/Berlin', at('2026-03-28T23:00Z'), at('2026-03-29T22:00Z'));
      expect(spans(intervals)).toEqual(['2026-03-29T00:00..2026-03-29T02:00']);
    });

    it('the local day runs from 23:00 UTC to 22:00 UTC: 23 hours', () => {
      const intervals = windowIntervals({ fromHour: 0, toHour: 24 }, 'Europe/Berlin', at('2026-03-28T23:00Z'), at('2026-03-29T22:00Z'));
      expect(hoursIn(intervals)).toBe(23);
    });
  });

  describe('fall back in Berlin, 25 October 2026 (a 25-hour day)', () => {
    it('evenings are still six hours: 16:00–22:00 UTC the day before (CEST), 17:00–23:00 UTC that day (CET)', () => {
      const intervals = windowIntervals(EVENINGS, 'Europe/Berlin', at('2026-10-24T00:00Z'), at('2026-10-26T00:00Z'));
      expect(spans(intervals)).toEqual(['2026-10-24T16:00..2026-10-24T22:00', '2026-10-25T17:00..2026-10-25T23:00']);
    });

    it('02:00–03:00 happens twice that day, first in CEST then in CET, and both count', () => {
      const intervals = windowIntervals({ fromHour: 2, toHour: 3 }, 'Europe/Berlin', at('2026-10-25T00:00Z'), at('2026-10-26T00:00Z'));
      expect(spans(intervals)).toEqual(['2026-10-25T00:00..2026-10-25T02:00']);
    });

    it('a 0–2 window ends when 02:00 is first reached: the second 02:00–03:00 is outside it', () => {
      const intervals = windowIntervals({ fromHour: 0, toHour: 2 }, 'Europe/Berlin', at('2026-10-24T12:00Z'), at('2026-10-25T12:00Z'));
      expect(spans(intervals)).toEqual(['2026-10-24T22:00..2026-10-25T00:00']);
    });

    it('the local day runs from 22:00 UTC to 23:00 UTC: 25 hours', () => {
      const intervals = windowIntervals({ fromHour: 0, toHour: 24 }, 'Europe/Berlin', at('2026-10-24T22:00Z'), at('2026-10-25T23:00Z'));
      expect(hoursIn(intervals)).toBe(25);
    });
  });

  it('where clocks fall back two hours (Antarctica/Troll, +02 → +00 at 01:00 UTC), a 0–2 window holds twice that night', () => {
    // Local 00:00–02:00 (+02) is 22:00–00:00 UTC; at 01:00 UTC clocks go from 03:00 back to 01:00,
    // and local 01:00–02:00 (+00) comes round again.
    const intervals = windowIntervals({ fromHour: 0, toHour: 2 }, 'Antarctica/Troll', at('2026-10-24T12:00Z'), at('2026-10-25T12:00Z'));
    expect(spans(intervals)).toEqual(['2026-10-24T22:00..2026-10-25T00:00', '2026-10-25T01:00..2026-10-25T02:00']);
  });

  it('in Asia/Kolkata (UTC+05:30), evenings are 12:30–18:30 UTC', () => {
    const intervals = windowIntervals(EVENINGS, 'Asia/Kolkata', at('2026-01-15T00:00Z'), at('2026-01-16T00:00Z'));
    expect(spans(intervals)).toEqual(['2026-01-15T12:30..2026-01-15T18:30']);
  });

  it('in Asia/Kathmandu (UTC+05:45), evenings are 12:15–18:15 UTC', () => {
    const intervals = windowIntervals(EVENINGS, 'Asia/Kathmandu', at('2026-01-15T00:00Z'), at('2026-01-16T00:00Z'));
    expect(spans(intervals)).toEqual(['2026-01-15T12:15..2026-01-15T18:15']);
  });

  it('a morning window in Kolkata starts the day before in UTC: 0–6 local is 18:30–00:30 UTC', () => {
    const intervals = windowIntervals({ fromHour: 0, toHour: 6 }, 'Asia/Kolkata', at('2026-01-15T00:00Z'), at('2026-01-16T00:00Z'));
    expect(spans(intervals)).toEqual(['2026-01-15T00:00..2026-01-15T00:30', '2026-01-15T18:30..2026-01-16T00:00']);
  });

  it('refuses a window across midnight, an unknown zone and a range that ends before it starts', () => {
    expect(() => windowIntervals({ fromHour: 22, toHour: 6 }, 'UTC', at('2026-01-01T00:00Z'), at('2026-01-02T00:00Z'))).toThrow(/22–24 and 0–6/);
    expect(() => windowIntervals(EVENINGS, 'Mars/Olympus_Mons', at('2026-01-01T00:00Z'), at('2026-01-02T00:00Z'))).toThrow(RangeError);
    expect(() => windowIntervals(EVENINGS, 'UTC', at('2026-01-02T00:00Z'), at('2026-01-01T00:00Z'))).toThrow(RangeError);
  });
});

describe('hourWindowProblem', () => {
  it('accepts whole hours from < to, 24 meaning the end of the day', () => {
    expect(hourWindowProblem(EVENINGS)).toBeNull();
    expect(hourWindowProblem({ fromHour: 0, toHour: 24 })).toBeNull();
    expect(hourWindowProblem({ fromHour: 23, toHour: 24 })).toBeNull();
  });

  it('names what is wrong', () => {
    expect(hourWindowProblem({ fromHour: 17.5, toHour: 24 })).toBe('fromHour must be a whole hour, got 17.5.');
    expect(hourWindowProblem({ fromHour: 18, toHour: Number.NaN })).toBe('toHour must be a whole hour, got NaN.');
    expect(hourWindowProblem({ fromHour: -1, toHour: 6 })).toBe('fromHour must be from 0 to 23, got -1.');
    expect(hourWindowProblem({ fromHour: 24, toHour: 24 })).toBe('fromHour must be from 0 to 23, got 24.');
    expect(hourWindowProblem({ fromHour: 18, toHour: 25 })).toBe('toHour must be from 1 to 24, got 25.');
    expect(hourWindowProblem({ fromHour: 6, toHour: 6 })).toMatch(/^fromHour \(6\) must be before toHour \(6\)/);
  });

  it('tells the caller to give a window across midnight as two', () => {
    expect(hourWindowProblem({ fromHour: 22, toHour: 6 })).toBe(
      'fromHour (22) must be before toHour (6); a window across midnight is two windows, e.g. 22–6 is 22–24 and 0–6.',
    );
  });
});

describe('isValidTimeZone', () => {
  it('knows IANA zones and UTC, in any case', () => {
    expect(['Europe/Berlin', 'Asia/Kolkata', 'Asia/Kathmandu', 'UTC', 'utc', 'europe/berlin'].map(isValidTimeZone)).toEqual([true, true, true, true, true, true]);
  });

  it('refuses what is not a zone', () => {
    expect(['', 'Mars/Olympus_Mons', 'Europe', 'CET+1'].map(isValidTimeZone)).toEqual([false, false, false, false]);
  });
});

describe('utcOffsetMs', () => {
  it('is the offset in force at the instant', () => {
    expect(utcOffsetMs('Europe/Berlin', at('2026-01-15T12:00Z'))).toBe(3_600_000);
    expect(utcOffsetMs('Europe/Berlin', at('2026-07-15T12:00Z'))).toBe(7_200_000);
    expect(utcOffsetMs('Asia/Kolkata', at('2026-01-15T12:00Z'))).toBe(19_800_000);
    expect(utcOffsetMs('Asia/Kathmandu', at('2026-01-15T12:00Z'))).toBe(20_700_000);
    expect(utcOffsetMs('UTC', at('2026-01-15T12:00Z'))).toBe(0);
  });

  it('changes at the exact millisecond of the clock change', () => {
    expect(utcOffsetMs('Europe/Berlin', at('2026-03-29T00:59:59.999Z'))).toBe(3_600_000);
    expect(utcOffsetMs('Europe/Berlin', at('2026-03-29T01:00:00.000Z'))).toBe(7_200_000);
  });
});

describe('utcInstantOf', () => {
  it('finds local midnight in UTC', () => {
    expect(utcInstantOf({ year: 2026, month: 1, day: 15 }, 'Europe/Berlin')).toEqual(at('2026-01-14T23:00Z'));
    expect(utcInstantOf({ year: 2026, month: 1, day: 15 }, 'Asia/Kathmandu')).toEqual(at('2026-01-14T18:15Z'));
  });

  it('a time skipped when clocks spring forward gives the first instant after the gap', () => {
    expect(utcInstantOf({ year: 2026, month: 3, day: 29, hour: 2, minute: 30 }, 'Europe/Berlin')).toEqual(at('2026-03-29T01:00Z'));
    expect(utcInstantOf({ year: 2026, month: 3, day: 29, hour: 3 }, 'Europe/Berlin')).toEqual(at('2026-03-29T01:00Z'));
  });

  it('a time repeated when clocks fall back gives its first occurrence', () => {
    expect(utcInstantOf({ year: 2026, month: 10, day: 25, hour: 2, minute: 30 }, 'Europe/Berlin')).toEqual(at('2026-10-25T00:30Z'));
  });

  it('a whole day skipped (Pacific/Apia, 30 December 2011) gives the start of the next one', () => {
    expect(utcInstantOf({ year: 2011, month: 12, day: 30, hour: 12 }, 'Pacific/Apia')).toEqual(at('2011-12-30T10:00Z'));
  });

  it('refuses a date that does not exist', () => {
    expect(() => utcInstantOf({ year: 2026, month: 2, day: 30 }, 'UTC')).toThrow(RangeError);
    expect(() => utcInstantOf({ year: 2026, month: 1, day: 1, hour: 24 }, 'UTC')).toThrow(RangeError);
  });
});
