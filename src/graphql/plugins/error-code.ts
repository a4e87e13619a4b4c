import { GraphQLError } from 'graphql';
import { ErrorCode } from '../errors.ts';

/**
 * The `extensions.code` an error stands for. Apollo Server gives every error of a validation
 * rule the code GRAPHQL_VALIDATION_FAILED, keeping the rule's own error as `originalError`;
 * for our rules (QUERY_TOO_DEEP) the code clients switch on is the rule's. An error without a
 * code is one nobody meant to send: INTERNAL_SERVER_ERROR.
 */
export function errorCode(error: unknown): string {
  if (!(error instanceof GraphQLError)) return ErrorCode.INTERNAL_SERVER_ERROR;
  const code = error.extensions.code;
  if (code === 'GRAPHQL_VALIDATION_FAILED' && error.originalError instanceof GraphQLError) {
    const original = error.originalError.extensions.code;
    if (typeof original === 'string') return original;
  }
  return typeof code === 'string' ? code : ErrorCode.INTERNAL_SERVER_ERROR;
}
