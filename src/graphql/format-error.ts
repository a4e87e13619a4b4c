// How a GraphQL error leaves the server, over HTTP (Apollo's formatError) and over WebSocket alike.
import { unwrapResolverError } from '@apollo/server/errors';
import type { GraphQLFormattedError } from 'graphql';
import type { Logger } from '../observability/logger.ts';
import { ErrorCode } from './errors.ts';
import { errorCode } from './plugins/error-code.ts';

/**
 * Errors the API means to send (they have a code) go out as they are, with their code in
 * `extensions.code`. Anything else is a bug or
 * an outage somewhere below (a database error, a null where the schema promises a value): its
 * message could reveal internals, so the client gets the request id and the log gets the rest.
 */
export function formatError(formatted: GraphQLFormattedError, error: unknown, requestId: string | undefined, logger: Logger): GraphQLFormattedError {
  const code = errorCode(error);
  if (code === ErrorCode.INTERNAL_SERVER_ERROR) {
    logger.error({ err: unwrapResolverError(error), requestId: requestId ?? 'unknown', path: formatted.path }, 'unexpected error in a GraphQL request');
    return {
      message: `internal error, request id ${requestId ?? 'unknown'}`,
      ...(formatted.locations ? { locations: formatted.locations } : {}),
      ...(formatted.path ? { path: formatted.path } : {}),
      extensions: { code, requestId: requestId ?? 'unknown' },
    };
  }
  // `http` (the status an error asks for) is for the server, never the client; Apollo Server takes
  // it out before this runs, graphql-ws does not.
  const { http: _status, ...extensions } = formatted.extensions ?? {};
  return { ...formatted, extensions: { ...extensions, code } };
}
