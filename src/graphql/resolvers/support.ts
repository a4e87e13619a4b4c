// Small pieces every resolver file uses: global ids, connections, mutation payloads.
import type DataLoader from 'dataloader';
import { InputError } from '../../domain/input-error.ts';
import type { UserError } from '../../generated/graphql.ts';
import type { GraphQLContext } from '../context.ts';
import { badUserInput } from '../errors.ts';
import { toGlobalId, type NodeType } from '../global-id.ts';
import type { ChildPage, PageRequest } from '../loaders.ts';
import { parsePage, toConnection, type Connection, type Page, type PageArgs } from '../pagination.ts';

/** The `id` resolver of a node type. */
export const globalId =
  (type: NodeType) =>
  (parent: { id: string }): string =>
    toGlobalId(type, parent.id);

/** A top-level list: `fetch` returns up to `take` rows with ids after `after`, in id order. */
export async function listConnection<T extends { id: string }>(
  ctx: GraphQLContext,
  args: PageArgs,
  fetch: (page: { take: number; id: { gt: string } | undefined }) => Promise<T[]>,
  count: () => Promise<number>,
): Promise<Connection<T>> {
  const page = parsePage(args, ctx.limits);
  const rows = await fetch({ take: page.take + 1, id: page.after === null ? undefined : { gt: page.after } });
  return toConnection(rows, page, count);
}

/** A list under a parent, loaded in one batch with the same list under every sibling parent. */
export async function childConnection<T extends { id: string }, F>(
  loader: DataLoader<PageRequest<F>, ChildPage<T>, string>,
  parentId: string,
  args: PageArgs,
  ctx: GraphQLContext,
  filter: F,
  sortKey?: { of: (row: T) => string; valid: (key: string) => boolean },
): Promise<Connection<T>> {
  const page: Page = parsePage(args, ctx.limits, sortKey?.valid);
  const { rows, total } = await loader.load({ parentId, page, filter });
  return toConnection(rows, page, total, sortKey?.of);
}

export type Payload<K extends string, T> = { [P in K]: T | null } & { userErrors: UserError[] };

/**
 * Runs a mutation; an InputError becomes the payload's `userErrors` instead of a GraphQL error,
 * because the caller can fix it. Anything else (FORBIDDEN by role, a bug) stays an error.
 */
export async function payload<K extends string, T>(key: K, run: () => Promise<T>): Promise<Payload<K, T>> {
  try {
    return { [key]: await run(), userErrors: [] } as Payload<K, T>;
  } catch (error) {
    if (!(error instanceof InputError)) throw error;
    return { [key]: null, userErrors: [{ field: [...error.field], message: error.message, code: error.code }] } as Payload<K, T>;
  }
}

/**
 * Runs a query's domain call; an InputError becomes a BAD_USER_INPUT error naming the argument
 * (`hops.3`), since a query has no payload to carry `userErrors`.
 */
export async function queryInput<T>(run: () => Promise<T>): Promise<T> {
  try {
    return await run();
  } catch (error) {
    if (error instanceof InputError) throw badUserInput(error.field.join('.'), error.message);
    throw error;
  }
}
