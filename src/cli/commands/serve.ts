// `pathledger serve`: what `npm start` does, from the installed command (both run
// serveUntilStopped). The server modules are imported only here, when serving, so that `keys`
// and the rest start quickly.
import { CommandError, EXIT_OK, parse, type Command } from '../support.ts';

const help = `Usage: pathledger serve

Start the PathLedger GraphQL server with the configuration in the environment, as "npm start"
does: open and migrate the database, load the demo world into an empty one (PATHLEDGER_DEMO),
and listen on HOST:PORT until SIGTERM or SIGINT (Ctrl-C), then finish requests in flight and
stop. A second Ctrl-C stops at once.`;

export const serveCommand: Command = {
  name: 'serve',
  summary: 'start the GraphQL server (as npm start does)',
  help,
  async run(args, { io, loadConfig }) {
    parse(args, {});
    const config = loadConfig();
    const [{ serveUntilStopped, StartError }, { createLogger }] = await Promise.all([import('../../app.ts'), import('../../observability/logger.ts')]);
    const logger = createLogger(config);
    try {
      return await serveUntilStopped(config, logger);
    } catch (error) {
      logger.error({ err: error }, 'start failed');
      if (error instanceof StartError) throw new CommandError(error.message, { cause: error });
      throw error;
    }
  },
};
