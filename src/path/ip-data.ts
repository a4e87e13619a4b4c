// The two IP databases the path service reads, opened from the configuration: IP → AS (built
// from @ip-location-db/asn into the data folder on first start when it is the default and
// missing) and IP → places. Both reload when their file is replaced (see ip-database.ts).
import { access } from 'node:fs/promises';
import type { Config } from '../config.ts';
import { buildAsnDatabase, packagedAsnCsv, type AsnBuildStats } from '../ipdb/build.ts';
import type { Logger } from '../observability/logger.ts';
import { BoundedCache } from './bounded-cache.ts';
import { placesFromRecord, type GeoRecord } from './geography.ts';
import { openIpDatabase, type IpDatabase, type IpDatabaseSnapshot } from './ip-database.ts';
import type { AddressLookups } from './service.ts';

/** GeoLite2-ASN's fields; GeoIP2-ISP and our own build carry the same. */
export interface AsnRecord {
  autonomous_system_number?: number;
  autonomous_system_organization?: string;
}

export interface IpData {
  /** Lookups on the files loaded now; hold them for one path so that a swap cannot split it. */
  addresses(): AddressLookups;
  /** Which files answer, for logs and health. */
  describe(): { asn: FileInUse; geo: FileInUse };
  close(): void;
}

export interface FileInUse {
  path: string;
  databaseType: string;
  builtAt: Date;
  generation: number;
}

export class IpDataError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'IpDataError';
  }
}

// Addresses whose answer tells what kind of file this is, for files whose type name does not.
const PROBE = '8.8.8.8';

function requireAsnRecords(snapshot: IpDatabaseSnapshot<AsnRecord>): void {
  if (/ASN|ISP/i.test(snapshot.metadata.databaseType)) return;
  if (typeof snapshot.get(PROBE)?.autonomous_system_number === 'number') return;
  throw new Error(`it is a ${snapshot.metadata.databaseType} database without autonomous_system_number; expected one like GeoLite2-ASN`);
}

function requirePlaces(snapshot: IpDatabaseSnapshot<GeoRecord>): void {
  if (/country|city/i.test(snapshot.metadata.databaseType)) return;
  if (placesFromRecord(snapshot.get(PROBE)).length > 0) return;
  throw new Error(`it is a ${snapshot.metadata.databaseType} database without countries; expected one like GeoLite2-Country or -City`);
}

/**
 * Answers per address, kept while the file that gave them is loaded: transfers come again and
 * again from the same clients and nodes, and a map hit costs a fraction of a walk down the
 * file's search tree. The least recently used go first when the memo is full.
 */
export const ADDRESS_MEMO_SIZE = 100_000;

function memoized<T>(lookup: (address: string) => T, size: number): (address: string) => T {
  // Misses are remembered too (an unannounced address), as null: hence `has`.
  const answers = new BoundedCache<string, T>(size);
  return (address) => {
    let answer = answers.get(address);
    if (answer === undefined && !answers.has(address)) {
      answer = lookup(address);
      answers.set(address, answer);
    }
    return answer as T;
  };
}

export function asnLookup(snapshot: IpDatabaseSnapshot<AsnRecord>, memoSize = ADDRESS_MEMO_SIZE): AddressLookups['asn'] {
  return memoized((address) => {
    const record = snapshot.get(address);
    const number = record?.autonomous_system_number;
    return typeof number === 'number' ? Object.freeze({ number, name: record?.autonomous_system_organization ?? '' }) : null;
  }, memoSize);
}

export function placeLookup(snapshot: IpDatabaseSnapshot<GeoRecord>, memoSize = ADDRESS_MEMO_SIZE): AddressLookups['places'] {
  // Shared between paths, so frozen: nobody may change a place in one path and so in another.
  return memoized((address) => Object.freeze(placesFromRecord(snapshot.get(address)).map((place) => Object.freeze(place))), memoSize);
}

function inUse(snapshot: IpDatabaseSnapshot<unknown>): FileInUse {
  return { path: snapshot.path, databaseType: snapshot.metadata.databaseType, builtAt: snapshot.metadata.buildEpoch, generation: snapshot.generation };
}

const exists = (path: string) => access(path).then(() => true, () => false);

/** Builds the default ASN file from the packaged CSVs, saying so, since it takes a while. */
async function buildDefaultAsnDatabase(path: string, logger: Logger): Promise<AsnBuildStats> {
  logger.info({ file: path }, `no IP-to-AS database at ${path}: building it from @ip-location-db/asn (first start only; takes about 10 s)`);
  let phase = '';
  const stats = await buildAsnDatabase({
    ipv4Csv: packagedAsnCsv('asn-ipv4.csv'),
    ipv6Csv: packagedAsnCsv('asn-ipv6.csv'),
    outFile: path,
    onProgress: (progress) => {
      if (progress.phase === phase) return;
      phase = progress.phase;
      logger.info({ phase, ranges: progress.ranges }, `building the IP-to-AS database: ${phase === 'write' ? 'writing' : `reading ${phase} ranges`}`);
    },
  });
  logger.info({ file: path, ranges: stats.ranges, bytes: stats.bytes, seconds: Number(stats.seconds.toFixed(1)) }, `built the IP-to-AS database (${stats.ranges} ranges)`);
  return stats;
}

export async function openIpData(settings: Config['ipData'], logger: Logger): Promise<IpData> {
  const { asn, geo, reloadIntervalMs } = settings;
  if (!(await exists(asn.path))) {
    if (!asn.buildIfMissing) {
      throw new IpDataError(`PATHLEDGER_ASN_DB=${asn.path} does not exist: build one with "pathledger ipdb build --out ${asn.path}", or unset it to use the data folder's`);
    }
    await buildDefaultAsnDatabase(asn.path, logger);
  }
  const watching = {
    watch: reloadIntervalMs > 0,
    ...(reloadIntervalMs > 0 ? { pollIntervalMs: reloadIntervalMs } : {}),
    onReload: (next: IpDatabaseSnapshot<unknown>) => logger.info({ file: next.path, generation: next.generation }, `reloaded ${next.path}: the replaced file is in use`),
    onError: (error: Error) => logger.warn({ err: error }, error.message),
  };
  const open = async <T>(path: string, validate: (snapshot: IpDatabaseSnapshot<T>) => void): Promise<IpDatabase<T>> => {
    try {
      return await openIpDatabase<T>(path, { ...watching, validate });
    } catch (error) {
      throw new IpDataError(error instanceof Error ? error.message : String(error), { cause: error });
    }
  };
  const asnDatabase = await open<AsnRecord>(asn.path, requireAsnRecords);
  let geoDatabase: IpDatabase<GeoRecord>;
  try {
    geoDatabase = await open<GeoRecord>(geo.path, requirePlaces);
  } catch (error) {
    asnDatabase.close();
    throw error;
  }
  // One lookups object per pair of loaded files, made again only after a swap.
  let lookups: { asn: IpDatabaseSnapshot<AsnRecord>; geo: IpDatabaseSnapshot<GeoRecord>; value: AddressLookups } | undefined;
  return {
    addresses() {
      const asnNow = asnDatabase.current();
      const geoNow = geoDatabase.current();
      if (lookups?.asn !== asnNow || lookups.geo !== geoNow) lookups = { asn: asnNow, geo: geoNow, value: { asn: asnLookup(asnNow), places: placeLookup(geoNow) } };
      return lookups.value;
    },
    describe: () => ({ asn: inUse(asnDatabase.current()), geo: inUse(geoDatabase.current()) }),
    close() {
      asnDatabase.close();
      geoDatabase.close();
    },
  };
}
