// Settlement of a quarter: 10,000 accounting objects (500 on the embedded database, whose single
// in-process connection would spend the bench loading rows) in 1,000 contracts of 10 objects
// each, every object with a usage counter for every hour of 2026-Q4 (about 22 million rows on
// PostgreSQL), then `runSettlement` for 2026-Q4 as the API and `pathledger settle` run it.
//
// The contracts mix what settlement must handle: half in UTC and half in Europe/Berlin (two
// different quarters), every kind of usage terms, a minimum on some, and a renegotiation on
// Nov 15 for every tenth (its quarter priced in two parts). Figures: the first run, a re-run
// (which replaces the drafts it made), and the baseline: one SQL aggregate (GROUP BY object) over
// the same counter rows, in the same run. BENCH_SETTLEMENT_OBJECTS sets the size.
import { performance } from 'node:perf_hooks';
import { CounterJournal } from '../src/accounting/counter-journal.ts';
import { uuidV7 } from '../src/accounting/event-rows.ts';
import { termsFromInput, termsToJson, type TermInput } from '../src/contracts/terms.ts';
import { runSettlement } from '../src/reports/settlement.ts';
import { createTestDatabase, type TestDatabase } from '../test/support/database.ts';
import { figureLine } from './support/timing.ts';

const ON_POSTGRES = Boolean(process.env.DATABASE_URL);
const OBJECTS = Number(process.env.BENCH_SETTLEMENT_OBJECTS ?? (ON_POSTGRES ? 10_000 : 500));
const PER_CONTRACT = 10;
const GB = 1_000_000_000n;
const QUARTER_START = new Date('2026-10-01T00:00:00Z');
const RENEGOTIATED = new Date('2026-11-15T00:00:00Z');
const line = figureLine('settlement');

const TIERS = [
  { upToBytes: GB, ratePerGb: '0.05', flatFee: '2' },
  { upToBytes: 5n * GB, ratePerGb: '0.03' },
  { upToBytes: null, ratePerGb: '0.02', flatFee: '10' },
];

/** Contract i's terms: the four shapes in turn. */
function termsFor(index: number, firstObject: string): TermInput[] {
  switch (index % 4) {
    case 0:
      return [{ kind: 'FLAT_WITH_OVERAGE', flatFee: '100', includedBytes: 5n * GB, overageRatePerGb: '0.0125' }];
    case 1:
      return [{ kind: 'GRADUATED', tiers: TIERS }];
    case 2:
      return [{ kind: 'VOLUME', tiers: TIERS }, { kind: 'MINIMUM_COMMITMENT', minimum: '150' }];
    default:
      return [
        { kind: 'FLAT_WITH_OVERAGE', flatFee: '80', includedBytes: 4n * GB, overageRatePerGb: '0.015' },
        { kind: 'GRADUATED', accountingObject: Buffer.from(`AccountingObject:${firstObject}`).toString('base64url'), tiers: TIERS },
      ];
  }
}

async function chunked<T>(rows: readonly T[], size: number, write: (chunk: T[]) => Promise<unknown>): Promise<void> {
  for (let i = 0; i < rows.length; i += size) await write(rows.slice(i, i + size));
}

/** The contracts, their terms and a quarter of hourly usage for `objects` accounting objects. */
export async function loadQuarter(db: TestDatabase, objects: number): Promise<{ contracts: number; rows: number; seconds: number }> {
  const { prisma } = db;
  const [owner, isp] = await Promise.all([
    prisma.organization.create({ data: { slug: 'studio', name: 'Studio', roles: ['CONTENT_OWNER'] } }),
    prisma.organization.create({ data: { slug: 'isp', name: 'ISP', roles: ['SERVICE_PROVIDER'] } }),
  ]);
  const objectIds = Array.from({ length: objects }, () => uuidV7());
  await chunked(objectIds, 2000, (ids) =>
    prisma.accountingObject.createMany({ data: ids.map((id, i) => ({ id, name: `object ${i}`, ownerId: owner.id, metric: 'BYTES' as const })) }),
  );
  const contracts = Array.from({ length: Math.ceil(objects / PER_CONTRACT) }, (_, index) => ({
    id: uuidV7(),
    index,
    objects: objectIds.slice(index * PER_CONTRACT, (index + 1) * PER_CONTRACT),
  }));
  await chunked(contracts, 1000, (chunk) =>
    prisma.contract.createMany({
      data: chunk.map((c) => ({
        id: c.id,
        name: `contract ${c.index}`,
        payerId: owner.id,
        payeeId: isp.id,
        currency: 'EUR',
        timeZone: c.index % 2 === 0 ? 'UTC' : 'Europe/Berlin',
        billingPeriod: 'QUARTER' as const,
        startsAt: new Date('2026-01-01T00:00:00Z'),
      })),
    }),
  );
  await chunked(
    contracts.flatMap((c) => c.objects.map((accountingObjectId) => ({ contractId: c.id, accountingObjectId }))),
    5000,
    (rows) => prisma.contractAccountingObject.createMany({ data: rows }),
  );
  const versions = contracts.flatMap((c) => {
    const context = { accountingObjectIds: new Set(c.objects), partiesAreServiceProviders: false };
    const terms = (index: number) => termsToJson(termsFromInput(['terms'], termsFor(index, c.objects[0]!), context));
    const first = { contractId: c.id, effectiveFrom: new Date('2026-01-01T00:00:00Z'), terms: terms(c.index) };
    return c.index % 10 === 0 ? [first, { contractId: c.id, effectiveFrom: RENEGOTIATED, terms: terms(c.index + 1) }] : [first];
  });
  await chunked(versions, 1000, (rows) => prisma.contractTerms.createMany({ data: rows }));

  // Every hour from two days before the quarter (Berlin's starts at 22:00Z on Sept 30) to its
  // end, a day at a time and hour after hour, as recording writes them.
  const start = performance.now();
  const DAY_MS = 86_400_000;
  const ids = `{${objectIds.join(',')}}`;
  for (let day = Date.parse('2026-09-29T00:00:00Z'); day < Date.parse('2027-01-01T00:00:00Z'); day += DAY_MS) {
    await db.sql.query(
      `INSERT INTO "AccountingObjectUsage" ("accountingObjectId", "bucket", "bytes", "transfers") ` +
        `SELECT o."id", b, 1000000 + ((o."n" * 7919 + extract(epoch FROM b)::bigint / 3600 * 104729) % 4000000), 1 ` +
        `FROM generate_series($2::timestamp, $2::timestamp + interval '23 hours', interval '1 hour') AS b ` +
        `CROSS JOIN unnest($1::uuid[]) WITH ORDINALITY AS o("id", "n") ORDER BY b, o."n"`,
      [ids, new Date(day).toISOString()],
    );
  }
  await db.sql.query('VACUUM ANALYZE "AccountingObjectUsage"');
  const [{ rows }] = (await db.sql.query<{ rows: string }>('SELECT count(*)::text AS "rows" FROM "AccountingObjectUsage"')) as [{ rows: string }];
  return { contracts: contracts.length, rows: Number(rows), seconds: (performance.now() - start) / 1000 };
}

/** Times the baseline aggregate, a first settlement and a re-run. */
export async function settleQuarter(db: Pick<TestDatabase, 'prisma' | 'sql'>) {
  const { prisma } = db;
  const baselineStart = performance.now();
  await db.sql.query(
    `SELECT "accountingObjectId", sum("bytes") FROM "AccountingObjectUsage" WHERE "bucket" >= $1::timestamp AND "bucket" < $2::timestamp GROUP BY 1`,
    [QUARTER_START.toISOString(), '2027-01-01T00:00:00Z'],
  );
  const baseline = (performance.now() - baselineStart) / 1000;
  const counters = new CounterJournal(db.sql);
  // A server's Prisma client is connected long before anyone settles.
  await prisma.$queryRawUnsafe('SELECT 1');
  const settle = async () => {
    const start = performance.now();
    const invoices = await runSettlement(prisma, counters, { period: '2026-Q4', now: new Date('2027-01-15T00:00:00Z') });
    return { seconds: (performance.now() - start) / 1000, invoices: invoices.length };
  };
  const first = await settle();
  const lines = await prisma.invoiceLine.count();
  const rerun = await settle();
  if (rerun.invoices !== first.invoices || (await prisma.invoiceLine.count()) !== lines) throw new Error('a re-run made different drafts');
  return { baseline, first, rerun, lines };
}

export async function run(): Promise<void> {
  const db = await createTestDatabase();
  try {
    const loaded = await loadQuarter(db, OBJECTS);
    line('usage_rows_loaded', loaded.rows, 'rows', { objects: OBJECTS, contracts: loaded.contracts, seconds: Number(loaded.seconds.toFixed(1)) });
    const { baseline, first, rerun, lines } = await settleQuarter(db);
    line('baseline_aggregate', baseline, 's', { baseline: 'one SELECT … GROUP BY object over the quarter’s usage rows' });
    line('settlement_first_run', first.seconds, 's', { invoices: first.invoices, lines, target_s: ON_POSTGRES ? 10 : null });
    line('settlement_rerun', rerun.seconds, 's');
    line('settlement_over_baseline', first.seconds / baseline, 'ratio');
  } finally {
    await db.drop();
  }
}
