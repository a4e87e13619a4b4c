// The server killed (SIGKILL) in the middle of an import, restarted, and the import sent again:
// the totals equal the ground truth exactly, nothing lost and nothing counted twice. Whatever
// batches were acknowledged before the kill are in the events, their counter deltas in the
// journal (folded after the restart if the kill came first), and the resend counts them as
// duplicates.
import { spawn } from 'node:child_process';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BIN, createServerHome, startServerProcess, type ServerHome, type ServerProcess } from '../support/server-process.ts';

const TRANSFERS = 24_000;
const CLIENTS = ['79.214.61.102', '84.173.22.104', '90.12.77.106', '86.201.9.108', '73.162.40.110', '98.210.3.112'];
const CONTENTS = [
  { title: 'RobinHood', owner: 'moviestudio' },
  { title: 'Hamlet', owner: 'moviestudio' },
  { title: 'Pop Tune', owner: 'label' },
];

let home: ServerHome;
let server: ServerProcess | null = null;
let file: string;
let truth: { bytes: bigint; byOwner: Map<string, bigint>; receivedBy102: number };

beforeAll(async () => {
  home = await createServerHome();
  // A node of distributor 142 and the demo clients, over one November day; every line valid.
  const lines: string[] = [];
  truth = { bytes: 0n, byOwner: new Map(), receivedBy102: 0 };
  for (let i = 0; i < TRANSFERS; i++) {
    const startedAt = Date.parse('2026-11-14T00:00:00Z') + i * 3_000;
    const content = CONTENTS[i % CONTENTS.length]!;
    const bytes = BigInt(1_000 + ((i * 7919) % 5_000_000));
    truth.bytes += bytes;
    truth.byOwner.set(content.owner, (truth.byOwner.get(content.owner) ?? 0n) + bytes);
    const [source, destination] = i % 4 === 0 ? [CLIENTS[i % 6]!, CLIENTS[(i + 1) % 6]!] : ['23.72.14.2', CLIENTS[i % 6]!];
    if (destination === CLIENTS[0]) truth.receivedBy102++;
    lines.push(JSON.stringify({ id: `crash-${i}`, source, destination, bytes: String(bytes), startedAt: new Date(startedAt).toISOString(), endedAt: new Date(startedAt + 90_000 + (i % 7) * 600_000).toISOString(), content, type: i % 4 === 0 ? 'PEER_UPLOAD' : 'CDN_DOWNLOAD' }));
  }
  file = join(home.folder, 'transfers.ndjson');
  await writeFile(file, lines.join('\n') + '\n');
});

afterAll(async () => {
  server?.child.kill('SIGKILL');
  await server?.exited;
  await home?.remove();
});

function importFile(url: string, key: string): { done: Promise<{ code: number | null; stdout: string }> } {
  const child = spawn(process.execPath, [BIN, 'import', file, '--url', url, '--key', key, '--reporter', 'distributor-142'], { stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString('utf8')));
  child.stderr.resume();
  return { done: new Promise((resolve) => child.on('exit', (code) => resolve({ code, stdout }))) };
}

async function gql(url: string, key: string, query: string) {
  const response = await fetch(`${url}/graphql`, { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${key}` }, body: JSON.stringify({ query }) });
  const body = (await response.json()) as { data?: Record<string, never>; errors?: unknown[] };
  if (body.errors) throw new Error(JSON.stringify(body.errors));
  return body.data as Record<string, { totalCount?: number; bytes?: string; transfers?: string; rows?: { keys: { value: string }[]; bytes: string }[] }>;
}

const recorded = async (url: string, key: string) => (await gql(url, key, '{ transferEvents(first: 1) { totalCount } }')).transferEvents!.totalCount!;

describe('a server killed during an import', () => {
  it('ends with every transfer counted exactly once after a restart and a resend', { timeout: 600_000 }, async () => {
    server = await startServerProcess(home);
    const key = server.demoKey!;
    expect(key).toMatch(/^pl_/);

    // Kill it once some batches are acknowledged and more are on the way.
    const first = importFile(server.url, key);
    for (;;) {
      const count = await recorded(server.url, key);
      if (count >= 4_000) break;
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    server.child.kill('SIGKILL');
    expect(await server.exited).toBe('SIGKILL');
    const broken = await first.done;
    expect(broken.code).toBe(1);

    server = await startServerProcess(home);
    const before = await recorded(server.url, key);
    expect(before).toBeGreaterThanOrEqual(4_000);
    expect(before).toBeLessThan(TRANSFERS);

    const resent = await importFile(server.url, key).done;
    expect(resent.code).toBe(0);
    expect(resent.stdout).toContain(`${(TRANSFERS - before).toLocaleString('en-US')} accepted, ${before.toLocaleString('en-US')} duplicates (recorded before), 0 rejected.`);

    expect(await recorded(server.url, key)).toBe(TRANSFERS);
    const day = 'from: "2026-11-13T00:00:00Z", to: "2026-11-16T00:00:00Z"';
    const totals = await gql(server.url, key, `{ traffic(filter: { ${day} }, groupBy: [CONTENT_OWNER]) { bytes transfers rows { keys { value } bytes } } }`);
    expect(totals.traffic).toMatchObject({ bytes: String(truth.bytes), transfers: String(TRANSFERS) });
    expect(new Map(totals.traffic!.rows!.map((row) => [row.keys[0]!.value, BigInt(row.bytes)]))).toEqual(truth.byOwner);
    // Every component on the way counted each transfer once: client 102's host, for one.
    const received = await gql(server.url, key, `{ traffic(filter: { ${day}, receiver: "79.214.61.102" }) { transfers } }`);
    expect(received.traffic!.transfers).toBe(String(truth.receivedBy102));

    server.child.kill('SIGTERM');
    expect(await server.exited).toBe(0);
    server = null;
  });
});
