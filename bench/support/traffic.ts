// Synthetic traffic for benches, the same on every run (fixed seeds): the demo world's clients
// exchanging its contents with hosts all over the real address space, as agents would report it.
//
// What makes it traffic rather than noise: reports arrive in the order transfers end (a clock
// that moves on, with a minute of jitter), remote hosts and contents are chosen by popularity
// (Zipf: a few networks and titles carry most bytes, as in any CDN's logs), and durations run
// from a second to ten minutes, so some transfers span two hours. A quarter of the transfers go
// between two demo clients (peers, across the demo ISPs: what FIG. 7's queries ask about), a
// third from a CDN node to a demo client, the rest between a demo client and a remote host.
import type { TransferType } from '../../src/generated/prisma/enums.ts';
import { publicAddresses, seededRandom } from './addresses.ts';

export const DEMO_CLIENTS = ['79.214.61.102', '84.173.22.104', '90.12.77.106', '86.201.9.108', '73.162.40.110', '98.210.3.112'];
/** The demo distributors' nodes (142 in Frankfurt and Paris, 144 in Chicago and New York, 402). */
export const DEMO_NODES = ['23.72.14.2', '23.72.15.2', '151.101.1.144', '151.101.65.144', '104.16.40.2'];

export interface BenchTransfer {
  id: string;
  source: string;
  destination: string;
  bytes: string;
  startedAt: string;
  endedAt: string;
  content: { title: string; owner: string };
  type: TransferType;
}

export interface TrafficOptions {
  /** Transfers in all. */
  count: number;
  /** When the first starts, and how long the stream runs (its transfers' start times spread over it). */
  start: Date;
  spanMs: number;
  /** Remote hosts (addresses with an AS in the ASN data: `keep`). */
  hosts: number;
  contents: readonly { title: string; owner: string }[];
  keep: (address: string) => boolean;
  idPrefix?: string;
  seed?: number;
}

/** Ranks 0…n-1 drawn with probability ∝ 1/(rank+1): a Zipf law with exponent 1. */
export function zipf(n: number, next: () => number): () => number {
  const cumulative: number[] = [];
  let total = 0;
  for (let rank = 0; rank < n; rank++) cumulative.push((total += 1 / (rank + 1)));
  return () => {
    const target = next() * total;
    let low = 0;
    let high = n - 1;
    while (low < high) {
      const middle = (low + high) >> 1;
      if (cumulative[middle]! < target) low = middle + 1;
      else high = middle;
    }
    return low;
  };
}

/** The transfers in report order, generated lazily (ten million need not be held at once). */
export function* syntheticTraffic(options: TrafficOptions): Generator<BenchTransfer> {
  const seed = options.seed ?? 5;
  const hosts = publicAddresses(options.hosts, seed + 6, options.keep);
  const next = seededRandom(seed);
  const host = zipf(hosts.length, next);
  const content = zipf(options.contents.length, next);
  const pick = <T>(list: readonly T[]) => list[Math.floor(next() * list.length)]!;
  const step = options.spanMs / options.count;
  const start = options.start.getTime();
  const prefix = options.idPrefix ?? 't';
  for (let i = 0; i < options.count; i++) {
    const startedAt = Math.floor(start + i * step + next() * 60_000);
    const durationMs = 1000 + Math.floor(next() ** 2 * 600_000);
    const kind = next();
    let source: string;
    let destination: string;
    let type: TransferType;
    if (kind < 0.25) {
      source = pick(DEMO_CLIENTS);
      do destination = pick(DEMO_CLIENTS);
      while (destination === source);
      type = 'PEER_UPLOAD';
    } else if (kind < 0.6) {
      [source, destination, type] = [pick(DEMO_NODES), pick(DEMO_CLIENTS), next() < 0.8 ? 'CDN_DOWNLOAD' : 'LIVE_STREAM'];
    } else {
      [source, destination] = next() < 0.5 ? [hosts[host()]!, pick(DEMO_CLIENTS)] : [pick(DEMO_CLIENTS), hosts[host()]!];
      type = 'PEER_UPLOAD';
    }
    yield {
      id: `${prefix}-${i}`,
      source,
      destination,
      // About 5 Mbit/s, ±50 %.
      bytes: String(Math.max(1, Math.floor((durationMs / 1000) * 625_000 * (0.5 + next())))),
      startedAt: new Date(startedAt).toISOString(),
      endedAt: new Date(startedAt + durationMs).toISOString(),
      content: options.contents[content()]!,
      type,
    };
  }
}
