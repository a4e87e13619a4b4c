// The real IP-to-AS database, built once from the full @ip-location-db/asn CSVs, checked against
// those CSVs: for a fixed sample of rows (every 500th of each file, the rows that overlap an
// earlier one, the last row, and a seeded random pick), the first and last address of each range
// and the addresses just outside it answer as the CSV says, read back with `maxmind` and, where
// it is installed, with libmaxminddb's mmdblookup (CI installs it; see .ci/run).
//
// The expected answers come from a reading of the CSVs that shares no code with the build: its
// own field split and its own address parsing, so a bug there cannot agree with itself.
import { spawnSync } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Reader, type Response } from 'maxmind';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ASN_DATABASE_TYPE, buildAsnDatabase, packagedAsnCsv, type AsnBuildStats } from '../../src/ipdb/build.ts';

type Family = 4 | 6;

/** What the CSV says an address answers: an AS (organization '' when the row has none), or nothing. */
interface Answer {
  asn: number;
  organization: string;
}

interface Row extends Answer {
  first: bigint;
  last: bigint;
}

/** A stretch of addresses with one answer; a family's spans are sorted and never overlap. */
interface Span {
  first: bigint;
  last: bigint;
  answer: Answer;
}

interface CsvFamily {
  rows: Row[];
  spans: Span[];
  /** Indexes of rows that start inside an earlier row (the later row wins where they overlap). */
  overlapping: number[];
}

interface Query {
  /** The text handed to the readers. */
  text: string;
  family: Family;
  value: bigint;
}

const BITS: Record<Family, number> = { 4: 32, 6: 128 };
const EVERY = 500;
const RANDOM_ROWS: Record<Family, number> = { 4: 1500, 6: 500 };
const SEED = 20_261_122;
const MMDBLOOKUP_ADDRESSES = 200;

// --- The CSVs, read independently of src/ipdb -------------------------------------------------

// first_ip,last_ip,asn,organization; only the organization is ever quoted (RFC 4180: "" is a quote).
const ROW = /([^,\r\n]*),([^,\r\n]*),(\d+),(?:"((?:[^"]|"")*)"|([^"\r\n]*))(?:\r?\n|$)/y;

const DOTTED_QUAD = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/;

function ipv4Value(text: string): bigint {
  const octets = DOTTED_QUAD.exec(text)?.slice(1).map(Number);
  if (octets === undefined || octets.some((octet) => octet > 255)) throw new Error(`"${text}" is not an IPv4 address`);
  return BigInt(octets.reduce((value, octet) => value * 256 + octet, 0));
}

function ipv6Value(text: string): bigint {
  const halves = text.split('::');
  if (halves.length > 2) throw new Error(`"${text}" is not an IPv6 address`);
  const groupsOf = (part: string): string[] => {
    if (part === '') return [];
    const groups = part.split(':');
    const tail = groups.at(-1)!;
    if (!tail.includes('.')) return groups;
    const quad = ipv4Value(tail);
    return [...groups.slice(0, -1), (quad >> 16n).toString(16), (quad & 0xffffn).toString(16)];
  };
  const head = groupsOf(halves[0]!);
  const tail = halves.length === 2 ? groupsOf(halves[1]!) : [];
  const zeros = halves.length === 2 ? 8 - head.length - tail.length : 0;
  const groups = [...head, ...Array<string>(Math.max(zeros, 0)).fill('0'), ...tail];
  if (zeros < 0 || (halves.length === 2 && zeros === 0) || groups.length !== 8 || !groups.every((group) => /^[0-9a-f]{1,4}$/i.test(group))) {
    throw new Error(`"${text}" is not an IPv6 address`);
  }
  return BigInt(`0x${groups.map((group) => group.padStart(4, '0')).join('')}`);
}

function format(family: Family, value: bigint): string {
  if (family === 4) return [24n, 16n, 8n, 0n].map((shift) => (value >> shift) & 0xffn).join('.');
  // Uncompressed groups: every reader parses them, and no formatter of ours is involved.
  return [112n, 96n, 80n, 64n, 48n, 32n, 16n, 0n].map((shift) => ((value >> shift) & 0xffffn).toString(16)).join(':');
}

/** Paints a row over the spans so far: where it overlaps them, it wins. */
function paint(spans: Span[], row: Row): void {
  const span: Span = { first: row.first, last: row.last, answer: row };
  if (spans.length === 0 || row.first > spans.at(-1)!.last) {
    spans.push(span);
    return;
  }
  let low = 0;
  let high = spans.length;
  while (low < high) {
    const middle = (low + high) >> 1;
    if (spans[middle]!.last < row.first) low = middle + 1;
    else high = middle;
  }
  let end = low;
  while (end < spans.length && spans[end]!.first <= row.last) end++;
  const pieces: Span[] = [];
  const before = spans[low]!;
  if (before.first < row.first) pieces.push({ first: before.first, last: row.first - 1n, answer: before.answer });
  pieces.push(span);
  const after = spans[end - 1];
  if (after !== undefined && end > low && after.last > row.last) pieces.push({ first: row.last + 1n, last: after.last, answer: after.answer });
  spans.splice(low, end - low, ...pieces);
}

async function readCsv(file: string, family: Family): Promise<CsvFamily> {
  const text = await readFile(file, 'utf8');
  const parse = family === 4 ? ipv4Value : ipv6Value;
  const rows: Row[] = [];
  const spans: Span[] = [];
  const overlapping: number[] = [];
  let furthest = -1n;
  ROW.lastIndex = 0;
  while (ROW.lastIndex < text.length) {
    const at = ROW.lastIndex;
    const match = ROW.exec(text);
    if (match === null) throw new Error(`${file}: row ${rows.length + 1} is not first_ip,last_ip,asn,organization: ${text.slice(at, at + 120)}`);
    const [, first, last, asn, quoted, plain] = match;
    const row: Row = { first: parse(first!), last: parse(last!), asn: Number(asn), organization: quoted === undefined ? plain! : quoted.replaceAll('""', '"') };
    if (row.last < row.first) throw new Error(`${file}: row ${rows.length + 1} ends before it starts`);
    if (row.first <= furthest) overlapping.push(rows.length);
    if (row.last > furthest) furthest = row.last;
    rows.push(row);
    paint(spans, row);
  }
  return { rows, spans, overlapping };
}

function find(spans: readonly Span[], value: bigint): Answer | null {
  let low = 0;
  let high = spans.length - 1;
  while (low <= high) {
    const middle = (low + high) >> 1;
    const span = spans[middle]!;
    if (value < span.first) high = middle - 1;
    else if (value > span.last) low = middle + 1;
    else return span.answer;
  }
  return null;
}

/**
 * IPv6 networks that answer as IPv4 (MaxMind's convention, which the writer keeps): the IPv4
 * subtree itself (::/96), IPv4-mapped addresses, and Teredo and 6to4 where the IPv6 data has
 * nothing (the real data covers both, so there they answer as the data says). The IPv4 address is
 * the 32 bits after the prefix.
 */
const IPV4_IN_IPV6 = [
  { network: 0n, prefixLength: 96, dataFirst: false },
  { network: 0xffffn << 32n, prefixLength: 96, dataFirst: false },
  { network: 0x2001n << 112n, prefixLength: 32, dataFirst: true },
  { network: 0x2002n << 112n, prefixLength: 16, dataFirst: true },
] as const;

function expected(csv: Record<Family, CsvFamily>, family: Family, value: bigint): Answer | null {
  if (family === 4) return find(csv[4].spans, value);
  for (const { network, prefixLength, dataFirst } of IPV4_IN_IPV6) {
    const hostBits = BigInt(128 - prefixLength);
    if (value >> hostBits !== network >> hostBits) continue;
    const fromData = dataFirst ? find(csv[6].spans, value) : null;
    return fromData ?? find(csv[4].spans, (value >> (hostBits - 32n)) & 0xffff_ffffn);
  }
  return find(csv[6].spans, value);
}

// --- Comparing answers --------------------------------------------------------------------------

function describeAnswer(asn: unknown, organization: unknown): string {
  return organization === undefined ? `AS${String(asn)} (no organization)` : `AS${String(asn)} ${JSON.stringify(organization)}`;
}

function describeExpected(answer: Answer | null): string {
  if (answer === null) return 'no entry';
  // GeoLite2-ASN leaves the organization out when there is none (asnRecord in build.ts).
  return describeAnswer(answer.asn, answer.organization === '' ? undefined : answer.organization);
}

function describeRecord(record: unknown): string {
  if (record === null) return 'no entry';
  const { autonomous_system_number: asn, autonomous_system_organization: organization, ...rest } = record as Record<string, unknown>;
  const extra = Object.keys(rest);
  return describeAnswer(asn, organization) + (extra.length > 0 ? ` and ${extra.join(', ')}` : '');
}

/** libmaxminddb's reading of one address, described as describeRecord describes maxmind's. */
function mmdblookup(file: string, address: string): string {
  const run = spawnSync('mmdblookup', ['--file', file, '--ip', address], { encoding: 'utf8', timeout: 10_000 });
  const output = `${run.stdout}${run.stderr}`;
  if (/Could not find an entry for this IP address/.test(output)) return 'no entry';
  if (run.status !== 0) throw new Error(`mmdblookup --ip ${address} failed (${String(run.status ?? run.error)}): ${output}`);
  const keys = [...output.matchAll(/^\s*"([^"]+)":\s*$/gm)].map((match) => match[1]!);
  const asn = /"autonomous_system_number":\s*\n\s*(\d+) <uint32>/.exec(output)?.[1];
  const organization = /"autonomous_system_organization":\s*\n\s*"(.*)" <utf8_string>/.exec(output)?.[1];
  const extra = keys.filter((key) => key !== 'autonomous_system_number' && key !== 'autonomous_system_organization');
  return describeAnswer(asn === undefined ? undefined : Number(asn), organization) + (extra.length > 0 ? ` and ${extra.join(', ')}` : '');
}

const hasMmdblookup = (() => {
  const run = spawnSync('mmdblookup', ['--version'], { encoding: 'utf8', timeout: 10_000 });
  return run.error === undefined && run.status === 0;
})();

// --- The sample ----------------------------------------------------------------------------------

/** mulberry32: the same numbers in [0, 1) on every run. */
function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = Math.imul(state ^ (state >>> 15), state | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 2 ** 32;
  };
}

/** The earlier row that an overlapping row starts inside: the last one before it reaching that far. */
function overlapped(rows: readonly Row[], index: number): number {
  let earlier = index - 1;
  while (rows[earlier]!.last < rows[index]!.first) earlier--;
  return earlier;
}

/** Rows to check: every EVERY-th, the last, each overlapping row and the one it overlaps, and a random pick. */
function sampleRows({ rows, overlapping }: CsvFamily, family: Family, random: () => number): number[] {
  const picked = new Set<number>();
  for (let i = 0; i < rows.length; i += EVERY) picked.add(i);
  picked.add(rows.length - 1);
  for (const index of overlapping) picked.add(index).add(overlapped(rows, index));
  for (let i = 0; i < RANDOM_ROWS[family]; i++) picked.add(Math.floor(random() * rows.length));
  return [...picked].sort((a, b) => a - b);
}

/** First, last, and the addresses just outside (within the address space) of each sampled row. */
function boundaryQueries(rows: readonly Row[], indexes: readonly number[], family: Family): Query[] {
  const top = (1n << BigInt(BITS[family])) - 1n;
  const seen = new Set<bigint>();
  const queries: Query[] = [];
  for (const index of indexes) {
    const { first, last } = rows[index]!;
    for (const value of [first - 1n, first, last, last + 1n]) {
      if (value < 0n || value > top || seen.has(value)) continue;
      seen.add(value);
      queries.push({ text: format(family, value), family, value });
    }
  }
  return queries;
}

// --- The tests -----------------------------------------------------------------------------------

describe('the ASN database built from the full @ip-location-db/asn CSVs', () => {
  let folder: string;
  let file: string;
  let stats: AsnBuildStats;
  let reader: Reader<Response>;
  let csv: Record<Family, CsvFamily>;
  let queries: Query[];
  /** The boundaries of each overlapping row and of the row it starts inside. */
  let overlapQueries: Query[];
  let sampledRows: Record<Family, number>;

  beforeAll(async () => {
    folder = await mkdtemp(join(tmpdir(), 'pathledger-asn-build-'));
    file = join(folder, 'asn.mmdb');
    const ipv4Csv = packagedAsnCsv('asn-ipv4.csv');
    const ipv6Csv = packagedAsnCsv('asn-ipv6.csv');
    stats = await buildAsnDatabase({ ipv4Csv, ipv6Csv, outFile: file });
    reader = new Reader<Response>(await readFile(file));
    const [ipv4, ipv6] = await Promise.all([readCsv(ipv4Csv, 4), readCsv(ipv6Csv, 6)]);
    csv = { 4: ipv4, 6: ipv6 };

    const random = seededRandom(SEED);
    const rows4 = sampleRows(ipv4, 4, random);
    const rows6 = sampleRows(ipv6, 6, random);
    sampledRows = { 4: rows4.length, 6: rows6.length };
    const ipv4Queries = boundaryQueries(ipv4.rows, rows4, 4);
    // IPv4-mapped, in both spellings, for every 20th IPv4 address.
    const mapped = ipv4Queries
      .filter((_, i) => i % 20 === 0)
      .map(({ text, value }, i): Query => {
        const mappedValue = (0xffffn << 32n) | value;
        return { text: i % 2 === 0 ? `::ffff:${text}` : format(6, mappedValue), family: 6, value: mappedValue };
      });
    queries = [...ipv4Queries, ...boundaryQueries(ipv6.rows, rows6, 6), ...mapped];
    overlapQueries = ([4, 6] as const).flatMap((family) => {
      const { rows, overlapping } = csv[family];
      return boundaryQueries(rows, overlapping.flatMap((index) => [overlapped(rows, index), index]), family);
    });
  }, 60_000);

  afterAll(async () => {
    if (folder !== undefined) await rm(folder, { recursive: true, force: true });
  });

  it('reads every row of both files, and counts the overlaps as the CSV has them', () => {
    expect(reader.metadata.databaseType).toBe(ASN_DATABASE_TYPE);
    expect(reader.metadata.ipVersion).toBe(6);
    expect(stats.ipv4Ranges).toBe(csv[4].rows.length);
    expect(stats.ipv6Ranges).toBe(csv[6].rows.length);
    expect(stats.overlappingRanges).toBe(csv[4].overlapping.length + csv[6].overlapping.length);
    // A sample of a few thousand rows; the package's data changes, so the bounds are loose.
    expect(sampledRows[4] + sampledRows[6]).toBeGreaterThan(2500);
    expect(sampledRows[6]).toBeGreaterThan(500);
  });

  it('answers as the CSV at the first and last address of each sampled range and just outside it', () => {
    const mismatches: string[] = [];
    let found = 0;
    let missing = 0;
    for (const { text, family, value } of queries) {
      const want = expected(csv, family, value);
      if (want === null) missing++;
      else found++;
      const wanted = describeExpected(want);
      const got = describeRecord(reader.get(text));
      if (got !== wanted) mismatches.push(`${text}: the CSV says ${wanted}, the file says ${got}`);
    }
    expect(mismatches).toEqual([]);
    // Both kinds of answer were put to the test: addresses in a range and addresses in none.
    expect(found).toBeGreaterThan(5000);
    expect(missing).toBeGreaterThan(500);
  });

  it('answers where rows overlap as the later row', () => {
    for (const family of [4, 6] as const) {
      const { rows, overlapping } = csv[family];
      for (const index of overlapping) {
        const row = rows[index]!;
        expect(describeRecord(reader.get(format(family, row.first))), format(family, row.first)).toBe(describeExpected(row));
      }
    }
  });

  it('answers IPv4-mapped IPv6 addresses as the IPv4 address', () => {
    const mapped = queries.filter(({ family, value }) => family === 6 && value >> 32n === 0xffffn);
    expect(mapped.length).toBeGreaterThan(50);
    for (const { text, value } of mapped) {
      const ipv4 = format(4, value & 0xffff_ffffn);
      expect(describeRecord(reader.get(text)), text).toBe(describeRecord(reader.get(ipv4)));
      expect(describeRecord(reader.get(text)), text).toBe(describeExpected(find(csv[4].spans, value & 0xffff_ffffn)));
    }
  });

  it.skipIf(!hasMmdblookup)('answers as the CSV when read by libmaxminddb (mmdblookup)', () => {
    const step = Math.max(1, Math.floor(queries.length / MMDBLOOKUP_ADDRESSES));
    const sample = [...overlapQueries, ...queries.filter((_, i) => i % step === 0)].slice(0, MMDBLOOKUP_ADDRESSES);
    const mismatches: string[] = [];
    for (const { text, family, value } of sample) {
      const wanted = describeExpected(expected(csv, family, value));
      const got = mmdblookup(file, text);
      if (got !== wanted) mismatches.push(`${text}: the CSV says ${wanted}, mmdblookup says ${got}`);
    }
    expect(sample.length).toBe(MMDBLOOKUP_ADDRESSES);
    expect(mismatches).toEqual([]);
  });
});
