// `pathledger keys …`: the command functions against a test database, and the argument handling
// through `main` (which must refuse bad command lines before it touches any database).
import { spawn } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config.ts';
import { LOCK_FILE_NAME } from '../../src/db/data-folder-lock.ts';
import { authenticate } from '../../src/auth/api-keys.ts';
import { createKey, listKeys, revokeKey, roleFrom } from '../../src/cli/commands/keys.ts';
import { main } from '../../src/cli/main.ts';
import { UsageError, type CliIO } from '../../src/cli/support.ts';
import { createTestDatabase } from '../support/database.ts';

type TestDatabase = Awaited<ReturnType<typeof createTestDatabase>>;
let db: TestDatabase;

beforeAll(async () => {
  db = await createTestDatabase();
  await db.prisma.organization.create({ data: { slug: 'sp1', name: 'Service Provider 1', roles: ['SERVICE_PROVIDER'] } });
}, 120_000);
afterAll(async () => {
  await db?.drop();
});

function capture(): CliIO & { stdout: string[]; stderr: string[] } {
  const stdout: string[] = [];
  const stderr: string[] = [];
  return { stdout, stderr, out: (text) => stdout.push(...text.split('\n')), err: (text) => stderr.push(...text.split('\n')) };
}

describe('keys create', () => {
  it('prints the key alone on stdout, once, with a warning on stderr', async () => {
    const io = capture();
    expect(await createKey(db.prisma, { role: 'ADMIN', name: 'ops' }, io)).toBe(0);
    expect(io.stdout).toHaveLength(1);
    const key = io.stdout[0]!;
    expect(key).toMatch(/^pl_[A-Za-z0-9_-]{43}$/);
    expect(io.stderr.join('\n')).toContain('will not be shown again');
    expect(io.stderr.join('\n')).toContain(`prefix ${key.slice(0, 10)}`);
    expect(await authenticate(db.sql, key)).toMatchObject({ role: 'ADMIN', keyName: 'ops', organizationId: null });
  });

  it('scopes a PARTNER key to --org', async () => {
    const io = capture();
    expect(await createKey(db.prisma, { role: 'PARTNER', name: 'sp1 noc', org: 'sp1' }, io)).toBe(0);
    const principal = await authenticate(db.sql, io.stdout[0]!);
    const sp1 = await db.prisma.organization.findUniqueOrThrow({ where: { slug: 'sp1' } });
    expect(principal).toMatchObject({ role: 'PARTNER', organizationId: sp1.id });
  });

  it('names the flag when the organization is missing, refused or unknown, and prints no key', async () => {
    const cases = [
      [{ role: 'VIEWER', name: 'v' }, '--org: a VIEWER key is limited to one organization'],
      [{ role: 'ADMIN', name: 'a', org: 'sp1' }, '--org: an ADMIN key sees every organization'],
      [{ role: 'AGENT', name: 'g', org: 'sp9' }, '--org: no organization has the slug "sp9".'],
    ] as const;
    for (const [options, message] of cases) {
      const io = capture();
      expect(await createKey(db.prisma, options, io)).toBe(1);
      expect(io.stdout).toEqual([]);
      expect(io.stderr[0]).toContain(`pathledger keys create: ${message}`);
    }
  });

  it('reads roles as GraphQL spells them or in lower case with hyphens', () => {
    expect(roleFrom('ADMIN')).toBe('ADMIN');
    expect(roleFrom('contract-manager')).toBe('CONTRACT_MANAGER');
    expect(() => roleFrom('root')).toThrow(UsageError);
  });
});

describe('keys list and keys revoke', () => {
  it('lists keys in an aligned table and hides revoked ones unless --all', async () => {
    const made = capture();
    await createKey(db.prisma, { role: 'VIEWER', name: 'to revoke', org: 'sp1' }, made);
    const prefix = made.stdout[0]!.slice(0, 10);

    const revoke = capture();
    expect(await revokeKey(db.prisma, prefix, revoke)).toBe(0);
    expect(revoke.stdout[0]).toMatch(new RegExp(`^Revoked VIEWER key "to revoke" \\(prefix ${prefix}\\) at \\d{4}-\\d\\d-\\d\\d \\d\\d:\\d\\dZ\\.$`));
    const again = capture();
    expect(await revokeKey(db.prisma, prefix, again)).toBe(0);
    expect(again.stdout[0]).toMatch(/^Already revoked VIEWER key "to revoke"/);

    const inForce = capture();
    expect(await listKeys(db.prisma, { all: false }, inForce)).toBe(0);
    const [header, ...rows] = inForce.stdout;
    expect(header).toMatch(/^ID +PREFIX +NAME +ROLE +ORG +CREATED +LAST USED +REVOKED$/);
    expect(rows.some((row) => row.includes(prefix))).toBe(false);
    // "sp1 noc" authenticated above; its last use is recorded without being awaited, so either.
    expect(rows.find((row) => row.includes('sp1 noc'))).toMatch(/ PARTNER +sp1 +\d{4}-\d\d-\d\d \d\d:\d\dZ +(never|\d{4}-\d\d-\d\d \d\d:\d\dZ) +-$/);
    // Aligned: every column starts where its title does.
    for (const title of ['PREFIX', 'NAME', 'ROLE', 'ORG']) {
      const column = header!.indexOf(title);
      for (const row of rows) expect([title, row.charAt(column - 1), row.charAt(column - 2)]).toEqual([title, ' ', ' ']);
    }

    const all = capture();
    await listKeys(db.prisma, { all: true }, all);
    expect(all.stdout.find((row) => row.includes(prefix))).toMatch(/ VIEWER +sp1 +.+never +\d{4}-\d\d-\d\d \d\d:\d\dZ$/);
  });

  it('says so when no key has the id or prefix', async () => {
    const io = capture();
    expect(await revokeKey(db.prisma, 'pl_nothing', io)).toBe(1);
    expect(io.stderr[0]).toBe('pathledger keys revoke: no API key has the id or prefix "pl_nothing".');
  });
});

describe('the command line', () => {
  // None of these may get as far as the configuration, let alone a database.
  const noConfig = () => {
    throw new Error('the configuration was read');
  };
  const run = async (...argv: string[]) => {
    const io = capture();
    const code = await main(argv, io, { loadConfig: noConfig });
    return { code, ...io };
  };

  it('refuses unknown commands, actions and flags with one line and the usage, exit 2', async () => {
    const cases: [string[], string][] = [
      [['frobnicate'], 'pathledger: unknown command "frobnicate"'],
      [['--verbose'], 'pathledger: unknown option --verbose'],
      [['keys'], 'pathledger keys: keys needs an action: create, list or revoke'],
      [['keys', 'rotate'], 'pathledger keys: unknown keys action "rotate"'],
      [['keys', 'create', '--role', 'ADMIN', '--name', 'x', '--colour', 'red'], 'pathledger keys: unknown option --colour'],
      [['keys', 'create', '--name', 'x'], 'pathledger keys: keys create needs --role'],
      [['keys', 'create', '--role', 'root', '--name', 'x'], 'pathledger keys: --role must be one of ADMIN, CONTRACT_MANAGER, PARTNER, AGENT, VIEWER; got "root"'],
      [['keys', 'revoke'], 'pathledger keys: keys revoke needs the id or prefix of a key'],
      [['keys', 'list', 'extra'], 'pathledger keys: unexpected argument "extra"'],
      [['demo', 'destroy'], 'pathledger demo: unknown demo action "destroy"'],
      [['migrate', '--force'], 'pathledger migrate: unknown option --force'],
    ];
    for (const [argv, line] of cases) {
      const result = await run(...argv);
      expect([argv, result.code, result.stderr[0]]).toEqual([argv, 2, line]);
      expect(result.stderr.join('\n')).toContain('Usage:');
      expect(result.stdout).toEqual([]);
    }
  });

  it('prints help for the tool and for each command on stdout, exit 0', async () => {
    const tool = await run('--help');
    expect(tool.code).toBe(0);
    expect(tool.stdout[0]).toBe('Usage: pathledger <command> [options]');
    for (const command of ['serve', 'migrate', 'keys', 'demo']) {
      expect(tool.stdout.some((line) => line.startsWith(`  ${command} `))).toBe(true);
      for (const argv of [[command, '--help'], ['help', command]]) {
        const help = await run(...argv);
        expect([argv, help.code]).toEqual([argv, 0]);
        expect(help.stdout.join('\n')).toContain(`pathledger ${command}`);
      }
    }
    expect((await run('keys', 'create', '--help')).stdout.join('\n')).toContain('--org');
  });

  it('tells the user to stop the server when the data folder is in use, exit 1', async () => {
    const dataDir = await mkdtemp(join(tmpdir(), 'pathledger-cli-'));
    // Stands in for a running server: a live process holding the folder's lock.
    const server = spawn('sleep', ['30']);
    try {
      await writeFile(join(dataDir, LOCK_FILE_NAME), JSON.stringify({ pid: server.pid, host: hostname(), since: new Date().toISOString() }));
      const io = capture();
      const code = await main(['keys', 'list'], io, { loadConfig: () => loadConfig({ PATHLEDGER_DATA_DIR: dataDir }) });
      expect(code).toBe(1);
      expect(io.stderr).toEqual([
        `pathledger keys: ${dataDir} is in use by another process (pid ${server.pid}), probably the server: stop the server first ` +
          '(the embedded database allows one process at a time), or point both at PostgreSQL with DATABASE_URL.',
      ]);
    } finally {
      server.kill();
      await rm(dataDir, { recursive: true, force: true });
    }
  });
});
