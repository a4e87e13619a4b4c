// Traffic queries: who may ask (every reading role but AGENT), the scope of PARTNER and VIEWER
// keys, and the shape of the answer; src/traffic/ computes it.
import { Kind, type GraphQLResolveInfo, type SelectionNode } from 'graphql';
import type { AccountingObjectResolvers, NetworkComponentResolvers, QueryResolvers, Resolvers } from '../../generated/graphql.ts';
import { rawEventsSince } from '../../accounting/retention.ts';
import { InputError } from '../../domain/input-error.ts';
import { trafficBalance } from '../../traffic/balance.ts';
import { resolveTrafficFilter, type Dimension, type Granularity, type TrafficFilterInput } from '../../traffic/query.ts';
import { trafficReport } from '../../traffic/report.ts';
import type { GraphQLContext } from '../context.ts';
import type { TrafficReportModel } from '../mapped-types.ts';
import { forbidden } from '../errors.ts';
import { fromGlobalId, toGlobalId } from '../global-id.ts';
import { queryInput } from './support.ts';

const READERS = ['ADMIN', 'CONTRACT_MANAGER', 'PARTNER', 'VIEWER'] as const;

/** The organization a scoped key sees traffic of; null for keys that see all. */
function trafficScope(ctx: GraphQLContext): string | null {
  return ctx.access.requireRole(READERS, 'read traffic').organizationId;
}

/** A report for one filter as the API takes it: resolved, checked against the key, computed. */
/** Whether the selection under this field asks for `files` anywhere (its rows' too). */
function asksForFiles(info: GraphQLResolveInfo): boolean {
  const seen = new Set<string>();
  const walk = (selections: readonly SelectionNode[] | undefined): boolean =>
    (selections ?? []).some((selection) => {
      if (selection.kind === Kind.FIELD) return selection.name.value === 'files' || walk(selection.selectionSet?.selections);
      if (selection.kind === Kind.INLINE_FRAGMENT) return walk(selection.selectionSet.selections);
      if (seen.has(selection.name.value)) return false;
      seen.add(selection.name.value);
      return walk(info.fragments[selection.name.value]?.selectionSet.selections);
    });
  return info.fieldNodes.some((node) => walk(node.selectionSet?.selections));
}

async function report(
  ctx: GraphQLContext,
  filter: TrafficFilterInput,
  groupBy: readonly Dimension[] | null | undefined,
  granularity: Granularity | null | undefined,
  info: GraphQLResolveInfo,
): Promise<TrafficReportModel> {
  const scope = trafficScope(ctx);
  const dimensions = groupBy ?? [];
  return queryInput(async () => {
    const query = await resolveTrafficFilter(ctx.prisma, filter, decodeId);
    if (query.accountingObjectId !== null) {
      // Through visibility: a scoped key reads only its own organization's objects.
      const object = await ctx.loaders.accountingObject.load(query.accountingObjectId);
      if (object === null) throw new InputError(['filter', 'accountingObject'], 'no such accounting object visible to this key.', 'NOT_FOUND');
      if (dimensions.length > 0) throw new InputError(['groupBy'], 'an accounting object’s usage has no dimensions; use granularity for periods.');
    }
    if (new Set(dimensions).size !== dimensions.length) throw new InputError(['groupBy'], 'names a dimension twice.');
    const rawEventsSinceDate = ctx.rawRetentionDays > 0 ? rawEventsSince(ctx.rawRetentionDays) : null;
    const files = asksForFiles(info);
    return { report: await trafficReport(ctx, { query, groupBy: dimensions, granularity: granularity ?? null, scope, rawEventsSince: rawEventsSinceDate, files }), dimensions };
  });
}

function decodeId(id: string, type: string): string | null {
  const decoded = fromGlobalId(id);
  return decoded?.type === type ? decoded.id : null;
}

export const trafficQueries: Pick<QueryResolvers, 'traffic' | 'trafficBalance'> = {
  traffic: (_, { filter, groupBy, granularity }, ctx, info) => report(ctx, filter, groupBy, granularity, info),
  trafficBalance: async (_, { a, b, from, to }, ctx) => {
    const scope = trafficScope(ctx);
    return queryInput(async () => {
      if (!(from < to)) throw new InputError(['to'], `must be after from (${from.toISOString()}).`);
      const organizations = await ctx.prisma.organization.findMany({ where: { slug: { in: [a, b] } }, select: { id: true, slug: true } });
      const idOf = (field: string, slug: string) => {
        const found = organizations.find((org) => org.slug === slug);
        if (!found) throw new InputError([field], `no organization with slug "${slug}".`, 'NOT_FOUND');
        return found.id;
      };
      const aId = idOf('a', a);
      const bId = idOf('b', b);
      if (scope !== null && scope !== aId && scope !== bId) throw forbidden('this key sees only traffic that touches its own organization: make it a or b.');
      return trafficBalance(ctx, aId, bId, from, to);
    });
  },
};

/** Traffic fields on the entities it is about. */
export const entityTraffic = {
  usage: ((object, { from, to, timeZone, granularity }, ctx, info) =>
    report(ctx, { from, to, timeZone, accountingObject: toGlobalId('AccountingObject', object.id) }, [], granularity, info)) satisfies AccountingObjectResolvers['usage'],
  traffic: ((component, { from, to, timeZone, groupBy, granularity }, ctx, info) =>
    report(ctx, { from, to, timeZone, component: toGlobalId('NetworkComponent', component.id) }, groupBy, granularity, info)) satisfies NetworkComponentResolvers['traffic'],
};

export const trafficTypes: Pick<Resolvers, 'TrafficReport' | 'TrafficRow' | 'TrafficKey'> = {
  TrafficReport: {
    bytes: ({ report }) => report.bytes,
    transfers: ({ report }) => report.transfers,
    files: ({ report }) => report.files,
    source: ({ report }) => report.source,
    complete: ({ report }) => report.complete,
    rows: ({ report, dimensions }) => report.rows.map((row) => ({ row, dimensions })),
  },
  TrafficRow: {
    period: ({ row }) => row.period,
    keys: ({ row, dimensions }) => dimensions.map((dimension, i) => ({ dimension, value: row.keys[i] ?? '' })),
    bytes: ({ row }) => row.bytes,
    transfers: ({ row }) => row.transfers,
    files: ({ row }) => row.files,
  },
  TrafficKey: {
    dimension: (key) => key.dimension,
    // Organizations by slug, contents and components by global id: what the filters take back.
    value: async (key, _, ctx) => {
      if (key.value !== '' && ['CONTENT_OWNER', 'SOURCE_NETWORK', 'DESTINATION_NETWORK'].includes(key.dimension)) {
        return (await ctx.directory.organization.load(key.value))?.slug ?? key.value;
      }
      if (key.value !== '' && key.dimension === 'CONTENT') return toGlobalId('Content', key.value);
      if (key.value !== '' && key.dimension === 'COMPONENT') return toGlobalId('NetworkComponent', key.value);
      return key.value;
    },
    organization: (key, _, ctx) => (key.value !== '' && ['CONTENT_OWNER', 'SOURCE_NETWORK', 'DESTINATION_NETWORK'].includes(key.dimension) ? ctx.directory.organization.load(key.value) : null),
    content: (key, _, ctx) => (key.value !== '' && key.dimension === 'CONTENT' ? ctx.loaders.content.load(key.value) : null),
    component: (key, _, ctx) => (key.value !== '' && key.dimension === 'COMPONENT' ? ctx.loaders.component.load(key.value) : null),
  },
};
