import { Writable } from 'node:stream';
import { buildSchema, type GraphQLFieldResolver, type GraphQLSchema } from 'graphql';
import { afterEach, describe, expect, it } from 'vitest';
import type { Principal } from '../../src/auth/principal.ts';
import { loadConfig } from '../../src/config.ts';
import type { PoolStats } from '../../src/db/database.ts';
import { unauthenticated } from '../../src/graphql/errors.ts';
import { createHttpServer, listen, ListenError, type HttpServer } from '../../src/http/server.ts';
import { createLogger } from '../../src/observability/logger.ts';
import { createMetrics } from '../../src/observability/metrics.ts';

const GOOD_KEY = 'pl_good_key_for_tests';
const principal: Principal = { keyId: 'key-1', keyName: 'tester', role: 'ADMIN', organizationId: null };

interface TestContext {
  principal: Principal | null;
  requestId: string;
}

/** Lets a test hold the `slow` resolver until it chooses to release it. */
class Gate {
  started!: () => void;
  release!: () => void;
  readonly whenStarted = new Promise<void>((resolve) => (this.started = resolve));
  readonly released = new Promise<void>((resolve) => (this.release = resolve));
}

function testSchema(gate: () => Gate): GraphQLSchema {
  const schema = buildSchema(`
    type Query {
      hello: String!
      me: String!
      requestId: String!
      slow: String!
      boom: String
      deep: Deep
      organizations(first: Int): OrganizationConnection!
    }
    type Mutation { touch: Boolean! }
    type Deep { deep: Deep, name: String! }
    type OrganizationConnection { edges: [OrganizationEdge!]!, totalCount: Int! }
    type OrganizationEdge { node: Organization! }
    type Organization { name: String! }
  `);
  const resolvers: Record<string, Record<string, GraphQLFieldResolver<unknown, TestContext>>> = {
    Query: {
      hello: () => 'world',
      me: (_parent, _args, context) => {
        if (!context.principal) throw unauthenticated();
        return context.principal.keyName;
      },
      requestId: (_parent, _args, context) => context.requestId,
      slow: async () => {
        const current = gate();
        current.started();
        await current.released;
        return 'done';
      },
      boom: () => {
        throw new Error('connect ECONNREFUSED 10.0.0.5:5432');
      },
      organizations: () => ({ edges: [{ node: { name: 'SP1' } }], totalCount: 1 }),
    },
    Mutation: { touch: () => true },
  };
  for (const [typeName, fields] of Object.entries(resolvers)) {
    const type = schema.getType(typeName);
    if (!type || !('getFields' in type)) throw new Error(typeName);
    const definitions = type.getFields();
    for (const [name, resolve] of Object.entries(fields)) {
      const field = definitions[name];
      if (!field || !('resolve' in field)) throw new Error(`${typeName}.${name}`);
      field.resolve = resolve as GraphQLFieldResolver<unknown, unknown>;
    }
  }
  return schema;
}

interface Harness {
  url: string;
  http: HttpServer;
  logs: Record<string, unknown>[];
  gate: Gate;
  clock: { now: number };
  db: { ping: () => Promise<void>; poolStats: () => PoolStats | null };
}

const running: HttpServer[] = [];
afterEach(async () => {
  await Promise.all(running.splice(0).map((server) => server.close()));
});

async function start(env: NodeJS.ProcessEnv = {}, db: Partial<Harness['db']> = {}): Promise<Harness> {
  const config = loadConfig({
    PATHLEDGER_RATE_LIMIT: '0',
    PATHLEDGER_MAX_BODY_BYTES: '2048',
    PATHLEDGER_MAX_QUERY_DEPTH: '4',
    PATHLEDGER_MAX_QUERY_COST: '100',
    PATHLEDGER_DEFAULT_PAGE_SIZE: '10',
    PATHLEDGER_SHUTDOWN_TIMEOUT_MS: '5000',
    LOG_LEVEL: 'debug',
    ...env,
  });
  const logs: Record<string, unknown>[] = [];
  const destination = new Writable({
    write(chunk: Buffer, _encoding, done) {
      for (const line of chunk.toString('utf8').split('\n')) if (line) logs.push(JSON.parse(line) as Record<string, unknown>);
      done();
    },
  });
  const harness = {
    logs,
    gate: new Gate(),
    clock: { now: 1_000_000 },
    db: { ping: async () => {}, poolStats: (): PoolStats | null => ({ total: 3, idle: 2, waiting: 1 }), ...db },
  };
  const http = await createHttpServer({
    config,
    logger: createLogger(config, destination),
    metrics: createMetrics(),
    schema: testSchema(() => harness.gate),
    db: { ping: () => harness.db.ping(), poolStats: () => harness.db.poolStats() },
    authenticate: async (token) => (token === GOOD_KEY ? principal : null),
    createContext: ({ principal, requestId }): TestContext => ({ principal, requestId }),
    now: () => harness.clock.now,
  });
  running.push(http);
  const { url } = await listen(http, 0, '127.0.0.1');
  return { ...harness, url, http };
}

interface GraphQLBody {
  data?: Record<string, unknown> | null;
  errors?: { message: string; extensions?: Record<string, unknown> }[];
  extensions?: Record<string, unknown>;
}

async function post(url: string, body: unknown, headers: Record<string, string> = {}) {
  const response = await fetch(`${url}/graphql`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: JSON.stringify(body),
  });
  return { response, body: (await response.json()) as GraphQLBody };
}

describe('POST and GET /graphql', () => {
  it('answers a POSTed query, with its cost and a request id', async () => {
    const { url } = await start();
    const { response, body } = await post(url, { query: 'query Hello { hello }' });
    expect(response.status).toBe(200);
    expect(body.data).toEqual({ hello: 'world' });
    expect(body.extensions).toEqual({ cost: { requested: 1, limit: 100 } });
    expect(response.headers.get('x-request-id')).toMatch(/^[0-9a-f-]{36}$/);
  });

  it('echoes a request id it is given, and passes it to the context', async () => {
    const { url } = await start();
    const { response, body } = await post(url, { query: '{ requestId }' }, { 'x-request-id': 'edge-42' });
    expect(response.headers.get('x-request-id')).toBe('edge-42');
    expect(body.data).toEqual({ requestId: 'edge-42' });
  });

  it('answers a GET query that is safe from CSRF', async () => {
    const { url } = await start();
    const query = encodeURIComponent('{ hello }');
    const ok = await fetch(`${url}/graphql?query=${query}`, { headers: { 'apollo-require-preflight': 'true' } });
    expect(ok.status).toBe(200);
    expect(await ok.json()).toMatchObject({ data: { hello: 'world' } });

    const blocked = await fetch(`${url}/graphql?query=${query}`);
    expect(blocked.status).toBe(400);
    expect(((await blocked.json()) as GraphQLBody).errors?.[0]?.message).toMatch(/Cross-Site Request Forgery/);
  });

  it('refuses a mutation over GET', async () => {
    const { url } = await start();
    const response = await fetch(`${url}/graphql?query=${encodeURIComponent('mutation { touch }')}`, {
      headers: { 'content-type': 'application/json' },
    });
    expect(response.status).toBe(405);
    expect(response.headers.get('allow')).toBe('POST');
  });

  it('says 400 to a body that is not JSON, and 404 off the API', async () => {
    const { url } = await start();
    const response = await fetch(`${url}/graphql`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"query":' });
    expect(response.status).toBe(400);
    expect(((await response.json()) as GraphQLBody).errors?.[0]?.extensions?.code).toBe('BAD_REQUEST');
    expect((await fetch(`${url}/nothing`)).status).toBe(404);
  });

  it('masks unexpected errors and logs them in full', async () => {
    const { url, logs } = await start();
    const { response, body } = await post(url, { query: '{ boom }' }, { 'x-request-id': 'req-boom' });
    expect(response.status).toBe(200);
    expect(body.errors).toEqual([
      expect.objectContaining({ message: 'internal error, request id req-boom', extensions: { code: 'INTERNAL_SERVER_ERROR', requestId: 'req-boom' } }),
    ]);
    expect(JSON.stringify(body)).not.toContain('10.0.0.5');
    const logged = logs.find((line) => line.msg === 'unexpected error in a GraphQL request');
    expect(logged).toMatchObject({ requestId: 'req-boom', err: { message: 'connect ECONNREFUSED 10.0.0.5:5432' } });
  });
});

describe('authentication', () => {
  it('gives a valid key its principal', async () => {
    const { url } = await start();
    const { body } = await post(url, { query: '{ me }' }, { authorization: `Bearer ${GOOD_KEY}` });
    expect(body.data).toEqual({ me: 'tester' });
  });

  it('refuses an unknown or revoked key with 401 before GraphQL runs', async () => {
    const { url } = await start();
    const { response, body } = await post(url, { query: '{ hello }' }, { authorization: 'Bearer pl_not_a_key' });
    expect(response.status).toBe(401);
    expect(response.headers.get('www-authenticate')).toBe('Bearer error="invalid_token"');
    expect(body).toEqual({ errors: [{ message: 'The API key is not valid or was revoked.', extensions: { code: 'UNAUTHENTICATED' } }] });
  });

  it('refuses an Authorization header that is not a bearer token', async () => {
    const { url } = await start();
    const { response, body } = await post(url, { query: '{ hello }' }, { authorization: 'Basic dXNlcjpwdw==' });
    expect(response.status).toBe(401);
    expect(body.errors?.[0]?.extensions?.code).toBe('UNAUTHENTICATED');
  });

  it('leaves requests without a key to the resolvers', async () => {
    const { url } = await start();
    expect((await post(url, { query: '{ hello }' })).body.data).toEqual({ hello: 'world' });
    const { body } = await post(url, { query: '{ me }' });
    expect(body.errors?.[0]?.extensions?.code).toBe('UNAUTHENTICATED');
  });
});

describe('limits', () => {
  it('refuses a query deeper than the limit', async () => {
    const { url } = await start();
    expect((await post(url, { query: '{ deep { deep { deep { name } } } }' })).response.status).toBe(200);
    const { response, body } = await post(url, { query: '{ deep { deep { deep { deep { name } } } } }' });
    expect(response.status).toBe(400);
    expect(body.errors?.[0]).toMatchObject({
      message: 'The query is 5 levels deep, deeper than the limit of 4.',
      extensions: { code: 'QUERY_TOO_DEEP', depth: 5, limit: 4 },
    });
  });

  it('refuses a query costlier than the limit, pricing first from the variables', async () => {
    const { url } = await start();
    const query = 'query Orgs($n: Int) { organizations(first: $n) { edges { node { name } } } }';
    const cheap = await post(url, { query, variables: { n: 30 } });
    expect(cheap.body.extensions).toEqual({ cost: { requested: 91, limit: 100 } });
    const { response, body } = await post(url, { query, variables: { n: 40 } });
    expect(response.status).toBe(400);
    expect(body.data).toBeUndefined();
    expect(body.errors?.[0]?.extensions).toMatchObject({ code: 'QUERY_TOO_COSTLY', cost: 121, limit: 100 });
    expect(body.errors?.[0]?.message).toContain('121');
    expect(body.extensions).toEqual({ cost: { requested: 121, limit: 100 } });
  });

  it('refuses a body over the size limit with 413', async () => {
    const { url } = await start();
    const { response, body } = await post(url, { query: `{ hello } # ${'x'.repeat(3000)}` });
    expect(response.status).toBe(413);
    expect(body.errors?.[0]).toEqual({
      message: 'The request body is larger than the limit of 2048 bytes (PATHLEDGER_MAX_BODY_BYTES).',
      extensions: { code: 'PAYLOAD_TOO_LARGE' },
    });
  });

  it('refuses a body that grows past the limit without announcing its length', async () => {
    const { url } = await start();
    const chunks = [JSON.stringify({ query: '{ hello }' }).slice(0, -1), `, "x": "${'y'.repeat(3000)}"}`];
    const stream = new ReadableStream<Uint8Array>({
      start(controller) {
        for (const chunk of chunks) controller.enqueue(new TextEncoder().encode(chunk));
        controller.close();
      },
    });
    const response = await fetch(`${url}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: stream,
      duplex: 'half',
    } as RequestInit);
    expect(response.status).toBe(413);
  });

  it('limits requests per key and per address, with the draft RateLimit fields', async () => {
    const { url, clock } = await start({ PATHLEDGER_RATE_LIMIT: '2' });
    const first = await post(url, { query: '{ hello }' });
    expect(first.response.headers.get('ratelimit-policy')).toBe('"default";q=2;w=60');
    expect(first.response.headers.get('ratelimit')).toBe('"default";r=1;t=30');
    await post(url, { query: '{ hello }' });
    const refused = await post(url, { query: '{ hello }' });
    expect(refused.response.status).toBe(429);
    expect(refused.response.headers.get('retry-after')).toBe('30');
    expect(refused.response.headers.get('ratelimit')).toBe('"default";r=0;t=60');
    expect(refused.body.errors?.[0]?.extensions).toEqual({ code: 'RATE_LIMITED', retryAfterSeconds: 30 });

    // A key has a bucket of its own, apart from its address.
    expect((await post(url, { query: '{ hello }' }, { authorization: `Bearer ${GOOD_KEY}` })).response.status).toBe(200);

    clock.now += 30_000;
    expect((await post(url, { query: '{ hello }' })).response.status).toBe(200);
  });

  it('sends no RateLimit fields when the limit is off', async () => {
    const { url } = await start({ PATHLEDGER_RATE_LIMIT: '0' });
    const { response } = await post(url, { query: '{ hello }' });
    expect(response.headers.has('ratelimit')).toBe(false);
  });
});

describe('/healthz', () => {
  it('says ok when the database answers', async () => {
    const { url } = await start();
    const response = await fetch(`${url}/healthz`);
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ status: 'ok' });
  });

  it('says 503 when the ping fails', async () => {
    const { url } = await start({}, { ping: async () => Promise.reject(new Error('connection refused')) });
    const response = await fetch(`${url}/healthz`);
    expect(response.status).toBe(503);
    expect(await response.json()).toEqual({ status: 'unavailable', reason: 'the database did not answer' });
  });

  it('says 503 when the ping takes longer than a second', async () => {
    const { url } = await start({}, { ping: () => new Promise(() => {}) });
    const started = Date.now();
    const response = await fetch(`${url}/healthz`);
    expect(response.status).toBe(503);
    expect(Date.now() - started).toBeGreaterThanOrEqual(900);
  });
});

describe('/metrics', () => {
  it('exposes the GraphQL, HTTP, pool and process metrics', async () => {
    const { url } = await start();
    await post(url, { query: 'query Hello { hello }' });
    await post(url, { query: '{ boom }' });
    await post(url, { query: '{ deep { deep { deep { deep { name } } } } }' });
    const response = await fetch(`${url}/metrics`);
    expect(response.headers.get('content-type')).toMatch(/^text\/plain/);
    const text = await response.text();
    expect(text).toContain('pathledger_graphql_requests_total{operation="Hello",type="query"} 1');
    expect(text).toContain('pathledger_graphql_requests_total{operation="anonymous",type="query"} 1');
    expect(text).toContain('pathledger_graphql_requests_total{operation="anonymous",type="unknown"} 1');
    expect(text).toContain('pathledger_graphql_errors_total{operation="anonymous",code="INTERNAL_SERVER_ERROR"} 1');
    expect(text).toContain('pathledger_graphql_errors_total{operation="anonymous",code="QUERY_TOO_DEEP"} 1');
    expect(text).toMatch(/pathledger_graphql_request_duration_seconds_count\{operation="Hello"\} 1/);
    expect(text).toContain('pathledger_http_requests_total{route="/graphql",method="POST",status="200"} 2');
    expect(text).toContain('pathledger_db_pool_connections 3');
    expect(text).toContain('pathledger_db_pool_idle_connections 2');
    expect(text).toContain('pathledger_db_pool_waiting_clients 1');
    expect(text).toContain('process_cpu_user_seconds_total');
  });

  it('has no pool gauges for a database without a pool', async () => {
    const { url } = await start({}, { poolStats: () => null });
    expect(await (await fetch(`${url}/metrics`)).text()).not.toContain('pathledger_db_pool');
  });
});

describe('logging', () => {
  it('logs each request with its id, operation and key id, never the key', async () => {
    const { url, logs } = await start();
    await post(url, { query: 'query Me { me }' }, { authorization: `Bearer ${GOOD_KEY}`, 'x-request-id': 'req-log' });
    const line = logs.find((entry) => entry.msg === 'request' && entry.requestId === 'req-log');
    expect(line).toMatchObject({ level: 'info', method: 'POST', path: '/graphql', status: 200, operation: 'Me', keyId: 'key-1' });
    expect(typeof line?.durationMs).toBe('number');
    expect(JSON.stringify(logs)).not.toContain(GOOD_KEY);
  });
});

describe('listen and close', () => {
  it('says which port is taken', async () => {
    const { url } = await start();
    const port = Number(new URL(url).port);
    const second = await createHttpServerLike();
    await expect(listen(second, port, '127.0.0.1')).rejects.toThrow(new ListenError(`port ${port} is already in use; set PORT to another`));
  });

  it('lets a request in flight finish, and refuses new connections meanwhile', async () => {
    const { url, http, gate } = await start();
    const inFlight = post(url, { query: '{ slow }' });
    await gate.whenStarted;
    let closed = false;
    const closing = http.close().then(() => (closed = true));
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(closed).toBe(false);
    await expect(fetch(`${url}/healthz`)).rejects.toThrow();
    gate.release();
    const { response, body } = await inFlight;
    expect(response.status).toBe(200);
    expect(body.data).toEqual({ slow: 'done' });
    await closing;
    expect(closed).toBe(true);
  });

  it('cuts off requests still in flight at the shutdown timeout', async () => {
    const { url, http, gate } = await start({ PATHLEDGER_SHUTDOWN_TIMEOUT_MS: '100' });
    const inFlight = post(url, { query: '{ slow }' });
    await gate.whenStarted;
    const started = Date.now();
    await http.close();
    expect(Date.now() - started).toBeLessThan(2000);
    await expect(inFlight).rejects.toThrow();
    gate.release();
  });
});

/** A second server for the port test; it never listens, so closing it is immediate. */
async function createHttpServerLike(): Promise<HttpServer> {
  const config = loadConfig({ LOG_LEVEL: 'silent' });
  const server = await createHttpServer({
    config,
    logger: createLogger(config),
    metrics: createMetrics(),
    schema: testSchema(() => new Gate()),
    db: { ping: async () => {}, poolStats: () => null },
    authenticate: async () => null,
    createContext: () => ({}),
  });
  running.push(server);
  return server;
}
