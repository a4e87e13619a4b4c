import type { ApiKeyRole, OrganizationRole } from '../generated/prisma/enums.ts';

/** Who is calling: the API key that authenticated the request. */
export interface Principal {
  keyId: string;
  keyName: string;
  role: ApiKeyRole;
  /** The organization a scoped key (PARTNER, AGENT, VIEWER) is limited to; null for global roles. */
  organizationId: string | null;
  /**
   * That organization's roles, read with the key (the coordinator asks whether it distributes
   * content on every request). Absent on a principal made by hand rather than from a key.
   */
  organizationRoles?: readonly OrganizationRole[];
}

/** Roles whose keys are limited to one organization's data. */
export const SCOPED_ROLES: readonly ApiKeyRole[] = ['PARTNER', 'AGENT', 'VIEWER'];

export function isScopedRole(role: ApiKeyRole): boolean {
  return SCOPED_ROLES.includes(role);
}
