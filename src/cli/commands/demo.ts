// `pathledger demo reset`: put the database back to the demo world of the patents, e.g. after
// a workshop. It asks nothing, so it says plainly what it did.
import type { PrismaClient } from '../../generated/prisma/client.ts';
import { describeDatabase } from '../../config.ts';
import { DEMO_ADMIN_KEY_NAME, resetDemoWorld } from '../../db/demo-world.ts';
import { EXIT_OK, UsageError, capitalize, parse, plural, withPrisma, type CliIO, type Command } from '../support.ts';

const help = `Usage: pathledger demo reset

Delete everything in the configured database (organizations, traffic, accounting objects,
contracts, API keys: every table but the migration history) and load the demo world again:
the ISPs, backbones, clients, distributors and contents of the patents' FIG. 1, 3A and 4.
It asks no question; do not point it at data you want to keep.

Prints a new ADMIN key named "${DEMO_ADMIN_KEY_NAME}", shown this once. As with "keys create", the key is
the only thing written to standard output.`;

export const demoCommand: Command = {
  name: 'demo',
  summary: 'reset the database to the demo world',
  help,
  async run(args, { io, loadConfig }) {
    const [action, ...rest] = args;
    if (action === undefined) throw new UsageError('demo needs an action: reset');
    if (action === 'help') {
      io.out(help);
      return EXIT_OK;
    }
    if (action !== 'reset') throw new UsageError(`unknown demo action "${action}"`);
    parse(rest, {});
    const config = loadConfig();
    return withPrisma(config, io, (prisma) => resetDemo(prisma, describeDatabase(config), io));
  },
};

export async function resetDemo(prisma: PrismaClient, where: string, io: CliIO): Promise<number> {
  const { adminKey } = await resetDemoWorld(prisma);
  io.err(`${capitalize(where)}: deleted everything and loaded the demo world.`);
  io.err(`  ${await summarize(prisma)}.`);
  io.err(`Every earlier API key is gone. The new ADMIN key "${DEMO_ADMIN_KEY_NAME}":`);
  io.out(adminKey);
  io.err('Copy the key now: it will not be shown again. Only its hash is stored.');
  return EXIT_OK;
}

async function summarize(prisma: PrismaClient): Promise<string> {
  const [organizations, autonomousSystems, components, links, linkSets, clients, contents, accountingObjects, contracts] = await Promise.all([
    prisma.organization.count(),
    prisma.autonomousSystem.count(),
    prisma.networkComponent.count(),
    prisma.link.count(),
    prisma.linkSet.count(),
    prisma.client.count(),
    prisma.content.count(),
    prisma.accountingObject.count(),
    prisma.contract.count(),
  ]);
  return [
    plural(organizations, 'organization'),
    plural(autonomousSystems, 'autonomous system'),
    plural(components, 'network component'),
    `${plural(links, 'link')} in ${plural(linkSets, 'link set')}`,
    plural(clients, 'client'),
    plural(contents, 'content'),
    plural(accountingObjects, 'accounting object'),
    plural(contracts, 'contract'),
  ].join(', ');
}
