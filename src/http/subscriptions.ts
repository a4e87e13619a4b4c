// GraphQL subscriptions over WebSocket at /graphql, in the graphql-transport-ws protocol: the
// graphql-ws library's server on a `ws` socket server, which the HTTP server hands its upgrade
// requests to. Only subscriptions are served this way; queries and mutations keep to HTTP, where
// rate limits and the request log apply.
//
// The API key travels in `connection_init` (`{ "authorization": "Bearer <key>" }`; browsers
// cannot set headers on a WebSocket), or in the upgrade request's Authorization header. It is
// checked when the connection opens and again every `recheckMs` while it lasts, and before each
// event is delivered: a revoked key's connection is closed with 4403.
//
// Each operation is held to the same depth and cost limits as over HTTP (its cost is that of one
// event), and its errors carry the same `extensions.code`.
import { randomUUID } from 'node:crypto';
import type http from 'node:http';
import type { Duplex } from 'node:stream';
import {
  GraphQLError,
  getOperationAST,
  parse,
  specifiedRules,
  validate,
  type DocumentNode,
  type ExecutionArgs,
  type ExecutionResult,
  type FormattedExecutionResult,
  type GraphQLFormattedError,
  type GraphQLSchema,
} from 'graphql';
import { CloseCode, handleProtocols, type SubscribePayload } from 'graphql-ws';
import { useServer } from 'graphql-ws/use/ws';
import { WebSocketServer, type WebSocket } from 'ws';
import type { Principal } from '../auth/principal.ts';
import { ErrorCode } from '../graphql/errors.ts';
import { formatError } from '../graphql/format-error.ts';
import { queryCost, queryTooCostly } from '../graphql/limits/cost.ts';
import { depthLimitRule } from '../graphql/limits/depth.ts';
import type { Logger } from '../observability/logger.ts';
import { bearerToken } from './bearer.ts';

export interface SubscriptionServerDeps {
  schema: GraphQLSchema;
  logger: Logger;
  limits: { maxDepth: number; maxCost: number; defaultPageSize: number };
  /** The largest message a client may send, in bytes. */
  maxMessageBytes: number;
  authenticate(token: string): Promise<Principal | null>;
  createContext(args: { principal: Principal; requestId: string; keyStillValid: () => Promise<boolean> }): object;
  /** How often an open connection's key is checked again; default 30 s. */
  recheckMs?: number;
}

export interface SubscriptionServer {
  /** Takes over an upgrade request for /graphql. */
  upgrade(request: http.IncomingMessage, socket: Duplex, head: Buffer): void;
  /** Connections open now. */
  readonly connections: number;
  /** Ends every subscription and closes every connection (1001, going away). */
  close(): Promise<void>;
}

/** What a connection carries from its `connection_init` on. */
interface Connection {
  id: string;
  token: string;
  principal: Principal;
}

type Extra = { connection?: Connection };

const DEFAULT_RECHECK_MS = 30_000;

export function createSubscriptionServer(deps: SubscriptionServerDeps): SubscriptionServer {
  const { schema, logger, limits } = deps;
  const rules = [...specifiedRules, depthLimitRule(limits.maxDepth)];
  const open = new Map<WebSocket, Connection>();
  const sockets = new WebSocketServer({ noServer: true, maxPayload: deps.maxMessageBytes, handleProtocols });

  const keyStillValid = async (socket: WebSocket, connection: Connection): Promise<boolean> => {
    const principal = await deps.authenticate(connection.token).catch(() => connection.principal);
    if (principal) return true;
    if (socket.readyState === socket.OPEN) {
      logger.info({ connectionId: connection.id, keyId: connection.principal.keyId }, 'subscription connection closed: its API key was revoked');
      socket.close(CloseCode.Forbidden, 'The API key was revoked.');
    }
    return false;
  };

  const format = (connection: Connection | undefined, errors: readonly GraphQLError[]): GraphQLFormattedError[] =>
    errors.map((error) => {
      // graphql-js's own errors about the request (a variable of the wrong type) have no code and
      // no path (a resolver's error has one); Apollo calls them BAD_USER_INPUT too.
      const coded = error.extensions.code === undefined && error.path === undefined ? withCode(error, ErrorCode.BAD_USER_INPUT) : error;
      return formatError(coded.toJSON(), coded, connection?.id, logger);
    });

  const server = useServer<Record<string, unknown> | undefined, Extra>(
    {
      schema,
      onConnect: async (ctx) => {
        const credentials = bearerToken(credentialsOf(ctx.connectionParams) ?? ctx.extra.request.headers.authorization);
        const refuse = (code: number, reason: string) => {
          ctx.extra.socket.close(code, reason);
          return false;
        };
        if (credentials.kind === 'none') return refuse(CloseCode.Unauthorized, 'An API key is required: connection_init payload {"authorization": "Bearer <key>"}.');
        if (credentials.kind === 'malformed') return refuse(CloseCode.Unauthorized, 'The authorization must be `Bearer <API key>`.');
        const { token } = credentials;
        const principal = await deps.authenticate(token);
        if (!principal) return refuse(CloseCode.Forbidden, 'The API key is not valid or was revoked.');
        const connection: Connection = { id: randomUUID(), token, principal };
        ctx.extra.connection = connection;
        open.set(ctx.extra.socket, connection);
        logger.info({ connectionId: connection.id, keyId: principal.keyId }, 'subscription connection opened');
        return true;
      },
      onClose: (ctx, code) => {
        const connection = ctx.extra.connection;
        open.delete(ctx.extra.socket);
        if (connection) logger.info({ connectionId: connection.id, keyId: connection.principal.keyId, code }, 'subscription connection closed');
      },
      onSubscribe: (ctx, _id, payload): ExecutionArgs | readonly GraphQLError[] => {
        const connection = ctx.extra.connection!;
        const prepared = prepare(schema, rules, payload);
        if (!('document' in prepared)) return prepared;
        const cost = queryCost({ schema, document: prepared.document, operationName: payload.operationName, variables: payload.variables ?? undefined, defaultPageSize: limits.defaultPageSize });
        if (cost > limits.maxCost) return [queryTooCostly(cost, limits.maxCost)];
        const socket = ctx.extra.socket;
        return {
          schema,
          document: prepared.document,
          operationName: payload.operationName,
          variableValues: payload.variables,
          contextValue: deps.createContext({ principal: connection.principal, requestId: connection.id, keyStillValid: () => keyStillValid(socket, connection) }),
        };
      },
      onError: (ctx, _id, _payload, errors) => format(ctx.extra.connection, errors),
      onNext: (ctx, _id, _payload, _args, result: ExecutionResult): FormattedExecutionResult | void => {
        if (!result.errors) return;
        return { ...(result.data !== undefined ? { data: result.data } : {}), errors: format(ctx.extra.connection, result.errors) };
      },
    },
    sockets,
  );

  const recheck = setInterval(() => {
    for (const [socket, connection] of open) void keyStillValid(socket, connection);
  }, deps.recheckMs ?? DEFAULT_RECHECK_MS);
  recheck.unref();

  return {
    upgrade(request, socket, head) {
      sockets.handleUpgrade(request, socket, head, (ws) => sockets.emit('connection', ws, request));
    },
    get connections() {
      return sockets.clients.size;
    },
    async close() {
      clearInterval(recheck);
      await server.dispose();
    },
  };
}

/** The `authorization` of connection_init's payload, whatever its capitalization. */
function credentialsOf(params: Record<string, unknown> | undefined): unknown {
  if (!params) return undefined;
  for (const [name, value] of Object.entries(params)) if (name.toLowerCase() === 'authorization') return value;
  return undefined;
}

/** The document of a subscription operation, or the errors that say why there is none. */
function prepare(schema: GraphQLSchema, rules: typeof specifiedRules, payload: SubscribePayload): { document: DocumentNode } | readonly GraphQLError[] {
  let document: DocumentNode;
  try {
    document = parse(payload.query);
  } catch (error) {
    if (error instanceof GraphQLError) return [withCode(error, 'GRAPHQL_PARSE_FAILED')];
    throw error;
  }
  const operation = getOperationAST(document, payload.operationName);
  if (!operation) {
    const message = payload.operationName ? `No operation named "${payload.operationName}" in the document.` : 'The document must hold exactly one operation, or operationName must say which.';
    return [new GraphQLError(message, { extensions: { code: ErrorCode.BAD_REQUEST } })];
  }
  if (operation.operation !== 'subscription') {
    return [new GraphQLError(`Only subscriptions are served over WebSocket; send a ${operation.operation} as an HTTP POST to /graphql.`, { nodes: operation, extensions: { code: ErrorCode.BAD_REQUEST } })];
  }
  const errors = validate(schema, document, rules);
  if (errors.length > 0) return errors.map((error) => (error.extensions.code === undefined ? withCode(error, 'GRAPHQL_VALIDATION_FAILED') : error));
  return { document };
}

function withCode(error: GraphQLError, code: string): GraphQLError {
  return new GraphQLError(error.message, {
    ...(error.nodes ? { nodes: error.nodes } : {}),
    ...(error.source ? { source: error.source } : {}),
    ...(error.positions ? { positions: error.positions } : {}),
    ...(error.path ? { path: error.path } : {}),
    extensions: { ...error.extensions, code },
  });
}
