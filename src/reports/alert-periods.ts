// The periods an alert rule watches, as the instants they cover: hours, days, months and quarters
// in the rule's time zone, half-open [start, end). Months and quarters are the billing periods of
// contracts/periods.ts, so an alert and an invoice agree on what "October" was. Days run from
// local midnight to local midnight (23 or 25 hours on a clock-change day). An hour starts when the
// local clock reads :00 and lasts 60 minutes, as a saved report's LAST_HOUR does: a UTC hour in
// zones with whole-hour offsets, one starting at :30 UTC in India; the hour clocks repeat when
// they fall back is two periods, one on each offset.
import { utcInstantOf, utcOffsetMs, type UtcInterval } from '../accounting/time-window.ts';
import { periodContaining } from '../contracts/periods.ts';
import type { AlertPeriod } from '../generated/prisma/enums.ts';

const HOUR_MS = 3_600_000;

const mod = (value: number, divisor: number) => ((value % divisor) + divisor) % divisor;

/** The period of the kind, in the zone, that the instant falls in. Throws a RangeError for an unknown zone. */
export function alertPeriodContaining(kind: AlertPeriod, timeZone: string, at: Date): UtcInterval {
  switch (kind) {
    case 'HOUR': {
      const ms = at.getTime();
      const start = ms - mod(ms + utcOffsetMs(timeZone, at), HOUR_MS);
      return { start: new Date(start), end: new Date(start + HOUR_MS) };
    }
    case 'DAY':
      return dayContaining(timeZone, at);
    case 'MONTH':
    case 'QUARTER': {
      const { start, end } = periodContaining(kind, timeZone, at);
      return { start, end };
    }
  }
}

/** The period that ended when this one began. */
export function previousAlertPeriod(kind: AlertPeriod, timeZone: string, period: UtcInterval): UtcInterval {
  return alertPeriodContaining(kind, timeZone, new Date(period.start.getTime() - 1));
}

function dayContaining(timeZone: string, at: Date): UtcInterval {
  const ms = at.getTime();
  const local = new Date(ms + utcOffsetMs(timeZone, at));
  const midnight = (shift: number) => {
    const date = new Date(Date.UTC(local.getUTCFullYear(), local.getUTCMonth(), local.getUTCDate() + shift));
    return utcInstantOf({ year: date.getUTCFullYear(), month: date.getUTCMonth() + 1, day: date.getUTCDate() }, timeZone);
  };
  // The local date is not always the day's: when clocks fall back across midnight, the instants
  // after the first midnight read the day before again for a while.
  const [start, end] = [midnight(0), midnight(1)];
  if (ms < start.getTime()) return { start: midnight(-1), end: start };
  if (ms >= end.getTime()) return { start: end, end: midnight(2) };
  return { start, end };
}
