// Scheduled jobs as records: created with a checked schedule, listed, deleted. Running them is
// scheduler.ts's.
import type { OwnerGuard } from '../auth/access.ts';
import { withConstraints } from '../db/prisma-errors.ts';
import { InputError } from '../domain/input-error.ts';
import { rowId } from '../domain/references.ts';
import { name as validName, timeZone as validTimeZone } from '../domain/validate.ts';
import type { PrismaClient, ScheduledJob } from '../generated/prisma/client.ts';
import type { JobKind } from '../generated/prisma/enums.ts';
import { cronSchedule, nextInstant } from './cron.ts';

export const JOB_KINDS: readonly JobKind[] = ['SAVED_REPORT', 'SETTLEMENT', 'ALERT_EVALUATION', 'POLICY_EVALUATION'];

export interface ScheduledJobInput {
  name: string;
  kind: JobKind;
  schedule: string;
  timeZone?: string | null;
  /** A SavedReport's global id, for SAVED_REPORT jobs only. */
  savedReport?: string | null;
}

const field = (name: string) => ['input', name];

/**
 * Creates a job whose first instant is the first after `now`: a job starts from its creation, it
 * does not catch up on the instants before it existed.
 */
export async function createScheduledJob(prisma: PrismaClient, input: ScheduledJobInput, guard: OwnerGuard, now = new Date()): Promise<ScheduledJob> {
  // The schedule is the operators': no organization owns a job, so only global keys pass.
  guard(null, ['input']);
  const name = validName(field('name'), input.name);
  if (!JOB_KINDS.includes(input.kind)) throw new InputError(field('kind'), `must be one of ${JOB_KINDS.join(', ')}.`);
  const timeZone = validTimeZone(field('timeZone'), input.timeZone ?? 'UTC');
  const schedule = cronSchedule(field('schedule'), input.schedule, timeZone);
  let savedReportId: string | null = null;
  if (input.kind === 'SAVED_REPORT') {
    if (input.savedReport == null) throw new InputError(field('savedReport'), 'a SAVED_REPORT job names the saved report it runs.');
    savedReportId = rowId(field('savedReport'), input.savedReport, 'SavedReport');
    if ((await prisma.savedReport.count({ where: { id: savedReportId } })) === 0) throw new InputError(field('savedReport'), 'no saved report with this id.', 'NOT_FOUND');
  } else if (input.savedReport != null) {
    throw new InputError(field('savedReport'), `only SAVED_REPORT jobs name a saved report; this is a ${input.kind} job.`);
  }
  return withConstraints({ unique: { field: field('name'), message: `a scheduled job named "${name}" exists already.` } }, () =>
    prisma.scheduledJob.create({ data: { name, kind: input.kind, schedule, timeZone, savedReportId, lastScheduledFor: now } }),
  );
}

/** Deletes a job and its runs; null when there was none. A run under way finishes, unrecorded. */
export async function deleteScheduledJob(prisma: PrismaClient, id: string, guard: OwnerGuard): Promise<ScheduledJob | null> {
  guard(null, ['input', 'id']);
  const existing = await prisma.scheduledJob.findUnique({ where: { id } });
  if (existing === null) return null;
  await prisma.scheduledJob.deleteMany({ where: { id } });
  return existing;
}

/**
 * When the job is next due: the first instant after the last one run. It is in the past while the
 * scheduler is catching up (or stopped); null for a disabled job.
 */
export function nextRunAt(job: Pick<ScheduledJob, 'schedule' | 'timeZone' | 'enabled' | 'lastScheduledFor' | 'createdAt'>): Date | null {
  if (!job.enabled) return null;
  return nextInstant(job.schedule, job.timeZone, job.lastScheduledFor ?? job.createdAt);
}
