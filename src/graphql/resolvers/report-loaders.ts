// Batched loads for the report engine's nested lists (a policy's latest changes, a job's latest
// runs, a saved report's last run): one statement per field for all parents, not one per parent.
// Kept per request beside the context's own loaders, keyed by them, since every request has its
// own set and their caches must not outlive it.
import DataLoader from 'dataloader';
import type { JobRun, PolicyStateChange, PrismaClient, ReportRun } from '../../generated/prisma/client.ts';
import type { GraphQLContext } from '../context.ts';
import { parsePage } from '../pagination.ts';

interface Latest {
  parentId: string;
  take: number;
}

/**
 * The latest `take` children of each parent, newest first: ranked in SQL, then read by id through
 * Prisma so the rows have their model's types.
 */
function latestLoader<T extends { id: string }>(
  rank: (parentIds: string[], take: number) => Promise<{ id: string; parentId: string }[]>,
  read: (ids: string[]) => Promise<T[]>,
  newestFirst: (a: T, b: T) => number,
): DataLoader<Latest, T[], string> {
  return new DataLoader<Latest, T[], string>(
    async (requests) => {
      const byTake = new Map<number, string[]>();
      for (const { parentId, take } of requests) byTake.set(take, [...(byTake.get(take) ?? []), parentId]);
      const found = new Map<string, T[]>();
      for (const [take, parentIds] of byTake) {
        const ranked = await rank([...new Set(parentIds)], take);
        const rows = new Map((await read(ranked.map((row) => row.id))).map((row) => [row.id, row]));
        for (const { id, parentId } of ranked) {
          const row = rows.get(id);
          if (row) found.set(`${parentId}|${take}`, [...(found.get(`${parentId}|${take}`) ?? []), row]);
        }
      }
      return requests.map(({ parentId, take }) => (found.get(`${parentId}|${take}`) ?? []).sort(newestFirst));
    },
    { cacheKeyFn: ({ parentId, take }) => `${parentId}|${take}` },
  );
}

function ranked(prisma: PrismaClient, table: string, parent: string, order: string) {
  return (parentIds: string[], take: number) =>
    prisma.$queryRawUnsafe<{ id: string; parentId: string }[]>(
      `SELECT "id"::text AS "id", "parentId" FROM (
         SELECT "id", "${parent}"::text AS "parentId", row_number() OVER (PARTITION BY "${parent}" ORDER BY ${order}) AS "n"
           FROM "${table}" WHERE "${parent}" IN (SELECT jsonb_array_elements_text($1::jsonb)::uuid)
       ) AS ranked WHERE "n" <= $2::int`,
      JSON.stringify(parentIds),
      String(take),
    );
}

const time = (date: Date) => date.getTime();
const byIdDescending = (a: { id: string }, b: { id: string }) => (a.id < b.id ? 1 : a.id > b.id ? -1 : 0);

function createReportLoaders(prisma: PrismaClient) {
  return {
    policyChanges: latestLoader<PolicyStateChange>(
      ranked(prisma, 'PolicyStateChange', 'policyId', '"at" DESC, "id" DESC'),
      (ids) => prisma.policyStateChange.findMany({ where: { id: { in: ids } } }),
      (a, b) => time(b.at) - time(a.at) || byIdDescending(a, b),
    ),
    jobRuns: latestLoader<JobRun>(
      ranked(prisma, 'JobRun', 'jobId', '"scheduledFor" DESC'),
      (ids) => prisma.jobRun.findMany({ where: { id: { in: ids } } }),
      (a, b) => time(b.scheduledFor) - time(a.scheduledFor),
    ),
    // The run made last; runs caught up in one go are ordered by when they were made (ids are UUIDv7).
    lastReportRun: latestLoader<ReportRun>(
      ranked(prisma, 'ReportRun', 'savedReportId', '"ranAt" DESC, "id" DESC'),
      (ids) => prisma.reportRun.findMany({ where: { id: { in: ids } } }),
      (a, b) => time(b.ranAt) - time(a.ranAt) || byIdDescending(a, b),
    ),
  };
}

type ReportLoaders = ReturnType<typeof createReportLoaders>;
const perRequest = new WeakMap<object, ReportLoaders>();

export function reportLoaders(ctx: GraphQLContext): ReportLoaders {
  let loaders = perRequest.get(ctx.loaders);
  if (!loaders) perRequest.set(ctx.loaders, (loaders = createReportLoaders(ctx.prisma)));
  return loaders;
}

/** A nested list's `first`, checked like a connection's. */
export function latest(ctx: GraphQLContext, parentId: string, first: number | null | undefined): Latest {
  return { parentId, take: parsePage({ first }, ctx.limits).take };
}
