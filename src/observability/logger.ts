// JSON logs, one object per line on stdout, for whatever collects them (journald, Docker, Loki).
import { pino, type DestinationStream, type Logger } from 'pino';
import type { Config } from '../config.ts';

export type { Logger } from 'pino';

/** `destination` lets tests collect the lines; by default they go to stdout. */
export function createLogger(config: Pick<Config, 'log'>, destination?: DestinationStream): Logger {
  return pino(
    {
      name: 'pathledger',
      level: config.log.level,
      // Level names read better than pino's numbers for people grepping and for most collectors.
      formatters: { level: (label) => ({ level: label }) },
      timestamp: pino.stdTimeFunctions.isoTime,
      // Nothing should log a request's headers or an API key; this is the safety net if it does.
      redact: {
        paths: ['authorization', '*.authorization', 'headers.authorization', '*.headers.authorization', 'apiKey', '*.apiKey', 'adminKey', '*.adminKey'],
        censor: '[redacted]',
      },
    },
    destination,
  );
}
