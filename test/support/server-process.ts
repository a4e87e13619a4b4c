// The server as its own process, started with the installed command (`pathledger serve`), on a
// database of its own: a PGlite data folder, or a fresh database on the PostgreSQL server that
// DATABASE_URL names. For what only a real process shows: being killed, its memory.
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { quoteIdentifier, runOnOwnConnection, withDatabase } from '../../src/db/adapters.ts';
import { cachedAsnDatabase } from './asn-cache.ts';

export const BIN = fileURLToPath(new URL('../../bin/pathledger.js', import.meta.url));
const CACHE = fileURLToPath(new URL('../../node_modules/.cache/pathledger', import.meta.url));

/** Where a server process keeps its data, kept across its restarts. */
export interface ServerHome {
  env: NodeJS.ProcessEnv;
  /** A folder of its own (the PGlite data folder is `data` inside it). */
  folder: string;
  /** Removes the folder and the database; one kept under a name only with `kept`. */
  remove(options?: { kept?: boolean }): Promise<void>;
}

export interface ServerHomeOptions {
  env?: NodeJS.ProcessEnv;
  /**
   * Keep the data under this name across runs (benches: a loaded database is reused): the folder
   * `node_modules/.cache/pathledger/<name>` and the database `pathledger_<name>`. `remove` then
   * leaves them.
   */
  keepAs?: string;
}

export async function createServerHome(options: ServerHomeOptions = {}): Promise<ServerHome> {
  const { keepAs } = options;
  const folder = keepAs ? join(CACHE, keepAs) : await mkdtemp(join(tmpdir(), 'pathledger-server-'));
  if (keepAs) await mkdir(folder, { recursive: true });
  const serverUrl = process.env.DATABASE_URL;
  const database = serverUrl ? (keepAs ? `pathledger_${keepAs}` : `pathledger_test_${randomBytes(6).toString('hex')}`) : null;
  if (serverUrl && database) {
    const create = runOnOwnConnection(serverUrl, `CREATE DATABASE ${quoteIdentifier(database)}`);
    // A kept database may be there from an earlier run.
    await (keepAs ? create.catch((error: unknown) => { if (!/already exists/.test(String(error))) throw error; }) : create);
  }
  const env: NodeJS.ProcessEnv = {
    PATH: process.env.PATH,
    HOME: process.env.HOME,
    PORT: '0',
    HOST: '127.0.0.1',
    LOG_LEVEL: 'info',
    PATHLEDGER_RATE_LIMIT: '0',
    PATHLEDGER_IPDB_RELOAD_MS: '0',
    PATHLEDGER_ASN_DB: await cachedAsnDatabase(),
    PATHLEDGER_DATA_DIR: join(folder, 'data'),
    ...(serverUrl && database ? { DATABASE_URL: withDatabase(serverUrl, database) } : {}),
    ...options.env,
  };
  return {
    env,
    folder,
    async remove({ kept = false } = {}) {
      if (keepAs && !kept) return;
      await rm(folder, { recursive: true, force: true });
      if (serverUrl && database) await runOnOwnConnection(serverUrl, `DROP DATABASE IF EXISTS ${quoteIdentifier(database)} WITH (FORCE)`);
    },
  };
}

export interface ServerProcess {
  child: ChildProcess;
  /** e.g. http://127.0.0.1:41234 */
  url: string;
  /** The demo ADMIN key, when this start loaded the demo world (the first start only). */
  demoKey: string | null;
  /** Resolves with the exit code (or signal) once the process is gone. */
  exited: Promise<number | NodeJS.Signals | null>;
}

/** Starts `pathledger serve` and resolves once it listens. */
export function startServerProcess(home: ServerHome, timeoutMs = 120_000): Promise<ServerProcess> {
  // Run as the installed command is, through its #! line (which sets the heap limit).
  const child = spawn(BIN, ['serve'], { env: home.env, stdio: ['ignore', 'pipe', 'pipe'] });
  const exited = new Promise<number | NodeJS.Signals | null>((resolve) => child.on('exit', (code, signal) => resolve(signal ?? code)));
  return new Promise((resolve, reject) => {
    let output = '';
    let url: string | null = null;
    let demoKey: string | null = null;
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`the server did not start within ${timeoutMs} ms:\n${output.slice(-3000)}`));
    }, timeoutMs);
    const read = (chunk: Buffer) => {
      output += chunk.toString('utf8');
      demoKey ??= /\b(pl_[A-Za-z0-9_-]{20,})\b/.exec(output)?.[1] ?? null;
      url ??= /PathLedger is listening on (http:\/\/[^\s"/]+)\/graphql/.exec(output)?.[1] ?? null;
      // The banner with the key comes just after the listening line, on a first start.
      const bannerDone = demoKey !== null || !/loaded the demo world/.test(output) || /curl -s/.test(output);
      if (url && bannerDone) {
        clearTimeout(timer);
        child.stdout!.off('data', read);
        child.stdout!.resume();
        child.stderr!.resume();
        resolve({ child, url, demoKey, exited });
      }
    };
    child.stdout!.on('data', read);
    child.stderr!.on('data', (chunk: Buffer) => (output += chunk.toString('utf8')));
    void exited.then((code) => {
      clearTimeout(timer);
      if (!url) reject(new Error(`the server exited (${String(code)}) before it listened:\n${output.slice(-3000)}`));
    });
  });
}
