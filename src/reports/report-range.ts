// The relative ranges a saved report runs over: the last complete hour, day, month or quarter
// before the moment it runs, in the report's time zone. "Complete" because a report that runs at
// 06:00 on the 2nd should say what September was, not what the first 30 hours of October are;
// and the same run repeated (a scheduler catching up) then answers the same range.
import { utcInstantOf, utcOffsetMs, type UtcInterval } from '../accounting/time-window.ts';
import { periodContaining, previousPeriod } from '../contracts/periods.ts';

export const REPORT_RANGES = ['LAST_HOUR', 'LAST_DAY', 'LAST_MONTH', 'LAST_QUARTER'] as const;
export type ReportRange = (typeof REPORT_RANGES)[number];

const HOUR_MS = 3_600_000;

/**
 * [start, end) of the last complete `range` before `now` in the zone; `end` ≤ `now`, and `end`
 * equals `now` when `now` is exactly a boundary. Days, months and quarters run from local midnight
 * to local midnight (a day with a clock change is 23 or 25 hours long). An hour ends at the last
 * instant before `now` whose local clock reads :00, which for zones with whole-hour offsets is a
 * UTC hour, and for India (+05:30) one starting at :30 UTC.
 */
export function rangeBefore(range: ReportRange, timeZone: string, now: Date): UtcInterval {
  switch (range) {
    case 'LAST_HOUR': {
      const ms = now.getTime();
      const intoHour = (((ms + utcOffsetMs(timeZone, now)) % HOUR_MS) + HOUR_MS) % HOUR_MS;
      const end = ms - intoHour;
      return { start: new Date(end - HOUR_MS), end: new Date(end) };
    }
    case 'LAST_DAY': {
      const today = localMidnightAtOrBefore(timeZone, now);
      const day = new Date(Date.UTC(today.year, today.month - 1, today.day - 1));
      const start = utcInstantOf({ year: day.getUTCFullYear(), month: day.getUTCMonth() + 1, day: day.getUTCDate() }, timeZone);
      return { start, end: today.instant };
    }
    case 'LAST_MONTH':
    case 'LAST_QUARTER': {
      const period = previousPeriod(periodContaining(range === 'LAST_MONTH' ? 'MONTH' : 'QUARTER', timeZone, now));
      return { start: period.start, end: period.end };
    }
  }
}

/** The local midnight that starts the day `now` is in, and that day's date. */
function localMidnightAtOrBefore(timeZone: string, now: Date): { year: number; month: number; day: number; instant: Date } {
  const local = new Date(now.getTime() + utcOffsetMs(timeZone, now));
  const midnight = (shift: number) => {
    const date = new Date(Date.UTC(local.getUTCFullYear(), local.getUTCMonth(), local.getUTCDate() + shift));
    const wall = { year: date.getUTCFullYear(), month: date.getUTCMonth() + 1, day: date.getUTCDate() };
    return { ...wall, instant: utcInstantOf(wall, timeZone) };
  };
  // When clocks fall back across midnight, the instants after the first midnight read the day
  // before again for a while; the day that began at that first midnight is the one `now` is in.
  const tomorrow = midnight(1);
  return tomorrow.instant.getTime() <= now.getTime() ? tomorrow : midnight(0);
}
