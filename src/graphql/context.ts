// What every resolver receives: the caller's access, the database, and loaders that see with
// the caller's eyes. One context per request, so loader caches never outlive it.
import type { PrismaClient } from '../generated/prisma/client.ts';
import { Access } from '../auth/access.ts';
import type { Principal } from '../auth/principal.ts';
import type { Database } from '../db/database.ts';
import type { PathService } from '../path/service.ts';
import type { CounterJournal } from '../accounting/counter-journal.ts';
import type { Coordinator } from '../coordinator/coordinator.ts';
import { DEFAULT_GRACE_HOURS } from '../reports/invoices.ts';
import type { TransferRecorder } from '../accounting/recorder.ts';
import { createDirectoryLoaders, createLoaders, type DirectoryLoaders, type Loaders } from './loaders.ts';
import type { PageLimits } from './pagination.ts';

export interface GraphQLContext {
  prisma: PrismaClient;
  access: Access;
  limits: PageLimits;
  /**
   * Loaders that see with the caller's eyes. Root resolvers check `access.reader()` before they
   * use them; nested fields are only reached through a root that did.
   */
  loaders: Loaders;
  /** The public directory (organizations), for any authenticated key. */
  directory: DirectoryLoaders;
  /** The process's path service; mutations tell it the registry changed. */
  paths: PathService;
  /** The process's transfer recorder; mutations tell it accounting objects changed. */
  recorder: TransferRecorder;
  /** The process's counter journal: traffic readers settle it first. */
  counters: Pick<CounterJournal, 'settle'>;
  /** The process's coordinator: what agents report, and where content requests are sent. */
  coordinator: Coordinator;
  /** Hours after a period's end before its drafts may be issued. */
  settlementGraceHours: number;
  /** Days raw events are kept (0: for good), so traffic reports can say when some are gone. */
  rawRetentionDays: number;
}

export interface ContextOptions {
  db: Pick<Database, 'prisma'>;
  principal: Principal | null;
  limits: PageLimits;
  paths: PathService;
  recorder: TransferRecorder;
  counters: Pick<CounterJournal, 'settle'>;
  coordinator: Coordinator;
  settlementGraceHours?: number;
  rawRetentionDays?: number;
}

// Plain properties, no getters: Apollo Server copies the context object, which would run them.
export function createContext({ db, principal, limits, paths, recorder, counters, coordinator, settlementGraceHours = DEFAULT_GRACE_HOURS, rawRetentionDays = 0 }: ContextOptions): GraphQLContext {
  const access = new Access(principal);
  const directory = createDirectoryLoaders(db.prisma);
  return { prisma: db.prisma, access, limits, directory, loaders: createLoaders(db.prisma, access.visibility, directory), paths, recorder, counters, coordinator, settlementGraceHours, rawRetentionDays };
}
