// Prometheus metrics for /metrics, in a registry of our own: the global one would collect across
// every server built in one process (the tests build many) and cannot be reset safely.
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import type { PoolStats } from '../db/database.ts';

/** Operation names are chosen by clients; past this many distinct ones, new names count as "other". */
const MAX_OPERATION_NAMES = 200;
const MAX_OPERATION_NAME_LENGTH = 100;

export interface Metrics {
  readonly registry: Registry;
  readonly graphqlRequests: Counter<'operation' | 'type'>;
  readonly graphqlDuration: Histogram<'operation'>;
  readonly graphqlErrors: Counter<'operation' | 'code'>;
  readonly httpRequests: Counter<'route' | 'method' | 'status'>;
  /** The label for an operation: its name, "anonymous" without one, "other" past the cap. */
  operationLabel(name: string | null | undefined): string;
  /**
   * Adds gauges of the database pool, read at scrape time. A database without a pool (PGlite,
   * whose stats are null) gets none, rather than gauges that always say 0.
   */
  observeDatabasePool(poolStats: () => PoolStats | null): void;
  /** Adds a gauge of the WebSocket connections open for subscriptions, read at scrape time. */
  observeSubscriptions(connections: () => number): void;
  /** The Prometheus text exposition. */
  render(): Promise<{ contentType: string; body: string }>;
}

export function createMetrics(): Metrics {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });
  const registers = [registry];

  const graphqlRequests = new Counter({
    name: 'pathledger_graphql_requests_total',
    help: 'GraphQL requests by operation name and type (query, mutation, or unknown when the document did not resolve to an operation).',
    labelNames: ['operation', 'type'] as const,
    registers,
  });
  const graphqlDuration = new Histogram({
    name: 'pathledger_graphql_request_duration_seconds',
    help: 'Time from receiving a GraphQL request to having its response ready, by operation name.',
    labelNames: ['operation'] as const,
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
    registers,
  });
  const graphqlErrors = new Counter({
    name: 'pathledger_graphql_errors_total',
    help: 'Errors in GraphQL responses by operation name and extensions.code.',
    labelNames: ['operation', 'code'] as const,
    registers,
  });
  const httpRequests = new Counter({
    name: 'pathledger_http_requests_total',
    help: 'HTTP requests by route, method and response status.',
    labelNames: ['route', 'method', 'status'] as const,
    registers,
  });

  const operationNames = new Set<string>();
  const operationLabel = (name: string | null | undefined): string => {
    if (!name) return 'anonymous';
    const label = name.slice(0, MAX_OPERATION_NAME_LENGTH);
    if (operationNames.has(label)) return label;
    if (operationNames.size >= MAX_OPERATION_NAMES) return 'other';
    operationNames.add(label);
    return label;
  };

  let observingPool = false;
  const observeDatabasePool = (poolStats: () => PoolStats | null) => {
    if (observingPool || poolStats() === null) return;
    observingPool = true;
    const gauge = (name: string, help: string, read: (stats: PoolStats) => number) =>
      new Gauge({
        name,
        help,
        registers,
        collect() {
          const stats = poolStats();
          if (stats) this.set(read(stats));
        },
      });
    gauge('pathledger_db_pool_connections', 'Connections open in the PostgreSQL pool.', (stats) => stats.total);
    gauge('pathledger_db_pool_idle_connections', 'Open connections in the PostgreSQL pool not in use.', (stats) => stats.idle);
    gauge('pathledger_db_pool_waiting_clients', 'Queries waiting for a connection from the PostgreSQL pool.', (stats) => stats.waiting);
  };

  const observeSubscriptions = (connections: () => number) => {
    new Gauge({
      name: 'pathledger_subscription_connections',
      help: 'WebSocket connections open for GraphQL subscriptions.',
      registers,
      collect() {
        this.set(connections());
      },
    });
  };

  return {
    registry,
    graphqlRequests,
    graphqlDuration,
    graphqlErrors,
    httpRequests,
    operationLabel,
    observeDatabasePool,
    observeSubscriptions,
    render: async () => ({ contentType: registry.contentType, body: await registry.metrics() }),
  };
}
