// What every resolver receives: the caller's access, the database, and loaders that see with
// the caller's eyes. One context per request, so loader caches never outlive it; a subscription
// keeps its context while it lasts and renews the loaders for each event (renewLoaders).
import type { PrismaClient } from '../generated/prisma/client.ts';
import { Access } from '../auth/access.ts';
import type { Principal } from '../auth/principal.ts';
import type { Database } from '../db/database.ts';
import type { PathService } from '../path/service.ts';
import type { CounterJournal } from '../accounting/counter-journal.ts';
import type { Coordinator } from '../coordinator/coordinator.ts';
import { DEFAULT_GRACE_HOURS } from '../reports/invoices.ts';
import type { TransferRecorder } from '../accounting/recorder.ts';
import type { AlertFeed } from '../reports/alert-feed.ts';
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
  /** New alerts as they fire, for subscriptions. */
  alertFeed: Pick<AlertFeed, 'subscribe'>;
  /**
   * Whether the caller's key is still good: a subscription outlives the moment its key was
   * checked. Always true over HTTP, where each request is checked as it comes.
   */
  keyStillValid(): Promise<boolean>;
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
  alertFeed?: Pick<AlertFeed, 'subscribe'>;
  keyStillValid?: () => Promise<boolean>;
}

const stillValid = () => Promise.resolve(true);
const noAlerts: Pick<AlertFeed, 'subscribe'> = { subscribe: () => () => {} };

// Plain properties, no getters: Apollo Server copies the context object, which would run them.
export function createContext({
  db,
  principal,
  limits,
  paths,
  recorder,
  counters,
  coordinator,
  settlementGraceHours = DEFAULT_GRACE_HOURS,
  rawRetentionDays = 0,
  alertFeed = noAlerts,
  keyStillValid = stillValid,
}: ContextOptions): GraphQLContext {
  const access = new Access(principal);
  return { prisma: db.prisma, access, limits, ...freshLoaders(db.prisma, access), paths, recorder, counters, coordinator, settlementGraceHours, rawRetentionDays, alertFeed, keyStillValid };
}

/** Fresh loaders for the next event of a subscription: what one event read must not be served stale to the next. */
export function renewLoaders(ctx: GraphQLContext): void {
  Object.assign(ctx, freshLoaders(ctx.prisma, ctx.access));
}

function freshLoaders(prisma: PrismaClient, access: Access): Pick<GraphQLContext, 'directory' | 'loaders'> {
  const directory = createDirectoryLoaders(prisma);
  return { directory, loaders: createLoaders(prisma, access.visibility, directory) };
}
