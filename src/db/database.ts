// Contract of the database handle; the implementation lands with src/db/open.ts.
import type { SqlMigrationAwareDriverAdapterFactory } from '@prisma/driver-adapter-utils';
import type { PrismaClient } from '../generated/prisma/client.ts';
import type { NotificationHandlers, Unlisten } from './notifications.ts';
import type { RawSql } from './raw-sql.ts';

export type DatabaseKind = 'pglite' | 'postgresql';

export interface DatabaseOptions {
  /** `postgresql://…` for a PostgreSQL server; absent for the embedded PGlite. */
  url?: string;
  /** PGlite's data folder; `memory://` keeps it in memory (tests). Ignored with `url`. */
  dataDir: string;
  /** Connections in the PostgreSQL pool. */
  poolSize: number;
  /** Called with the text of every SQL statement sent, for statement-counting tests. */
  onQuery?: (sql: string) => void;
}

export interface PoolStats {
  total: number;
  idle: number;
  waiting: number;
}

export interface Database {
  kind: DatabaseKind;
  prisma: PrismaClient;
  /** The same database without the ORM, for statements that carry whole batches (raw-sql.ts). */
  sql: RawSql;
  /** What the schema engine needs to migrate this database (and to make a shadow one). */
  migrationAdapterFactory: SqlMigrationAwareDriverAdapterFactory;
  /** Resolves when the database answers a trivial query. */
  ping(): Promise<void>;
  /**
   * Hears the payload of every NOTIFY on `channel` (from any connection, once its transaction
   * commits) until the returned function is called. See notifications.ts.
   */
  listen(channel: string, handlers: NotificationHandlers): Promise<Unlisten>;
  /** Pool occupancy for /metrics; null for PGlite, which has one in-process connection. */
  poolStats(): PoolStats | null;
  close(): Promise<void>;
}
