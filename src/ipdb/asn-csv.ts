// The IP-to-AS ranges of @ip-location-db/asn (RouteViews + DB-IP, CC BY 4.0), read as a stream.
// Each line is `first_ip,last_ip,asn,organization` without a header; first and last are addresses
// (asn-ipv4.csv, asn-ipv6.csv) or the same as decimal integers (the -num files). Organization
// names with commas or quotes are quoted as RFC 4180 says ("LLC ""SPUTNIK""").
import { createReadStream } from 'node:fs';
import { createInterface } from 'node:readline';

export interface AsnRange {
  /** As written in the file: an address, or a decimal integer in the -num files. */
  first: string;
  last: string;
  asn: number;
  organization: string;
}

export class AsnCsvError extends Error {
  constructor(
    readonly file: string,
    readonly line: number,
    message: string,
  ) {
    super(`${file}:${line}: ${message}`);
    this.name = 'AsnCsvError';
  }
}

export interface AsnCsvOptions {
  /** Called with the bytes read so far, at most once per chunk the stream delivers. */
  onBytes?: (bytesRead: number) => void;
}

export async function* readAsnCsv(file: string, options: AsnCsvOptions = {}): AsyncGenerator<AsnRange> {
  const stream = createReadStream(file);
  const { onBytes } = options;
  if (onBytes) stream.on('data', () => onBytes(stream.bytesRead));
  const lines = createInterface({ input: stream, crlfDelay: Infinity });
  let lineNumber = 0;
  let pending: string | undefined;
  let pendingStart = 0;
  try {
    for await (const line of lines) {
      lineNumber++;
      // A quoted field may hold a line break; keep reading until its quotes are balanced.
      const text = pending === undefined ? line : `${pending}\n${line}`;
      if (pending === undefined) pendingStart = lineNumber;
      if (text.includes('"') && !quotesBalanced(text)) {
        pending = text;
        continue;
      }
      pending = undefined;
      if (text.length === 0) continue;
      yield parseAsnLine(text, file, pendingStart);
    }
    if (pending !== undefined) throw new AsnCsvError(file, pendingStart, 'a quoted field is not closed');
  } finally {
    lines.close();
    stream.destroy();
  }
}

function quotesBalanced(text: string): boolean {
  let quotes = 0;
  for (let i = text.indexOf('"'); i >= 0; i = text.indexOf('"', i + 1)) quotes++;
  return quotes % 2 === 0;
}

/** One record; `file` and `line` only name the place in errors. */
export function parseAsnLine(text: string, file = '<csv>', line = 0): AsnRange {
  const fields = text.includes('"') ? splitQuoted(text, file, line) : text.split(',');
  if (fields.length !== 4) throw new AsnCsvError(file, line, `expected 4 fields (first_ip,last_ip,asn,organization), found ${fields.length}`);
  const [first, last, asnText, organization] = fields as [string, string, string, string];
  const asn = /^\d{1,10}$/.test(asnText) ? Number(asnText) : Number.NaN;
  if (!(asn <= 0xffffffff)) throw new AsnCsvError(file, line, `"${asnText}" is not an AS number`);
  if (first === '' || last === '') throw new AsnCsvError(file, line, 'the range has no first or last address');
  return { first, last, asn, organization };
}

function splitQuoted(text: string, file: string, line: number): string[] {
  const fields: string[] = [];
  let i = 0;
  for (;;) {
    if (text[i] === '"') {
      let value = '';
      let from = i + 1;
      for (;;) {
        const quote = text.indexOf('"', from);
        if (quote < 0) throw new AsnCsvError(file, line, 'a quoted field is not closed');
        value += text.slice(from, quote);
        if (text[quote + 1] === '"') {
          value += '"';
          from = quote + 2;
          continue;
        }
        i = quote + 1;
        break;
      }
      fields.push(value);
      if (i === text.length) return fields;
      if (text[i] !== ',') throw new AsnCsvError(file, line, `unexpected text after a quoted field at column ${i + 1}`);
      i++;
    } else {
      const comma = text.indexOf(',', i);
      if (comma < 0) {
        fields.push(text.slice(i));
        return fields;
      }
      fields.push(text.slice(i, comma));
      i = comma + 1;
    }
  }
}
