// What an alert's webhook says: the body is JSON, written once when the alert fires and sent
// byte for byte on every attempt (the signature covers those bytes and the attempt's timestamp).
// Ids are the API's global ids, so a receiver can ask the API for more; 64-bit numbers are
// decimal strings and instants ISO 8601 in UTC, as in the API.
//
//   {
//     "type": "alert",
//     "alert": {
//       "id": "QWxlcnQ6…", "level": "EXCEEDED",
//       "periodStart": "2026-11-09T23:00:00.000Z", "periodEnd": "2026-11-10T23:00:00.000Z",
//       "value": "12000", "bound": "10000", "firedAt": "2026-11-10T21:40:02.117Z"
//     },
//     "rule": {
//       "id": "QWxlcnRSdWxlOj…", "name": "MovieStudio to SP1, daily", "metric": "BYTES",
//       "period": "DAY", "timeZone": "Europe/Berlin",
//       "accountingObject": "QWNjb3VudGluZ09iamVjdDo…", "savedReport": null
//     }
//   }
//
// `value` is the usage when the alert fired; `bound` the threshold (EXCEEDED: value > bound),
// the approaching bound (APPROACHING: value ≥ bound) or the floor (BELOW: value < bound).
import type { Alert, AlertRule } from '../generated/prisma/client.ts';
import { toGlobalId } from '../graphql/global-id.ts';

export interface AlertWebhookBody {
  type: 'alert';
  alert: { id: string; level: Alert['level']; periodStart: string; periodEnd: string; value: string; bound: string; firedAt: string };
  rule: { id: string; name: string; metric: AlertRule['metric']; period: AlertRule['period']; timeZone: string; accountingObject: string | null; savedReport: string | null };
}

export function alertWebhookBody(
  alert: Pick<Alert, 'id' | 'level' | 'periodStart' | 'periodEnd' | 'value' | 'bound' | 'firedAt'>,
  rule: Pick<AlertRule, 'id' | 'name' | 'metric' | 'period' | 'timeZone' | 'accountingObjectId' | 'savedReportId'>,
): string {
  const body: AlertWebhookBody = {
    type: 'alert',
    alert: {
      id: toGlobalId('Alert', alert.id),
      level: alert.level,
      periodStart: alert.periodStart.toISOString(),
      periodEnd: alert.periodEnd.toISOString(),
      value: alert.value.toString(),
      bound: alert.bound.toString(),
      firedAt: alert.firedAt.toISOString(),
    },
    rule: {
      id: toGlobalId('AlertRule', rule.id),
      name: rule.name,
      metric: rule.metric,
      period: rule.period,
      timeZone: rule.timeZone,
      accountingObject: rule.accountingObjectId === null ? null : toGlobalId('AccountingObject', rule.accountingObjectId),
      savedReport: rule.savedReportId === null ? null : toGlobalId('SavedReport', rule.savedReportId),
    },
  };
  return JSON.stringify(body);
}
