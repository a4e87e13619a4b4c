import { describe, expect, it } from 'vitest';
import { BoundedCache } from '../../src/path/bounded-cache.ts';

describe('BoundedCache', () => {
  it('keeps what is used and forgets what is not, within its size', () => {
    const cache = new BoundedCache<number, string>(4);
    for (const key of [1, 2]) cache.set(key, `v${key}`);
    cache.set(3, 'v3'); // 1 and 2 become the old generation
    expect(cache.get(1)).toBe('v1'); // used: moves to the young generation with 3
    cache.set(4, 'v4'); // young full again: {3, 1} becomes old, 2 is dropped
    cache.set(5, 'v5');
    expect(cache.has(2)).toBe(false);
    expect([1, 3, 4, 5].map((key) => cache.has(key))).toEqual([true, true, true, true]);
  });

  it('stays fast when full: a million inserts into a cache of a thousand', () => {
    const cache = new BoundedCache<number, number>(1000);
    for (let i = 0; i < 1_000_000; i++) cache.set(i, i);
    let held = 0;
    for (let i = 999_000; i < 1_000_000; i++) if (cache.has(i)) held++;
    expect(held).toBeGreaterThanOrEqual(500);
  });
});
