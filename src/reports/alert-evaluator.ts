// Evaluating alerts as transfers are counted: the counter journal says when a fold added to the
// counters (its afterFold), and this turns a burst of such news into one evaluation soon after,
// never two at once in this process. Evaluations on other servers may overlap; alerts.ts keeps
// each alert to one firing whatever runs when.
//
// And on a timer (`start`), because a period also closes with time alone: a day that ends under its
// floor fires BELOW without a transfer recorded to say so.
//
// Why not evaluate inside afterFold: evaluation settles the journal first, which may fold and
// call afterFold again; and a busy ingest folds several times a second, while one evaluation
// covers them all.
import type { Logger } from '../observability/logger.ts';
import type { TrafficStore } from '../traffic/report.ts';
import { evaluateAlerts, type AlertEvaluation } from './alerts.ts';
import type { JobHandler } from './scheduler.ts';

export interface AlertEvaluatorOptions {
  /** Told when an evaluation queued webhook deliveries. */
  deliverer?: { notify(): void };
  logger?: Logger;
  /** How long after the first poke the evaluation starts, so that pokes in between join it. Default 250 ms. */
  delayMs?: number;
  /**
   * How often it evaluates without a poke once started (config.reports.schedulerIntervalMs); 0 =
   * never, pokes included, as for the policies: tests evaluate by hand.
   */
  intervalMs: number;
  /** The instant a poked evaluation evaluates; default the system clock. Tests pass their own. */
  clock?: () => Date;
}

export class AlertEvaluator {
  private readonly delayMs: number;
  private timer: NodeJS.Timeout | undefined;
  private interval: NodeJS.Timeout | undefined;
  /** The evaluation under way; evaluations here run one at a time. */
  private running: Promise<unknown> = Promise.resolve();
  private started = false;
  /** Rules already reported as not evaluable, with why: said once, not at every poke. */
  private readonly reported = new Set<string>();

  constructor(
    private readonly store: TrafficStore,
    private readonly options: AlertEvaluatorOptions,
  ) {
    this.delayMs = options.delayMs ?? 250;
  }

  /** Evaluates every intervalMs and on pokes from now on; with an interval of 0 it stays off. */
  start(): void {
    if (this.options.intervalMs <= 0 || this.started) return;
    this.started = true;
    this.interval = setInterval(() => this.poke(), this.options.intervalMs).unref();
  }

  /** Usage changed: evaluate soon (ignored unless started). Pokes before that evaluation starts are answered by it. */
  poke(): void {
    if (!this.started || this.timer) return;
    this.timer = setTimeout(() => {
      this.timer = undefined;
      void this.run().catch((error: unknown) => this.options.logger?.warn({ err: error }, 'evaluating alerts failed; the next poke or schedule tries again'));
    }, this.delayMs);
    this.timer.unref();
  }

  /** Evaluates after any evaluation under way (the schedule's way in), at `now` (default: the clock's). */
  run(now?: Date): Promise<AlertEvaluation> {
    const evaluation = this.running.then(() => this.evaluate(now ?? this.options.clock?.() ?? new Date()));
    this.running = evaluation.catch(() => undefined);
    return evaluation;
  }

  /** No more pokes; resolves once the evaluation under way has finished. */
  async stop(): Promise<void> {
    this.started = false;
    clearInterval(this.interval);
    clearTimeout(this.timer);
    this.interval = undefined;
    this.timer = undefined;
    await this.running;
  }

  private async evaluate(now: Date): Promise<AlertEvaluation> {
    const result = await evaluateAlerts(this.store, { now });
    if (result.deliveries > 0) this.options.deliverer?.notify();
    if (result.fired.length > 0) this.options.logger?.info({ alerts: result.fired.length, deliveries: result.deliveries }, 'alerts fired');
    for (const { ruleId, reason } of result.skipped) {
      if (this.reported.has(`${ruleId} ${reason}`)) continue;
      this.reported.add(`${ruleId} ${reason}`);
      this.options.logger?.warn({ rule: ruleId }, `alert rule not evaluated: ${reason}`);
    }
    return result;
  }
}

/**
 * The ALERT_EVALUATION job: evaluates as of the instant the job was due (a run caught up after a
 * restart looks at the periods of that instant), through the evaluator so it never overlaps a
 * poked evaluation. Its result, kept with the job run, lists what fired.
 */
export function alertEvaluationJob(evaluator: AlertEvaluator): JobHandler {
  return async (_, scheduledFor) => {
    const run = await evaluator.run(scheduledFor);
    return {
      rules: run.rules,
      fired: run.fired.map((alert) => ({ alert: alert.id, rule: alert.ruleId, level: alert.level, periodStart: alert.periodStart.toISOString(), value: alert.value.toString() })),
      deliveries: run.deliveries,
      skipped: run.skipped,
    };
  };
}

