// The scheduler: runs each enabled ScheduledJob at the instants its cron schedule names, in its
// time zone, with what the database records as the only memory, so that a restart, or a second
// server on the same database, neither runs an instant twice nor skips one.
//
// For each job, the due instants are those after `lastScheduledFor` up to now, in order. Each is
// claimed by inserting JobRun(jobId, scheduledFor) before its handler runs; the unique constraint
// on that pair lets one process win and makes every other skip the instant. The outcome
// (SUCCEEDED with the handler's result, FAILED with its error) is recorded, then
// lastScheduledFor moves to the instant; it only ever moves forward. A failure does not stop the
// next instant. Instants missed while no server ran are caught up, oldest first, at most
// `maxCatchUp` (100) per job per tick: a minutely job down for a day catches up in about fifteen
// ticks instead of holding the others back for an hour.
//
// An instant claimed by another process and still RUNNING stops that job for this tick: the other
// process goes on with the next instants itself, and the job's instants keep their order.
//
// A run whose process died stays RUNNING. A process heartbeats the runs it is running (in
// JobRun.result, every lease / 4); a RUNNING run not heard from for `leaseMs` (two minutes) is
// marked FAILED "interrupted" by whichever scheduler ticks next, and is NOT run again: a handler
// may have done part or all of its work (rendered a report, posted a webhook, drafted invoices)
// before the crash, and doing that twice is worse than an instant left for an operator to rerun
// by hand (`pathledger report run`, `pathledger settle`): the FAILED run says which. The handlers
// here recompute from the database, so the next instant puts their state right anyway. Judging
// by heartbeat rather than "on start-up" keeps a second server, still running its job, from being
// declared dead by a first one that restarts.
//
// A job whose kind has no handler in this process is left alone, its instants still due: they
// run, late, once a process with the handler is up, rather than being recorded as failed.
import { randomUUID } from 'node:crypto';
import { Prisma, type PrismaClient, type ScheduledJob } from '../generated/prisma/client.ts';
import type { JobKind, JobRunStatus } from '../generated/prisma/enums.ts';
import type { Logger } from '../observability/logger.ts';
import { instantsBetween } from './cron.ts';

/** Runs one instant of a job; what it resolves to is kept as the run's result (JSON). */
export type JobHandler = (job: ScheduledJob, scheduledFor: Date) => Promise<unknown>;

export interface SchedulerOptions {
  prisma: PrismaClient;
  handlers: ReadonlyMap<JobKind, JobHandler>;
  /** How often due jobs are looked for; 0 = only when `tick` is called (tests). */
  intervalMs: number;
  logger?: Logger;
  /** What time it is; tests pass a fake clock. */
  clock?: () => Date;
  /** Instants run per job per tick at most. */
  maxCatchUp?: number;
  /** How long a RUNNING run may go unheard before it counts as interrupted. */
  leaseMs?: number;
}

export interface InstantOutcome {
  jobId: string;
  job: string;
  scheduledFor: Date;
  /** What happened here: ran (and how it ended), or found already run elsewhere. */
  status: JobRunStatus | 'RUN_ELSEWHERE';
}

export interface TickReport {
  instants: InstantOutcome[];
  /** Runs found left RUNNING by a process that stopped, now marked FAILED. */
  interrupted: number;
}

const DEFAULT_MAX_CATCH_UP = 100;
const DEFAULT_LEASE_MS = 120_000;

/** What a RUNNING run's result holds: who runs it and when it last said so. */
interface Heartbeat {
  runner: string;
  heartbeatAt: string;
}

export class Scheduler {
  /** This process's name on the runs it claims. */
  readonly runner = randomUUID();
  private readonly clock: () => Date;
  private readonly maxCatchUp: number;
  private readonly leaseMs: number;
  private timer: NodeJS.Timeout | undefined;
  private ticking: Promise<TickReport> | null = null;
  private started = false;
  private stopping = false;
  private readonly warnedKinds = new Set<JobKind>();

  constructor(private readonly options: SchedulerOptions) {
    this.clock = options.clock ?? (() => new Date());
    this.maxCatchUp = options.maxCatchUp ?? DEFAULT_MAX_CATCH_UP;
    this.leaseMs = options.leaseMs ?? DEFAULT_LEASE_MS;
  }

  /** Ticks now and every `intervalMs`; with an interval of 0 it does nothing. */
  start(): void {
    if (this.options.intervalMs <= 0 || this.started) return;
    this.started = true;
    this.stopping = false;
    const loop = async () => {
      try {
        await this.tick();
      } catch (error) {
        this.options.logger?.error({ err: error }, 'the scheduler could not look for due jobs');
      }
      if (!this.stopping) this.timer = setTimeout(loop, this.options.intervalMs).unref();
    };
    this.timer = setTimeout(loop, 0).unref();
  }

  /** Stops ticking; resolves when the instant being run, if any, has been recorded. */
  async stop(): Promise<void> {
    this.stopping = true;
    this.started = false;
    clearTimeout(this.timer);
    await this.ticking?.catch(() => undefined);
  }

  /** Runs every instant due at `now`. A tick asked for while one runs joins it. */
  tick(now: Date = this.clock()): Promise<TickReport> {
    this.ticking ??= this.runDue(now).finally(() => (this.ticking = null));
    return this.ticking;
  }

  private async runDue(now: Date): Promise<TickReport> {
    const { prisma, handlers } = this.options;
    const interrupted = await this.markInterrupted(now);
    const instants: InstantOutcome[] = [];
    const jobs = await prisma.scheduledJob.findMany({ where: { enabled: true }, orderBy: { id: 'asc' } });
    for (const job of jobs) {
      const handler = handlers.get(job.kind);
      if (!handler) {
        if (!this.warnedKinds.has(job.kind)) this.options.logger?.warn({ job: job.name, kind: job.kind }, `no handler for ${job.kind} jobs in this process; their instants stay due`);
        this.warnedKinds.add(job.kind);
        continue;
      }
      try {
        for (const scheduledFor of instantsBetween(job.schedule, job.timeZone, job.lastScheduledFor ?? job.createdAt, now, this.maxCatchUp)) {
          // A stop lets the instant under way finish, not the rest of the backlog.
          if (this.stopping) break;
          const outcome = await this.runInstant(job, scheduledFor, handler);
          if (outcome === 'BUSY') break;
          instants.push({ jobId: job.id, job: job.name, scheduledFor, status: outcome });
        }
      } catch (error) {
        // The job's own trouble (deleted under way, a schedule edited by hand into nonsense) must
        // not hold up the others; its instants stay due.
        this.options.logger?.error({ job: job.name, err: error }, `could not run scheduled job "${job.name}"`);
      }
    }
    return { instants, interrupted };
  }

  private async runInstant(job: ScheduledJob, scheduledFor: Date, handler: JobHandler): Promise<JobRunStatus | 'RUN_ELSEWHERE' | 'BUSY'> {
    const { prisma, logger } = this.options;
    const claimed = await prisma.jobRun.createManyAndReturn({
      data: [{ jobId: job.id, scheduledFor, startedAt: this.clock(), status: 'RUNNING', result: this.heartbeat() }],
      skipDuplicates: true,
      select: { id: true },
    });
    const run = claimed[0];
    if (run === undefined) {
      const existing = await prisma.jobRun.findUnique({ where: { jobId_scheduledFor: { jobId: job.id, scheduledFor } }, select: { status: true } });
      // Gone again means the job was deleted meanwhile; either way, not this process's to run.
      if (existing === null || existing.status === 'RUNNING') return 'BUSY';
      await this.advance(job.id, scheduledFor);
      return 'RUN_ELSEWHERE';
    }

    const beat = setInterval(() => {
      prisma.jobRun.updateMany({ where: { id: run.id, status: 'RUNNING' }, data: { result: this.heartbeat() } }).catch(() => undefined);
    }, Math.max(1, Math.floor(this.leaseMs / 4))).unref();
    let status: JobRunStatus;
    let result: Prisma.InputJsonValue | typeof Prisma.DbNull = Prisma.DbNull;
    let error: string | null = null;
    try {
      result = asJson(await handler(job, scheduledFor));
      status = 'SUCCEEDED';
    } catch (failure) {
      status = 'FAILED';
      error = failure instanceof Error ? failure.message : String(failure);
      logger?.warn({ job: job.name, scheduledFor, err: failure }, `scheduled job "${job.name}" failed`);
    } finally {
      clearInterval(beat);
    }
    // By id alone: if another scheduler judged the run interrupted meanwhile, this is the truth.
    await prisma.jobRun.updateMany({ where: { id: run.id }, data: { status, finishedAt: this.clock(), result, error } });
    await this.advance(job.id, scheduledFor);
    return status;
  }

  /** lastScheduledFor moves forward only, whichever process gets there first. */
  private async advance(jobId: string, scheduledFor: Date): Promise<void> {
    await this.options.prisma.scheduledJob.updateMany({
      where: { id: jobId, OR: [{ lastScheduledFor: null }, { lastScheduledFor: { lt: scheduledFor } }] },
      data: { lastScheduledFor: scheduledFor },
    });
  }

  private heartbeat(): Prisma.InputJsonObject {
    return { runner: this.runner, heartbeatAt: this.clock().toISOString() } satisfies Heartbeat;
  }

  /** Marks FAILED the runs left RUNNING by a process not heard from for a lease. */
  private async markInterrupted(now: Date): Promise<number> {
    const { prisma, logger } = this.options;
    const running = await prisma.jobRun.findMany({ where: { status: 'RUNNING' }, select: { id: true, jobId: true, scheduledFor: true, startedAt: true, result: true } });
    let count = 0;
    for (const run of running) {
      const beat = heartbeatOf(run.result);
      if (beat?.runner === this.runner) continue;
      const lastHeard = beat ? new Date(beat.heartbeatAt) : run.startedAt;
      if (now.getTime() - lastHeard.getTime() < this.leaseMs) continue;
      const error = `interrupted: the process running it stopped (last heard from at ${lastHeard.toISOString()}); not run again, to not run it twice`;
      const marked = await prisma.jobRun.updateMany({ where: { id: run.id, status: 'RUNNING' }, data: { status: 'FAILED', finishedAt: now, error } });
      if (marked.count === 0) continue;
      count++;
      logger?.warn({ jobId: run.jobId, scheduledFor: run.scheduledFor }, 'a scheduled run was interrupted; marked FAILED');
      await this.advance(run.jobId, run.scheduledFor);
    }
    return count;
  }
}

function heartbeatOf(result: Prisma.JsonValue): Heartbeat | null {
  if (result === null || typeof result !== 'object' || Array.isArray(result)) return null;
  const { runner, heartbeatAt } = result;
  return typeof runner === 'string' && typeof heartbeatAt === 'string' ? { runner, heartbeatAt } : null;
}

/** A handler's answer as JSON: 64-bit numbers as decimal strings, instants as ISO text. */
function asJson(value: unknown): Prisma.InputJsonValue | typeof Prisma.DbNull {
  if (value === undefined || value === null) return Prisma.DbNull;
  return JSON.parse(JSON.stringify(value, (_, item: unknown) => (typeof item === 'bigint' ? item.toString() : item))) as Prisma.InputJsonValue;
}
