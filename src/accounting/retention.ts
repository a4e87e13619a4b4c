// Raw events (and the per-component records made from them) are kept for a configured number of
// days; the counters for good. Pruning deletes in small chunks, each its own statement, so that
// ingestion never waits behind one long delete, and runs in the background on a timer.
import type { PrismaClient } from '../generated/prisma/client.ts';
import type { Logger } from '../observability/logger.ts';

const CHUNK = 5000;
const DAY_MS = 86_400_000;

/** The first instant whose raw events are all still kept. */
export function rawEventsSince(retentionDays: number, now = Date.now()): Date {
  return new Date(now - retentionDays * DAY_MS);
}

/** Deletes events (and FIG. 5 records) that started before `cutoff`; how many events went. */
export async function pruneRawEvents(prisma: PrismaClient, cutoff: Date): Promise<number> {
  let deleted = 0;
  for (;;) {
    const count = await prisma.$executeRawUnsafe(
      `DELETE FROM "TransferEvent" WHERE "id" IN (SELECT "id" FROM "TransferEvent" WHERE "startedAt" < $1::timestamp LIMIT ${CHUNK})`,
      cutoff.toISOString(),
    );
    deleted += count;
    if (count < CHUNK) break;
  }
  for (;;) {
    const count = await prisma.$executeRawUnsafe(
      `DELETE FROM "ComponentRecord" WHERE "id" IN (SELECT "id" FROM "ComponentRecord" WHERE "startedAt" < $1::timestamp LIMIT ${CHUNK})`,
      cutoff.toISOString(),
    );
    if (count < CHUNK) break;
  }
  return deleted;
}

export interface Pruner {
  /** Stops the timer and waits for a pass under way. */
  stop(): Promise<void>;
}

/** Prunes now and then every `intervalMs`; a failed pass is logged and tried again next time. */
export function startPruning(prisma: PrismaClient, retentionDays: number, logger: Logger, intervalMs = 3_600_000): Pruner {
  let running: Promise<void> = Promise.resolve();
  let stopped = false;
  const pass = () => {
    running = (async () => {
      try {
        const cutoff = rawEventsSince(retentionDays);
        const deleted = await pruneRawEvents(prisma, cutoff);
        if (deleted > 0) logger.info({ deleted, before: cutoff.toISOString() }, `pruned ${deleted} raw events older than ${retentionDays} days`);
      } catch (error) {
        if (!stopped) logger.warn({ err: error }, 'pruning raw events failed; trying again at the next pass');
      }
    })();
  };
  pass();
  const timer = setInterval(pass, intervalMs);
  timer.unref();
  return {
    async stop() {
      stopped = true;
      clearInterval(timer);
      await running;
    },
  };
}
