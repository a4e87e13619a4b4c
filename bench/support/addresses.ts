// Addresses for benches: the same ones on every run (a fixed seed), public, four in five IPv4 and
// the rest IPv6 from the block actually allocated (2000::/4).
import { isSpecialAddress } from '../../src/path/special-addresses.ts';

/** A small seeded generator (mulberry-like) of numbers in [0, 1). */
export function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (Math.imul(state ^ (state >>> 15), 0x2c1b3c6d) + 0x6d2b79f5) >>> 0;
    return ((state ^ (state >>> 12)) >>> 0) / 2 ** 32;
  };
}

/** `count` public addresses for which `keep` holds (all by default). */
export function publicAddresses(count: number, seed: number, keep: (address: string) => boolean = () => true): string[] {
  const next = seededRandom(seed);
  const byte = () => Math.floor(next() * 256);
  const hextet = () => Math.floor(next() * 65536).toString(16);
  const addresses: string[] = [];
  while (addresses.length < count) {
    const address = next() < 0.8 ? `${byte()}.${byte()}.${byte()}.${byte()}` : `2${Math.floor(next() * 4096).toString(16).padStart(3, '0')}:${hextet()}:${hextet()}::${hextet()}`;
    if (!isSpecialAddress(address) && keep(address)) addresses.push(address);
  }
  return addresses;
}
