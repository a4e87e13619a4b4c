// Role checks. Every resolver asks one of these before it touches data; what a key may *see*
// is in visibility.ts, what it may *change* is here.
import type { ApiKeyRole } from '../generated/prisma/enums.ts';
import { InputError } from '../domain/input-error.ts';
import { forbidden, unauthenticated } from '../graphql/errors.ts';
import type { Principal } from './principal.ts';
import { visibilityFor, type Visibility } from './visibility.ts';

/** What a mutation changes, for the table of who may change it. */
export type WritableRecord =
  | 'Organization'
  | 'AutonomousSystem'
  | 'AddressPrefix'
  | 'NetworkComponent'
  | 'Client'
  | 'Link'
  | 'LinkSet'
  | 'Content'
  | 'AccountingObject'
  | 'Contract'
  | 'Invoice'
  | 'AlertRule'
  | 'CapacityPolicy'
  | 'SavedReport'
  | 'ScheduledJob'
  | 'UplinkGrant'
  | 'ApiKey';

// PARTNER keys maintain their own network's registry; contract managers define what is
// measured and priced. Scoped writers are further held to their organization by `guard`.
const WRITERS: Record<WritableRecord, readonly ApiKeyRole[]> = {
  Organization: ['ADMIN', 'PARTNER'],
  AutonomousSystem: ['ADMIN', 'PARTNER'],
  AddressPrefix: ['ADMIN', 'PARTNER'],
  NetworkComponent: ['ADMIN', 'PARTNER'],
  Client: ['ADMIN', 'PARTNER'],
  Link: ['ADMIN', 'PARTNER'],
  LinkSet: ['ADMIN', 'CONTRACT_MANAGER', 'PARTNER'],
  Content: ['ADMIN', 'CONTRACT_MANAGER'],
  AccountingObject: ['ADMIN', 'CONTRACT_MANAGER'],
  Contract: ['ADMIN', 'CONTRACT_MANAGER'],
  // Settling, issuing and voiding; parties read theirs.
  Invoice: ['ADMIN', 'CONTRACT_MANAGER'],
  // An ISP or a content owner watches its own traffic and limits its own network.
  AlertRule: ['ADMIN', 'CONTRACT_MANAGER', 'PARTNER'],
  CapacityPolicy: ['ADMIN', 'CONTRACT_MANAGER', 'PARTNER'],
  SavedReport: ['ADMIN', 'CONTRACT_MANAGER', 'PARTNER'],
  ScheduledJob: ['ADMIN', 'CONTRACT_MANAGER'],
  // An ISP grants the use of its own subscribers' uplink.
  UplinkGrant: ['ADMIN', 'PARTNER'],
  ApiKey: ['ADMIN'],
};

/**
 * Refuses a change on behalf of an organization the key is not scoped to. Services call it with
 * the owner of the record they create, change or delete.
 */
export type OwnerGuard = (organizationId: string | null, field: readonly string[]) => void;

export class Access {
  /** What the caller may see; loaders apply it to every query. */
  readonly visibility: Visibility;

  constructor(readonly principal: Principal | null) {
    this.visibility = visibilityFor(principal);
  }

  /** The caller, or UNAUTHENTICATED. */
  authenticated(): Principal {
    if (this.principal === null) throw unauthenticated();
    return this.principal;
  }

  /** Any key but an AGENT's may read; what it sees is narrowed by `visibility`. */
  reader(): Visibility {
    const principal = this.authenticated();
    if (principal.role === 'AGENT') throw forbidden('AGENT keys may only send transfers; use a VIEWER key to read.');
    return this.visibility;
  }

  requireRole(roles: readonly ApiKeyRole[], action: string): Principal {
    const principal = this.authenticated();
    if (!roles.includes(principal.role)) {
      throw forbidden(`${principal.role} keys may not ${action}; this needs ${roles.join(' or ')}.`);
    }
    return principal;
  }

  /** Checks the role may change this kind of record and returns the guard for its owner. */
  writer(record: WritableRecord): OwnerGuard {
    const principal = this.requireRole(WRITERS[record], `change ${record} records`);
    const scope = principal.organizationId;
    if (scope === null) return () => {};
    return (organizationId, field) => {
      if (organizationId !== scope) {
        throw new InputError(field, `a ${principal.role} key may only change its own organization's records.`, 'FORBIDDEN');
      }
    };
  }
}
