// requestContent through the API at scale: 100,000 online peers across 50 ISPs that each granted
// distributor 142 the use of their subscribers' uplink, holding contents out of 10,000 (by
// popularity: a Zipf law), and clients asking for contents as popular. The server runs in this
// process as `npm start` builds it; the load comes from a second process (bench/support/load.ts)
// over keep-alive HTTP, a fixed number of requests in flight. Each request is answered from
// memory and stores its assignment (one INSERT).
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { serveDatabase } from '../src/app.ts';
import { createApiKey } from '../src/auth/api-keys.ts';
import { loadConfig } from '../src/config.ts';
import { ensureDemoWorld } from '../src/db/demo-world.ts';
import { toGlobalId } from '../src/graphql/global-id.ts';
import { listen } from '../src/http/server.ts';
import { createLogger } from '../src/observability/logger.ts';
import { openIpData } from '../src/path/ip-data.ts';
import { cachedAsnDatabase } from '../test/support/asn-cache.ts';
import { createTestDatabase } from '../test/support/database.ts';
import { publicAddresses, seededRandom } from './support/addresses.ts';
import type { Job, LoadFigures } from './support/load.ts';
import { figureLine } from './support/timing.ts';
import { zipf } from './support/traffic.ts';

const PEERS = Number(process.env.BENCH_PEERS ?? 100_000);
const ISPS = 50;
const CONTENTS = 10_000;
const HOLDINGS_PER_PEER = 20;
const SECONDS = Number(process.env.BENCH_SECONDS ?? 20);
const CONCURRENCY = Number(process.env.BENCH_CONCURRENCY ?? 16);
/** Clients asking during the run (the coordinator reads each from the database once, then remembers it). */
const ACTIVE_CLIENTS = 5_000;
const line = figureLine('coordinator');

export async function run(): Promise<void> {
  const config = loadConfig({ PORT: '0', HOST: '127.0.0.1', PATHLEDGER_ASN_DB: await cachedAsnDatabase(), PATHLEDGER_IPDB_RELOAD_MS: '0', LOG_LEVEL: 'silent', PATHLEDGER_RATE_LIMIT: '0', PATHLEDGER_SCHEDULER_INTERVAL_MS: '0' });
  const db = await createTestDatabase();
  const ipData = await openIpData(config.ipData, createLogger(config));
  try {
    await ensureDemoWorld(db.prisma);
    const [distributor, studio] = await Promise.all([
      db.prisma.organization.findUniqueOrThrow({ where: { slug: 'distributor-142' } }),
      db.prisma.organization.findUniqueOrThrow({ where: { slug: 'moviestudio' } }),
    ]);
    const next = seededRandom(42);

    // 50 ISPs with 2,000 subscribers each, every one granting distributor 142 its uplink.
    const isps = await db.sql.query<{ id: string }>(
      `INSERT INTO "Organization" ("id", "slug", "name", "roles", "updatedAt") SELECT gen_random_uuid(), 'isp-' || n, 'ISP ' || n, ARRAY['SERVICE_PROVIDER']::"OrganizationRole"[], now() FROM generate_series(1, ${ISPS}) n RETURNING "id"::text AS "id"`,
    );
    const addresses = publicAddresses(PEERS, 77);
    const networkOf = addresses.map((_, i) => isps[i % ISPS]!.id);
    const components = await db.sql.query<{ id: string }>(
      `INSERT INTO "NetworkComponent" ("id", "kind", "name", "ownerId", "addresses", "updatedAt")
       SELECT gen_random_uuid(), 'HOST', 'peer ' || a.n, a.owner, ARRAY[a.address], now() FROM unnest($1::text[], $2::uuid[]) WITH ORDINALITY AS a(address, owner, n) ORDER BY a.n RETURNING "id"::text AS "id"`,
      [`{${addresses.join(',')}}`, `{${networkOf.join(',')}}`],
    );
    const clients = await db.sql.query<{ id: string }>(
      `INSERT INTO "Client" ("id", "name", "addresses", "subscriberNetworkId", "componentId", "updatedAt")
       SELECT gen_random_uuid(), 'peer ' || a.n, ARRAY[a.address], a.network, a.component, now() FROM unnest($1::text[], $2::uuid[], $3::uuid[]) WITH ORDINALITY AS a(address, network, component, n) ORDER BY a.n RETURNING "id"::text AS "id"`,
      [`{${addresses.join(',')}}`, `{${networkOf.join(',')}}`, `{${components.map((c) => c.id).join(',')}}`],
    );
    const contents = await db.sql.query<{ id: string }>(
      `INSERT INTO "Content" ("id", "title", "kind", "ownerId", "distributorId", "sizeBytes", "updatedAt")
       SELECT gen_random_uuid(), 'Title ' || n, 'MOVIE', $1::uuid, $2::uuid, 4000000000, now() FROM generate_series(1, ${CONTENTS}) n ORDER BY n RETURNING "id"::text AS "id"`,
      [studio.id, distributor.id],
    );
    await db.sql.query(
      `INSERT INTO "UplinkGrant" ("id", "networkId", "distributorId", "scope", "basis", "validFrom", "ratePerGb", "currency", "updatedAt")
       SELECT gen_random_uuid(), id, $1::uuid, 'ALL_SUBSCRIBERS', 'PARTNERSHIP_AGREEMENT', now() - interval '1 day', 0.01, 'EUR', now() FROM unnest($2::uuid[]) AS i(id)`,
      [distributor.id, `{${isps.map((isp) => isp.id).join(',')}}`],
    );

    const server = await serveDatabase(db, config, createLogger(config), ipData);
    const { url } = await listen(server, 0, '127.0.0.1');
    const { coordinator } = server.services;

    // Every peer online for the next hour, holding 20 contents by popularity, 10–50 Mbit/s spare.
    const popular = zipf(CONTENTS, next);
    const lookups = ipData.addresses();
    const expiresAt = Date.now() + 3_600_000;
    const memoryBefore = settledMemory();
    clients.forEach((client, i) => {
      const held = new Set<number>();
      while (held.size < HOLDINGS_PER_PEER) held.add(popular());
      const country = lookups.places(addresses[i]!).find((place) => place.kind === 'COUNTRY')?.key.slice('country:'.length) ?? null;
      coordinator.availability.report({
        clientId: client.id,
        networkId: networkOf[i]!,
        country,
        address: addresses[i]!,
        spareUplinkBps: 10_000_000 + Math.floor(next() * 40_000_000),
        optedIn: true,
        holdings: [...held].map((index) => ({ contentId: contents[index]!.id, complete: true, pieces: null })),
        expiresAt,
      });
    });

    const availabilityBytes = settledMemory() - memoryBefore;

    // Requests: one of 5,000 active clients asks for a content as popular as the ones peers hold.
    const active = Array.from({ length: ACTIVE_CLIENTS }, () => addresses[Math.floor(next() * PEERS)]!);
    const mutation = 'mutation($input: RequestContentInput!) { requestContent(input: $input) { assignment { id sources { kind peerAddress nodeAddress pieces reason } } userErrors { field message } } }';
    const bodies = Array.from({ length: 20_000 }, () =>
      JSON.stringify({ query: mutation, variables: { input: { client: active[Math.floor(next() * ACTIVE_CLIENTS)]!, content: { id: toGlobalId('Content', contents[popular()]!.id) } } } }),
    );
    const { key } = await createApiKey(db.prisma, { name: 'bench agent', role: 'AGENT', organizationSlug: 'distributor-142' });
    const graphql = `${url}/graphql`;
    // Warm-up: every active client once, as they would have asked before (the coordinator reads
    // a client from the database the first time it sees it, then remembers it).
    const who = { organizationId: null, isDistributor: true };
    for (let i = 0; i < active.length; i += 50) await Promise.all(active.slice(i, i + 50).map((client) => coordinator.requestContent(who, { client, content: { id: toGlobalId('Content', contents[0]!.id) } })));
    // Then every request body once: the coordinator has read every content asked for from the
    // database, as it would have when agents' availability reports named them (here the reports
    // went straight into the index). What is measured is the steady state: no reads.
    await load({ url: graphql, key, seconds: 120, concurrency: CONCURRENCY, bodies, requests: bodies.length });
    const figures = await load({ url: graphql, key, seconds: SECONDS, concurrency: CONCURRENCY, bodies });
    // The floor: the cheapest request the API answers, through the same HTTP, auth and GraphQL.
    const floor = await load({ url: graphql, key, seconds: SECONDS, concurrency: CONCURRENCY, bodies: [JSON.stringify({ query: '{ __typename }' })] });
    if (figures.errors > 0) throw new Error(`${figures.errors} requests failed; the first: ${figures.firstError}`);
    const assigned = await db.sql.query<{ peers: string; total: string }>(
      `SELECT count(*) FILTER (WHERE "sources"->0->>'kind' = 'PEER')::text AS "peers", count(*)::text AS "total" FROM "ContentAssignment"`,
    );
    await server.close();

    const setup = { peers: PEERS, isps: ISPS, contents: CONTENTS, holdingsPerPeer: HOLDINGS_PER_PEER, activeClients: ACTIVE_CLIENTS, concurrency: CONCURRENCY, seconds: SECONDS };
    line('request_content_rate', figures.perSecond, 'requests/s', { ...setup, target: '≥ 2000', includes: 'HTTP, GraphQL, choosing sources, one INSERT per assignment' });
    line('request_content_p50', figures.p50, 'ms');
    line('request_content_p99', figures.p99, 'ms', { target: '< 20' });
    line('request_content_server_cpu', figures.serverCpuUs, 'µs/request', { includes: 'the server process: HTTP, GraphQL, choosing, the INSERT’s client side' });
    line('api_floor_rate', floor.perSecond, 'requests/s', { baseline: '{ __typename } with the same key, concurrency and connections' });
    line('api_floor_p99', floor.p99, 'ms');
    line('api_floor_server_cpu', floor.serverCpuUs, 'µs/request');
    line('request_content_over_api_floor', figures.perSecond / floor.perSecond, 'ratio');
    line('availability_memory', availabilityBytes / 1e6, 'MB', { peers: PEERS, perPeerKb: availabilityBytes / PEERS / 1e3, includes: 'the index: heap and the typed arrays beside it' });
    line('assignments_to_peers', Number(assigned[0]!.peers) / Number(assigned[0]!.total), 'share', { assignments: Number(assigned[0]!.total) });
  } finally {
    ipData.close();
    await db.drop();
  }
}

/** Heap and array buffers in use once garbage is collected (V8's gc, exposed for this). */
function settledMemory(): number {
  setFlagsFromString('--expose-gc');
  (runInNewContext('gc') as () => void)();
  const { heapUsed, arrayBuffers } = process.memoryUsage();
  return heapUsed + arrayBuffers;
}

/**
 * The load's figures, and the server's CPU time per request answered (this process's, its few
 * background refreshes included): on a shared host whose speed varies from run to run, what a
 * request costs the server is steadier than how many the host lets it answer.
 */
async function load(job: Job): Promise<LoadFigures & { serverCpuUs: number }> {
  const before = process.cpuUsage();
  const figures = await loadFrom(job);
  const used = process.cpuUsage(before);
  return { ...figures, serverCpuUs: (used.user + used.system) / Math.max(1, figures.requests) };
}

function loadFrom(job: Job): Promise<LoadFigures> {
  const script = fileURLToPath(new URL('./support/load.ts', import.meta.url));
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', script], { stdio: ['pipe', 'pipe', 'inherit'] });
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString('utf8')));
    child.on('error', reject);
    child.on('exit', (code) => (code === 0 ? resolve(JSON.parse(output) as LoadFigures) : reject(new Error(`the load generator exited ${code}`))));
    child.stdin.end(JSON.stringify(job));
  });
}
