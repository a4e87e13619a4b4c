// Five-field cron schedules (minute hour day-of-month month day-of-week) read in an IANA zone, by
// cron-parser. Across a change of the clocks, cron-parser's rule holds: a time the clocks skip runs
// once, at the same minute of the hour after (02:30 on a spring-forward night in Europe/Berlin runs
// at 03:30 CEST); a time the clocks repeat runs once, at its first occurrence. Every-minute and
// every-hour fields ("*", "*/15") name real instants, so they run through both repeated hours.
import { CronExpressionParser, type CronExpression } from 'cron-parser';
import { InputError } from '../domain/input-error.ts';
import type { FieldPath } from '../domain/validate.ts';

const EXAMPLE = 'e.g. "0 6 2 * *" for 06:00 on the 2nd of every month';

/**
 * The schedule with its fields separated by single spaces, or an InputError saying what is wrong.
 * Only the five standard fields: no seconds, no "@daily", and no "H", whose instants would depend
 * on a seed rather than on the schedule as written.
 */
export function cronSchedule(field: FieldPath, schedule: string, timeZone: string): string {
  const fields = schedule.trim().split(/\s+/).filter((part) => part !== '');
  if (fields.length !== 5) {
    throw new InputError(field, `"${schedule}" has ${fields.length} field${fields.length === 1 ? '' : 's'}; a schedule has five: minute hour day-of-month month day-of-week, ${EXAMPLE}.`);
  }
  if (fields.some((part) => /h/i.test(part.replace(/(jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec|sun|mon|tue|wed|thu|fri|sat)/gi, '')))) {
    throw new InputError(field, `"${schedule}" uses "H" (a hashed value); name the minute and hour, ${EXAMPLE}.`);
  }
  const normalized = fields.join(' ');
  try {
    // A schedule that parses but never fires ("0 0 30 2 *") fails on its first instant.
    expression(normalized, timeZone, new Date()).next();
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    throw new InputError(field, `"${schedule}" is not a schedule: ${reason.replace(/\.$/, '')} (fields: minute hour day-of-month month day-of-week, ${EXAMPLE}).`);
  }
  return normalized;
}

function expression(schedule: string, timeZone: string, after: Date): CronExpression {
  return CronExpressionParser.parse(schedule, { currentDate: after, tz: timeZone });
}

/** The instants of the schedule after `after` (exclusive) up to `until` (inclusive), at most `limit`, in order. */
export function instantsBetween(schedule: string, timeZone: string, after: Date, until: Date, limit: number): Date[] {
  const instants: Date[] = [];
  if (!(after < until)) return instants;
  const iterator = expression(schedule, timeZone, after);
  while (instants.length < limit) {
    const next = iterator.next().toDate();
    if (next > until) break;
    // cron-parser works in whole seconds: an `after` with milliseconds may give back its own minute.
    if (next > after) instants.push(next);
  }
  return instants;
}

/** The first instant of the schedule after `after`, or null when there is none. */
export function nextInstant(schedule: string, timeZone: string, after: Date): Date | null {
  try {
    return expression(schedule, timeZone, after).next().toDate();
  } catch {
    return null;
  }
}
