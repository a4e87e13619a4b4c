// A recorder as the server builds one, for tests that record without the API: its counter
// journal folds only when asked (`settle`), so a test sees exactly what it has settled.
import { CounterJournal } from '../../src/accounting/counter-journal.ts';
import { TransferRecorder } from '../../src/accounting/recorder.ts';
import type { Database } from '../../src/db/database.ts';
import type { IpData } from '../../src/path/ip-data.ts';
import { PathService } from '../../src/path/service.ts';

export interface Recording {
  recorder: TransferRecorder;
  counters: CounterJournal;
}

export function createRecording(db: Pick<Database, 'prisma' | 'sql'>, ipData: IpData): Recording {
  const counters = new CounterJournal(db.sql, { foldDelayMs: 60_000 });
  const recorder = new TransferRecorder(db, new PathService(db.prisma, { addresses: () => ipData.addresses() }), counters);
  return { recorder, counters };
}
