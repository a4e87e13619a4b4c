// Transfers in CSV, turned into the NDJSON lines POST /ingest reads, as the bytes come.
//
// The header row names the columns, with TransferInput's field names: id, source, destination,
// bytes, startedAt, endedAt, type, peakRate, averageRate, asPath, hops, and the content as
// `content.id`, or `content.title` and `content.owner`. Columns may come in any order; optional
// ones may be left out. An empty cell is an absent value. `asPath` and `hops` are lists separated
// by `;` ("3320;1299;7922"). Fields follow RFC 4180: separated by commas, in double quotes when
// they hold a comma, a quote (doubled) or a line break. Records end at LF or CRLF.
//
// Each record after the header becomes one NDJSON line, so the server's line numbers are record
// numbers; a record the converter cannot read (the wrong number of fields) becomes a blank line,
// which the server counts and skips, and a rejection of the converter's own.
import { StringDecoder } from 'node:string_decoder';
import { Transform, type TransformCallback } from 'node:stream';

export const CSV_COLUMNS = [
  'id',
  'source',
  'destination',
  'bytes',
  'startedAt',
  'endedAt',
  'content.id',
  'content.title',
  'content.owner',
  'type',
  'peakRate',
  'averageRate',
  'asPath',
  'hops',
  'assignment',
] as const;
export type CsvColumn = (typeof CSV_COLUMNS)[number];

const REQUIRED: readonly CsvColumn[] = ['id', 'source', 'destination', 'bytes', 'startedAt', 'endedAt', 'type'];
/** A record may span lines inside quotes; past this it is surely an unclosed quote. */
const MAX_RECORD_CHARS = 1024 * 1024;

/** The file cannot be converted at all (its header, an unclosed quote). */
export class CsvError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'CsvError';
  }
}

/** A record the converter refused, numbered like the server's rejections (from 0, after the header). */
export interface CsvRejection {
  index: number;
  id: string | null;
  field: string;
  message: string;
  code: 'INVALID';
}

/** The columns of a header row, checked: every name known, none twice, the required ones there. */
export function parseHeader(record: string): CsvColumn[] {
  const names = splitRecord(record.replace(/^\uFEFF/, '')).map((name) => name.trim());
  const columns: CsvColumn[] = [];
  for (const name of names) {
    const column = CSV_COLUMNS.find((candidate) => candidate === name);
    if (column === undefined) throw new CsvError(`the header has a column "${name}" that is not a transfer field; the columns are ${CSV_COLUMNS.join(', ')}.`);
    if (columns.includes(column)) throw new CsvError(`the header has the column "${name}" twice.`);
    columns.push(column);
  }
  const missing = REQUIRED.filter((column) => !columns.includes(column));
  if (!columns.includes('content.id') && !(columns.includes('content.title') && columns.includes('content.owner'))) missing.push('content.id');
  if (missing.length > 0) {
    const content = missing.includes('content.id') ? ' (the content as content.id, or content.title and content.owner)' : '';
    throw new CsvError(`the header has no column ${missing.join(', ')}${content}.`);
  }
  return columns;
}

/** The first record of a CSV text (the header), or null if the text does not hold a whole one yet. */
export function firstRecord(text: string): string | null {
  let quotes = 0;
  let from = 0;
  for (;;) {
    const newline = text.indexOf('\n', from);
    if (newline === -1) return null;
    quotes += countQuotes(text, from, newline);
    if (quotes % 2 === 0) return stripCr(text.slice(0, newline));
    from = newline + 1;
  }
}

/** One transfer as /ingest reads it, from a record's cells. Empty cells are left out. */
export function transferOf(columns: readonly CsvColumn[], cells: readonly string[]): Record<string, unknown> {
  const transfer: Record<string, unknown> = {};
  const content: Record<string, string> = {};
  columns.forEach((column, position) => {
    const cell = cells[position]?.trim() ?? '';
    if (cell === '') return;
    switch (column) {
      case 'content.id':
      case 'content.title':
      case 'content.owner':
        content[column.slice('content.'.length)] = cell;
        return;
      case 'asPath':
        // Numbers where they are numbers; anything else as it is, for the server to name.
        transfer.asPath = list(cell).map((number) => (/^\d+$/.test(number) ? Number(number) : number));
        return;
      case 'hops':
        transfer.hops = list(cell);
        return;
      default:
        transfer[column] = cell;
    }
  });
  if (Object.keys(content).length > 0) transfer.content = content;
  return transfer;
}

/**
 * CSV bytes in, NDJSON out: a line per record after the header. Holds one record at a time,
 * whatever the file's size; `rejections` keeps the first `maxRejections` of its own.
 */
export class CsvToNdjson extends Transform {
  readonly rejections: CsvRejection[] = [];
  rejectedCount = 0;
  /** Records converted (the lines sent), the header not included. */
  records = 0;

  private readonly decoder = new StringDecoder('utf8');
  private pending = '';
  /** Where the record under way starts in `pending`, how far it was scanned, its quotes so far. */
  private scanned = 0;
  private quotes = 0;
  private columns: CsvColumn[] | null = null;
  /** The file line the record under way starts on (from 1). */
  private line = 1;
  /** Where record numbers and file lines stop differing by 2 (records spanning lines): [record, line]. */
  private readonly shifts: [number, number][] = [];

  constructor(private readonly maxRejections = 1000) {
    super({ readableObjectMode: false, writableObjectMode: false });
  }

  /** The file line (from 1) that record `index` starts on. */
  lineOf(index: number): number {
    let line = index + 2;
    for (const [record, start] of this.shifts) {
      if (record > index) break;
      line = start + (index - record);
    }
    return line;
  }

  override _transform(chunk: Buffer, _encoding: BufferEncoding, done: TransformCallback): void {
    try {
      this.pending += this.decoder.write(chunk);
      this.drain(false);
      done();
    } catch (error) {
      done(error as Error);
    }
  }

  override _flush(done: TransformCallback): void {
    try {
      this.pending += this.decoder.end();
      this.drain(true);
      done();
    } catch (error) {
      done(error as Error);
    }
  }

  /** Converts every whole record in `pending`; at the end, the last one without a line break too. */
  private drain(atEnd: boolean): void {
    let out = '';
    let start = 0;
    for (;;) {
      const newline = this.pending.indexOf('\n', this.scanned);
      if (newline === -1) break;
      this.quotes += countQuotes(this.pending, this.scanned, newline);
      this.scanned = newline + 1;
      if (this.quotes % 2 === 1) continue; // a line break inside quotes
      out += this.convert(stripCr(this.pending.slice(start, newline)));
      start = this.scanned;
      this.quotes = 0;
    }
    this.pending = this.pending.slice(start);
    this.scanned -= start;
    if (atEnd && this.pending !== '') {
      this.quotes += countQuotes(this.pending, this.scanned, this.pending.length);
      if (this.quotes % 2 === 1) throw new CsvError(`the record on line ${this.line} has a quote that is never closed.`);
      out += this.convert(stripCr(this.pending));
      this.pending = '';
      this.scanned = 0;
    }
    if (this.pending.length > MAX_RECORD_CHARS) throw new CsvError(`the record on line ${this.line} is longer than ${MAX_RECORD_CHARS} characters: is a quote never closed?`);
    if (out !== '') this.push(out);
    if (atEnd && this.columns === null) throw new CsvError('the file is empty: it needs a header row naming the columns.');
  }

  /** The NDJSON line of one record (the header makes none). */
  private convert(record: string): string {
    const startLine = this.line;
    this.line += countLines(record) + 1;
    if (this.columns === null) {
      this.columns = parseHeader(record);
      return '';
    }
    const index = this.records++;
    if (startLine !== this.lineOf(index)) this.shifts.push([index, startLine]);
    if (record.trim() === '') return '\n';
    const cells = splitRecord(record);
    if (cells.length !== this.columns.length) {
      const id = this.columns.includes('id') ? (cells[this.columns.indexOf('id')]?.trim() ?? '') : '';
      this.reject({ index, id: id === '' ? null : id, field: 'line', message: `has ${cells.length} fields; the header has ${this.columns.length}.`, code: 'INVALID' });
      return '\n';
    }
    return `${JSON.stringify(transferOf(this.columns, cells))}\n`;
  }

  private reject(rejection: CsvRejection): void {
    this.rejectedCount++;
    if (this.rejections.length < this.maxRejections) this.rejections.push(rejection);
  }
}

/** The fields of one record (RFC 4180; a stray quote inside an unquoted field is kept as it is). */
export function splitRecord(record: string): string[] {
  if (!record.includes('"')) return record.split(',');
  const fields: string[] = [];
  let position = 0;
  for (;;) {
    let field = '';
    if (record[position] === '"') {
      position++;
      for (;;) {
        const quote = record.indexOf('"', position);
        if (quote === -1) {
          field += record.slice(position);
          position = record.length;
          break;
        }
        field += record.slice(position, quote);
        position = quote + 1;
        if (record[position] !== '"') break;
        field += '"';
        position++;
      }
      // Anything between the closing quote and the comma belongs to the field, as most readers do.
      const comma = record.indexOf(',', position);
      field += record.slice(position, comma === -1 ? record.length : comma);
      position = comma === -1 ? record.length : comma;
    } else {
      const comma = record.indexOf(',', position);
      field = record.slice(position, comma === -1 ? record.length : comma);
      position = comma === -1 ? record.length : comma;
    }
    fields.push(field);
    if (position >= record.length) return fields;
    position++; // the comma
    if (position === record.length) {
      fields.push('');
      return fields;
    }
  }
}

function list(cell: string): string[] {
  return cell
    .split(';')
    .map((item) => item.trim())
    .filter((item) => item !== '');
}

function countQuotes(text: string, from: number, to: number): number {
  let count = 0;
  for (let at = text.indexOf('"', from); at !== -1 && at < to; at = text.indexOf('"', at + 1)) count++;
  return count;
}

function countLines(text: string): number {
  let count = 0;
  for (let at = text.indexOf('\n'); at !== -1; at = text.indexOf('\n', at + 1)) count++;
  return count;
}

function stripCr(text: string): string {
  return text.endsWith('\r') ? text.slice(0, -1) : text;
}
