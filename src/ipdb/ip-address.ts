// IP addresses and networks as the MaxMind DB writer needs them: one unsigned integer per
// address, so that ranges can be compared and cut into prefixes with plain arithmetic.
import ipaddr from 'ipaddr.js';

export interface IpAddress {
  readonly family: 4 | 6;
  /** The address as an unsigned integer: 32 bits for IPv4, 128 bits for IPv6. */
  readonly value: bigint;
}

export interface IpNetwork {
  readonly address: IpAddress;
  readonly prefixLength: number;
}

export const IPV4_BITS = 32;
export const IPV6_BITS = 128;

export class IpAddressError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'IpAddressError';
  }
}

export function bitsOf(family: 4 | 6): number {
  return family === 4 ? IPV4_BITS : IPV6_BITS;
}

/** Parsed by hand: the ASN build parses about a million addresses, and this is its hot path. */
export function parseIpAddress(text: string): IpAddress {
  const ipv4 = parseDottedQuad(text);
  if (ipv4 !== null) return { family: 4, value: BigInt(ipv4) };
  const ipv6 = parseIpv6(text);
  if (ipv6 === null) throw new IpAddressError(`"${text}" is not an IP address`);
  return { family: 6, value: ipv6 };
}

/**
 * RFC 4291 text: eight groups of 1-4 hex digits, one "::" for a run of zero groups, optionally a
 * dotted quad as the last 32 bits. Zone indexes ("%eth0") are refused: they name no network.
 */
export function parseIpv6(text: string): bigint | null {
  const gap = text.indexOf('::');
  if (gap >= 0 && text.indexOf('::', gap + 1) >= 0) return null;
  const head = gap >= 0 ? groups(text.slice(0, gap), false) : groups(text, true);
  const tail = gap >= 0 ? groups(text.slice(gap + 2), true) : [];
  if (head === null || tail === null) return null;
  const count = head.length + tail.length;
  if (gap >= 0 ? count > 7 : count !== 8) return null;
  let value = 0n;
  for (const group of head) value = (value << 16n) | BigInt(group);
  if (gap >= 0) value <<= BigInt(16 * (8 - count));
  for (const group of tail) value = (value << 16n) | BigInt(group);
  return value;
}

/** The 16-bit groups of one side of "::"; a dotted quad, allowed only at the very end, counts as two. */
function groups(text: string, quadAllowed: boolean): number[] | null {
  if (text === '') return [];
  const parts = text.split(':');
  const result: number[] = [];
  for (let i = 0; i < parts.length; i++) {
    const part = parts[i]!;
    if (quadAllowed && i === parts.length - 1 && part.includes('.')) {
      const quad = parseDottedQuad(part);
      if (quad === null) return null;
      result.push(Math.floor(quad / 0x10000), quad & 0xffff);
    } else {
      if (!/^[0-9a-fA-F]{1,4}$/.test(part)) return null;
      result.push(parseInt(part, 16));
    }
  }
  return result;
}

/** The address as a 32-bit number, or null when the text is not a strict dotted quad. */
export function parseDottedQuad(text: string): number | null {
  let value = 0;
  let octet = 0;
  let digits = 0;
  let dots = 0;
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i);
    if (code === 46 /* . */) {
      if (digits === 0 || dots === 3) return null;
      value = value * 256 + octet;
      octet = 0;
      digits = 0;
      dots++;
    } else if (code >= 48 && code <= 57) {
      // A leading zero ("010") is refused: some tools read it as octal.
      if (digits > 0 && octet === 0) return null;
      octet = octet * 10 + (code - 48);
      if (octet > 255) return null;
      digits++;
    } else {
      return null;
    }
  }
  if (digits === 0 || dots !== 3) return null;
  return value * 256 + octet;
}

/** "192.0.2.0/24" or "2001:db8::/32"; host bits must be zero, so a typo cannot widen a network. */
export function parseIpNetwork(text: string): IpNetwork {
  const slash = text.indexOf('/');
  if (slash < 0) throw new IpAddressError(`"${text}" is not a network: expected address/prefix-length`);
  const address = parseIpAddress(text.slice(0, slash));
  const lengthText = text.slice(slash + 1);
  const bits = bitsOf(address.family);
  const prefixLength = /^\d{1,3}$/.test(lengthText) ? Number(lengthText) : Number.NaN;
  if (!(prefixLength >= 0 && prefixLength <= bits)) {
    throw new IpAddressError(`"${text}" is not a network: the prefix length must be 0 to ${bits}`);
  }
  const hostMask = (1n << BigInt(bits - prefixLength)) - 1n;
  if ((address.value & hostMask) !== 0n) {
    throw new IpAddressError(`"${text}" is not a network: bits are set after the first ${prefixLength}`);
  }
  return { address, prefixLength };
}

export function formatIpAddress(address: IpAddress): string {
  if (address.family === 4) {
    const v = Number(address.value);
    return `${Math.floor(v / 0x1000000)}.${(v >>> 16) & 0xff}.${(v >>> 8) & 0xff}.${v & 0xff}`;
  }
  const parts: number[] = [];
  for (let shift = 112n; shift >= 0n; shift -= 16n) parts.push(Number((address.value >> shift) & 0xffffn));
  return ipaddr.fromByteArray(parts.flatMap((part) => [part >> 8, part & 0xff])).toString();
}
