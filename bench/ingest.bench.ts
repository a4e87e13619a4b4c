// Recording transfers, path resolution and accounting included, against the bare cost of
// storing the same event rows: multi-row INSERTs into the same table of the same database, side
// by side in one run. The transfers run between 5,000 hosts in real address space (so paths
// come from the real ASN data, most of them already seen) and the demo world's clients, carry
// the demo contents, and last from a second to ten minutes, so some span two hours.
import { performance } from 'node:perf_hooks';
import maxmind, { type AsnResponse } from 'maxmind';
import { uuidV7 } from '../src/accounting/event-rows.ts';
import { TransferRecorder } from '../src/accounting/recorder.ts';
import type { TransferSubmission } from '../src/accounting/transfers.ts';
import { loadConfig } from '../src/config.ts';
import { ensureDemoWorld } from '../src/db/demo-world.ts';
import { createLogger } from '../src/observability/logger.ts';
import { openIpData } from '../src/path/ip-data.ts';
import { PathService } from '../src/path/service.ts';
import { cachedAsnDatabase } from '../test/support/asn-cache.ts';
import { createTestDatabase } from '../test/support/database.ts';
import { publicAddresses, seededRandom } from './support/addresses.ts';

const BATCH = 2000;
const BATCHES = Number(process.env.BENCH_INGEST_BATCHES ?? 25);
const HOSTS = 5000;
const CLIENTS = ['79.214.61.102', '84.173.22.104', '90.12.77.106', '86.201.9.108', '73.162.40.110', '98.210.3.112'];

export async function run(): Promise<void> {
  const asnFile = await cachedAsnDatabase();
  const config = loadConfig({ PATHLEDGER_ASN_DB: asnFile, PATHLEDGER_IPDB_RELOAD_MS: '0', LOG_LEVEL: 'silent' });
  const db = await createTestDatabase();
  const ipData = await openIpData(config.ipData, createLogger(config));
  try {
    await ensureDemoWorld(db.prisma);
    const prisma = db.prisma;
    const reporter = (await prisma.organization.findUniqueOrThrow({ where: { slug: 'distributor-142' } })).id;
    const contents = await prisma.content.findMany({ include: { owner: true } });
    const bare = await maxmind.open<AsnResponse>(asnFile);
    const hosts = publicAddresses(HOSTS, 11, (address) => bare.get(address) !== null);
    const next = seededRandom(5);
    const pick = <T>(list: readonly T[]) => list[Math.floor(next() * list.length)]!;
    const start = Date.parse('2026-10-01T00:00:00Z');
    let serial = 0;
    const batch = (): TransferSubmission[] =>
      Array.from({ length: BATCH }, () => {
        const content = pick(contents);
        const startedAt = start + Math.floor(next() * 30 * 86_400_000);
        const [source, destination] = next() < 0.5 ? [pick(hosts), pick(CLIENTS)] : [pick(CLIENTS), pick(hosts)];
        return {
          id: `bench-${serial++}`,
          source,
          destination,
          bytes: BigInt(1 + Math.floor(next() * 50_000_000)),
          startedAt: new Date(startedAt),
          endedAt: new Date(startedAt + 1000 + Math.floor(next() * 600_000)),
          content: { title: content.title, owner: content.owner.slug },
          type: pick(['CDN_DOWNLOAD', 'PEER_UPLOAD', 'LIVE_STREAM'] as const),
        };
      });

    const paths = new PathService(prisma, { addresses: () => ipData.addresses() });
    const recorder = new TransferRecorder(prisma, paths);
    const batches = Array.from({ length: BATCHES }, batch);
    // Steady state: the network is known. The first transfers between these hosts reveal some
    // thousand ASes and the links between them, which the path service stores once (that
    // first sight is measured apart below); the figure is for the traffic after it.
    const discoveryStart = performance.now();
    const requests = batches.flat().map(({ source, destination }) => ({ source: String(source), destination: String(destination) }));
    for (let i = 0; i < requests.length; i += BATCH) await paths.resolveAllAndRegister(requests.slice(i, i + BATCH));
    const discoverySeconds = (performance.now() - discoveryStart) / 1000;
    await recorder.record(reporter, batch()); // warm-up
    const recordStart = performance.now();
    for (const transfers of batches) {
      const outcome = await recorder.record(reporter, transfers);
      if (outcome.accepted !== transfers.length) throw new Error(`recorded ${outcome.accepted} of ${transfers.length}: ${JSON.stringify(outcome.rejected.slice(0, 3))}`);
    }
    const recordRate = (BATCHES * BATCH) / ((performance.now() - recordStart) / 1000);

    // Baseline: the same rows (as the recorder stored them) inserted again under new ids with
    // plain multi-row INSERT … VALUES statements, one per batch, through the same driver.
    const stored = await prisma.$queryRawUnsafe<Record<string, unknown>[]>(`SELECT * FROM "TransferEvent" WHERE "externalId" LIKE 'bench-%' LIMIT ${BATCHES * BATCH}`);
    const columns = Object.keys(stored[0]!);
    const insertStart = performance.now();
    for (let i = 0; i < stored.length; i += BATCH) {
      const rows = stored.slice(i, i + BATCH);
      const values: unknown[] = [];
      const tuples = rows.map((row) => {
        const placeholders = columns.map((column) => {
          const value = column === 'id' ? uuidV7() : column === 'externalId' ? `copy-${String(row[column])}` : row[column];
          values.push(value instanceof Date ? value.toISOString() : typeof value === 'bigint' ? value.toString() : value);
          return `$${values.length}`;
        });
        return `(${placeholders.join(', ')})`;
      });
      await prisma.$executeRawUnsafe(`INSERT INTO "TransferEvent" (${columns.map((c) => `"${c}"`).join(', ')}) VALUES ${tuples.join(', ')}`, ...values);
    }
    const insertRate = stored.length / ((performance.now() - insertStart) / 1000);

    const database = process.env.DATABASE_URL ? 'postgresql' : 'pglite';
    const line = (figure: string, value: number, unit: string, extra: Record<string, unknown> = {}) =>
      console.log(JSON.stringify({ bench: 'ingest', database, figure, value: Number(value.toFixed(3)), unit, ...extra }));
    line('record_rate', recordRate, 'transfers/s', { batch: BATCH, batches: BATCHES, includes: 'validation, paths, event rows, counters, accounting objects, one transaction per batch' });
    line('bare_insert_rate', insertRate, 'rows/s', { baseline: 'multi-row INSERT … VALUES of the same event rows, same batch size' });
    line('record_over_bare_insert', recordRate / insertRate, 'ratio', { target: '≥ 0.5' });
    line('first_sight_paths', requests.length / discoverySeconds, 'paths/s', { paths: requests.length, includes: 'storing the ASes, organizations and inferred links they reveal' });
  } finally {
    ipData.close();
    await db.drop();
  }
}
