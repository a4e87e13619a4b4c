// The API under test, in process, over real HTTP, on a database of its own (see database.ts).
import { ApolloServer } from '@apollo/server';
import { startStandaloneServer } from '@apollo/server/standalone';
import { authenticate, createApiKey } from '../../src/auth/api-keys.ts';
import type { ApiKeyRole } from '../../src/generated/prisma/enums.ts';
import { createContext, type GraphQLContext } from '../../src/graphql/context.ts';
import { unauthenticated } from '../../src/graphql/errors.ts';
import { createExecutableSchema } from '../../src/graphql/schema.ts';
import { createTestDatabase, type TestDatabase } from './database.ts';

/** Parsed JSON of a GraphQL response; tests read it freely. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Json = any;

export interface GraphQLResult {
  status: number;
  headers: Headers;
  data: Json;
  errors?: { message: string; extensions: { code: string; [key: string]: unknown } }[];
}

export interface TestApi {
  db: TestDatabase;
  url: string;
  adminKey: string;
  /** SQL statements sent since the last reset. */
  statements: { count: number; log: string[]; reset(): void };
  gql(query: string, variables?: Record<string, unknown>, key?: string | null): Promise<GraphQLResult>;
  /** `gql` with the admin key. */
  admin(query: string, variables?: Record<string, unknown>): Promise<GraphQLResult>;
  /** A new key of this role (scoped to `organization` for PARTNER, AGENT, VIEWER). */
  keyFor(role: ApiKeyRole, organization?: string): Promise<string>;
  close(): Promise<void>;
}

export async function startTestApi(): Promise<TestApi> {
  const statements = { count: 0, log: [] as string[], reset() { this.count = 0; this.log = []; } };
  const db = await createTestDatabase({ onQuery: (sql) => { statements.count++; statements.log.push(sql); } });
  const server = new ApolloServer<GraphQLContext>({ schema: createExecutableSchema() });
  const { url } = await startStandaloneServer(server, {
    listen: { port: 0, host: '127.0.0.1' },
    context: async ({ req }) => {
      const header = req.headers.authorization;
      const principal = header ? await authenticate(db.prisma, header.replace(/^Bearer /, '')) : null;
      if (header && !principal) throw unauthenticated('The API key is not valid or was revoked.');
      return createContext({ db, principal, limits: { defaultPageSize: 20, maxPageSize: 100 } });
    },
  });

  const gql = async (query: string, variables: Record<string, unknown> = {}, key: string | null = null): Promise<GraphQLResult> => {
    const response = await fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...(key ? { authorization: `Bearer ${key}` } : {}) },
      body: JSON.stringify({ query, variables }),
    });
    const body = (await response.json()) as { data?: Json; errors?: GraphQLResult['errors'] };
    return { status: response.status, headers: response.headers, data: body.data ?? null, errors: body.errors };
  };
  const keyFor = async (role: ApiKeyRole, organization?: string) =>
    (await createApiKey(db.prisma, { name: `test ${role}`, role, organizationSlug: organization })).key;
  const adminKey = await keyFor('ADMIN');

  return {
    db,
    url,
    adminKey,
    statements,
    gql,
    admin: (query, variables) => gql(query, variables, adminKey),
    keyFor,
    async close() {
      await server.stop();
      await db.drop();
    },
  };
}
