// One MaxMind-format database file, reloaded without a restart when the file is replaced.
//
// Swapping: a reload reads the whole new file into a new buffer, builds a new Reader on it,
// checks it, and only then replaces the reference the holder answers from. A Reader is never
// changed once built, so whoever holds a snapshot (one lookup, or a whole path resolution that
// took `current()` first) keeps answering from the file as it was; the old buffer goes when the
// last snapshot does. A file that does not open leaves the loaded one in place and is reported.
//
// maxmind's own `watchForUpdates` is not used: it calls `reader.load()` on the Reader everybody
// shares, so a snapshot would change under its holder; a file that fails to parse makes an
// unhandled rejection from its watch callback; it reloads on every stat change with no settling
// time, so a file still being copied is read half-written; and it offers no way to stop watching
// one file short of `fs.unwatchFile(path)` for every listener in the process.
//
// Watching: the file's stat is polled (fs.watchFile), not watched with fs.watch. fs.watch on the
// file follows the inode, and the usual replacement (write a temporary file, rename it over)
// leaves it watching the deleted original. Watching the folder fixes that on a local disk, but
// still misses replacements on NFS/SMB and some container mounts (inotify sees only local
// writes) and misses a symlink flip, which is how Kubernetes updates ConfigMap and Secret files
// (the `..data` link in the folder changes, not the file's name). Polling stat follows the path
// through symlinks and sees a new inode, size or mtime on any filesystem, for one stat() per
// interval; a database that changes daily does not need sub-second latency.
import { open as openFile, stat } from 'node:fs/promises';
import { unwatchFile, watchFile, type Stats } from 'node:fs';
import { Reader, type Response } from 'maxmind';
import ipaddr from 'ipaddr.js';
import { BoundedCache } from './bounded-cache.ts';

/** The file's metadata: database type, IP version, build time, node count. */
export type IpDatabaseMetadata = Reader<Response>['metadata'];

export interface IpDatabaseOptions<T> {
  /** Reload when the file changes on disk. Default false. */
  watch?: boolean;
  /** How often the file's stat is polled when watching. Default 2000 ms. */
  pollIntervalMs?: number;
  /** Quiet time after the last change before reloading, so a burst of writes loads once. Default 500 ms. */
  debounceMs?: number;
  /** Decoded records kept per loaded file (keyed by data offset); 0 for none. Default 10 000, as maxmind.open. */
  cacheSize?: number;
  /** Extra checks on a file before it is used (database type, record shape); throw to refuse it. */
  validate?: (snapshot: IpDatabaseSnapshot<T>) => void;
  /** A new file is in use. */
  onReload?: (next: IpDatabaseSnapshot<T>, previous: IpDatabaseSnapshot<T>) => void;
  /** A new file was refused, or the file went missing; the loaded one stays. Default: a process warning. */
  onError?: (error: Error) => void;
}

/** One loaded file. It never changes: a reload makes a new snapshot. */
export interface IpDatabaseSnapshot<T> {
  readonly path: string;
  readonly metadata: IpDatabaseMetadata;
  /** 1 for the file opened first, one more for each swap. */
  readonly generation: number;
  readonly loadedAt: Date;
  /**
   * The record for an address, or null. IPv4-mapped IPv6 (::ffff:192.0.2.1) is looked up as the
   * IPv4 address; an IPv6 address in an IPv4-only file is null (the reader would walk the IPv4
   * tree with IPv6 bits and answer nonsense). Records are shared between callers: do not change them.
   */
  get(address: string): T | null;
  /** The record and the prefix length of the network it was found in (or of the miss). */
  getWithPrefixLength(address: string): [T | null, number];
}

export interface IpDatabase<T> {
  readonly path: string;
  /** Looks up in the file loaded now. */
  get(address: string): T | null;
  /** The file loaded now; hold it to answer a set of lookups from one file across a reload. */
  current(): IpDatabaseSnapshot<T>;
  /** Loads the file again now, whether or not it changed; resolves true when the new one is in use. */
  reload(): Promise<boolean>;
  /** Stops watching; lookups keep working on the last loaded file. */
  close(): void;
}

export class IpDatabaseError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'IpDatabaseError';
  }
}

const DATA_SECTION_SEPARATOR = 16;
const GZIP_MAGIC = [0x1f, 0x8b] as const;
/** Addresses whose lookup must not throw in a usable file: they walk both trees to a leaf. */
const PROBES = ['1.1.1.1', '8.8.8.8', '81.2.69.160', '223.255.255.255', '2001:4860:4860::8888', '2a00:1450::1', '2c0f:fb50::1'];

interface Loaded<T> {
  snapshot: IpDatabaseSnapshot<T>;
  identity: string;
}

function identityOf(stats: Stats): string {
  return `${stats.dev}:${stats.ino}:${stats.size}:${stats.mtimeMs}`;
}

/** The address to give the reader, or null when the file cannot hold it. */
function lookupAddress(address: string, ipv4Only: boolean): string | null {
  if (!address.includes(':')) return address;
  if (address.length > 7 && address.slice(0, 7).toLowerCase() === '::ffff:') {
    if (address.includes('.')) return address.slice(7);
    if (ipaddr.IPv6.isValid(address)) {
      const parsed = ipaddr.IPv6.parse(address);
      if (parsed.isIPv4MappedAddress()) return parsed.toIPv4Address().toString();
    }
  }
  return ipv4Only ? null : address;
}

function makeSnapshot<T>(path: string, reader: Reader<Response>, generation: number): IpDatabaseSnapshot<T> {
  const ipv4Only = reader.metadata.ipVersion === 4;
  return Object.freeze({
    path,
    metadata: reader.metadata,
    generation,
    loadedAt: new Date(),
    get(address: string): T | null {
      const target = lookupAddress(address, ipv4Only);
      // The file's records are whatever its writer put there; T is the caller's word for them.
      return target === null ? null : (reader.get(target) as T | null);
    },
    getWithPrefixLength(address: string): [T | null, number] {
      const target = lookupAddress(address, ipv4Only);
      if (target === null) return [null, 0];
      const [record, prefixLength] = reader.getWithPrefixLength(target);
      return [record as T | null, prefixLength];
    },
  });
}

/**
 * Reader's constructor parses only the metadata at the end of the file, so a file with a sound
 * tail and a damaged body would open fine and then throw or answer wrongly on lookups.
 */
function readerFor(buffer: Buffer, cacheSize: number): Reader<Response> {
  if (buffer[0] === GZIP_MAGIC[0] && buffer[1] === GZIP_MAGIC[1]) throw new Error('the file is gzip-compressed; decompress it first');
  const reader = new Reader<Response>(buffer, cacheSize > 0 ? { cache: new BoundedCache<number | string, unknown>(cacheSize) } : {});
  const { metadata } = reader;
  if (metadata.binaryFormatMajorVersion !== 2) throw new Error(`binary format ${String(metadata.binaryFormatMajorVersion)} is not 2`);
  if (metadata.ipVersion !== 4 && metadata.ipVersion !== 6) throw new Error(`ip_version ${String(metadata.ipVersion)} is neither 4 nor 6`);
  if (!Number.isSafeInteger(metadata.nodeCount) || metadata.nodeCount <= 0) throw new Error(`node_count ${String(metadata.nodeCount)} is not a positive integer`);
  const separator = metadata.searchTreeSize;
  if (separator + DATA_SECTION_SEPARATOR > buffer.length) throw new Error('the search tree is longer than the file: it is truncated');
  for (let i = separator; i < separator + DATA_SECTION_SEPARATOR; i++) {
    if (buffer[i] !== 0) throw new Error('no data section separator after the search tree: the tree size does not match the file');
  }
  for (const probe of PROBES) {
    if (metadata.ipVersion === 4 && probe.includes(':')) continue;
    reader.get(probe);
  }
  return reader;
}

/** Opens a MaxMind-format database file. Rejects when the file cannot be read or is not one. */
export async function openIpDatabase<T>(path: string, options: IpDatabaseOptions<T> = {}): Promise<IpDatabase<T>> {
  const pollIntervalMs = options.pollIntervalMs ?? 2000;
  const debounceMs = options.debounceMs ?? 500;
  const cacheSize = options.cacheSize ?? 10_000;
  const report = options.onError ?? ((error: Error) => process.emitWarning(error));

  async function load(generation: number): Promise<Loaded<T>> {
    let buffer: Buffer;
    let identity: string;
    // Stat and read through one handle, so the identity is that of the bytes read even if the
    // file is replaced again meanwhile (the next poll then sees the change and loads again).
    const handle = await openFile(path, 'r');
    try {
      identity = identityOf(await handle.stat());
      buffer = await handle.readFile();
    } finally {
      await handle.close();
    }
    let snapshot: IpDatabaseSnapshot<T>;
    try {
      snapshot = makeSnapshot<T>(path, readerFor(buffer, cacheSize), generation);
      options.validate?.(snapshot);
    } catch (error) {
      throw new IpDatabaseError(`${path} is not a usable MaxMind database: ${error instanceof Error ? error.message : String(error)}`, { cause: error });
    }
    return { snapshot, identity };
  }

  let loaded = await load(1);
  let closed = false;
  let timer: NodeJS.Timeout | undefined;
  // Reloads run one after another, so a slow read of an older file never lands after a newer one.
  let queue: Promise<unknown> = Promise.resolve();

  function swapTo(next: Loaded<T>): void {
    const previous = loaded.snapshot;
    loaded = next;
    try {
      options.onReload?.(next.snapshot, previous);
    } catch (error) {
      report(error instanceof Error ? error : new Error(String(error)));
    }
  }

  function enqueue(task: () => Promise<boolean>): Promise<boolean> {
    const run = queue.then(task, task);
    queue = run.catch(() => undefined);
    return run;
  }

  async function loadAndSwap(): Promise<boolean> {
    try {
      const next = await load(loaded.snapshot.generation + 1);
      if (closed) return false;
      swapTo(next);
      return true;
    } catch (error) {
      report(error instanceof Error ? error : new Error(String(error)));
      return false;
    }
  }

  /** After the file settled: load it unless it is the one already loaded (a chmod, a touch -a). */
  function reloadIfChanged(): Promise<boolean> {
    return enqueue(async () => {
      if (closed) return false;
      let identity: string;
      try {
        identity = identityOf(await stat(path));
      } catch (error) {
        const since = loaded.snapshot.loadedAt.toISOString();
        report(new IpDatabaseError(`${path} cannot be read (${error instanceof Error ? error.message : String(error)}); still using the file loaded at ${since}`, { cause: error }));
        return false;
      }
      return identity === loaded.identity ? false : loadAndSwap();
    });
  }

  const onStatChange = (): void => {
    if (closed) return;
    if (timer) clearTimeout(timer);
    timer = setTimeout(() => {
      timer = undefined;
      void reloadIfChanged();
    }, debounceMs);
    timer.unref();
  };

  // Not persistent: watching a file is no reason to keep a process alive.
  if (options.watch) watchFile(path, { interval: pollIntervalMs, persistent: false }, onStatChange);

  return {
    path,
    get: (address) => loaded.snapshot.get(address),
    current: () => loaded.snapshot,
    reload: () => enqueue(loadAndSwap),
    close() {
      if (closed) return;
      closed = true;
      if (timer) clearTimeout(timer);
      timer = undefined;
      if (options.watch) unwatchFile(path, onStatChange);
    },
  };
}
