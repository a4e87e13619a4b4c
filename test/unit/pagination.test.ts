import { describe, expect, it } from 'vitest';
import { encodeCursor, parsePage, toConnection } from '../../src/graphql/pagination.ts';

const limits = { defaultPageSize: 20, maxPageSize: 100 };
const id = (n: number) => `00000000-0000-7000-8000-${String(n).padStart(12, '0')}`;

describe('parsePage', () => {
  it('defaults to the default page size', () => {
    expect(parsePage({}, limits)).toEqual({ take: 20, after: null });
  });

  it('accepts 1 to the maximum and refuses the rest, naming the argument', () => {
    expect(parsePage({ first: 1 }, limits).take).toBe(1);
    expect(parsePage({ first: 100 }, limits).take).toBe(100);
    expect(() => parsePage({ first: 0 }, limits)).toThrow(/first: must be between 1 and 100, got 0/);
    expect(() => parsePage({ first: 101 }, limits)).toThrow(/first: must be between 1 and 100/);
  });

  it('decodes a cursor it issued and refuses one it did not', () => {
    expect(parsePage({ after: encodeCursor(id(7)) }, limits).after).toBe(id(7));
    expect(() => parsePage({ after: 'not-a-cursor' }, limits)).toThrow(/after: is not a cursor/);
    expect(() => parsePage({ after: encodeCursor('DROP TABLE') }, limits)).toThrow(/after: is not a cursor/);
  });

  it('puts the code BAD_USER_INPUT on the error', () => {
    try {
      parsePage({ first: -1 }, limits);
    } catch (error) {
      expect((error as { extensions: { code: string } }).extensions.code).toBe('BAD_USER_INPUT');
    }
  });
});

describe('toConnection', () => {
  const rows = [1, 2, 3].map((n) => ({ id: id(n) }));

  it('uses the extra row only to say there is a next page', () => {
    const connection = toConnection(rows, { take: 2, after: null }, 3);
    expect(connection.edges.map((e) => e.node.id)).toEqual([id(1), id(2)]);
    expect(connection.pageInfo).toEqual({ hasNextPage: true, endCursor: encodeCursor(id(2)) });
  });

  it('says when the last page is reached', () => {
    const connection = toConnection(rows, { take: 5, after: null }, 3);
    expect(connection.edges).toHaveLength(3);
    expect(connection.pageInfo.hasNextPage).toBe(false);
  });

  it('has a null end cursor when empty', () => {
    expect(toConnection([], { take: 5, after: null }, 0).pageInfo).toEqual({ hasNextPage: false, endCursor: null });
  });
});
