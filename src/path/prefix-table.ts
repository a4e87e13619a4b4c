// Longest-prefix match over IPv4 and IPv6, in memory: the operators' own prefixes and registered
// addresses are consulted for every endpoint of every transfer, before the IP database, so the
// lookup is a walk down a binary trie, not a query.
import ipaddr from 'ipaddr.js';
import { canonicalPrefix } from '../domain/validate.ts';
import { parseAddress, type Address } from './address.ts';

interface TrieNode<T> {
  zero?: TrieNode<T>;
  one?: TrieNode<T>;
  entry?: { prefix: string; value: T };
}

export interface PrefixMatch<T> {
  prefix: string;
  value: T;
}

export class PrefixTable<T> {
  private readonly roots = { ipv4: {} as TrieNode<T>, ipv6: {} as TrieNode<T> };
  private count = 0;

  get size(): number {
    return this.count;
  }

  /** Adds or replaces the value of a prefix ("10.0.0.0/8", "2001:db8::/32", or an address). */
  set(prefix: string, value: T): void {
    const canonical = canonicalPrefix(prefix);
    if (canonical === null) throw new TypeError(`Not a prefix: ${prefix}`);
    const [address, length] = canonical.split('/') as [string, string];
    const parsed = ipaddr.parse(address);
    const bytes = parsed.toByteArray();
    let node = this.roots[parsed.kind()];
    for (let bit = 0; bit < Number(length); bit++) {
      const key = (bytes[bit >> 3]! >> (7 - (bit & 7))) & 1 ? 'one' : 'zero';
      node = node[key] ??= {};
    }
    if (!node.entry) this.count++;
    node.entry = { prefix: canonical, value };
  }

  /** The most specific prefix holding the address (text, or parsed), or null. */
  match(address: string | Address): PrefixMatch<T> | null {
    const parsed = typeof address === 'string' ? parseAddress(address) : address;
    if (parsed === null) return null;
    const { bytes } = parsed;
    let node: TrieNode<T> | undefined = parsed.family === 4 ? this.roots.ipv4 : this.roots.ipv6;
    let best: PrefixMatch<T> | null = null;
    for (let bit = 0; node; bit++) {
      if (node.entry) best = node.entry;
      if (bit === bytes.length * 8) break;
      node = (bytes[bit >> 3]! >> (7 - (bit & 7))) & 1 ? node.one : node.zero;
    }
    return best;
  }
}
