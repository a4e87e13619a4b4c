// `pathledger import <file>`: transfers from an NDJSON or CSV file, streamed (gzip) to a running
// server's POST /ingest, which records them as they arrive. It uses no database of its own, so it
// runs beside the server, on this machine or another.
import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { basename } from 'node:path';
import { Transform, type Duplex, type Readable } from 'node:stream';
import { createGunzip, createGzip } from 'node:zlib';
import type { Config } from '../../config.ts';
import { failureReason } from '../../observability/failure-reason.ts';
import { CSV_COLUMNS, CsvError, CsvToNdjson, firstRecord, parseHeader, type CsvRejection } from '../csv-transfers.ts';
import { ConnectionError, postStream } from '../ingest-client.ts';
import { describeBytes, formatSize, progress } from '../progress.ts';
import { CommandError, EXIT_OK, UsageError, parse, plural, processIO, type CliIO, type Command } from '../support.ts';

/** Rejections printed; the server lists up to 1,000 and counts them all. */
const SHOWN_REJECTIONS = 20;

const help = `Usage: pathledger import <file> [--url <url>] [--key <key>] [--reporter <slug>] [--format ndjson|csv]

Send the transfers in <file> to a running server, which records them as they arrive (POST
/ingest): any size, read and sent as a stream, gzip-compressed on the way.

  --url       the server; default http://localhost:<PORT> (PORT as the server reads it)
  --key       an ADMIN or AGENT API key; default PATHLEDGER_API_KEY
  --reporter  the slug of the organization that reports the transfers: required with an
              ADMIN key; an AGENT key reports for its own organization
  --format    ndjson or csv; default csv for a name ending in .csv (or .csv.gz), else ndjson.
              A name ending in .gz is read as gzip.

NDJSON: one transfer per line, as recordTransfers' TransferInput in JSON:
  {"id":"t-1","source":"23.72.14.2","destination":"73.162.40.110","bytes":"4000",
   "startedAt":"2026-11-12T20:00:00Z","endedAt":"2026-11-12T20:10:00Z",
   "content":{"title":"Hamlet","owner":"moviestudio"},"type":"CDN_DOWNLOAD"}
CSV: a header row naming the columns, then one transfer per row. Columns:
  ${CSV_COLUMNS.join(', ')}
  (the content as content.id, or content.title and content.owner; asPath and hops as lists
  separated by ";"; an empty cell is an absent value; quoting as RFC 4180).

Progress goes to standard error, the summary to standard output. Rejected transfers are listed
with their line and stored nothing, but do not make the command fail: it exits 1 only when the
server refused the import or the file could not be sent. Importing a file again is safe:
transfers already recorded count as duplicates.`;

export type ImportFormat = 'ndjson' | 'csv';

export interface ImportOptions {
  file: string;
  format: ImportFormat;
  /** The /ingest URL, with `?reporter=` when one is named. */
  url: URL;
  key: string;
}

/** The server's answer (with the converter's own rejections of CSV records merged in). */
export interface ImportSummary {
  lines: number;
  accepted: number;
  duplicates: number;
  rejectedCount: number;
  rejected: Rejection[];
}

interface Rejection {
  index: number;
  id: string | null;
  field: string;
  message: string;
  code: string;
}

export const importCommand: Command = {
  name: 'import',
  summary: 'send transfers from an NDJSON or CSV file to a running server',
  help,
  async run(args, { io, loadConfig }) {
    const { values, positionals } = parse(
      args,
      { url: { type: 'string' }, key: { type: 'string' }, reporter: { type: 'string' }, format: { type: 'string' } },
      true,
    );
    const [file, extra] = positionals;
    if (file === undefined) throw new UsageError('import needs a file');
    if (extra !== undefined) throw new UsageError(`unexpected argument "${extra}"`);
    const format = formatOf(file, values.format);
    // The configuration is read only for what the options leave out.
    let config: Config | undefined;
    const configured = () => (config ??= loadConfig());
    const key = values.key ?? configured().cli.apiKey;
    if (!key) throw new UsageError('no API key: give --key, or set PATHLEDGER_API_KEY');
    const url = ingestUrl(values.url ?? defaultServer(configured().server), values.reporter);
    await importFile({ file, format, url, key }, io, io === processIO && process.stderr.isTTY ? process.stderr : undefined);
    return EXIT_OK;
  },
};

function formatOf(file: string, option: string | undefined): ImportFormat {
  if (option !== undefined) {
    const format = option.toLowerCase();
    if (format !== 'ndjson' && format !== 'csv') throw new UsageError(`--format must be ndjson or csv, not "${option}"`);
    return format;
  }
  return /\.csv(\.gz)?$/i.test(file) ? 'csv' : 'ndjson';
}

/** Where a person on this machine reaches the server as configured. */
function defaultServer({ host, port }: Config['server']): string {
  const name = host === '0.0.0.0' || host === '::' || host === '' ? 'localhost' : host.includes(':') ? `[${host}]` : host;
  return `http://${name}:${port}`;
}

/** The server's /ingest, for `base` given as the server (http://host:port) or its /ingest itself. */
export function ingestUrl(base: string, reporter: string | undefined): URL {
  let url: URL;
  try {
    url = new URL(base);
  } catch {
    throw new UsageError(`--url "${base}" is not a URL, e.g. http://localhost:4000`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new UsageError(`--url "${base}" must start with http:// or https://`);
  const path = url.pathname.replace(/\/+$/, '');
  url.pathname = path.endsWith('/ingest') ? path : `${path.replace(/\/graphql$/, '')}/ingest`;
  url.search = '';
  if (reporter !== undefined) url.searchParams.set('reporter', reporter);
  return url;
}

/**
 * Sends the file and prints the summary; throws a CommandError when nothing came back but a
 * refusal or a failure. `live` is the terminal to redraw progress on (else a line per tenth).
 */
export async function importFile(options: ImportOptions, io: CliIO, live?: NodeJS.WriteStream): Promise<ImportSummary> {
  const { file, format, url, key } = options;
  const name = basename(file);
  const size = await fileSize(file);
  const gzipped = /\.gz$/i.test(file);
  if (format === 'csv') await checkHeader(file, gzipped);

  const shown = progress(io, { total: size, describe: (done, total) => `Sending ${name}: ${describeBytes(done, total)}`, live });
  shown.update(0);
  let read = 0;
  const counter = new Transform({
    transform(chunk: Buffer, _encoding, done) {
      read += chunk.length;
      shown.update(read);
      done(null, chunk);
    },
  });
  const csv = format === 'csv' ? new CsvToNdjson() : null;
  // NDJSON already in gzip goes as it is; anything else is (un)packed on the way.
  const stages: Duplex[] = csv ? [...(gzipped ? [createGunzip()] : []), csv, createGzip()] : gzipped ? [] : [createGzip()];
  const body: [Readable, ...Duplex[]] = [createReadStream(file), counter, ...stages];
  const headers = { authorization: `Bearer ${key}`, 'content-type': 'application/x-ndjson', 'content-encoding': 'gzip', 'user-agent': 'pathledger-import' };

  let answer: { status: number; body: string };
  try {
    answer = await postStream(url, headers, body);
  } catch (error) {
    throw explainFailure(error, file, url, read, size);
  } finally {
    shown.end();
  }

  const parsed = parseAnswer(answer.body);
  if (answer.status !== 200 || !isSummary(parsed)) throw refusal(answer.status, parsed, answer.body);
  const summary = merge(parsed, csv);
  for (const line of describeImport(summary, { name, format, size, url, lineOf: (index) => (csv ? csv.lineOf(index) : index + 1) })) io.out(line);
  return summary;
}

async function fileSize(file: string): Promise<number> {
  try {
    const stats = await stat(file);
    if (!stats.isFile()) throw new CommandError(`${file}: not a file`);
    return stats.size;
  } catch (error) {
    if (error instanceof CommandError) throw error;
    throw new CommandError(`${file}: ${fileFailure(error)}`, { cause: error });
  }
}

/** Reads the CSV's header before anything is sent: a wrong column is found without a server. */
async function checkHeader(file: string, gzipped: boolean): Promise<void> {
  const stream = createReadStream(file);
  const source: Readable = gzipped ? stream.pipe(createGunzip()) : stream;
  let text = '';
  try {
    for await (const chunk of source) {
      text += (chunk as Buffer).toString('utf8');
      const header = firstRecord(text);
      if (header !== null) {
        parseHeader(header);
        return;
      }
      if (text.length > 1024 * 1024) break;
    }
    parseHeader(text);
  } catch (error) {
    if (error instanceof CsvError) throw new CommandError(`${file}: ${error.message}`, { cause: error });
    throw new CommandError(`${file}: ${fileFailure(error)}`, { cause: error });
  } finally {
    stream.destroy();
    source.destroy();
  }
}

function explainFailure(error: unknown, file: string, url: URL, read: number, size: number): unknown {
  if (!(error instanceof ConnectionError)) return error;
  const cause = error.cause;
  if (cause instanceof CsvError) return new CommandError(`${file}: ${cause.message}`, { cause });
  if (cause instanceof Error && 'path' in cause) return new CommandError(`${file}: ${fileFailure(cause)}`, { cause });
  if (cause instanceof Error && 'code' in cause && String(cause.code).startsWith('Z_')) return new CommandError(`${file}: not valid gzip (${cause.message})`, { cause });
  if (!error.sending) return new CommandError(`could not reach ${url.origin}: ${failureReason(cause)}. Is the server running there (--url)?`, { cause });
  return new CommandError(
    `the connection to ${url.origin} broke after ${describeBytes(read, size)} of the file was read (${failureReason(cause)}). ` +
      'What the server recorded before stays recorded: import the file again, and it counts those as duplicates.',
    { cause },
  );
}

function fileFailure(error: unknown): string {
  const code = (error as NodeJS.ErrnoException | undefined)?.code;
  if (code === 'ENOENT') return 'no such file';
  if (code === 'EACCES' || code === 'EPERM') return 'permission denied';
  if (code === 'EISDIR') return 'not a file';
  return failureReason(error);
}

function parseAnswer(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return null;
  }
}

function isSummary(value: unknown): value is ImportSummary {
  const summary = value as Partial<ImportSummary> | null;
  return typeof summary?.accepted === 'number' && typeof summary.duplicates === 'number' && typeof summary.rejectedCount === 'number' && Array.isArray(summary.rejected);
}

/** The server's error, as it said it: `{ errors: [{ message, extensions: { code } }] }`. */
function refusal(status: number, parsed: unknown, text: string): CommandError {
  const error = (parsed as { errors?: { message?: unknown; extensions?: { code?: unknown } }[] } | null)?.errors?.[0];
  if (typeof error?.message === 'string') {
    const code = typeof error.extensions?.code === 'string' ? ` ${error.extensions.code}` : '';
    return new CommandError(`the server refused the import (HTTP ${status}${code}): ${error.message}`);
  }
  const excerpt = text.trim().slice(0, 200);
  return new CommandError(`the server answered HTTP ${status}, not an import summary${excerpt ? `: ${excerpt}` : ''}. Is --url a PathLedger server?`);
}

/** The converter's rejections (blank lines to the server) join the server's, in line order. */
function merge(answer: ImportSummary, csv: CsvToNdjson | null): ImportSummary {
  if (csv === null || csv.rejectedCount === 0) return answer;
  const rejected: Rejection[] = [...answer.rejected, ...csv.rejections.map((rejection: CsvRejection) => ({ ...rejection }))];
  rejected.sort((a, b) => a.index - b.index);
  return { ...answer, rejectedCount: answer.rejectedCount + csv.rejectedCount, rejected };
}

export function describeImport(
  summary: ImportSummary,
  { name, format, size, url, lineOf }: { name: string; format: ImportFormat; size: number; url: URL; lineOf: (index: number) => number },
): string[] {
  const count = (value: number) => value.toLocaleString('en-US');
  const unit = format === 'csv' ? 'record' : 'line';
  const lines = [
    `Sent ${name} (${formatSize(size)}, ${count(summary.lines)} ${unit}${summary.lines === 1 ? '' : 's'}) to ${url.origin}${url.pathname}.`,
    `${count(summary.accepted)} accepted, ${count(summary.duplicates)} duplicate${summary.duplicates === 1 ? '' : 's'} (recorded before), ${count(summary.rejectedCount)} rejected.`,
  ];
  if (summary.rejectedCount === 0) return lines;
  const shown = summary.rejected.slice(0, SHOWN_REJECTIONS);
  lines.push(shown.length < summary.rejectedCount ? `Rejected (the first ${shown.length}):` : 'Rejected:');
  for (const rejection of shown) {
    const id = rejection.id === null ? '' : ` (id ${rejection.id})`;
    const problem = rejection.field === 'line' ? rejection.message : `${rejection.field} ${rejection.message}`;
    lines.push(`  line ${lineOf(rejection.index)}${id}: ${problem} [${rejection.code}]`);
  }
  lines.push(
    `${plural(summary.rejectedCount, 'transfer')} ${summary.rejectedCount === 1 ? 'was' : 'were'} rejected and nothing of ${summary.rejectedCount === 1 ? 'it' : 'them'} stored: ` +
      'correct them and import again (what was recorded then counts as duplicates).',
  );
  return lines;
}
