// The `pathledger` command: finds the command, runs it, turns its failures into one line and an
// exit code. bin/pathledger.js calls `main` after registering tsx.
import { existsSync } from 'node:fs';
import { ConfigError, loadConfig, unknownSettings, type Config } from '../config.ts';
import { demoCommand } from './commands/demo.ts';
import { importCommand } from './commands/import.ts';
import { ipdbCommand } from './commands/ipdb.ts';
import { keysCommand } from './commands/keys.ts';
import { migrateCommand } from './commands/migrate.ts';
import { reportCommand } from './commands/report.ts';
import { serveCommand } from './commands/serve.ts';
import { settleCommand } from './commands/settle.ts';
import { CommandError, EXIT_FAILURE, EXIT_OK, EXIT_USAGE, UsageError, processIO, type CliIO, type Command, type CommandContext } from './support.ts';

const COMMANDS: readonly Command[] = [serveCommand, migrateCommand, keysCommand, demoCommand, ipdbCommand, importCommand, reportCommand, settleCommand];

export const usage = `Usage: pathledger <command> [options]

Accounting for network traffic in content delivery.

Commands:
${COMMANDS.map((command) => `  ${command.name.padEnd(9)} ${command.summary}`).join('\n')}

Run "pathledger <command> --help" for a command's options.

Every command reads the same configuration as the server (environment variables): DATABASE_URL
names a PostgreSQL database; without it the embedded database in PATHLEDGER_DATA_DIR (./data by
default) is used. Commands apply pending migrations before they act; "ipdb build" uses no
database, only the data folder it writes asn.mmdb to, and "import" none either: it sends to a
running server. The embedded database allows one process at a time: stop the server, or use
PostgreSQL, before running a command on its data folder.`;

export async function main(argv: readonly string[], io: CliIO = processIO, context: Partial<CommandContext> = {}): Promise<number> {
  const [name, ...args] = argv;
  if (name === undefined || name === '--help' || name === '-h' || name === 'help') {
    // `pathledger help keys` works like `pathledger keys --help`.
    const topic = name === 'help' ? COMMANDS.find((command) => command.name === args[0]) : undefined;
    if (name === undefined) {
      io.err(usage);
      return EXIT_USAGE;
    }
    io.out(topic?.help ?? usage);
    return EXIT_OK;
  }
  const command = COMMANDS.find((candidate) => candidate.name === name);
  if (command === undefined) {
    io.err(`pathledger: ${name.startsWith('-') ? `unknown option ${name}` : `unknown command "${name}"`}`);
    io.err(usage);
    return EXIT_USAGE;
  }
  if (args.includes('--help') || args.includes('-h')) {
    io.out(command.help);
    return EXIT_OK;
  }
  try {
    return await command.run(args, { io, loadConfig: context.loadConfig ?? (() => configuration(io)) });
  } catch (error) {
    if (error instanceof UsageError) {
      io.err(`pathledger ${command.name}: ${error.message}`);
      io.err(command.help);
      return EXIT_USAGE;
    }
    if (error instanceof CommandError || error instanceof ConfigError) {
      io.err(`pathledger ${command.name}: ${error.message}`);
      return EXIT_FAILURE;
    }
    // Anything else is unexpected, and its stack is what a bug report needs.
    io.err(`pathledger ${command.name}: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
    return EXIT_FAILURE;
  }
}

/** The server's configuration, with the same warnings about misspelt settings the server gives. */
function configuration(io: CliIO): Config {
  // A .env file in the working folder, as `npm start` reads it, so that a command run next to
  // the server works on the same database; variables already in the environment win.
  if (existsSync('.env')) {
    try {
      process.loadEnvFile('.env');
    } catch (error) {
      throw new CommandError(`could not read .env: ${error instanceof Error ? error.message : String(error)}`, { cause: error });
    }
  }
  const config = loadConfig();
  for (const warning of unknownSettings()) io.err(`warning: ${warning}`);
  return config;
}
