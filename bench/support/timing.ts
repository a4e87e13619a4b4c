// Latency of repeated runs: warm-ups first (plans cached, loaders and JIT warm), then samples.
import { performance } from 'node:perf_hooks';

export function percentile(sorted: readonly number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
}

export interface Latency {
  median: number;
  p95: number;
  p99: number;
}

export async function time(rounds: number, run: () => Promise<unknown>, warmUps = 5): Promise<Latency> {
  for (let i = 0; i < warmUps; i++) await run();
  const samples: number[] = [];
  for (let i = 0; i < rounds; i++) {
    const start = performance.now();
    await run();
    samples.push(performance.now() - start);
  }
  samples.sort((a, b) => a - b);
  return { median: percentile(samples, 50), p95: percentile(samples, 95), p99: percentile(samples, 99) };
}

/** One figure of a bench, as a JSON line on stdout. */
export function figureLine(bench: string): (figure: string, value: number, unit: string, extra?: Record<string, unknown>) => void {
  const database = process.env.DATABASE_URL ? 'postgresql' : 'pglite';
  return (figure, value, unit, extra = {}) => console.log(JSON.stringify({ bench, database, figure, value: Number(value.toFixed(3)), unit, ...extra }));
}
