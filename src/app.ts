// Start-up in order: database → migrations → demo world (on an empty database) → IP databases
// → GraphQL schema → HTTP server. Whatever fails stops the start with one line saying what, and what was opened
// is closed again.
import { KeyLookup } from './auth/key-lookup.ts';
import { describeDatabase, type Config } from './config.ts';
import { ensureDemoWorld } from './db/demo-world.ts';
import type { Database } from './db/database.ts';
import { applyMigrations } from './db/migrations.ts';
import { openDatabase } from './db/open.ts';
import { createContext } from './graphql/context.ts';
import { registryChangesPlugin } from './graphql/plugins/registry-changes.ts';
import { createExecutableSchema } from './graphql/schema.ts';
import { createIngestHandler } from './http/ingest.ts';
import { startPruning } from './accounting/retention.ts';
import { createHttpServer, listen, ListenError, type HttpServer } from './http/server.ts';
import { failureReason } from './observability/failure-reason.ts';
import type { Logger } from './observability/logger.ts';
import { createMetrics } from './observability/metrics.ts';
import { openIpData, type IpData } from './path/ip-data.ts';
import { PathService } from './path/service.ts';
import { CounterJournal } from './accounting/counter-journal.ts';
import { TransferRecorder } from './accounting/recorder.ts';
import { Coordinator } from './coordinator/coordinator.ts';
import { ReportEngine } from './reports/engine.ts';
import { AlertFeed } from './reports/alert-feed.ts';

export interface PathLedger {
  /** Where the API answers, e.g. http://localhost:4000 (the API is at /graphql). */
  url: string;
  /** Stops the HTTP server gracefully, then closes the database. */
  close(): Promise<void>;
}

export interface StartOptions {
  /** Where the demo ADMIN key is shown; stdout by default. */
  print?: (text: string) => void;
}

/** A start that failed for a reason worth one line to the operator. */
export class StartError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'StartError';
  }
}

export async function startPathLedger(config: Config, logger: Logger, options: StartOptions = {}): Promise<PathLedger> {
  const print = options.print ?? ((text: string) => process.stdout.write(text));
  const where = describeDatabase(config);

  const db = await step(`could not open ${where}`, async () => {
    const opened = await openDatabase({ url: config.database.url, dataDir: config.database.dataDir, poolSize: config.database.poolSize });
    try {
      await opened.ping();
    } catch (error) {
      await opened.close().catch(() => undefined);
      throw error;
    }
    return opened;
  });
  logger.info({ database: db.kind }, `opened ${where}`);

  try {
    const { applied } = await step(`could not migrate ${where}`, () =>
      applyMigrations(db, {
        onLog: ({ level, message, fields }) => {
          const severity = level.toLowerCase();
          logger[severity === 'error' ? 'error' : severity.startsWith('warn') ? 'warn' : 'debug']({ fields }, `schema engine: ${message}`);
        },
      }),
    );
    if (applied.length > 0) logger.info({ migrations: applied }, `applied ${applied.length} migration${applied.length === 1 ? '' : 's'}`);
    else logger.info('the database schema is up to date');

    let demoAdminKey: string | null = null;
    if (config.demo) {
      const demo = await step('could not load the demo world', () => ensureDemoWorld(db.prisma));
      if (demo.loaded) logger.info('loaded the demo world into the empty database (PATHLEDGER_DEMO=off to start empty)');
      demoAdminKey = demo.adminKey;
    }

    const ipData = await step('could not open the IP databases', () => openIpData(config.ipData, logger));
    const files = ipData.describe();
    logger.info({ asn: files.asn, geo: files.geo }, `reading IP → AS from ${files.asn.path}, IP → place from ${files.geo.path}`);

    const server = await serveDatabase(db, config, logger, ipData);
    const pruner = config.accounting.rawRetentionDays > 0 ? startPruning(db.prisma, config.accounting.rawRetentionDays, logger) : null;
    const { url } = await listen(server, config.server.port, config.server.host).catch(async (error: unknown) => {
      await server.close();
      await pruner?.stop();
      ipData.close();
      throw error instanceof ListenError ? new StartError(error.message, { cause: error }) : error;
    });
    logger.info({ url: `${url}/graphql` }, `PathLedger is listening on ${url}/graphql`);
    if (demoAdminKey !== null) {
      // pino writes asynchronously; without this the banner lands above the lines logged before it.
      await new Promise<void>((resolve) => logger.flush(() => resolve()));
      print(demoBanner(url, demoAdminKey));
      logger.info('a demo ADMIN key was printed on stdout, once; only its hash is stored');
    }

    let closing: Promise<void> | undefined;
    return {
      url,
      close: () =>
        (closing ??= (async () => {
          try {
            await server.close();
          } finally {
            await pruner?.stop();
            ipData.close();
            await db.close();
          }
        })()),
    };
  } catch (error) {
    await db.close().catch(() => undefined);
    throw error;
  }
}

/** The process's long-lived services, for tests and benches that reach past the API. */
export interface Services {
  paths: PathService;
  counters: CounterJournal;
  recorder: TransferRecorder;
  coordinator: Coordinator;
  engine: ReportEngine;
  alertFeed: AlertFeed;
}

export interface ServedDatabase extends HttpServer {
  services: Services;
}

/**
 * The HTTP server over an open, migrated database: GraphQL, the ingest stream, health and metrics.
 * Closing it also folds what the counter journal still holds.
 */
export async function serveDatabase(db: Database, config: Config, logger: Logger, ipData: IpData): Promise<ServedDatabase> {
  // One path service, recorder and counter journal for the process: their in-memory snapshots of
  // the registry and of the accounting objects are shared by every request.
  const paths = new PathService(db.prisma, { addresses: () => ipData.addresses() });
  // The engine is made below; the journal nudges it after each fold.
  let engine: ReportEngine | undefined;
  const counters = new CounterJournal(db.sql, { logger, afterFold: () => engine?.afterFold() });
  const recorder = new TransferRecorder(db, paths, counters);
  const coordinator = new Coordinator(db, { addresses: () => ipData.addresses(), paths, targetBps: config.coordinator.targetBps, maxPeers: config.coordinator.maxPeers });
  // Expired availability reports go, so that memory follows the peers online.
  const sweeper = setInterval(() => coordinator.availability.sweep(), 60_000);
  sweeper.unref();
  engine = new ReportEngine({
    store: { prisma: db.prisma, counters, rawRetentionDays: config.accounting.rawRetentionDays },
    config: config.reports,
    logger,
    onPolicyChange: () => coordinator.invalidate(),
  });
  // Batches a previous run acknowledged but did not fold (it stopped or crashed) go in now.
  counters.notify();
  const alertFeed = await AlertFeed.open(db, logger);
  const keys = await KeyLookup.open(db, logger).catch(async (error: unknown) => {
    await alertFeed.close();
    throw error;
  });
  const server = await createHttpServer({
    config,
    logger,
    metrics: createMetrics(),
    schema: createExecutableSchema(),
    db,
    authenticate: keys.authenticate,
    createContext: ({ principal, keyStillValid }) =>
      createContext({
        db,
        principal,
        limits: config.graphql,
        paths,
        recorder,
        counters,
        coordinator,
        settlementGraceHours: config.reports.settlementGraceHours,
        rawRetentionDays: config.accounting.rawRetentionDays,
        alertFeed,
        ...(keyStillValid ? { keyStillValid } : {}),
      }),
    plugins: [registryChangesPlugin([paths, recorder, coordinator, keys])],
    ingest: createIngestHandler({ prisma: db.prisma, recorder, logger }),
  }).catch(async (error: unknown) => {
    await keys.close();
    await alertFeed.close();
    throw error;
  });
  const running = engine;
  running.start();
  return {
    server: server.server,
    services: { paths, counters, recorder, coordinator, engine: running, alertFeed },
    close: async () => {
      clearInterval(sweeper);
      try {
        await running.stop();
        await server.close();
      } finally {
        await keys.close();
        await alertFeed.close();
        await counters.stop();
      }
    },
  };
}

/**
 * Starts, serves until SIGTERM or SIGINT, then lets requests in flight finish and closes the
 * database; a second signal exits at once. Resolves to the process's exit code; a failed start
 * rejects (with a StartError when the operator can act on it). `npm start` and `pathledger
 * serve` both run this.
 */
export async function serveUntilStopped(config: Config, logger: Logger, options: StartOptions = {}): Promise<number> {
  let signalled!: (signal: NodeJS.Signals) => void;
  const stopRequested = new Promise<NodeJS.Signals>((resolve) => (signalled = resolve));
  let stopping = false;
  const onSignal = (signal: NodeJS.Signals) => {
    if (stopping) {
      process.stderr.write(`pathledger: ${signal} again, exiting without waiting\n`);
      process.exit(1);
    }
    stopping = true;
    signalled(signal);
  };
  process.on('SIGTERM', onSignal);
  process.on('SIGINT', onSignal);
  try {
    // A signal during start-up is answered once the start has finished: then there is something to close.
    const app = await startPathLedger(config, logger, options);
    const signal = await stopRequested;
    logger.info({ signal }, 'shutting down: finishing requests in flight');
    // If closing itself hangs (a database that does not answer), do not hang with it.
    const deadline = setTimeout(() => {
      logger.error('shutdown did not finish in time; exiting');
      process.exit(1);
    }, config.server.shutdownTimeoutMs + 5000).unref();
    try {
      await app.close();
      logger.info('stopped');
      return 0;
    } catch (error) {
      logger.error({ err: error }, 'shutdown failed');
      return 1;
    } finally {
      clearTimeout(deadline);
    }
  } finally {
    process.off('SIGTERM', onSignal);
    process.off('SIGINT', onSignal);
    await new Promise<void>((resolve) => logger.flush(() => resolve()));
  }
}

/** Runs one start-up step, turning its failure into a StartError that says which step failed. */
async function step<T>(failure: string, run: () => Promise<T>): Promise<T> {
  try {
    return await run();
  } catch (error) {
    if (error instanceof StartError) throw error;
    throw new StartError(`${failure}: ${failureReason(error)}`, { cause: error });
  }
}

/** For a person at a terminal, apart from the JSON log, since it is the only way to the key. */
function demoBanner(url: string, adminKey: string): string {
  const query = JSON.stringify({ query: '{ me { role } }' });
  return [
    '',
    '  PathLedger loaded the demo world. Its ADMIN API key, shown this once (only its hash is stored):',
    '',
    `    ${adminKey}`,
    '',
    '  Try it:',
    '',
    `    curl -s ${url}/graphql -H 'Authorization: Bearer ${adminKey}' -H 'Content-Type: application/json' -d '${query}'`,
    '',
    '',
  ].join('\n');
}
