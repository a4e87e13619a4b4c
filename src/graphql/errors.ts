import { GraphQLError } from 'graphql';

/**
 * Every error code the API can put in `extensions.code`. Clients switch on these, so they are
 * part of the contract: add, never rename.
 */
export const ErrorCode = {
  UNAUTHENTICATED: 'UNAUTHENTICATED',
  FORBIDDEN: 'FORBIDDEN',
  NOT_FOUND: 'NOT_FOUND',
  BAD_USER_INPUT: 'BAD_USER_INPUT',
  CONFLICT: 'CONFLICT',
  QUERY_TOO_DEEP: 'QUERY_TOO_DEEP',
  QUERY_TOO_COSTLY: 'QUERY_TOO_COSTLY',
  RATE_LIMITED: 'RATE_LIMITED',
  /** The HTTP request itself is malformed (not JSON, …); Apollo Server uses the same code. */
  BAD_REQUEST: 'BAD_REQUEST',
  PAYLOAD_TOO_LARGE: 'PAYLOAD_TOO_LARGE',
  INTERNAL_SERVER_ERROR: 'INTERNAL_SERVER_ERROR',
} as const;
export type ErrorCode = (typeof ErrorCode)[keyof typeof ErrorCode];

/** HTTP status for errors that reject the whole request rather than one field. */
const httpStatus: Partial<Record<ErrorCode, number>> = {
  UNAUTHENTICATED: 401,
  QUERY_TOO_DEEP: 400,
  QUERY_TOO_COSTLY: 400,
  RATE_LIMITED: 429,
  BAD_REQUEST: 400,
  PAYLOAD_TOO_LARGE: 413,
};

export function apiError(code: ErrorCode, message: string, extensions: Record<string, unknown> = {}): GraphQLError {
  const status = httpStatus[code];
  return new GraphQLError(message, {
    extensions: { code, ...extensions, ...(status ? { http: { status } } : {}) },
  });
}

export const unauthenticated = (message = 'An API key is required: send `Authorization: Bearer <key>`.') =>
  apiError(ErrorCode.UNAUTHENTICATED, message);

export const forbidden = (message: string) => apiError(ErrorCode.FORBIDDEN, message);

export const notFound = (what: string, id: string) => apiError(ErrorCode.NOT_FOUND, `No ${what} with id ${id}.`, { id });

/** `field` is the path of the offending argument, e.g. `input.first`. */
export const badUserInput = (field: string, message: string) =>
  apiError(ErrorCode.BAD_USER_INPUT, `${field}: ${message}`, { field });

/** Makes a `switch` over a union exhaustive: adding a member breaks the build here. */
export class UnreachableCaseError extends Error {
  constructor(value: never) {
    super(`Unreachable case: ${JSON.stringify(value)}`);
  }
}
