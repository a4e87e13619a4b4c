// Opaque global ids (Relay): base64url of "<Type>:<uuid>". Clients must not parse them; we
// encode the type so `node(id:)` and `associate` know which table an id points into.
import { isUuid } from '../domain/validate.ts';

export const NODE_TYPES = [
  'Organization',
  'AutonomousSystem',
  'AddressPrefix',
  'NetworkComponent',
  'Client',
  'Link',
  'LinkSet',
  'Content',
  'AccountingObject',
  'Contract',
  'TransferEvent',
  'ComponentRecord',
  'Invoice',
  'AlertRule',
  'Alert',
  'CapacityPolicy',
  'SavedReport',
  'ScheduledJob',
  'UplinkGrant',
  'ContentAssignment',
  'ApiKey',
] as const;
export type NodeType = (typeof NODE_TYPES)[number];

export function toGlobalId(type: NodeType, id: string): string {
  return Buffer.from(`${type}:${id}`).toString('base64url');
}

export interface DecodedId {
  type: NodeType;
  id: string;
}

/** Null when the id is not one of ours. */
export function fromGlobalId(globalId: string): DecodedId | null {
  const decoded = Buffer.from(globalId, 'base64url').toString('utf8');
  const colon = decoded.indexOf(':');
  const type = decoded.slice(0, colon);
  const id = decoded.slice(colon + 1);
  if (colon < 0 || !(NODE_TYPES as readonly string[]).includes(type) || !isUuid(id)) return null;
  return { type: type as NodeType, id };
}
