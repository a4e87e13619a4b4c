// `pathledger settle --period 2026-10 [--contract <id>]`: the settlement run by hand (or by cron
// outside the server), on the configured database, exactly as the API's runSettlement does it.
import { CounterJournal } from '../../accounting/counter-journal.ts';
import type { Database } from '../../db/database.ts';
import { decodeAs } from '../../domain/references.ts';
import { InputError } from '../../domain/input-error.ts';
import { isUuid } from '../../domain/validate.ts';
import { toGlobalId } from '../../graphql/global-id.ts';
import { amountText } from '../../reports/invoices.ts';
import { runSettlement } from '../../reports/settlement.ts';
import { CommandError, EXIT_OK, UsageError, formatTable, parse, plural, withDatabase, type CliIO, type Command } from '../support.ts';

const help = `Usage: pathledger settle --period <label> [--contract <id>]

Compute the draft invoices of a billing period that has ended and replace the earlier drafts of
that period with them, as the API's runSettlement does. Issued and void invoices are never
touched; usage that arrived after an earlier period was issued becomes an adjustment line.

  --period    "2026-10" for the month contracts, "2026-Q4" for the quarter ones, each in
              its contract's time zone
  --contract  only this contract: its id as the API gives it, or its row id (a UUID)

Prints one row per draft (invoice id, contract, payer → payee, total, currency) on stdout.`;

const FLAGS: Record<string, string> = { period: '--period', contract: '--contract' };

export interface SettleOptions {
  period: string;
  contract?: string;
}

export const settleCommand: Command = {
  name: 'settle',
  summary: 'compute the draft invoices of a billing period',
  help,
  async run(args, { io, loadConfig }) {
    const { values } = parse(args, { period: { type: 'string' }, contract: { type: 'string' } });
    if (values.period === undefined) throw new UsageError('settle needs --period, e.g. --period 2026-10');
    const options: SettleOptions = { period: values.period, ...(values.contract !== undefined ? { contract: values.contract } : {}) };
    return withDatabase(loadConfig(), io, { migrate: true }, (db) => settle(db, options, io));
  },
};

function contractId(text: string): string {
  if (isUuid(text)) return text;
  return decodeAs(['input', 'contract'], text, ['Contract']).id;
}

/** Runs the settlement and prints the drafts; an input problem is a one-line CommandError naming the flag. */
export async function settle(db: Pick<Database, 'prisma' | 'sql'>, options: SettleOptions, io: CliIO): Promise<number> {
  let invoices;
  try {
    const id = options.contract === undefined ? undefined : contractId(options.contract);
    invoices = await runSettlement(db.prisma, new CounterJournal(db.sql), { period: options.period, ...(id !== undefined ? { contractId: id } : {}) });
  } catch (error) {
    if (!(error instanceof InputError)) throw error;
    const flag = FLAGS[error.field.at(-1) ?? ''] ?? error.field.join('.');
    throw new CommandError(`${flag}: ${error.message}`, { cause: error });
  }
  if (invoices.length === 0) {
    io.err(`No drafts for ${options.period}: no contract has anything to bill that is not already issued.`);
    return EXIT_OK;
  }
  const [contracts, organizations] = await Promise.all([
    db.prisma.contract.findMany({ where: { id: { in: [...new Set(invoices.map((i) => i.contractId))] } }, select: { id: true, name: true } }),
    db.prisma.organization.findMany({ where: { id: { in: [...new Set(invoices.flatMap((i) => [i.payerId, i.payeeId]))] } }, select: { id: true, slug: true } }),
  ]);
  const contractName = new Map(contracts.map((c) => [c.id, c.name]));
  const slug = new Map(organizations.map((o) => [o.id, o.slug]));
  io.err(`Settled ${options.period}: ${plural(invoices.length, 'draft invoice')}, replacing the period's earlier drafts.`);
  const rows = invoices.map((invoice) => [
    toGlobalId('Invoice', invoice.id),
    contractName.get(invoice.contractId) ?? invoice.contractId,
    `${slug.get(invoice.payerId)} → ${slug.get(invoice.payeeId)}`,
    amountText(invoice.total, invoice.currency),
    invoice.currency,
  ]);
  for (const line of formatTable(['invoice', 'contract', 'payer → payee', 'total', 'currency'], rows)) io.out(line);
  return EXIT_OK;
}
