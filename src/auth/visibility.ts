// What a key may read, as Prisma `where` fragments. Loaders add them to every query, so a record a
// key may not see is never fetched: it is simply "not found" (Keystone's pattern).
//
// Public to every reading key: organizations, autonomous systems and contents (a directory and a
// catalogue, the facts routing registries and storefronts publish anyway), and components that
// stand for an AS or a place. Everything else belongs to an organization, and a scoped key
// (PARTNER, VIEWER) sees only what touches its own.
import type { Prisma } from '../generated/prisma/client.ts';
import type { ComponentKind } from '../generated/prisma/enums.ts';
import type { Principal } from './principal.ts';

export const PUBLIC_COMPONENT_KINDS: ComponentKind[] = ['AUTONOMOUS_SYSTEM', 'COUNTRY', 'REGION', 'CITY'];

export interface Visibility {
  /** The organization a scoped key is limited to; null when the key sees everything. */
  organizationId: string | null;
  component?: Prisma.NetworkComponentWhereInput;
  client?: Prisma.ClientWhereInput;
  link?: Prisma.LinkWhereInput;
  linkSet?: Prisma.LinkSetWhereInput;
  accountingObject?: Prisma.AccountingObjectWhereInput;
  contract?: Prisma.ContractWhereInput;
  transferEvent?: Prisma.TransferEventWhereInput;
  /** FIG. 5 records are their component owner's. */
  componentRecord?: Prisma.ComponentRecordWhereInput;
  /** Invoices are their payer's and payee's. */
  invoice?: Prisma.InvoiceWhereInput;
  alertRule?: Prisma.AlertRuleWhereInput;
  alert?: Prisma.AlertWhereInput;
  /** Policies are their owner's, and the network's they limit. */
  capacityPolicy?: Prisma.CapacityPolicyWhereInput;
  savedReport?: Prisma.SavedReportWhereInput;
  /** The schedule is the operators': global keys only. */
  scheduledJob?: Prisma.ScheduledJobWhereInput;
  /** A grant is the granting ISP's, and the CDN's it is for. */
  uplinkGrant?: Prisma.UplinkGrantWhereInput;
  /** An assignment is the organization's whose agent asked for it. */
  contentAssignment?: Prisma.ContentAssignmentWhereInput;
  apiKey?: Prisma.ApiKeyWhereInput;
}

const NONE = { id: { in: [] as string[] } };

/** For keys that may read nothing (AGENT) or no key at all: every private record is hidden. */
export const NOTHING_PRIVATE: Visibility = {
  organizationId: null,
  component: { kind: { in: PUBLIC_COMPONENT_KINDS } },
  client: NONE,
  link: NONE,
  linkSet: NONE,
  accountingObject: NONE,
  contract: NONE,
  transferEvent: NONE,
  componentRecord: NONE,
  invoice: NONE,
  alertRule: NONE,
  alert: NONE,
  capacityPolicy: NONE,
  savedReport: NONE,
  scheduledJob: NONE,
  uplinkGrant: NONE,
  contentAssignment: NONE,
  apiKey: NONE,
};

export function visibilityFor(principal: Principal | null): Visibility {
  if (principal === null || principal.role === 'AGENT') return NOTHING_PRIVATE;
  const org = principal.organizationId;
  if (org === null) return { organizationId: null };

  // A link is the organization's when it owns the link or either end of it.
  const link: Prisma.LinkWhereInput = {
    OR: [{ component: { ownerId: org } }, { aEnd: { ownerId: org } }, { bEnd: { ownerId: org } }],
  };
  const contract: Prisma.ContractWhereInput = { OR: [{ payerId: org }, { payeeId: org }] };
  return {
    organizationId: org,
    component: {
      OR: [
        { ownerId: org },
        { kind: { in: PUBLIC_COMPONENT_KINDS } },
        // The far end of one of its own links, and the components of its own links.
        { linksAsA: { some: link } },
        { linksAsB: { some: link } },
        { link: { is: link } },
      ],
    },
    client: { subscriberNetworkId: org },
    link,
    linkSet: { ownerId: org },
    accountingObject: { OR: [{ ownerId: org }, { contracts: { some: { contract } } }] },
    contract,
    transferEvent: { OR: [{ reporterId: org }, { sourceNetworkId: org }, { destinationNetworkId: org }] },
    componentRecord: { ownerId: org },
    invoice: { OR: [{ payerId: org }, { payeeId: org }] },
    alertRule: { ownerId: org },
    alert: { rule: { ownerId: org } },
    capacityPolicy: { OR: [{ ownerId: org }, { networkId: org }] },
    savedReport: { ownerId: org },
    scheduledJob: NONE,
    uplinkGrant: { OR: [{ networkId: org }, { distributorId: org }] },
    contentAssignment: { requestedById: org },
    apiKey: { id: principal.keyId },
  };
}
