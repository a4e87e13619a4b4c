// Driver adapters for the Prisma client and for the schema engine. The stock adapters are used
// underneath; these wrappers fix what would otherwise break migrations or statement counting:
// - PGlite's adapter fires `executeScript` without awaiting it (a failing migration would be
//   recorded as applied and its error would surface as an unhandled rejection), and its shadow
//   database is an in-memory PGlite that is never closed (~0.8 GB per diff).
// - PrismaPg splits scripts on every `;` and runs the pieces on arbitrary pool connections, and its
//   shadow database is dropped while its own pool still holds connections, so the drop fails.
//   The schema engine also takes a session-level advisory lock it never releases; on a shared
//   pool a second migration run could then wait on a lock held by an idle pooled connection.
//   So the engine gets one dedicated connection per `connect()`, closed on dispose, which is
//   what the native engine does.
import { randomUUID } from 'node:crypto';
import { PGlite } from '@electric-sql/pglite';
import { PrismaPg } from '@prisma/adapter-pg';
import {
  DriverAdapterError,
  type ConnectionInfo,
  type IsolationLevel,
  type SqlDriverAdapter,
  type SqlDriverAdapterFactory,
  type SqlMigrationAwareDriverAdapterFactory,
  type SqlQuery,
  type SqlResultSet,
  type Transaction,
  type TransactionOptions,
} from '@prisma/driver-adapter-utils';
import pg from 'pg';
import { PrismaPGlite } from 'pglite-prisma-adapter';

export type QueryObserver = (sql: string) => void;

interface AdapterOverrides {
  onQuery?: QueryObserver;
  /** Rewrites a query's arguments before the inner adapter sees them. */
  prepare?: (query: SqlQuery) => SqlQuery;
  /** Replaces the inner adapter's script execution (the whole script, one round trip). */
  executeScript?: (script: string) => Promise<void>;
  /** Runs after the inner adapter is disposed: closes what the wrapper opened. */
  afterDispose?: () => Promise<void>;
}

/** Shape shared by the errors of `pg` and of PGlite (both mirror the server's ErrorResponse). */
interface PostgresErrorFields {
  code: string;
  severity: string;
  message: string;
  detail?: string;
  column?: string;
  hint?: string;
}

function isPostgresError(error: unknown): error is PostgresErrorFields {
  if (typeof error !== 'object' || error === null) return false;
  const fields = error as Record<string, unknown>;
  return typeof fields.code === 'string' && typeof fields.severity === 'string' && typeof fields.message === 'string';
}

/** Lets the schema engine report a failing migration statement with the server's own words. */
function toDriverAdapterError(error: unknown): unknown {
  if (!isPostgresError(error)) return error;
  return new DriverAdapterError({
    kind: 'postgres',
    code: error.code,
    severity: error.severity,
    message: error.message,
    detail: error.detail,
    column: error.column,
    hint: error.hint,
  });
}

class DelegatingTransaction implements Transaction {
  readonly provider: Transaction['provider'];
  readonly adapterName: string;
  readonly options: TransactionOptions;
  createSavepoint?: (name: string) => Promise<void>;
  rollbackToSavepoint?: (name: string) => Promise<void>;
  releaseSavepoint?: (name: string) => Promise<void>;

  constructor(
    private readonly inner: Transaction,
    private readonly observe: QueryObserver,
    private readonly prepare: (query: SqlQuery) => SqlQuery,
  ) {
    this.provider = inner.provider;
    this.adapterName = inner.adapterName;
    this.options = inner.options;
    // Optional in the interface: the client falls back to plain SQL when they are absent, so
    // they exist here only where the inner transaction has them.
    const observed = (statement: string, run: ((name: string) => Promise<void>) | undefined) =>
      run &&
      ((name: string) => {
        observe(`${statement} ${name}`);
        return run.call(inner, name);
      });
    this.createSavepoint = observed('SAVEPOINT', inner.createSavepoint);
    this.rollbackToSavepoint = observed('ROLLBACK TO SAVEPOINT', inner.rollbackToSavepoint);
    this.releaseSavepoint = observed('RELEASE SAVEPOINT', inner.releaseSavepoint);
  }

  queryRaw(query: SqlQuery): Promise<SqlResultSet> {
    this.observe(query.sql);
    return this.inner.queryRaw(this.prepare(query));
  }

  executeRaw(query: SqlQuery): Promise<number> {
    this.observe(query.sql);
    return this.inner.executeRaw(this.prepare(query));
  }

  // With a "phantom" transaction (PGlite) the driver sends COMMIT/ROLLBACK itself; otherwise
  // (pg) the client sends them through executeRaw above. Either way each is observed once.
  commit(): Promise<void> {
    if (this.options.usePhantomQuery) this.observe('COMMIT');
    return this.inner.commit();
  }

  rollback(): Promise<void> {
    if (this.options.usePhantomQuery) this.observe('ROLLBACK');
    return this.inner.rollback();
  }
}

const ignoreQuery: QueryObserver = () => {};
const asIs = (query: SqlQuery) => query;

class DelegatingAdapter implements SqlDriverAdapter {
  readonly provider: SqlDriverAdapter['provider'];
  readonly adapterName: string;
  getConnectionInfo?: () => ConnectionInfo;
  private readonly observe: QueryObserver;
  private readonly prepare: (query: SqlQuery) => SqlQuery;
  private disposed = false;

  constructor(
    private readonly inner: SqlDriverAdapter,
    private readonly overrides: AdapterOverrides,
  ) {
    this.provider = inner.provider;
    this.adapterName = inner.adapterName;
    this.observe = overrides.onQuery ?? ignoreQuery;
    this.prepare = overrides.prepare ?? asIs;
    const { getConnectionInfo } = inner;
    if (getConnectionInfo) this.getConnectionInfo = () => getConnectionInfo.call(inner);
  }

  queryRaw(query: SqlQuery): Promise<SqlResultSet> {
    this.observe(query.sql);
    return this.inner.queryRaw(this.prepare(query));
  }

  executeRaw(query: SqlQuery): Promise<number> {
    this.observe(query.sql);
    return this.inner.executeRaw(this.prepare(query));
  }

  executeScript(script: string): Promise<void> {
    this.observe(script);
    return this.overrides.executeScript ? this.overrides.executeScript(script) : this.inner.executeScript(script);
  }

  async startTransaction(isolationLevel?: IsolationLevel): Promise<Transaction> {
    const transaction = await this.inner.startTransaction(isolationLevel);
    // pg sends BEGIN inside startTransaction and PGlite inside its transaction(); neither goes
    // through queryRaw/executeRaw, so it is reported here for both.
    this.observe('BEGIN');
    return new DelegatingTransaction(transaction, this.observe, this.prepare);
  }

  /** Idempotent: the schema engine may dispose what the caller disposes again afterwards. */
  async dispose(): Promise<void> {
    if (this.disposed) return;
    this.disposed = true;
    try {
      await this.inner.dispose();
    } finally {
      await this.overrides.afterDispose?.();
    }
  }
}

// ---------------------------------------------------------------------------------------------
// PGlite

/** A PostgreSQL array literal: {"a","b"} with quotes and backslashes escaped. */
function arrayLiteral(values: readonly unknown[]): string {
  return `{${values.map((v) => (v === null ? 'NULL' : `"${String(v).replaceAll('\\', '\\\\').replaceAll('"', '\\"')}"`)).join(',')}}`;
}

/**
 * PGlite serializes a parameter by its type's OID and does not know the OIDs of our enum array
 * types, so a JS array bound to one arrives as String(array) — "A,B" — and PostgreSQL refuses it
 * ("malformed array literal"). adapter-pg sends arrays as literals; so do we, for enum lists.
 */
function enumListsAsLiterals(query: SqlQuery): SqlQuery {
  if (!query.argTypes.some((type, i) => type?.scalarType === 'enum' && type.arity === 'list' && Array.isArray(query.args[i]))) return query;
  const args = query.args.map((arg, i) => {
    const type = query.argTypes[i];
    return type?.scalarType === 'enum' && type.arity === 'list' && Array.isArray(arg) ? arrayLiteral(arg) : arg;
  });
  return { ...query, args };
}

async function connectPGlite(db: PGlite, overrides: Omit<AdapterOverrides, 'executeScript' | 'prepare'>): Promise<SqlDriverAdapter> {
  const inner = await new PrismaPGlite(db).connect();
  return new DelegatingAdapter(inner, {
    ...overrides,
    prepare: enumListsAsLiterals,
    executeScript: async (script) => {
      try {
        await db.exec(script);
      } catch (error) {
        throw toDriverAdapterError(error);
      }
    },
  });
}

/**
 * Connects the Prisma client and the schema engine to one PGlite instance (it has a single
 * session, so the engine's advisory lock is simply re-entered on each run). Shadow databases
 * are fresh in-memory instances, closed when the engine lets go of them.
 */
export class PGliteAdapterFactory implements SqlMigrationAwareDriverAdapterFactory {
  readonly provider = 'postgres';
  readonly adapterName = 'pglite-prisma-adapter';

  constructor(
    private readonly db: PGlite,
    private readonly onQuery?: QueryObserver,
  ) {}

  connect(): Promise<SqlDriverAdapter> {
    return connectPGlite(this.db, { onQuery: this.onQuery });
  }

  async connectToShadowDb(): Promise<SqlDriverAdapter> {
    const shadow = await PGlite.create('memory://');
    return connectPGlite(shadow, { afterDispose: () => shadow.close() });
  }
}

// ---------------------------------------------------------------------------------------------
// PostgreSQL

/** The same server and credentials, another database. */
export function withDatabase(url: string, database: string): string {
  const parsed = new URL(url);
  parsed.pathname = `/${encodeURIComponent(database)}`;
  return parsed.toString();
}

export function quoteIdentifier(name: string): string {
  return `"${name.replaceAll('"', '""')}"`;
}

/** Runs one statement on a short-lived connection of its own (CREATE/DROP DATABASE). */
export async function runOnOwnConnection(url: string, sql: string): Promise<void> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    await client.query(sql);
  } finally {
    await client.end();
  }
}

/** OIDs of PostgreSQL's one-byte internal "char" type (pg_class.relkind, pg_constraint.contype…) and of text. */
const INTERNAL_CHAR_OID = 18;
const TEXT_OID = 25;

type PromiseQuery = (query: pg.QueryConfig | string) => Promise<pg.QueryResult>;

/**
 * PrismaPg 7.10 has no column type for "char" and throws on it, which breaks every schema
 * introspection the engine does (diffs, drift checks): its catalog queries return relkind,
 * contype and the like. The values already arrive as one-letter strings; labelling the columns
 * text lets them through. The engine queries through pool.query only (no transactions).
 */
function relabelInternalChar(pool: pg.Pool): void {
  const query = pool.query.bind(pool) as PromiseQuery;
  const relabelled: PromiseQuery = async (config) => {
    const result = await query(config);
    for (const field of result.fields ?? []) if (field.dataTypeID === INTERNAL_CHAR_OID) field.dataTypeID = TEXT_OID;
    return result;
  };
  (pool as unknown as { query: PromiseQuery }).query = relabelled;
}

async function connectDedicated(url: string, afterDispose?: () => Promise<void>): Promise<SqlDriverAdapter> {
  // One connection that never idles out: the engine's session-level advisory lock and its
  // script execution must stay on the same backend until dispose ends the pool.
  const pool = new pg.Pool({ connectionString: url, max: 1, idleTimeoutMillis: 0 });
  relabelInternalChar(pool);
  const inner = await new PrismaPg(pool, { disposeExternalPool: true }).connect();
  return new DelegatingAdapter(inner, {
    afterDispose,
    // A single simple-protocol query: the server runs the whole script in one implicit
    // transaction, as the native engine does, and `;` inside literals or bodies is safe.
    executeScript: async (script) => {
      try {
        await pool.query(script);
      } catch (error) {
        throw toDriverAdapterError(error);
      }
    },
  });
}

/** What the schema engine uses against a PostgreSQL server (see the note at the top). */
export class PostgresMigrationAdapterFactory implements SqlMigrationAwareDriverAdapterFactory {
  readonly provider = 'postgres';
  readonly adapterName = '@prisma/adapter-pg';

  constructor(private readonly url: string) {}

  connect(): Promise<SqlDriverAdapter> {
    return connectDedicated(this.url);
  }

  async connectToShadowDb(): Promise<SqlDriverAdapter> {
    const name = `prisma_migrate_shadow_db_${randomUUID().replaceAll('-', '')}`;
    await runOnOwnConnection(this.url, `CREATE DATABASE ${quoteIdentifier(name)}`);
    const drop = () => runOnOwnConnection(this.url, `DROP DATABASE IF EXISTS ${quoteIdentifier(name)}`);
    try {
      return await connectDedicated(withDatabase(this.url, name), drop);
    } catch (error) {
      await drop();
      throw error;
    }
  }
}

/** The Prisma client's side of PostgreSQL: the shared pool, observed when asked to be. */
export function postgresClientAdapterFactory(pool: pg.Pool, onQuery?: QueryObserver): SqlDriverAdapterFactory {
  const factory = new PrismaPg(pool);
  if (!onQuery) return factory;
  return {
    provider: factory.provider,
    adapterName: factory.adapterName,
    connect: async () => new DelegatingAdapter(await factory.connect(), { onQuery }),
  };
}
