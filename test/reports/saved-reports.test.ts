// Saved reports, as a story on the demo world. A saved report's range is relative to when it runs,
// and the API runs it now, so the transfers happen "yesterday" (D, the last complete UTC day):
//
//   S1  client 102 (SP1) → 106 (SP2)  Hamlet    3,000 B  D 10:00   SP1→SP2, MovieStudio
//   S2  client 104 (SP1) → 108 (SP2)  Pop Tune  2,000 B  D 20:00   SP1→SP2, the label
//   S3  node 142 → client 110 (SP3)   Hamlet    5,000 B  D 12:00   not SP1→SP2
//   S4  client 102 (SP1) → 106 (SP2)  Hamlet      700 B  D−1 22:00 SP1→SP2, the day before
//
// "SP1→SP2 yesterday" (crossing sp1→sp2, by content owner, LAST_DAY) is then 5,000 bytes:
// MovieStudio 3,000, the label 2,000.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CounterJournal } from '../../src/accounting/counter-journal.ts';
import { reportCommand, runReportCommand } from '../../src/cli/commands/report.ts';
import { main } from '../../src/cli/main.ts';
import type { CliIO } from '../../src/cli/support.ts';
import { ensureDemoWorld } from '../../src/db/demo-world.ts';
import { reportJobHandlers } from '../../src/reports/job-handlers.ts';
import { rangeBefore } from '../../src/reports/report-range.ts';
import { savedReportTotal, type ReportStore } from '../../src/reports/saved-reports.ts';
import { createScheduledJob } from '../../src/reports/scheduled-jobs.ts';
import { Scheduler } from '../../src/reports/scheduler.ts';
import { startTestApi, type TestApi } from '../support/api.ts';

let api: TestApi;
let store: ReportStore;
const DAY_MS = 86_400_000;
// D: the last complete UTC day before the tests run.
const D = rangeBefore('LAST_DAY', 'UTC', new Date());
const onD = (hour: number, dayOffset = 0) => new Date(D.start.getTime() + dayOffset * DAY_MS + hour * 3_600_000);

const transfer = (id: string, source: string, destination: string, title: string, owner: string, bytes: number, start: Date) => ({
  id,
  source,
  destination,
  bytes: String(bytes),
  startedAt: start.toISOString(),
  endedAt: new Date(start.getTime() + 10 * 60_000).toISOString(),
  content: { title, owner },
  type: source === '23.72.14.2' ? 'CDN_DOWNLOAD' : 'PEER_UPLOAD',
});

const CREATE = `mutation($input: CreateSavedReportInput!) {
  createSavedReport(input: $input) { savedReport { id name owner { slug } filter groupBy granularity range lastRun { from } } userErrors { field message code } }
}`;
const RUN = `mutation($name: String!) {
  runSavedReport(input: { name: $name }) {
    run { from to ranAt report { bytes transfers files source complete rows { period keys { dimension value } bytes transfers files } } }
    userErrors { field message code }
  }
}`;

async function createReport(input: Record<string, unknown>, key = api.adminKey) {
  const result = await api.gql(CREATE, { input }, key);
  if (result.errors) return { errors: result.errors.map((e) => e.extensions.code) };
  return result.data.createSavedReport;
}

const SP1_TO_SP2 = { name: 'SP1→SP2 yesterday', owner: 'sp1', filter: { crossing: { from: 'sp1', to: 'sp2' } }, groupBy: ['CONTENT_OWNER'], range: 'LAST_DAY' };

beforeAll(async () => {
  // The server's own scheduler stays off: these tests tick theirs on a clock of their choosing.
  api = await startTestApi({ PATHLEDGER_SCHEDULER_INTERVAL_MS: '0' });
  await ensureDemoWorld(api.db.prisma);
  store = { prisma: api.db.prisma, counters: new CounterJournal(api.db.sql) };
  const result = await api.admin(`mutation($input: RecordTransfersInput!) { recordTransfers(input: $input) { accepted rejected { message } } }`, {
    input: {
      reporter: 'distributor-142',
      transfers: [
        transfer('S1', '79.214.61.102', '90.12.77.106', 'Hamlet', 'moviestudio', 3000, onD(10)),
        transfer('S2', '84.173.22.104', '86.201.9.108', 'Pop Tune', 'label', 2000, onD(20)),
        transfer('S3', '23.72.14.2', '73.162.40.110', 'Hamlet', 'moviestudio', 5000, onD(12)),
        transfer('S4', '79.214.61.102', '90.12.77.106', 'Hamlet', 'moviestudio', 700, onD(22, -1)),
      ],
    },
  });
  expect(result.data.recordTransfers).toEqual({ accepted: 4, rejected: [] });
}, 120_000);
afterAll(() => api?.close());

describe('a saved report through the API', () => {
  it('is saved with its filter, grouping and relative range', async () => {
    const created = await createReport(SP1_TO_SP2);
    expect(created).toMatchObject({
      savedReport: { name: 'SP1→SP2 yesterday', owner: { slug: 'sp1' }, groupBy: ['CONTENT_OWNER'], granularity: null, range: 'LAST_DAY', lastRun: null },
      userErrors: [],
    });
    expect(JSON.parse(created.savedReport.filter)).toEqual({ crossing: { from: 'sp1', to: 'sp2' } });
  });

  it('runs over the last complete day, keeps the run, and shows it as the last run', async () => {
    const result = await api.admin(RUN, { name: 'SP1→SP2 yesterday' });
    expect(result.data.runSavedReport.userErrors).toEqual([]);
    const run = result.data.runSavedReport.run;
    expect(run).toMatchObject({ from: D.start.toISOString(), to: D.end.toISOString(), report: { bytes: '5000', transfers: '2', files: 2, source: 'COUNTERS', complete: true } });
    expect(run.report.rows.map((row: { keys: { value: string }[]; bytes: string }) => [row.keys[0]!.value, row.bytes]).sort()).toEqual([
      ['label', '2000'],
      ['moviestudio', '3000'],
    ]);
    const listed = await api.admin(`{ savedReports { name lastRun { from to ranAt report { bytes rows { keys { dimension value } bytes } } } } }`);
    const saved = listed.data.savedReports.find((r: { name: string }) => r.name === 'SP1→SP2 yesterday');
    expect(saved.lastRun).toMatchObject({ from: D.start.toISOString(), ranAt: run.ranAt, report: { bytes: '5000' } });
    expect(saved.lastRun.report.rows[0].keys[0].dimension).toBe('CONTENT_OWNER');
    expect(await api.db.prisma.reportRun.count()).toBe(1);
  });

  it('gives alert rules its total over any range', async () => {
    const report = await api.db.prisma.savedReport.findUniqueOrThrow({ where: { name: 'SP1→SP2 yesterday' } });
    expect(await savedReportTotal(store, report.id, D.start, D.end)).toEqual({ bytes: 5000n, transfers: 2n, files: 2 });
    expect(await savedReportTotal(store, report.id, onD(0, -1), D.end)).toEqual({ bytes: 5700n, transfers: 3n, files: 2 });
  });

  it('says which field is wrong', async () => {
    const problems = async (input: Record<string, unknown>) => (await createReport({ ...SP1_TO_SP2, name: 'another', ...input })).userErrors.map((e: { field: string[]; code: string }) => [e.field.join('.'), e.code]);
    expect(await problems({ name: 'SP1→SP2 yesterday' })).toEqual([['input.name', 'TAKEN']]);
    expect(await problems({ filter: { contentOwner: 'nobody' } })).toEqual([['input.filter.contentOwner', 'NOT_FOUND']]);
    expect(await problems({ filter: { crossing: { from: 'sp1', to: 'nowhere' } } })).toEqual([['input.filter.crossing.to', 'NOT_FOUND']]);
    expect(await problems({ filter: { timeZone: 'Moon/Tranquility' } })).toEqual([['input.filter.timeZone', 'INVALID']]);
    expect(await problems({ filter: { hours: { from: 20, to: 18 } } })).toEqual([['input.filter.hours.to', 'INVALID']]);
    expect(await problems({ filter: { linkSet: 'bm90IGFuIGlk' } })).toEqual([['input.filter.linkSet', 'NOT_FOUND']]);
    expect(await problems({ groupBy: ['CONTENT_OWNER', 'CONTENT_OWNER'] })).toEqual([['input.groupBy', 'INVALID']]);
    expect(await problems({ owner: 'nobody' })).toEqual([['input.owner', 'NOT_FOUND']]);
    expect(await problems({ name: '' })).toEqual([['input.name', 'INVALID']]);
    const missing = await api.admin(RUN, { name: 'no such report' });
    expect(missing.data.runSavedReport).toMatchObject({ run: null, userErrors: [{ field: ['input', 'name'], code: 'NOT_FOUND' }] });
  });

  it('sees, as it runs later, what the key that saved it could see', async () => {
    const sp3 = await api.keyFor('PARTNER', 'sp3');
    expect((await createReport({ ...SP1_TO_SP2, name: 'as sp3', owner: 'sp3' }, sp3)).userErrors).toEqual([]);
    expect((await createReport({ ...SP1_TO_SP2, name: 'sp3 for sp1', owner: 'sp1' }, sp3)).userErrors).toMatchObject([{ field: ['input', 'owner'], code: 'FORBIDDEN' }]);
    const ranBySp3 = await api.gql(RUN, { name: 'as sp3' }, sp3);
    expect(ranBySp3.data.runSavedReport.run.report.bytes).toBe('0');
    // Run by an ADMIN, it still sees only what touches SP3.
    expect((await api.admin(RUN, { name: 'as sp3' })).data.runSavedReport.run.report.bytes).toBe('0');

    const sp1 = await api.keyFor('PARTNER', 'sp1');
    expect((await createReport({ ...SP1_TO_SP2, name: 'as sp1', owner: 'sp1' }, sp1)).userErrors).toEqual([]);
    expect((await api.gql(RUN, { name: 'as sp1' }, sp1)).data.runSavedReport.run.report.bytes).toBe('5000');

    const names = async (key: string) => (await api.gql(`{ savedReports { name } }`, {}, key)).data.savedReports.map((r: { name: string }) => r.name).sort();
    expect(await names(sp3)).toEqual(['as sp3']);
    expect(await names(sp1)).toEqual(['SP1→SP2 yesterday', 'as sp1']);
    expect((await api.gql(RUN, { name: 'SP1→SP2 yesterday' }, sp3)).data.runSavedReport.userErrors).toMatchObject([{ code: 'NOT_FOUND' }]);
    const viewer = await api.keyFor('VIEWER', 'sp1');
    expect((await api.gql(RUN, { name: 'as sp1' }, viewer)).errors?.map((e) => e.extensions.code)).toEqual(['FORBIDDEN']);
  });

  it('cannot be deleted while a scheduled job runs it', async () => {
    const created = await createReport({ ...SP1_TO_SP2, name: 'to delete' });
    const id = created.savedReport.id;
    const job = await api.admin(`mutation($input: CreateScheduledJobInput!) { createScheduledJob(input: $input) { scheduledJob { id savedReport { name } } userErrors { message } } }`, {
      input: { name: 'daily to-delete', kind: 'SAVED_REPORT', schedule: '0 6 * * *', savedReport: id },
    });
    expect(job.data.createScheduledJob.scheduledJob.savedReport).toEqual({ name: 'to delete' });
    const DELETE = `mutation($id: ID!) { deleteSavedReport(input: { id: $id }) { deletedId userErrors { field message code } } }`;
    expect((await api.admin(DELETE, { id })).data.deleteSavedReport).toEqual({
      deletedId: null,
      userErrors: [{ field: ['input', 'id'], message: 'still used by scheduled job "daily to-delete"; delete those first.', code: 'IN_USE' }],
    });
    await api.admin(`mutation($id: ID!) { deleteScheduledJob(input: { id: $id }) { deletedId } }`, { id: job.data.createScheduledJob.scheduledJob.id });
    expect((await api.admin(DELETE, { id })).data.deleteSavedReport).toEqual({ deletedId: id, userErrors: [] });
  });
});

describe('pathledger report run', () => {
  const capture = (): CliIO & { stdout: string[]; stderr: string[] } => {
    const stdout: string[] = [];
    const stderr: string[] = [];
    return { stdout, stderr, out: (text) => stdout.push(...text.split('\n')), err: (text) => stderr.push(...text.split('\n')) };
  };
  const justAfterD = new Date(D.end.getTime() + 60_000);

  it('prints the totals and rows as JSON lines', async () => {
    const io = capture();
    expect(await runReportCommand(store, 'SP1→SP2 yesterday', { json: true, now: justAfterD }, io)).toBe(0);
    const [totals, ...rows] = io.stdout.map((line) => JSON.parse(line));
    expect(totals).toEqual({ report: 'SP1→SP2 yesterday', from: D.start.toISOString(), to: D.end.toISOString(), bytes: '5000', transfers: '2', files: 2, source: 'COUNTERS', complete: true });
    expect(rows.sort((a, b) => a.bytes.localeCompare(b.bytes))).toEqual([
      { period: null, keys: { CONTENT_OWNER: 'label' }, bytes: '2000', transfers: '1', files: 1 },
      { period: null, keys: { CONTENT_OWNER: 'moviestudio' }, bytes: '3000', transfers: '1', files: 1 },
    ]);
  });

  it('prints a table by default, the run kept like any other', async () => {
    const before = await api.db.prisma.reportRun.count();
    const io = capture();
    expect(await runReportCommand(store, 'SP1→SP2 yesterday', { json: false, now: justAfterD }, io)).toBe(0);
    expect(io.stdout[0]).toBe(`SP1→SP2 yesterday: [${D.start.toISOString()}, ${D.end.toISOString()})`);
    expect(io.stdout[1]).toBe('total: 5000 bytes, 2 transfers, 2 files (from the counters)');
    expect(io.stdout.slice(3).map((line) => line.split(/\s+/))).toEqual(
      expect.arrayContaining([
        ['CONTENT_OWNER', 'BYTES', 'TRANSFERS', 'FILES'],
        ['label', '2000', '1', '1'],
        ['moviestudio', '3000', '1', '1'],
      ]),
    );
    expect(await api.db.prisma.reportRun.count()).toBe(before + 1);
  });

  it('fails with one line for a name no report has, and refuses a bad command line', async () => {
    const io = capture();
    expect(await runReportCommand(store, 'nope', { json: false, now: justAfterD }, io)).toBe(1);
    expect(io.stderr).toEqual(['pathledger report run: no saved report named "nope".']);
    const usage = capture();
    expect(await main(['report'], usage)).toBe(2);
    expect(usage.stderr[0]).toBe('pathledger report: report needs an action: run');
    expect(await main(['report', 'run'], usage)).toBe(2);
    expect(await main(['report', 'walk', 'x'], usage)).toBe(2);
    const help = capture();
    expect(await main(['report', '--help'], help)).toBe(0);
    expect(help.stdout.join('\n')).toBe(reportCommand.help);
  });
});

describe('a SAVED_REPORT job', () => {
  it('runs the report for each due instant, over the day before each, catching up missed days', async () => {
    const report = await api.db.prisma.savedReport.findUniqueOrThrow({ where: { name: 'SP1→SP2 yesterday' } });
    const job = await createScheduledJob(api.db.prisma, { name: 'SP1→SP2 every morning', kind: 'SAVED_REPORT', schedule: '0 6 * * *', savedReport: Buffer.from(`SavedReport:${report.id}`).toString('base64url') }, () => {}, onD(7, -2));
    const scheduler = new Scheduler({ prisma: api.db.prisma, handlers: reportJobHandlers(store), intervalMs: 0 });
    await scheduler.tick(onD(7, 1));
    const runs = await api.db.prisma.jobRun.findMany({ where: { jobId: job.id }, orderBy: { scheduledFor: 'asc' } });
    expect(runs.map((run) => [run.scheduledFor, run.status])).toEqual([
      [onD(6, -1), 'SUCCEEDED'],
      [onD(6), 'SUCCEEDED'],
      [onD(6, 1), 'SUCCEEDED'],
    ]);
    expect(runs.map((run) => run.result)).toEqual([-2, -1, 0].map((day) => ({ report: 'SP1→SP2 yesterday', from: onD(0, day).toISOString(), to: onD(0, day + 1).toISOString() })));
    const kept = await api.db.prisma.reportRun.findMany({ where: { savedReportId: report.id, ranAt: { gte: runs[0]!.startedAt } }, orderBy: { from: 'asc' } });
    expect(kept.slice(-3).map((run) => [run.from, (run.result as { bytes: string }).bytes])).toEqual([
      [onD(0, -2), '0'],
      [onD(0, -1), '700'],
      [onD(0), '5000'],
    ]);
    const listed = await api.admin(`{ scheduledJobs { name savedReport { name } lastRuns(first: 2) { scheduledFor status } } }`);
    expect(listed.data.scheduledJobs.find((j: { name: string }) => j.name === 'SP1→SP2 every morning')).toEqual({
      name: 'SP1→SP2 every morning',
      savedReport: { name: 'SP1→SP2 yesterday' },
      lastRuns: [
        { scheduledFor: onD(6, 1).toISOString(), status: 'SUCCEEDED' },
        { scheduledFor: onD(6).toISOString(), status: 'SUCCEEDED' },
      ],
    });
  });
});

describe('reading the report engine', () => {
  const QUERY = `{
    savedReports { name owner { slug } groupBy range lastRun { from report { bytes } } }
    scheduledJobs { name nextRunAt savedReport { name } lastRuns(first: 3) { status scheduledFor } }
    capacityPolicies(first: 50) { totalCount edges { node { name owner { slug } link { id } linkSet { id } network { slug } contentOwner { slug } changes(first: 3) { to at } } } }
  }`;
  const statements = async () => {
    // The key lookup and its last-used stamp are per request, not per row; warm them up first.
    await api.admin('{ me { role } }');
    api.statements.reset();
    const result = await api.admin(QUERY);
    expect(result.errors).toBeUndefined();
    return { count: api.statements.count, reports: result.data.savedReports.length, jobs: result.data.scheduledJobs.length, policies: result.data.capacityPolicies.totalCount };
  };

  it('costs the same number of statements for many reports, jobs and policies as for a few', async () => {
    const network = async (name: string) =>
      (await api.admin(`mutation($input: CreateCapacityPolicyInput!) { createCapacityPolicy(input: $input) { capacityPolicy { id } } }`, { input: { name, owner: 'sp2', network: 'sp2', limitBytes: '1' } })).data.createCapacityPolicy.capacityPolicy.id;
    const addSome = async (tag: string) => {
      for (let i = 0; i < 3; i++) {
        const report = (await createReport({ ...SP1_TO_SP2, name: `${tag} report ${i}` })).savedReport;
        await api.admin(RUN, { name: `${tag} report ${i}` });
        const job = await createScheduledJob(api.db.prisma, { name: `${tag} job ${i}`, kind: 'SAVED_REPORT', schedule: '0 * * * *', savedReport: report.id }, () => {}, new Date(Date.now() - 3 * 3_600_000));
        await new Scheduler({ prisma: api.db.prisma, handlers: reportJobHandlers(store), intervalMs: 0 }).tick();
        expect(await api.db.prisma.jobRun.count({ where: { jobId: job.id } })).toBeGreaterThanOrEqual(3);
        await network(`${tag} policy ${i}`);
      }
    };
    await addSome('few');
    const few = await statements();
    await addSome('more');
    await addSome('many');
    const many = await statements();
    expect(many.reports).toBeGreaterThan(few.reports);
    expect(many.jobs).toBeGreaterThan(few.jobs);
    expect(many.policies).toBeGreaterThan(few.policies);
    expect(many.count).toBe(few.count);
  });
});

describe('the range a report runs over', () => {
  const range = (name: Parameters<typeof rangeBefore>[0], zone: string, now: string) => {
    const { start, end } = rangeBefore(name, zone, new Date(now));
    return [start.toISOString(), end.toISOString()];
  };

  it('is the last complete hour, day, month or quarter in the zone, 23 or 25 hours on a day the clocks change', () => {
    expect(range('LAST_HOUR', 'UTC', '2026-11-10T10:20:00Z')).toEqual(['2026-11-10T09:00:00.000Z', '2026-11-10T10:00:00.000Z']);
    expect(range('LAST_HOUR', 'UTC', '2026-11-10T10:00:00Z')).toEqual(['2026-11-10T09:00:00.000Z', '2026-11-10T10:00:00.000Z']);
    // India is UTC+05:30: its hours start at half past in UTC.
    expect(range('LAST_HOUR', 'Asia/Kolkata', '2026-11-10T10:20:00Z')).toEqual(['2026-11-10T08:30:00.000Z', '2026-11-10T09:30:00.000Z']);
    expect(range('LAST_DAY', 'Europe/Berlin', '2026-11-10T10:20:00Z')).toEqual(['2026-11-08T23:00:00.000Z', '2026-11-09T23:00:00.000Z']);
    expect(range('LAST_DAY', 'Europe/Berlin', '2026-10-26T05:00:00Z')).toEqual(['2026-10-24T22:00:00.000Z', '2026-10-25T23:00:00.000Z']);
    expect(range('LAST_DAY', 'Europe/Berlin', '2026-03-30T05:00:00Z')).toEqual(['2026-03-28T23:00:00.000Z', '2026-03-29T22:00:00.000Z']);
    expect(range('LAST_MONTH', 'Europe/Berlin', '2026-11-01T00:30:00Z')).toEqual(['2026-09-30T22:00:00.000Z', '2026-10-31T23:00:00.000Z']);
    expect(range('LAST_MONTH', 'Europe/Berlin', '2026-10-31T22:30:00Z')).toEqual(['2026-08-31T22:00:00.000Z', '2026-09-30T22:00:00.000Z']);
    expect(range('LAST_QUARTER', 'UTC', '2026-12-02T05:00:00Z')).toEqual(['2026-07-01T00:00:00.000Z', '2026-10-01T00:00:00.000Z']);
  });
});
