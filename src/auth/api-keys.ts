// API keys: made, listed, revoked, and turned into a Principal on every request.
//
// A key is `pl_` followed by 32 random bytes in base64url (43 characters). Only its SHA-256 is
// stored, with a short display prefix, so the database never holds a usable secret and a leaked
// backup grants nothing. The key itself is returned once, by `createApiKey`.
import { createHash, randomBytes } from 'node:crypto';
import type { ApiKey, PrismaClient } from '../generated/prisma/client.ts';
import { ApiKeyRole, type OrganizationRole } from '../generated/prisma/enums.ts';
import { InputError } from '../domain/input-error.ts';
import type { UserErrorCode } from '../generated/graphql.ts';
import { isScopedRole, type Principal } from './principal.ts';
import type { SqlRunner } from '../db/raw-sql.ts';

export const API_KEY_MARKER = 'pl_';
/** Characters of the key kept in the clear, enough to tell keys apart in a list. */
export const DISPLAY_PREFIX_LENGTH = 10;
const KEY_BYTES = 32;
const MAX_NAME_LENGTH = 100;
const KEY_SHAPE = /^pl_[A-Za-z0-9_-]{43}$/;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
/** lastUsedAt is a hint for operators ("is this key still in use?"), not an audit log. */
export const LAST_USED_RESOLUTION_MS = 60_000;

/**
 * A problem with what the caller asked for (a missing or refused organization, an unknown key).
 * It is an InputError, so GraphQL mutations report it in `userErrors`; the CLI names the flag.
 * `field` is the GraphQL input path: ['input', 'name' | 'role' | 'organization' | 'id'].
 */
export class ApiKeyInputError extends InputError {
  constructor(field: readonly string[], message: string, code: UserErrorCode = 'INVALID') {
    super(field, message, code);
    this.name = 'ApiKeyInputError';
  }
}

export interface CreateApiKeyInput {
  name: string;
  role: ApiKeyRole;
  /** Required for PARTNER, AGENT and VIEWER; refused for ADMIN and CONTRACT_MANAGER. */
  organizationSlug?: string | undefined;
}

export interface CreatedApiKey {
  /** The secret. Not stored anywhere; show it once. */
  key: string;
  apiKey: ApiKey;
}

/**
 * What these functions need of the client: the PrismaClient itself, or a transaction's client
 * (the demo world creates its admin key inside the transaction that loads it).
 */
export type ApiKeyStore = Pick<PrismaClient, 'apiKey' | 'organization'>;

export interface ApiKeyListing extends ApiKey {
  organization: { id: string; slug: string; name: string } | null;
}

/** A fresh secret: `pl_` + 43 characters. */
export function generateApiKey(): string {
  return API_KEY_MARKER + randomBytes(KEY_BYTES).toString('base64url');
}

export function hashApiKey(key: string): string {
  return createHash('sha256').update(key, 'utf8').digest('hex');
}

export function isApiKeyShaped(text: string): boolean {
  return KEY_SHAPE.test(text);
}

export async function createApiKey(prisma: ApiKeyStore, input: CreateApiKeyInput): Promise<CreatedApiKey> {
  const name = input.name.trim();
  if (name.length === 0 || name.length > MAX_NAME_LENGTH) throw new ApiKeyInputError(['input', 'name'], `must be 1 to ${MAX_NAME_LENGTH} characters.`);
  // The role is typed, but the CLI and GraphQL variables are strings at run time.
  if (!Object.values(ApiKeyRole).includes(input.role)) {
    throw new ApiKeyInputError(['input', 'role'], `"${String(input.role)}" is not a role; use one of ${Object.values(ApiKeyRole).join(', ')}.`);
  }
  const slug = input.organizationSlug?.trim() || undefined;
  let organizationId: string | null = null;
  if (isScopedRole(input.role)) {
    if (slug === undefined) {
      throw new ApiKeyInputError(['input', 'organization'], `${withArticle(input.role)} key is limited to one organization; name it by its slug.`);
    }
    const organization = await prisma.organization.findUnique({ where: { slug }, select: { id: true } });
    if (organization === null) throw new ApiKeyInputError(['input', 'organization'], `no organization has the slug "${slug}".`, 'NOT_FOUND');
    organizationId = organization.id;
  } else if (slug !== undefined) {
    throw new ApiKeyInputError(['input', 'organization'], `${withArticle(input.role)} key sees every organization; leave the organization out.`);
  }

  const key = generateApiKey();
  const apiKey = await prisma.apiKey.create({
    data: { name, role: input.role, organizationId, prefix: key.slice(0, DISPLAY_PREFIX_LENGTH), hash: hashApiKey(key) },
  });
  return { key, apiKey };
}

export async function listApiKeys(prisma: ApiKeyStore, options: { includeRevoked?: boolean } = {}): Promise<ApiKeyListing[]> {
  return prisma.apiKey.findMany({
    where: options.includeRevoked ? {} : { revokedAt: null },
    include: { organization: { select: { id: true, slug: true, name: true } } },
    // Ids are UUIDv7, so id order is creation order.
    orderBy: { id: 'asc' },
  });
}

/**
 * Revokes the key named by its id, its display prefix, or the key itself. Revoking a revoked key
 * changes nothing and keeps the first revocation time.
 */
export async function revokeApiKey(prisma: ApiKeyStore, idOrPrefix: string): Promise<ApiKey> {
  const wanted = idOrPrefix.trim();
  const field = ['input', 'id'];
  let found: ApiKey | null;
  if (UUID.test(wanted)) {
    found = await prisma.apiKey.findUnique({ where: { id: wanted.toLowerCase() } });
  } else if (isApiKeyShaped(wanted)) {
    found = await prisma.apiKey.findUnique({ where: { hash: hashApiKey(wanted) } });
  } else {
    // Prefixes are 42 random bits after the marker; a clash is unlikely but must not revoke
    // the wrong key.
    const matches = await prisma.apiKey.findMany({ where: { prefix: wanted }, take: 2 });
    if (matches.length > 1) throw new ApiKeyInputError(field, `more than one key has the prefix "${wanted}"; use the id.`);
    found = matches[0] ?? null;
  }
  if (found === null) throw new ApiKeyInputError(field, `no API key has the id or prefix "${wanted}".`, 'NOT_FOUND');
  if (found.revokedAt !== null) return found;
  // The condition keeps a concurrent revocation's timestamp rather than overwriting it.
  await prisma.apiKey.updateMany({ where: { id: found.id, revokedAt: null }, data: { revokedAt: new Date() } });
  return prisma.apiKey.findUniqueOrThrow({ where: { id: found.id } });
}

function withArticle(role: ApiKeyRole): string {
  return `${/^[AEIOU]/.test(role) ? 'an' : 'a'} ${role}`;
}

/**
 * The principal behind a bearer token, or null for a malformed, unknown or revoked key.
 *
 * No constant-time comparison is needed: the secret is never compared character by character
 * here. We look up the SHA-256 of what was presented through a unique index, so timing can
 * reveal at most something about a hash, and knowing part of a hash does not help anyone
 * construct a key that produces it.
 */
export async function authenticate(sql: SqlRunner, token: string): Promise<Principal | null> {
  if (!isApiKeyShaped(token)) return null;
  const now = new Date();
  const staleBefore = new Date(now.getTime() - LAST_USED_RESOLUTION_MS).toISOString();
  // Raw SQL, not Prisma: this runs on every request, and the ORM's own work per call cost more
  // than the lookup (measured on the coordinator bench). Whether lastUsedAt is stale is worked
  // out in SQL, so no timestamp without a time zone has to be read back into a Date.
  const [key] = await sql.query<{ id: string; name: string; role: ApiKeyRole; organizationId: string | null; organizationRoles: OrganizationRole[] | null; stale: boolean }>(
    `SELECT k."id"::text AS "id", k."name", k."role"::text AS "role", k."organizationId"::text AS "organizationId", ` +
      `o."roles"::text[] AS "organizationRoles", (k."lastUsedAt" IS NULL OR k."lastUsedAt" < $2::timestamp) AS "stale" ` +
      `FROM "ApiKey" AS k LEFT JOIN "Organization" AS o ON o."id" = k."organizationId" WHERE k."hash" = $1 AND k."revokedAt" IS NULL`,
    [hashApiKey(token), staleBefore],
  );
  if (key === undefined) return null;
  if (key.stale) stampLastUsed(sql, key.id, now);
  return {
    keyId: key.id,
    keyName: key.name,
    role: key.role,
    organizationId: key.organizationId,
    ...(key.organizationRoles ? { organizationRoles: key.organizationRoles } : {}),
  };
}

/**
 * Records that the key was used now, unless it was within the last minute. Not awaited: a request
 * should not wait for a bookkeeping write. The condition in the WHERE clause makes concurrent
 * requests (and other server processes) write at most once a minute per key, since the row lock
 * makes the second update re-check it and skip. A failure (e.g. the database closing at
 * shutdown) loses only this hint, so it is ignored.
 */
export function stampLastUsed(sql: SqlRunner, keyId: string, now: Date): void {
  const staleBefore = new Date(now.getTime() - LAST_USED_RESOLUTION_MS).toISOString();
  sql
    .query(`UPDATE "ApiKey" SET "lastUsedAt" = $2::timestamp WHERE "id" = $1::uuid AND ("lastUsedAt" IS NULL OR "lastUsedAt" < $3::timestamp)`, [keyId, now.toISOString(), staleBefore])
    .catch(() => undefined);
}
