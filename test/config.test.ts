import { describe, expect, it } from 'vitest';
import { ConfigError, describeDatabase, loadConfig, unknownSettings } from '../src/config.ts';

function failure(env: NodeJS.ProcessEnv): string {
  try {
    loadConfig(env);
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    const message = (error as Error).message;
    expect(message).not.toContain('\n');
    return message;
  }
  throw new Error('loadConfig accepted the environment');
}

describe('loadConfig', () => {
  it('has a default for everything', () => {
    expect(loadConfig({})).toEqual({
      server: { port: 4000, host: '0.0.0.0', maxBodyBytes: 1_048_576, shutdownTimeoutMs: 10_000 },
      database: { url: undefined, dataDir: './data', poolSize: 10 },
      demo: true,
      log: { level: 'info' },
      graphql: { maxDepth: 12, maxCost: 50_000, defaultPageSize: 20, maxPageSize: 100 },
      rateLimit: { requestsPerMinute: 600 },
      ipData: {
        asn: { path: 'data/asn.mmdb', buildIfMissing: true },
        geo: { path: expect.stringMatching(/geo-whois-asn-country-mmdb\/geo-whois-asn-country\.mmdb$/) },
        reloadIntervalMs: 2000,
      },
      accounting: { rawRetentionDays: 90 },
      coordinator: { targetBps: 8_000_000, maxPeers: 4 },
      reports: { settlementGraceHours: 24, webhookMaxAttempts: 8, webhookRetryBaseMs: 1000, webhookAllowPrivate: false, schedulerIntervalMs: 15_000 },
      cli: { apiKey: undefined },
    });
  });

  it('reads every setting', () => {
    const config = loadConfig({
      PORT: '8080',
      HOST: '127.0.0.1',
      DATABASE_URL: 'postgresql://pathledger:secret@db:5432/pathledger',
      PATHLEDGER_DATA_DIR: '/var/lib/pathledger',
      DATABASE_POOL_SIZE: '25',
      PATHLEDGER_DEMO: 'off',
      LOG_LEVEL: 'debug',
      PATHLEDGER_MAX_QUERY_DEPTH: '8',
      PATHLEDGER_MAX_QUERY_COST: '1000',
      PATHLEDGER_DEFAULT_PAGE_SIZE: '10',
      PATHLEDGER_MAX_PAGE_SIZE: '50',
      PATHLEDGER_RATE_LIMIT: '0',
      PATHLEDGER_MAX_BODY_BYTES: '2048',
      PATHLEDGER_SHUTDOWN_TIMEOUT_MS: '500',
      PATHLEDGER_ASN_DB: '/srv/GeoLite2-ASN.mmdb',
      PATHLEDGER_GEO_DB: '/srv/GeoLite2-City.mmdb',
      PATHLEDGER_IPDB_RELOAD_MS: '0',
      PATHLEDGER_RAW_RETENTION_DAYS: '30',
      PATHLEDGER_COORDINATOR_TARGET_BPS: '4000000',
      PATHLEDGER_COORDINATOR_MAX_PEERS: '2',
      PATHLEDGER_SETTLEMENT_GRACE_HOURS: '48',
      PATHLEDGER_WEBHOOK_MAX_ATTEMPTS: '3',
      PATHLEDGER_WEBHOOK_RETRY_BASE_MS: '500',
      PATHLEDGER_WEBHOOK_ALLOW_PRIVATE: 'on',
      PATHLEDGER_SCHEDULER_INTERVAL_MS: '0',
      PATHLEDGER_API_KEY: 'pl_agent_key',
    });
    expect(config).toEqual({
      server: { port: 8080, host: '127.0.0.1', maxBodyBytes: 2048, shutdownTimeoutMs: 500 },
      database: { url: 'postgresql://pathledger:secret@db:5432/pathledger', dataDir: '/var/lib/pathledger', poolSize: 25 },
      demo: false,
      log: { level: 'debug' },
      graphql: { maxDepth: 8, maxCost: 1000, defaultPageSize: 10, maxPageSize: 50 },
      rateLimit: { requestsPerMinute: 0 },
      ipData: { asn: { path: '/srv/GeoLite2-ASN.mmdb', buildIfMissing: false }, geo: { path: '/srv/GeoLite2-City.mmdb' }, reloadIntervalMs: 0 },
      accounting: { rawRetentionDays: 30 },
      coordinator: { targetBps: 4_000_000, maxPeers: 2 },
      reports: { settlementGraceHours: 48, webhookMaxAttempts: 3, webhookRetryBaseMs: 500, webhookAllowPrivate: true, schedulerIntervalMs: 0 },
      cli: { apiKey: 'pl_agent_key' },
    });
  });

  it('treats an empty value as unset and ignores surrounding blanks', () => {
    expect(loadConfig({ PORT: '', DATABASE_URL: '', PATHLEDGER_DEMO: ' ON ' })).toMatchObject({
      server: { port: 4000 },
      database: { url: undefined },
      demo: true,
    });
  });

  it('names the variable, the value and what is allowed', () => {
    expect(failure({ PORT: 'http' })).toBe('PORT="http" is not valid: expected an integer from 0 to 65535 (0 picks a free port)');
    expect(failure({ PORT: '70000' })).toContain('PORT="70000"');
    expect(failure({ PORT: '4000.5' })).toContain('PORT="4000.5"');
    expect(failure({ DATABASE_POOL_SIZE: '0' })).toBe('DATABASE_POOL_SIZE="0" is not valid: expected an integer from 1 to 10000');
    expect(failure({ PATHLEDGER_DEMO: 'maybe' })).toBe('PATHLEDGER_DEMO="maybe" is not valid: expected on or off');
    expect(failure({ LOG_LEVEL: 'verbose' })).toBe(
      'LOG_LEVEL="verbose" is not valid: expected one of fatal, error, warn, info, debug, trace, silent',
    );
    expect(failure({ PATHLEDGER_MAX_QUERY_DEPTH: '-1' })).toBe('PATHLEDGER_MAX_QUERY_DEPTH="-1" is not valid: expected an integer, 1 or more');
    expect(failure({ PATHLEDGER_RATE_LIMIT: 'fast' })).toBe(
      'PATHLEDGER_RATE_LIMIT="fast" is not valid: expected requests per minute, an integer; 0 turns the limit off',
    );
    expect(failure({ PATHLEDGER_MAX_BODY_BYTES: '1mb' })).toBe('PATHLEDGER_MAX_BODY_BYTES="1mb" is not valid: expected a positive integer number of bytes');
    expect(failure({ HOST: 'local host' })).toContain('HOST="local host" is not valid');
  });

  it('accepts only PostgreSQL URLs, and never repeats a password', () => {
    expect(loadConfig({ DATABASE_URL: 'postgres://localhost/pathledger' }).database.url).toBe('postgres://localhost/pathledger');
    const message = failure({ DATABASE_URL: 'mysql://admin:hunter2@db/pathledger' });
    expect(message).toBe(
      'DATABASE_URL="mysql://admin:***@db/pathledger" is not valid: expected a URL starting with postgres:// or postgresql:// (or leave it unset for the embedded database)',
    );
    expect(message).not.toContain('hunter2');
    expect(failure({ DATABASE_URL: 'postgresql://user:pw@host:99999/db' })).toContain('not a well-formed URL');
  });

  it('checks that the default page fits the maximum', () => {
    expect(failure({ PATHLEDGER_DEFAULT_PAGE_SIZE: '200' })).toBe(
      'PATHLEDGER_DEFAULT_PAGE_SIZE=200 is larger than PATHLEDGER_MAX_PAGE_SIZE=100; the default page size must not exceed the maximum',
    );
  });
});

describe('unknownSettings', () => {
  it('points out likely typos under the PATHLEDGER_ prefix', () => {
    expect(unknownSettings({ PATHLEDGER_RATELIMIT: '5', PATHLEDGER_CI_POSTGRES_URL: 'x', PATHLEDGER_DEMO: 'on', PORT: '1' })).toEqual([
      'PATHLEDGER_RATELIMIT is not a PathLedger setting (did you mean PATHLEDGER_RATE_LIMIT?)',
      'PATHLEDGER_CI_POSTGRES_URL is not a PathLedger setting',
    ]);
  });
});

describe('describeDatabase', () => {
  it('says where the data is without the password', () => {
    expect(describeDatabase(loadConfig({}))).toBe('the embedded database in ./data');
    expect(describeDatabase(loadConfig({ DATABASE_URL: 'postgresql://app:hunter2@db.internal:5433/ledger' }))).toBe(
      'PostgreSQL at db.internal:5433/ledger',
    );
  });
});
