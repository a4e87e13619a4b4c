// Each range that must never be looked up, at its edges, and the public addresses just outside.
import { describe, expect, it } from 'vitest';
import { parseAddress } from '../../src/path/address.ts';
import { isSpecial, isSpecialAddress, specialRangeOf } from '../../src/path/special-addresses.ts';

const special: [range: string, addresses: string[], expected: string][] = [
  ['10/8 (RFC 1918)', ['10.0.0.0', '10.255.255.255'], 'private'],
  ['172.16/12 (RFC 1918)', ['172.16.0.0', '172.31.255.255'], 'private'],
  ['192.168/16 (RFC 1918)', ['192.168.0.1', '192.168.255.255'], 'private'],
  ['100.64/10 (CGNAT)', ['100.64.0.0', '100.127.255.255'], 'carrierGradeNat'],
  ['127/8', ['127.0.0.1', '127.255.255.254'], 'loopback'],
  ['169.254/16', ['169.254.0.1', '169.254.255.255'], 'linkLocal'],
  ['192.0.2/24 (TEST-NET-1)', ['192.0.2.0', '192.0.2.255'], 'reserved'],
  ['198.51.100/24 (TEST-NET-2)', ['198.51.100.1', '198.51.100.255'], 'reserved'],
  ['203.0.113/24 (TEST-NET-3)', ['203.0.113.1', '203.0.113.255'], 'reserved'],
  ['198.18/15 (benchmarking)', ['198.18.0.1', '198.19.255.255'], 'reserved'],
  ['240/4 (class E)', ['240.0.0.1'], 'reserved'],
  ['224/4 multicast', ['224.0.0.1', '239.255.255.255'], 'multicast'],
  ['0/8 unspecified', ['0.0.0.0', '0.1.2.3'], 'unspecified'],
  ['broadcast', ['255.255.255.255'], 'broadcast'],
  ['::1', ['::1'], 'loopback'],
  ['::', ['::'], 'unspecified'],
  ['fe80::/10', ['fe80::1', 'febf:ffff::1', 'fe80::1%eth0'], 'linkLocal'],
  ['fc00::/7', ['fc00::1', 'fd12:3456:789a::1'], 'uniqueLocal'],
  ['2001:db8::/32 (documentation)', ['2001:db8::1', '2001:db8:ffff:ffff::1'], 'reserved'],
  ['3fff::/20 (documentation)', ['3fff::1'], 'reserved'],
  ['ff00::/8 multicast', ['ff02::1', 'ff0e::1'], 'multicast'],
  ['64:ff9b::/96 NAT64', ['64:ff9b::808:808'], 'rfc6052'],
  ['2002::/16 6to4', ['2002:808:808::1'], '6to4'],
  ['2001::/32 Teredo', ['2001:0:4136:e378::1'], 'teredo'],
  ['IPv4-mapped private', ['::ffff:10.1.2.3', '::ffff:192.168.1.1', '::FFFF:172.16.0.1'], 'private'],
  ['IPv4-mapped loopback', ['::ffff:127.0.0.1', '::ffff:7f00:1'], 'loopback'],
  ['IPv4-mapped CGNAT', ['::ffff:100.64.0.1'], 'carrierGradeNat'],
  ['IPv4-mapped link-local', ['::ffff:169.254.1.1'], 'linkLocal'],
  ['IPv4-mapped documentation', ['::ffff:192.0.2.1', '::ffff:198.51.100.7', '::ffff:203.0.113.9'], 'reserved'],
  ['IPv4-mapped multicast', ['::ffff:224.0.0.251'], 'multicast'],
];

const publicAddresses = [
  '8.8.8.8', '1.1.1.1', '81.2.69.160',
  // just outside the ranges above
  '9.255.255.255', '11.0.0.0', '172.15.255.255', '172.32.0.0', '192.167.255.255', '192.169.0.0',
  '100.63.255.255', '100.128.0.0', '126.255.255.255', '128.0.0.0', '169.253.255.255', '169.255.0.0',
  '192.0.1.255', '192.0.3.0', '198.51.99.255', '198.51.101.0', '203.0.112.255', '203.0.114.0', '223.255.255.255',
  '2001:4860:4860::8888', '2a00:1450:4001::1', '2001:db9::1', '2001:db7:ffff::1', 'fbff::1', 'fe00::1',
  '::ffff:8.8.8.8', '::ffff:808:808',
];

describe('isSpecialAddress', () => {
  for (const [range, addresses, expected] of special) {
    it(`treats ${range} as special`, () => {
      for (const address of addresses) {
        expect(specialRangeOf(address), address).toBe(expected);
        expect(isSpecialAddress(address), address).toBe(true);
      }
    });
  }

  it('looks up public unicast addresses, including those just outside each range', () => {
    for (const address of publicAddresses) expect(specialRangeOf(address), address).toBeNull();
  });

  it('refuses strings that are not addresses, and the loose IPv4 forms the readers do not accept', () => {
    for (const text of ['', 'example.com', '256.1.1.1', '1.2.3', '127.1', '2130706433', '0x7f.0.0.1', '010.0.0.1', '1::2::3', '8.8.8.8/32']) {
      expect(() => isSpecialAddress(text), text).toThrow(TypeError);
    }
  });
});

describe('isSpecial, on a parsed address', () => {
  it('agrees with isSpecialAddress on every address above and on random ones, IPv4 and IPv6', () => {
    let state = 12345;
    const next = () => (state = (Math.imul(state, 1103515245) + 12345) >>> 0);
    const random = Array.from({ length: 20_000 }, (_, i) =>
      i % 4 === 3
        ? // IPv6 around the special blocks: the first hextet from a few interesting values.
          `${['2001', '2002', '64', 'fe80', 'fc00', 'ff02', '3fff', '2a00', '100', '5f00'][next() % 10]}:${(next() % 65536).toString(16)}::${(next() % 65536).toString(16)}`
        : `${next() % 256}.${next() % 256}.${next() % 256}.${next() % 256}`,
    );
    const listed = [...special.flatMap(([, addresses]) => addresses), ...publicAddresses];
    for (const address of [...listed, ...random]) {
      const parsed = parseAddress(address);
      expect(parsed, address).not.toBeNull();
      expect(isSpecial(parsed!), address).toBe(isSpecialAddress(address));
    }
  });
});
