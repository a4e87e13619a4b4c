// New alerts as they fire, for the `alertFired` subscription. The transaction that inserts alerts
// also NOTIFYs their ids (announceFired); every server LISTENs (AlertFeed) and hands the ids to
// its subscribers, who each read the rows they may see. So a subscriber hears alerts fired by any
// server on the database, only once they are committed, and the notification itself carries
// nothing a key could not see: ids only.
import { EventEmitter } from 'node:events';
import type { Database } from '../db/database.ts';
import type { Unlisten } from '../db/notifications.ts';
import type { Logger } from '../observability/logger.ts';

export const ALERT_FIRED_CHANNEL = 'pathledger_alert_fired';

/** Ids per notification: 36 characters and a comma each, well under NOTIFY's 8,000-byte payload. */
const IDS_PER_NOTIFICATION = 200;

/** Inside the inserting transaction: delivered to listeners when (and only if) it commits. */
export async function announceFired(tx: { $executeRawUnsafe(sql: string, ...values: unknown[]): Promise<number> }, ids: readonly string[]): Promise<void> {
  if (ids.length === 0) return;
  const payloads: string[] = [];
  for (let i = 0; i < ids.length; i += IDS_PER_NOTIFICATION) payloads.push(ids.slice(i, i + IDS_PER_NOTIFICATION).join(','));
  await tx.$executeRawUnsafe(`SELECT pg_notify($1, p) FROM unnest($2::text[]) AS p`, ALERT_FIRED_CHANNEL, payloads);
}

type Listener = (ids: readonly string[]) => void;

/** One per server: the ids of alerts fired anywhere, to every subscriber of this server. */
export class AlertFeed {
  private readonly emitter = new EventEmitter();
  private unlisten: Unlisten | undefined;

  private constructor() {
    // One listener per open subscription; hundreds are normal, not a leak.
    this.emitter.setMaxListeners(0);
  }

  static async open(db: Pick<Database, 'listen'>, logger: Logger): Promise<AlertFeed> {
    const feed = new AlertFeed();
    feed.unlisten = await db.listen(ALERT_FIRED_CHANNEL, {
      onNotify: (payload) => feed.publish(payload.split(',').filter((id) => id.length > 0)),
      onError: (error) => logger.warn({ err: error }, 'the alert feed lost its database connection; reconnecting (alerts fired meanwhile are not pushed, `alerts` lists them)'),
    });
    return feed;
  }

  /** A feed that hears only what is published on it (tests, tools without a database). */
  static detached(): AlertFeed {
    return new AlertFeed();
  }

  get subscribers(): number {
    return this.emitter.listenerCount('fired');
  }

  publish(ids: readonly string[]): void {
    if (ids.length > 0) this.emitter.emit('fired', ids);
  }

  /** Calls `listener` with each batch of new alert ids until the returned function is called. */
  subscribe(listener: Listener): () => void {
    this.emitter.on('fired', listener);
    return () => this.emitter.off('fired', listener);
  }

  async close(): Promise<void> {
    this.emitter.removeAllListeners();
    await this.unlisten?.();
    this.unlisten = undefined;
  }
}

/**
 * The subscription's event stream: each batch of ids the feed announces becomes the rows `load`
 * returns for it (those the subscriber may see, in order), one event per row. `load` answering
 * null ends the stream (the key was revoked). Batches are loaded one after another, so events keep
 * the order in which the alerts were announced.
 *
 * A hand-written iterator rather than an async generator: a generator waiting for the next alert
 * cannot be ended until one comes, and a subscriber who leaves must stop listening at once.
 */
export function firedAlertStream<T>(feed: Pick<AlertFeed, 'subscribe'>, load: (ids: readonly string[]) => Promise<T[] | null>): AsyncIterableIterator<T> {
  const ready: T[] = [];
  let waiting: { resolve(result: IteratorResult<T>): void; reject(error: unknown): void } | undefined;
  let failed: { error: unknown } | undefined;
  let done = false;
  let loading: Promise<void> = Promise.resolve();

  /**
   * Stops listening. Left (or revoked): what is queued is dropped and a waiting read ends. Failed:
   * what is queued is still read, then the error.
   */
  const end = (failure?: { error: unknown }) => {
    if (done) return;
    done = true;
    unsubscribe();
    const reader = waiting;
    waiting = undefined;
    if (failure) {
      if (reader) reader.reject(failure.error);
      else failed = failure;
    } else {
      ready.length = 0;
      reader?.resolve({ value: undefined, done: true });
    }
  };

  const unsubscribe = feed.subscribe((ids) => {
    loading = loading.then(async () => {
      if (done) return;
      let rows: T[] | null;
      try {
        rows = await load(ids);
      } catch (error) {
        return end({ error });
      }
      if (rows === null) return end();
      if (done) return;
      for (const row of rows) {
        const reader = waiting;
        waiting = undefined;
        if (reader) reader.resolve({ value: row, done: false });
        else ready.push(row);
      }
    });
  });

  return {
    next() {
      if (ready.length > 0) return Promise.resolve({ value: ready.shift()!, done: false });
      if (failed) {
        const { error } = failed;
        failed = undefined;
        return Promise.reject(error);
      }
      if (done) return Promise.resolve({ value: undefined, done: true });
      return new Promise<IteratorResult<T>>((resolve, reject) => {
        waiting = { resolve, reject };
      });
    },
    return() {
      end();
      return Promise.resolve({ value: undefined, done: true });
    },
    [Symbol.asyncIterator]() {
      return this;
    },
  };
}
