import { buildSchema, parse } from 'graphql';
import { describe, expect, it } from 'vitest';
import { costCache, queryCost, queryTooCostly } from '../../src/graphql/limits/cost.ts';

const schema = buildSchema(`
  type Query {
    organization(slug: String!): Organization
    organizations(first: Int, after: String): OrganizationConnection!
    node(id: ID!): Node
  }
  interface Node { id: ID! }
  type Organization implements Node {
    id: ID!
    name: String!
    clients(first: Int = 5, after: String): ClientConnection!
  }
  type Client implements Node { id: ID!, address: String! }
  type OrganizationConnection { edges: [OrganizationEdge!]!, pageInfo: PageInfo!, totalCount: Int! }
  type OrganizationEdge { cursor: String!, node: Organization! }
  type ClientConnection { edges: [ClientEdge!]! }
  type ClientEdge { node: Client! }
  type PageInfo { hasNextPage: Boolean! }
`);

const defaultPageSize = 20;
const cost = (query: string, variables?: Record<string, unknown>, operationName?: string) =>
  queryCost({ schema, document: parse(query), variables, operationName, defaultPageSize });

describe('queryCost', () => {
  it('charges 1 per field', () => {
    expect(cost('{ organization(slug: "a") { id name } }')).toBe(3);
  });

  it('does not charge for __typename', () => {
    expect(cost('{ organization(slug: "a") { __typename name } }')).toBe(2);
  });

  it('multiplies the selection of a connection by first', () => {
    // 1 + 10 × (edges 1 + node 1 + name 1)
    expect(cost('{ organizations(first: 10) { edges { node { name } } } }')).toBe(31);
  });

  it('prices first from the variables', () => {
    const query = 'query ($n: Int) { organizations(first: $n) { edges { node { name } } } }';
    expect(cost(query, { n: 50 })).toBe(151);
    expect(cost(query, {})).toBe(1 + defaultPageSize * 3);
  });

  it('uses the variable default, then the argument default, then the default page size', () => {
    expect(cost('query ($n: Int = 2) { organizations(first: $n) { totalCount } }')).toBe(3);
    expect(cost('{ organization(slug: "a") { clients { edges { node { id } } } } }')).toBe(1 + 1 + 5 * 3);
    expect(cost('{ organizations { totalCount } }')).toBe(1 + defaultPageSize);
  });

  it('multiplies nested connections', () => {
    const query = '{ organizations(first: 10) { edges { node { clients(first: 100) { edges { node { address } } } } } } }';
    // 1 + 10 × (edges 1 + node 1 + clients (1 + 100 × 3))
    expect(cost(query)).toBe(1 + 10 * (2 + 1 + 100 * 3));
  });

  it('counts fragments as written out, and only the costliest type under an interface', () => {
    const query = `
      { node(id: "x") { id ... on Organization { name } ...ClientFields } }
      fragment ClientFields on Client { address }`;
    // node 1 + id 1 + max(Organization 1, Client 1): an object is of one type.
    expect(cost(query)).toBe(3);
    const heavier = `{ node(id: "x") { ... on Organization { name clients(first: 10) { edges { node { address } } } } ... on Client { address } } }`;
    expect(cost(heavier)).toBe(1 + 1 + 1 + 10 * 3);
  });

  it('adds up several selections on the same type', () => {
    expect(cost('{ node(id: "x") { ... on Client { id } ... on Client { address } } }')).toBe(3);
  });

  it('prices the operation that runs', () => {
    const query = 'query Small { organization(slug: "a") { name } } query Big { organizations(first: 100) { totalCount } }';
    expect(cost(query, {}, 'Small')).toBe(2);
    expect(cost(query, {}, 'Big')).toBe(101);
    expect(cost(query)).toBe(0);
  });

  it('prices a variable that does not coerce as absent', () => {
    expect(cost('query ($n: Int) { organizations(first: $n) { totalCount } }', { n: 'lots' })).toBe(1 + defaultPageSize);
  });

  it('counts introspection like other fields', () => {
    expect(cost('{ __schema { types { name } } }')).toBe(3);
  });

  it('explains itself when over the limit', () => {
    const error = queryTooCostly(60_001, 50_000);
    expect(error.message).toContain('60001');
    expect(error.message).toContain('50000');
    expect(error.extensions).toMatchObject({ code: 'QUERY_TOO_COSTLY', cost: 60_001, limit: 50_000 });
  });
});

describe('costCache', () => {
  // A parsed document as Apollo Server keeps it: the same object for every request with its text.
  const measure = (cached: ReturnType<typeof costCache>, document: ReturnType<typeof parse>, variables?: Record<string, unknown>, operationName?: string) =>
    cached({ schema, document, variables, operationName, defaultPageSize });

  it('prices a document with written-out page sizes once, whatever the variables', () => {
    const cached = costCache();
    const document = parse('query ($slug: String!) { organization(slug: $slug) { clients(first: 3) { edges { node { id } } } } }');
    expect(measure(cached, document, { slug: 'a' })).toBe(1 + 1 + 3 * 3);
    // Were it measured again, this document, now another tree, would cost 2: it is not.
    (document as { definitions: unknown }).definitions = parse('{ organization(slug: "a") { name } }').definitions;
    expect(measure(cached, document, { slug: 'b' })).toBe(11);
  });

  it('prices again a document whose page size is a variable, and each operation apart', () => {
    const cached = costCache();
    const document = parse('query Page($n: Int) { organizations(first: $n) { totalCount } } query One { organization(slug: "a") { name } }');
    expect(measure(cached, document, { n: 10 }, 'Page')).toBe(11);
    expect(measure(cached, document, { n: 100 }, 'Page')).toBe(101);
    expect(measure(cached, document, {}, 'One')).toBe(2);
    expect(measure(cached, document, { n: 5 }, 'Page')).toBe(6);
  });

  it('takes a variable’s default as its page size', () => {
    expect(cost('query ($n: Int = 7) { organizations(first: $n) { totalCount } }')).toBe(8);
  });
});
