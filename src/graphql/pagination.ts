// Relay connections with keyset pagination. Rows are ordered by a sort key (the row's UUIDv7 id,
// or a composite for mixed lists); a cursor is that key, base64url-encoded so clients treat it
// as opaque.
import { isUuid } from '../domain/validate.ts';
import { badUserInput } from './errors.ts';

export interface Edge<T> {
  cursor: string;
  node: T;
}

export interface Connection<T> {
  edges: Edge<T>[];
  pageInfo: { hasNextPage: boolean; endCursor: string | null };
  /** A number, or a thunk GraphQL's default resolver calls only when the field is asked for. */
  totalCount: number | (() => Promise<number>);
}

export interface PageLimits {
  defaultPageSize: number;
  maxPageSize: number;
}

export interface PageArgs {
  first?: number | null;
  after?: string | null;
}

/** A validated page request: `take` rows after the sort key `after`. */
export interface Page {
  take: number;
  after: string | null;
}

export function encodeCursor(sortKey: string): string {
  return Buffer.from(sortKey).toString('base64url');
}

/** `isSortKey` says whether a decoded cursor could be one of this list's sort keys. */
export function parsePage(args: PageArgs, limits: PageLimits, isSortKey: (key: string) => boolean = isUuid): Page {
  const take = args.first ?? limits.defaultPageSize;
  if (!Number.isInteger(take) || take < 1 || take > limits.maxPageSize) {
    throw badUserInput('first', `must be between 1 and ${limits.maxPageSize}, got ${take}.`);
  }
  if (args.after == null) return { take, after: null };
  const after = Buffer.from(args.after, 'base64url').toString('utf8');
  if (!isSortKey(after) || encodeCursor(after) !== args.after) {
    throw badUserInput('after', 'is not a cursor this API returned.');
  }
  return { take, after };
}

/**
 * Builds a connection from rows fetched with `take + 1`: the extra row only tells whether
 * another page exists.
 */
export function toConnection<T>(
  rows: readonly T[],
  page: Page,
  totalCount: Connection<T>['totalCount'],
  sortKeyOf: (row: T) => string = (row) => (row as { id: string }).id,
): Connection<T> {
  const edges = rows.slice(0, page.take).map((node) => ({ cursor: encodeCursor(sortKeyOf(node)), node }));
  return {
    edges,
    pageInfo: { hasNextPage: rows.length > page.take, endCursor: edges.at(-1)?.cursor ?? null },
    totalCount,
  };
}
