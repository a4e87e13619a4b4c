// Billing periods: the months or quarters a contract settles, as the instants they cover. A period
// runs from local midnight on its first day to local midnight on the first day of the next, in the
// contract's time zone, half-open, so consecutive periods tie without gap or overlap whatever the
// clocks do in between: October 2026 in Europe/Berlin is [2026-09-30T22:00Z, 2026-10-31T23:00Z),
// 745 hours long, because clocks fell back on the 25th. Local midnight comes from the zone helpers
// of accounting, so a first-of-month midnight that a clock change skips or repeats is settled
// the same way there and here (the first instant the clocks read it).
//
// A contract's terms are renegotiated by adding a version that applies from an instant on;
// splitByVersions cuts a period at those instants, so that each part is priced with its own terms.
import type { BillingPeriod } from '../generated/prisma/enums.ts';
import { utcInstantOf, utcOffsetMs, type UtcInterval } from '../accounting/time-window.ts';

/** One month or quarter of a contract, [start, end) in UTC. */
export interface Period extends UtcInterval {
  kind: BillingPeriod;
  /** The IANA zone whose midnights bound the period. */
  timeZone: string;
  year: number;
  /** 1–12; for a quarter its first month: 1, 4, 7 or 10. */
  firstMonth: number;
}

/** The stretch of a period that one version of the terms governs. */
export interface VersionPart<Version> extends UtcInterval {
  version: Version;
}

const MONTHS_IN: Record<BillingPeriod, number> = { MONTH: 1, QUARTER: 3 };

function epochMs(name: string, at: Date): number {
  const ms = at.getTime();
  if (Number.isNaN(ms)) throw new RangeError(`${name} is not a valid date.`);
  return ms;
}

/** The period of the kind that begins on the first of the month; firstMonth may run past 12 or below 1. */
function periodStartingIn(kind: BillingPeriod, timeZone: string, year: number, firstMonth: number): Period {
  const monthIndex = year * 12 + (firstMonth - 1);
  const endIndex = monthIndex + MONTHS_IN[kind];
  const wallMidnight = (index: number) => ({ year: Math.floor(index / 12), month: (index % 12 + 12) % 12 + 1, day: 1 });
  const first = wallMidnight(monthIndex);
  return {
    kind,
    timeZone,
    year: first.year,
    firstMonth: first.month,
    start: utcInstantOf(first, timeZone),
    end: utcInstantOf(wallMidnight(endIndex), timeZone),
  };
}

/** The period right after: it starts where this one ends. */
export function nextPeriod(period: Period): Period {
  return periodStartingIn(period.kind, period.timeZone, period.year, period.firstMonth + MONTHS_IN[period.kind]);
}

/** The period right before: it ends where this one starts. */
export function previousPeriod(period: Period): Period {
  return periodStartingIn(period.kind, period.timeZone, period.year, period.firstMonth - MONTHS_IN[period.kind]);
}

/** The period of the kind, in the zone, that the instant falls in. Throws a RangeError for an unknown zone. */
export function periodContaining(kind: BillingPeriod, timeZone: string, instant: Date): Period {
  const ms = epochMs('instant', instant);
  const local = new Date(ms + utcOffsetMs(timeZone, instant));
  const month = local.getUTCMonth() + 1;
  const firstMonth = kind === 'MONTH' ? month : month - ((month - 1) % 3);
  const period = periodStartingIn(kind, timeZone, local.getUTCFullYear(), firstMonth);
  // The local date is not always the period's: when clocks fall back across midnight on the first,
  // the instants after the first midnight read the last day of the month before for a while.
  if (ms < period.start.getTime()) return previousPeriod(period);
  if (ms >= period.end.getTime()) return nextPeriod(period);
  return period;
}

const pad = (value: number, digits: number) => String(value).padStart(digits, '0');

/** "2026-10" for a month, "2026-Q4" for a quarter. */
export function periodLabel(period: Pick<Period, 'kind' | 'year' | 'firstMonth'>): string {
  const year = pad(period.year, 4);
  return period.kind === 'MONTH' ? `${year}-${pad(period.firstMonth, 2)}` : `${year}-Q${(period.firstMonth + 2) / 3}`;
}

const MONTH_LABEL = /^(\d{4})-(\d{2})$/;
const QUARTER_LABEL = /^(\d{4})-Q(\d)$/;

/**
 * The period a label names: "2026-10" (a MONTH) or "2026-Q4" (a QUARTER), years 0000–9999.
 * Throws a RangeError saying what is wrong with a label that does not name a period of the kind.
 */
export function periodByLabel(kind: BillingPeriod, timeZone: string, label: string): Period {
  const month = MONTH_LABEL.exec(label);
  const quarter = QUARTER_LABEL.exec(label);
  const shown = JSON.stringify(label);
  if (kind === 'MONTH') {
    if (quarter) throw new RangeError(`${shown} names a quarter, but the billing period is a month: use a label like "2026-10".`);
    if (!month) throw new RangeError(`${shown} is not a month label: use the year and the month's two digits, like "2026-10".`);
    const number = Number(month[2]);
    if (number < 1 || number > 12) throw new RangeError(`${shown} is not a month label: the month must be 01 to 12.`);
    return periodStartingIn(kind, timeZone, Number(month[1]), number);
  }
  if (month) throw new RangeError(`${shown} names a month, but the billing period is a quarter: use a label like "2026-Q4".`);
  if (!quarter) throw new RangeError(`${shown} is not a quarter label: use the year and Q1 to Q4, like "2026-Q4".`);
  const number = Number(quarter[2]);
  if (number < 1 || number > 4) throw new RangeError(`${shown} is not a quarter label: the quarter must be Q1 to Q4.`);
  return periodStartingIn(kind, timeZone, Number(quarter[1]), 3 * number - 2);
}

/**
 * The parts of the interval each version governs, in time order. A version applies from its
 * effectiveFrom until the next version's; time before the first version is governed by none and
 * left out, and a version superseded before the interval starts gives no part. Versions may come
 * in any order; two from the same instant are a RangeError (which one applies is not knowable).
 */
export function splitByVersions<Version extends { effectiveFrom: Date }>(
  interval: UtcInterval,
  versions: readonly Version[],
): VersionPart<Version>[] {
  const from = epochMs('interval.start', interval.start);
  const to = epochMs('interval.end', interval.end);
  if (to < from) throw new RangeError('interval.end must not be before interval.start.');
  const ordered = versions
    .map((version, index) => ({ version, since: epochMs(`versions[${index}].effectiveFrom`, version.effectiveFrom) }))
    .sort((a, b) => a.since - b.since);

  const parts: VersionPart<Version>[] = [];
  for (const [index, { version, since }] of ordered.entries()) {
    const until = ordered[index + 1]?.since ?? Infinity;
    if (until === since) throw new RangeError(`two versions take effect at ${version.effectiveFrom.toISOString()}.`);
    const start = Math.max(since, from);
    const end = Math.min(until, to);
    if (start < end) parts.push({ version, start: new Date(start), end: new Date(end) });
  }
  return parts;
}
