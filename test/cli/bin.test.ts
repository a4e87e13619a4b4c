// The installed command itself: the shim registers tsx and runs main, with real exit codes.
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const bin = fileURLToPath(new URL('../../bin/pathledger.js', import.meta.url));
const pathledger = (...args: string[]) => spawnSync(process.execPath, [bin, ...args], { encoding: 'utf8', timeout: 30_000 });

describe('bin/pathledger.js', () => {
  it('prints the usage for --help and exits 0', () => {
    const result = pathledger('--help');
    expect(result.stderr).toBe('');
    expect(result.status).toBe(0);
    expect(result.stdout).toMatch(/^Usage: pathledger <command> \[options\]\n/);
    for (const command of ['serve', 'migrate', 'keys', 'demo']) expect(result.stdout).toContain(`\n  ${command} `);
  });

  it('refuses an unknown command with one line and the usage on stderr, exit 2', () => {
    const result = pathledger('frobnicate');
    expect(result.status).toBe(2);
    expect(result.stdout).toBe('');
    expect(result.stderr.split('\n')[0]).toBe('pathledger: unknown command "frobnicate"');
    expect(result.stderr).toContain('Usage: pathledger <command> [options]');
  });
});
