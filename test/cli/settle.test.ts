// `pathledger settle`: the settlement on the configured database, its summary, and its refusals
// (one line naming the flag). One contract: MovieStudio pays SP1 a flat 100 EUR a month for up to
// 1 GB, then 2 EUR/GB; October 2026 (UTC) counted 3 GB → 100 + 2 × 2 = 104.00.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { settle } from '../../src/cli/commands/settle.ts';
import { main } from '../../src/cli/main.ts';
import { CommandError, type CliIO } from '../../src/cli/support.ts';
import { toGlobalId } from '../../src/graphql/global-id.ts';
import { createTestDatabase, type TestDatabase } from '../support/database.ts';
import { createMonthlyContract } from '../support/monthly-contract.ts';

let db: TestDatabase;
let contractId: string;

beforeAll(async () => {
  db = await createTestDatabase();
  ({ contractId } = await createMonthlyContract(db.prisma));
}, 180_000);
afterAll(() => db?.drop());

function capture(): CliIO & { stdout: string[]; stderr: string[] } {
  const stdout: string[] = [];
  const stderr: string[] = [];
  return { stdout, stderr, out: (text) => stdout.push(...text.split('\n')), err: (text) => stderr.push(...text.split('\n')) };
}

describe('pathledger settle', () => {
  it('writes the drafts and prints them, one row each', async () => {
    const io = capture();
    expect(await settle(db, { period: '2026-10' }, io)).toBe(0);
    const invoice = await db.prisma.invoice.findFirstOrThrow({ where: { period: '2026-10' } });
    expect(invoice).toMatchObject({ status: 'DRAFT', currency: 'EUR' });
    expect(io.stderr).toEqual(["Settled 2026-10: 1 draft invoice, replacing the period's earlier drafts."]);
    expect(io.stdout).toEqual([
      `invoice${' '.repeat(toGlobalId('Invoice', invoice.id).length - 5)}contract              payer → payee      total   currency`,
      `${toGlobalId('Invoice', invoice.id)}  MovieStudio pays SP1  moviestudio → sp1  104.00  EUR`,
    ]);
  });

  it('takes the contract by the API’s id or its row id, and replaces its draft', async () => {
    for (const contract of [toGlobalId('Contract', contractId), contractId]) {
      const io = capture();
      expect(await settle(db, { period: '2026-10', contract }, io)).toBe(0);
      expect(io.stdout[1]).toContain('104.00');
    }
    expect(await db.prisma.invoice.count()).toBe(1);
  });

  it('refuses a period that has not ended, naming the flag', async () => {
    await expect(settle(db, { period: '2099-01' }, capture())).rejects.toThrow(new CommandError('--period: 2099-01 has not ended yet in UTC: it ends at 2099-02-01T00:00:00.000Z.'));
    await expect(settle(db, { period: '2026-10', contract: 'nonsense' }, capture())).rejects.toThrow('--contract: "nonsense" is not an id this API issued.');
  });

  it('needs --period before it opens any database', async () => {
    const io = capture();
    expect(await main(['settle'], io, { loadConfig: () => { throw new Error('must not be reached'); } })).toBe(2);
    expect(io.stderr[0]).toBe('pathledger settle: settle needs --period, e.g. --period 2026-10');
  });
});
