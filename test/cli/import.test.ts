// `pathledger import` against the test server on the demo world: NDJSON, CSV and gzip files, the
// summary and its line numbers, resends, and the ways an import is refused.
import { spawn } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { main } from '../../src/cli/main.ts';
import type { CliIO } from '../../src/cli/support.ts';
import { loadConfig } from '../../src/config.ts';
import { ensureDemoWorld } from '../../src/db/demo-world.ts';
import { startTestApi, type TestApi } from '../support/api.ts';

let api: TestApi;
let base: string;
let agent142: string;
let folder: string;

beforeAll(async () => {
  api = await startTestApi();
  base = api.url.replace(/\/graphql$/, '');
  await ensureDemoWorld(api.db.prisma);
  agent142 = await api.keyFor('AGENT', 'distributor-142');
  folder = await mkdtemp(join(tmpdir(), 'pathledger-import-'));
});
afterAll(async () => {
  await api?.close();
  if (folder) await rm(folder, { recursive: true, force: true });
});

function capture(): CliIO & { stdout: string[]; stderr: string[] } {
  const stdout: string[] = [];
  const stderr: string[] = [];
  return { stdout, stderr, out: (text) => stdout.push(...text.split('\n')), err: (text) => stderr.push(...text.split('\n')) };
}

/** Runs `pathledger import …` in process, with the configuration `env` makes. */
async function pathledger(args: string[], env: NodeJS.ProcessEnv = {}) {
  const io = capture();
  const code = await main(['import', ...args], io, { loadConfig: () => loadConfig(env) });
  return { code, stdout: io.stdout, stderr: io.stderr };
}

const transfer = (id: string, i = 0, extra: Record<string, unknown> = {}) => ({
  id,
  source: '23.72.14.2',
  destination: ['79.214.61.102', '84.173.22.104', '73.162.40.110'][i % 3],
  bytes: String(2000 + i),
  startedAt: '2026-11-13T20:00:00Z',
  endedAt: '2026-11-13T20:10:00Z',
  content: { title: 'Hamlet', owner: 'moviestudio' },
  type: 'CDN_DOWNLOAD',
  ...extra,
});

const events = (prefix: string) => api.db.prisma.transferEvent.findMany({ where: { externalId: { startsWith: prefix } }, orderBy: { externalId: 'asc' } });

describe('pathledger import', () => {
  it('sends an NDJSON file, prints the summary with the rejected lines, and a resend is all duplicates', async () => {
    const lines = Array.from({ length: 200 }, (_, i) => JSON.stringify(transfer(`n-${String(i).padStart(3, '0')}`, i)));
    lines[7] = JSON.stringify(transfer('n-007', 7, { bytes: '0' }));
    lines[42] = 'not json';
    const file = join(folder, 'transfers.ndjson');
    await writeFile(file, `${lines.join('\n')}\n`);

    const first = await pathledger([file, '--url', base, '--key', agent142]);
    expect(first.code).toBe(0);
    expect(first.stdout).toEqual([
      expect.stringMatching(new RegExp(`^Sent transfers\\.ndjson \\(\\d+\\.\\d kB, 200 lines\\) to ${base}/ingest\\.$`)),
      '198 accepted, 0 duplicates (recorded before), 2 rejected.',
      'Rejected:',
      '  line 8 (id n-007): bytes must be greater than 0; got 0. [INVALID]',
      expect.stringMatching(/^ {2}line 43: is not valid JSON: /),
      '2 transfers were rejected and nothing of them stored: correct them and import again (what was recorded then counts as duplicates).',
    ]);
    // Progress on stderr, a line per tenth when not on a terminal.
    expect(first.stderr[0]).toMatch(/^Sending transfers\.ndjson: 0% \(0\.0 of \d+\.\d kB\)$/);
    expect(first.stderr.at(-1)).toMatch(/^Sending transfers\.ndjson: 100% /);
    expect(await events('n-')).toHaveLength(198);

    const again = await pathledger([file, '--url', base], { PATHLEDGER_API_KEY: agent142 });
    expect(again.code).toBe(0);
    expect(again.stdout[1]).toBe('0 accepted, 198 duplicates (recorded before), 2 rejected.');
  });

  it('converts a CSV file, naming rejected records by their line in the file', async () => {
    const rows = [
      'id,source,destination,bytes,startedAt,endedAt,content.title,content.owner,type,asPath,hops',
      ...Array.from({ length: 60 }, (_, i) => {
        const t = transfer(`c-${String(i).padStart(2, '0')}`, i);
        return [t.id, t.source, t.destination, t.bytes, t.startedAt, t.endedAt, 'Hamlet', 'moviestudio', 'CDN_DOWNLOAD', '', ''].join(',');
      }),
    ];
    rows[5] = 'c-04,23.72.14.2,73.162.40.110,4000,2026-11-13T20:00:00Z,2026-11-13T20:10:00Z,"Matchday 1: Harbour City v Riverside",soccer-league,LIVE_STREAM,7922;3320,';
    rows[10] = 'c-09,23.72.14.2,73.162.40.110,lots,2026-11-13T20:00:00Z,2026-11-13T20:10:00Z,Hamlet,moviestudio,CDN_DOWNLOAD,,';
    rows[20] = 'c-19,too,few';
    const file = join(folder, 'transfers.csv');
    await writeFile(file, `${rows.join('\r\n')}\r\n`);

    const { code, stdout, stderr } = await pathledger([file, '--url', `${base}/`, '--key', agent142]);
    expect(stderr.at(-1)).toMatch(/^Sending transfers\.csv: 100% /);
    expect(code).toBe(0);
    expect(stdout.slice(1)).toEqual([
      '58 accepted, 0 duplicates (recorded before), 2 rejected.',
      'Rejected:',
      '  line 11 (id c-09): bytes "lots" is not a whole number (give large ones as a decimal string). [INVALID]',
      '  line 21 (id c-19): has 3 fields; the header has 11. [INVALID]',
      expect.stringMatching(/^2 transfers were rejected/),
    ]);
    expect(stdout[0]).toMatch(/, 60 records\) to /);
    const stored = await events('c-');
    expect(stored).toHaveLength(58);
    const matchday = stored.find((event) => event.externalId === 'c-04')!;
    expect([matchday.type, matchday.asPath, matchday.bytes]).toEqual(['LIVE_STREAM', [7922, 3320], 4000n]);
  });

  it('sends a gzip file as it is, and reads a gzip CSV', async () => {
    const ndjson = join(folder, 'more.ndjson.gz');
    await writeFile(ndjson, gzipSync(Array.from({ length: 30 }, (_, i) => JSON.stringify(transfer(`z-${i}`, i))).join('\n')));
    expect((await pathledger([ndjson, '--url', base, '--key', agent142])).stdout[1]).toBe('30 accepted, 0 duplicates (recorded before), 0 rejected.');

    const csv = join(folder, 'more.csv.gz');
    const t = transfer('zc-1');
    await writeFile(csv, gzipSync(`id,source,destination,bytes,startedAt,endedAt,content.title,content.owner,type\n${[t.id, t.source, t.destination, t.bytes, t.startedAt, t.endedAt, 'Hamlet', 'moviestudio', t.type].join(',')}\n`));
    expect((await pathledger([csv, '--url', base, '--key', agent142])).stdout[1]).toBe('1 accepted, 0 duplicates (recorded before), 0 rejected.');
    expect(await events('z')).toHaveLength(31);
  });

  it('names the reporter with an ADMIN key, and fails when the server refuses', async () => {
    const file = join(folder, 'admin.ndjson');
    await writeFile(file, `${JSON.stringify(transfer('adm-1'))}\n`);

    const unnamed = await pathledger([file, '--url', base, '--key', api.adminKey]);
    expect([unnamed.code, unnamed.stdout]).toEqual([1, []]);
    expect(unnamed.stderr.at(-1)).toBe(
      'pathledger import: the server refused the import (HTTP 400 BAD_REQUEST): An ADMIN key must name the reporting organization: POST /ingest?reporter=<slug>.',
    );
    const wrongKey = await pathledger([file, '--url', base, '--key', 'pl_wrong']);
    expect([wrongKey.code, wrongKey.stderr.at(-1)]).toEqual([1, 'pathledger import: the server refused the import (HTTP 401 UNAUTHENTICATED): The API key is not valid or was revoked.']);
    const otherReporter = await pathledger([file, '--url', base, '--key', agent142, '--reporter', 'distributor-144']);
    expect([otherReporter.code, otherReporter.stderr.at(-1)]).toEqual([1, expect.stringContaining('(HTTP 403 FORBIDDEN)')]);
    expect(await events('adm-')).toHaveLength(0);

    const named = await pathledger([file, '--url', base, '--key', api.adminKey, '--reporter', 'distributor-144']);
    expect([named.code, named.stdout[1]]).toEqual([0, '1 accepted, 0 duplicates (recorded before), 0 rejected.']);
    const [event] = await api.db.prisma.transferEvent.findMany({ where: { externalId: 'adm-1' } });
    expect((await api.db.prisma.organization.findUnique({ where: { id: event!.reporterId } }))?.slug).toBe('distributor-144');
  });

  it('says what is wrong before sending: the file, its header, the key, the server', async () => {
    const missing = await pathledger([join(folder, 'nothing.ndjson'), '--url', base, '--key', agent142]);
    expect([missing.code, missing.stderr.at(-1)]).toEqual([1, `pathledger import: ${join(folder, 'nothing.ndjson')}: no such file`]);

    const badHeader = join(folder, 'bad-header.csv');
    await writeFile(badHeader, 'id,source,colour\nx,y,z\n');
    // Refused before any connection: the URL goes nowhere.
    const header = await pathledger([badHeader, '--url', 'http://127.0.0.1:9', '--key', agent142]);
    expect([header.code, header.stderr.at(-1)]).toEqual([1, `pathledger import: ${badHeader}: the header has a column "colour" that is not a transfer field; the columns are id, source, destination, bytes, startedAt, endedAt, content.id, content.title, content.owner, type, peakRate, averageRate, asPath, hops, assignment.`]);

    const file = join(folder, 'one.ndjson');
    await writeFile(file, `${JSON.stringify(transfer('one-1'))}\n`);
    const noKey = await pathledger([file, '--url', base]);
    expect([noKey.code, noKey.stderr[0]]).toEqual([2, 'pathledger import: no API key: give --key, or set PATHLEDGER_API_KEY']);

    const port = await closedPort();
    const unreachable = await pathledger([file, '--key', agent142], { PORT: String(port) });
    expect([unreachable.code, unreachable.stderr.at(-1)]).toEqual([1, expect.stringMatching(new RegExp(`^pathledger import: could not reach http://localhost:${port}: .*Is the server running there \\(--url\\)\\?$`))]);
  });

  it('runs as the installed command, with its exit code', async () => {
    const file = join(folder, 'bin.ndjson');
    await writeFile(file, `${JSON.stringify(transfer('bin-1'))}\n`);
    const bin = fileURLToPath(new URL('../../bin/pathledger.js', import.meta.url));
    const run = (key: string) =>
      new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve, reject) => {
        const child = spawn(process.execPath, [bin, 'import', file, '--url', base, '--key', key], { stdio: ['ignore', 'pipe', 'pipe'] });
        let stdout = '';
        let stderr = '';
        child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
        child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
        child.on('error', reject);
        child.on('close', (code) => resolve({ code, stdout, stderr }));
      });
    const ok = await run(agent142);
    expect([ok.code, ok.stdout.split('\n')[1]]).toEqual([0, '1 accepted, 0 duplicates (recorded before), 0 rejected.']);
    const refused = await run('pl_wrong');
    expect([refused.code, refused.stdout]).toEqual([1, '']);
    expect(refused.stderr).toContain('(HTTP 401 UNAUTHENTICATED)');
  }, 60_000);
});

/** A port nothing listens on (it was free a moment ago). */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}
