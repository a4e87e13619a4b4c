// The principal behind each request's key, for a server: from memory when it can be.
//
// Every request presents a key, and reading it costs a query: on the embedded database most of
// what an empty request costs (some 0.4 ms of the server's one thread). So a server remembers the
// keys it has looked up, and forgets all of them whenever it is told that something changed what
// a key may do:
// - by the database, from any process: triggers on ApiKey and Organization NOTIFY
//   `pathledger_api_keys_changed` when a change commits (see the migration that made them);
// - by itself, after its own mutations, before their answers are sent (`invalidate`, called as
//   for the other in-memory holders), so that a key revoked through this server is refused by the
//   next request, without waiting for the notification to come round.
// While the listening connection is down nothing is remembered: a change made then would not be
// heard. A lookup that a change overtakes is used for the requests that waited for it (as they
// would have been answered without memory) but not remembered. Lookups in flight are shared:
// requests presenting the same key meanwhile wait for the same query.
import type { Database } from '../db/database.ts';
import type { SqlRunner } from '../db/raw-sql.ts';
import type { Logger } from '../observability/logger.ts';
import { BoundedCache } from '../path/bounded-cache.ts';
import { authenticate, isApiKeyShaped, LAST_USED_RESOLUTION_MS, stampLastUsed } from './api-keys.ts';
import type { Principal } from './principal.ts';

export const API_KEYS_CHANGED_CHANNEL = 'pathledger_api_keys_changed';

/** Keys remembered at most: far more than a deployment's agents, portals and partners. */
const REMEMBERED_KEYS = 10_000;

interface Remembered {
  principal: Principal;
  /** When its last use was last recorded (or found recent): lastUsedAt is stamped once a minute. */
  stampedAt: number;
}

export interface KeyLookupOptions {
  now?: () => number;
}

export class KeyLookup {
  private readonly remembered = new BoundedCache<string, Remembered>(REMEMBERED_KEYS);
  private readonly inFlight = new Map<string, Promise<Principal | null>>();
  /** Counts what was forgotten: a lookup remembers its answer only if no change came meanwhile. */
  private changes = 0;
  private listening = false;
  private unlisten: (() => Promise<void>) | undefined;
  private readonly now: () => number;

  constructor(
    private readonly sql: SqlRunner,
    options: KeyLookupOptions = {},
  ) {
    this.now = options.now ?? Date.now;
  }

  /** A lookup that listens for changes on the database (and remembers nothing until it does). */
  static async open(db: { sql: SqlRunner; listen: Database['listen'] }, logger: Pick<Logger, 'warn'>, options: KeyLookupOptions = {}): Promise<KeyLookup> {
    const lookup = new KeyLookup(db.sql, options);
    lookup.unlisten = await db.listen(API_KEYS_CHANGED_CHANNEL, {
      onNotify: () => lookup.invalidate(),
      onListening: (listening) => lookup.setListening(listening),
      onError: (error) => logger.warn({ err: error }, 'the API key lookup lost its database connection; reconnecting (until then every request reads its key)'),
    });
    return lookup;
  }

  /** The principal behind the token, or null for a malformed, unknown or revoked key. */
  readonly authenticate = (token: string): Promise<Principal | null> => {
    if (!isApiKeyShaped(token)) return Promise.resolve(null);
    const known = this.listening ? this.remembered.get(token) : undefined;
    if (known) {
      const now = this.now();
      if (now - known.stampedAt >= LAST_USED_RESOLUTION_MS) {
        known.stampedAt = now;
        stampLastUsed(this.sql, known.principal.keyId, new Date(now));
      }
      return Promise.resolve(known.principal);
    }
    let lookup = this.inFlight.get(token);
    if (lookup === undefined) {
      lookup = this.lookUp(token).finally(() => this.inFlight.delete(token));
      this.inFlight.set(token, lookup);
    }
    return lookup;
  };

  /** Something may have changed what a key may do: forget every key. */
  invalidate(): void {
    this.changes++;
    this.remembered.clear();
  }

  async close(): Promise<void> {
    this.setListening(false);
    await this.unlisten?.();
    this.unlisten = undefined;
  }

  private setListening(listening: boolean): void {
    // Whatever was remembered before a gap, or looked up across one, may be stale.
    this.invalidate();
    this.listening = listening;
  }

  private async lookUp(token: string): Promise<Principal | null> {
    const changesBefore = this.changes;
    const startedAt = this.now();
    const principal = await authenticate(this.sql, token);
    // One object, shared by every request that presents the key: nobody may change it.
    if (principal) Object.freeze(principal);
    if (principal && this.listening && this.changes === changesBefore) this.remembered.set(token, { principal, stampedAt: startedAt });
    return principal;
  }
}
