// Assignments as stored: what the coordinator told a client, source by source. Transfers that
// carry one out name it, and the source they came from says which grant permitted the uplink.
import type { SqlRunner } from '../db/raw-sql.ts';
import { uuidV7 } from '../accounting/event-rows.ts';

/** One source of an assignment, as stored (ids are row ids). */
export interface StoredSource {
  kind: 'PEER' | 'CDN';
  peerClientId: string | null;
  peerAddress: string | null;
  grantId: string | null;
  nodeComponentId: string | null;
  nodeAddress: string | null;
  pieces: number[] | null;
  reason: string;
}

export interface Assignment {
  id: string;
  requesterClientId: string;
  contentId: string;
  requestedById: string | null;
  sources: StoredSource[];
  createdAt: Date;
}

const COLUMNS = 6;
/** Rows per INSERT: 500 × 6 parameters stays far below the protocol's 65,535. */
const MAX_ROWS_PER_INSERT = 500;

/**
 * Stores assignments in groups. Requests arrive many at once, and a statement's fixed cost (its
 * round trip; on the embedded database some 0.6 ms of the one thread), not the row, is what costs.
 * So the assignments made in one turn of the event loop (the requests that arrived together) go
 * in one INSERT at the end of that turn, and those made while it is in flight in the next one: a
 * burst of N requests costs a few statements instead of N. Waiting for the end of the turn is
 * what groups anything on the embedded database, whose statements run to their end before
 * anything else does; it adds no wait for I/O. Each caller resolves only after its row is
 * committed.
 */
export class AssignmentWriter {
  private readonly waiting: { assignment: Assignment; resolve: () => void; reject: (error: unknown) => void }[] = [];
  /** A group is scheduled or being written: what comes meanwhile waits for its turn. */
  private writing = false;

  constructor(private readonly sql: SqlRunner) {}

  async store(assignment: Omit<Assignment, 'id' | 'createdAt'>): Promise<Assignment> {
    const stored: Assignment = { ...assignment, id: uuidV7(), createdAt: new Date() };
    await new Promise<void>((resolve, reject) => {
      this.waiting.push({ assignment: stored, resolve, reject });
      if (!this.writing) {
        this.writing = true;
        setImmediate(() => void this.writeWaiting());
      }
    });
    return stored;
  }

  private async writeWaiting(): Promise<void> {
    while (this.waiting.length > 0) {
      const group = this.waiting.splice(0, MAX_ROWS_PER_INSERT);
      try {
        await insertAssignments(this.sql, group.map((entry) => entry.assignment));
        for (const entry of group) entry.resolve();
      } catch (error) {
        for (const entry of group) entry.reject(error);
      }
    }
    this.writing = false;
  }
}

async function insertAssignments(sql: SqlRunner, assignments: readonly Assignment[]): Promise<void> {
  const rows = assignments.map((_, i) => {
    const p = (n: number) => `$${i * COLUMNS + n}`;
    return `(${p(1)}::uuid, ${p(2)}::uuid, ${p(3)}::uuid, ${p(4)}::uuid, ${p(5)}::jsonb, ${p(6)}::timestamp)`;
  });
  const params = assignments.flatMap((a) => [a.id, a.requesterClientId, a.contentId, a.requestedById, JSON.stringify(a.sources), a.createdAt.toISOString()]);
  await sql.query(`INSERT INTO "ContentAssignment" ("id", "requesterClientId", "contentId", "requestedById", "sources", "createdAt") VALUES ${rows.join(', ')}`, params);
}

/** Assignments by id, in one statement. */
export async function loadAssignments(sql: SqlRunner, ids: readonly string[]): Promise<Map<string, Assignment>> {
  if (ids.length === 0) return new Map();
  const rows = await sql.query<Assignment>(
    `SELECT "id"::text AS "id", "requesterClientId"::text AS "requesterClientId", "contentId"::text AS "contentId", "requestedById"::text AS "requestedById", "sources", "createdAt" FROM "ContentAssignment" WHERE "id" = ANY($1::uuid[])`,
    [`{${[...new Set(ids)].join(',')}}`],
  );
  return new Map(rows.map((row) => [row.id, row]));
}

/**
 * The grant a transfer from `source` under this assignment was permitted by: the peer source at
 * that address; null for the CDN node; undefined when the address is none of its sources.
 */
export function grantOfSource(assignment: Assignment, source: string): string | null | undefined {
  for (const candidate of assignment.sources) {
    if (candidate.kind === 'PEER' && candidate.peerAddress === source) return candidate.grantId;
    if (candidate.kind === 'CDN' && candidate.nodeAddress === source) return null;
  }
  return undefined;
}
