// Time-of-day windows ("evenings: 18–24 in Europe/Berlin") as the UTC intervals they cover.
// A window holds at every instant whose local wall-clock time falls within it. That one rule
// settles the daylight-saving days without special cases: on the day clocks spring forward, a
// window inside the skipped hour holds at no instant; on the day they fall back, the repeated hour
// holds twice, once on each offset. Offsets come from Intl, so the zone data is Node's own.
import { BoundedCache } from '../path/bounded-cache.ts';

/** Local [fromHour:00, toHour:00) every day; 0 ≤ fromHour < toHour ≤ 24. */
export interface HourWindow {
  fromHour: number;
  toHour: number;
}

/** A half-open interval of time [start, end). */
export interface UtcInterval {
  start: Date;
  end: Date;
}

/** A local date and wall-clock time; month 1–12. */
export interface WallTime {
  year: number;
  month: number;
  day: number;
  hour?: number;
  minute?: number;
  second?: number;
}

const HOUR_MS = 3_600_000;
const DAY_MS = 24 * HOUR_MS;
/**
 * How far apart offsets are read when looking for a change. A zone whose offset changed and
 * changed back within this span would be missed; no zone in the tz database does that.
 */
const PROBE_MS = 6 * HOUR_MS;

/** Why the window is not one, or null when it is. */
export function hourWindowProblem(window: HourWindow): string | null {
  const { fromHour, toHour } = window;
  if (!Number.isInteger(fromHour)) return `fromHour must be a whole hour, got ${fromHour}.`;
  if (!Number.isInteger(toHour)) return `toHour must be a whole hour, got ${toHour}.`;
  if (fromHour < 0 || fromHour > 23) return `fromHour must be from 0 to 23, got ${fromHour}.`;
  if (toHour < 1 || toHour > 24) return `toHour must be from 1 to 24, got ${toHour}.`;
  if (fromHour >= toHour) {
    return `fromHour (${fromHour}) must be before toHour (${toHour}); a window across midnight is two windows, e.g. 22–6 is 22–24 and 0–6.`;
  }
  return null;
}

interface Zone {
  /** The zone's canonical name: "utc" and "UTC" share their cached offsets. */
  name: string;
  format: Intl.DateTimeFormat;
}

// Bounded because names come from users: every spelling of a zone ("europe/berlin", "EUROPE/berlin")
// is a distinct key, and unbounded that would be a way to fill memory.
const zones = new BoundedCache<string, Zone>(1024);

function zoneNamed(timeZone: string): Zone | null {
  const cached = zones.get(timeZone);
  if (cached) return cached;
  let format: Intl.DateTimeFormat;
  try {
    // h23, because some ICU builds print midnight as "24" under hour12: false; the era, because a
    // year alone does not say which side of year 1 it is on.
    format = new Intl.DateTimeFormat('en-US-u-ca-gregory-nu-latn', {
      timeZone,
      hourCycle: 'h23',
      era: 'short',
      year: 'numeric',
      month: 'numeric',
      day: 'numeric',
      hour: 'numeric',
      minute: 'numeric',
      second: 'numeric',
    });
  } catch {
    return null;
  }
  const zone = { name: format.resolvedOptions().timeZone, format };
  zones.set(timeZone, zone);
  return zone;
}

function zoneOrThrow(timeZone: string): Zone {
  const zone = zoneNamed(timeZone);
  if (!zone) throw new RangeError(`"${timeZone}" is not an IANA time zone, e.g. "Europe/Berlin" or "UTC".`);
  return zone;
}

export function isValidTimeZone(name: string): boolean {
  return zoneNamed(name) !== null;
}

/** Non-negative remainder, so that instants before 1970 floor the same way as those after. */
function mod(value: number, divisor: number): number {
  return ((value % divisor) + divisor) % divisor;
}

/** A wall-clock time read as if it were UTC, in ms since 1970: the arithmetic of local time. */
function wallClockMs(year: number, month: number, day: number, hour: number, minute: number, second: number): number {
  // Not Date.UTC: it takes years 0–99 for 1900–1999.
  const date = new Date(0);
  date.setUTCFullYear(year, month - 1, day);
  date.setUTCHours(hour, minute, second, 0);
  return date.getTime();
}

/** The offset of local time from UTC at an instant, to the second (old local mean times have seconds). */
function readOffset(format: Intl.DateTimeFormat, at: number): number {
  const second = at - mod(at, 1000);
  const field = { year: 0, month: 0, day: 0, hour: 0, minute: 0, second: 0 };
  let beforeYearOne = false;
  for (const part of format.formatToParts(second)) {
    if (part.type === 'era') beforeYearOne = part.value === 'BC';
    else if (part.type in field) field[part.type as keyof typeof field] = Number(part.value);
  }
  const year = beforeYearOne ? 1 - field.year : field.year;
  return wallClockMs(year, field.month, field.day, field.hour % 24, field.minute, field.second) - second;
}

/** A stretch of time over which a zone's offset does not change. */
interface OffsetPiece {
  start: number;
  end: number;
  offsetMs: number;
}

// Accounting asks about the same few zones and days over and over (every transfer of a day in
// Berlin), and reading an offset through Intl costs about 10 µs: the pieces of a UTC day are kept.
const dayPieces = new BoundedCache<string, readonly OffsetPiece[]>(4096);

function piecesOfDay(zone: Zone, dayStart: number): readonly OffsetPiece[] {
  const key = `${zone.name} ${dayStart}`;
  const cached = dayPieces.get(key);
  if (cached) return cached;
  const pieces: OffsetPiece[] = [];
  const last = dayStart + DAY_MS - 1;
  let pieceStart = dayStart;
  let offsetMs = readOffset(zone.format, dayStart);
  let known = dayStart;
  while (known < last) {
    const probe = Math.min(known + PROBE_MS, last);
    if (readOffset(zone.format, probe) === offsetMs) {
      known = probe;
      continue;
    }
    // The offset changed in (known, probe]: bisect to the first millisecond on the new offset.
    let before = known;
    let after = probe;
    while (after - before > 1) {
      const middle = before + Math.floor((after - before) / 2);
      if (readOffset(zone.format, middle) === offsetMs) before = middle;
      else after = middle;
    }
    pieces.push({ start: pieceStart, end: after, offsetMs });
    pieceStart = after;
    offsetMs = readOffset(zone.format, after);
    known = after;
  }
  pieces.push({ start: pieceStart, end: dayStart + DAY_MS, offsetMs });
  dayPieces.set(key, pieces);
  return pieces;
}

/** The zone's offsets over [from, to), in order, consecutive pieces on different offsets. */
function offsetPieces(zone: Zone, from: number, to: number): OffsetPiece[] {
  const pieces: OffsetPiece[] = [];
  for (let dayStart = from - mod(from, DAY_MS); dayStart < to; dayStart += DAY_MS) {
    for (const piece of piecesOfDay(zone, dayStart)) {
      const start = Math.max(piece.start, from);
      const end = Math.min(piece.end, to);
      if (start >= end) continue;
      const previous = pieces.at(-1);
      if (previous && previous.offsetMs === piece.offsetMs) previous.end = end;
      else pieces.push({ start, end, offsetMs: piece.offsetMs });
    }
  }
  return pieces;
}

function epochMs(name: string, at: Date): number {
  const ms = at.getTime();
  if (Number.isNaN(ms)) throw new RangeError(`${name} is not a valid date.`);
  return ms;
}

/** How far local time in the zone is ahead of UTC at the instant, in ms (Asia/Kolkata: 19,800,000). */
export function utcOffsetMs(timeZone: string, at: Date): number {
  const ms = epochMs('at', at);
  const [piece] = offsetPieces(zoneOrThrow(timeZone), ms, ms + 1);
  return piece!.offsetMs;
}

/**
 * The instant at which the zone's clocks first read the wall time. A time that happens twice (the
 * hour repeated when clocks fall back) gives the first occurrence; a time that never happens (the
 * hour skipped when they spring forward) gives the first instant after the gap, when the clocks
 * read its end: 02:30 on 2026-03-29 in Europe/Berlin is 03:00 CEST, 01:00 UTC.
 */
export function utcInstantOf(wall: WallTime, timeZone: string): Date {
  const zone = zoneOrThrow(timeZone);
  const { year, month, day, hour = 0, minute = 0, second = 0 } = wall;
  const target = wallClockMs(year, month, day, hour, minute, second);
  const roundTrip = new Date(target);
  if (
    ![year, month, day, hour, minute, second].every(Number.isInteger) ||
    roundTrip.getUTCFullYear() !== year ||
    roundTrip.getUTCMonth() !== month - 1 ||
    roundTrip.getUTCDate() !== day ||
    roundTrip.getUTCHours() !== hour ||
    roundTrip.getUTCMinutes() !== minute ||
    roundTrip.getUTCSeconds() !== second
  ) {
    throw new RangeError(`${JSON.stringify(wall)} is not a date and time of day.`);
  }
  // Offsets stay within a day of UTC and no change moves clocks by more than a day (Samoa skipped
  // 30 December 2011 whole), so the instant lies within two days of the wall time read as UTC.
  for (const piece of offsetPieces(zone, target - 2 * DAY_MS, target + 2 * DAY_MS)) {
    if (piece.end + piece.offsetMs > target) return new Date(Math.max(piece.start, target - piece.offsetMs));
  }
  throw new RangeError(`${JSON.stringify(wall)} has no instant in ${timeZone}.`);
}

/**
 * The intervals of [from, to) in which the window holds in the zone, in order, none touching
 * another. Throws a RangeError for an invalid window, zone or range.
 */
export function windowIntervals(window: HourWindow, timeZone: string, from: Date, to: Date): UtcInterval[] {
  const problem = hourWindowProblem(window);
  if (problem !== null) throw new RangeError(problem);
  const zone = zoneOrThrow(timeZone);
  const rangeStart = epochMs('from', from);
  const rangeEnd = epochMs('to', to);
  if (rangeEnd < rangeStart) throw new RangeError('to must not be before from.');

  const found: [number, number][] = [];
  for (const piece of offsetPieces(zone, rangeStart, rangeEnd)) {
    // On one offset, local time runs evenly with UTC: the window's occurrences in local time,
    // shifted back by the offset, are its occurrences in UTC.
    const localStart = piece.start + piece.offsetMs;
    const localEnd = piece.end + piece.offsetMs;
    for (let day = localStart - mod(localStart, DAY_MS); day + window.fromHour * HOUR_MS < localEnd; day += DAY_MS) {
      const start = Math.max(day + window.fromHour * HOUR_MS, localStart) - piece.offsetMs;
      const end = Math.min(day + window.toHour * HOUR_MS, localEnd) - piece.offsetMs;
      if (start >= end) continue;
      // A window that holds across an offset change (18–24 while clocks change at 19:00) is one interval.
      const previous = found.at(-1);
      if (previous && previous[1] === start) previous[1] = end;
      else found.push([start, end]);
    }
  }
  return found.map(([start, end]) => ({ start: new Date(start), end: new Date(end) }));
}
