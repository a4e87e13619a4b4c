// Saved reports and scheduled jobs; src/reports/saved-reports.ts and src/reports/scheduler.ts
// do the work.
import type { MutationResolvers, QueryResolvers, Resolvers } from '../../generated/graphql.ts';

export const reportQueries: Pick<QueryResolvers, 'savedReports' | 'scheduledJobs'> = {};
export const reportMutations: Pick<MutationResolvers, 'createSavedReport' | 'deleteSavedReport' | 'runSavedReport' | 'createScheduledJob' | 'deleteScheduledJob'> = {};
export const reportTypes: Pick<Resolvers, 'SavedReport' | 'ReportRun' | 'ScheduledJob' | 'JobRun'> = {};
