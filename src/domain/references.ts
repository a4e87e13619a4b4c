// Turning what a caller names (a slug, a global id) into a row id, with an error on the field
// when nothing answers to it.
import type { PrismaClient } from '../generated/prisma/client.ts';
import type { OrganizationRole } from '../generated/prisma/enums.ts';
import { fromGlobalId, type NodeType } from '../graphql/global-id.ts';
import { InputError } from './input-error.ts';
import type { FieldPath } from './validate.ts';

export interface OrganizationRef {
  id: string;
  slug: string;
  roles: OrganizationRole[];
}

export async function organizationBySlug(
  prisma: PrismaClient,
  field: FieldPath,
  slug: string,
  requiredRole?: OrganizationRole,
): Promise<OrganizationRef> {
  const organization = await prisma.organization.findUnique({ where: { slug }, select: { id: true, slug: true, roles: true } });
  if (organization === null) throw new InputError(field, `no organization has the slug "${slug}".`, 'NOT_FOUND');
  if (requiredRole && !organization.roles.includes(requiredRole)) {
    throw new InputError(field, `organization "${slug}" is not a ${requiredRole.toLowerCase().replaceAll('_', ' ')}.`);
  }
  return organization;
}

/** The row id behind a global id that must be of one of `types`. */
export function rowId(field: FieldPath, globalId: string, ...types: NodeType[]): string {
  return decodeAs(field, globalId, types).id;
}

export function decodeAs(field: FieldPath, globalId: string, types: readonly NodeType[]): { type: NodeType; id: string } {
  const decoded = fromGlobalId(globalId);
  if (decoded === null) throw new InputError(field, `"${globalId}" is not an id this API issued.`);
  if (!types.includes(decoded.type)) {
    throw new InputError(field, `expected the id of a ${types.join(' or ')}, got a ${decoded.type}.`);
  }
  return decoded;
}

/** Throws NOT_FOUND on `field` unless `found` holds a row. */
export function found<T>(row: T | null, field: FieldPath, what: string): T {
  if (row === null) throw new InputError(field, `no ${what} with this id.`, 'NOT_FOUND');
  return row;
}
