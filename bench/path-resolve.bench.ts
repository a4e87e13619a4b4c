// What resolving an inferred-only path costs next to the lookups it cannot do without: two
// addresses nobody registered → source AS, destination AS, the link between them, countries.
// Baseline: two bare `maxmind` gets (maxmind.open, its default cache) on the same ASN file and
// the same addresses, measured side by side in one run with rounds interleaved. The path
// service also validates both addresses, checks them against the special ranges and the
// operators' prefixes, looks both up in the geo database and builds the path.
import { performance } from 'node:perf_hooks';
import maxmind, { type AsnResponse } from 'maxmind';
import { loadConfig } from '../src/config.ts';
import { ensureDemoWorld } from '../src/db/demo-world.ts';
import { createLogger } from '../src/observability/logger.ts';
import { openIpData } from '../src/path/ip-data.ts';
import { PathService } from '../src/path/service.ts';
import { cachedAsnDatabase } from '../test/support/asn-cache.ts';
import { createTestDatabase } from '../test/support/database.ts';
import { publicAddresses } from './support/addresses.ts';

const PAIRS = 20_000;
const ROUNDS = 12;

const median = (values: number[]) => [...values].sort((a, b) => a - b)[values.length >> 1]!;

export async function run(): Promise<void> {
  const asnFile = await cachedAsnDatabase();
  const config = loadConfig({ PATHLEDGER_ASN_DB: asnFile, PATHLEDGER_IPDB_RELOAD_MS: '0', LOG_LEVEL: 'silent' });
  const db = await createTestDatabase();
  const ipData = await openIpData(config.ipData, createLogger(config));
  try {
    await ensureDemoWorld(db.prisma);
    const paths = new PathService(db.prisma, { addresses: () => ipData.addresses(), maxSnapshotAgeMs: Number.MAX_SAFE_INTEGER });
    const bare = await maxmind.open<AsnResponse>(asnFile);
    // Addresses some AS announces: an unannounced one has no AS and no link to measure.
    const addresses = publicAddresses(PAIRS * 2 * (ROUNDS + 3), 7, (address) => bare.get(address) !== null);
    const pairsOf = (round: number) => Array.from({ length: PAIRS }, (_, i) => [addresses[2 * (round * PAIRS + i)]!, addresses[2 * (round * PAIRS + i) + 1]!] as const);

    // Every path must be what the figure claims: two ASes, a link, places.
    const [first] = pairsOf(0);
    const sample = await paths.resolve({ source: first![0], destination: first![1] });
    if (!sample.components.some((c) => c.kind === 'LINK') || !sample.components.some((c) => c.kind === 'COUNTRY')) {
      throw new Error(`not an inferred path with a link and places: ${JSON.stringify(sample.components.map((c) => c.key))}`);
    }

    const bareRound = (pairs: readonly (readonly [string, string])[]) => {
      const start = performance.now();
      let found = 0;
      for (const [source, destination] of pairs) {
        if (bare.get(source) !== null) found++;
        if (bare.get(destination) !== null) found++;
      }
      if (found === 0) throw new Error('nothing found');
      return pairs.length / ((performance.now() - start) / 1000);
    };
    const pathRound = async (pairs: readonly (readonly [string, string])[]) => {
      const start = performance.now();
      for (const [source, destination] of pairs) await paths.resolve({ source, destination });
      return pairs.length / ((performance.now() - start) / 1000);
    };
    const line = (figure: string, value: number, unit: string, extra: Record<string, unknown> = {}) =>
      console.log(JSON.stringify({ bench: 'path-resolve', figure, value: Number(value.toFixed(3)), unit, ...extra }));

    // Repeating: the same pairs every round, as clients and nodes send again and again; the
    // path service's per-address memo answers after the first round. Distinct: new pairs every
    // round, more than the memo holds, so every lookup walks the files.
    for (const scenario of ['repeating', 'distinct'] as const) {
      const rates = { bare: [] as number[], path: [] as number[] };
      for (let round = 0; round < ROUNDS + 2; round++) {
        const pairs = pairsOf(scenario === 'repeating' ? 0 : round + 1);
        const bareRate = bareRound(pairs);
        const pathRate = await pathRound(pairs);
        if (round < 2) continue; // warm-up
        rates.bare.push(bareRate);
        rates.path.push(pathRate);
      }
      const extra = { scenario, pairs: PAIRS, rounds: ROUNDS };
      line('two_bare_maxmind_gets', median(rates.bare), 'pairs/s', { ...extra, baseline: 'maxmind.open(asn file).get twice, default cache' });
      line('inferred_path_resolve', median(rates.path), 'paths/s', { ...extra, path: 'source AS, destination AS, link, countries' });
      line('path_over_two_gets', median(rates.path) / median(rates.bare), 'ratio', { ...extra, target: '≥ 0.40' });
    }
  } finally {
    ipData.close();
    await db.drop();
  }
}
