// Builds PathLedger's IP-to-AS database (a MaxMind DB with GeoLite2-ASN's fields) from the
// @ip-location-db/asn CSVs, and puts it in place atomically: a server watching the file sees
// the old database or the new one, never half of one.
import { randomBytes } from 'node:crypto';
import { createRequire } from 'node:module';
import { mkdir, open, rename, rm, stat } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { readAsnCsv } from './asn-csv.ts';
import { parseIpAddress, type IpAddress } from './ip-address.ts';
import { mmdbType, type MmdbMap } from './mmdb-data.ts';
import { MmdbWriter, type AliasOutcome, type RecordSize } from './writer.ts';

export const ASN_DATABASE_TYPE = 'PathLedger-ASN';
/** The npm package with RouteViews + DB-IP's IP-to-AS ranges as CSV (CC BY 4.0). */
export const ASN_PACKAGE = '@ip-location-db/asn';

/** One of the package's CSVs (asn-ipv4.csv, asn-ipv6.csv); throws when the package is not installed. */
export function packagedAsnCsv(name: 'asn-ipv4.csv' | 'asn-ipv6.csv'): string {
  return createRequire(import.meta.url).resolve(`${ASN_PACKAGE}/${name}`);
}

export interface AsnBuildOptions {
  ipv4Csv: string;
  ipv6Csv: string;
  outFile: string;
  onProgress?: (progress: AsnBuildProgress) => void;
  /** Fixed in tests; defaults to now. */
  buildEpoch?: number;
  recordSize?: RecordSize;
}

export interface AsnBuildProgress {
  phase: 'ipv4' | 'ipv6' | 'write';
  /** Ranges read so far, both files together. */
  ranges: number;
  /** Bytes of the two CSVs read so far, and their total: the fraction done while reading. */
  bytesRead: number;
  totalBytes: number;
}

export interface AsnBuildStats {
  outFile: string;
  ranges: number;
  ipv4Ranges: number;
  ipv6Ranges: number;
  /** Ranges that start inside an earlier one; where they overlap, the later row wins. */
  overlappingRanges: number;
  /** CIDR prefixes the ranges were cut into. */
  networks: number;
  nodes: number;
  recordSize: RecordSize;
  /** Distinct (ASN, organization) records in the data section. */
  records: number;
  bytes: number;
  seconds: number;
  aliases: Record<string, AliasOutcome>;
}

const PROGRESS_EVERY = 8192;

export async function buildAsnDatabase(options: AsnBuildOptions): Promise<AsnBuildStats> {
  const started = performance.now();
  const { ipv4Csv, ipv6Csv, outFile, onProgress } = options;
  const [ipv4Size, ipv6Size] = await Promise.all([stat(ipv4Csv), stat(ipv6Csv)]).then((stats) => stats.map((s) => s.size));
  const totalBytes = (ipv4Size ?? 0) + (ipv6Size ?? 0);
  const writer = new MmdbWriter({
    databaseType: ASN_DATABASE_TYPE,
    description: { en: 'IP to autonomous system: RouteViews and DB-IP data via ip-location-db (CC BY 4.0), written by PathLedger' },
    ipVersion: 6,
    ...(options.recordSize === undefined ? {} : { recordSize: options.recordSize }),
    ...(options.buildEpoch === undefined ? {} : { buildEpoch: options.buildEpoch }),
  });

  const records = new AsnRecords();
  let ranges = 0;
  let overlappingRanges = 0;
  const readFamily = async (file: string, family: 4 | 6, phase: 'ipv4' | 'ipv6', bytesBefore: number) => {
    let bytesRead = bytesBefore;
    const report = () => onProgress?.({ phase, ranges, bytesRead, totalBytes });
    report();
    let previousLast = -1n;
    let count = 0;
    const onBytes = (read: number) => {
      bytesRead = bytesBefore + read;
    };
    for await (const range of readAsnCsv(file, { onBytes })) {
      const first = addressIn(range.first, family, file);
      const last = addressIn(range.last, family, file);
      if (first.value <= previousLast) overlappingRanges++;
      if (last.value > previousLast) previousLast = last.value;
      writer.insertRange(first, last, records.get(range.asn, range.organization));
      count++;
      if (++ranges % PROGRESS_EVERY === 0) report();
    }
    bytesRead = bytesBefore + (family === 4 ? (ipv4Size ?? 0) : (ipv6Size ?? 0));
    report();
    return count;
  };
  const ipv4Ranges = await readFamily(ipv4Csv, 4, 'ipv4', 0);
  const ipv6Ranges = await readFamily(ipv6Csv, 6, 'ipv6', ipv4Size ?? 0);

  onProgress?.({ phase: 'write', ranges, bytesRead: totalBytes, totalBytes });
  const result = writer.write();
  await writeAtomically(outFile, result.bytes);
  return {
    outFile,
    ranges,
    ipv4Ranges,
    ipv6Ranges,
    overlappingRanges,
    networks: writer.networks,
    nodes: result.nodeCount,
    recordSize: result.recordSize,
    records: result.records,
    bytes: result.bytes.length,
    seconds: (performance.now() - started) / 1000,
    aliases: result.aliases,
  };
}

/** GeoLite2-ASN's record shape, so any reader of that file reads ours; no organization, no key. */
export function asnRecord(asn: number, organization: string): MmdbMap {
  const number = mmdbType.uint32(asn);
  return organization === '' ? { autonomous_system_number: number } : { autonomous_system_number: number, autonomous_system_organization: organization };
}

/** One record object per (ASN, organization), so the writer recognises repeats by identity. */
class AsnRecords {
  private readonly byAsn = new Map<number, Map<string, MmdbMap>>();

  get(asn: number, organization: string): MmdbMap {
    let byOrganization = this.byAsn.get(asn);
    if (byOrganization === undefined) this.byAsn.set(asn, (byOrganization = new Map()));
    let record = byOrganization.get(organization);
    if (record === undefined) byOrganization.set(organization, (record = asnRecord(asn, organization)));
    return record;
  }
}

function addressIn(text: string, family: 4 | 6, file: string): IpAddress {
  // The -num files give addresses as decimal integers.
  const address = /^\d+$/.test(text) ? { family, value: BigInt(text) } : parseIpAddress(text);
  if (address.family !== family) throw new Error(`${file}: "${text}" is not an IPv${family} address`);
  if (address.value >= 1n << (family === 4 ? 32n : 128n)) throw new Error(`${file}: ${text} is too large for IPv${family}`);
  return address;
}

/**
 * Writes to a hidden temporary file beside the target (same file system, so the rename is atomic),
 * flushed to disk first so that a crash cannot leave a renamed but empty file.
 */
export async function writeAtomically(file: string, bytes: Uint8Array): Promise<void> {
  const folder = dirname(file);
  await mkdir(folder, { recursive: true });
  const temporary = join(folder, `.${basename(file)}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`);
  try {
    const handle = await open(temporary, 'wx');
    try {
      await handle.writeFile(bytes);
      await handle.sync();
    } finally {
      await handle.close();
    }
    await rename(temporary, file);
  } catch (error) {
    await rm(temporary, { force: true });
    throw error;
  }
}
