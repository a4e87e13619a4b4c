// A load generator, run as its own process (`tsx bench/support/load.ts`) so that making
// requests does not share the server's event loop: keep-alive connections, a fixed number of
// requests in flight, for a fixed time. Reads its job as JSON on stdin and prints the figures as
// JSON on stdout.
//
// Job: { url, key, seconds, concurrency, bodies: string[], requests? } — the request bodies are
// sent in turn, round robin, for `seconds` or until `requests` have been sent.
import http from 'node:http';
import { performance } from 'node:perf_hooks';

export interface Job {
  url: string;
  key: string;
  seconds: number;
  concurrency: number;
  bodies: string[];
  /** Stop after this many requests, if the time is not up first. */
  requests?: number;
}

export interface LoadFigures {
  requests: number;
  errors: number;
  firstError: string | null;
  seconds: number;
  perSecond: number;
  p50: number;
  p95: number;
  p99: number;
  max: number;
}

async function readJob(): Promise<Job> {
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  return JSON.parse(Buffer.concat(chunks).toString('utf8')) as Job;
}

function post(agent: http.Agent, url: URL, key: string, body: string): Promise<{ status: number; text: string }> {
  return new Promise((resolve, reject) => {
    const request = http.request(url, { method: 'POST', agent, headers: { 'content-type': 'application/json', authorization: `Bearer ${key}`, 'content-length': Buffer.byteLength(body) } }, (response) => {
      const chunks: Buffer[] = [];
      response.on('data', (chunk: Buffer) => chunks.push(chunk));
      response.on('end', () => resolve({ status: response.statusCode ?? 0, text: Buffer.concat(chunks).toString('utf8') }));
    });
    request.on('error', reject);
    request.end(body);
  });
}

const job = await readJob();
const url = new URL(job.url);
const agent = new http.Agent({ keepAlive: true, maxSockets: job.concurrency });
const latencies: number[] = [];
let errors = 0;
let firstError: string | null = null;
let next = 0;
const started = performance.now();
const deadline = started + job.seconds * 1000;
await Promise.all(
  Array.from({ length: job.concurrency }, async () => {
    while (performance.now() < deadline && next < (job.requests ?? Infinity)) {
      const body = job.bodies[next++ % job.bodies.length]!;
      const at = performance.now();
      try {
        const { status, text } = await post(agent, url, job.key, body);
        latencies.push(performance.now() - at);
        if (status !== 200 || text.includes('"errors"') || text.includes('"userErrors":[{')) {
          errors++;
          firstError ??= text.slice(0, 300);
        }
      } catch (error) {
        errors++;
        firstError ??= String(error);
      }
    }
  }),
);
const seconds = (performance.now() - started) / 1000;
latencies.sort((a, b) => a - b);
const at = (p: number) => latencies[Math.min(latencies.length - 1, Math.floor((p / 100) * latencies.length))] ?? NaN;
const figures: LoadFigures = { requests: latencies.length, errors, firstError, seconds, perSecond: latencies.length / seconds, p50: at(50), p95: at(95), p99: at(99), max: latencies.at(-1) ?? NaN };
agent.destroy();
process.stdout.write(JSON.stringify(figures));
