// What building the full IP-to-AS database from @ip-location-db/asn costs, and what opening the
// result costs. Each build runs in a child process of its own (bench/support/build-asn-child.ts),
// so that the peak RSS it reports is the build's: figures are the median build time (inside the
// child, and wall time including Node and tsx starting) and the largest peak RSS over the runs.
// Opening, on the file just built (so from the page cache): median of reading it and
// `new Reader(buffer)`, and of `openIpDatabase` (read, check the tree, probe both families), with
// `maxmind.open` as the baseline, rounds interleaved.
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { performance } from 'node:perf_hooks';
import maxmind, { Reader, type AsnResponse } from 'maxmind';
import { openIpDatabase } from '../src/path/ip-database.ts';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const CHILD = fileURLToPath(new URL('./support/build-asn-child.ts', import.meta.url));
const BUILDS = 3;
const OPENS = 21;

interface ChildReport {
  seconds: number;
  maxRssMiB: number;
  bytes: number;
  ranges: number;
  nodes: number;
  recordSize: number;
}

const median = (values: number[]) => [...values].sort((a, b) => a - b)[values.length >> 1]!;

/** One build in a fresh Node process; resolves with its report and the wall time from spawn to exit. */
function buildInChild(outFile: string): Promise<ChildReport & { wallSeconds: number }> {
  return new Promise((resolve, reject) => {
    const started = performance.now();
    const child = spawn(process.execPath, ['--import', 'tsx', CHILD, outFile], { cwd: ROOT, stdio: ['ignore', 'pipe', 'inherit'] });
    let stdout = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
    child.on('error', reject);
    child.on('close', (code) => {
      const wallSeconds = (performance.now() - started) / 1000;
      if (code !== 0) return reject(new Error(`the build child exited with ${String(code)}: ${stdout}`));
      try {
        resolve({ ...(JSON.parse(stdout.trim().split('\n').at(-1)!) as ChildReport), wallSeconds });
      } catch (error) {
        reject(new Error(`the build child printed no report: ${stdout}`, { cause: error }));
      }
    });
  });
}

async function milliseconds(open: () => Promise<unknown> | unknown): Promise<number> {
  const start = performance.now();
  await open();
  return performance.now() - start;
}

export async function run(): Promise<void> {
  const folder = await mkdtemp(join(tmpdir(), 'pathledger-ipdb-bench-'));
  const file = join(folder, 'asn.mmdb');
  try {
    const builds = [];
    for (let i = 0; i < BUILDS; i++) builds.push(await buildInChild(file));
    const last = builds.at(-1)!;

    const opens = {
      reader: () => new Reader<AsnResponse>(readFileSync(file)),
      holder: async () => (await openIpDatabase<AsnResponse>(file)).close(),
      maxmind: () => maxmind.open<AsnResponse>(file),
    };
    const times: Record<keyof typeof opens, number[]> = { reader: [], holder: [], maxmind: [] };
    for (let round = 0; round < OPENS + 2; round++) {
      for (const [name, open] of Object.entries(opens) as [keyof typeof opens, () => unknown][]) {
        const measured = await milliseconds(open);
        if (round >= 2) times[name].push(measured); // two rounds to warm up
      }
    }

    const line = (figure: string, value: number, unit: string, extra: Record<string, unknown> = {}) =>
      console.log(JSON.stringify({ bench: 'ipdb-build', figure, value: Number(value.toFixed(3)), unit, ...extra }));
    line('build_seconds', median(builds.map((b) => b.seconds)), 's', { runs: BUILDS, ranges: last.ranges, measured: 'buildAsnDatabase inside the child, CSVs to renamed file' });
    line('build_wall_seconds', median(builds.map((b) => b.wallSeconds)), 's', { includes: 'node and tsx start-up' });
    line('build_peak_rss', Math.max(...builds.map((b) => b.maxRssMiB)), 'MiB', { measured: "the child's process.resourceUsage().maxRSS" });
    line('file_size', last.bytes / 1_000_000, 'MB', { nodes: last.nodes, recordSize: last.recordSize });
    const maxmindMedian = median(times.maxmind);
    const holderMedian = median(times.holder);
    line('open_maxmind_median', maxmindMedian, 'ms', { baseline: 'maxmind.open(file), default LRU cache', rounds: OPENS });
    line('open_reader_median', median(times.reader), 'ms', { measured: 'readFileSync + new Reader(buffer)' });
    line('open_holder_median', holderMedian, 'ms', { measured: 'openIpDatabase(file): read, check, probe' });
    line('open_holder_over_maxmind', holderMedian / maxmindMedian, 'ratio');
  } finally {
    await rm(folder, { recursive: true, force: true });
  }
}
