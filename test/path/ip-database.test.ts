// The database holder on real MaxMind-format files: ip-location-db's IPv4-only and IPv6-only
// country files answer differently for 8.8.8.8 (US / no record) and 2a00:1450:4001::1 (none / IE),
// so a swap from one to the other shows. Files are replaced as deployments do: a temporary file
// renamed over the watched one.
import { spawn } from 'node:child_process';
import { copyFile, mkdtemp, readFile, rename, rm, unlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { IpDatabaseError, openIpDatabase, type IpDatabase, type IpDatabaseOptions } from '../../src/path/ip-database.ts';

interface CountryRecord {
  country_code: string;
}

const packageFile = (name: string) => fileURLToPath(import.meta.resolve(`@ip-location-db/geo-whois-asn-country-mmdb/${name}`));
const IPV4_FILE = packageFile('geo-whois-asn-country-ipv4.mmdb');
const IPV6_FILE = packageFile('geo-whois-asn-country-ipv6.mmdb');
const V4 = '8.8.8.8';
const V6 = '2a00:1450:4001::1';
const FAST = { watch: true, pollIntervalMs: 20, debounceMs: 40 } as const;

let dir: string;
let file: string;
let opened: IpDatabase<CountryRecord>[] = [];
let replacements = 0;

async function open(options: IpDatabaseOptions<CountryRecord> = {}): Promise<IpDatabase<CountryRecord>> {
  const db = await openIpDatabase<CountryRecord>(file, options);
  opened.push(db);
  return db;
}

/** Writes the new file beside the old one, then renames it over: the way deployments replace files. */
async function replaceWith(source: string | Buffer): Promise<void> {
  const temporary = join(dir, `.incoming-${replacements++}`);
  if (typeof source === 'string') await copyFile(source, temporary);
  else await writeFile(temporary, source);
  await rename(temporary, file);
}

async function waitFor(condition: () => boolean, what: string, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'pathledger-ipdb-'));
  file = join(dir, 'geo.mmdb');
  await copyFile(IPV4_FILE, file);
});

afterEach(async () => {
  for (const db of opened) db.close();
  opened = [];
  await rm(dir, { recursive: true, force: true });
});

describe('openIpDatabase', () => {
  it('answers from the file, with its metadata', async () => {
    const db = await open();
    expect(db.get(V4)).toEqual({ country_code: 'US' });
    expect(db.get('10.0.0.1')).toBeNull();
    expect(db.current()).toMatchObject({ path: file, generation: 1, metadata: { databaseType: 'country ipv4', ipVersion: 4 } });
    expect(db.current().getWithPrefixLength(V4)).toEqual([{ country_code: 'US' }, 15]);
  });

  it('looks up IPv4-mapped addresses as IPv4, and no IPv6 address in an IPv4-only file', async () => {
    const db = await open();
    expect(db.get('::ffff:8.8.8.8')).toEqual({ country_code: 'US' });
    expect(db.get('::FFFF:808:808')).toEqual({ country_code: 'US' });
    // Walked bit by bit through the IPv4 tree, this address would come back as somewhere in China.
    expect(db.get(V6)).toBeNull();
    expect(db.current().getWithPrefixLength(V6)).toEqual([null, 0]);
  });

  it('refuses a file that is not a usable database: missing, empty, text, truncated, gzip', async () => {
    await expect(openIpDatabase(join(dir, 'missing.mmdb'))).rejects.toThrow(/ENOENT/);
    const whole = await readFile(IPV6_FILE);
    const cases: [string, Buffer][] = [
      ['empty', Buffer.alloc(0)],
      ['text', Buffer.from('not a database\n')],
      ['truncated', whole.subarray(0, whole.length >> 1)],
      ['tail only', whole.subarray(whole.length - 4096)],
      ['gzip', Buffer.concat([Buffer.from([0x1f, 0x8b, 8, 0]), whole.subarray(4)])],
    ];
    for (const [name, bytes] of cases) {
      await writeFile(file, bytes);
      await expect(openIpDatabase(file), name).rejects.toThrow(IpDatabaseError);
    }
  });

  it('refuses a file its validate hook refuses', async () => {
    await expect(openIpDatabase(file, { validate: (s) => { if (s.metadata.ipVersion !== 6) throw new Error('want IPv6'); } })).rejects.toThrow(/want IPv6/);
  });
});

describe('reload without restart', () => {
  it('swaps to a file renamed over the watched one; a snapshot taken before keeps the old file', async () => {
    const onReload = vi.fn();
    const db = await open({ ...FAST, onReload });
    const before = db.current();

    await replaceWith(IPV6_FILE);
    await waitFor(() => db.current().generation === 2, 'the swap');

    expect(db.get(V4)).toBeNull();
    expect(db.get(V6)).toEqual({ country_code: 'IE' });
    expect(db.current().metadata.ipVersion).toBe(6);
    expect(before.get(V4)).toEqual({ country_code: 'US' });
    expect(before.get(V6)).toBeNull();
    expect(onReload).toHaveBeenCalledOnce();
    expect(onReload).toHaveBeenCalledWith(db.current(), before);

    // and back again: the watch follows the path, not the first file's inode
    await replaceWith(IPV4_FILE);
    await waitFor(() => db.current().generation === 3, 'the second swap');
    expect(db.get(V4)).toEqual({ country_code: 'US' });
  });

  it('answers a whole resolution from the snapshot it started with, across a swap', async () => {
    const db = await open(FAST);
    const resolve = async () => {
      const snapshot = db.current();
      const first = snapshot.get(V4);
      await replaceWith(IPV6_FILE);
      await waitFor(() => db.current().generation === 2, 'the swap');
      return [first, snapshot.get(V4), snapshot.get(V6), db.get(V4)];
    };
    expect(await resolve()).toEqual([{ country_code: 'US' }, { country_code: 'US' }, null, null]);
  });

  it('keeps the old file when the new one is corrupt, says so, and takes the next good one', async () => {
    const onError = vi.fn();
    const onReload = vi.fn();
    const db = await open({ ...FAST, onError, onReload });
    const whole = await readFile(IPV6_FILE);

    await replaceWith(whole.subarray(0, whole.length - 200_000));
    await waitFor(() => onError.mock.calls.length === 1, 'the refusal');
    expect(onError.mock.calls[0]?.[0]).toBeInstanceOf(IpDatabaseError);
    expect(String(onError.mock.calls[0]?.[0])).toContain('not a usable MaxMind database');
    expect(db.current().generation).toBe(1);
    expect(db.get(V4)).toEqual({ country_code: 'US' });

    await replaceWith(Buffer.from('garbage'));
    await waitFor(() => onError.mock.calls.length === 2, 'the second refusal');
    expect(db.get(V4)).toEqual({ country_code: 'US' });
    expect(onReload).not.toHaveBeenCalled();

    await replaceWith(IPV6_FILE);
    await waitFor(() => db.current().generation === 2, 'the swap to a good file');
    expect(db.get(V6)).toEqual({ country_code: 'IE' });
  });

  it('keeps the old file while the file is missing, and loads it when it is back', async () => {
    const onError = vi.fn();
    const db = await open({ ...FAST, onError });
    await unlink(file);
    await waitFor(() => onError.mock.calls.length > 0, 'the report of the missing file');
    expect(String(onError.mock.calls[0]?.[0])).toMatch(/cannot be read.*still using/);
    expect(db.get(V4)).toEqual({ country_code: 'US' });
    await replaceWith(IPV6_FILE);
    await waitFor(() => db.current().generation === 2, 'the swap');
    expect(db.get(V6)).toEqual({ country_code: 'IE' });
  });

  it('loads once after a burst of replacements, the last one', async () => {
    const onReload = vi.fn();
    const db = await open({ watch: true, pollIntervalMs: 10, debounceMs: 400, onReload });
    const staged: string[] = [];
    for (let i = 0; i < 6; i++) {
      const path = join(dir, `.staged-${i}`);
      await copyFile(i % 2 === 0 ? IPV6_FILE : IPV4_FILE, path);
      staged.push(path);
    }
    staged.push(join(dir, '.staged-last'));
    await copyFile(IPV6_FILE, staged.at(-1)!);
    for (const path of staged) {
      await rename(path, file);
      await sleep(15);
    }
    await waitFor(() => onReload.mock.calls.length > 0, 'the swap');
    await sleep(500);
    expect(onReload).toHaveBeenCalledOnce();
    expect(db.current().generation).toBe(2);
    expect(db.get(V6)).toEqual({ country_code: 'IE' });
  });

  it('does not reload when only the metadata of the same file changed', async () => {
    const onReload = vi.fn();
    const db = await open({ ...FAST, onReload });
    const { chmod } = await import('node:fs/promises');
    await chmod(file, 0o600);
    await sleep(300);
    expect(onReload).not.toHaveBeenCalled();
    expect(db.current().generation).toBe(1);
  });

  it('reloads on demand without watching, one load after another', async () => {
    const db = await open();
    await replaceWith(IPV6_FILE);
    await sleep(100);
    expect(db.current().generation).toBe(1);
    expect(await Promise.all([db.reload(), db.reload()])).toEqual([true, true]);
    expect(db.current().generation).toBe(3);
    expect(db.get(V6)).toEqual({ country_code: 'IE' });
  });

  it('stops watching on close', async () => {
    const onReload = vi.fn();
    const db = await open({ ...FAST, onReload });
    db.close();
    await replaceWith(IPV6_FILE);
    await sleep(400);
    expect(onReload).not.toHaveBeenCalled();
    expect(db.get(V4)).toEqual({ country_code: 'US' });
    expect(await db.reload()).toBe(false);
  });

  it('does not keep a process alive, closed or not', async () => {
    const module = pathToFileURL(fileURLToPath(new URL('../../src/path/ip-database.ts', import.meta.url))).href;
    for (const close of [true, false]) {
      const script = join(dir, `child-${String(close)}.mts`);
      await writeFile(script, [
        `import { openIpDatabase } from ${JSON.stringify(module)};`,
        `const db = await openIpDatabase(${JSON.stringify(file)}, { watch: true, pollIntervalMs: 50, debounceMs: 50 });`,
        `console.log(JSON.stringify(db.get('8.8.8.8')));`,
        close ? 'db.close();' : '',
      ].join('\n'));
      const child = spawn(process.execPath, ['--import', 'tsx', script], { cwd: fileURLToPath(new URL('../..', import.meta.url)), stdio: ['ignore', 'pipe', 'pipe'] });
      let stdout = '';
      let stderr = '';
      child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
      child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
      const timer = setTimeout(() => child.kill('SIGKILL'), 20_000);
      const code = await new Promise<number | null>((resolve) => child.on('exit', resolve));
      clearTimeout(timer);
      expect(code, `close=${String(close)} ${stderr}`).toBe(0);
      expect(stdout.trim()).toBe('{"country_code":"US"}');
    }
  });
});
