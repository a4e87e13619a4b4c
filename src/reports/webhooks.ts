// Sending alerts' webhooks: every PENDING delivery that is due is POSTed, signed (see
// webhook-signature.ts), and every attempt is logged with what came back. A 2xx answer delivers
// it; anything else (another status, a redirect, which is not followed, no answer within the
// timeout, no connection) is retried after base × 2^(attempts − 1), until the last allowed attempt
// fails and the delivery is FAILED.
//
// Several servers may run a deliverer over one database. A delivery is claimed before it is sent
// by moving its nextAttemptAt past the attempt's timeout, in one statement that skips rows
// another claim holds (FOR UPDATE SKIP LOCKED): two servers never send one delivery at once, and
// no transaction stays open while a receiver thinks. A server that dies mid-attempt leaves the
// claim to expire, and the delivery is sent again: receivers get each alert at least once and
// may see it twice (the alert id in the body tells them).
import { lookup } from 'node:dns/promises';
import { isIP } from 'node:net';
import { isSpecialAddress } from '../path/special-addresses.ts';
import { performance } from 'node:perf_hooks';
import { uuidV7 } from '../accounting/event-rows.ts';
import type { PrismaClient } from '../generated/prisma/client.ts';
import type { DeliveryStatus } from '../generated/prisma/enums.ts';
import type { Logger } from '../observability/logger.ts';
import { signatureHeaders } from './webhook-signature.ts';

export { SIGNATURE_HEADER, TIMESTAMP_HEADER, verifySignature } from './webhook-signature.ts';

export interface WebhookDelivererOptions {
  /** Attempts before a delivery is FAILED (config.reports.webhookMaxAttempts). */
  maxAttempts: number;
  /** The wait before the second attempt; each later wait doubles (config.reports.webhookRetryBaseMs). */
  retryBaseMs: number;
  /** How long a receiver has to answer. Default 10 s. */
  timeoutMs?: number;
  /** How often due deliveries are looked for once started; 0 = never, `start` and `notify` do nothing (tests deliver by hand). Default 1 s. */
  pollIntervalMs?: number;
  /** Deliveries claimed and sent at once. Default 16. */
  batchSize?: number;
  /**
   * Each retry waits up to this fraction longer, at random, so that deliveries that failed
   * together (a receiver down) do not all come back in the same instant. Default 0.1; 0 in tests.
   */
  jitter?: number;
  /** Default: the system clock. Tests pass a clock they move. */
  clock?: () => Date;
  logger?: Logger;
  /**
   * Whether receivers may be at private, loopback or link-local addresses. Off in production (a
   * PARTNER key could otherwise make the server POST into its own network); on for receivers on
   * this machine (tests). Default off.
   */
  allowPrivateReceivers?: boolean;
}

/** What one `deliverDue` did. */
export interface DeliveryPass {
  attempted: number;
  delivered: number;
  /** Failed this time, to be tried again. */
  retrying: number;
  /** Failed for the last time. */
  failed: number;
}

interface Claimed {
  id: string;
  url: string;
  body: string;
  attempts: number;
  secret: string;
}

interface Outcome {
  responseStatus: number | null;
  error: string | null;
  delivered: boolean;
}

const CLAIM_MARGIN_MS = 60_000;
const ERROR_MAX = 500;

export class WebhookDeliverer {
  private readonly timeoutMs: number;
  private readonly pollIntervalMs: number;
  private readonly batchSize: number;
  private readonly jitter: number;
  private readonly clock: () => Date;
  private timer: NodeJS.Timeout | undefined;
  private started = false;
  /** The pass under way; passes in this process run one at a time. */
  private running: Promise<unknown> = Promise.resolve();
  /** Aborts the sends in flight when the deliverer stops. */
  private readonly stopping = new AbortController();

  constructor(
    private readonly prisma: PrismaClient,
    private readonly options: WebhookDelivererOptions,
  ) {
    if (!(Number.isInteger(options.maxAttempts) && options.maxAttempts >= 1)) throw new RangeError('maxAttempts must be a whole number from 1.');
    if (!(options.retryBaseMs > 0)) throw new RangeError('retryBaseMs must be greater than 0.');
    this.timeoutMs = options.timeoutMs ?? 10_000;
    this.pollIntervalMs = options.pollIntervalMs ?? 1_000;
    this.batchSize = options.batchSize ?? 16;
    this.jitter = options.jitter ?? 0.1;
    this.clock = options.clock ?? (() => new Date());
  }

  /** Looks for due deliveries every pollIntervalMs until stopped. */
  start(): void {
    if (this.pollIntervalMs <= 0 || this.started || this.stopping.signal.aborted) return;
    this.started = true;
    this.schedule(0);
  }

  /** Deliveries were queued (alerts fired): look now rather than at the next poll. */
  notify(): void {
    if (!this.started) return;
    this.schedule(0);
  }

  /** Stops polling; sends in flight are abandoned and their deliveries left due for the next run. */
  async stop(): Promise<void> {
    this.started = false;
    clearTimeout(this.timer);
    this.timer = undefined;
    this.stopping.abort();
    await this.running.catch(() => undefined);
  }

  /** Sends every delivery due now, claim by claim, until none is left; resolves with what happened. */
  deliverDue(): Promise<DeliveryPass> {
    const pass = this.running.then(
      () => this.pass(),
      () => this.pass(),
    );
    this.running = pass.catch(() => undefined);
    return pass;
  }

  private schedule(delayMs: number): void {
    if (this.timer) {
      if (delayMs > 0) return;
      clearTimeout(this.timer);
    }
    this.timer = setTimeout(() => {
      this.timer = undefined;
      void this.deliverDue()
        .catch((error: unknown) => this.options.logger?.warn({ err: error }, 'delivering webhooks failed; will look again'))
        .finally(() => {
          if (this.started) this.schedule(this.pollIntervalMs);
        });
    }, delayMs);
    this.timer.unref();
  }

  private async pass(): Promise<DeliveryPass> {
    const total: DeliveryPass = { attempted: 0, delivered: 0, retrying: 0, failed: 0 };
    for (;;) {
      if (this.stopping.signal.aborted) return total;
      const claimed = await this.claim();
      const statuses = await Promise.all(claimed.map((delivery) => this.attempt(delivery)));
      for (const status of statuses) {
        if (status === null) continue;
        total.attempted++;
        if (status === 'DELIVERED') total.delivered++;
        else if (status === 'FAILED') total.failed++;
        else total.retrying++;
      }
      if (claimed.length < this.batchSize) return total;
    }
  }

  /** Takes up to batchSize due deliveries for this process until the attempt's timeout has passed. */
  private claim(): Promise<Claimed[]> {
    const now = this.clock();
    const until = new Date(now.getTime() + this.timeoutMs + CLAIM_MARGIN_MS);
    return this.prisma.$queryRawUnsafe<Claimed[]>(
      `UPDATE "WebhookDelivery" AS d SET "nextAttemptAt" = $2::timestamp, "updatedAt" = $1::timestamp ` +
        `FROM "Alert" AS a, "AlertRule" AS r ` +
        `WHERE d."id" IN (SELECT "id" FROM "WebhookDelivery" WHERE "status" = 'PENDING' AND "nextAttemptAt" <= $1::timestamp ` +
        `ORDER BY "nextAttemptAt", "id" LIMIT $3::int FOR UPDATE SKIP LOCKED) ` +
        `AND a."id" = d."alertId" AND r."id" = a."ruleId" ` +
        `RETURNING d."id"::text AS "id", d."url", d."body", d."attempts", r."secret"`,
      now.toISOString(),
      until.toISOString(),
      this.batchSize,
    );
  }

  /** One attempt, logged; the delivery's new status, or null when stopping abandoned it. */
  private async attempt(delivery: Claimed): Promise<DeliveryStatus | null> {
    const at = this.clock();
    const started = performance.now();
    const outcome = await this.send(delivery, at);
    const durationMs = Math.round(performance.now() - started);
    if (outcome === null) {
      await this.release(delivery);
      return null;
    }
    const attempt = delivery.attempts + 1;
    const status: DeliveryStatus = outcome.delivered ? 'DELIVERED' : attempt >= this.options.maxAttempts ? 'FAILED' : 'PENDING';
    const finished = this.clock();
    const next = status === 'PENDING' ? new Date(finished.getTime() + this.retryDelayMs(attempt)) : finished;
    // Only while the claim is still this process's: the attempt count it saw is unchanged.
    await this.prisma.$executeRawUnsafe(
      `WITH updated AS (UPDATE "WebhookDelivery" SET "attempts" = $2::int, "status" = $3::"DeliveryStatus", "nextAttemptAt" = $4::timestamp, "updatedAt" = $5::timestamp ` +
        `WHERE "id" = $1::uuid AND "attempts" = $2::int - 1 AND "status" = 'PENDING' RETURNING "id") ` +
        `INSERT INTO "WebhookAttempt" ("id", "deliveryId", "attempt", "at", "responseStatus", "error", "durationMs") ` +
        `SELECT $6::uuid, "id", $2::int, $7::timestamp, $8::int, $9::text, $10::int FROM updated`,
      delivery.id,
      attempt,
      status,
      next.toISOString(),
      finished.toISOString(),
      uuidV7(),
      at.toISOString(),
      outcome.responseStatus,
      outcome.error,
      durationMs,
    );
    if (status === 'FAILED') this.options.logger?.warn({ delivery: delivery.id, url: delivery.url, attempts: attempt, error: outcome.error }, 'webhook delivery failed for the last time');
    return status;
  }

  /** The wait after the attempt-th failure: base × 2^(attempt − 1), plus jitter. */
  private retryDelayMs(attempt: number): number {
    const delay = this.options.retryBaseMs * 2 ** (attempt - 1);
    return Math.round(delay * (1 + this.jitter * Math.random()));
  }

  /** POSTs the body; null when the deliverer stopped during the attempt. */
  private async send(delivery: Claimed, at: Date): Promise<Outcome | null> {
    const signal = AbortSignal.any([AbortSignal.timeout(this.timeoutMs), this.stopping.signal]);
    if (!this.options.allowPrivateReceivers) {
      const refused = await privateReceiver(delivery.url);
      if (refused !== null) return { responseStatus: null, error: refused, delivered: false };
    }
    try {
      const response = await fetch(delivery.url, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'user-agent': 'PathLedger-Webhooks', ...signatureHeaders(delivery.secret, delivery.body, at) },
        body: delivery.body,
        // A redirect could point anywhere: it is a failed attempt, not a new destination.
        redirect: 'manual',
        signal,
      });
      // Only the status matters; not reading the body frees the connection.
      await response.body?.cancel().catch(() => undefined);
      const delivered = response.status >= 200 && response.status < 300;
      return { responseStatus: response.status || null, error: delivered ? null : `the receiver answered ${response.status || 'a redirect'}${response.statusText ? ` ${response.statusText}` : ''}`, delivered };
    } catch (error) {
      if (this.stopping.signal.aborted) return null;
      return { responseStatus: null, error: sendError(error, this.timeoutMs), delivered: false };
    }
  }

  /** Gives a claimed delivery back, due now, for the next run or another server. */
  private async release(delivery: Claimed): Promise<void> {
    const now = this.clock().toISOString();
    await this.prisma
      .$executeRawUnsafe(`UPDATE "WebhookDelivery" SET "nextAttemptAt" = $2::timestamp, "updatedAt" = $2::timestamp WHERE "id" = $1::uuid AND "attempts" = $3::int AND "status" = 'PENDING'`, delivery.id, now, delivery.attempts)
      .catch(() => undefined);
  }
}

/**
 * Why the URL's host may not be sent to: it is, or resolves to, a private, loopback, link-local or
 * otherwise special address. Null when it may. (Checked at each attempt: DNS may change.)
 */
async function privateReceiver(url: string): Promise<string | null> {
  const host = new URL(url).hostname.replace(/^\[|\]$/g, '');
  let addresses: string[];
  try {
    addresses = isIP(host) !== 0 ? [host] : (await lookup(host, { all: true })).map((entry) => entry.address);
  } catch (error) {
    return `could not resolve ${host}: ${(error as NodeJS.ErrnoException).code ?? String(error)}`;
  }
  const special = addresses.find((address) => isSpecialAddress(address));
  return special === undefined ? null : `${host} is at ${special}, a private or special address; webhooks go to public receivers only (PATHLEDGER_WEBHOOK_ALLOW_PRIVATE=on allows it)`;
}

/** Why a request got no answer, in one line: "timed out after 10000 ms", "fetch failed (ECONNREFUSED)". */
function sendError(error: unknown, timeoutMs: number): string {
  if (error instanceof Error && (error.name === 'TimeoutError' || error.name === 'AbortError')) return `no answer within ${timeoutMs} ms`;
  if (!(error instanceof Error)) return String(error).slice(0, ERROR_MAX);
  const cause = error.cause as { code?: unknown; message?: unknown } | undefined;
  const detail = typeof cause?.code === 'string' ? cause.code : typeof cause?.message === 'string' ? cause.message : null;
  return (detail ? `${error.message} (${detail})` : error.message).slice(0, ERROR_MAX);
}
