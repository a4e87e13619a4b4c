// The server as its own process, started with the installed command (`pathledger serve`), on a
// database of its own: a PGlite data folder, or a fresh database on the PostgreSQL server that
// DATABASE_URL names. For what only a real process shows: being killed, its memory.
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { quoteIdentifier, runOnOwnConnection, withDatabase } from '../../src/db/adapters.ts';
import { cachedAsnDatabase } from './asn-cache.ts';

export const BIN = fileURLToPath(new URL('../../bin/pathledger.js', import.meta.url));

/** Where a server process keeps its data, kept across its restarts. */
export interface ServerHome {
  env: NodeJS.ProcessEnv;
  remove(): Promise<void>;
}

export async function createServerHome(extraEnv: NodeJS.ProcessEnv = {}): Promise<ServerHome> {
  const folder = await mkdtemp(join(tmpdir(), 'pathledger-server-'));
  const serverUrl = process.env.DATABASE_URL;
  const database = serverUrl ? `pathledger_test_${randomBytes(6).toString('hex')}` : null;
  if (serverUrl && database) await runOnOwnConnection(serverUrl, `CREATE DATABASE ${quoteIdentifier(database)}`);
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
    ...extraEnv,
  };
  return {
    env,
    async remove() {
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
  const child = spawn(process.execPath, [BIN, 'serve'], { env: home.env, stdio: ['ignore', 'pipe', 'pipe'] });
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
