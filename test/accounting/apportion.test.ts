// A transfer's bytes spread over hour buckets at its average rate, in whole bytes that add up to
// exactly what was transferred; then only the bytes moved within a time-of-day window.
import { describe, expect, it } from 'vitest';
import {
  apportion,
  apportionSegments,
  apportionWithin,
  apportionWithinWindows,
  bucketStart,
  HOUR_MS,
  splitProportionally,
  type BucketBytes,
  type TransferSegment,
} from '../../src/accounting/apportion.ts';
import { windowIntervals, type HourWindow, type UtcInterval } from '../../src/accounting/time-window.ts';

const at = (iso: string) => new Date(iso);

/** Buckets as { "17:00": bytes } keyed by ISO start without seconds, for readable expectations. */
function byBucket(buckets: BucketBytes[]): Record<string, bigint> {
  return Object.fromEntries(buckets.map((bucket) => [bucket.bucketStart.toISOString().slice(0, 16), bucket.bytes]));
}

const sum = (values: readonly bigint[]) => values.reduce((total, value) => total + value, 0n);

describe('bucketStart', () => {
  it('floors to the hour', () => {
    expect(bucketStart(at('2026-01-15T17:59:59.999Z'))).toEqual(at('2026-01-15T17:00Z'));
    expect(bucketStart(at('2026-01-15T18:00:00.000Z'))).toEqual(at('2026-01-15T18:00Z'));
  });

  it('floors before 1970 too, rather than rounding toward it', () => {
    expect(bucketStart(at('1969-12-31T23:30Z'))).toEqual(at('1969-12-31T23:00Z'));
  });

  it('takes other bucket lengths, aligned in UTC', () => {
    expect(bucketStart(at('2026-01-15T17:44Z'), 15 * 60_000)).toEqual(at('2026-01-15T17:30Z'));
    expect(bucketStart(at('2026-01-15T17:44Z'), 24 * HOUR_MS)).toEqual(at('2026-01-15T00:00Z'));
  });
});

describe('splitProportionally', () => {
  it('gives units left after rounding down to the largest remainders, the earliest first among equals', () => {
    // 100 × 1/6, 2/6, 3/6 = 16.67, 33.33, 50: rounded down 16 + 33 + 50 = 99; the one left goes to 16.67.
    expect(splitProportionally(100n, [1n, 2n, 3n])).toEqual([17n, 33n, 50n]);
    expect(splitProportionally(2n, [1n, 1n, 1n])).toEqual([1n, 1n, 0n]);
  });

  it('refuses negative amounts and weights, and weights that are all zero', () => {
    expect(() => splitProportionally(-1n, [1n])).toThrow(RangeError);
    expect(() => splitProportionally(1n, [1n, -1n])).toThrow(RangeError);
    expect(() => splitProportionally(1n, [0n, 0n])).toThrow(RangeError);
  });
});

describe('apportion', () => {
  it('3,600 bytes over 17:30–18:30: half the time in each hour, half the bytes', () => {
    expect(byBucket(apportion(3_600n, at('2026-01-15T17:30Z'), at('2026-01-15T18:30Z')))).toEqual({
      '2026-01-15T17:00': 1_800n,
      '2026-01-15T18:00': 1_800n,
    });
  });

  it('10 bytes over three equal hours: 3⅓ each, the byte left over goes to the earliest', () => {
    expect(byBucket(apportion(10n, at('2026-01-15T17:00Z'), at('2026-01-15T20:00Z')))).toEqual({
      '2026-01-15T17:00': 4n,
      '2026-01-15T18:00': 3n,
      '2026-01-15T19:00': 3n,
    });
  });

  it('1 byte over two equal halves goes to the earlier; over unequal parts, to the longer', () => {
    expect(byBucket(apportion(1n, at('2026-01-15T17:30Z'), at('2026-01-15T18:30Z')))).toEqual({ '2026-01-15T17:00': 1n });
    // 15 minutes in the 17:00 hour, 30 in the 18:00 hour.
    expect(byBucket(apportion(1n, at('2026-01-15T17:45Z'), at('2026-01-15T18:30Z')))).toEqual({ '2026-01-15T18:00': 1n });
  });

  it('3 bytes over five hours: the first three hours get one each, the others are left out', () => {
    expect(byBucket(apportion(3n, at('2026-01-15T17:00Z'), at('2026-01-15T22:00Z')))).toEqual({
      '2026-01-15T17:00': 1n,
      '2026-01-15T18:00': 1n,
      '2026-01-15T19:00': 1n,
    });
  });

  it('a transfer ending exactly at 19:00 puts nothing in the 19:00 bucket', () => {
    expect(byBucket(apportion(7_200n, at('2026-01-15T17:00Z'), at('2026-01-15T19:00Z')))).toEqual({
      '2026-01-15T17:00': 3_600n,
      '2026-01-15T18:00': 3_600n,
    });
  });

  it('a transfer of no length puts all its bytes in the bucket holding its start', () => {
    expect(byBucket(apportion(500n, at('2026-01-15T19:00Z'), at('2026-01-15T19:00Z')))).toEqual({ '2026-01-15T19:00': 500n });
    expect(byBucket(apportion(500n, at('2026-01-15T18:59:59.999Z'), at('2026-01-15T18:59:59.999Z')))).toEqual({ '2026-01-15T18:00': 500n });
  });

  it('no bytes, no buckets', () => {
    expect(apportion(0n, at('2026-01-15T17:00Z'), at('2026-01-15T20:00Z'))).toEqual([]);
  });

  it('a three-day transfer from 00:30 at 1,000 bytes a second: half hours at both ends, 71 full hours between', () => {
    const buckets = apportion(259_200_000n, at('2026-01-01T00:30Z'), at('2026-01-04T00:30Z'));
    expect(buckets).toHaveLength(73);
    expect(buckets[0]).toEqual({ bucketStart: at('2026-01-01T00:00Z'), bytes: 1_800_000n });
    expect(buckets.slice(1, -1).every((bucket) => bucket.bytes === 3_600_000n)).toBe(true);
    expect(buckets.at(-1)).toEqual({ bucketStart: at('2026-01-04T00:00Z'), bytes: 1_800_000n });
    expect(sum(buckets.map((bucket) => bucket.bytes))).toBe(259_200_000n);
  });

  it('2^62 bytes over three hours: exact, the one byte left over in the first hour', () => {
    // 2^62 = 4,611,686,018,427,387,904 = 3 × 1,537,228,672,809,129,301 + 1.
    expect(byBucket(apportion(2n ** 62n, at('2026-01-15T17:00Z'), at('2026-01-15T20:00Z')))).toEqual({
      '2026-01-15T17:00': 1_537_228_672_809_129_302n,
      '2026-01-15T18:00': 1_537_228_672_809_129_301n,
      '2026-01-15T19:00': 1_537_228_672_809_129_301n,
    });
  });

  it('takes other bucket lengths', () => {
    expect(byBucket(apportion(100n, at('2026-01-15T23:00Z'), at('2026-01-16T03:00Z'), 24 * HOUR_MS))).toEqual({
      '2026-01-15T00:00': 25n,
      '2026-01-16T00:00': 75n,
    });
  });

  it('refuses a transfer that ends before it starts, negative bytes and invalid dates', () => {
    expect(() => apportion(1n, at('2026-01-15T18:00Z'), at('2026-01-15T17:00Z'))).toThrow(RangeError);
    expect(() => apportion(-1n, at('2026-01-15T17:00Z'), at('2026-01-15T18:00Z'))).toThrow(RangeError);
    expect(() => apportion(1n, new Date(Number.NaN), at('2026-01-15T18:00Z'))).toThrow(RangeError);
    expect(() => apportion(1n, at('2026-01-15T17:00Z'), at('2026-01-15T18:00Z'), 0)).toThrow(RangeError);
  });
});

const EVENINGS: HourWindow = { fromHour: 18, toHour: 24 };

describe('apportionWithinWindows: the bytes moved in the evening', () => {
  it('on a winter day in Berlin, evenings start at 17:00 UTC: 16:30–17:00 is outside', () => {
    // 16:30–19:30 UTC at 1 byte a second.
    expect(byBucket(apportionWithinWindows(10_800n, at('2026-01-15T16:30Z'), at('2026-01-15T19:30Z'), EVENINGS, 'Europe/Berlin'))).toEqual({
      '2026-01-15T17:00': 3_600n,
      '2026-01-15T18:00': 3_600n,
      '2026-01-15T19:00': 1_800n,
    });
  });

  it('on the day Berlin springs forward, evenings are still six hours, now 16:00–22:00 UTC', () => {
    const buckets = apportionWithinWindows(28_800n, at('2026-03-29T15:00Z'), at('2026-03-29T23:00Z'), EVENINGS, 'Europe/Berlin');
    expect(Object.keys(byBucket(buckets))).toEqual(['16', '17', '18', '19', '20', '21'].map((hour) => `2026-03-29T${hour}:00`));
    expect(buckets.every((bucket) => bucket.bytes === 3_600n)).toBe(true);
  });

  it('on the day Berlin falls back, evenings are still six hours, now 17:00–23:00 UTC', () => {
    const buckets = apportionWithinWindows(28_800n, at('2026-10-25T15:00Z'), at('2026-10-25T23:00Z'), EVENINGS, 'Europe/Berlin');
    expect(Object.keys(byBucket(buckets))).toEqual(['17', '18', '19', '20', '21', '22'].map((hour) => `2026-10-25T${hour}:00`));
    expect(buckets.every((bucket) => bucket.bytes === 3_600n)).toBe(true);
  });

  it('a 2–3 window catches nothing the night 02:00–03:00 does not happen', () => {
    expect(apportionWithinWindows(10_800n, at('2026-03-29T00:00Z'), at('2026-03-29T03:00Z'), { fromHour: 2, toHour: 3 }, 'Europe/Berlin')).toEqual([]);
  });

  it('a 2–3 window catches two hours the night 02:00–03:00 happens twice', () => {
    // 23:00–03:00 UTC; 02:00 CEST is 00:00 UTC, and 03:00 CET (the second 02:00–03:00 over) is 02:00 UTC.
    expect(byBucket(apportionWithinWindows(14_400n, at('2026-10-24T23:00Z'), at('2026-10-25T03:00Z'), { fromHour: 2, toHour: 3 }, 'Europe/Berlin'))).toEqual({
      '2026-10-25T00:00': 3_600n,
      '2026-10-25T01:00': 3_600n,
    });
  });

  it('in Kolkata, evenings start at 12:30 UTC: half of the 12:00 bucket is in', () => {
    expect(byBucket(apportionWithinWindows(7_200n, at('2026-01-15T12:00Z'), at('2026-01-15T14:00Z'), EVENINGS, 'Asia/Kolkata'))).toEqual({
      '2026-01-15T12:00': 1_800n,
      '2026-01-15T13:00': 3_600n,
    });
  });

  it('22–6 is not one window but two, 22–24 and 0–6, and together they run through midnight', () => {
    expect(() => apportionWithinWindows(1n, at('2026-01-15T21:00Z'), at('2026-01-16T07:00Z'), { fromHour: 22, toHour: 6 }, 'UTC')).toThrow(/22–24 and 0–6/);
    const nights = [
      { fromHour: 22, toHour: 24 },
      { fromHour: 0, toHour: 6 },
    ];
    // 21:00–07:00 at 1 byte a second: the eight hours 22:00–06:00 are in.
    const buckets = apportionWithinWindows(36_000n, at('2026-01-15T21:00Z'), at('2026-01-16T07:00Z'), nights, 'UTC');
    expect(buckets.map((bucket) => bucket.bucketStart.toISOString().slice(11, 13))).toEqual(['22', '23', '00', '01', '02', '03', '04', '05']);
    expect(buckets.every((bucket) => bucket.bytes === 3_600n)).toBe(true);
  });

  it('a transfer of no length counts in the window if its instant is in it', () => {
    expect(byBucket(apportionWithinWindows(500n, at('2026-01-15T17:00Z'), at('2026-01-15T17:00Z'), EVENINGS, 'Europe/Berlin'))).toEqual({ '2026-01-15T17:00': 500n });
    expect(apportionWithinWindows(500n, at('2026-01-15T16:59:59.999Z'), at('2026-01-15T16:59:59.999Z'), EVENINGS, 'Europe/Berlin')).toEqual([]);
  });
});

describe('apportionWithin: in and out of the window come from one split', () => {
  const segmentsPerBucket = (segments: TransferSegment[], inside?: boolean) => {
    const totals = new Map<number, bigint>();
    for (const segment of segments) {
      if (inside !== undefined && segment.inside !== inside) continue;
      totals.set(segment.bucketStart.getTime(), (totals.get(segment.bucketStart.getTime()) ?? 0n) + segment.bytes);
    }
    return totals;
  };

  it('splits at bucket boundaries and window edges, each piece wholly in or out', () => {
    const within: UtcInterval[] = [{ start: at('2026-01-15T12:30Z'), end: at('2026-01-15T18:30Z') }];
    const segments = apportionSegments(10n, at('2026-01-15T12:00Z'), at('2026-01-15T14:00Z'), { within });
    // 30, 30 and 60 minutes of 120: 2.5, 2.5 and 5 bytes; the byte left over goes to the earlier half.
    expect(segments.map((s) => [s.start.toISOString().slice(11, 16), s.end.toISOString().slice(11, 16), s.bytes, s.inside])).toEqual([
      ['12:00', '12:30', 3n, false],
      ['12:30', '13:00', 2n, true],
      ['13:00', '14:00', 5n, true],
    ]);
  });

  it('a bucket can get a byte less in the finer split than alone: 1 byte over 12:00–14:00 in Kolkata', () => {
    // Alone, the two hours tie and the earlier takes the byte. Split at 12:30 for the evening, the
    // 13:00 hour is the largest piece (half the time, against a quarter for each half hour).
    expect(byBucket(apportion(1n, at('2026-01-15T12:00Z'), at('2026-01-15T14:00Z')))).toEqual({ '2026-01-15T12:00': 1n });
    expect(byBucket(apportionWithinWindows(1n, at('2026-01-15T12:00Z'), at('2026-01-15T14:00Z'), EVENINGS, 'Asia/Kolkata'))).toEqual({ '2026-01-15T13:00': 1n });
  });

  // Each window with the rest of the day: the same edges, so the same pieces.
  const windowAndRest: [string, HourWindow[], HourWindow[], string][] = [
    ['evenings in Kolkata', [EVENINGS], [{ fromHour: 0, toHour: 18 }], 'Asia/Kolkata'],
    ['2–3 in Berlin, across its clock changes', [{ fromHour: 2, toHour: 3 }], [{ fromHour: 0, toHour: 2 }, { fromHour: 3, toHour: 24 }], 'Europe/Berlin'],
    ['evenings in Kathmandu', [EVENINGS], [{ fromHour: 0, toHour: 18 }], 'Asia/Kathmandu'],
  ];

  it.each(windowAndRest)('%s: in + out of each bucket is what its pieces got, and all add up to the bytes', (_, window, rest, timeZone) => {
    const transfers: [Date, Date][] = [
      [at('2026-03-27T10:17:31.123Z'), at('2026-03-30T05:02:00Z')],
      [at('2026-10-24T10:17:31.123Z'), at('2026-10-27T05:02:00Z')],
    ];
    for (const [startedAt, endedAt] of transfers) {
      const bytes = 1_000_003n;
      const inside = apportionWithinWindows(bytes, startedAt, endedAt, window, timeZone);
      const outside = apportionWithinWindows(bytes, startedAt, endedAt, rest, timeZone);
      const within = window.flatMap((w) => windowIntervals(w, timeZone, startedAt, endedAt));
      const segments = apportionSegments(bytes, startedAt, endedAt, { within });
      const totals = segmentsPerBucket(segments);
      expect(new Map(inside.map((b) => [b.bucketStart.getTime(), b.bytes]))).toEqual(
        new Map([...segmentsPerBucket(segments, true)].filter(([, value]) => value > 0n)),
      );
      for (const [bucket, total] of totals) {
        const inBytes = inside.find((b) => b.bucketStart.getTime() === bucket)?.bytes ?? 0n;
        const outBytes = outside.find((b) => b.bucketStart.getTime() === bucket)?.bytes ?? 0n;
        expect(inBytes + outBytes).toBe(total);
      }
      expect(sum([...totals.values()])).toBe(bytes);
    }
  });
});

/** Mulberry32: a small seeded generator, so the cases are the same on every run. */
function seeded(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 2 ** 32;
  };
}

describe('apportion over many pseudo-random transfers', () => {
  const random = seeded(20260329);
  const below = (n: number) => Math.floor(random() * n);
  const randomBytes = (): bigint => {
    switch (below(3)) {
      case 0:
        return BigInt(below(20));
      case 1:
        return BigInt(below(2 ** 32));
      default:
        // Up to 2^63 - 1, from two 32-bit draws.
        return (BigInt(below(2 ** 31)) << 32n) | BigInt(below(2 ** 32));
    }
  };
  const randomDuration = () => [0, below(HOUR_MS), below(3 * 24 * HOUR_MS), below(4) * HOUR_MS][below(4)]!;
  const cases = Array.from({ length: 400 }, () => {
    const startedAt = Date.UTC(2026, 0, 1) + below(365 * 24 * HOUR_MS);
    const endedAt = startedAt + randomDuration();
    const bucketMs = [HOUR_MS, HOUR_MS, 15 * 60_000, 24 * HOUR_MS][below(4)]!;
    const within: UtcInterval[] = Array.from({ length: below(5) }, () => {
      const start = startedAt - HOUR_MS + below(endedAt - startedAt + 2 * HOUR_MS);
      return { start: new Date(start), end: new Date(start + below(6 * HOUR_MS)) };
    });
    return { bytes: randomBytes(), startedAt, endedAt, bucketMs, within };
  });

  /** |share - bytes × part / total| < 1, kept in whole numbers: |share × total - bytes × part| < total. */
  const withinOneByte = (share: bigint, bytes: bigint, part: number, total: number) => {
    const error = share * BigInt(total) - bytes * BigInt(part);
    return (error < 0n ? -error : error) < BigInt(total);
  };

  it('every split adds up to the bytes, each bucket within a byte of its exact share', () => {
    const problems: string[] = [];
    for (const [caseIndex, { bytes, startedAt, endedAt, bucketMs }] of cases.entries()) {
      const buckets = apportion(bytes, new Date(startedAt), new Date(endedAt), bucketMs);
      if (sum(buckets.map((bucket) => bucket.bytes)) !== bytes) problems.push(`case ${caseIndex}: does not add up`);
      for (const [index, bucket] of buckets.entries()) {
        const start = bucket.bucketStart.getTime();
        if (start % bucketMs !== 0) problems.push(`case ${caseIndex}: bucket ${index} not aligned`);
        if (bucket.bytes <= 0n) problems.push(`case ${caseIndex}: bucket ${index} has no bytes`);
        if (index > 0 && start <= buckets[index - 1]!.bucketStart.getTime()) problems.push(`case ${caseIndex}: bucket ${index} out of order`);
        if (endedAt === startedAt) continue;
        const overlap = Math.min(start + bucketMs, endedAt) - Math.max(start, startedAt);
        if (!withinOneByte(bucket.bytes, bytes, overlap, endedAt - startedAt)) problems.push(`case ${caseIndex}: bucket ${index} off by a byte or more`);
      }
    }
    expect(problems).toEqual([]);
  });

  it('every finest split adds up to the bytes, each piece within a byte of its share and wholly in or out of the intervals', () => {
    const holds = (instant: number, within: UtcInterval[]) => within.some((i) => i.start.getTime() <= instant && instant < i.end.getTime());
    const problems: string[] = [];
    for (const [caseIndex, { bytes, startedAt, endedAt, bucketMs, within }] of cases.entries()) {
      const segments = apportionSegments(bytes, new Date(startedAt), new Date(endedAt), { bucketMs, within });
      if (sum(segments.map((segment) => segment.bytes)) !== bytes) problems.push(`case ${caseIndex}: does not add up`);
      const inside = apportionWithin(bytes, new Date(startedAt), new Date(endedAt), within, bucketMs);
      if (sum(inside.map((bucket) => bucket.bytes)) !== sum(segments.filter((s) => s.inside).map((s) => s.bytes))) {
        problems.push(`case ${caseIndex}: inside per bucket is not the inside pieces`);
      }
      if (endedAt === startedAt) continue;
      for (const [index, segment] of segments.entries()) {
        const start = segment.start.getTime();
        const end = segment.end.getTime();
        if (!withinOneByte(segment.bytes, bytes, end - start, endedAt - startedAt)) problems.push(`case ${caseIndex}: piece ${index} off by a byte or more`);
        if (segment.bucketStart.getTime() !== start - (start % bucketMs) || end - segment.bucketStart.getTime() > bucketMs) {
          problems.push(`case ${caseIndex}: piece ${index} not within its bucket`);
        }
        if (segment.inside !== holds(start, within) || segment.inside !== holds(end - 1, within)) problems.push(`case ${caseIndex}: piece ${index} not wholly in or out`);
        if (index > 0 && start !== segments[index - 1]!.end.getTime()) problems.push(`case ${caseIndex}: piece ${index} does not follow the one before`);
      }
    }
    expect(problems).toEqual([]);
  });
});
