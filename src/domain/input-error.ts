import type { UserErrorCode } from '../generated/graphql.ts';

/**
 * A problem with a request that the caller can fix. Domain services throw it; mutation resolvers
 * turn it into a `userErrors` entry.
 */
export class InputError extends Error {
  constructor(
    /** Path to the input field, e.g. ['input', 'slug']. */
    readonly field: readonly string[],
    message: string,
    readonly code: UserErrorCode = 'INVALID',
  ) {
    super(message);
    this.name = 'InputError';
  }
}
