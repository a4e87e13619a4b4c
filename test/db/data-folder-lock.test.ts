// The data-folder lock that keeps a second process off a PGlite folder in use.
import { spawn, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { DataFolderLockedError, LOCK_FILE_NAME, lockDataFolder } from '../../src/db/data-folder-lock.ts';
import { openDatabase } from '../../src/db/open.ts';

let dir: string;
beforeEach(async () => {
  dir = join(await mkdtemp(join(tmpdir(), 'pathledger-lock-')), 'data');
});
afterEach(async () => {
  await rm(join(dir, '..'), { recursive: true, force: true });
});

const lockFile = () => join(dir, LOCK_FILE_NAME);
const writeOwner = async (pid: number, host = hostname()) => {
  await mkdir(dir, { recursive: true });
  await writeFile(lockFile(), JSON.stringify({ pid, host, since: new Date().toISOString() }));
};

describe('lockDataFolder', () => {
  it('creates the folder and a lock file with our pid, removed on release', async () => {
    const lock = await lockDataFolder(dir);
    expect(JSON.parse(await readFile(lockFile(), 'utf8'))).toMatchObject({ pid: process.pid, host: hostname() });
    await lock.release();
    await lock.release();
    expect(existsSync(lockFile())).toBe(false);
  });

  it('is re-entrant within a process: the file goes with the last holder', async () => {
    const outer = await lockDataFolder(dir);
    const inner = await lockDataFolder(dir);
    await inner.release();
    expect(existsSync(lockFile())).toBe(true);
    await outer.release();
    expect(existsSync(lockFile())).toBe(false);
  });

  it('refuses a folder held by another running process', async () => {
    const other = spawn('sleep', ['30']);
    try {
      await writeOwner(other.pid!);
      const error = await lockDataFolder(dir).catch((caught: unknown) => caught);
      expect(error).toBeInstanceOf(DataFolderLockedError);
      expect(error).toMatchObject({ pid: other.pid });
    } finally {
      other.kill();
    }
  });

  it('takes over a lock left by a process that has ended', async () => {
    const ended = spawnSync('true');
    await writeOwner(ended.pid!);
    const lock = await lockDataFolder(dir);
    expect(JSON.parse(await readFile(lockFile(), 'utf8')).pid).toBe(process.pid);
    await lock.release();
  });

  it('does not judge a lock taken on another machine', async () => {
    await writeOwner(1, 'some-other-host');
    await expect(lockDataFolder(dir)).rejects.toBeInstanceOf(DataFolderLockedError);
  });
});

describe('openDatabase on a data folder', () => {
  it('holds the lock while open, so the server (npm start) keeps other processes out', async () => {
    const db = await openDatabase({ dataDir: dir, poolSize: 1 });
    try {
      expect(JSON.parse(await readFile(lockFile(), 'utf8')).pid).toBe(process.pid);
    } finally {
      await db.close();
    }
    expect(existsSync(lockFile())).toBe(false);
  });

  it('refuses a folder another process holds, naming it', async () => {
    const other = spawn('sleep', ['30']);
    try {
      await writeOwner(other.pid!);
      await expect(openDatabase({ dataDir: dir, poolSize: 1 })).rejects.toMatchObject({ name: 'DataFolderLockedError', pid: other.pid });
    } finally {
      other.kill();
    }
  });
});
