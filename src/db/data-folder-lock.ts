// One process at a time on a PGlite data folder. PGlite itself does not check: a second process
// opens a folder that another is using without complaint (tried with PGlite 0.5.16; the
// postmaster.pid it writes always says -42), and two Postgres instances writing one folder
// corrupt it. So whoever opens a data folder takes this lock first: a file created exclusively,
// holding the owner's pid, removed on release and at exit; one left by a process that no longer
// runs (killed, crashed) is taken over.
import { hostname } from 'node:os';
import { mkdir, open, readFile, rm } from 'node:fs/promises';
import { rmSync } from 'node:fs';
import { join, resolve } from 'node:path';

export const LOCK_FILE_NAME = 'pathledger.lock';

/** Another running process has the data folder open. */
export class DataFolderLockedError extends Error {
  constructor(
    readonly dataDir: string,
    readonly pid: number,
  ) {
    super(`the data folder ${dataDir} is in use by process ${pid}`);
    this.name = 'DataFolderLockedError';
  }
}

export interface DataFolderLock {
  /** Idempotent. */
  release(): Promise<void>;
}

interface LockRecord {
  pid: number;
  host: string;
  since: string;
}

// Within one process the lock is re-entrant (the CLI may lock before it opens the database, and
// the opener locks again), so holders are counted per folder.
const held = new Map<string, number>();
let exitHookInstalled = false;

export async function lockDataFolder(dataDir: string): Promise<DataFolderLock> {
  const dir = resolve(dataDir);
  const path = join(dir, LOCK_FILE_NAME);
  const count = held.get(dir) ?? 0;
  if (count === 0) await acquire(dir, path);
  held.set(dir, count + 1);
  installExitHook();

  let released = false;
  return {
    async release() {
      if (released) return;
      released = true;
      const remaining = (held.get(dir) ?? 1) - 1;
      if (remaining > 0) {
        held.set(dir, remaining);
        return;
      }
      held.delete(dir);
      await rm(path, { force: true });
    },
  };
}

async function acquire(dir: string, path: string): Promise<void> {
  // The lock comes before the database, so the folder may not exist yet. PGlite initializes a
  // folder that holds only this file as it would an empty one.
  await mkdir(dir, { recursive: true });
  // Two attempts: the second after removing a stale file. A third process racing for the same
  // stale file loses at the exclusive create and is told who won.
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      const file = await open(path, 'wx');
      try {
        const record: LockRecord = { pid: process.pid, host: hostname(), since: new Date().toISOString() };
        await file.writeFile(`${JSON.stringify(record)}\n`);
      } finally {
        await file.close();
      }
      return;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    }
    const owner = await readOwner(path);
    if (owner !== null && isAlive(owner)) throw new DataFolderLockedError(dir, owner.pid);
    await rm(path, { force: true });
  }
  const owner = await readOwner(path);
  throw new DataFolderLockedError(dir, owner?.pid ?? -1);
}

async function readOwner(path: string): Promise<LockRecord | null> {
  try {
    const parsed: unknown = JSON.parse(await readFile(path, 'utf8'));
    if (typeof parsed === 'object' && parsed !== null && 'pid' in parsed && typeof parsed.pid === 'number') {
      const host = 'host' in parsed && typeof parsed.host === 'string' ? parsed.host : hostname();
      return { pid: parsed.pid, host, since: '' };
    }
  } catch {
    // Unreadable or half-written (its writer died between create and write): stale.
  }
  return null;
}

function isAlive(owner: LockRecord): boolean {
  // A pid means nothing on another machine (a folder shared over the network): assume alive
  // there, since wrongly taking over would corrupt the data.
  if (owner.host !== hostname()) return true;
  if (owner.pid === process.pid) return false;
  try {
    process.kill(owner.pid, 0);
    return true;
  } catch (error) {
    // EPERM: the process exists but belongs to someone else.
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

function installExitHook(): void {
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  // A process that exits without closing its database (an uncaught error, process.exit) should
  // not leave the folder locked; only synchronous work is possible here.
  process.once('exit', () => {
    for (const dir of held.keys()) rmSync(join(dir, LOCK_FILE_NAME), { force: true });
  });
}
