import { describe, expect, it } from 'vitest';
import { RateLimiter, rateLimitHeaders } from '../../src/http/rate-limit.ts';

function clock(start = 1_000_000) {
  let now = start;
  return { now: () => now, advance: (ms: number) => void (now += ms) };
}

describe('RateLimiter', () => {
  it('allows a burst of the whole minute, then refuses', () => {
    const time = clock();
    const limiter = new RateLimiter({ requestsPerMinute: 3, now: time.now });
    expect([1, 2, 3].map(() => limiter.take('a').allowed)).toEqual([true, true, true]);
    const refused = limiter.take('a');
    expect(refused).toMatchObject({ allowed: false, remaining: 0, retryAfterSeconds: 20, resetSeconds: 60 });
  });

  it('refills at the per-minute rate', () => {
    const time = clock();
    const limiter = new RateLimiter({ requestsPerMinute: 60, now: time.now });
    for (let i = 0; i < 60; i++) limiter.take('a');
    expect(limiter.take('a').allowed).toBe(false);
    time.advance(999);
    expect(limiter.take('a')).toMatchObject({ allowed: false, retryAfterSeconds: 1 });
    time.advance(1);
    expect(limiter.take('a')).toMatchObject({ allowed: true, remaining: 0 });
    time.advance(60_000);
    expect(limiter.take('a')).toMatchObject({ allowed: true, remaining: 59, resetSeconds: 1 });
  });

  it('keeps one bucket per key', () => {
    const limiter = new RateLimiter({ requestsPerMinute: 1, now: clock().now });
    expect(limiter.take('key:1').allowed).toBe(true);
    expect(limiter.take('key:1').allowed).toBe(false);
    expect(limiter.take('ip:10.0.0.1').allowed).toBe(true);
  });

  it('forgets keys whose buckets have refilled', () => {
    const time = clock();
    const limiter = new RateLimiter({ requestsPerMinute: 10, now: time.now });
    for (let i = 0; i < 100; i++) limiter.take(`ip:${i}`);
    expect(limiter.size).toBe(100);
    time.advance(60_000);
    limiter.take('ip:new');
    expect(limiter.size).toBe(1);
  });

  it('refuses a limit below 1', () => {
    expect(() => new RateLimiter({ requestsPerMinute: 0 })).toThrow(RangeError);
  });
});

describe('rateLimitHeaders', () => {
  it('writes the IETF draft fields, and Retry-After when refused', () => {
    const limiter = new RateLimiter({ requestsPerMinute: 600, now: clock().now });
    expect(rateLimitHeaders(600, limiter.take('a'))).toEqual({
      'RateLimit-Policy': '"default";q=600;w=60',
      RateLimit: '"default";r=599;t=1',
    });
    expect(rateLimitHeaders(600, { allowed: false, remaining: 0, resetSeconds: 60, retryAfterSeconds: 1 })).toEqual({
      'RateLimit-Policy': '"default";q=600;w=60',
      RateLimit: '"default";r=0;t=60',
      'Retry-After': '1',
    });
  });
});
