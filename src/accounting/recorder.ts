// Recording a batch of transfers: check each, resolve its content and its path, then in one
// transaction store the new events (a transfer id the reporter sent before is a duplicate and
// adds nothing) and, in the counter journal, what they add to the counters of every component
// on their paths, each end's client, the traffic rollups and every accounting object they match.
// Nothing is acknowledged before the transaction commits, and a transfer is counted exactly when
// its event row is inserted.
//
// Recording is two steps so that a stream can overlap them: `prepare` does the work in this
// process (checks, contents, paths, counter deltas) and writes nothing but path discoveries;
// `commit` is the transaction. While one batch commits, the next is prepared.
import { grantOfSource, loadAssignments, type Assignment } from '../coordinator/assignments.ts';
import type { Database } from '../db/database.ts';
import type { SqlRunner } from '../db/raw-sql.ts';
import type { PrismaClient } from '../generated/prisma/client.ts';
import { InputError } from '../domain/input-error.ts';
import { RefreshingSnapshot } from '../domain/refreshing-snapshot.ts';
import { BoundedCache } from '../path/bounded-cache.ts';
import type { Path } from '../path/model.ts';
import type { PathRequest, PathService } from '../path/service.ts';
import { apportion, apportionWithinWindows, bucketStart, type BucketBytes } from './apportion.ts';
import { appendToJournal, type CounterJournal } from './counter-journal.ts';
import { CLIENT_TRAFFIC, COMPONENT_TRAFFIC, CounterDeltas, CROSSING_TRAFFIC, GRANT_TRAFFIC, NETWORK_TRAFFIC, OBJECT_CONTENT, OBJECT_USAGE, TRAFFIC_ROLLUP, KEY_SEPARATOR, UNKNOWN_ID, type CounterTable } from './counters.ts';
import { loadAccountingIndex, type AccountingIndex, type ObjectFilter } from './entity-index.ts';
import { insertNewEvents, uuidV7, type EventRow } from './event-rows.ts';
import { isRejection, rejection, validateTransfer, type ContentReference, type Rejection, type TransferSubmission, type ValidTransfer } from './transfers.ts';

/** The most transfers one GraphQL call may carry: a batch is one transaction, kept short. */
export const MAX_TRANSFERS_PER_CALL = 1000;

export interface RecordOutcome {
  accepted: number;
  duplicates: number;
  rejected: Rejection[];
}

export interface RecorderOptions {
  /** How long the accounting index serves before it is reloaded (changes made elsewhere). */
  maxIndexAgeMs?: number;
}

export interface RecordOptions {
  /** The row id of a content given as `{ id }` (the API's global id), or null when it names none. */
  contentRowId?: (id: string) => string | null;
  /** The row id of an assignment given by its global id, or null when it names none. */
  assignmentRowId?: (id: string) => string | null;
  /** The index of the first submission, when a batch is one part of a stream (line numbers). */
  firstIndex?: number;
}

interface ContentRow {
  id: string;
  title: string;
  ownerId: string;
}

/** A transfer ready to store: checked, with its content and path. */
interface Resolved {
  transfer: ValidTransfer;
  content: ContentRow;
  path: Path;
  /** The coordinator's assignment it carries out, and the grant that permitted the uplink. */
  assignmentId: string | null;
  grantId: string | null;
}

/** A batch after `prepare`: what to store, and what it adds if every transfer in it is new. */
export interface PreparedBatch {
  reporterId: string;
  resolved: Resolved[];
  rejected: Rejection[];
  /** Repeats of an id within the batch. */
  duplicates: number;
  index: AccountingIndex;
  deltas: CounterDeltas;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const orUnknown = (id: string | null) => (id !== null && UUID.test(id) ? id : UNKNOWN_ID);

export class TransferRecorder {
  private readonly index: RefreshingSnapshot<AccountingIndex>;
  private readonly prisma: PrismaClient;

  constructor(
    private readonly db: Pick<Database, 'prisma' | 'sql'>,
    private readonly paths: PathService,
    private readonly journal: Pick<CounterJournal, 'notify'>,
    options: RecorderOptions = {},
  ) {
    this.prisma = db.prisma;
    this.index = new RefreshingSnapshot(() => loadAccountingIndex(db.prisma), options.maxIndexAgeMs ?? 10_000);
  }

  /** Accounting objects or their associations changed: the next batch reloads the index. */
  invalidate(): void {
    this.index.invalidate();
  }

  async record(reporterId: string, submissions: readonly TransferSubmission[], options: RecordOptions = {}): Promise<RecordOutcome> {
    return this.commit(await this.prepare(reporterId, submissions, options));
  }

  /** Checks, contents, paths and counter deltas: everything but the transaction. */
  async prepare(reporterId: string, submissions: readonly TransferSubmission[], options: RecordOptions = {}): Promise<PreparedBatch> {
    const rejected: Rejection[] = [];
    const valid: ValidTransfer[] = [];
    const seen = new Set<string>();
    let duplicates = 0;
    const firstIndex = options.firstIndex ?? 0;
    submissions.forEach((submission, position) => {
      const result = validateTransfer(firstIndex + position, submission);
      if (isRejection(result)) rejected.push(result);
      // The same id twice in one batch: the first counts, the second is a duplicate.
      else if (seen.has(result.id)) duplicates++;
      else {
        seen.add(result.id);
        valid.push(result);
      }
    });

    const contents = await this.contents(valid, options);
    const withContent: { transfer: ValidTransfer; content: ContentRow }[] = [];
    for (const transfer of valid) {
      const content = contents.get(contentKey(transfer.content, options));
      if (content) withContent.push({ transfer, content });
      else rejected.push(rejection(transfer.index, transfer.id, 'id' in transfer.content ? 'content.id' : 'content', `no content ${describeContent(transfer.content)}.`, 'NOT_FOUND'));
    }

    // Each distinct path once, the batch's discoveries stored together.
    const requestKeys = new Map<string, number>();
    const requests: PathRequest[] = [];
    const requestOf = withContent.map(({ transfer }) => {
      const request = { source: transfer.source, destination: transfer.destination, asPath: transfer.asPath, hops: transfer.hops };
      const key = `${request.source}|${request.destination}|${request.asPath.join(',')}|${request.hops.join(',')}`;
      let position = requestKeys.get(key);
      if (position === undefined) {
        requestKeys.set(key, (position = requests.length));
        requests.push(request);
      }
      return position;
    });
    const [paths, assignments] = await Promise.all([this.paths.resolveAllAndRegister(requests), this.assignments(withContent, options)]);
    const resolved: Resolved[] = [];
    withContent.forEach(({ transfer, content }, i) => {
      const path = paths[requestOf[i]!]!;
      if (path instanceof InputError) return rejected.push(rejection(transfer.index, transfer.id, path.field.join('.'), path.message));
      const carried = carriedOut(transfer, content, assignments, options);
      if ('problem' in carried) return rejected.push(rejection(transfer.index, transfer.id, 'assignment', carried.problem, carried.code));
      return resolved.push({ transfer, content, path, ...carried });
    });

    const index = await this.index.get();
    // Worked out now, on the guess that every transfer is new (a resent batch is the exception);
    // `commit` works them out again for the new ones when the guess was wrong.
    const deltas = new CounterDeltas();
    for (const item of resolved) addCounters(deltas, item, index);
    return { reporterId, resolved, rejected, duplicates, index, deltas };
  }

  /** One transaction: the new events, their counter deltas and FIG. 5 records. */
  async commit(batch: PreparedBatch): Promise<RecordOutcome> {
    const { reporterId, index } = batch;
    const rejected = [...batch.rejected];
    let accepted = 0;
    let resolved = batch.resolved;
    if (resolved.length > 0) {
      accepted = await this.db.sql.transaction(async (tx) => {
        // What a foreign key would check row by row, once for the batch: the contents and the
        // reporter exist, and stay until this commits (a delete waits for the lock).
        const present = await lockReferences(tx, reporterId, resolved);
        if (present.size < new Set(resolved.map((item) => item.content.id)).size) {
          for (const item of resolved) {
            if (!present.has(item.content.id)) rejected.push(rejection(item.transfer.index, item.transfer.id, 'content', `the content ${item.content.title} was deleted.`, 'NOT_FOUND'));
          }
          resolved = resolved.filter((item) => present.has(item.content.id));
        }
        const eventIds = await insertNewEvents(
          tx,
          resolved.map(({ transfer, content, path, assignmentId, grantId }) => ({ ...eventRow(reporterId, transfer, content, path, index), assignmentId, grantId })),
        );
        let deltas = batch.deltas;
        if (resolved !== batch.resolved || eventIds.size < resolved.length) {
          deltas = new CounterDeltas();
          for (const item of resolved) if (eventIds.has(item.transfer.id)) addCounters(deltas, item, index);
        }
        await appendToJournal(tx, deltas);
        await insertComponentRecords(
          tx,
          resolved.flatMap((item) => {
            const eventId = eventIds.get(item.transfer.id);
            return eventId === undefined ? [] : componentRecords(eventId, item, index);
          }),
        );
        return eventIds.size;
      });
      if (accepted > 0) this.journal.notify();
    }
    rejected.sort((a, b) => a.index - b.index);
    return { accepted, duplicates: batch.duplicates + resolved.length - accepted, rejected };
  }

  /** The assignments the batch's transfers name, in one query. */
  private async assignments(transfers: readonly { transfer: ValidTransfer }[], options: RecordOptions): Promise<Map<string, Assignment>> {
    const ids = transfers.flatMap(({ transfer }) => {
      const id = transfer.assignment === null ? null : (options.assignmentRowId?.(transfer.assignment) ?? null);
      return id === null ? [] : [id];
    });
    return ids.length === 0 ? new Map() : loadAssignments(this.db.sql, ids);
  }

  /** Contents by reference, in one query for the batch. */
  private async contents(transfers: readonly ValidTransfer[], options: RecordOptions): Promise<Map<string, ContentRow>> {
    // A batch names a handful of contents thousands of times: ask for each once.
    const ids = new Set<string>();
    const named = new Map<string, { title: string; owner: { slug: string } }>();
    for (const { content } of transfers) {
      if ('id' in content) {
        const id = options.contentRowId ? options.contentRowId(content.id) : content.id;
        if (id !== null && UUID.test(id)) ids.add(id);
      } else {
        named.set(`${content.owner}\u0000${content.title}`, { title: content.title, owner: { slug: content.owner } });
      }
    }
    if (ids.size === 0 && named.size === 0) return new Map();
    const rows = await this.prisma.content.findMany({
      where: { OR: [...(ids.size > 0 ? [{ id: { in: [...ids] } }] : []), ...named.values()] },
      select: { id: true, title: true, ownerId: true, owner: { select: { slug: true } } },
    });
    const byKey = new Map<string, ContentRow>();
    for (const row of rows) {
      const content = { id: row.id, title: row.title, ownerId: row.ownerId };
      byKey.set(`id:${row.id}`, content);
      byKey.set(`title:${row.owner.slug}\u0000${row.title}`, content);
    }
    // Keys as the transfers give them: through the id decoder for ids.
    const keyed = new Map<string, ContentRow>();
    for (const { content } of transfers) {
      const key = contentKey(content, options);
      const row = 'id' in content ? byKey.get(`id:${options.contentRowId ? options.contentRowId(content.id) : content.id}`) : byKey.get(`title:${content.owner}\u0000${content.title}`);
      if (row) keyed.set(key, row);
    }
    return keyed;
  }
}

/** Locks the batch's contents and reporter against deletion until commit; the contents found. */
async function lockReferences(tx: SqlRunner, reporterId: string, resolved: readonly Resolved[]): Promise<Set<string>> {
  const reporter = await tx.query(`SELECT 1 FROM "Organization" WHERE "id" = $1::uuid FOR KEY SHARE`, [reporterId]);
  if (reporter.length === 0) throw new Error('the reporting organization was deleted while its transfers were being recorded.');
  const contentIds = `{${[...new Set(resolved.map((item) => item.content.id))].join(',')}}`;
  const rows = await tx.query<{ id: string }>(`SELECT "id"::text AS "id" FROM "Content" WHERE "id" = ANY($1::uuid[]) FOR KEY SHARE`, [contentIds]);
  return new Set(rows.map((row) => row.id));
}

/**
 * What carrying out an assignment means for a transfer: it is of the assignment's content, and
 * comes from one of its sources; from a peer, it was permitted by the grant that source names.
 */
function carriedOut(
  transfer: ValidTransfer,
  content: ContentRow,
  assignments: ReadonlyMap<string, Assignment>,
  options: RecordOptions,
): { assignmentId: string | null; grantId: string | null } | { problem: string; code: 'INVALID' | 'NOT_FOUND' } {
  if (transfer.assignment === null) return { assignmentId: null, grantId: null };
  const id = options.assignmentRowId?.(transfer.assignment) ?? null;
  const assignment = id === null ? undefined : assignments.get(id);
  if (id === null || assignment === undefined) return { problem: `no assignment with id ${transfer.assignment}.`, code: 'NOT_FOUND' };
  if (assignment.contentId !== content.id) return { problem: 'the assignment is for another content.', code: 'INVALID' };
  const grantId = grantOfSource(assignment, transfer.source);
  if (grantId === undefined) return { problem: `${transfer.source} is none of the assignment's sources.`, code: 'INVALID' };
  return { assignmentId: id, grantId };
}

function contentKey(content: ContentReference, options: RecordOptions): string {
  return 'id' in content ? `id:${options.contentRowId ? options.contentRowId(content.id) : content.id}` : `title:${content.owner}\u0000${content.title}`;
}

function describeContent(content: ContentReference): string {
  return 'id' in content ? `with id ${content.id}` : `titled ${JSON.stringify(content.title)} owned by ${content.owner}`;
}

// The path service hands out the same Path object for the same request (it remembers them), so
// what is worked out from a path is worked out once per path, not once per transfer.
const idsOfPath = new WeakMap<Path, { ids: string[]; distinct: string[] }>();

function pathIds(path: Path): { ids: string[]; distinct: string[] } {
  let found = idsOfPath.get(path);
  if (!found) {
    const ids = path.components.flatMap((component) => (component.componentId === null ? [] : [component.componentId]));
    idsOfPath.set(path, (found = { ids, distinct: [...new Set(ids)] }));
  }
  return found;
}

/** The stored components of a path, in order. */
function storedIds(path: Path): string[] {
  return pathIds(path).ids;
}

function eventRow(reporterId: string, transfer: ValidTransfer, content: ContentRow, path: Path, index: AccountingIndex): EventRow {
  const network = (id: string | null) => (id !== null && UUID.test(id) ? id : null);
  return {
    reporterId,
    externalId: transfer.id,
    sourceAddress: transfer.source,
    destinationAddress: transfer.destination,
    sourceClientId: path.sourceHostId ? (index.clientOfHost.get(path.sourceHostId) ?? null) : null,
    destinationClientId: path.destinationHostId ? (index.clientOfHost.get(path.destinationHostId) ?? null) : null,
    sourceNetworkId: network(path.sourceNetworkId),
    destinationNetworkId: network(path.destinationNetworkId),
    bytes: transfer.bytes,
    startedAt: transfer.startedAt,
    endedAt: transfer.endedAt,
    contentId: content.id,
    contentOwnerId: content.ownerId,
    type: transfer.type,
    peakRate: transfer.peakRate,
    averageRate: transfer.averageRate,
    asPath: transfer.asPath,
    hops: transfer.hops,
    path: storedIds(path),
    onNet: path.onNet,
    sourceCountry: path.sourceCountry,
    destinationCountry: path.destinationCountry,
    assignmentId: null,
    grantId: null,
  };
}

/** A transfer's bytes per bucket, buckets as ISO instants (the form counter keys take). */
interface Shares {
  buckets: { bucket: string; bytes: bigint }[];
  /** Where the transfer itself is counted. */
  first: string;
}

// Buckets repeat across a batch (its transfers fall in a few hours): their ISO form is made once.
const isoOfBucket = new BoundedCache<number, string>(10_000);
function iso(at: Date): string {
  const ms = at.getTime();
  let text = isoOfBucket.get(ms);
  if (text === undefined) isoOfBucket.set(ms, (text = at.toISOString()));
  return text;
}

function sharesOf(buckets: readonly BucketBytes[], first: Date): Shares {
  return { buckets: buckets.map((share) => ({ bucket: iso(share.bucketStart), bytes: share.bytes })), first: iso(first) };
}

/**
 * Adds a transfer's bytes to each bucket's counter, and the transfer once, to its first bucket's.
 * The key is `before` + bucket + `after`, parts joined with KEY_SEPARATOR (see counters.ts).
 */
function count(deltas: CounterDeltas, table: CounterTable, before: string, after: string, shares: Shares): void {
  let counted = false;
  for (const { bucket, bytes } of shares.buckets) {
    const first = bucket === shares.first;
    counted ||= first;
    deltas.add(table, before + bucket + after, bytes, first ? 1n : 0n);
  }
  if (!counted) deltas.add(table, before + shares.first + after, 0n, 1n);
}

/**
 * Adds one new transfer to the counters. Bytes go to the buckets they were moved in; the transfer
 * itself counts once, in the bucket where it started (for an object with hours, the first bucket
 * with bytes inside them).
 */
function addCounters(deltas: CounterDeltas, { transfer, content, path, grantId }: Resolved, index: AccountingIndex): void {
  const shares = sharesOf(apportion(transfer.bytes, transfer.startedAt, transfer.endedAt), bucketStart(transfer.startedAt));
  const $ = KEY_SEPARATOR;
  // What follows the bucket in most keys: content owner, content, type.
  const ofContent = `${$}${content.ownerId}${$}${content.id}${$}${transfer.type}`;

  for (const componentId of pathIds(path).distinct) count(deltas, COMPONENT_TRAFFIC, componentId + $, ofContent, shares);
  const sender = path.sourceHostId ? index.clientOfHost.get(path.sourceHostId) : undefined;
  const receiver = path.destinationHostId ? index.clientOfHost.get(path.destinationHostId) : undefined;
  if (sender) count(deltas, CLIENT_TRAFFIC, `${sender}${$}SENT${$}`, ofContent, shares);
  if (receiver) count(deltas, CLIENT_TRAFFIC, `${receiver}${$}RECEIVED${$}`, ofContent, shares);
  if (path.sourceNetworkId !== null && UUID.test(path.sourceNetworkId)) count(deltas, NETWORK_TRAFFIC, `${path.sourceNetworkId}${$}SENT${$}`, ofContent, shares);
  if (path.destinationNetworkId !== null && UUID.test(path.destinationNetworkId)) count(deltas, NETWORK_TRAFFIC, `${path.destinationNetworkId}${$}RECEIVED${$}`, ofContent, shares);
  if (grantId !== null) count(deltas, GRANT_TRAFFIC, grantId + $, '', shares);
  const onNet = path.onNet === null ? '-1' : path.onNet ? '1' : '0';
  const ends = [orUnknown(path.sourceNetworkId), orUnknown(path.destinationNetworkId), path.sourceCountry ?? '', path.destinationCountry ?? ''].join($);
  count(deltas, TRAFFIC_ROLLUP, '', `${$}${ends}${ofContent}${$}${onNet}`, shares);
  const crossings = new Set<string>();
  for (const { from, to } of path.crossings) {
    const crossing = `${from}${$}${to}`;
    if (crossings.has(crossing)) continue;
    crossings.add(crossing);
    if (UUID.test(from) && UUID.test(to)) count(deltas, CROSSING_TRAFFIC, crossing + $, ofContent, shares);
  }

  for (const object of matchingObjects(path, transfer, content, crossings, index)) {
    let objectShares = shares;
    if (object.window) {
      const inside = apportionWithinWindows(transfer.bytes, transfer.startedAt, transfer.endedAt, object.window, object.window.timeZone);
      // Outside its hours altogether: not the object's traffic, not even as a transfer.
      if (inside.length === 0) continue;
      objectShares = sharesOf(inside, inside[0]!.bucketStart);
    }
    count(deltas, OBJECT_USAGE, object.id + $, '', objectShares);
    for (const { bucket, bytes } of objectShares.buckets) deltas.add(OBJECT_CONTENT, `${object.id}${$}${bucket}${$}${content.id}`, bytes);
  }
}

/**
 * The accounting objects a transfer counts for: those associated with a component on its path
 * (a client's host at the end its direction names), whose filter holds.
 */
function matchingObjects(path: Path, transfer: ValidTransfer, content: ContentRow, crossings: ReadonlySet<string>, index: AccountingIndex): ObjectFilter[] {
  const matched = new Map<string, ObjectFilter>();
  for (const componentId of storedIds(path)) {
    for (const { object, viaClient } of index.byComponent.get(componentId) ?? []) {
      if (matched.has(object.id)) continue;
      if (viaClient) {
        const atSource = componentId === path.sourceHostId;
        const atDestination = componentId === path.destinationHostId;
        if (object.direction === 'SENT' ? !atSource : object.direction === 'RECEIVED' ? !atDestination : !(atSource || atDestination)) continue;
      }
      if (object.contentOwnerId !== null && object.contentOwnerId !== content.ownerId) continue;
      if (object.contentId !== null && object.contentId !== content.id) continue;
      if (object.transferType !== null && object.transferType !== transfer.type) continue;
      if (object.crossingFromId !== null && object.crossingToId !== null && !crossings.has(`${object.crossingFromId}${KEY_SEPARATOR}${object.crossingToId}`)) continue;
      matched.set(object.id, object);
    }
  }
  return [...matched.values()];
}

/** A FIG. 5 record: the transfer as the owner of one component on its path sees it. */
interface ComponentRecordRow {
  componentId: string;
  eventId: string;
  ownerId: string | null;
  path: string[];
  contentOwnerId: string;
  title: string;
  bytes: bigint;
  startedAt: Date;
  endedAt: Date;
}

function componentRecords(eventId: string, { transfer, content, path }: Resolved, index: AccountingIndex): ComponentRecordRow[] {
  const { ids, distinct } = pathIds(path);
  return distinct.flatMap((componentId) =>
    index.recorded.has(componentId)
      ? [{ componentId, eventId, ownerId: index.recorded.get(componentId) ?? null, path: ids, contentOwnerId: content.ownerId, title: content.title, bytes: transfer.bytes, startedAt: transfer.startedAt, endedAt: transfer.endedAt }]
      : [],
  );
}

async function insertComponentRecords(tx: SqlRunner, records: readonly ComponentRecordRow[]): Promise<void> {
  if (records.length === 0) return;
  const json = records.map((record) => ({
    id: uuidV7(),
    c: record.componentId,
    e: record.eventId,
    o: record.ownerId,
    p: record.path,
    co: record.contentOwnerId,
    t: record.title,
    b: record.bytes.toString(),
    s: record.startedAt.toISOString(),
    f: record.endedAt.toISOString(),
  }));
  await tx.query(
    `INSERT INTO "ComponentRecord" ("id", "componentId", "eventId", "ownerId", "path", "contentOwnerId", "title", "bytes", "startedAt", "endedAt") ` +
      `SELECT r.id, r.c, r.e, r.o, r.p, r.co, r.t, r.b, r.s, r.f ` +
      `FROM json_to_recordset($1::json) AS r(id uuid, c uuid, e uuid, o uuid, p uuid[], co uuid, t text, b bigint, s timestamp(3), f timestamp(3))`,
    [JSON.stringify(json)],
  );
}
