// API keys against a real database: what is stored, who may hold which key, and how a token
// becomes a principal (or does not).
import { createHash } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import {
  ApiKeyInputError,
  authenticate,
  createApiKey,
  generateApiKey,
  hashApiKey,
  isApiKeyShaped,
  listApiKeys,
  revokeApiKey,
} from '../../src/auth/api-keys.ts';
import { InputError } from '../../src/domain/input-error.ts';
import { createTestDatabase } from '../support/database.ts';

type TestDatabase = Awaited<ReturnType<typeof createTestDatabase>>;
let db: TestDatabase;
let sp1: string;

beforeAll(async () => {
  db = await createTestDatabase();
  sp1 = (await db.prisma.organization.create({ data: { slug: 'sp1', name: 'Service Provider 1', roles: ['SERVICE_PROVIDER'] } })).id;
}, 120_000);
afterAll(async () => {
  await db?.drop();
});

describe('the key itself', () => {
  it('is pl_ and 43 base64url characters of 32 random bytes, different every time', () => {
    const keys = new Set(Array.from({ length: 100 }, generateApiKey));
    expect(keys.size).toBe(100);
    for (const key of keys) {
      expect(key).toMatch(/^pl_[A-Za-z0-9_-]{43}$/);
      expect(Buffer.from(key.slice(3), 'base64url')).toHaveLength(32);
      expect(isApiKeyShaped(key)).toBe(true);
    }
  });

  it('is hashed with SHA-256 to lower-case hex', () => {
    expect(hashApiKey('pl_x')).toBe(createHash('sha256').update('pl_x').digest('hex'));
    expect(hashApiKey('pl_x')).toMatch(/^[0-9a-f]{64}$/);
  });
});

describe('createApiKey', () => {
  it('stores the hash and a display prefix, never the key', async () => {
    const { key, apiKey } = await createApiKey(db.prisma, { name: 'ops', role: 'ADMIN' });
    expect(apiKey).toMatchObject({ name: 'ops', role: 'ADMIN', organizationId: null, revokedAt: null, lastUsedAt: null });
    expect(apiKey.prefix).toBe(key.slice(0, 10));
    expect(apiKey.hash).toBe(hashApiKey(key));
    const stored = await db.prisma.apiKey.findUniqueOrThrow({ where: { id: apiKey.id } });
    expect(JSON.stringify(stored)).not.toContain(key.slice(10));
  });

  it('scopes PARTNER, AGENT and VIEWER keys to the organization named by its slug', async () => {
    for (const role of ['PARTNER', 'AGENT', 'VIEWER'] as const) {
      const { apiKey } = await createApiKey(db.prisma, { name: `sp1 ${role}`, role, organizationSlug: 'sp1' });
      expect(apiKey.organizationId).toBe(sp1);
    }
  });

  it('refuses a scoped key without an organization, a global key with one, and an unknown slug', async () => {
    const failure = async (input: Parameters<typeof createApiKey>[1]) => {
      const error = await createApiKey(db.prisma, input).then(
        () => null,
        (caught: unknown) => caught,
      );
      expect(error).toBeInstanceOf(ApiKeyInputError);
      // An InputError, so the GraphQL mutation reports it in userErrors.
      expect(error).toBeInstanceOf(InputError);
      const { field, code, message } = error as ApiKeyInputError;
      return { field, code, message };
    };
    expect(await failure({ name: 'x', role: 'VIEWER' })).toMatchObject({ field: ['input', 'organization'], code: 'INVALID' });
    expect(await failure({ name: 'x', role: 'ADMIN', organizationSlug: 'sp1' })).toMatchObject({ field: ['input', 'organization'], code: 'INVALID' });
    expect(await failure({ name: 'x', role: 'CONTRACT_MANAGER', organizationSlug: 'sp1' })).toMatchObject({ field: ['input', 'organization'] });
    expect(await failure({ name: 'x', role: 'PARTNER', organizationSlug: 'sp9' })).toMatchObject({
      field: ['input', 'organization'],
      code: 'NOT_FOUND',
      message: 'no organization has the slug "sp9".',
    });
    expect(await failure({ name: '  ', role: 'ADMIN' })).toMatchObject({ field: ['input', 'name'] });
    expect(await failure({ name: 'x', role: 'ROOT' as 'ADMIN' })).toMatchObject({ field: ['input', 'role'] });
  });
});

describe('authenticate', () => {
  it('returns the principal of a key in force', async () => {
    const { key, apiKey } = await createApiKey(db.prisma, { name: 'sp1 portal', role: 'VIEWER', organizationSlug: 'sp1' });
    expect(await authenticate(db.sql, key)).toEqual({ keyId: apiKey.id, keyName: 'sp1 portal', role: 'VIEWER', organizationId: sp1, organizationRoles: ['SERVICE_PROVIDER'] });
  });

  it('returns a global key without an organization or its roles', async () => {
    const { key, apiKey } = await createApiKey(db.prisma, { name: 'ops', role: 'ADMIN' });
    expect(await authenticate(db.sql, key)).toEqual({ keyId: apiKey.id, keyName: 'ops', role: 'ADMIN', organizationId: null });
  });

  it('returns null for malformed, unknown and revoked keys', async () => {
    const { key, apiKey } = await createApiKey(db.prisma, { name: 'soon revoked', role: 'ADMIN' });
    for (const token of ['', 'pl_', 'pl_not-a-real-key', `${key}x`, key.slice(0, -1), `Bearer ${key}`, generateApiKey()]) {
      expect([token, await authenticate(db.sql, token)]).toEqual([token, null]);
    }
    await revokeApiKey(db.prisma, apiKey.id);
    expect(await authenticate(db.sql, key)).toBeNull();
  });

  it('records when a key was last used, at most once a minute', async () => {
    const { key, apiKey } = await createApiKey(db.prisma, { name: 'busy', role: 'ADMIN' });
    const lastUsed = async () => (await db.prisma.apiKey.findUniqueOrThrow({ where: { id: apiKey.id } })).lastUsedAt;

    await authenticate(db.sql, key);
    // The write is not awaited by the request, so wait for it here.
    await vi.waitFor(async () => expect(await lastUsed()).not.toBeNull());
    const first = await lastUsed();

    for (let i = 0; i < 5; i++) await authenticate(db.sql, key);
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(await lastUsed()).toEqual(first);

    const twoMinutesAgo = new Date(Date.now() - 120_000);
    await db.prisma.apiKey.update({ where: { id: apiKey.id }, data: { lastUsedAt: twoMinutesAgo } });
    await authenticate(db.sql, key);
    await vi.waitFor(async () => expect((await lastUsed())!.getTime()).toBeGreaterThan(twoMinutesAgo.getTime() + 60_000));
  });
});

describe('revokeApiKey and listApiKeys', () => {
  it('revokes by id, by prefix or by the key itself, idempotently', async () => {
    for (const by of ['id', 'prefix', 'key'] as const) {
      const { key, apiKey } = await createApiKey(db.prisma, { name: `revoke by ${by}`, role: 'ADMIN' });
      const name = by === 'id' ? apiKey.id : by === 'prefix' ? apiKey.prefix : key;
      const revoked = await revokeApiKey(db.prisma, name);
      expect(revoked.id).toBe(apiKey.id);
      expect(revoked.revokedAt).toBeInstanceOf(Date);
      // Revoking again keeps the first revocation time.
      expect((await revokeApiKey(db.prisma, name)).revokedAt).toEqual(revoked.revokedAt);
    }
  });

  it('says NOT_FOUND for a key nobody has', async () => {
    for (const name of ['pl_nothing', '019a0000-0000-7000-8000-000000000000', generateApiKey()]) {
      await expect(revokeApiKey(db.prisma, name)).rejects.toMatchObject({ name: 'ApiKeyInputError', code: 'NOT_FOUND', field: ['input', 'id'] });
    }
  });

  it('lists keys in force in creation order, with their organization; revoked ones on request', async () => {
    const { apiKey: kept } = await createApiKey(db.prisma, { name: 'listed', role: 'AGENT', organizationSlug: 'sp1' });
    const { apiKey: gone } = await createApiKey(db.prisma, { name: 'listed then revoked', role: 'ADMIN' });
    await revokeApiKey(db.prisma, gone.id);

    const inForce = await listApiKeys(db.prisma);
    expect(inForce.every((key) => key.revokedAt === null)).toBe(true);
    expect(inForce.find((key) => key.id === kept.id)?.organization).toEqual({ id: sp1, slug: 'sp1', name: 'Service Provider 1' });
    expect(inForce.map((key) => key.id)).not.toContain(gone.id);

    const all = await listApiKeys(db.prisma, { includeRevoked: true });
    expect(all.map((key) => key.id)).toContain(gone.id);
    expect(all.map((key) => key.id)).toEqual([...all.map((key) => key.id)].sort());
  });
});
