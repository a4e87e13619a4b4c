// A MaxMind DB (format 2.0) writer: https://maxmind.github.io/MaxMind-DB/
//
// The file is a binary search tree over address bits, a 16-byte separator, a data section with
// the records the tree points at, and metadata after "\xAB\xCD\xEFMaxMind.com".
//
// Rules this writer keeps (tests pin each one):
// - Overlaps: the last write wins. Inserting a network replaces whatever an earlier insert left
//   anywhere inside it; the parts of an earlier, larger network outside it keep their record.
//   Ranges are cut into the fewest CIDR prefixes and inserted prefix by prefix, in order.
// - IPv4 in an IPv6 tree lives at ::/96 (::a.b.c.d), where every reader looks for it.
// - Aliases: as MaxMind's own writers do, ::ffff:0:0/96 (IPv4-mapped), 2001::/32 (Teredo) and
//   2002::/16 (6to4) lead into the IPv4 subtree, so ::ffff:1.2.3.4 and 2002:102:304:: answer like
//   1.2.3.4. Unlike MaxMind's writers, which refuse inserts inside an alias, data always wins
//   here: an alias fills only the parts of its network that no insert covers. The real ASN data
//   assigns 2001::/32 and 2002::/16 to the relays' operator, so there those two stay as the data
//   says and only ::ffff:0:0/96 becomes an alias.
// - Identical records are stored once; every network with that record points at the same bytes,
//   and repeated strings inside records (map keys above all) are pointers to their first copy.
// - Sibling networks that end with the same record merge into their parent, so the tree has no
//   node whose two halves answer the same.
// - Record size: the smallest of 24, 28 and 32 bits that holds the largest record value.
import { IpAddressError, formatIpAddress, parseIpAddress, parseIpNetwork, type IpAddress, type IpNetwork } from './ip-address.ts';
import { DataEncoder, MmdbValueError, mmdbType, valueKey, type MmdbValue } from './mmdb-data.ts';
import { EMPTY, SearchTree, dataIdOf, leafOf } from './search-tree.ts';

export type RecordSize = 24 | 28 | 32;

export interface MmdbWriterOptions {
  /** e.g. "PathLedger-ASN"; readers use it to tell what the file holds. */
  databaseType: string;
  /** Language code → description, e.g. { en: "…" }. */
  description: Readonly<Record<string, string>>;
  /** 6 (the default) stores IPv4 at ::/96 beside IPv6; 4 stores IPv4 only. */
  ipVersion?: 4 | 6;
  languages?: readonly string[];
  /** Forces a record size instead of the smallest that fits; writing fails if it does not fit. */
  recordSize?: RecordSize;
  /** Networks that lead into the IPv4 subtree (IPv6 trees only). Defaults to MAXMIND_IPV4_ALIASES. */
  ipv4Aliases?: readonly string[];
  /** Seconds since the epoch for build_epoch; defaults to now. Fixed in tests for stable bytes. */
  buildEpoch?: number;
}

export const MAXMIND_IPV4_ALIASES: readonly string[] = ['::ffff:0:0/96', '2001::/32', '2002::/16'];

/**
 * applied: the whole network leads to IPv4; partial: only where no data was; covered: data fills
 * it, so it answers its own data; no-ipv4-data: there is no IPv4 subtree to lead to.
 */
export type AliasOutcome = 'applied' | 'partial' | 'covered' | 'no-ipv4-data';

export interface MmdbWriteResult {
  bytes: Buffer;
  nodeCount: number;
  recordSize: RecordSize;
  /** Distinct records in the data section. */
  records: number;
  dataSectionBytes: number;
  aliases: Record<string, AliasOutcome>;
}

export class MmdbWriterError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'MmdbWriterError';
  }
}

const METADATA_MARKER = Buffer.from([0xab, 0xcd, 0xef, ...Buffer.from('MaxMind.com', 'ascii')]);
const DATA_SECTION_SEPARATOR = 16;
const TWO_TO_32 = 2 ** 32;

/**
 * Records are kept by reference and encoded by write(), once per distinct value: a record must
 * not change after it was inserted.
 */
export class MmdbWriter {
  private readonly ipVersion: 4 | 6;
  private readonly aliases: readonly IpNetwork[];
  private readonly tree = new SearchTree();
  private readonly values: MmdbValue[] = [];
  private readonly dataIds = new Map<string, number>();
  /** Callers that pass the same object again skip building its key (the ASN build does). */
  private readonly dataIdsByObject = new WeakMap<object, number>();
  /** The address being inserted as 32-bit words, most significant first (only the first in an IPv4 tree). */
  private readonly words = new Uint32Array(4);
  /** The node at ::/96, where IPv4 inserts start; -1 when an insert may have replaced it. */
  private ipv4Root = -1;
  private networkCount = 0;

  constructor(private readonly options: MmdbWriterOptions) {
    this.ipVersion = options.ipVersion ?? 6;
    if (this.ipVersion === 4 && options.ipv4Aliases !== undefined && options.ipv4Aliases.length > 0) {
      throw new MmdbWriterError('IPv4 aliases need an IPv6 tree (ipVersion 6)');
    }
    this.aliases = this.ipVersion === 6 ? (options.ipv4Aliases ?? MAXMIND_IPV4_ALIASES).map((text) => this.aliasNetwork(text)) : [];
    this.aliases.forEach((alias, index) => {
      for (const other of this.aliases.slice(0, index)) {
        // An alias inside another would be grafted into the IPv4 subtree the first one leads to.
        if (overlaps(alias, other)) throw new MmdbWriterError(`the aliases ${networkName(other)} and ${networkName(alias)} overlap`);
      }
    });
  }

  /** CIDR prefixes inserted so far (a range counts as the prefixes it was cut into). */
  get networks(): number {
    return this.networkCount;
  }

  /** "192.0.2.0/24" or "2001:db8::/32"; IPv4 networks go to ::/96 in an IPv6 tree. */
  insertNetwork(network: string, record: MmdbValue): void {
    const { address, prefixLength } = this.parse(parseIpNetwork, network);
    this.checkFamily(address);
    const leaf = this.leafFor(record);
    if (address.family === 4) {
      this.insertIpv4(Number(address.value), prefixLength, leaf);
    } else {
      this.insertIpv6(address.value, prefixLength, leaf);
    }
  }

  /** Inserts first..last (inclusive, one family) as the fewest CIDR prefixes that cover it exactly. */
  insertRange(first: string | IpAddress, last: string | IpAddress, record: MmdbValue): void {
    const from = typeof first === 'string' ? this.parse(parseIpAddress, first) : first;
    const to = typeof last === 'string' ? this.parse(parseIpAddress, last) : last;
    if (from.family !== to.family) throw new MmdbWriterError(`${formatIpAddress(from)} and ${formatIpAddress(to)} are not of one family`);
    if (from.value > to.value) throw new MmdbWriterError(`the range ${formatIpAddress(from)}-${formatIpAddress(to)} ends before it starts`);
    this.checkFamily(from);
    const leaf = this.leafFor(record);
    if (to.value < TWO_TO_32) {
      // IPv4, or IPv6 inside ::/96 (where IPv4 lives): plain numbers are exact up to 2^53.
      let start = Number(from.value);
      const end = Number(to.value);
      while (start <= end) {
        const size = largestBlock32(start, end);
        this.insertIpv4(start, 32 - size, leaf);
        start += 2 ** size;
      }
      return;
    }
    let start = from.value;
    while (start <= to.value) {
      const size = largestBlock(start, to.value);
      this.insertIpv6(start, 128 - size, leaf);
      start += 1n << BigInt(size);
    }
  }

  /** Builds the file. The writer stays usable: more inserts and another write are fine. */
  write(): MmdbWriteResult {
    // Merges and aliases rework a copy, so the writer keeps exactly what was inserted.
    const tree = this.tree.copy();
    tree.mergeSiblings();
    const aliases = this.graftAliases(tree);
    return this.serialize(tree, aliases);
  }

  toBuffer(): Buffer {
    return this.write().bytes;
  }

  // -------------------------------------------------------------------------------------------
  // Inserting

  private parse<T>(parser: (text: string) => T, text: string): T {
    try {
      return parser(text);
    } catch (error) {
      throw error instanceof IpAddressError ? new MmdbWriterError(error.message) : error;
    }
  }

  private checkFamily(address: IpAddress): void {
    if (address.family === 6 && this.ipVersion === 4) {
      throw new MmdbWriterError(`${formatIpAddress(address)} is IPv6; this database is IPv4 only (ipVersion 4)`);
    }
  }

  /** The data id of a record equal to this one, or a new one: identical records are stored once. */
  private leafFor(record: MmdbValue): number {
    const isObject = typeof record === 'object';
    let id = isObject ? this.dataIdsByObject.get(record) : undefined;
    if (id !== undefined) return leafOf(id);
    let key: string;
    try {
      key = valueKey(record);
    } catch (error) {
      throw error instanceof MmdbValueError ? new MmdbWriterError(error.message) : error;
    }
    id = this.dataIds.get(key);
    if (id === undefined) {
      id = this.values.length;
      this.values.push(record);
      this.dataIds.set(key, id);
    }
    if (isObject) this.dataIdsByObject.set(record, id);
    return leafOf(id);
  }

  /** A prefix of an IPv4 address (or of ::a.b.c.d); in an IPv6 tree it starts at the cached ::/96 node. */
  private insertIpv4(address: number, prefixLength: number, leaf: number): void {
    this.networkCount++;
    if (this.ipVersion === 4) {
      this.words[0] = address;
      this.tree.set(this.words, prefixLength, leaf);
      return;
    }
    if (prefixLength === 0) {
      this.ipv4Root = -1;
      this.words.fill(0);
      this.tree.set(this.words, 96, leaf);
      return;
    }
    if (this.ipv4Root < 0) this.ipv4Root = this.tree.zeroPathNode(96);
    this.words[0] = 0;
    this.words[1] = 0;
    this.words[2] = 0;
    this.words[3] = address;
    this.tree.set(this.words, 96 + prefixLength, leaf, this.ipv4Root, 96);
  }

  private insertIpv6(address: bigint, prefixLength: number, leaf: number): void {
    this.networkCount++;
    // A prefix of 96 bits or fewer may replace the ::/96 node or a node on the way to it.
    if (prefixLength <= 96) this.ipv4Root = -1;
    toWords(address, this.words);
    this.tree.set(this.words, prefixLength, leaf);
  }

  // -------------------------------------------------------------------------------------------
  // Aliases

  private aliasNetwork(text: string): IpNetwork {
    const network = this.parse(parseIpNetwork, text);
    if (network.address.family !== 6) throw new MmdbWriterError(`the alias ${text} is not an IPv6 network`);
    if (overlaps(network, IPV4_SUBTREE)) throw new MmdbWriterError(`the alias ${text} overlaps ::/96, the IPv4 subtree it leads to`);
    return network;
  }

  private graftAliases(tree: SearchTree): Record<string, AliasOutcome> {
    const outcomes: Record<string, AliasOutcome> = {};
    // What ::/96 answers: its node, or the one record that covers all of it.
    const target = tree.zeroPathRecord(96);
    for (const alias of this.aliases) {
      const words = toWords(alias.address.value, new Uint32Array(4));
      outcomes[networkName(alias)] = target === EMPTY ? 'no-ipv4-data' : tree.graft(words, alias.prefixLength, target);
    }
    return outcomes;
  }

  // -------------------------------------------------------------------------------------------
  // Serializing

  private serialize(tree: SearchTree, aliases: Record<string, AliasOutcome>): MmdbWriteResult {
    const records = tree.records;
    // Number the nodes the root reaches, breadth-first from 0 (the root must be node 0), once
    // each even where aliases lead two paths to one node. Nodes an overwrite cut off are left out.
    const number = new Int32Array(tree.nodes).fill(-1);
    const order = new Int32Array(tree.nodes);
    number[0] = 0;
    let nodeCount = 1;
    // Records are encoded the first time a node points at them, so each is written once.
    const data = new DataEncoder({ pointers: true });
    const dataOffset = new Int32Array(this.values.length).fill(-1);
    let written = 0;
    let largestOffset = -1;
    for (let head = 0; head < nodeCount; head++) {
      const index = order[head]!;
      for (let side = 0; side < 2; side++) {
        const record = records[index * 2 + side]!;
        if (record > 0) {
          if (number[record] === -1) {
            number[record] = nodeCount;
            order[nodeCount++] = record;
          }
        } else if (record < 0) {
          const id = dataIdOf(record);
          if (dataOffset[id] === -1) {
            const offset = data.write(this.values[id]!);
            dataOffset[id] = offset;
            largestOffset = offset;
            written++;
          }
        }
      }
    }
    const largestRecord = largestOffset < 0 ? nodeCount : nodeCount + DATA_SECTION_SEPARATOR + largestOffset;
    const recordSize = this.chooseRecordSize(largestRecord);

    const dataBytes = data.sink.contents();
    const metadata = this.metadata(nodeCount, recordSize);
    const nodeBytes = recordSize / 4;
    const treeBytes = nodeCount * nodeBytes;
    const file = Buffer.alloc(treeBytes + DATA_SECTION_SEPARATOR + dataBytes.length + METADATA_MARKER.length + metadata.length);
    const valueOf = (record: number): number => {
      if (record > 0) return number[record]!;
      if (record === EMPTY) return nodeCount;
      return nodeCount + DATA_SECTION_SEPARATOR + dataOffset[dataIdOf(record)]!;
    };
    for (let i = 0; i < nodeCount; i++) {
      const index = order[i]!;
      writeNode(file, i * nodeBytes, recordSize, valueOf(records[index * 2]!), valueOf(records[index * 2 + 1]!));
    }
    // The separator is the 16 zero bytes Buffer.alloc left after the tree.
    let at = treeBytes + DATA_SECTION_SEPARATOR;
    at += dataBytes.copy(file, at);
    at += METADATA_MARKER.copy(file, at);
    metadata.copy(file, at);
    return { bytes: file, nodeCount, recordSize, records: written, dataSectionBytes: dataBytes.length, aliases };
  }

  private chooseRecordSize(largestRecord: number): RecordSize {
    const forced = this.options.recordSize;
    if (forced === undefined) return recordSizeFor(largestRecord);
    if (largestRecord >= 2 ** forced) {
      throw new MmdbWriterError(`${forced}-bit records cannot hold ${largestRecord}; choose a larger record size or leave it unset`);
    }
    return forced;
  }

  private metadata(nodeCount: number, recordSize: RecordSize): Buffer {
    const { databaseType, description, buildEpoch } = this.options;
    const languages = this.options.languages ?? Object.keys(description);
    const encoder = new DataEncoder({ pointers: false });
    encoder.write({
      binary_format_major_version: mmdbType.uint16(2),
      binary_format_minor_version: mmdbType.uint16(0),
      build_epoch: mmdbType.uint64(buildEpoch ?? Math.floor(Date.now() / 1000)),
      database_type: databaseType,
      description: { ...description },
      ip_version: mmdbType.uint16(this.ipVersion),
      languages: [...languages],
      node_count: mmdbType.uint32(nodeCount),
      record_size: mmdbType.uint16(recordSize),
    });
    return encoder.sink.contents();
  }
}

const RECORD_SIZES: readonly RecordSize[] = [24, 28, 32];

/**
 * The smallest record size that holds `largestRecord`, the largest value any record takes: the
 * node count for "no data", or node count + 16 + the offset of the last record in the data section.
 */
export function recordSizeFor(largestRecord: number): RecordSize {
  const size = RECORD_SIZES.find((bits) => largestRecord < 2 ** bits);
  if (size === undefined) throw new MmdbWriterError(`the database is too large for 32-bit records (largest record ${largestRecord})`);
  return size;
}
const IPV4_SUBTREE: IpNetwork = { address: { family: 6, value: 0n }, prefixLength: 96 };

function networkName(network: IpNetwork): string {
  return `${formatIpAddress(network.address)}/${network.prefixLength}`;
}

/** Two prefixes overlap exactly when one contains the other. */
function overlaps(a: IpNetwork, b: IpNetwork): boolean {
  const shorter = BigInt(128 - Math.min(a.prefixLength, b.prefixLength));
  return a.address.value >> shorter === b.address.value >> shorter;
}

function toWords(address: bigint, words: Uint32Array): Uint32Array {
  words[0] = Number(address >> 96n);
  words[1] = Number((address >> 64n) & 0xffffffffn);
  words[2] = Number((address >> 32n) & 0xffffffffn);
  words[3] = Number(address & 0xffffffffn);
  return words;
}

/** Host bits of the largest aligned block that starts at `start` and ends at or before `end` (< 2^32). */
function largestBlock32(start: number, end: number): number {
  // `start & -start` is the lowest set bit; int32 wrap-around keeps it right up to 2^32.
  const alignment = start === 0 ? 32 : 31 - Math.clz32((start & -start) >>> 0);
  const span = end - start + 1;
  const fitting = span >= TWO_TO_32 ? 32 : 31 - Math.clz32(span);
  return Math.min(alignment, fitting);
}

function largestBlock(start: bigint, end: bigint): number {
  const alignment = start === 0n ? 128 : (start & -start).toString(2).length - 1;
  const fitting = (end - start + 1n).toString(2).length - 1;
  return Math.min(alignment, fitting);
}

function writeNode(file: Buffer, at: number, recordSize: RecordSize, left: number, right: number): void {
  switch (recordSize) {
    case 24:
      file.writeUIntBE(left, at, 3);
      file.writeUIntBE(right, at + 3, 3);
      return;
    case 28:
      // The middle byte holds the top four bits of each record: left's high, right's low nibble.
      file.writeUIntBE(left & 0xffffff, at, 3);
      file[at + 3] = ((left >>> 24) << 4) | (right >>> 24);
      file.writeUIntBE(right & 0xffffff, at + 4, 3);
      return;
    case 32:
      file.writeUInt32BE(left, at);
      file.writeUInt32BE(right, at + 4);
      return;
  }
}
