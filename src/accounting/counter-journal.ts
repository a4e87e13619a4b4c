// The counter journal: how recorded transfers reach the counter tables.
//
// A batch's transaction stores its events and, beside them, journal entries holding every
// counter delta the new events add (summed by key; an entry per counter table). Soon after, a fold adds the entries to the
// counter tables and deletes them, in one transaction, so each entry is counted exactly once: a
// crash before the fold leaves the entry to be folded after restart; a crash during it rolls it
// back whole. Readers settle the journal first (`settle`), so an answer includes every batch
// acknowledged before the question.
//
// Why not upsert the counters in the batch's own transaction: a batch of 2,000 transfers touches
// some 15,000 counter rows, each an index lookup and a new row version, and two batches touching
// the same hot counter (a busy link in the current hour) wait for each other's commit. A fold sums
// many batches first, so a counter is written once per fold, not once per batch, and recording
// never waits on counters at all.
import type { RawSql, SqlRunner } from '../db/raw-sql.ts';
import type { Logger } from '../observability/logger.ts';
import { COUNTER_TABLES, foldStatements, type CounterDeltas } from './counters.ts';
import { arrayLiteral } from './event-rows.ts';

export interface CounterJournalOptions {
  /** How long after a batch is recorded the background fold starts: batches in between join it. */
  foldDelayMs?: number;
  /** Journal entries (batches) folded per transaction. */
  entriesPerFold?: number;
  logger?: Logger;
  /** Called after a fold added entries to the counters (alerts and policies look again). */
  afterFold?: () => void;
}

const FOLDS = COUNTER_TABLES.flatMap(foldStatements);

/** Stores a batch's deltas, a row per counter table; runs inside the batch's transaction. */
export async function appendToJournal(tx: SqlRunner, deltas: CounterDeltas): Promise<void> {
  const tables = deltas.toJournal();
  if (tables.length === 0) return;
  const params: string[] = [];
  const rows = tables.map(({ table, keys, bytes, transfers }) => {
    params.push(table.name, arrayLiteral(keys), arrayLiteral(bytes.map(String)), arrayLiteral(transfers.map(String)));
    const n = params.length;
    return `($${n - 3}, $${n - 2}::text[], $${n - 1}::bigint[], $${n}::bigint[])`;
  });
  await tx.query(`INSERT INTO "CounterJournal" ("table", "keys", "bytes", "transfers") VALUES ${rows.join(', ')}`, params);
}

export class CounterJournal {
  private readonly foldDelayMs: number;
  private readonly entriesPerFold: number;
  /** The fold under way in this process; folds here run one at a time. */
  private running: Promise<unknown> = Promise.resolve();
  private timer: NodeJS.Timeout | undefined;
  private stopped = false;

  constructor(
    private readonly sql: RawSql,
    private readonly options: CounterJournalOptions = {},
  ) {
    this.foldDelayMs = options.foldDelayMs ?? 100;
    this.entriesPerFold = options.entriesPerFold ?? 200;
  }

  /** A batch was recorded: fold soon, in the background. */
  notify(): void {
    if (this.stopped || this.timer) return;
    this.timer = setTimeout(() => {
      this.timer = undefined;
      void this.serially(() => this.foldAll(false)).catch((error: unknown) => {
        // The entries stay in the journal; the next batch, reader or start folds them.
        this.options.logger?.warn({ err: error }, 'folding the counter journal failed; it will be tried again');
      });
    }, this.foldDelayMs);
    this.timer.unref();
  }

  /**
   * Resolves once every batch committed before the call is in the counter tables, including
   * entries another process is folding at that moment (it waits for their commit).
   */
  settle(): Promise<number> {
    return this.serially(async () => {
      // Entries recorded after this point are not waited for: under a steady stream of batches
      // the journal is never empty, and a reader must not chase it.
      const [last] = await this.sql.query<{ id: string | null }>(`SELECT max("id")::text AS "id" FROM "CounterJournal"`);
      return last?.id == null ? 0 : this.foldAll(true, last.id);
    });
  }

  /** Stops the background folds and finishes the counters with what is pending. */
  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.timer);
    this.timer = undefined;
    await this.settle();
  }

  private serially<T>(fold: () => Promise<T>): Promise<T> {
    const next = this.running.then(fold, fold);
    this.running = next.catch(() => undefined);
    return next;
  }

  /** Folds until the journal is empty; returns how many entries went in. */
  private async foldAll(wait: boolean, upTo?: string): Promise<number> {
    let folded = 0;
    for (;;) {
      const count = await this.foldOnce(wait, upTo);
      folded += count;
      if (count < this.entriesPerFold) {
        if (folded > 0) this.options.afterFold?.();
        return folded;
      }
    }
  }

  /**
   * One transaction: take entries (oldest first), add them to every counter table, delete them.
   * `wait` waits for entries another fold holds (they are gone once it commits) instead of
   * skipping them.
   */
  private foldOnce(wait: boolean, upTo?: string): Promise<number> {
    return this.sql.transaction(async (tx) => {
      const entries = await tx.query<{ id: string }>(
        `SELECT "id"::text AS "id" FROM "CounterJournal" ${upTo === undefined ? '' : 'WHERE "id" <= $1::bigint '}` +
          `ORDER BY "id" LIMIT ${this.entriesPerFold} FOR UPDATE${wait ? '' : ' SKIP LOCKED'}`,
        upTo === undefined ? [] : [upTo],
      );
      if (entries.length === 0) return 0;
      const ids = `{${entries.map((entry) => entry.id).join(',')}}`;
      for (const fold of FOLDS) await tx.query(fold, [ids]);
      await tx.query(`DELETE FROM "CounterJournal" WHERE "id" = ANY($1::bigint[])`, [ids]);
      return entries.length;
    });
  }
}
