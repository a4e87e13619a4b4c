// The server's settings, read from the environment once and validated in one place. The rest of
// the code receives the typed `Config` and never looks at process.env itself.
import { createRequire } from 'node:module';
import { join } from 'node:path';

/** A setting the operator got wrong. The message is one line, fit to print as it is. */
export class ConfigError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ConfigError';
  }
}

export const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

export interface Config {
  server: {
    port: number;
    /** The address to listen on; 0.0.0.0 is every IPv4 interface. */
    host: string;
    /** Largest request body accepted; larger ones get 413. */
    maxBodyBytes: number;
    /** How long a graceful shutdown waits for requests in flight before cutting them off. */
    shutdownTimeoutMs: number;
  };
  database: {
    /** A PostgreSQL URL, or undefined for the embedded PGlite in `dataDir`. */
    url: string | undefined;
    dataDir: string;
    poolSize: number;
  };
  /** Load the demo world (and print an ADMIN key) when the database is empty. */
  demo: boolean;
  log: { level: LogLevel };
  graphql: {
    maxDepth: number;
    maxCost: number;
    defaultPageSize: number;
    maxPageSize: number;
  };
  rateLimit: {
    /** Per API key, or per client address for anonymous requests; 0 turns the limit off. */
    requestsPerMinute: number;
  };
  /** The MaxMind-format databases the path service reads addresses in. */
  ipData: {
    /** IP → AS. `buildIfMissing` when it is the default file in the data folder. */
    asn: { path: string; buildIfMissing: boolean };
    /** IP → country (region, city): ip-location-db's country file unless configured. */
    geo: { path: string };
    /** How often the files are checked for replacement; 0 = never reload. */
    reloadIntervalMs: number;
  };
  accounting: {
    /** Days raw transfer events are kept; counters are kept for good. 0 keeps events for good too. */
    rawRetentionDays: number;
  };
  coordinator: {
    /** The rate an assignment's sources should reach together, bits per second. */
    targetBps: number;
    /** The most peers one assignment names. */
    maxPeers: number;
  };
  reports: {
    /** How long after a billing period ends its invoices may be issued: late transfers still land. */
    settlementGraceHours: number;
    /** Attempts at delivering one alert's webhook before it is given up as FAILED. */
    webhookMaxAttempts: number;
    /** The wait before the second attempt; each later wait doubles it. */
    webhookRetryBaseMs: number;
    /** Whether webhook receivers may be at private, loopback or link-local addresses. */
    webhookAllowPrivate: boolean;
    /** How often scheduled jobs are looked for, and alerts and policies evaluated on schedule; 0 = never (tests). */
    schedulerIntervalMs: number;
  };
  /** For the `pathledger` commands that call a running server (`import`), not for the server. */
  cli: {
    /** The API key they send unless given `--key`. */
    apiKey: string | undefined;
  };
}

/** Where `pathledger ipdb build` writes, and the server looks, unless PATHLEDGER_ASN_DB says otherwise. */
export const ASN_DATABASE_FILE = 'asn.mmdb';
/** The geo database shipped with the npm package of the same name (CC BY 4.0). */
export const PACKAGED_GEO_DATABASE = '@ip-location-db/geo-whois-asn-country-mmdb/geo-whois-asn-country.mmdb';

/**
 * Every setting with its default, in the order of .env.example. Kept as data so that the list of
 * known names (for the typo warning) cannot drift from what is read.
 */
export const SETTINGS = {
  PORT: '4000',
  // All IPv4 interfaces, so the server is reachable from outside a container without extra
  // configuration; every API call needs a key anyway. HOST=127.0.0.1 keeps it local to the machine.
  HOST: '0.0.0.0',
  DATABASE_URL: '',
  PATHLEDGER_DATA_DIR: './data',
  DATABASE_POOL_SIZE: '10',
  PATHLEDGER_DEMO: 'on',
  LOG_LEVEL: 'info',
  PATHLEDGER_MAX_QUERY_DEPTH: '12',
  PATHLEDGER_MAX_QUERY_COST: '50000',
  PATHLEDGER_DEFAULT_PAGE_SIZE: '20',
  PATHLEDGER_MAX_PAGE_SIZE: '100',
  PATHLEDGER_RATE_LIMIT: '600',
  PATHLEDGER_MAX_BODY_BYTES: String(1024 * 1024),
  PATHLEDGER_SHUTDOWN_TIMEOUT_MS: '10000',
  // Empty: <PATHLEDGER_DATA_DIR>/asn.mmdb, built from @ip-location-db/asn on first start.
  PATHLEDGER_ASN_DB: '',
  // Empty: the packaged @ip-location-db/geo-whois-asn-country-mmdb file.
  PATHLEDGER_GEO_DB: '',
  PATHLEDGER_IPDB_RELOAD_MS: '2000',
  PATHLEDGER_RAW_RETENTION_DAYS: '90',
  PATHLEDGER_COORDINATOR_TARGET_BPS: '8000000',
  PATHLEDGER_COORDINATOR_MAX_PEERS: '4',
  PATHLEDGER_SETTLEMENT_GRACE_HOURS: '24',
  PATHLEDGER_WEBHOOK_MAX_ATTEMPTS: '8',
  PATHLEDGER_WEBHOOK_RETRY_BASE_MS: '1000',
  PATHLEDGER_WEBHOOK_ALLOW_PRIVATE: 'off',
  PATHLEDGER_SCHEDULER_INTERVAL_MS: '15000',
  // Empty: `pathledger import` needs --key.
  PATHLEDGER_API_KEY: '',
  // Read by `npm start` itself (the V8 heap is sized before the process reads anything), so only
  // from the environment, not from .env.
  PATHLEDGER_HEAP_MB: '256',
} as const;
export type SettingName = keyof typeof SETTINGS;

export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  const read = (name: SettingName): string => {
    // An empty value (`PORT=` in a .env file) means "not set", as it does for most tools.
    const value = env[name]?.trim();
    return value === undefined || value === '' ? SETTINGS[name] : value;
  };
  const integer = (name: SettingName, min: number, max = Number.MAX_SAFE_INTEGER, allowed?: string) =>
    parseInteger(name, read(name), min, max, allowed);

  const defaultPageSize = integer('PATHLEDGER_DEFAULT_PAGE_SIZE', 1);
  const maxPageSize = integer('PATHLEDGER_MAX_PAGE_SIZE', 1);
  if (defaultPageSize > maxPageSize) {
    throw new ConfigError(
      `PATHLEDGER_DEFAULT_PAGE_SIZE=${defaultPageSize} is larger than PATHLEDGER_MAX_PAGE_SIZE=${maxPageSize}; ` +
        'the default page size must not exceed the maximum',
    );
  }

  return {
    server: {
      port: integer('PORT', 0, 65_535, 'an integer from 0 to 65535 (0 picks a free port)'),
      host: parseHost(read('HOST')),
      maxBodyBytes: integer('PATHLEDGER_MAX_BODY_BYTES', 1, Number.MAX_SAFE_INTEGER, 'a positive integer number of bytes'),
      shutdownTimeoutMs: integer('PATHLEDGER_SHUTDOWN_TIMEOUT_MS', 0, Number.MAX_SAFE_INTEGER, 'an integer number of milliseconds, 0 or more'),
    },
    database: {
      url: parseDatabaseUrl(read('DATABASE_URL')),
      dataDir: read('PATHLEDGER_DATA_DIR'),
      poolSize: integer('DATABASE_POOL_SIZE', 1, 10_000),
    },
    demo: parseSwitch('PATHLEDGER_DEMO', read('PATHLEDGER_DEMO')),
    log: { level: parseLogLevel(read('LOG_LEVEL')) },
    graphql: {
      maxDepth: integer('PATHLEDGER_MAX_QUERY_DEPTH', 1),
      maxCost: integer('PATHLEDGER_MAX_QUERY_COST', 1),
      defaultPageSize,
      maxPageSize,
    },
    rateLimit: {
      requestsPerMinute: integer('PATHLEDGER_RATE_LIMIT', 0, Number.MAX_SAFE_INTEGER, 'requests per minute, an integer; 0 turns the limit off'),
    },
    ipData: {
      asn: read('PATHLEDGER_ASN_DB') === SETTINGS.PATHLEDGER_ASN_DB
        ? { path: join(read('PATHLEDGER_DATA_DIR'), ASN_DATABASE_FILE), buildIfMissing: true }
        : { path: read('PATHLEDGER_ASN_DB'), buildIfMissing: false },
      geo: { path: read('PATHLEDGER_GEO_DB') === SETTINGS.PATHLEDGER_GEO_DB ? packagedFile(PACKAGED_GEO_DATABASE) : read('PATHLEDGER_GEO_DB') },
      reloadIntervalMs: integer('PATHLEDGER_IPDB_RELOAD_MS', 0, Number.MAX_SAFE_INTEGER, 'an integer number of milliseconds; 0 never reloads'),
    },
    accounting: {
      rawRetentionDays: integer('PATHLEDGER_RAW_RETENTION_DAYS', 0, 36_600, 'a whole number of days from 0 (keep for good) to 36600'),
    },
    coordinator: {
      targetBps: integer('PATHLEDGER_COORDINATOR_TARGET_BPS', 1, 1_000_000_000_000, 'bits per second from 1 to 10^12'),
      maxPeers: integer('PATHLEDGER_COORDINATOR_MAX_PEERS', 1, 64, 'a whole number of peers from 1 to 64'),
    },
    reports: {
      settlementGraceHours: integer('PATHLEDGER_SETTLEMENT_GRACE_HOURS', 0, 24 * 366, 'a whole number of hours from 0 to 8784'),
      webhookMaxAttempts: integer('PATHLEDGER_WEBHOOK_MAX_ATTEMPTS', 1, 50, 'a whole number of attempts from 1 to 50'),
      webhookRetryBaseMs: integer('PATHLEDGER_WEBHOOK_RETRY_BASE_MS', 10, 3_600_000, 'milliseconds from 10 to 3600000'),
      webhookAllowPrivate: parseSwitch('PATHLEDGER_WEBHOOK_ALLOW_PRIVATE', read('PATHLEDGER_WEBHOOK_ALLOW_PRIVATE')),
      schedulerIntervalMs: integer('PATHLEDGER_SCHEDULER_INTERVAL_MS', 0, 3_600_000, 'milliseconds from 0 (off) to 3600000'),
    },
    cli: { apiKey: read('PATHLEDGER_API_KEY') || undefined },
  };
}

/** A file inside an installed npm package, by its package path. */
function packagedFile(specifier: string): string {
  return createRequire(import.meta.url).resolve(specifier);
}

/**
 * `PATHLEDGER_…` variables that are not settings: most likely typos, which would otherwise be
 * ignored without a word. A warning, not an error, since tooling (CI) sets variables of its own
 * under the same prefix.
 */
export function unknownSettings(env: NodeJS.ProcessEnv = process.env): string[] {
  const known = Object.keys(SETTINGS);
  return Object.keys(env)
    .filter((name) => name.startsWith('PATHLEDGER_') && !known.includes(name))
    .map((name) => {
      const suggestion = closest(name, known);
      return suggestion ? `${name} is not a PathLedger setting (did you mean ${suggestion}?)` : `${name} is not a PathLedger setting`;
    });
}

/** Where the data is, for messages and logs: never with the password of a URL. */
export function describeDatabase(config: Pick<Config, 'database'>): string {
  const { url, dataDir } = config.database;
  if (!url) return `the embedded database in ${dataDir}`;
  try {
    const parsed = new URL(url);
    return `PostgreSQL at ${parsed.hostname}${parsed.port ? `:${parsed.port}` : ''}${parsed.pathname}`;
  } catch {
    return 'the PostgreSQL database in DATABASE_URL';
  }
}

function setting(name: string, value: string): string {
  return `${name}=${JSON.stringify(value)}`;
}

function parseInteger(name: SettingName, value: string, min: number, max: number, allowed?: string): number {
  const parsed = /^\d+$/.test(value) ? Number(value) : Number.NaN;
  if (Number.isSafeInteger(parsed) && parsed >= min && parsed <= max) return parsed;
  const range = max === Number.MAX_SAFE_INTEGER ? `an integer, ${min} or more` : `an integer from ${min} to ${max}`;
  throw new ConfigError(`${setting(name, value)} is not valid: expected ${allowed ?? range}`);
}

function parseHost(value: string): string {
  if (/^[A-Za-z0-9.:_%-]+$/.test(value)) return value;
  throw new ConfigError(`${setting('HOST', value)} is not valid: expected an IP address or host name, e.g. 0.0.0.0, 127.0.0.1 or ::`);
}

function parseDatabaseUrl(value: string): string | undefined {
  if (value === '') return undefined;
  const problem = (() => {
    if (!/^postgres(ql)?:\/\//.test(value)) return 'expected a URL starting with postgres:// or postgresql:// (or leave it unset for the embedded database)';
    try {
      new URL(value);
      return null;
    } catch {
      return 'it is not a well-formed URL, e.g. postgresql://user:password@localhost:5432/pathledger';
    }
  })();
  if (problem === null) return value;
  throw new ConfigError(`${setting('DATABASE_URL', redactPassword(value))} is not valid: ${problem}`);
}

/** The message names the bad value, but a password has no business in a terminal or a log. */
function redactPassword(url: string): string {
  return url.replace(/^([a-z][a-z0-9+.-]*:\/\/[^:/@]*:)[^@/]*@/i, '$1***@');
}

function parseSwitch(name: SettingName, value: string): boolean {
  const normalized = value.toLowerCase();
  if (['on', 'true', '1', 'yes'].includes(normalized)) return true;
  if (['off', 'false', '0', 'no'].includes(normalized)) return false;
  throw new ConfigError(`${setting(name, value)} is not valid: expected on or off`);
}

function parseLogLevel(value: string): LogLevel {
  const level = LOG_LEVELS.find((candidate) => candidate === value.toLowerCase());
  if (level) return level;
  throw new ConfigError(`${setting('LOG_LEVEL', value)} is not valid: expected one of ${LOG_LEVELS.join(', ')}`);
}

function closest(name: string, candidates: readonly string[]): string | undefined {
  let best: { candidate: string; distance: number } | undefined;
  for (const candidate of candidates) {
    const distance = editDistance(name, candidate);
    if (distance <= 3 && (best === undefined || distance < best.distance)) best = { candidate, distance };
  }
  return best?.candidate;
}

function editDistance(a: string, b: string): number {
  let previous = Array.from({ length: b.length + 1 }, (_, index) => index);
  for (let i = 1; i <= a.length; i++) {
    const current = [i];
    for (let j = 1; j <= b.length; j++) {
      const substitution = (previous[j - 1] ?? 0) + (a[i - 1] === b[j - 1] ? 0 : 1);
      current.push(Math.min((previous[j] ?? 0) + 1, (current[j - 1] ?? 0) + 1, substitution));
    }
    previous = current;
  }
  return previous[b.length] ?? 0;
}
