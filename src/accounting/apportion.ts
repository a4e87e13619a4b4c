// A transfer's bytes over time, as accounting needs them: per bucket (an hour, aligned in UTC),
// and per bucket within the hours an accounting object counts. A transfer is taken to run at its
// average rate, so each stretch of its time gets bytes in proportion to its length. Bytes are
// whole and the parts must add up to exactly what was transferred, so shares are apportioned by
// the largest-remainder method rather than rounded one by one (which can lose or invent a byte).
// Intervals are half-open: a transfer ending at 19:00:00.000 puts nothing in the 19:00 bucket.
import { windowIntervals, type HourWindow, type UtcInterval } from './time-window.ts';

export const HOUR_MS = 3_600_000;

export interface BucketBytes {
  bucketStart: Date;
  bytes: bigint;
}

/** A stretch of a transfer's time within one bucket, wholly inside or wholly outside the intervals asked about. */
export interface TransferSegment {
  bucketStart: Date;
  start: Date;
  end: Date;
  bytes: bigint;
  /** Within the intervals asked about; true throughout when none were asked about. */
  inside: boolean;
}

export interface SegmentOptions {
  /** Bucket length in ms, buckets aligned to the Unix epoch (so hours and days fall on UTC's). */
  bucketMs?: number;
  /** Also split at the edges of these intervals (in any order, overlapping or not) and mark which stretches lie within them. */
  within?: readonly UtcInterval[];
}

function epochMs(name: string, at: Date): number {
  const ms = at.getTime();
  if (Number.isNaN(ms)) throw new RangeError(`${name} is not a valid date.`);
  return ms;
}

function checkBucketMs(bucketMs: number): void {
  if (!Number.isSafeInteger(bucketMs) || bucketMs <= 0) {
    throw new RangeError(`bucketMs must be a positive whole number of milliseconds, got ${bucketMs}.`);
  }
}

/** Floors with the remainder, not Math.floor(ms / bucketMs): near 2^53 that quotient can round up. */
function floorTo(ms: number, bucketMs: number): number {
  return ms - (((ms % bucketMs) + bucketMs) % bucketMs);
}

/** The start of the bucket holding the instant. */
export function bucketStart(at: Date, bucketMs = HOUR_MS): Date {
  checkBucketMs(bucketMs);
  return new Date(floorTo(epochMs('at', at), bucketMs));
}

/**
 * Whole shares of `amount` in proportion to `weights`, adding up to exactly `amount`. Each share is
 * the exact proportion rounded down or up (so within 1 of it); the units left after rounding
 * down go to the largest remainders, and among equal remainders to the earliest weight, so the
 * same input always gives the same split. Works for money as well as bytes.
 */
export function splitProportionally(amount: bigint, weights: readonly bigint[]): bigint[] {
  if (amount < 0n) throw new RangeError(`amount must not be negative, got ${amount}.`);
  let total = 0n;
  for (const weight of weights) {
    if (weight < 0n) throw new RangeError(`weights must not be negative, got ${weight}.`);
    total += weight;
  }
  if (total === 0n) throw new RangeError('weights must not all be zero.');

  const shares: bigint[] = [];
  const remainders: bigint[] = [];
  let given = 0n;
  for (const weight of weights) {
    const exact = amount * weight;
    const share = exact / total;
    shares.push(share);
    remainders.push(exact % total);
    given += share;
  }
  // Fewer units are left than there are weights: each rounded down by less than one.
  const left = Number(amount - given);
  if (left > 0) {
    const order = remainders.map((_, index) => index);
    order.sort((a, b) => {
      const ra = remainders[a]!;
      const rb = remainders[b]!;
      return ra > rb ? -1 : ra < rb ? 1 : a - b;
    });
    for (const index of order.slice(0, left)) shares[index]! += 1n;
  }
  return shares;
}

/** The intervals clipped to [from, to), sorted, overlapping and touching ones joined. */
function joinedIntervals(within: readonly UtcInterval[], from: number, to: number): [number, number][] {
  const clipped: [number, number][] = [];
  within.forEach((interval, index) => {
    const start = epochMs(`within[${index}].start`, interval.start);
    const end = epochMs(`within[${index}].end`, interval.end);
    if (end < start) throw new RangeError(`within[${index}] ends before it starts.`);
    if (Math.max(start, from) < Math.min(end, to)) clipped.push([Math.max(start, from), Math.min(end, to)]);
  });
  clipped.sort((a, b) => a[0] - b[0]);
  const joined: [number, number][] = [];
  for (const [start, end] of clipped) {
    const previous = joined.at(-1);
    if (previous && start <= previous[1]) previous[1] = Math.max(previous[1], end);
    else joined.push([start, end]);
  }
  return joined;
}

/** from, then every bucket boundary and interval edge strictly between from and to, then to; ascending, each once. */
function cutPoints(from: number, to: number, bucketMs: number, intervals: readonly [number, number][]): number[] {
  const edges = intervals.flat();
  const points = [from];
  let boundary = floorTo(from, bucketMs) + bucketMs;
  let edgeIndex = 0;
  for (;;) {
    const edge = edges[edgeIndex] ?? Infinity;
    const next = Math.min(boundary, edge);
    if (next >= to) break;
    if (next > points.at(-1)!) points.push(next);
    if (next === boundary) boundary += bucketMs;
    if (next === edge) edgeIndex++;
  }
  points.push(to);
  return points;
}

/**
 * The transfer's bytes over the finest stretches of its time: split at every bucket boundary and,
 * with `within`, at every edge of those intervals, each stretch getting bytes in proportion to its
 * length. Every stretch of positive length is listed, even one that got no bytes. A transfer of
 * no length is one stretch at its start holding all its bytes, inside if an interval holds that
 * instant.
 */
export function apportionSegments(bytes: bigint, startedAt: Date, endedAt: Date, options: SegmentOptions = {}): TransferSegment[] {
  const bucketMs = options.bucketMs ?? HOUR_MS;
  checkBucketMs(bucketMs);
  const from = epochMs('startedAt', startedAt);
  const to = epochMs('endedAt', endedAt);
  if (to < from) throw new RangeError('endedAt must not be before startedAt.');
  if (bytes < 0n) throw new RangeError(`bytes must not be negative, got ${bytes}.`);
  const within = options.within;

  if (from === to) {
    const inside = within === undefined || joinedIntervals(within, from, from + 1).length > 0;
    return [{ bucketStart: new Date(floorTo(from, bucketMs)), start: new Date(from), end: new Date(to), bytes, inside }];
  }

  const intervals = within === undefined ? [] : joinedIntervals(within, from, to);
  const points = cutPoints(from, to, bucketMs, intervals);
  const lengths: bigint[] = [];
  for (let index = 1; index < points.length; index++) lengths.push(BigInt(points[index]! - points[index - 1]!));
  const shares = splitProportionally(bytes, lengths);

  const segments: TransferSegment[] = [];
  let intervalIndex = 0;
  for (let index = 0; index < shares.length; index++) {
    const start = points[index]!;
    // Cut at every edge, a stretch lies wholly in or wholly out of the (joined, sorted) intervals.
    while (intervalIndex < intervals.length && intervals[intervalIndex]![1] <= start) intervalIndex++;
    const interval = intervals[intervalIndex];
    const inside = within === undefined || (interval !== undefined && interval[0] <= start);
    segments.push({ bucketStart: new Date(floorTo(start, bucketMs)), start: new Date(start), end: new Date(points[index + 1]!), bytes: shares[index]!, inside });
  }
  return segments;
}

/** Sums the chosen segments' bytes per bucket, in order; buckets that got no bytes are left out. */
function perBucket(segments: readonly TransferSegment[], counts: (segment: TransferSegment) => boolean): BucketBytes[] {
  const buckets: BucketBytes[] = [];
  let current: BucketBytes | undefined;
  for (const segment of segments) {
    if (current?.bucketStart.getTime() !== segment.bucketStart.getTime()) {
      if (current && current.bytes > 0n) buckets.push(current);
      current = { bucketStart: segment.bucketStart, bytes: 0n };
    }
    if (counts(segment)) current.bytes += segment.bytes;
  }
  if (current && current.bytes > 0n) buckets.push(current);
  return buckets;
}

/**
 * The transfer's bytes per bucket, adding up to exactly `bytes`. Buckets that got no bytes (a
 * transfer of fewer bytes than buckets) are left out.
 */
export function apportion(bytes: bigint, startedAt: Date, endedAt: Date, bucketMs = HOUR_MS): BucketBytes[] {
  return perBucket(apportionSegments(bytes, startedAt, endedAt, { bucketMs }), () => true);
}

/**
 * The bytes per bucket that the transfer moved within the intervals, from one apportioning over
 * the finest stretches (see apportionSegments): what a bucket gets inside plus what it gets
 * outside is that bucket's share of that split. That share can differ by a byte from the bucket's
 * in `apportion`, which rounds over coarser stretches. Buckets with no bytes inside are left out.
 * The intervals need only cover the transfer ([startedAt, endedAt), or the instant startedAt for a
 * transfer of no length).
 */
export function apportionWithin(bytes: bigint, startedAt: Date, endedAt: Date, within: readonly UtcInterval[], bucketMs = HOUR_MS): BucketBytes[] {
  return perBucket(apportionSegments(bytes, startedAt, endedAt, { bucketMs, within }), (segment) => segment.inside);
}

/**
 * `apportionWithin` for time-of-day windows in a zone. Several windows count where any holds:
 * that is how a window across midnight is given, 22–6 as 22–24 and 0–6.
 */
export function apportionWithinWindows(
  bytes: bigint,
  startedAt: Date,
  endedAt: Date,
  windows: HourWindow | readonly HourWindow[],
  timeZone: string,
  bucketMs = HOUR_MS,
): BucketBytes[] {
  // A transfer of no length counts at its first instant, so the windows are asked about that millisecond.
  const until = endedAt.getTime() > startedAt.getTime() ? endedAt : new Date(startedAt.getTime() + 1);
  const list: readonly HourWindow[] = Array.isArray(windows) ? windows : [windows];
  const within = list.flatMap((window) => windowIntervals(window, timeZone, startedAt, until));
  return apportionWithin(bytes, startedAt, endedAt, within, bucketMs);
}
