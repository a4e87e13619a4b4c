// `npm start`: configuration → start-up → serve until SIGTERM or SIGINT, then shut down gracefully.
// Failures the operator can fix are one line on stderr and exit code 1.
import './production-default.ts';
import { existsSync } from 'node:fs';
import { serveUntilStopped, StartError } from './app.ts';
import { ConfigError, loadConfig, unknownSettings, type Config } from './config.ts';
import { failureReason } from './observability/failure-reason.ts';
import { createLogger } from './observability/logger.ts';

function fail(message: string): never {
  process.stderr.write(`pathledger: ${message}\n`);
  process.exit(1);
}

// A .env file in the working folder, as in development; variables already in the environment win.
if (existsSync('.env')) {
  try {
    process.loadEnvFile('.env');
  } catch (error) {
    fail(`could not read .env: ${failureReason(error)}`);
  }
}

let config: Config;
try {
  config = loadConfig();
} catch (error) {
  if (error instanceof ConfigError) fail(error.message);
  throw error;
}

const logger = createLogger(config);
for (const warning of unknownSettings()) logger.warn(warning);

try {
  process.exit(await serveUntilStopped(config, logger));
} catch (error) {
  logger.error({ err: error }, 'start failed');
  await new Promise<void>((resolve) => logger.flush(() => resolve()));
  fail(error instanceof StartError ? error.message : `could not start: ${failureReason(error)}`);
}
