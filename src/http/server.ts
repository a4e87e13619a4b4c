// The HTTP face of PathLedger, on plain node:http: /graphql through Apollo Server's integration
// API (executeHTTPGraphQLRequest) and, upgraded to WebSocket, for subscriptions (subscriptions.ts);
// /ingest for streams of transfers (the handler is passed in), /healthz for load balancers and
// /metrics for Prometheus. Everything it needs is passed in, so tests can serve any schema with a
// fake database.
import { randomUUID } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Duplex } from 'node:stream';
import { ApolloServer, HeaderMap, type ApolloServerPlugin, type BaseContext, type HTTPGraphQLResponse } from '@apollo/server';
import {
  ApolloServerPluginCacheControlDisabled,
  ApolloServerPluginLandingPageDisabled,
  ApolloServerPluginSchemaReportingDisabled,
  ApolloServerPluginUsageReportingDisabled,
} from '@apollo/server/plugin/disabled';
import type { GraphQLSchema } from 'graphql';
import type { Principal } from '../auth/principal.ts';
import type { Config } from '../config.ts';
import type { Database } from '../db/database.ts';
import { ErrorCode, UnreachableCaseError, apiError } from '../graphql/errors.ts';
import { depthLimitRule } from '../graphql/limits/depth.ts';
import { formatError } from '../graphql/format-error.ts';
import { metricsPlugin } from '../graphql/plugins/metrics.ts';
import { queryCostPlugin } from '../graphql/plugins/query-cost.ts';
import type { Logger } from '../observability/logger.ts';
import type { Metrics } from '../observability/metrics.ts';
import { bearerToken } from './bearer.ts';
import { RateLimiter, rateLimitHeaders } from './rate-limit.ts';
import { createSubscriptionServer } from './subscriptions.ts';

export interface HttpServerDeps {
  config: Pick<Config, 'server' | 'graphql' | 'rateLimit'>;
  logger: Logger;
  metrics: Metrics;
  schema: GraphQLSchema;
  db: Pick<Database, 'ping' | 'poolStats'>;
  /** The principal behind an API key, or null for an unknown or revoked one. */
  authenticate(token: string): Promise<Principal | null>;
  /** The GraphQL context of one request, or of one subscription (which says how to check its key again). */
  createContext(args: { principal: Principal | null; requestId: string; keyStillValid?: () => Promise<boolean> }): object;
  /** Milliseconds, for the rate limiter; injectable for tests. */
  now?: () => number;
  /** Plugins of the application's own (the HTTP server's are always there). */
  plugins?: ApolloServerPlugin[];
  /** POST /ingest, for a request whose key was checked; without it /ingest is not served. */
  ingest?: (request: IngestRequest) => Promise<IngestResult>;
}

/** What POST /ingest is handed: an authenticated request whose body is still unread. */
export interface IngestRequest {
  principal: Principal;
  request: http.IncomingMessage;
  query: URLSearchParams;
  requestId: string;
  /** To call right before reading the body: a client waiting on `Expect: 100-continue` starts sending. */
  readyForBody(): void;
}

/** How an ingest ended; the server writes the response. */
export type IngestResult =
  | { kind: 'done'; body: unknown }
  | { kind: 'refused'; status: number; code: ErrorCode; message: string; extensions?: Record<string, unknown> }
  /** The client went away: there is nobody to answer. */
  | { kind: 'aborted' };

export interface HttpServer {
  readonly server: http.Server;
  /**
   * Stops accepting connections, lets requests in flight finish (for at most the configured
   * shutdown timeout, after which their connections are cut) and stops Apollo Server.
   */
  close(): Promise<void>;
}

/** Listening failed for a reason the operator can act on; the message is one line saying how. */
export class ListenError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'ListenError';
  }
}

/** What the log line of a request says, filled in as the request goes along. */
interface RequestState {
  requestId: string;
  operationName?: string;
  keyId?: string;
  /** The client sent `Expect: 100-continue` and has not been told to go on yet. */
  awaitingContinue: boolean;
}

type Route = '/graphql' | '/ingest' | '/healthz' | '/metrics' | 'other';

const HEALTH_TIMEOUT_MS = 1000;
/**
 * How long a request other than /ingest may take to arrive in full: Node's own `requestTimeout`
 * (whose default this is) covers every route alike, and an ingest stream may rightly last hours,
 * so the server turns Node's off and applies it here per route.
 */
const REQUEST_TIMEOUT_MS = 300_000;
const JSON_TYPE = 'application/json; charset=utf-8';
const KNOWN_METHODS = new Set(['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS']);

export async function createHttpServer(deps: HttpServerDeps): Promise<HttpServer> {
  const { config, logger, metrics, db } = deps;
  // Apollo calls formatError without the request; requestStatePlugin notes each error's request id here.
  const errorRequestIds = new WeakMap<object, string>();
  const limiter =
    config.rateLimit.requestsPerMinute > 0
      ? new RateLimiter({ requestsPerMinute: config.rateLimit.requestsPerMinute, ...(deps.now ? { now: deps.now } : {}) })
      : null;
  metrics.observeDatabasePool(() => db.poolStats());

  const apollo = new ApolloServer<BaseContext>({
    schema: deps.schema,
    logger: logger.child({ component: 'apollo' }),
    introspection: true,
    includeStacktraceInErrorResponses: false,
    // On by default; stated because it is why a GET query must carry `Content-Type:
    // application/json` or `apollo-require-preflight: true` (a browser cannot send either
    // cross-site without a preflight).
    csrfPrevention: true,
    // main.ts owns the signals and shuts down in order; Apollo's own handlers would race it.
    stopOnTerminationSignals: false,
    validationRules: [depthLimitRule(config.graphql.maxDepth)],
    formatError: (formatted, error) => formatError(formatted, error, typeof error === 'object' && error !== null ? errorRequestIds.get(error) : undefined, logger),
    plugins: [
      queryCostPlugin({ maxCost: config.graphql.maxCost, defaultPageSize: config.graphql.defaultPageSize }),
      metricsPlugin(metrics),
      requestStatePlugin(errorRequestIds),
      // No page on GET /graphql from a browser (Apollo's loads its sandbox from a CDN), and no
      // traces to Apollo's cloud even if APOLLO_KEY happens to be in the environment.
      ApolloServerPluginLandingPageDisabled(),
      // Cache hints are for a CDN in front of the API; every answer here is per key and no-store,
      // and the plugin's hook on every field resolved costs each request for nothing.
      ApolloServerPluginCacheControlDisabled(),
      ApolloServerPluginUsageReportingDisabled(),
      ApolloServerPluginSchemaReportingDisabled(),
      ...(deps.plugins ?? []),
    ],
  });
  await apollo.start();

  let draining = false;
  let inFlight = 0;
  let onDrained: (() => void) | undefined;

  const serve = (req: http.IncomingMessage, res: http.ServerResponse, awaitingContinue: boolean) => {
    inFlight++;
    res.on('close', () => {
      inFlight--;
      if (inFlight === 0) onDrained?.();
    });
    const state: RequestState = { requestId: requestIdOf(req.headers['x-request-id']), awaitingContinue };
    // A client still holding its body back must not reuse the connection after an answer without
    // it: what it might send next is that body, not a request. readyForBody takes this back.
    if (awaitingContinue) res.setHeader('connection', 'close');
    handle(req, res, state).catch((error: unknown) => {
      logger.error({ err: error, requestId: state.requestId }, 'request failed');
      if (!res.headersSent) {
        sendError(res, ErrorCode.INTERNAL_SERVER_ERROR, `internal error, request id ${state.requestId}`, {}, 500);
      } else {
        res.destroy();
      }
    });
  };
  const server = http.createServer({ requestTimeout: 0 }, (req, res) => serve(req, res, false));
  // Subscriptions, when the schema has them: WebSocket upgrades of /graphql (subscriptions.ts).
  const subscriptions = deps.schema.getSubscriptionType()
    ? createSubscriptionServer({
        schema: deps.schema,
        logger,
        limits: { maxDepth: config.graphql.maxDepth, maxCost: config.graphql.maxCost, defaultPageSize: config.graphql.defaultPageSize },
        maxMessageBytes: config.server.maxBodyBytes,
        authenticate: deps.authenticate,
        createContext: deps.createContext,
      })
    : null;
  if (subscriptions) metrics.observeSubscriptions(() => subscriptions.connections);
  server.on('upgrade', (req: http.IncomingMessage, socket: Duplex, head: Buffer) => {
    const refuse = (status: string) => {
      socket.end(`HTTP/1.1 ${status}\r\nConnection: close\r\nContent-Length: 0\r\n\r\n`);
    };
    if (draining) return refuse('503 Service Unavailable');
    if (!subscriptions || routeOf(parseUrl(req.url).pathname) !== '/graphql') return refuse('404 Not Found');
    // Each connection checks a key: opening them counts against the address's rate like requests do.
    if (limiter && !limiter.take(`ip:${clientAddress(req)}`).allowed) return refuse('429 Too Many Requests');
    subscriptions.upgrade(req, socket, head);
  });
  // Answered by the route once it knows it wants the body: a refused request (a bad key, a body
  // over the limit) is refused before the client sends it.
  server.on('checkContinue', (req: http.IncomingMessage, res: http.ServerResponse) => serve(req, res, true));

  async function handle(req: http.IncomingMessage, res: http.ServerResponse, state: RequestState): Promise<void> {
    const started = process.hrtime.bigint();
    const method = methodOf(req);
    const url = parseUrl(req.url);
    const route = routeOf(url.pathname);
    res.setHeader('x-request-id', state.requestId);
    if (route !== '/ingest') limitRequestTime(req, res);
    // Keep-alive would hold the connection open past the shutdown.
    if (draining) res.setHeader('connection', 'close');
    res.on('close', () => {
      // 499, as nginx logs it: the client went away before the response was complete.
      const status = res.writableFinished ? res.statusCode : 499;
      metrics.httpRequests.inc({ route, method: KNOWN_METHODS.has(method) ? method : 'other', status: String(status) });
      // Probes and scrapes arrive every few seconds; at info they would drown the API's lines.
      const level = route === '/graphql' || route === '/ingest' || route === 'other' ? 'info' : 'debug';
      logger[level](
        {
          requestId: state.requestId,
          method,
          // The path only: a GET query string carries the query and its variables.
          path: url.pathname,
          status,
          durationMs: Math.round(Number(process.hrtime.bigint() - started) / 1e4) / 100,
          ...(state.operationName ? { operation: state.operationName } : {}),
          ...(state.keyId ? { keyId: state.keyId } : {}),
        },
        'request',
      );
    });

    switch (route) {
      case '/graphql':
        if (method !== 'GET' && method !== 'POST') return sendError(res, ErrorCode.BAD_REQUEST, `${method} is not supported here: use GET or POST.`, { allow: 'GET, POST' }, 405);
        return graphql(req, res, url, state);
      case '/ingest':
        if (!deps.ingest) return sendError(res, ErrorCode.NOT_FOUND, `Nothing at ${url.pathname}: the API is at /graphql.`, {}, 404);
        if (method !== 'POST') return sendError(res, ErrorCode.BAD_REQUEST, `${method} is not supported here: use POST.`, { allow: 'POST' }, 405);
        return ingest(deps.ingest, req, res, url, state);
      case '/healthz':
        if (method !== 'GET') return sendError(res, ErrorCode.BAD_REQUEST, `${method} is not supported here: use GET.`, { allow: 'GET' }, 405);
        return health(res);
      case '/metrics': {
        if (method !== 'GET') return sendError(res, ErrorCode.BAD_REQUEST, `${method} is not supported here: use GET.`, { allow: 'GET' }, 405);
        const { contentType, body } = await metrics.render();
        res.writeHead(200, { 'content-type': contentType, 'cache-control': 'no-store' });
        res.end(body);
        return;
      }
      case 'other':
        return sendError(res, ErrorCode.NOT_FOUND, `Nothing at ${url.pathname}: the API is at /graphql.`, {}, 404);
    }
  }

  /**
   * The key's principal (null when the request has none), after the rate limit; undefined when
   * the request was refused and answered here (closing the connection when `closeUnread` and the
   * body is still on its way).
   */
  async function authorize(req: http.IncomingMessage, res: http.ServerResponse, state: RequestState, closeUnread = false): Promise<Principal | null | undefined> {
    const credentials = bearerToken(req.headers.authorization);
    const principal = credentials.kind === 'token' ? await deps.authenticate(credentials.token) : null;
    if (principal) state.keyId = principal.keyId;

    // Before the 401 below, so that guessing keys from one address is limited like anything else.
    if (limiter) {
      const decision = limiter.take(principal ? `key:${principal.keyId}` : `ip:${clientAddress(req)}`);
      for (const [name, value] of Object.entries(rateLimitHeaders(limiter.limit, decision))) res.setHeader(name, value);
      if (!decision.allowed) {
        sendError(
          res,
          ErrorCode.RATE_LIMITED,
          `Rate limit of ${limiter.limit} requests per minute exceeded; retry in ${decision.retryAfterSeconds} s.`,
          closeUnread ? unreadBody(req) : {},
          undefined,
          { retryAfterSeconds: decision.retryAfterSeconds },
        );
        return undefined;
      }
    }

    if (credentials.kind === 'malformed' || (credentials.kind === 'token' && !principal)) {
      const message =
        credentials.kind === 'malformed'
          ? 'The Authorization header must be `Bearer <API key>`.'
          : 'The API key is not valid or was revoked.';
      // RFC 6750 §3: the scheme a client should use, and that the token it sent was the problem.
      sendError(res, ErrorCode.UNAUTHENTICATED, message, { 'www-authenticate': 'Bearer error="invalid_token"', ...(closeUnread ? unreadBody(req) : {}) });
      return undefined;
    }
    return principal;
  }

  /** A client waiting on `Expect: 100-continue` may send the body now. */
  function readyForBody(res: http.ServerResponse, state: RequestState): void {
    if (!state.awaitingContinue) return;
    state.awaitingContinue = false;
    if (!draining) res.removeHeader('connection');
    res.writeContinue();
  }

  async function graphql(req: http.IncomingMessage, res: http.ServerResponse, url: URL, state: RequestState): Promise<void> {
    const principal = await authorize(req, res, state);
    if (principal === undefined) return;

    let body: unknown;
    if (methodOf(req) === 'POST') {
      const raw = await readBody(req, config.server.maxBodyBytes, () => readyForBody(res, state));
      if (raw === null) {
        return sendError(
          res,
          ErrorCode.PAYLOAD_TOO_LARGE,
          `The request body is larger than the limit of ${config.server.maxBodyBytes} bytes (PATHLEDGER_MAX_BODY_BYTES).`,
          { connection: 'close' },
        );
      }
      if (raw.length > 0 && isJson(req.headers['content-type'])) {
        try {
          body = JSON.parse(raw.toString('utf8'));
        } catch (error) {
          return sendError(res, ErrorCode.BAD_REQUEST, `The request body is not valid JSON: ${(error as Error).message}`);
        }
      }
    }

    const headers = new HeaderMap();
    for (const [name, value] of Object.entries(req.headers)) {
      if (value !== undefined) headers.set(name, Array.isArray(value) ? value.join(', ') : value);
    }
    const response = await apollo.executeHTTPGraphQLRequest({
      httpGraphQLRequest: { method: methodOf(req), headers, search: url.search, body },
      context: async () => Object.assign(deps.createContext({ principal, requestId: state.requestId }), { [REQUEST_STATE]: state }),
    });
    await writeGraphQLResponse(res, response);
  }

  /** POST /ingest: only with a key; the body is the handler's to read. */
  async function ingest(
    handler: NonNullable<HttpServerDeps['ingest']>,
    req: http.IncomingMessage,
    res: http.ServerResponse,
    url: URL,
    state: RequestState,
  ): Promise<void> {
    const principal = await authorize(req, res, state, true);
    if (principal === undefined) return;
    if (principal === null) {
      return sendError(res, ErrorCode.UNAUTHENTICATED, 'An API key is required: send `Authorization: Bearer <key>`.', {
        'www-authenticate': 'Bearer',
        ...unreadBody(req),
      });
    }
    let result: IngestResult;
    try {
      result = await handler({ principal, request: req, query: url.searchParams, requestId: state.requestId, readyForBody: () => readyForBody(res, state) });
    } catch (error) {
      // The rest of the body is not wanted: answer (500, by the caller) and close.
      if (!res.headersSent) res.setHeader('connection', 'close');
      throw error;
    }
    switch (result.kind) {
      case 'done':
        return sendJson(res, 200, result.body);
      case 'refused':
        return sendError(res, result.code, result.message, unreadBody(req), result.status, result.extensions);
      case 'aborted':
        res.destroy();
        return;
      default:
        throw new UnreachableCaseError(result);
    }
  }

  async function health(res: http.ServerResponse): Promise<void> {
    if (draining) return sendJson(res, 503, { status: 'unavailable', reason: 'shutting down' });
    let timer: NodeJS.Timeout | undefined;
    const outcome = await Promise.race([
      db.ping().then(
        () => 'ok' as const,
        (error: unknown) => {
          logger.warn({ err: error }, 'health check: the database ping failed');
          return 'failed' as const;
        },
      ),
      new Promise<'timeout'>((resolve) => {
        timer = setTimeout(() => resolve('timeout'), HEALTH_TIMEOUT_MS);
      }),
    ]);
    clearTimeout(timer);
    if (outcome === 'ok') return sendJson(res, 200, { status: 'ok' });
    const reason = outcome === 'timeout' ? `the database did not answer within ${HEALTH_TIMEOUT_MS} ms` : 'the database did not answer';
    return sendJson(res, 503, { status: 'unavailable', reason });
  }

  let closing: Promise<void> | undefined;
  const close = () =>
    (closing ??= (async () => {
      draining = true;
      await subscriptions?.close();
      // The callback's error (the server never listened) needs no handling: it is closed either way.
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      server.closeIdleConnections();
      if (inFlight > 0) {
        await new Promise<void>((resolve) => {
          const timer = setTimeout(resolve, config.server.shutdownTimeoutMs);
          onDrained = () => {
            clearTimeout(timer);
            resolve();
          };
        });
      }
      if (inFlight > 0) logger.warn({ inFlight }, 'shutdown timeout reached; closing connections with requests in flight');
      server.closeAllConnections();
      await closed;
      await apollo.stop();
    })());

  return { server, close };
}

/** Listens and resolves with the URL to use, or rejects with a ListenError saying what to change. */
export function listen(httpServer: Pick<HttpServer, 'server'>, port: number, host: string): Promise<{ url: string; port: number }> {
  const { server } = httpServer;
  return new Promise((resolve, reject) => {
    const onError = (error: NodeJS.ErrnoException) => {
      server.off('listening', onListening);
      reject(new ListenError(describeListenError(error, port, host), { cause: error }));
    };
    const onListening = () => {
      server.off('error', onError);
      const address = server.address() as AddressInfo;
      resolve({ url: `http://${urlHost(host)}:${address.port}`, port: address.port });
    };
    server.once('error', onError);
    server.once('listening', onListening);
    server.listen(port, host);
  });
}

function describeListenError(error: NodeJS.ErrnoException, port: number, host: string): string {
  switch (error.code) {
    case 'EADDRINUSE':
      return `port ${port} is already in use; set PORT to another`;
    case 'EACCES':
      return `port ${port} needs privileges this process does not have; set PORT to 1024 or above`;
    case 'EADDRNOTAVAIL':
      return `HOST ${host} is not an address of this machine; set HOST to one that is, or to 0.0.0.0 for all`;
    case 'ENOTFOUND':
    case 'EAI_AGAIN':
      return `HOST ${host} could not be resolved; set HOST to an IP address or a known host name`;
    default:
      return `could not listen on ${host}:${port}: ${error.message}`;
  }
}

/** Where a person on this machine reaches a server listening on `host`. */
function urlHost(host: string): string {
  if (host === '0.0.0.0' || host === '::' || host === '') return 'localhost';
  return host.includes(':') ? `[${host}]` : host;
}

/**
 * The request's state rides on its GraphQL context (Apollo copies the context for each operation
 * of a batch; a symbol-keyed property goes with the copy), so that Apollo's hooks reach it without
 * AsyncLocalStorage, whose promise hooks would cost every promise of every request on Node 20 and 22.
 */
const REQUEST_STATE = Symbol('request state');
const stateOf = (context: BaseContext) => (context as { [REQUEST_STATE]?: RequestState })[REQUEST_STATE];

/** Notes each error's request id for formatError, and the operation's name for the request's log line. */
function requestStatePlugin(errorRequestIds: WeakMap<object, string>): ApolloServerPlugin<BaseContext> {
  return {
    async requestDidStart() {
      return {
        async didEncounterErrors({ contextValue, errors }) {
          const state = stateOf(contextValue);
          if (state) for (const error of errors) errorRequestIds.set(error, state.requestId);
        },
        async willSendResponse({ contextValue, operationName, request }) {
          const state = stateOf(contextValue);
          const name = operationName ?? request.operationName;
          if (state && name) state.operationName = name;
        },
      };
    },
  };
}

/** A caller's request id is kept if it is a plausible id; anything else could forge log lines. */
function requestIdOf(header: string | string[] | undefined): string {
  return typeof header === 'string' && /^[\w.:@/+=-]{1,128}$/.test(header) ? header : randomUUID();
}

/** A request target that is not a path (absolute-form, garbage) is treated as "/": nothing is there. */
function parseUrl(target: string | undefined): URL {
  try {
    return new URL(target ?? '/', 'http://localhost');
  } catch {
    return new URL('http://localhost/');
  }
}

function routeOf(pathname: string): Route {
  return pathname === '/graphql' || pathname === '/ingest' || pathname === '/healthz' || pathname === '/metrics' ? pathname : 'other';
}

/**
 * A request that must not stream (every route but /ingest) has REQUEST_TIMEOUT_MS to arrive in
 * full, as Node's `requestTimeout` would give it: after that it gets 408 and its connection closes.
 */
function limitRequestTime(req: http.IncomingMessage, res: http.ServerResponse): void {
  if (req.complete) return;
  const timer = setTimeout(() => {
    if (req.complete) return;
    if (res.headersSent) {
      res.destroy();
      return;
    }
    const message = `The request did not arrive in full within ${REQUEST_TIMEOUT_MS / 1000} s.`;
    sendError(res, ErrorCode.BAD_REQUEST, message, { connection: 'close' }, 408);
  }, REQUEST_TIMEOUT_MS).unref();
  req.once('close', () => clearTimeout(timer));
  res.once('close', () => clearTimeout(timer));
}

/**
 * Headers for an answer given before the body was read: the connection closes instead of the
 * server reading (and throwing away) a body that may be gigabytes long.
 */
function unreadBody(req: http.IncomingMessage): Record<string, string> {
  return req.complete ? {} : { connection: 'close' };
}

function methodOf(req: http.IncomingMessage): string {
  return (req.method ?? 'GET').toUpperCase();
}

function clientAddress(req: http.IncomingMessage): string {
  const address = req.socket.remoteAddress ?? 'unknown';
  // The same IPv4 client arrives as ::ffff:a.b.c.d on a dual-stack socket.
  return address.startsWith('::ffff:') ? address.slice(7) : address;
}

function isJson(contentType: string | undefined): boolean {
  const essence = contentType?.split(';')[0]?.trim().toLowerCase();
  return essence === 'application/json' || essence === 'application/graphql-response+json';
}

/**
 * The body, or null once it grows past `limit` (then the rest is not read). `ready` is called
 * when the body is going to be read: not for one whose announced length is already too long.
 */
function readBody(req: http.IncomingMessage, limit: number, ready: () => void): Promise<Buffer | null> {
  if (Number(req.headers['content-length']) > limit) return Promise.resolve(null);
  ready();
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const cleanup = () => {
      req.off('data', onData);
      req.off('end', onEnd);
      req.off('error', onError);
    };
    const onData = (chunk: Buffer) => {
      size += chunk.length;
      if (size > limit) {
        cleanup();
        req.pause();
        resolve(null);
        return;
      }
      chunks.push(chunk);
    };
    const onEnd = () => {
      cleanup();
      resolve(Buffer.concat(chunks));
    };
    const onError = (error: Error) => {
      cleanup();
      reject(error);
    };
    req.on('data', onData);
    req.on('end', onEnd);
    req.on('error', onError);
  });
}

async function writeGraphQLResponse(res: http.ServerResponse, response: HTTPGraphQLResponse): Promise<void> {
  for (const [name, value] of response.headers) res.setHeader(name, value);
  res.statusCode = response.status ?? 200;
  if (response.body.kind === 'complete') {
    res.end(response.body.string);
    return;
  }
  for await (const chunk of response.body.asyncIterator) res.write(chunk);
  res.end();
}

function sendJson(res: http.ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { ...headers, 'content-type': JSON_TYPE, 'content-length': String(Buffer.byteLength(text)), 'cache-control': 'no-store' });
  res.end(text);
}

/**
 * A response in the shape of a GraphQL error response, for requests refused before GraphQL
 * runs. The code's HTTP status comes from errors.ts, like that of errors thrown inside GraphQL.
 */
function sendError(
  res: http.ServerResponse,
  code: ErrorCode,
  message: string,
  headers: Record<string, string> = {},
  status?: number,
  extensions: Record<string, unknown> = {},
): void {
  const error = apiError(code, message, extensions);
  const { http: httpExtension, ...publicExtensions } = error.extensions as { http?: { status?: number } };
  sendJson(res, status ?? httpExtension?.status ?? 400, { errors: [{ message: error.message, extensions: publicExtensions }] }, headers);
}
