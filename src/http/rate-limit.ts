// Per-key request limits: a token bucket per API key (or per client address for requests without
// one), in this process's memory. Several server processes each enforce the limit on their own.

export interface RateLimitOptions {
  /** Sustained rate; also the burst, since the bucket holds a minute's worth of requests. */
  requestsPerMinute: number;
  /** Milliseconds; injectable so tests need not wait. */
  now?: () => number;
}

export interface RateLimitDecision {
  allowed: boolean;
  /** Requests that may be made right now, after this one. */
  remaining: number;
  /** Seconds until the bucket is full again. */
  resetSeconds: number;
  /** Seconds until a request would be allowed again; 0 when this one was. */
  retryAfterSeconds: number;
}

interface Bucket {
  tokens: number;
  updatedAt: number;
}

const WINDOW_SECONDS = 60;
const POLICY_NAME = 'default';

export class RateLimiter {
  readonly limit: number;
  private readonly perMs: number;
  private readonly now: () => number;
  private readonly buckets = new Map<string, Bucket>();
  private lastSweep: number;

  constructor({ requestsPerMinute, now = Date.now }: RateLimitOptions) {
    if (!Number.isInteger(requestsPerMinute) || requestsPerMinute < 1) {
      throw new RangeError(`requestsPerMinute must be a positive integer, not ${requestsPerMinute}`);
    }
    this.limit = requestsPerMinute;
    this.perMs = requestsPerMinute / (WINDOW_SECONDS * 1000);
    this.now = now;
    this.lastSweep = now();
  }

  /** Counts one request for `key` and says whether it may go ahead. */
  take(key: string): RateLimitDecision {
    const now = this.now();
    this.sweep(now);
    const bucket = this.buckets.get(key) ?? { tokens: this.limit, updatedAt: now };
    bucket.tokens = this.refilled(bucket, now);
    bucket.updatedAt = now;
    const allowed = bucket.tokens >= 1;
    if (allowed) bucket.tokens -= 1;
    this.buckets.set(key, bucket);
    return {
      allowed,
      remaining: Math.floor(bucket.tokens),
      resetSeconds: Math.ceil((this.limit - bucket.tokens) / this.perMs / 1000),
      retryAfterSeconds: allowed ? 0 : Math.max(1, Math.ceil((1 - bucket.tokens) / this.perMs / 1000)),
    };
  }

  /** Keys with a bucket in memory (for tests). */
  get size(): number {
    return this.buckets.size;
  }

  private refilled(bucket: Bucket, now: number): number {
    return Math.min(this.limit, bucket.tokens + Math.max(0, now - bucket.updatedAt) * this.perMs);
  }

  /**
   * A full bucket is the same as no bucket, so once a window they are dropped: memory stays
   * proportional to the keys active in the last minute, not to every address ever seen.
   */
  private sweep(now: number): void {
    if (now - this.lastSweep < WINDOW_SECONDS * 1000) return;
    this.lastSweep = now;
    for (const [key, bucket] of this.buckets) {
      if (this.refilled(bucket, now) >= this.limit) this.buckets.delete(key);
    }
  }
}

/**
 * The RateLimit-Policy and RateLimit fields of draft-ietf-httpapi-ratelimit-headers-10
 * ("RateLimit header fields for HTTP"), Structured Field lists of one named policy:
 *
 *     RateLimit-Policy: "default";q=600;w=60     quota q per window of w seconds
 *     RateLimit: "default";r=599;t=1             r units remain; the quota is back in full in t s
 *
 * The fields are a draft and changed shape between revisions (-07 had `limit=, remaining=,
 * reset=`); clients that know only the older RateLimit-Limit/-Remaining/-Reset trio will not
 * read these.
 */
export function rateLimitHeaders(limit: number, decision: RateLimitDecision): Record<string, string> {
  const headers: Record<string, string> = {
    'RateLimit-Policy': `"${POLICY_NAME}";q=${limit};w=${WINDOW_SECONDS}`,
    RateLimit: `"${POLICY_NAME}";r=${decision.remaining};t=${decision.resetSeconds}`,
  };
  if (!decision.allowed) headers['Retry-After'] = String(decision.retryAfterSeconds);
  return headers;
}
