// The SETTLEMENT scheduled job: which periods an instant settles, and a run on a database with
// one monthly contract (flat 100 EUR, 1 GB included, then 2 EUR/GB; October 3 GB → 104.00).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CounterJournal } from '../../src/accounting/counter-journal.ts';
import type { ScheduledJob } from '../../src/generated/prisma/client.ts';
import { labelsDue, settlementJob } from '../../src/reports/settlement-job.ts';
import { createTestDatabase, type TestDatabase } from '../support/database.ts';
import { createMonthlyContract } from '../support/monthly-contract.ts';

describe('labelsDue', () => {
  it('is the month before the instant, in the job’s zone', () => {
    expect(labelsDue(new Date('2026-11-02T06:00:00Z'), 'UTC')).toEqual(['2026-10']);
    expect(labelsDue(new Date('2026-12-01T00:00:00Z'), 'UTC')).toEqual(['2026-11']);
    // 00:30 on Dec 1 in Berlin is still November 30 in UTC.
    expect(labelsDue(new Date('2026-11-30T23:30:00Z'), 'Europe/Berlin')).toEqual(['2026-11']);
    expect(labelsDue(new Date('2026-11-30T23:30:00Z'), 'UTC')).toEqual(['2026-10']);
  });

  it('adds the quarter when that month closed one', () => {
    expect(labelsDue(new Date('2027-01-02T06:00:00Z'), 'UTC')).toEqual(['2026-12', '2026-Q4']);
    expect(labelsDue(new Date('2026-10-02T06:00:00Z'), 'Europe/Berlin')).toEqual(['2026-09', '2026-Q3']);
    expect(labelsDue(new Date('2026-08-15T06:00:00Z'), 'UTC')).toEqual(['2026-07']);
  });
});

describe('settlementJob', () => {
  let db: TestDatabase;

  beforeAll(async () => {
    db = await createTestDatabase();
    await createMonthlyContract(db.prisma);
  }, 180_000);
  afterAll(() => db?.drop());

  it('drafts the month that ended before the instant it is due for', async () => {
    const job = settlementJob({ prisma: db.prisma, counters: new CounterJournal(db.sql) }, () => new Date('2026-11-02T06:00:05Z'));
    const jobRow = { timeZone: 'UTC' } as ScheduledJob;
    expect(await job(jobRow, new Date('2026-11-02T06:00:00Z'))).toEqual({ settled: [{ period: '2026-10', drafts: 1 }] });
    const [invoice] = await db.prisma.invoice.findMany();
    expect([invoice!.period, invoice!.status, invoice!.total.toFixed(2)]).toEqual(['2026-10', 'DRAFT', '104.00']);
    // Due again (a catch-up, or by hand): the draft is replaced, not doubled.
    await job(jobRow, new Date('2026-11-02T06:00:00Z'));
    expect(await db.prisma.invoice.count()).toBe(1);
  });
});
