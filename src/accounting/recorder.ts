// Recording a batch of transfers: check each, resolve its content and its path, then in one
// transaction store the new events (a transfer id the reporter sent before is a duplicate and
// adds nothing) and add what they carried to the counters of every component on their paths,
// the traffic rollups and every accounting object they match. Nothing is acknowledged before the
// transaction commits, and a transfer is counted exactly when its event row is inserted.
import type { Prisma, PrismaClient } from '../generated/prisma/client.ts';
import { InputError } from '../domain/input-error.ts';
import { RefreshingSnapshot } from '../domain/refreshing-snapshot.ts';
import type { Path } from '../path/model.ts';
import type { PathRequest, PathService } from '../path/service.ts';
import { apportion, apportionWithinWindows, bucketStart, type BucketBytes } from './apportion.ts';
import { COMPONENT_TRAFFIC, CounterDeltas, CROSSING_TRAFFIC, OBJECT_CONTENT, OBJECT_USAGE, TRAFFIC_ROLLUP, UNKNOWN_ID } from './counters.ts';
import { loadAccountingIndex, type AccountingIndex, type ObjectFilter } from './entity-index.ts';
import { insertNewEvents, type EventRow } from './event-rows.ts';
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
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const orUnknown = (id: string | null) => (id !== null && UUID.test(id) ? id : UNKNOWN_ID);

export class TransferRecorder {
  private readonly index: RefreshingSnapshot<AccountingIndex>;

  constructor(
    private readonly prisma: PrismaClient,
    private readonly paths: PathService,
    options: RecorderOptions = {},
  ) {
    this.index = new RefreshingSnapshot(() => loadAccountingIndex(prisma), options.maxIndexAgeMs ?? 10_000);
  }

  /** Accounting objects or their associations changed: the next batch reloads the index. */
  invalidate(): void {
    this.index.invalidate();
  }

  async record(reporterId: string, submissions: readonly TransferSubmission[], options: RecordOptions = {}): Promise<RecordOutcome> {
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
    const paths = await this.paths.resolveAllAndRegister(requests);
    const resolved: Resolved[] = [];
    withContent.forEach(({ transfer, content }, i) => {
      const path = paths[requestOf[i]!]!;
      if (path instanceof InputError) rejected.push(rejection(transfer.index, transfer.id, path.field.join('.'), path.message));
      else resolved.push({ transfer, content, path });
    });

    const index = await this.index.get();
    const accepted = resolved.length === 0 ? 0 : await this.store(reporterId, resolved, index);
    rejected.sort((a, b) => a.index - b.index);
    return { accepted, duplicates: duplicates + resolved.length - accepted, rejected };
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

  /** One transaction: new events, then the counters of exactly those. Returns how many were new. */
  private async store(reporterId: string, resolved: readonly Resolved[], index: AccountingIndex): Promise<number> {
    return this.prisma.$transaction(
      async (tx) => {
        const eventIds = await insertNewEvents(
          tx,
          resolved.map(({ transfer, content, path }) => eventRow(reporterId, transfer, content, path, index)),
        );
        const deltas = new CounterDeltas();
        const records: Prisma.ComponentRecordCreateManyInput[] = [];
        for (const item of resolved) {
          const eventId = eventIds.get(item.transfer.id);
          if (eventId === undefined) continue; // sent before: already counted
          addCounters(deltas, item, index);
          records.push(...componentRecords(eventId, item, index));
        }
        await deltas.write(tx);
        if (records.length > 0) await tx.componentRecord.createMany({ data: records });
        return eventIds.size;
      },
      { timeout: 120_000, maxWait: 30_000 },
    );
  }
}

function contentKey(content: ContentReference, options: RecordOptions): string {
  return 'id' in content ? `id:${options.contentRowId ? options.contentRowId(content.id) : content.id}` : `title:${content.owner}\u0000${content.title}`;
}

function describeContent(content: ContentReference): string {
  return 'id' in content ? `with id ${content.id}` : `titled ${JSON.stringify(content.title)} owned by ${content.owner}`;
}

function storedIds(path: Path): string[] {
  return path.components.flatMap((component) => (component.componentId === null ? [] : [component.componentId]));
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
  };
}

/**
 * Adds one new transfer to the counters. Bytes go to the buckets they were moved in; the transfer
 * itself counts once, in the bucket where it started (for an object with hours, the first bucket
 * with bytes inside them).
 */
function addCounters(deltas: CounterDeltas, { transfer, content, path }: Resolved, index: AccountingIndex): void {
  const buckets = apportion(transfer.bytes, transfer.startedAt, transfer.endedAt);
  const first = bucketStart(transfer.startedAt).toISOString();
  const owner = content.ownerId;
  const each = (table: Parameters<CounterDeltas['add']>[0], key: (bucket: string) => string[], shares: readonly BucketBytes[] = buckets, firstBucket = first) => {
    for (const share of shares) deltas.add(table, key(share.bucketStart.toISOString()), share.bytes);
    deltas.add(table, key(firstBucket), 0n, 1n);
  };

  for (const componentId of new Set(storedIds(path))) each(COMPONENT_TRAFFIC, (bucket) => [componentId, bucket, owner, content.id, transfer.type]);
  const onNet = path.onNet === null ? '-1' : path.onNet ? '1' : '0';
  each(TRAFFIC_ROLLUP, (bucket) => [
    bucket,
    orUnknown(path.sourceNetworkId),
    orUnknown(path.destinationNetworkId),
    path.sourceCountry ?? '',
    path.destinationCountry ?? '',
    owner,
    content.id,
    transfer.type,
    onNet,
  ]);
  const crossings = new Set(path.crossings.map((crossing) => `${crossing.from}|${crossing.to}`));
  for (const crossing of crossings) {
    const [from, to] = crossing.split('|') as [string, string];
    if (UUID.test(from) && UUID.test(to)) each(CROSSING_TRAFFIC, (bucket) => [from, to, bucket, owner, content.id, transfer.type]);
  }

  for (const object of matchingObjects(path, transfer, content, crossings, index)) {
    const shares = object.window ? apportionWithinWindows(transfer.bytes, transfer.startedAt, transfer.endedAt, object.window, object.window.timeZone) : buckets;
    // Outside its hours altogether: not the object's traffic, not even as a transfer.
    if (object.window && shares.length === 0) continue;
    const firstBucket = object.window ? shares[0]!.bucketStart.toISOString() : first;
    each(OBJECT_USAGE, (bucket) => [object.id, bucket], shares, firstBucket);
    for (const share of shares) deltas.add(OBJECT_CONTENT, [object.id, share.bucketStart.toISOString(), content.id], share.bytes);
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
      if (object.crossingFromId !== null && object.crossingToId !== null && !crossings.has(`${object.crossingFromId}|${object.crossingToId}`)) continue;
      matched.set(object.id, object);
    }
  }
  return [...matched.values()];
}

function componentRecords(eventId: string, { transfer, content, path }: Resolved, index: AccountingIndex): Prisma.ComponentRecordCreateManyInput[] {
  const ids = storedIds(path);
  return [...new Set(ids)].flatMap((componentId) =>
    index.recorded.has(componentId)
      ? [{ componentId, eventId, ownerId: index.recorded.get(componentId) ?? null, path: ids, contentOwnerId: content.ownerId, title: content.title, bytes: transfer.bytes, startedAt: transfer.startedAt, endedAt: transfer.endedAt }]
      : [],
  );
}
