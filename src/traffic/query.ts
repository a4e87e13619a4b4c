// A traffic question as the API asks it (slugs, global ids, addresses) turned into ids, with
// every problem named by its field. What the report engine and the API both take.
import type { PrismaClient } from '../generated/prisma/client.ts';
import type { TransferType } from '../generated/prisma/enums.ts';
import type { HourWindow } from '../accounting/time-window.ts';
import { InputError } from '../domain/input-error.ts';
import { hourWindow, timeZone as validTimeZone } from '../domain/validate.ts';
import { parseAddress } from '../path/address.ts';

export const DIMENSIONS = ['CONTENT_OWNER', 'CONTENT', 'SOURCE_NETWORK', 'DESTINATION_NETWORK', 'COMPONENT', 'TYPE', 'COUNTRY'] as const;
export type Dimension = (typeof DIMENSIONS)[number];
export type Granularity = 'HOUR' | 'DAY' | 'MONTH' | 'QUARTER';

/** The longest range a query may cover: ten years of hourly counters. */
const MAX_RANGE_MS = 10 * 366 * 24 * 3_600_000;

export interface TrafficFilterInput {
  from: Date;
  to: Date;
  timeZone?: string | null;
  hours?: { from: number; to: number } | null;
  contentOwner?: string | null;
  content?: string | null;
  type?: TransferType | null;
  crossing?: { from: string; to: string } | null;
  sourceNetwork?: string | null;
  destinationNetwork?: string | null;
  sender?: string | null;
  receiver?: string | null;
  component?: string | null;
  linkSet?: string | null;
  accountingObject?: string | null;
  onNet?: boolean | null;
}

export interface TrafficQuery {
  from: Date;
  to: Date;
  timeZone: string;
  hours: HourWindow | null;
  contentOwnerId: string | null;
  contentId: string | null;
  type: TransferType | null;
  crossing: { fromId: string; toId: string } | null;
  sourceNetworkId: string | null;
  destinationNetworkId: string | null;
  senderClientId: string | null;
  receiverClientId: string | null;
  componentId: string | null;
  /** The link components of the set, when filtering by a link set. */
  linkSet: { id: string; componentIds: string[] } | null;
  accountingObjectId: string | null;
  onNet: boolean | null;
}

/** Row ids from the API's global ids; null when the id is not one of that type. */
export type IdDecoder = (globalId: string, type: 'Content' | 'NetworkComponent' | 'LinkSet' | 'AccountingObject' | 'Client') => string | null;

export async function resolveTrafficFilter(prisma: PrismaClient, filter: TrafficFilterInput, decode: IdDecoder, field = 'filter'): Promise<TrafficQuery> {
  const at = (name: string) => [field, name];
  if (!(filter.from < filter.to)) throw new InputError(at('to'), `must be after from (${filter.from.toISOString()}).`);
  if (filter.to.getTime() - filter.from.getTime() > MAX_RANGE_MS) throw new InputError(at('to'), 'the range is longer than ten years.');
  // The same rules, and words, as an accounting object's filter.
  const timeZone = validTimeZone(at('timeZone'), filter.timeZone ?? 'UTC');
  const window = filter.hours ? hourWindow(at('hours'), filter.hours) : null;
  const hours: HourWindow | null = window ? { fromHour: window.from, toHour: window.to } : null;

  const slugs = [filter.contentOwner, filter.crossing?.from, filter.crossing?.to, filter.sourceNetwork, filter.destinationNetwork].filter((slug): slug is string => typeof slug === 'string');
  const organizations = slugs.length === 0 ? [] : await prisma.organization.findMany({ where: { slug: { in: slugs } }, select: { id: true, slug: true } });
  const organization = (name: string, slug: string | null | undefined): string | null => {
    if (slug == null) return null;
    const found = organizations.find((org) => org.slug === slug);
    if (!found) throw new InputError(at(name), `no organization with slug "${slug}".`, 'NOT_FOUND');
    return found.id;
  };
  const row = (name: string, type: Parameters<IdDecoder>[1], id: string | null | undefined): string | null => {
    if (id == null) return null;
    const decoded = decode(id, type);
    if (decoded === null) throw new InputError(at(name), `"${id}" is not the id of a ${type}.`, 'NOT_FOUND');
    return decoded;
  };

  const crossing = filter.crossing ? { fromId: organization('crossing.from', filter.crossing.from)!, toId: organization('crossing.to', filter.crossing.to)! } : null;
  const linkSetId = row('linkSet', 'LinkSet', filter.linkSet);
  const linkSet = linkSetId === null ? null : await linkSetComponents(prisma, linkSetId, at('linkSet'));
  return {
    from: filter.from,
    to: filter.to,
    timeZone,
    hours,
    contentOwnerId: organization('contentOwner', filter.contentOwner),
    contentId: row('content', 'Content', filter.content),
    type: filter.type ?? null,
    crossing,
    sourceNetworkId: organization('sourceNetwork', filter.sourceNetwork),
    destinationNetworkId: organization('destinationNetwork', filter.destinationNetwork),
    senderClientId: await client(prisma, filter.sender, decode, at('sender')),
    receiverClientId: await client(prisma, filter.receiver, decode, at('receiver')),
    componentId: row('component', 'NetworkComponent', filter.component),
    linkSet,
    accountingObjectId: row('accountingObject', 'AccountingObject', filter.accountingObject),
    onNet: filter.onNet ?? null,
  };
}

async function linkSetComponents(prisma: PrismaClient, id: string, field: string[]): Promise<{ id: string; componentIds: string[] }> {
  const set = await prisma.linkSet.findUnique({ where: { id }, select: { members: { select: { link: { select: { componentId: true } } } } } });
  if (!set) throw new InputError(field, 'no such link set.', 'NOT_FOUND');
  return { id, componentIds: set.members.map((member) => member.link.componentId) };
}

/** A client by global id or by one of its addresses. */
async function client(prisma: PrismaClient, reference: string | null | undefined, decode: IdDecoder, field: string[]): Promise<string | null> {
  if (reference == null) return null;
  const address = parseAddress(reference.trim());
  if (address !== null) {
    const found = await prisma.client.findFirst({ where: { addresses: { has: address.text } }, orderBy: { lastSeenAt: 'desc' }, select: { id: true } });
    if (!found) throw new InputError(field, `no client has the address ${address.text}.`, 'NOT_FOUND');
    return found.id;
  }
  const id = decode(reference, 'Client');
  if (id === null) throw new InputError(field, `"${reference}" is neither a client id nor an IP address.`, 'NOT_FOUND');
  return id;
}
