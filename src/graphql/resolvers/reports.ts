// Saved reports and scheduled jobs; src/reports/saved-reports.ts and src/reports/scheduler.ts
// do the work.
import type { MutationResolvers, QueryResolvers, Resolvers } from '../../generated/graphql.ts';
import { InputError } from '../../domain/input-error.ts';
import { rowId } from '../../domain/references.ts';
import { createSavedReport, deleteSavedReport, reportOfRun, runReport, savedQueryOf } from '../../reports/saved-reports.ts';
import { createScheduledJob, deleteScheduledJob, nextRunAt } from '../../reports/scheduled-jobs.ts';
import { toGlobalId } from '../global-id.ts';
import { latest, reportLoaders } from './report-loaders.ts';
import { globalId, payload } from './support.ts';

const ID = ['input', 'id'];

export const reportQueries: Pick<QueryResolvers, 'savedReports' | 'scheduledJobs'> = {
  savedReports: (_, __, ctx) => {
    const visible = ctx.access.reader().savedReport ?? {};
    return ctx.prisma.savedReport.findMany({ where: visible, orderBy: { name: 'asc' } });
  },
  scheduledJobs: (_, __, ctx) => {
    const visible = ctx.access.reader().scheduledJob ?? {};
    return ctx.prisma.scheduledJob.findMany({ where: visible, orderBy: { name: 'asc' } });
  },
};

export const reportMutations: Pick<MutationResolvers, 'createSavedReport' | 'deleteSavedReport' | 'runSavedReport' | 'createScheduledJob' | 'deleteScheduledJob'> = {
  createSavedReport: (_, { input }, ctx) => {
    const guard = ctx.access.writer('SavedReport');
    const key = {
      guard,
      // The report sees what the key saving it sees, whoever runs it later.
      scope: ctx.access.authenticated().organizationId,
      seesAccountingObject: async (id: string) => (await ctx.loaders.accountingObject.load(id)) !== null,
    };
    return payload('savedReport', () => createSavedReport(ctx.prisma, input, key));
  },
  deleteSavedReport: (_, { input }, ctx) => {
    const guard = ctx.access.writer('SavedReport');
    return payload('deletedId', async () => {
      const deleted = await deleteSavedReport(ctx.prisma, rowId(ID, input.id, 'SavedReport'), guard);
      return deleted && toGlobalId('SavedReport', deleted.id);
    });
  },
  runSavedReport: (_, { input }, ctx) => {
    // Running keeps a ReportRun, so it takes a writer; the report must be one the key sees.
    const guard = ctx.access.writer('SavedReport');
    const visible = ctx.access.visibility.savedReport ?? {};
    return payload('run', async () => {
      const report = await ctx.prisma.savedReport.findFirst({ where: { name: input.name, AND: [visible] } });
      if (report === null) throw new InputError(['input', 'name'], `no saved report named "${input.name}" visible to this key.`, 'NOT_FOUND');
      guard(report.ownerId, ['input', 'name']);
      const now = new Date();
      return runReport(ctx, report, now, now);
    });
  },
  createScheduledJob: (_, { input }, ctx) => {
    const guard = ctx.access.writer('ScheduledJob');
    return payload('scheduledJob', () => createScheduledJob(ctx.prisma, input, guard));
  },
  deleteScheduledJob: (_, { input }, ctx) => {
    const guard = ctx.access.writer('ScheduledJob');
    return payload('deletedId', async () => {
      const deleted = await deleteScheduledJob(ctx.prisma, rowId(ID, input.id, 'ScheduledJob'), guard);
      return deleted && toGlobalId('ScheduledJob', deleted.id);
    });
  },
};

export const reportTypes: Pick<Resolvers, 'SavedReport' | 'ReportRun' | 'ScheduledJob' | 'JobRun'> = {
  SavedReport: {
    id: globalId('SavedReport'),
    owner: async (report, _, ctx) => (await ctx.directory.organization.load(report.ownerId))!,
    filter: (report) => JSON.stringify(savedQueryOf(report).filter),
    groupBy: (report) => savedQueryOf(report).groupBy,
    granularity: (report) => savedQueryOf(report).granularity,
    range: (report) => savedQueryOf(report).range,
    lastRun: async (report, _, ctx) => (await reportLoaders(ctx).lastReportRun.load({ parentId: report.id, take: 1 }))[0] ?? null,
  },
  ReportRun: {
    report: (run) => reportOfRun(run),
  },
  ScheduledJob: {
    id: globalId('ScheduledJob'),
    savedReport: (job, _, ctx) => (job.savedReportId ? ctx.loaders.savedReport.load(job.savedReportId) : null),
    lastRuns: (job, { first }, ctx) => reportLoaders(ctx).jobRuns.load(latest(ctx, job.id, first)),
    nextRunAt: (job) => nextRunAt(job),
  },
  JobRun: {
    result: (run) => (run.result === null ? null : JSON.stringify(run.result)),
  },
};
