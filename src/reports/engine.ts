// The report engine inside the server: what runs on its own, without a request. Capacity
// policies and alert rules are evaluated shortly after recorded transfers reach the counters
// (the counter journal's fold nudges them) and on a timer; webhooks are delivered as they fall
// due; scheduled jobs run at their instants. All of it stops with the server, finishing what is
// under way.
import type { Config } from '../config.ts';
import type { JobKind } from '../generated/prisma/enums.ts';
import type { Logger } from '../observability/logger.ts';
import { AlertEvaluator, alertEvaluationJob } from './alert-evaluator.ts';
import { reportJobHandlers } from './job-handlers.ts';
import { settlementJob } from './settlement-job.ts';
import { PolicyWatch } from './policy-watch.ts';
import type { ReportStore } from './saved-reports.ts';
import { Scheduler, type JobHandler } from './scheduler.ts';
import { WebhookDeliverer } from './webhooks.ts';

export interface ReportEngineOptions {
  store: ReportStore;
  config: Config['reports'];
  logger: Logger;
  /** Capacity policies changed state: the coordinator must read them again. */
  onPolicyChange: () => void;
}

// With the scheduler interval at 0 (tests) nothing runs on its own: tests evaluate and deliver
// by hand, on their own clocks.
export class ReportEngine {
  readonly policies: PolicyWatch;
  readonly alerts: AlertEvaluator;
  readonly webhooks: WebhookDeliverer;
  readonly scheduler: Scheduler;

  constructor(options: ReportEngineOptions) {
    const { store, config, logger } = options;
    const on = config.schedulerIntervalMs > 0;
    this.policies = new PolicyWatch(store, { intervalMs: config.schedulerIntervalMs, logger, onChange: options.onPolicyChange });
    this.webhooks = new WebhookDeliverer(store.prisma, { maxAttempts: config.webhookMaxAttempts, retryBaseMs: config.webhookRetryBaseMs, pollIntervalMs: on ? 1_000 : 0, allowPrivateReceivers: config.webhookAllowPrivate, logger });
    this.alerts = new AlertEvaluator(store, { deliverer: this.webhooks, logger, intervalMs: config.schedulerIntervalMs });
    const handlers = new Map<JobKind, JobHandler>([...reportJobHandlers(store), ['ALERT_EVALUATION', alertEvaluationJob(this.alerts)], ['SETTLEMENT', settlementJob(store)]]);
    this.scheduler = new Scheduler({ prisma: store.prisma, handlers, intervalMs: config.schedulerIntervalMs, logger });
  }

  /** Transfers reached the counters: alerts and policies look again, within seconds. */
  afterFold(): void {
    this.policies.nudge();
    this.alerts.poke();
  }

  start(): void {
    this.policies.start();
    this.alerts.start();
    this.webhooks.start();
    this.scheduler.start();
  }

  async stop(): Promise<void> {
    await this.scheduler.stop();
    await this.alerts.stop();
    await this.webhooks.stop();
    await this.policies.stop();
  }
}
