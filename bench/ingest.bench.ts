// Ingestion through POST /ingest, path resolution and accounting included, against the bare cost
// of storing the same event rows: multi-row INSERT … VALUES statements of the same rows into the
// same table of the same database, through the same driver, side by side in one run.
//
// The server runs in this process, as `npm start` builds it; the body is synthetic traffic
// (bench/support/traffic.ts) between the demo world's clients and hosts all over the real address
// space, sent as one NDJSON stream, in two shapes:
// - live: what agents report while it happens, at the rate aimed for (50,000 a second), so its
//   transfers started within seconds of each other (and lasted up to ten minutes);
// - backfill: a day of traffic at once (a late import), spread over 24 hourly buckets.
// The figures are for the network once known: the first sight of the ASes and links the hosts
// reveal (stored once, by the path service) is measured apart. `accepted` is until the answer
// (every batch committed: acknowledged); `counted` until the counter journal is folded too.
import http from 'node:http';
import { performance } from 'node:perf_hooks';
import maxmind, { type AsnResponse } from 'maxmind';
import { serveDatabase } from '../src/app.ts';
import { CounterJournal } from '../src/accounting/counter-journal.ts';
import { uuidV7 } from '../src/accounting/event-rows.ts';
import { createApiKey } from '../src/auth/api-keys.ts';
import { loadConfig } from '../src/config.ts';
import { ensureDemoWorld } from '../src/db/demo-world.ts';
import { listen } from '../src/http/server.ts';
import { createLogger } from '../src/observability/logger.ts';
import { openIpData } from '../src/path/ip-data.ts';
import { PathService } from '../src/path/service.ts';
import { cachedAsnDatabase } from '../test/support/asn-cache.ts';
import { createTestDatabase } from '../test/support/database.ts';
import { figureLine } from './support/timing.ts';
import { syntheticTraffic, type BenchTransfer } from './support/traffic.ts';

const ON_POSTGRES = Boolean(process.env.DATABASE_URL);
const TRANSFERS = Number(process.env.BENCH_INGEST_TRANSFERS ?? (ON_POSTGRES ? 200_000 : 50_000));
const TARGET_RATE = 50_000;
const BATCH = 2000;

export async function run(): Promise<void> {
  const asnFile = await cachedAsnDatabase();
  const config = loadConfig({ PORT: '0', HOST: '127.0.0.1', PATHLEDGER_ASN_DB: asnFile, PATHLEDGER_IPDB_RELOAD_MS: '0', LOG_LEVEL: 'silent', PATHLEDGER_RATE_LIMIT: '0' });
  const db = await createTestDatabase();
  const ipData = await openIpData(config.ipData, createLogger(config));
  try {
    await ensureDemoWorld(db.prisma);
    const contents = (await db.prisma.content.findMany({ include: { owner: true } })).map((c) => ({ title: c.title, owner: c.owner.slug }));
    const bare = await maxmind.open<AsnResponse>(asnFile);
    const keep = (address: string) => bare.get(address) !== null;
    const shapes = {
      live: [...syntheticTraffic({ count: TRANSFERS, start: new Date('2026-10-05T18:00:00Z'), spanMs: (TRANSFERS / TARGET_RATE) * 1000, hosts: 5000, contents, keep, idPrefix: 'live' })],
      backfill: [...syntheticTraffic({ count: TRANSFERS / 4, start: new Date('2026-10-01T00:00:00Z'), spanMs: 86_400_000, hosts: 5000, contents, keep, idPrefix: 'day', seed: 9 })],
    };

    // First sight: the ASes, organizations and inferred links the hosts reveal, stored once.
    const discoveryStart = performance.now();
    const paths = new PathService(db.prisma, { addresses: () => ipData.addresses() });
    const all = [...shapes.live, ...shapes.backfill];
    const pairs = [...new Map(all.map((t) => [`${t.source}|${t.destination}`, { source: t.source, destination: t.destination }])).values()];
    for (let i = 0; i < pairs.length; i += BATCH) await paths.resolveAllAndRegister(pairs.slice(i, i + BATCH));
    const discoverySeconds = (performance.now() - discoveryStart) / 1000;

    const server = await serveDatabase(db, config, createLogger(config), ipData);
    const { url } = await listen(server, 0, '127.0.0.1');
    const { key } = await createApiKey(db.prisma, { name: 'bench agent', role: 'AGENT', organizationSlug: 'distributor-142' });
    const ingest = async (transfers: readonly BenchTransfer[]) => {
      const body = Buffer.from(transfers.map((t) => JSON.stringify(t)).join('\n') + '\n');
      const start = performance.now();
      const answer = await post(`${url}/ingest`, key, body);
      const accepted = transfers.length / ((performance.now() - start) / 1000);
      if (answer.accepted !== transfers.length) throw new Error(`accepted ${answer.accepted} of ${transfers.length}: ${JSON.stringify(answer).slice(0, 500)}`);
      await new CounterJournal(db.sql).settle();
      return { accepted, counted: transfers.length / ((performance.now() - start) / 1000) };
    };
    const live = await ingest(shapes.live);
    const backfill = await ingest(shapes.backfill);
    await server.close();

    // Baseline: the rows as the recorder stored them, inserted again under new ids with plain
    // multi-row INSERT … VALUES statements, one per batch of the same size, through the driver.
    const stored = await db.sql.query<Record<string, unknown>>(`SELECT * FROM "TransferEvent" WHERE "externalId" LIKE 'live-%'`);
    const columns = Object.keys(stored[0]!).filter((column) => column !== 'receivedAt');
    const insertStart = performance.now();
    for (let i = 0; i < stored.length; i += BATCH) {
      const rows = stored.slice(i, i + BATCH);
      const values: (string | null)[] = [];
      const tuples = rows.map((row) => {
        const placeholders = columns.map((column) => {
          const value = column === 'id' ? uuidV7() : column === 'externalId' ? `copy-${String(row[column])}` : row[column];
          values.push(sqlText(value));
          return `$${values.length}`;
        });
        return `(${placeholders.join(', ')})`;
      });
      await db.sql.query(`INSERT INTO "TransferEvent" (${columns.map((c) => `"${c}"`).join(', ')}) VALUES ${tuples.join(', ')}`, values);
    }
    const insertRate = stored.length / ((performance.now() - insertStart) / 1000);

    const line = figureLine('ingest');
    const includes = 'HTTP, NDJSON, validation, paths, events, counter journal; every batch committed';
    line('live_accepted_rate', live.accepted, 'transfers/s', { transfers: TRANSFERS, batch: BATCH, includes, target: `≥ ${TARGET_RATE} on PostgreSQL` });
    line('live_counted_rate', live.counted, 'transfers/s', { includes: 'live_accepted_rate, and the counter journal folded into every counter' });
    line('backfill_accepted_rate', backfill.accepted, 'transfers/s', { transfers: TRANSFERS / 4, includes, spread: 'a day, 24 hourly buckets' });
    line('backfill_counted_rate', backfill.counted, 'transfers/s');
    line('bare_insert_rate', insertRate, 'rows/s', { baseline: 'multi-row INSERT … VALUES of the same event rows, same batch size, same driver' });
    line('live_accepted_over_bare_insert', live.accepted / insertRate, 'ratio', { target: '≥ 0.5' });
    line('live_counted_over_bare_insert', live.counted / insertRate, 'ratio');
    line('backfill_counted_over_bare_insert', backfill.counted / insertRate, 'ratio');
    line('first_sight_paths', pairs.length / discoverySeconds, 'paths/s', { paths: pairs.length, includes: 'storing the ASes, organizations and inferred links they reveal' });
  } finally {
    ipData.close();
    await db.drop();
  }
}

/** A stored value as the text PostgreSQL reads back into its column. */
function sqlText(value: unknown): string | null {
  if (value === null || value === undefined) return null;
  if (value instanceof Date) return value.toISOString();
  if (Array.isArray(value)) return `{${value.map((v) => `"${String(v).replace(/["\\]/g, '\\$&')}"`).join(',')}}`;
  return String(value);
}

function post(url: string, key: string, body: Buffer): Promise<{ accepted: number }> {
  return new Promise((resolve, reject) => {
    const request = http.request(url, { method: 'POST', headers: { authorization: `Bearer ${key}`, 'content-type': 'application/x-ndjson' } }, (response) => {
      const chunks: Buffer[] = [];
      response.on('data', (chunk: Buffer) => chunks.push(chunk));
      response.on('end', () => {
        const text = Buffer.concat(chunks).toString('utf8');
        if (response.statusCode !== 200) reject(new Error(`POST /ingest: ${response.statusCode} ${text.slice(0, 300)}`));
        else resolve(JSON.parse(text) as { accepted: number });
      });
    });
    request.on('error', reject);
    request.end(body);
  });
}
