// An IP address parsed once per endpoint or hop: its canonical text (what the registry stores and
// the IP databases are asked) and its bytes (what the prefix tries walk). Every transfer has two
// addresses and every check on them (special ranges, operators' prefixes, registered hosts)
// used to parse them again; at tens of thousands of paths a second that was most of the work.
import ipaddr from 'ipaddr.js';
import { canonicalAddress } from '../domain/validate.ts';

export interface Address {
  /** As canonicalAddress gives it: IPv4-mapped IPv6 as IPv4, IPv6 compressed and lower case. */
  readonly text: string;
  readonly family: 4 | 6;
  /** 4 bytes for IPv4, 16 for IPv6, network order. */
  readonly bytes: Uint8Array;
}

const DOT = 46;
const ZERO = 48;
const NINE = 57;

/**
 * A strict dotted quad (what node:net accepts: four decimal parts of 0–255, no leading zeros), or
 * null. The common case, so it is parsed here by hand instead of by a general parser.
 */
function dottedQuad(text: string): Uint8Array | null {
  if (text.length < 7 || text.length > 15) return null;
  const bytes = new Uint8Array(4);
  let part = 0;
  let value = 0;
  let digits = 0;
  for (let i = 0; i <= text.length; i++) {
    const c = i === text.length ? DOT : text.charCodeAt(i);
    if (c === DOT) {
      if (digits === 0 || part > 3) return null;
      bytes[part++] = value;
      value = 0;
      digits = 0;
    } else if (c >= ZERO && c <= NINE) {
      // "0" alone is a part; "01" is not (node:net and the readers refuse it).
      if (digits === 1 && value === 0) return null;
      value = value * 10 + (c - ZERO);
      if (value > 255) return null;
      digits++;
    } else {
      return null;
    }
  }
  return part === 4 ? bytes : null;
}

export function parseAddress(text: string): Address | null {
  const quad = dottedQuad(text);
  if (quad !== null) return { text, family: 4, bytes: quad };
  if (!text.includes(':')) return null;
  const canonical = canonicalAddress(text);
  if (canonical === null) return null;
  const parsed = ipaddr.parse(canonical.replace(/%.*$/, ''));
  return { text: canonical, family: parsed.kind() === 'ipv4' ? 4 : 6, bytes: Uint8Array.from(parsed.toByteArray()) };
}
