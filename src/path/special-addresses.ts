// Addresses that must never be looked up in an IP database: they do not locate anybody on the
// public Internet (a 10.x client is behind somebody's NAT, a 2001:db8:: address is an example),
// so a database answer for them would be wrong or meaningless. They resolve to the host's
// registered ISP or to "unknown" instead.
//
// The rule is ipaddr.js's `range()`: only `unicast` counts as public; every other range it names is
// special. IPv4-mapped IPv6 (::ffff:a.b.c.d) is judged by the IPv4 address inside it. As of
// ipaddr.js 2.5 that makes these special:
//   IPv4  0.0.0.0/8 unspecified · 10/8, 172.16/12, 192.168/16 private (RFC 1918) ·
//         100.64/10 carrierGradeNat (RFC 6598) · 127/8 loopback · 169.254/16 linkLocal ·
//         192.0.0/24, 192.0.2/24, 192.88.99/24, 198.18/15, 198.51.100/24, 203.0.113/24, 240/4
//         reserved (IETF, TEST-NETs, 6to4 relay, benchmarking, class E) · 224/4 multicast ·
//         255.255.255.255 broadcast · 192.175.48/24, 192.31.196/24 as112 · 192.52.193/24 amt
//   IPv6  :: unspecified · ::1 loopback · fe80::/10 linkLocal · fc00::/7 uniqueLocal ·
//         ff00::/8 multicast · fec0::/10 deprecatedSiteLocal · 100::/64 discard ·
//         ::ffff:0:0:0/96 rfc6145 · 64:ff9b::/96, 64:ff9b:1::/48 rfc6052 (NAT64) ·
//         2002::/16 6to4 · 2001::/32 teredo · 2001:2::/48 benchmarking · 2001:3::/32 amt ·
//         2001:4:112::/48, 2620:4f:8000::/48 as112v6 · 2001:10::/28, 2001:20::/28, 2001:30::/28
//         orchid/drone ids · 5f00::/16 segmentRouting · 2001::/23, 2001:db8::/32, 3fff::/20
//         reserved (IETF, documentation)
// NAT64, 6to4 and Teredo addresses do embed a public IPv4 address; they stay special because the
// embedded address names a translator or relay's far side, not where the endpoint is.
import ipaddr from 'ipaddr.js';
import type { Address } from './address.ts';
import { PrefixTable } from './prefix-table.ts';

/** The ipaddr.js range an address is in ("private", "loopback"…), or null for public unicast. */
export function specialRangeOf(address: string): string | null {
  const range = parseStrict(address).range();
  return range === 'unicast' ? null : range;
}

/** True when the address must not be looked up. Throws a TypeError when it is not an address. */
export function isSpecialAddress(address: string): boolean {
  return specialRangeOf(address) !== null;
}

type SpecialRanges = Record<string, [ipaddr.IPv4 | ipaddr.IPv6, number] | [ipaddr.IPv4 | ipaddr.IPv6, number][]>;
let specialTable: PrefixTable<string> | undefined;

/**
 * ipaddr.js's own special ranges in a prefix trie: the same answer as `isSpecialAddress` for an
 * address parsed once (see address.ts), without matching it against each range in turn.
 */
export function isSpecial(address: Address): boolean {
  if (specialTable === undefined) {
    const table = new PrefixTable<string>();
    // Not in ipaddr.js's type declarations, but what its range() matches against since 1.x;
    // special-addresses.test.ts checks the two agree.
    const prototypes = [ipaddr.IPv4.prototype, ipaddr.IPv6.prototype] as unknown as { SpecialRanges: SpecialRanges }[];
    for (const { SpecialRanges: ranges } of prototypes) {
      for (const [name, entries] of Object.entries(ranges)) {
        // A range is one [address, bits] pair or a list of them.
        const list = typeof entries[1] === 'number' ? [entries as [ipaddr.IPv4 | ipaddr.IPv6, number]] : (entries as [ipaddr.IPv4 | ipaddr.IPv6, number][]);
        for (const [network, bits] of list) table.set(`${network.toString()}/${bits}`, name);
      }
    }
    specialTable = table;
  }
  return specialTable.match(address) !== null;
}

/**
 * Dotted-quad IPv4 or IPv6 (with an optional zone); IPv4-mapped IPv6 comes back as IPv4.
 * ipaddr.js alone would also accept "127.1" and "2130706433", which the database readers
 * do not, so such a string would be judged one way here and looked up another way there.
 */
function parseStrict(address: string): ipaddr.IPv4 | ipaddr.IPv6 {
  if (ipaddr.IPv4.isValidFourPartDecimal(address)) return ipaddr.IPv4.parse(address);
  if (address.includes(':') && ipaddr.IPv6.isValid(address)) {
    const v6 = ipaddr.IPv6.parse(address);
    return v6.isIPv4MappedAddress() ? v6.toIPv4Address() : v6;
  }
  throw new TypeError(`not an IP address: ${JSON.stringify(address)}`);
}
