// The work behind the scheduled job kinds this module owns: running a saved report and
// evaluating the capacity policies. Settlement and alert evaluation bring their own.
import type { JobKind } from '../generated/prisma/enums.ts';
import { evaluatePolicies } from './policies.ts';
import { runReport, type ReportStore } from './saved-reports.ts';
import type { JobHandler } from './scheduler.ts';

/**
 * SAVED_REPORT runs the job's report over the last complete range before the instant it was due
 * for; POLICY_EVALUATION evaluates every policy as of that instant (an evaluation already made
 * later is kept: see evaluatePolicies).
 */
export function reportJobHandlers(store: ReportStore, clock: () => Date = () => new Date()): Map<JobKind, JobHandler> {
  return new Map<JobKind, JobHandler>([
    [
      'SAVED_REPORT',
      async (job, scheduledFor) => {
        const report = job.savedReportId === null ? null : await store.prisma.savedReport.findUnique({ where: { id: job.savedReportId } });
        if (report === null) throw new Error('the job’s saved report no longer exists.');
        const run = await runReport(store, report, scheduledFor, clock());
        return { report: report.name, from: run.from, to: run.to };
      },
    ],
    [
      'POLICY_EVALUATION',
      async (_, scheduledFor) => {
        const outcomes = await evaluatePolicies(store, { now: scheduledFor });
        return {
          evaluated: outcomes.length,
          enforced: outcomes.filter((outcome) => outcome.state === 'ENFORCED').length,
          changed: outcomes.filter((outcome) => outcome.changed).map((outcome) => ({ policy: outcome.policyId, to: outcome.state })),
        };
      },
    ],
  ]);
}
