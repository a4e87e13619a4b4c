// Ten million stored transfers: importing them from one file, and the patent's five reference
// queries (FIG. 7) over them.
//
// - Import: `pathledger import` of a 10-million-line NDJSON file (gzip) into `pathledger serve`,
//   both real processes, as an operator would run them. Figures: the rate, and the peak resident
//   memory of each process while it runs (sampled from /proc, and VmHWM at the end).
// - Queries: each FIG. 7 query as one GraphQL request over HTTP, repeated (p50, p95), against the
//   same answer computed by an SQL aggregate (GROUP BY) over the raw event table, in the same run.
//   The raw answers are checked against the API's where both count alike (a transfer's bytes
//   whole, not per hour: all of this traffic lies inside the quarter asked about).
//
// The loaded database is kept (node_modules/.cache/pathledger, and on PostgreSQL the database
// pathledger_bench_…) and reused by the next run while the migrations and the traffic are the
// same; the import figures come from the run that loaded it. BENCH_TRANSFERS sets the size
// (default ten million on PostgreSQL, one million on the embedded database).
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { access, readdir, readFile, rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { pipeline } from 'node:stream/promises';
import { fileURLToPath } from 'node:url';
import { createGzip } from 'node:zlib';
import { Readable } from 'node:stream';
import maxmind, { type AsnResponse } from 'maxmind';
import { openDatabase } from '../src/db/open.ts';
import { cachedAsnDatabase } from '../test/support/asn-cache.ts';
import { BIN, createServerHome, startServerProcess, type ServerHome, type ServerProcess } from '../test/support/server-process.ts';
import { figureLine, time } from './support/timing.ts';
import { syntheticTraffic } from './support/traffic.ts';

const ON_POSTGRES = Boolean(process.env.DATABASE_URL);
const TRANSFERS = Number(process.env.BENCH_TRANSFERS ?? (ON_POSTGRES ? 10_000_000 : 1_000_000));
const ROUNDS = 40;
const ROOT = fileURLToPath(new URL('..', import.meta.url));
const QUARTER = { from: '2026-10-01T00:00:00Z', to: '2027-01-01T00:00:00Z' };
const line = figureLine('ten-million');

/** The demo world's contents (the generator needs titles and owners before the server runs). */
const CONTENTS = [
  { title: 'RobinHood', owner: 'moviestudio' },
  { title: 'Hamlet', owner: 'moviestudio' },
  { title: 'Matchday 1: Harbour City v Riverside', owner: 'soccer-league' },
  { title: 'Matchday 1: Northbridge v Eastport', owner: 'soccer-league' },
  { title: 'Pop Tune', owner: 'label' },
];

export async function run(): Promise<void> {
  const key = await cacheKey();
  let home = await createServerHome({ keepAs: `bench_${TRANSFERS}_${key}` });
  if (!(await access(join(home.folder, 'admin-key')).then(() => true, () => false))) {
    // Without the key its first start printed, kept data is of no use: start afresh.
    await home.remove({ kept: true });
    home = await createServerHome({ keepAs: `bench_${TRANSFERS}_${key}` });
  }
  let server: ServerProcess | null = await startServerProcess(home, 600_000);
  try {
    const adminKey = await adminKeyOf(home, server);
    await checkContents(server.url, adminKey);
    const stored = await count(server.url, adminKey);
    if (stored < TRANSFERS) await importTraffic(home, server, adminKey, stored);
    else line('import', 0, 'skipped', { reason: `the ${TRANSFERS} transfers were loaded by an earlier run (kept in ${home.folder})` });

    const answers = await apiQueries(server.url, adminKey);
    server.child.kill('SIGTERM');
    await server.exited;
    server = null;
    await rawQueries(home, answers);
  } finally {
    server?.child.kill('SIGTERM');
    await server?.exited;
  }
}

/** Changes with the migrations and with the traffic generator: either makes the kept data stale. */
async function cacheKey(): Promise<string> {
  const hash = createHash('sha256');
  for (const name of (await readdir(join(ROOT, 'prisma/migrations'))).sort()) hash.update(name);
  hash.update(await readFile(join(ROOT, 'bench/support/traffic.ts')));
  hash.update(await readFile(join(ROOT, 'bench/support/addresses.ts')));
  return hash.digest('hex').slice(0, 10);
}

/** The demo ADMIN key is printed on the first start only: kept beside the data for later runs. */
async function adminKeyOf(home: ServerHome, server: ServerProcess): Promise<string> {
  const file = join(home.folder, 'admin-key');
  if (server.demoKey) await writeFile(file, server.demoKey);
  return (await readFile(file, 'utf8')).trim();
}

async function gql<T>(url: string, key: string, query: string): Promise<T> {
  const response = await fetch(`${url}/graphql`, { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${key}` }, body: JSON.stringify({ query }) });
  const body = (await response.json()) as { data?: T; errors?: unknown[] };
  if (body.errors || !body.data) throw new Error(JSON.stringify(body.errors));
  return body.data;
}

async function checkContents(url: string, key: string): Promise<void> {
  const data = await gql<{ contents: { edges: { node: { title: string; owner: { slug: string } } }[] } }>(url, key, '{ contents(first: 50) { edges { node { title owner { slug } } } } }');
  const known = new Set(data.contents.edges.map((e) => `${e.node.owner.slug}/${e.node.title}`));
  const missing = CONTENTS.filter((c) => !known.has(`${c.owner}/${c.title}`));
  if (missing.length > 0) throw new Error(`the demo world has no ${missing.map((c) => c.title).join(', ')}: update CONTENTS in this bench`);
}

const count = async (url: string, key: string) => (await gql<{ transferEvents: { totalCount: number } }>(url, key, '{ transferEvents(first: 1) { totalCount } }')).transferEvents.totalCount;

/** The traffic file, written once: a quarter (less its last hour) of synthetic traffic, gzip. */
async function trafficFile(): Promise<string> {
  const file = join(ROOT, 'node_modules/.cache/pathledger', `traffic-${TRANSFERS}-${await cacheKey()}.ndjson.gz`);
  if (await access(file).then(() => true, () => false)) return file;
  const bare = await maxmind.open<AsnResponse>(await cachedAsnDatabase());
  const traffic = syntheticTraffic({
    count: TRANSFERS,
    start: new Date(QUARTER.from),
    spanMs: Date.parse(QUARTER.to) - Date.parse(QUARTER.from) - 3_600_000,
    hosts: 5000,
    contents: CONTENTS,
    keep: (address) => bare.get(address) !== null,
    idPrefix: 'q4',
  });
  const lines = Readable.from(
    (function* () {
      let chunk = '';
      for (const transfer of traffic) {
        chunk += JSON.stringify(transfer) + '\n';
        if (chunk.length > 1 << 20) {
          yield chunk;
          chunk = '';
        }
      }
      yield chunk;
    })(),
  );
  await pipeline(lines, createGzip({ level: 1 }), createWriteStream(`${file}.partial`));
  await rename(`${file}.partial`, file);
  return file;
}

/** Resident memory now and at its peak, in MB, from /proc (Linux). */
async function memoryOf(pid: number): Promise<{ rss: number; peak: number } | null> {
  const status = await readFile(`/proc/${pid}/status`, 'utf8').catch(() => null);
  if (status === null) return null;
  const kb = (field: string) => Number(new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(status)?.[1] ?? NaN);
  return { rss: kb('VmRSS') / 1024, peak: kb('VmHWM') / 1024 };
}

async function importTraffic(home: ServerHome, server: ServerProcess, key: string, already: number): Promise<void> {
  const generated = performance.now();
  const file = await trafficFile();
  line('traffic_file', (performance.now() - generated) / 1000, 's', { transfers: TRANSFERS, file });

  const started = performance.now();
  const importer = spawn(process.execPath, [BIN, 'import', file, '--url', server.url, '--key', key, '--reporter', 'distributor-142'], { stdio: ['ignore', 'pipe', 'pipe'] });
  let summary = '';
  importer.stdout.on('data', (chunk: Buffer) => (summary += chunk.toString('utf8')));
  importer.stderr.resume();
  const done = new Promise<number | null>((resolve) => importer.on('exit', resolve));
  const peaks = { server: 0, importer: 0 };
  let finished = false;
  const sampling = (async () => {
    while (!finished) {
      const [s, i] = await Promise.all([memoryOf(server.child.pid!), memoryOf(importer.pid!)]);
      // VmHWM is the peak since the process started; the server's includes its start-up, which
      // the samples during the import do not.
      if (s && Number.isFinite(s.rss)) peaks.server = Math.max(peaks.server, s.rss);
      if (i && Number.isFinite(i.peak)) peaks.importer = Math.max(peaks.importer, i.peak);
      await new Promise((resolve) => setTimeout(resolve, 250));
    }
  })();
  const code = await done;
  finished = true;
  await sampling;
  const seconds = (performance.now() - started) / 1000;
  if (code !== 0) throw new Error(`pathledger import exited ${code}: ${summary}`);
  const serverPeak = (await memoryOf(server.child.pid!))?.peak ?? NaN;
  line('import_rate', (TRANSFERS - already) / seconds, 'transfers/s', { transfers: TRANSFERS, resumedAfter: already, summary: summary.trim().split('\n').at(-1), includes: 'gzip file → pathledger import → POST /ingest → paths, events, counter journal' });
  line('import_server_peak_rss', peaks.server, 'MB', { target: '≤ 512 on PostgreSQL', sampled: 'every 250 ms during the import', vmHwmSinceStart: Number(serverPeak.toFixed(1)), database: home.env.DATABASE_URL ? 'postgresql' : 'pglite' });
  line('import_client_peak_rss', peaks.importer, 'MB', { process: 'pathledger import' });
}

interface Answers {
  q702: bigint;
  q704: bigint;
  q706: bigint;
  q708: number;
  q710: bigint;
}

const FIG7 = {
  q702: `{ traffic(filter: { from: "${QUARTER.from}", to: "${QUARTER.to}", crossing: { from: "sp1", to: "sp2" }, hours: { from: 18, to: 24 }, timeZone: "Europe/Berlin" }) { bytes } }`,
  q704: `{ traffic(filter: { from: "${QUARTER.from}", to: "${QUARTER.to}", crossing: { from: "sp1", to: "sp2" }, contentOwner: "moviestudio" }) { bytes } }`,
  q706: `{ traffic(filter: { from: "${QUARTER.from}", to: "${QUARTER.to}", contentOwner: "moviestudio", destinationNetwork: "sp1" }) { bytes } }`,
  q708: `{ traffic(filter: { from: "${QUARTER.from}", to: "${QUARTER.to}", contentOwner: "moviestudio", receiver: "79.214.61.102" }) { files } }`,
  q710: `{ trafficBalance(a: "sp1", b: "sp2", from: "${QUARTER.from}", to: "${QUARTER.to}") { net } }`,
};

async function apiQueries(url: string, key: string): Promise<Answers> {
  const answers = {} as Record<keyof Answers, bigint | number>;
  for (const [name, query] of Object.entries(FIG7) as [keyof Answers, string][]) {
    let answer: bigint | number = 0;
    const latency = await time(ROUNDS, async () => {
      const data = await gql<{ traffic?: { bytes?: string; files?: number }; trafficBalance?: { net: string } }>(url, key, query);
      answer = data.trafficBalance ? BigInt(data.trafficBalance.net) : data.traffic?.files ?? BigInt(data.traffic!.bytes!);
    }, 3);
    answers[name] = answer;
    line(`api_${name}_p50`, latency.median, 'ms');
    line(`api_${name}_p95`, latency.p95, 'ms', { target: '≤ 50', answer: String(answer), transfers: TRANSFERS });
    latencies.set(name, latency.p95);
  }
  return answers as unknown as Answers;
}
const latencies = new Map<keyof Answers, number>();

/**
 * The same questions as aggregates over the raw events. A crossing is two consecutive owned
 * components of the stored path with different owners (path/build.ts crossingsOf); the hours of
 * 702 are taken at each transfer's start (the API apportions a transfer's bytes to the hours it
 * ran in, so 702's two answers differ by what ran across 18:00 or midnight).
 */
async function rawQueries(home: ServerHome, api: Answers): Promise<void> {
  const db = await openDatabase({ url: home.env.DATABASE_URL, dataDir: home.env.PATHLEDGER_DATA_DIR!, poolSize: 2 });
  try {
    const org = async (slug: string) => (await db.sql.query<{ id: string }>(`SELECT "id"::text AS "id" FROM "Organization" WHERE "slug" = $1`, [slug]))[0]!.id;
    const [sp1, sp2, studio] = await Promise.all([org('sp1'), org('sp2'), org('moviestudio')]);
    const client102 = (await db.sql.query<{ id: string }>(`SELECT "id"::text AS "id" FROM "Client" WHERE '79.214.61.102' = ANY("addresses")`))[0]!.id;
    const inQuarter = `e."startedAt" >= '${QUARTER.from}'::timestamp AND e."startedAt" < '${QUARTER.to}'::timestamp`;
    const crossing = (from: string, to: string) =>
      `EXISTS (SELECT 1 FROM (SELECT c."ownerId", lag(c."ownerId") OVER (ORDER BY p.i) AS "previous" FROM unnest(e."path") WITH ORDINALITY AS p(id, i) JOIN "NetworkComponent" c ON c."id" = p.id WHERE c."ownerId" IS NOT NULL) s WHERE s."previous" = '${from}'::uuid AND s."ownerId" = '${to}'::uuid)`;
    const sql: Record<keyof Answers, string> = {
      q702: `SELECT e."contentOwnerId", sum(e."bytes")::text AS v FROM "TransferEvent" e WHERE ${inQuarter} AND extract(hour FROM (e."startedAt" AT TIME ZONE 'UTC') AT TIME ZONE 'Europe/Berlin') >= 18 AND ${crossing(sp1, sp2)} GROUP BY 1`,
      q704: `SELECT e."contentOwnerId", sum(e."bytes")::text AS v FROM "TransferEvent" e WHERE ${inQuarter} AND e."contentOwnerId" = '${studio}'::uuid AND ${crossing(sp1, sp2)} GROUP BY 1`,
      q706: `SELECT e."destinationNetworkId", sum(e."bytes")::text AS v FROM "TransferEvent" e WHERE ${inQuarter} AND e."contentOwnerId" = '${studio}'::uuid AND e."destinationNetworkId" = '${sp1}'::uuid GROUP BY 1`,
      q708: `SELECT e."destinationClientId", count(DISTINCT e."contentId")::text AS v FROM "TransferEvent" e WHERE ${inQuarter} AND e."contentOwnerId" = '${studio}'::uuid AND e."destinationClientId" = '${client102}'::uuid GROUP BY 1`,
      q710: `SELECT d, sum(e."bytes")::text AS v FROM "TransferEvent" e, LATERAL (SELECT CASE WHEN ${crossing(sp1, sp2)} THEN 1 ELSE 0 END - CASE WHEN ${crossing(sp2, sp1)} THEN 1 ELSE 0 END AS d) x WHERE ${inQuarter} AND d <> 0 GROUP BY d`,
    };
    for (const name of Object.keys(sql) as (keyof Answers)[]) {
      let rows: { v: string; d?: number }[] = [];
      const latency = await time(name === 'q708' || name === 'q706' ? 5 : 1, async () => (rows = await db.sql.query<{ v: string; d?: number }>(sql[name])), 0);
      const raw =
        name === 'q710'
          ? rows.reduce((net, row) => net + BigInt(row.v) * BigInt(row.d ?? 0), 0n)
          : name === 'q708'
            ? Number(rows[0]?.v ?? 0)
            : rows.reduce((sum, row) => sum + BigInt(row.v), 0n);
      const agrees = name === 'q702' ? 'hours by start: not compared' : String(raw) === String(api[name]);
      if (agrees === false) throw new Error(`${name}: the API answered ${api[name]}, the raw events ${raw}`);
      line(`raw_${name}`, latency.median, 'ms', { baseline: 'SQL GROUP BY over the raw event table', answer: String(raw), agrees });
      line(`${name}_raw_over_api_p95`, latency.median / latencies.get(name)!, 'ratio', { target: '≥ 100' });
    }
  } finally {
    await db.close();
  }
}
