// The SETTLEMENT scheduled job: at each instant it is due, the month that ended before it is
// settled for every contract billed by month, and, when that month closed a quarter, the quarter
// for every contract billed by quarter: what `pathledger settle` does by hand. The labels are
// read in the job's time zone. A contract whose own zone has not reached the period's end yet
// fails the run with that reason, so a job is best scheduled a day or so into the month (drafts
// are replaced by each run, so settling again later is harmless).
import type { CounterJournal } from '../accounting/counter-journal.ts';
import { nextPeriod, periodContaining, periodLabel, previousPeriod } from '../contracts/periods.ts';
import type { PrismaClient } from '../generated/prisma/client.ts';
import type { JobHandler } from './scheduler.ts';
import { runSettlement } from './settlement.ts';

export interface SettlementStore {
  prisma: PrismaClient;
  counters: Pick<CounterJournal, 'settle'>;
}

/** The labels due at an instant, in a zone: the month before it, and its quarter if it closed one. */
export function labelsDue(scheduledFor: Date, timeZone: string): string[] {
  const month = previousPeriod(periodContaining('MONTH', timeZone, scheduledFor));
  const quarter = periodContaining('QUARTER', timeZone, month.start);
  const closesQuarter = nextPeriod(month).start.getTime() === quarter.end.getTime();
  return closesQuarter ? [periodLabel(month), periodLabel(quarter)] : [periodLabel(month)];
}

export function settlementJob(store: SettlementStore, clock: () => Date = () => new Date()): JobHandler {
  return async (job, scheduledFor) => {
    const settled: { period: string; drafts: number }[] = [];
    for (const period of labelsDue(scheduledFor, job.timeZone)) {
      // Whether the period has ended is judged now, not at the due instant: a run caught up late
      // must not be refused for a period that has ended since.
      const drafts = await runSettlement(store.prisma, store.counters, { period, now: clock() });
      settled.push({ period, drafts: drafts.length });
    }
    return { settled };
  };
}
