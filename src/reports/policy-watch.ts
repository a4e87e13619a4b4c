// Keeps policy states current inside the server: an evaluation shortly after recorded transfers
// reach the counters (the counter journal's fold nudges it), and one every interval in any case,
// because a window also empties with time alone: a policy goes back to OK without a transfer
// recorded to say so. Evaluations run one at a time; nudges while one runs make one more after it.
import type { Logger } from '../observability/logger.ts';
import type { TrafficStore } from '../traffic/report.ts';
import { evaluatePolicies } from './policies.ts';

export interface PolicyWatchOptions {
  /** How often policies are evaluated without a nudge; 0 = never, nudges included (tests evaluate by hand). */
  intervalMs: number;
  /** How long after a nudge the evaluation starts: the nudges of a burst of batches join it. */
  delayMs?: number;
  logger?: Logger;
  clock?: () => Date;
  /** Called after an evaluation that changed a policy's state (the coordinator reads them again). */
  onChange?: () => void;
}

export class PolicyWatch {
  private readonly clock: () => Date;
  private interval: NodeJS.Timeout | undefined;
  private pending: NodeJS.Timeout | undefined;
  private running: Promise<void> | null = null;
  private again = false;
  private stopped = true;

  constructor(
    private readonly store: TrafficStore,
    private readonly options: PolicyWatchOptions,
  ) {
    this.clock = options.clock ?? (() => new Date());
  }

  /** Evaluates every interval and on nudges from now on; with an interval of 0 it stays off. */
  start(): void {
    if (this.options.intervalMs <= 0 || this.interval !== undefined) return;
    this.stopped = false;
    this.interval = setInterval(() => this.nudge(0), this.options.intervalMs).unref();
  }

  /** Asks for an evaluation soon; ignored unless started. */
  nudge(delayMs = this.options.delayMs ?? 250): void {
    if (this.stopped || this.pending !== undefined) return;
    this.pending = setTimeout(() => {
      this.pending = undefined;
      void this.evaluate();
    }, delayMs).unref();
  }

  /** Evaluates now (after the evaluation under way, if any). */
  async evaluate(): Promise<void> {
    if (this.running) {
      this.again = true;
      return this.running;
    }
    this.running = (async () => {
      do {
        this.again = false;
        try {
          const outcomes = await evaluatePolicies(this.store, { now: this.clock() });
          const changed = outcomes.filter((o) => o.changed);
          for (const outcome of changed) this.options.logger?.info({ policyId: outcome.policyId, state: outcome.state, value: outcome.value.toString() }, `capacity policy now ${outcome.state}`);
          if (changed.length > 0) this.options.onChange?.();
        } catch (error) {
          this.options.logger?.error({ err: error }, 'could not evaluate the capacity policies');
        }
      } while (this.again && !this.stopped);
    })().finally(() => (this.running = null));
    return this.running;
  }

  /** Stops evaluating; resolves when the evaluation under way, if any, has finished. */
  async stop(): Promise<void> {
    this.stopped = true;
    clearInterval(this.interval);
    clearTimeout(this.pending);
    this.interval = undefined;
    this.pending = undefined;
    await this.running;
  }
}
