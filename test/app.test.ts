// The whole start-up on a database of its own: migrations, the demo world and its ADMIN key,
// the API answering with that key, and a clean close.
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { startPathLedger, type PathLedger } from '../src/app.ts';
import { loadConfig, type Config } from '../src/config.ts';
import { quoteIdentifier, runOnOwnConnection, withDatabase } from '../src/db/adapters.ts';
import { createLogger } from '../src/observability/logger.ts';

const serverUrl = process.env.DATABASE_URL;
const databaseName = `pathledger_test_${randomBytes(6).toString('hex')}`;

function testConfig(env: NodeJS.ProcessEnv = {}): Config {
  return loadConfig({
    PORT: '0',
    HOST: '127.0.0.1',
    LOG_LEVEL: 'silent',
    PATHLEDGER_DATA_DIR: 'memory://',
    PATHLEDGER_ASN_DB: inject('asnDatabase'),
    ...(serverUrl ? { DATABASE_URL: withDatabase(serverUrl, databaseName) } : {}),
    ...env,
  });
}

describe(`startPathLedger (${serverUrl ? 'PostgreSQL' : 'PGlite'})`, () => {
  let app: PathLedger;
  const printed: string[] = [];

  beforeAll(async () => {
    if (serverUrl) await runOnOwnConnection(serverUrl, `CREATE DATABASE ${quoteIdentifier(databaseName)}`);
    const config = testConfig();
    app = await startPathLedger(config, createLogger(config), { print: (text) => printed.push(text) });
  });

  afterAll(async () => {
    await app?.close();
    if (serverUrl) await runOnOwnConnection(serverUrl, `DROP DATABASE IF EXISTS ${quoteIdentifier(databaseName)} WITH (FORCE)`);
  });

  it('loads the demo world into the empty database and shows its ADMIN key once, with a curl line', async () => {
    expect(printed).toHaveLength(1);
    const key = /Bearer (pl_\S+)'/.exec(printed[0] ?? '')?.[1];
    expect(key).toBeDefined();
    expect(printed[0]).toContain(`curl -s ${app.url}/graphql -H 'Authorization: Bearer ${key}'`);

    const response = await fetch(`${app.url}/graphql`, {
      method: 'POST',
      headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
      body: JSON.stringify({ query: '{ me { role } }' }),
    });
    expect(await response.json()).toMatchObject({ data: { me: { role: 'ADMIN' } } });
  });

  it('is healthy', async () => {
    const response = await fetch(`${app.url}/healthz`);
    expect(response.status).toBe(200);
  });
});
