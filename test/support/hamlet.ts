// The alert stories' one kind of traffic, in Berlin time (UTC+1 in November 2026): distributor
// 142's node 23.72.14.2 sends Hamlet to client 102 (79.214.61.102, an SP1 subscriber), so it
// counts for MovieStudio's "bytes delivered to SP1 subscribers".
import { expect } from 'vitest';
import type { TestApi } from './api.ts';

/** An instant of November 2026 in Berlin: day of the month and HH:MM. */
export const berlin = (day: number, time: string) => new Date(`2026-11-${String(day).padStart(2, '0')}T${time}:00+01:00`);

/** Records one five-minute transfer of Hamlet from `time` on `day`, through the API. */
export async function sendHamlet(api: TestApi, id: string, day: number, time: string, bytes: number): Promise<void> {
  const start = berlin(day, time);
  const result = await api.admin(`mutation($input: RecordTransfersInput!) { recordTransfers(input: $input) { accepted rejected { message } } }`, {
    input: {
      reporter: 'distributor-142',
      transfers: [
        {
          id,
          source: '23.72.14.2',
          destination: '79.214.61.102',
          bytes: String(bytes),
          startedAt: start.toISOString(),
          endedAt: new Date(start.getTime() + 5 * 60_000).toISOString(),
          content: { title: 'Hamlet', owner: 'moviestudio' },
          type: 'CDN_DOWNLOAD',
        },
      ],
    },
  });
  expect(result.data.recordTransfers).toEqual({ accepted: 1, rejected: [] });
}
