// The MaxMind DB writer, read back with `maxmind`'s Reader: small hand-made databases where every
// boundary is known, so each rule of the writer (ranges, overlaps, aliases, record sizes,
// deduplication, metadata, data types) is checked address by address.
import { Reader } from 'maxmind';
import { describe, expect, it } from 'vitest';
import { formatIpAddress, parseIpAddress, type IpAddress } from '../../src/ipdb/ip-address.ts';
import { mmdbType, type MmdbValue } from '../../src/ipdb/mmdb-data.ts';
import { MmdbWriter, MmdbWriterError, recordSizeFor, type MmdbWriterOptions } from '../../src/ipdb/writer.ts';

type Asn = { autonomous_system_number: number; autonomous_system_organization: string };

const asn = (number: number, organization = `AS${number} Org`): Asn => ({
  autonomous_system_number: number,
  autonomous_system_organization: organization,
});

function writer(options: Partial<MmdbWriterOptions> = {}): MmdbWriter {
  return new MmdbWriter({ databaseType: 'PathLedger-Test', description: { en: 'writer test' }, buildEpoch: 1_700_000_000, ...options });
}

function reader(source: MmdbWriter): Reader<Asn> {
  return new Reader<Asn>(source.toBuffer());
}

/** The address `delta` away, in the same family; null past either end of the address space. */
function step(text: string, delta: bigint): string | null {
  const address = parseIpAddress(text);
  const value = address.value + delta;
  const top = address.family === 4 ? 1n << 32n : 1n << 128n;
  if (value < 0n || value >= top) return null;
  return formatIpAddress({ family: address.family, value } satisfies IpAddress);
}

/** First, last and the neighbours just outside: what a range boundary must get right. */
function expectRange(db: Reader<Asn>, first: string, last: string, inside: Asn | null, outside: { before: Asn | null; after: Asn | null }) {
  expect(db.get(first), first).toEqual(inside);
  expect(db.get(last), last).toEqual(inside);
  const before = step(first, -1n);
  const after = step(last, 1n);
  if (before !== null) expect(db.get(before), before).toEqual(outside.before);
  if (after !== null) expect(db.get(after), after).toEqual(outside.after);
}

describe('ranges and networks', () => {
  it('answers IPv4 ranges that are not aligned to CIDR boundaries, at both ends and just outside', () => {
    const w = writer();
    w.insertRange('1.0.4.7', '1.0.9.3', asn(1));
    w.insertRange('10.255.255.255', '11.0.0.0', asn(2)); // crosses a /8 boundary: two /32s
    w.insertRange('0.0.0.0', '0.0.0.0', asn(3));
    w.insertRange('255.255.255.254', '255.255.255.255', asn(4));
    const db = reader(w);
    expectRange(db, '1.0.4.7', '1.0.9.3', asn(1), { before: null, after: null });
    expect(db.get('1.0.6.200')).toEqual(asn(1));
    expectRange(db, '10.255.255.255', '11.0.0.0', asn(2), { before: null, after: null });
    expectRange(db, '0.0.0.0', '0.0.0.0', asn(3), { before: null, after: null });
    expectRange(db, '255.255.255.254', '255.255.255.255', asn(4), { before: null, after: null });
    // 1.0.4.7-1.0.9.3 is 1.0.4.7/32, 1.0.4.8/29, 1.0.4.16/28, … 1.0.8.0/24, 1.0.9.0/30: 10 prefixes. (The
    // reader counts an IPv4 lookup's prefix length from the IPv4 subtree.)
    expect(db.getWithPrefixLength('1.0.4.7')[1]).toBe(32);
    expect(db.getWithPrefixLength('1.0.9.3')[1]).toBe(30);
    expect(w.networks).toBe(10 + 2 + 1 + 1);
  });

  it('answers IPv6 ranges and networks, unaligned ones included', () => {
    const w = writer();
    w.insertRange('2001:200::', '2001:200:1b9:ffff:ffff:ffff:ffff:ffff', asn(2500));
    w.insertRange('2a00::3', '2a00::1:4', asn(7));
    w.insertNetwork('2c0f:ffe8::/32', asn(37443));
    w.insertRange('ffff:ffff:ffff:ffff:ffff:ffff:ffff:fff0', 'ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff', asn(9));
    const db = reader(w);
    expectRange(db, '2001:200::', '2001:200:1b9:ffff:ffff:ffff:ffff:ffff', asn(2500), { before: null, after: null });
    expectRange(db, '2a00::3', '2a00::1:4', asn(7), { before: null, after: null });
    expectRange(db, '2c0f:ffe8::', '2c0f:ffe8:ffff:ffff:ffff:ffff:ffff:ffff', asn(37443), { before: null, after: null });
    expectRange(db, 'ffff:ffff:ffff:ffff:ffff:ffff:ffff:fff0', 'ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff', asn(9), { before: null, after: null });
    expect(db.getWithPrefixLength('2c0f:ffe8::1')[1]).toBe(32);
  });

  it('keeps adjacent ranges apart at their shared boundary', () => {
    const w = writer();
    w.insertRange('192.0.2.0', '192.0.2.99', asn(1));
    w.insertRange('192.0.2.100', '192.0.2.255', asn(2));
    w.insertRange('2001:db8::', '2001:db8::ff', asn(3));
    w.insertRange('2001:db8::100', '2001:db8::1:0', asn(4));
    const db = reader(w);
    expectRange(db, '192.0.2.0', '192.0.2.99', asn(1), { before: null, after: asn(2) });
    expectRange(db, '192.0.2.100', '192.0.2.255', asn(2), { before: asn(1), after: null });
    expectRange(db, '2001:db8::', '2001:db8::ff', asn(3), { before: null, after: asn(4) });
    expectRange(db, '2001:db8::100', '2001:db8::1:0', asn(4), { before: asn(3), after: null });
  });

  it('merges sibling networks with one record, so splitting a network costs nothing', () => {
    const whole = writer();
    whole.insertNetwork('198.51.100.0/24', asn(1));
    const halves = writer();
    halves.insertNetwork('198.51.100.0/25', asn(1));
    halves.insertNetwork('198.51.100.128/25', { ...asn(1) });
    const ranges = writer();
    for (let i = 0; i < 256; i += 16) ranges.insertRange(`198.51.100.${i}`, `198.51.100.${i + 15}`, asn(1));
    expect(halves.toBuffer().equals(whole.toBuffer())).toBe(true);
    expect(ranges.toBuffer().equals(whole.toBuffer())).toBe(true);
  });

  it('refuses what is not an address, a network or a range', () => {
    const w = writer();
    expect(() => w.insertRange('1.2.3', '1.2.3.4', asn(1))).toThrow(MmdbWriterError);
    expect(() => w.insertRange('01.2.3.4', '1.2.3.4', asn(1))).toThrow(/not an IP address/);
    expect(() => w.insertRange('1.2.3.4', '1.2.3.3', asn(1))).toThrow(/ends before it starts/);
    expect(() => w.insertRange('1.2.3.4', '::1', asn(1))).toThrow(/not of one family/);
    expect(() => w.insertNetwork('1.2.3.4/24', asn(1))).toThrow(/bits are set after the first 24/);
    expect(() => w.insertNetwork('1.2.3.0/33', asn(1))).toThrow(/prefix length/);
    expect(() => w.insertNetwork('2001:db8::1::/64', asn(1))).toThrow(/not an IP address/);
    expect(() => w.insertRange('1.2.3.4', '1.2.3.5', { bad: -1n })).toThrow(/no signed 64- or 128-bit type/);
    expect(() => w.insertNetwork('1.2.3.0/24', { port: mmdbType.uint16(70_000) })).toThrow(/70000 is not a uint16/);
    expect(() => writer({ ipVersion: 4 }).insertNetwork('2001:db8::/32', asn(1))).toThrow(/IPv4 only/);
  });
});

describe('overlapping inserts: the last write wins', () => {
  it('lets a smaller network inside a larger one win, and keeps the rest of the larger one', () => {
    const w = writer();
    w.insertNetwork('10.0.0.0/8', asn(1));
    w.insertRange('10.1.2.3', '10.1.2.7', asn(2));
    const db = reader(w);
    expectRange(db, '10.1.2.3', '10.1.2.7', asn(2), { before: asn(1), after: asn(1) });
    expectRange(db, '10.0.0.0', '10.255.255.255', asn(1), { before: null, after: null });
  });

  it('lets a larger network inserted later replace everything inside it', () => {
    const w = writer();
    w.insertRange('10.1.2.3', '10.1.2.7', asn(2));
    w.insertNetwork('2001:db8:1::/48', asn(3));
    w.insertNetwork('10.0.0.0/8', asn(1));
    w.insertNetwork('2001:db8::/32', asn(4));
    const db = reader(w);
    expect(db.get('10.1.2.5')).toEqual(asn(1));
    expect(db.get('2001:db8:1::1')).toEqual(asn(4));
    const again = writer();
    again.insertNetwork('10.0.0.0/8', asn(1));
    again.insertNetwork('2001:db8::/32', asn(4));
    // What the overwrite cut off is not written at all: neither its nodes nor its records.
    expect(w.toBuffer().equals(again.toBuffer())).toBe(true);
  });

  it('splits a partial overlap between the earlier and the later range', () => {
    const w = writer();
    w.insertRange('192.0.2.10', '192.0.2.50', asn(1));
    w.insertRange('192.0.2.40', '192.0.2.90', asn(2));
    const db = reader(w);
    expectRange(db, '192.0.2.10', '192.0.2.39', asn(1), { before: null, after: asn(2) });
    expectRange(db, '192.0.2.40', '192.0.2.90', asn(2), { before: asn(1), after: null });
  });

  it('agrees with a plain array of answers after many random overlapping ranges', () => {
    // A small, fixed-seed space where an oracle can hold every address: 203.0.113.0/24.
    let seed = 12345;
    const random = (n: number) => {
      seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31;
      return seed % n;
    };
    const oracle: (Asn | null)[] = Array.from({ length: 256 }, () => null);
    const w = writer();
    for (let i = 0; i < 200; i++) {
      const a = random(256);
      const b = random(256);
      const [first, last] = a <= b ? [a, b] : [b, a];
      const record = asn(1 + random(6));
      w.insertRange(`203.0.113.${first}`, `203.0.113.${last}`, record);
      for (let k = first; k <= last; k++) oracle[k] = record;
    }
    const db = reader(w);
    for (let k = 0; k < 256; k++) expect(db.get(`203.0.113.${k}`), `203.0.113.${k}`).toEqual(oracle[k]);
    expect(db.get('203.0.112.255')).toBeNull();
    expect(db.get('203.0.114.0')).toBeNull();
  });
});

describe('IPv4 in an IPv6 tree', () => {
  it('stores IPv4 at ::/96, where readers look for it', () => {
    const w = writer();
    w.insertNetwork('1.2.3.0/24', asn(1));
    const db = reader(w);
    expect(db.metadata.ipVersion).toBe(6);
    expect(db.get('1.2.3.4')).toEqual(asn(1));
    expect(db.get('::1.2.3.4')).toEqual(asn(1));
    expect(db.getWithPrefixLength('::102:304')).toEqual([asn(1), 120]);
  });

  it('answers IPv4-mapped, 6to4 and Teredo addresses as IPv4 where no data says otherwise', () => {
    const w = writer();
    w.insertNetwork('1.2.3.0/24', asn(1));
    const result = w.write();
    const db = new Reader<Asn>(result.bytes);
    expect(result.aliases).toEqual({ '::ffff:0:0/96': 'applied', '2001::/32': 'applied', '2002::/16': 'applied' });
    expect(db.get('::ffff:1.2.3.4')).toEqual(asn(1));
    expect(db.get('::ffff:1.2.4.0')).toBeNull();
    expect(db.get('2002:102:304::1')).toEqual(asn(1)); // 6to4: bits 16-47 are the IPv4 address
    expect(db.get('2001:0:102:3ff::')).toEqual(asn(1)); // Teredo: bits 32-63 are the server's
  });

  it('points the aliases at the one IPv4 subtree instead of copying it', () => {
    const fill = (w: MmdbWriter) => {
      for (let i = 0; i < 300; i++) w.insertNetwork(`10.${i >> 8}.${i & 255}.0/24`, asn(i + 1));
      return w.write().nodeCount;
    };
    const aliased = fill(writer());
    const plain = fill(writer({ ipv4Aliases: [] }));
    expect(plain).toBeGreaterThan(300);
    // Only the paths down to the three alias networks are new: at most 16 + 32 + 16 nodes.
    expect(aliased - plain).toBeLessThanOrEqual(64);
  });

  it('lets data win inside an alias network: all of it, or the part the data covers', () => {
    const w = writer();
    w.insertNetwork('1.2.3.0/24', asn(1));
    w.insertNetwork('2002::/16', asn(6939, 'Hurricane Electric LLC'));
    w.insertNetwork('2001:0:1234::/48', asn(2));
    const result = w.write();
    expect(result.aliases).toEqual({ '::ffff:0:0/96': 'applied', '2001::/32': 'partial', '2002::/16': 'covered' });
    const db = new Reader<Asn>(result.bytes);
    expect(db.get('2002:102:304::')).toEqual(asn(6939, 'Hurricane Electric LLC'));
    expect(db.get('2001:0:1234:5678::')).toEqual(asn(2));
    expect(db.get('2001:0:102:3ff::')).toEqual(asn(1));
    expect(db.get('2001:0:102:400::')).toBeNull();
  });

  it('can do without aliases, and refuses aliases that would lead into themselves', () => {
    const w = writer({ ipv4Aliases: [] });
    w.insertNetwork('1.2.3.0/24', asn(1));
    const db = reader(w);
    expect(db.get('1.2.3.4')).toEqual(asn(1));
    expect(db.get('::ffff:1.2.3.4')).toBeNull();
    expect(() => writer({ ipv4Aliases: ['::/64'] })).toThrow(/overlaps ::\/96/);
    expect(() => writer({ ipv4Aliases: ['::1.2.3.0/120'] })).toThrow(/overlaps ::\/96/);
    expect(() => writer({ ipv4Aliases: ['2002::/16', '2002:1::/32'] })).toThrow(/overlap/);
    expect(() => writer({ ipVersion: 4, ipv4Aliases: ['::ffff:0:0/96'] })).toThrow(/IPv6 tree/);
  });

  it('writes IPv4-only trees (ip_version 4) too', () => {
    const w = writer({ ipVersion: 4 });
    w.insertRange('1.0.4.7', '1.0.9.3', asn(1));
    w.insertNetwork('0.0.0.0/1', asn(2));
    w.insertNetwork('1.0.6.0/24', asn(3));
    const db = reader(w);
    expect(db.metadata.ipVersion).toBe(4);
    expect(db.get('1.0.4.7')).toEqual(asn(2)); // the /1 came later and covers it
    expect(db.get('1.0.6.9')).toEqual(asn(3));
    expect(db.get('128.0.0.0')).toBeNull();
  });
});

describe('record sizes', () => {
  const networks = (w: MmdbWriter) => {
    w.insertRange('1.0.4.7', '1.0.9.3', asn(1));
    w.insertNetwork('2c0f:ffe8::/32', asn(2));
    w.insertRange('2001:db8::5', '2001:db8::1:0', asn(3));
    return w;
  };

  it.each([24, 28, 32] as const)('reads back the same answers with %i-bit records', (recordSize) => {
    const w = networks(writer({ recordSize }));
    const result = w.write();
    expect(result.recordSize).toBe(recordSize);
    const db = new Reader<Asn>(result.bytes);
    expect(db.metadata.recordSize).toBe(recordSize);
    expect(db.metadata.searchTreeSize).toBe((result.nodeCount * recordSize * 2) / 8);
    expectRange(db, '1.0.4.7', '1.0.9.3', asn(1), { before: null, after: null });
    expectRange(db, '2c0f:ffe8::', '2c0f:ffe8:ffff:ffff:ffff:ffff:ffff:ffff', asn(2), { before: null, after: null });
    expectRange(db, '2001:db8::5', '2001:db8::1:0', asn(3), { before: null, after: null });
    expect(db.get('::ffff:1.0.5.5')).toEqual(asn(1));
  });

  it('picks the smallest size that holds the largest record value', () => {
    expect(networks(writer()).write().recordSize).toBe(24);
    expect(recordSizeFor(2 ** 24 - 1)).toBe(24);
    expect(recordSizeFor(2 ** 24)).toBe(28);
    expect(recordSizeFor(2 ** 28 - 1)).toBe(28);
    expect(recordSizeFor(2 ** 28)).toBe(32);
    expect(recordSizeFor(2 ** 32 - 1)).toBe(32);
    expect(() => recordSizeFor(2 ** 32)).toThrow(/too large/);
  });

  it('moves to 28 bits when a record lies beyond 2^24, with the high nibbles in the middle byte', () => {
    // A data section over 16 MiB: a record behind two 9 MB strings needs a 25-bit pointer.
    const w = writer();
    w.insertNetwork('1.0.0.0/24', { blob: 'x'.repeat(9_000_000), more: 'y'.repeat(9_000_000) });
    w.insertNetwork('1.0.1.0/24', asn(1));
    w.insertNetwork('2001:db8::/32', asn(2));
    const result = w.write();
    expect(result.recordSize).toBe(28);
    const db = new Reader<Asn>(result.bytes);
    expect(db.get('1.0.1.1')).toEqual(asn(1));
    expect(db.get('2001:db8::1')).toEqual(asn(2));
    expect(db.get('1.0.2.0')).toBeNull();
    expect(() => {
      const forced = writer({ recordSize: 24 });
      forced.insertNetwork('1.0.0.0/24', { blob: 'x'.repeat(9_000_000), more: 'y'.repeat(9_000_000) });
      forced.insertNetwork('1.0.1.0/24', asn(1));
      forced.write();
    }).toThrow(/24-bit records cannot hold/);
  });
});

describe('the data section', () => {
  const occurrences = (haystack: Buffer, needle: string) => {
    let count = 0;
    for (let at = haystack.indexOf(needle); at >= 0; at = haystack.indexOf(needle, at + 1)) count++;
    return count;
  };

  it('stores a record shared by many networks once, equal objects included', () => {
    const w = writer();
    const shared = asn(13335, 'Cloudflare, Inc.');
    w.insertNetwork('1.0.0.0/24', shared);
    w.insertNetwork('1.1.1.0/24', { ...shared });
    w.insertRange('2606:4700::', '2606:4700:ffff:ffff:ffff:ffff:ffff:ffff', asn(13335, 'Cloudflare, Inc.'));
    w.insertNetwork('8.8.8.0/24', asn(15169, 'Google LLC'));
    const result = w.write();
    expect(result.records).toBe(2);
    expect(occurrences(result.bytes, 'Cloudflare, Inc.')).toBe(1);
    const db = new Reader<Asn>(result.bytes);
    for (const ip of ['1.0.0.1', '1.1.1.1', '2606:4700::1111']) expect(db.get(ip)).toEqual(shared);
    expect(db.get('8.8.8.8')).toEqual(asn(15169, 'Google LLC'));
  });

  it('writes each map key once and points at it from every other record', () => {
    const w = writer();
    for (let i = 0; i < 50; i++) w.insertNetwork(`10.0.${i}.0/24`, asn(64_512 + i, `Org ${i}`));
    const result = w.write();
    expect(result.records).toBe(50);
    expect(occurrences(result.bytes, 'autonomous_system_organization')).toBe(1);
    const db = new Reader<Asn>(result.bytes);
    for (let i = 0; i < 50; i++) expect(db.get(`10.0.${i}.9`)).toEqual(asn(64_512 + i, `Org ${i}`));
  });

  it('leaves out records no network points at any more', () => {
    const w = writer();
    w.insertNetwork('10.0.0.0/24', asn(1, 'Overwritten Org'));
    w.insertNetwork('10.0.0.0/16', asn(2));
    const result = w.write();
    expect(result.records).toBe(1);
    expect(occurrences(result.bytes, 'Overwritten Org')).toBe(0);
  });

  it('round-trips every type a record may hold', () => {
    const long = 'é'.repeat(40_000); // 80,000 bytes: the longest size form
    const record: MmdbValue = {
      utf8: 'Zürich',
      empty: '',
      medium: 'm'.repeat(300),
      long,
      uint16: mmdbType.uint16(65_535),
      uint32: 4_294_967_295,
      zero: 0,
      int32: -123_456,
      uint64: 18_446_744_073_709_551_615n,
      uint128: 2n ** 127n + 5n,
      double: 3.25,
      float: mmdbType.float(1.5),
      yes: true,
      no: false,
      bytes: new Uint8Array([0, 1, 254, 255]),
      list: ['a', 1, { nested: [true] }],
      names: { en: 'Geneva', fr: 'Genève' },
    };
    const w = writer();
    w.insertNetwork('192.0.2.0/24', record);
    const db = new Reader<Record<string, unknown>>(w.toBuffer());
    const value = db.get('192.0.2.1');
    expect(value).toMatchObject({
      utf8: 'Zürich',
      empty: '',
      medium: 'm'.repeat(300),
      long,
      uint16: 65_535,
      uint32: 4_294_967_295,
      zero: 0,
      int32: -123_456,
      double: 3.25,
      float: 1.5,
      yes: true,
      no: false,
      list: ['a', 1, { nested: [true] }],
      names: { en: 'Geneva', fr: 'Genève' },
    });
    // The reader returns uint64 and uint128 as numbers or bigints depending on size; compare as text.
    expect(String(value?.uint64)).toBe('18446744073709551615');
    expect(String(value?.uint128)).toBe(String(2n ** 127n + 5n));
    expect(Buffer.from(value?.bytes as Uint8Array)).toEqual(Buffer.from([0, 1, 254, 255]));
  });
});

describe('metadata', () => {
  it('carries the format version, build time, type, description, languages, IP version, node count and record size', () => {
    const w = writer({ databaseType: 'PathLedger-ASN', description: { en: 'IP to AS', de: 'IP zu AS' } });
    w.insertNetwork('192.0.2.0/24', asn(1));
    const result = w.write();
    const { metadata } = new Reader<Asn>(result.bytes);
    expect(metadata).toMatchObject({
      binaryFormatMajorVersion: 2,
      binaryFormatMinorVersion: 0,
      databaseType: 'PathLedger-ASN',
      description: { en: 'IP to AS', de: 'IP zu AS' },
      languages: ['en', 'de'],
      ipVersion: 6,
      nodeCount: result.nodeCount,
      recordSize: 24,
    });
    expect(metadata.buildEpoch.getTime()).toBe(1_700_000_000_000);
    // The 16-byte separator sits between the tree and the data section.
    const treeBytes = (result.nodeCount * 24 * 2) / 8;
    expect(result.bytes.subarray(treeBytes, treeBytes + 16).equals(Buffer.alloc(16))).toBe(true);
    expect(result.bytes.lastIndexOf(Buffer.from('\xab\xcd\xefMaxMind.com', 'latin1'))).toBe(treeBytes + 16 + result.dataSectionBytes);
  });

  it('writes the same bytes for the same inserts, and stays usable after a write', () => {
    const w = writer();
    w.insertNetwork('192.0.2.0/24', asn(1));
    const first = w.toBuffer();
    expect(w.toBuffer().equals(first)).toBe(true);
    w.insertNetwork('198.51.100.0/24', asn(2));
    const db = reader(w);
    expect(db.get('192.0.2.1')).toEqual(asn(1));
    expect(db.get('198.51.100.1')).toEqual(asn(2));
  });

  it('writes a valid file with no data at all', () => {
    const db = reader(writer());
    expect(db.metadata.nodeCount).toBe(1);
    expect(db.get('1.2.3.4')).toBeNull();
    expect(db.get('2001:db8::1')).toBeNull();
  });
});
