// LISTEN for PostgreSQL's NOTIFY: how a server hears what another one (or itself) committed.
// A notification is delivered only if the transaction that sent it commits, and after it does, so
// whoever hears one can read what it announces.
//
// On a PostgreSQL server the listener holds a connection of its own, outside the pool (a pooled
// one goes back to the pool and stops listening). If that connection drops it is opened again,
// with backoff; what was sent while it was down is not heard. The embedded PGlite is one
// process: its own listen() hears the NOTIFYs of every statement run on it.
import type { PGlite } from '@electric-sql/pglite';
import pg from 'pg';

export interface NotificationHandlers {
  onNotify(payload: string): void;
  /** The listening connection failed (it is being reopened). */
  onError?(error: unknown): void;
  /**
   * Whether notifications are being heard: true once listening (again), false as soon as the
   * connection is lost. What is sent in between is never heard, so whoever relies on hearing
   * every change must not rely on it while this is false.
   */
  onListening?(listening: boolean): void;
}

/** Stops listening; resolves once the connection is closed. */
export type Unlisten = () => Promise<void>;

const RETRY_MIN_MS = 500;
const RETRY_MAX_MS = 30_000;

/** PostgreSQL identifiers are quoted here: a channel is one of ours, never a user's text, but LISTEN takes no parameters. */
function quotedChannel(channel: string): string {
  if (!/^[a-z_][a-z0-9_]*$/.test(channel)) throw new Error(`Not a channel name: ${channel}`);
  return `"${channel}"`;
}

export async function listenPostgres(url: string, channel: string, handlers: NotificationHandlers): Promise<Unlisten> {
  const statement = `LISTEN ${quotedChannel(channel)}`;
  let client: pg.Client | undefined;
  let stopped = false;
  let retryMs = RETRY_MIN_MS;
  let retryTimer: NodeJS.Timeout | undefined;

  const connect = async (): Promise<void> => {
    const next = new pg.Client({ connectionString: url });
    next.on('notification', (message) => {
      if (message.channel === channel) handlers.onNotify(message.payload ?? '');
    });
    next.on('error', (error) => {
      handlers.onError?.(error);
      void next.end().catch(() => undefined);
      if (client === next) reconnectLater();
    });
    // The server ended the session (a restart, pg_terminate_backend) without an error event.
    next.on('end', () => {
      if (client === next) reconnectLater();
    });
    await next.connect();
    await next.query(statement);
    if (stopped) {
      await next.end();
      return;
    }
    client = next;
    retryMs = RETRY_MIN_MS;
    handlers.onListening?.(true);
  };

  const reconnectLater = () => {
    if (client !== undefined) handlers.onListening?.(false);
    client = undefined;
    if (stopped) return;
    retryTimer = setTimeout(() => {
      connect().catch((error: unknown) => {
        handlers.onError?.(error);
        retryMs = Math.min(retryMs * 2, RETRY_MAX_MS);
        reconnectLater();
      });
    }, retryMs);
    retryTimer.unref();
  };

  // The first connection fails the caller: a server that cannot listen at start says so.
  await connect();
  return async () => {
    stopped = true;
    clearTimeout(retryTimer);
    const open = client;
    client = undefined;
    await open?.end().catch(() => undefined);
  };
}

export async function listenPGlite(db: PGlite, channel: string, handlers: NotificationHandlers): Promise<Unlisten> {
  const unlisten = await db.listen(channel, (payload) => handlers.onNotify(payload));
  // One process: every statement's notifications reach its listeners; nothing can be missed.
  handlers.onListening?.(true);
  return async () => {
    // Closing the database first ends its listeners with it.
    if (!db.closed) await unlisten();
  };
}
