// The scheduler on a fake clock. Jobs are created at a moment of the test's choosing and run by
// handlers that note what they were asked to run, so "each due instant once, none skipped" is a
// list compared with the schedule. A "restart" or a second server is a second Scheduler on the
// same database.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { JobKind } from '../../src/generated/prisma/enums.ts';
import type { ScheduledJob } from '../../src/generated/prisma/client.ts';
import { InputError } from '../../src/domain/input-error.ts';
import { createScheduledJob, nextRunAt } from '../../src/reports/scheduled-jobs.ts';
import { Scheduler, type JobHandler } from '../../src/reports/scheduler.ts';
import { startTestApi, type TestApi } from '../support/api.ts';

let api: TestApi;
const anyone = () => {};

beforeAll(async () => {
  // The server's own scheduler stays off: these tests tick theirs on a clock of their choosing.
  api = await startTestApi({ PATHLEDGER_SCHEDULER_INTERVAL_MS: '0' });
  await api.db.prisma.organization.create({ data: { slug: 'sp1', name: 'Service Provider 1', roles: ['SERVICE_PROVIDER'] } });
}, 120_000);
afterAll(() => api?.close());

/** A handler that notes each (job, instant) it runs; `fail` decides which instants throw. */
function recorder(fail: (at: Date) => boolean = () => false) {
  const calls: { job: string; at: string }[] = [];
  const handler: JobHandler = async (job, scheduledFor) => {
    calls.push({ job: job.name, at: scheduledFor.toISOString() });
    if (fail(scheduledFor)) throw new Error(`no luck at ${scheduledFor.toISOString()}`);
    return { ran: scheduledFor, bytes: 42n };
  };
  return { calls, handler, of: (job: string) => calls.filter((call) => call.job === job).map((call) => call.at) };
}

function scheduler(kind: JobKind, handler: JobHandler, options: { maxCatchUp?: number; leaseMs?: number; clock?: () => Date } = {}) {
  return new Scheduler({ prisma: api.db.prisma, handlers: new Map([[kind, handler]]), intervalMs: 0, ...options });
}

async function job(name: string, schedule: string, createdAt: string, options: { kind?: JobKind; timeZone?: string } = {}): Promise<ScheduledJob> {
  return createScheduledJob(api.db.prisma, { name, kind: options.kind ?? 'POLICY_EVALUATION', schedule, timeZone: options.timeZone }, anyone, new Date(createdAt));
}

/** Every instant from `from` (exclusive) to `to` (inclusive), `minutes` apart, as ISO text. */
function every(minutes: number, from: string, to: string): string[] {
  const instants: string[] = [];
  for (let at = new Date(from).getTime() + minutes * 60_000; at <= new Date(to).getTime(); at += minutes * 60_000) instants.push(new Date(at).toISOString());
  return instants;
}

async function runs(jobId: string) {
  return api.db.prisma.jobRun.findMany({ where: { jobId }, orderBy: { scheduledFor: 'asc' } });
}

// Each describe uses its own job kind's handler map, and jobs of other kinds are not its business:
// a scheduler without a handler for a kind leaves those jobs alone.
describe('due instants', () => {
  it('runs each due instant once, in order, and records it', async () => {
    const seen = recorder();
    const quarterly = await job('every quarter hour', '*/15 * * * *', '2026-11-10T10:00:00Z', { kind: 'SETTLEMENT' });
    const a = scheduler('SETTLEMENT', seen.handler);
    const first = await a.tick(new Date('2026-11-10T10:50:00Z'));
    expect(first.instants.map((i) => [i.scheduledFor.toISOString(), i.status])).toEqual(every(15, '2026-11-10T10:00:00Z', '2026-11-10T10:50:00Z').map((at) => [at, 'SUCCEEDED']));
    expect((await a.tick(new Date('2026-11-10T10:50:00Z'))).instants).toEqual([]);
    expect(seen.of('every quarter hour')).toEqual(['2026-11-10T10:15:00.000Z', '2026-11-10T10:30:00.000Z', '2026-11-10T10:45:00.000Z']);
    const recorded = await runs(quarterly.id);
    expect(recorded.map((run) => [run.status, run.result, run.error])).toEqual(recorded.map((run) => ['SUCCEEDED', { ran: run.scheduledFor.toISOString(), bytes: '42' }, null]));
    expect(recorded.every((run) => run.finishedAt !== null)).toBe(true);
    expect((await api.db.prisma.scheduledJob.findUniqueOrThrow({ where: { id: quarterly.id } })).lastScheduledFor).toEqual(new Date('2026-11-10T10:45:00Z'));
    await api.db.prisma.scheduledJob.delete({ where: { id: quarterly.id } });
  });

  it('a restart runs none twice and skips none, catching up the instants missed while down', async () => {
    const seen = recorder();
    const hourly = await job('hourly, restarted', '0 * * * *', '2026-11-11T00:00:00Z', { kind: 'SETTLEMENT' });
    await scheduler('SETTLEMENT', seen.handler).tick(new Date('2026-11-11T03:10:00Z'));
    // The process stops; another starts hours later (a new instance, knowing nothing but the database).
    const restarted = scheduler('SETTLEMENT', seen.handler);
    await restarted.tick(new Date('2026-11-11T09:05:00Z'));
    await restarted.tick(new Date('2026-11-11T10:00:00Z'));
    expect(seen.of('hourly, restarted')).toEqual(every(60, '2026-11-11T00:00:00Z', '2026-11-11T10:00:00Z'));
    expect((await runs(hourly.id)).map((run) => run.scheduledFor.toISOString())).toEqual(every(60, '2026-11-11T00:00:00Z', '2026-11-11T10:00:00Z'));
    await api.db.prisma.scheduledJob.delete({ where: { id: hourly.id } });
  });

  it('two servers ticking at once run each instant once between them', async () => {
    const seen = recorder();
    const minutely = await job('minutely, two servers', '* * * * *', '2026-11-12T00:00:00Z', { kind: 'SETTLEMENT' });
    const [a, b] = [scheduler('SETTLEMENT', seen.handler), scheduler('SETTLEMENT', seen.handler)];
    for (const minute of ['00:20', '00:45', '01:00']) {
      const now = new Date(`2026-11-12T${minute}:00Z`);
      await Promise.all([a.tick(now), b.tick(now)]);
    }
    // Whatever the interleaving, the second server catches up what the first was still busy with.
    await Promise.all([a.tick(new Date('2026-11-12T01:00:00Z')), b.tick(new Date('2026-11-12T01:00:00Z'))]);
    const expected = every(1, '2026-11-12T00:00:00Z', '2026-11-12T01:00:00Z');
    expect([...seen.of('minutely, two servers')].sort()).toEqual(expected);
    expect((await runs(minutely.id)).map((run) => run.scheduledFor.toISOString())).toEqual(expected);
    await api.db.prisma.scheduledJob.delete({ where: { id: minutely.id } });
  });

  it('catches up at most maxCatchUp instants per job per tick, the rest on the next', async () => {
    const seen = recorder();
    const minutely = await job('minutely, long down', '* * * * *', '2026-11-13T00:00:00Z', { kind: 'SETTLEMENT' });
    const s = scheduler('SETTLEMENT', seen.handler, { maxCatchUp: 100 });
    const now = new Date('2026-11-13T03:00:00Z');
    expect((await s.tick(now)).instants).toHaveLength(100);
    expect((await s.tick(now)).instants).toHaveLength(80);
    expect((await s.tick(now)).instants).toHaveLength(0);
    expect(seen.of('minutely, long down')).toEqual(every(1, '2026-11-13T00:00:00Z', '2026-11-13T03:00:00Z'));
    await api.db.prisma.scheduledJob.delete({ where: { id: minutely.id } });
  });

  it('records a failing run FAILED with its error, and still runs the next instant', async () => {
    const seen = recorder((at) => at.getUTCHours() === 2);
    const flaky = await job('flaky', '0 * * * *', '2026-11-14T00:00:00Z', { kind: 'SETTLEMENT' });
    await scheduler('SETTLEMENT', seen.handler).tick(new Date('2026-11-14T03:30:00Z'));
    expect((await runs(flaky.id)).map((run) => [run.scheduledFor.getUTCHours(), run.status, run.error])).toEqual([
      [1, 'SUCCEEDED', null],
      [2, 'FAILED', 'no luck at 2026-11-14T02:00:00.000Z'],
      [3, 'SUCCEEDED', null],
    ]);
    // Not retried: the instant was run, and failed.
    await scheduler('SETTLEMENT', seen.handler).tick(new Date('2026-11-14T03:40:00Z'));
    expect(seen.of('flaky')).toHaveLength(3);
    await api.db.prisma.scheduledJob.delete({ where: { id: flaky.id } });
  });

  it('leaves a job whose kind has no handler due, and runs it once a handler is there', async () => {
    const seen = recorder();
    const alerts = await job('alerts without a handler', '0 * * * *', '2026-11-15T00:00:00Z', { kind: 'ALERT_EVALUATION' });
    await scheduler('SETTLEMENT', seen.handler).tick(new Date('2026-11-15T02:30:00Z'));
    expect(await runs(alerts.id)).toEqual([]);
    await scheduler('ALERT_EVALUATION', seen.handler).tick(new Date('2026-11-15T02:30:00Z'));
    expect(seen.of('alerts without a handler')).toEqual(['2026-11-15T01:00:00.000Z', '2026-11-15T02:00:00.000Z']);
    await api.db.prisma.scheduledJob.delete({ where: { id: alerts.id } });
  });
});

describe('a run left RUNNING', () => {
  it('by a process that stopped is marked FAILED "interrupted" after the lease, not run again; the next instant runs', async () => {
    const seen = recorder();
    const hourly = await job('crashed mid-run', '0 * * * *', '2026-11-16T00:00:00Z', { kind: 'SETTLEMENT' });
    // A process claimed 01:00, heartbeat at 01:00:05, and died.
    await api.db.prisma.jobRun.create({
      data: { jobId: hourly.id, scheduledFor: new Date('2026-11-16T01:00:00Z'), startedAt: new Date('2026-11-16T01:00:01Z'), status: 'RUNNING', result: { runner: 'dead', heartbeatAt: '2026-11-16T01:00:05.000Z' } },
    });
    const s = scheduler('SETTLEMENT', seen.handler, { leaseMs: 120_000 });
    // Within the lease the job waits: the other process may still be at it, and it keeps the order.
    expect((await s.tick(new Date('2026-11-16T01:01:00Z'))).instants).toEqual([]);
    const later = await s.tick(new Date('2026-11-16T02:30:00Z'));
    expect(later.interrupted).toBe(1);
    expect(later.instants.map((i) => [i.scheduledFor.toISOString(), i.status])).toEqual([['2026-11-16T02:00:00.000Z', 'SUCCEEDED']]);
    expect(seen.of('crashed mid-run')).toEqual(['2026-11-16T02:00:00.000Z']);
    const [interrupted] = await runs(hourly.id);
    expect(interrupted).toMatchObject({ status: 'FAILED', scheduledFor: new Date('2026-11-16T01:00:00Z') });
    expect(interrupted!.error).toMatch(/^interrupted: .*last heard from at 2026-11-16T01:00:05.000Z/);
    await api.db.prisma.scheduledJob.delete({ where: { id: hourly.id } });
  });

  it('by a live process holding its lease is left to it', async () => {
    let release!: () => void;
    const slow: JobHandler = () => new Promise((resolve) => (release = () => resolve('done')));
    const seen = recorder();
    const hourly = await job('slow', '0 * * * *', '2026-11-17T00:00:00Z', { kind: 'SETTLEMENT' });
    const busy = scheduler('SETTLEMENT', slow, { clock: () => new Date('2026-11-17T01:30:00Z') });
    const other = scheduler('SETTLEMENT', seen.handler, { clock: () => new Date('2026-11-17T01:31:00Z') });
    const running = busy.tick(new Date('2026-11-17T01:30:00Z'));
    while ((await runs(hourly.id)).length === 0) await new Promise((resolve) => setTimeout(resolve, 10));
    const meanwhile = await other.tick(new Date('2026-11-17T01:31:00Z'));
    expect(meanwhile).toEqual({ instants: [], interrupted: 0 });
    release();
    await running;
    expect((await runs(hourly.id)).map((run) => [run.status, run.result])).toEqual([['SUCCEEDED', 'done']]);
    expect(seen.of('slow')).toEqual([]);
    await api.db.prisma.scheduledJob.delete({ where: { id: hourly.id } });
  });
});

describe('schedules in a time zone', () => {
  it('02:30 Berlin time runs once on each night the clocks change', async () => {
    const seen = recorder();
    const spring = await job('02:30 Berlin, spring', '30 2 * * *', '2026-03-27T12:00:00Z', { kind: 'SETTLEMENT', timeZone: 'Europe/Berlin' });
    const autumn = await job('02:30 Berlin, autumn', '30 2 * * *', '2026-10-23T12:00:00Z', { kind: 'SETTLEMENT', timeZone: 'Europe/Berlin' });
    const s = scheduler('SETTLEMENT', seen.handler);
    await s.tick(new Date('2026-10-27T00:00:00Z'));
    // 29 March: 02:30 never happens (02:00 CET becomes 03:00 CEST); it runs once, at 03:30 CEST.
    expect(seen.of('02:30 Berlin, spring').slice(0, 4)).toEqual(['2026-03-28T01:30:00.000Z', '2026-03-29T01:30:00.000Z', '2026-03-30T00:30:00.000Z', '2026-03-31T00:30:00.000Z']);
    // 25 October: 02:30 happens twice (03:00 CEST falls back to 02:00 CET); it runs once, the first time.
    expect(seen.of('02:30 Berlin, autumn')).toEqual(['2026-10-24T00:30:00.000Z', '2026-10-25T00:30:00.000Z', '2026-10-26T01:30:00.000Z']);
    await api.db.prisma.scheduledJob.deleteMany({ where: { id: { in: [spring.id, autumn.id] } } });
  });

  it('an hourly job runs every hour of the 25-hour day, each real hour once', async () => {
    const seen = recorder();
    const hourly = await job('hourly Berlin', '0 * * * *', '2026-10-24T22:00:00Z', { kind: 'SETTLEMENT', timeZone: 'Europe/Berlin' });
    await scheduler('SETTLEMENT', seen.handler).tick(new Date('2026-10-25T23:00:00Z'));
    expect(seen.of('hourly Berlin')).toEqual(every(60, '2026-10-24T22:00:00Z', '2026-10-25T23:00:00Z'));
    expect(seen.of('hourly Berlin')).toHaveLength(25);
    await api.db.prisma.scheduledJob.delete({ where: { id: hourly.id } });
  });

  it('says when a job runs next', async () => {
    const daily = await job('daily 06:00 Berlin', '0 6 * * *', '2026-11-18T12:00:00Z', { kind: 'SETTLEMENT', timeZone: 'Europe/Berlin' });
    expect(nextRunAt(daily)).toEqual(new Date('2026-11-19T05:00:00Z'));
    expect(nextRunAt({ ...daily, enabled: false })).toBeNull();
    await api.db.prisma.scheduledJob.delete({ where: { id: daily.id } });
  });
});

describe('creating scheduled jobs', () => {
  const problem = async (input: Record<string, unknown>) => {
    try {
      await createScheduledJob(api.db.prisma, { name: 'bad', kind: 'SETTLEMENT', schedule: '0 6 2 * *', ...input }, anyone);
      return null;
    } catch (error) {
      if (!(error instanceof InputError)) throw error;
      return [error.field.join('.'), error.message];
    }
  };

  it('explains a schedule that is not one', async () => {
    expect(await problem({ schedule: '0 6 * *' })).toEqual(['input.schedule', expect.stringContaining('has 4 fields; a schedule has five: minute hour day-of-month month day-of-week')]);
    expect(await problem({ schedule: '0 0 6 * * *' })).toEqual(['input.schedule', expect.stringContaining('has 6 fields')]);
    expect(await problem({ schedule: '@daily' })).toEqual(['input.schedule', expect.stringContaining('has 1 field;')]);
    expect(await problem({ schedule: '61 * * * *' })).toEqual(['input.schedule', expect.stringMatching(/^"61 \* \* \* \*" is not a schedule: Constraint error, got value 61 expected range 0-59/)]);
    expect(await problem({ schedule: '0 0 30 2 *' })).toEqual(['input.schedule', expect.stringContaining('is not a schedule')]);
    expect(await problem({ schedule: 'H * * * *' })).toEqual(['input.schedule', expect.stringContaining('uses "H"')]);
    expect(await problem({ schedule: '0 6 * * thu' })).toBeNull();
    expect(await problem({ timeZone: 'Mars/Olympus' })).toEqual(['input.timeZone', expect.stringContaining('is not an IANA time zone')]);
    expect(await problem({ kind: 'SAVED_REPORT' })).toEqual(['input.savedReport', 'a SAVED_REPORT job names the saved report it runs.']);
  });

  it('through the API, for global keys only; lists jobs with their last runs and next instant', async () => {
    const create = `mutation($input: CreateScheduledJobInput!) { createScheduledJob(input: $input) { scheduledJob { id name kind schedule timeZone nextRunAt enabled } userErrors { field message code } } }`;
    const created = await api.admin(create, { input: { name: 'policies every 5 minutes', kind: 'POLICY_EVALUATION', schedule: '*/5  * * * *' } });
    expect(created.data.createScheduledJob).toMatchObject({ scheduledJob: { name: 'policies every 5 minutes', kind: 'POLICY_EVALUATION', schedule: '*/5 * * * *', timeZone: 'UTC', enabled: true }, userErrors: [] });
    const next = new Date(created.data.createScheduledJob.scheduledJob.nextRunAt);
    expect(next.getUTCMinutes() % 5).toBe(0);
    expect(next.getTime() - Date.now()).toBeLessThanOrEqual(5 * 60_000);
    const taken = await api.admin(create, { input: { name: 'policies every 5 minutes', kind: 'POLICY_EVALUATION', schedule: '* * * * *' } });
    expect(taken.data.createScheduledJob.userErrors).toMatchObject([{ field: ['input', 'name'], code: 'TAKEN' }]);
    const bad = await api.admin(create, { input: { name: 'bad', kind: 'POLICY_EVALUATION', schedule: 'every day' } });
    expect(bad.data.createScheduledJob.userErrors).toMatchObject([{ field: ['input', 'schedule'], code: 'INVALID' }]);

    const manager = await api.gql(`{ scheduledJobs { name } }`, {}, await api.keyFor('CONTRACT_MANAGER'));
    expect(manager.data.scheduledJobs.map((j: { name: string }) => j.name)).toContain('policies every 5 minutes');

    const id = created.data.createScheduledJob.scheduledJob.id;
    const jobId = Buffer.from(id, 'base64url').toString().split(':')[1]!;
    await new Scheduler({ prisma: api.db.prisma, handlers: new Map([['POLICY_EVALUATION', async () => ({ evaluated: 0 })]]), intervalMs: 0 }).tick(new Date(Date.now() + 11 * 60_000));
    const listed = await api.admin(`{ scheduledJobs { name lastRuns(first: 1) { scheduledFor status result error finishedAt } } }`);
    const lastRuns = listed.data.scheduledJobs.find((j: { name: string }) => j.name === 'policies every 5 minutes').lastRuns;
    expect(lastRuns).toHaveLength(1);
    expect(lastRuns[0]).toMatchObject({ status: 'SUCCEEDED', result: '{"evaluated":0}', error: null });
    expect((await runs(jobId)).length).toBeGreaterThanOrEqual(2);
    expect(new Date(lastRuns[0].scheduledFor)).toEqual((await runs(jobId)).at(-1)!.scheduledFor);

    const deleted = await api.admin(`mutation($id: ID!) { deleteScheduledJob(input: { id: $id }) { deletedId userErrors { message } } }`, { id });
    expect(deleted.data.deleteScheduledJob).toEqual({ deletedId: id, userErrors: [] });
    expect(await runs(jobId)).toEqual([]);
  });

  it('refuses scoped keys', async () => {
    const key = await api.keyFor('PARTNER', 'sp1');
    const result = await api.gql(`mutation { createScheduledJob(input: { name: "x", kind: SETTLEMENT, schedule: "0 6 2 * *" }) { userErrors { code } } }`, {}, key);
    expect(result.errors?.map((e) => e.extensions.code)).toEqual(['FORBIDDEN']);
    expect((await api.gql(`{ scheduledJobs { name } }`, {}, key)).data.scheduledJobs).toEqual([]);
  });
});

describe('in the server', () => {
  it('start() ticks on its interval and stop() waits for the run under way', async () => {
    const seen = recorder();
    const recent = new Date(Date.now() - 3 * 60_000);
    const live = await job('minutely, live', '* * * * *', recent.toISOString(), { kind: 'SETTLEMENT' });
    const s = new Scheduler({ prisma: api.db.prisma, handlers: new Map([['SETTLEMENT', seen.handler]]), intervalMs: 20 });
    s.start();
    while (seen.of('minutely, live').length < 3) await new Promise((resolve) => setTimeout(resolve, 10));
    await s.stop();
    const count = seen.of('minutely, live').length;
    await new Promise((resolve) => setTimeout(resolve, 60));
    expect(seen.of('minutely, live')).toHaveLength(count);
    expect((await runs(live.id)).every((run) => run.status === 'SUCCEEDED')).toBe(true);
    await api.db.prisma.scheduledJob.delete({ where: { id: live.id } });
  });
});
