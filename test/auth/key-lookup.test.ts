// A server's key lookup against a real database: it reads a key once and remembers it, and
// forgets every key as soon as anything that decides what a key may do changes, wherever the
// change was made; it remembers nothing it could have missed a change to.
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { createApiKey, revokeApiKey } from '../../src/auth/api-keys.ts';
import { KeyLookup } from '../../src/auth/key-lookup.ts';
import type { NotificationHandlers } from '../../src/db/notifications.ts';
import type { SqlRunner } from '../../src/db/raw-sql.ts';
import { createTestDatabase, type TestDatabase } from '../support/database.ts';

let db: TestDatabase;
const logger = { warn: () => undefined };

beforeAll(async () => {
  db = await createTestDatabase();
  await db.prisma.organization.create({ data: { slug: 'sp1', name: 'Service Provider 1', roles: ['SERVICE_PROVIDER'] } });
}, 120_000);
afterAll(async () => {
  await db?.drop();
});

/** The database's SQL, counting key lookups; a lookup waits for `gate` when one is set. */
function countingSql() {
  const counted = { lookups: 0, gate: null as Promise<void> | null };
  const sql: SqlRunner = {
    query: async (text, params) => {
      if (text.startsWith('SELECT') && text.includes('"ApiKey"')) {
        counted.lookups++;
        if (counted.gate) await counted.gate;
      }
      return db.sql.query(text, params);
    },
  } as SqlRunner;
  return { counted, sql };
}

describe('a server’s key lookup', () => {
  it('reads a key once for the requests that present it together, then answers from memory', async () => {
    const { key } = await createApiKey(db.prisma, { name: 'busy agent', role: 'AGENT', organizationSlug: 'sp1' });
    const { counted, sql } = countingSql();
    const keys = await KeyLookup.open({ sql, listen: db.listen }, logger);
    try {
      const together = await Promise.all([keys.authenticate(key), keys.authenticate(key), keys.authenticate(key)]);
      expect(together.map((principal) => principal?.keyName)).toEqual(['busy agent', 'busy agent', 'busy agent']);
      expect((await keys.authenticate(key))?.organizationRoles).toEqual(['SERVICE_PROVIDER']);
      expect(counted.lookups).toBe(1);
      expect(await keys.authenticate('pl_not-a-real-key')).toBeNull();
      expect(await keys.authenticate(`${key.slice(0, -1)}x`)).toBeNull();
      expect(counted.lookups).toBe(2);
    } finally {
      await keys.close();
    }
  });

  it('forgets when a key is revoked or an organization’s roles change in another process', async () => {
    const { key, apiKey } = await createApiKey(db.prisma, { name: 'soon revoked', role: 'PARTNER', organizationSlug: 'sp1' });
    const other = await createApiKey(db.prisma, { name: 'sp1 portal', role: 'VIEWER', organizationSlug: 'sp1' });
    const keys = await KeyLookup.open(db, logger);
    try {
      expect(await keys.authenticate(key)).not.toBeNull();
      expect((await keys.authenticate(other.key))?.organizationRoles).toEqual(['SERVICE_PROVIDER']);
      // As `pathledger keys revoke` does, on the database, not through this server.
      await revokeApiKey(db.prisma, apiKey.id);
      await vi.waitFor(async () => expect(await keys.authenticate(key)).toBeNull());
      await db.prisma.organization.update({ where: { slug: 'sp1' }, data: { roles: ['SERVICE_PROVIDER', 'CONTENT_OWNER'] } });
      await vi.waitFor(async () => expect((await keys.authenticate(other.key))?.organizationRoles).toEqual(['SERVICE_PROVIDER', 'CONTENT_OWNER']));
    } finally {
      await keys.close();
      await db.prisma.organization.update({ where: { slug: 'sp1' }, data: { roles: ['SERVICE_PROVIDER'] } });
    }
  });

  it('records a remembered key’s use once a minute, which makes nobody forget it', async () => {
    const { key, apiKey } = await createApiKey(db.prisma, { name: 'stamped', role: 'ADMIN' });
    const lastUsed = async () => (await db.prisma.apiKey.findUniqueOrThrow({ where: { id: apiKey.id } })).lastUsedAt;
    let now = Date.now();
    const { counted, sql } = countingSql();
    const keys = await KeyLookup.open({ sql, listen: db.listen }, logger, { now: () => now });
    try {
      await keys.authenticate(key);
      await vi.waitFor(async () => expect(await lastUsed()).not.toBeNull());
      const first = (await lastUsed())!.getTime();
      now += 30_000;
      await keys.authenticate(key);
      now += 31_000;
      await keys.authenticate(key);
      await vi.waitFor(async () => expect((await lastUsed())!.getTime()).toBeGreaterThan(first + 60_000));
      await new Promise((resolve) => setTimeout(resolve, 100));
      await keys.authenticate(key);
      expect(counted.lookups).toBe(1);
    } finally {
      await keys.close();
    }
  });

  it('remembers nothing while it cannot hear changes, nor a lookup a change overtook', async () => {
    const { key } = await createApiKey(db.prisma, { name: 'agent', role: 'AGENT', organizationSlug: 'sp1' });
    const { counted, sql } = countingSql();
    let handlers!: NotificationHandlers;
    const keys = await KeyLookup.open(
      {
        sql,
        listen: async (_channel, given) => {
          handlers = given;
          given.onListening?.(true);
          return async () => undefined;
        },
      },
      logger,
    );
    await keys.authenticate(key);
    await keys.authenticate(key);
    expect(counted.lookups).toBe(1);

    // The listening connection dropped: every request reads its key until it listens again.
    handlers.onListening?.(false);
    await keys.authenticate(key);
    await keys.authenticate(key);
    expect(counted.lookups).toBe(3);
    handlers.onListening?.(true);
    await keys.authenticate(key);
    await keys.authenticate(key);
    expect(counted.lookups).toBe(4);

    // A change is announced while a lookup is in flight: its answer serves, but is not kept.
    handlers.onNotify('');
    let open!: () => void;
    counted.gate = new Promise((resolve) => (open = resolve));
    const overtaken = keys.authenticate(key);
    await vi.waitFor(() => expect(counted.lookups).toBe(5));
    handlers.onNotify('');
    open();
    counted.gate = null;
    expect((await overtaken)?.keyName).toBe('agent');
    await keys.authenticate(key);
    await keys.authenticate(key);
    expect(counted.lookups).toBe(6);
    await keys.close();
  });
});
