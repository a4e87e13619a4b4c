// The API under test, in process, over real HTTP, on a database of its own (see database.ts).
import { serveDatabase, type Services } from '../../src/app.ts';
import { CounterJournal } from '../../src/accounting/counter-journal.ts';
import { createApiKey } from '../../src/auth/api-keys.ts';
import { loadConfig, type Config } from '../../src/config.ts';
import type { ApiKeyRole } from '../../src/generated/prisma/enums.ts';
import { listen } from '../../src/http/server.ts';
import { createLogger } from '../../src/observability/logger.ts';
import { createTestDatabase, type TestDatabase } from './database.ts';
import { openTestIpData } from './ip-data.ts';

/** Parsed JSON of a GraphQL response; tests read it freely. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Json = any;

export interface GraphQLResult {
  status: number;
  headers: Headers;
  data: Json;
  errors?: { message: string; extensions: { code: string; [key: string]: unknown } }[];
}

export interface TestApi {
  db: TestDatabase;
  /** The server's own services (coordinator, counter journal…), for what the API does not reach. */
  services: Services;
  url: string;
  adminKey: string;
  /** SQL statements sent since the last reset. */
  statements: { count: number; log: string[]; reset(): void };
  gql(query: string, variables?: Record<string, unknown>, key?: string | null): Promise<GraphQLResult>;
  /** `gql` with the admin key. */
  admin(query: string, variables?: Record<string, unknown>): Promise<GraphQLResult>;
  /** Folds what the server's counter journal holds, as its traffic queries do before reading; how many entries. */
  settle(): Promise<number>;
  /** A new key of this role (scoped to `organization` for PARTNER, AGENT, VIEWER). */
  keyFor(role: ApiKeyRole, organization?: string): Promise<string>;
  close(): Promise<void>;
}

/** The server as `npm start` builds it, on port 0; `env` overrides settings (limits, rate). */
export async function startTestApi(env: NodeJS.ProcessEnv = {}): Promise<TestApi> {
  const statements = { count: 0, log: [] as string[], reset() { this.count = 0; this.log = []; } };
  // The once-a-minute lastUsedAt write of a key is bookkeeping outside the request's work: on a
  // slow machine it lands in whichever request comes a minute later, so it is not counted.
  const isKeyTouch = (sql: string) => sql.includes('UPDATE') && sql.includes('"lastUsedAt"');
  const db = await createTestDatabase({ onQuery: (sql) => { if (isKeyTouch(sql)) return; statements.count++; statements.log.push(sql); } });
  const config: Config = loadConfig({ PORT: '0', HOST: '127.0.0.1', LOG_LEVEL: 'silent', PATHLEDGER_RATE_LIMIT: '0', PATHLEDGER_SCHEDULER_INTERVAL_MS: '0', ...env });
  const ipData = await openTestIpData();
  const server = await serveDatabase(db, config, createLogger(config), ipData);
  const url = `${(await listen(server, 0, '127.0.0.1')).url}/graphql`;

  let closing: Promise<void> | undefined;
  const gql = async (query: string, variables: Record<string, unknown> = {}, key: string | null = null): Promise<GraphQLResult> => {
    const response = await fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...(key ? { authorization: `Bearer ${key}` } : {}) },
      body: JSON.stringify({ query, variables }),
    });
    const body = (await response.json()) as { data?: Json; errors?: GraphQLResult['errors'] };
    return { status: response.status, headers: response.headers, data: body.data ?? null, errors: body.errors };
  };
  const keyFor = async (role: ApiKeyRole, organization?: string) =>
    (await createApiKey(db.prisma, { name: `test ${role}`, role, organizationSlug: organization })).key;
  const adminKey = await keyFor('ADMIN');

  return {
    db,
    services: server.services,
    url,
    adminKey,
    statements,
    gql,
    admin: (query, variables) => gql(query, variables, adminKey),
    keyFor,
    settle: () => new CounterJournal(db.sql).settle(),
    // Once, however often called: a test may stop the server itself before afterAll does.
    close: () =>
      (closing ??= (async () => {
        await server.close();
        ipData.close();
        await db.drop();
      })()),
  };
}
