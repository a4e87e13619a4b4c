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

export async function storeAssignment(sql: SqlRunner, assignment: Omit<Assignment, 'id' | 'createdAt'>): Promise<Assignment> {
  const stored: Assignment = { ...assignment, id: uuidV7(), createdAt: new Date() };
  await sql.query(
    `INSERT INTO "ContentAssignment" ("id", "requesterClientId", "contentId", "requestedById", "sources", "createdAt") VALUES ($1::uuid, $2::uuid, $3::uuid, $4::uuid, $5::jsonb, $6::timestamp)`,
    [stored.id, stored.requesterClientId, stored.contentId, stored.requestedById, JSON.stringify(stored.sources), stored.createdAt.toISOString()],
  );
  return stored;
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
