import { buildSchema, getIntrospectionQuery, parse, specifiedRules, validate, type GraphQLError } from 'graphql';
import { describe, expect, it } from 'vitest';
import { depthLimitRule } from '../../src/graphql/limits/depth.ts';

const schema = buildSchema(`
  type Query { me: Key!, organization(slug: String!): Organization }
  type Key { role: String!, organization: Organization }
  type Organization { name: String!, parent: Organization, children: [Organization!]! }
`);

function check(query: string, maxDepth: number): readonly GraphQLError[] {
  return validate(schema, parse(query), [...specifiedRules, depthLimitRule(maxDepth)]);
}

function depthError(query: string, maxDepth: number) {
  return check(query, maxDepth).find((error) => error.extensions.code === 'QUERY_TOO_DEEP');
}

describe('depthLimitRule', () => {
  it('counts the fields on the longest path', () => {
    expect(check('{ me { role } }', 2)).toEqual([]);
    const error = depthError('{ me { role } }', 1);
    expect(error?.message).toBe('The query is 2 levels deep, deeper than the limit of 1.');
    expect(error?.extensions).toMatchObject({ code: 'QUERY_TOO_DEEP', depth: 2, limit: 1 });
  });

  it('takes the deepest branch, not the sum of branches', () => {
    const query = '{ me { role organization { name } } organization(slug: "a") { name } }';
    expect(check(query, 3)).toEqual([]);
    expect(depthError(query, 2)?.extensions).toMatchObject({ depth: 3 });
  });

  it('follows fragments, named and inline, as if written in place', () => {
    const query = `
      { organization(slug: "a") { ...Deep } }
      fragment Deep on Organization { parent { ... on Organization { parent { ...Name } } } }
      fragment Name on Organization { name }`;
    expect(check(query, 4)).toEqual([]);
    expect(depthError(query, 3)?.extensions).toMatchObject({ depth: 4 });
  });

  it('measures a fragment spread many times once, in reasonable time', () => {
    // Each fragment spreads the next twice: written out, 2^30 selections.
    const fragments = Array.from({ length: 30 }, (_, i) =>
      `fragment F${i} on Organization { parent { ...F${i + 1} } children { ...F${i + 1} } }`,
    ).join('\n');
    const query = `{ organization(slug: "a") { ...F0 } }\n${fragments}\nfragment F30 on Organization { name }`;
    const started = Date.now();
    expect(depthError(query, 12)?.extensions).toMatchObject({ depth: 32 });
    expect(Date.now() - started).toBeLessThan(1000);
  });

  it('does not loop on fragment cycles (graphql reports those itself)', () => {
    const errors = check('{ organization(slug: "a") { ...A } } fragment A on Organization { parent { ...A } }', 12);
    expect(errors.some((error) => /Cannot spread fragment "A" within itself/.test(error.message))).toBe(true);
  });

  it('lets the introspection query of tools through at the default limit', () => {
    const query = getIntrospectionQuery({ descriptions: true, specifiedByUrl: true, directiveIsRepeatable: true, schemaDescription: true, inputValueDeprecation: true });
    expect(check(query, 12)).toEqual([]);
  });

  it('still counts introspection that fans out', () => {
    const query = '{ __schema { types { fields { type { fields { type { fields { name } } } } } } } }';
    expect(depthError(query, 6)?.extensions).toMatchObject({ depth: 8, limit: 6 });
  });
});
