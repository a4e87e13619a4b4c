import { describe, expect, it } from 'vitest';
import { canonicalPrefix } from '../../src/domain/validate.ts';
import { PrefixTable } from '../../src/path/prefix-table.ts';

describe('PrefixTable', () => {
  const table = new PrefixTable<string>();
  table.set('79.192.0.0/10', 'sp1 block');
  table.set('79.214.0.0/16', 'sp1 Berlin');
  table.set('79.214.61.102', 'client 102');
  table.set('2003::/19', 'sp1 v6');
  table.set('2003:e5:1f04:8a00::/56', 'client 102 v6');

  it('answers with the most specific prefix holding the address', () => {
    expect(table.match('79.214.61.102')).toEqual({ prefix: '79.214.61.102/32', value: 'client 102' });
    expect(table.match('79.214.61.103')?.value).toBe('sp1 Berlin');
    expect(table.match('79.200.1.1')?.value).toBe('sp1 block');
    expect(table.match('2003:e5:1f04:8a00::102')?.value).toBe('client 102 v6');
    expect(table.match('2003:1::1')?.value).toBe('sp1 v6');
  });

  it('has edges exactly where the prefixes end', () => {
    expect(table.match('79.192.0.0')?.value).toBe('sp1 block');
    expect(table.match('79.255.255.255')?.value).toBe('sp1 block');
    expect(table.match('79.191.255.255')).toBeNull();
    expect(table.match('80.0.0.0')).toBeNull();
  });

  it('treats IPv4-mapped IPv6 as IPv4 and keeps the families apart', () => {
    expect(table.match('::ffff:79.214.61.102')?.value).toBe('client 102');
    expect(table.match('::4fd6:3d66')).toBeNull(); // the same 32 bits, but IPv6
  });

  it('replaces a prefix set twice and counts it once', () => {
    const t = new PrefixTable<number>();
    t.set('10.0.0.0/8', 1);
    t.set('10.1.2.3/8', 2); // the same prefix once host bits are cleared
    expect(t.size).toBe(1);
    expect(t.match('10.9.9.9')?.value).toBe(2);
  });

  it('matches everything under a default route', () => {
    const t = new PrefixTable<string>();
    t.set('0.0.0.0/0', 'default');
    expect(t.match('203.0.113.7')?.value).toBe('default');
    expect(t.match('2001:db8::1')).toBeNull();
  });

  it('refuses what is not a prefix, and never matches what is not an address', () => {
    expect(() => new PrefixTable().set('10.0.0.0/33', 1)).toThrow(/Not a prefix/);
    expect(table.match('not an address')).toBeNull();
  });
});

describe('canonicalPrefix', () => {
  it('clears host bits and refuses malformed prefixes', () => {
    expect(canonicalPrefix('79.214.61.102/10')).toBe('79.192.0.0/10');
    expect(canonicalPrefix('2003:E5::1/19')).toBe('2003::/19');
    expect(canonicalPrefix('192.0.2.1')).toBe('192.0.2.1/32');
    for (const bad of ['10.0.0.0/', '10.0.0.0/8/8', '10.0.0/8', '10.0.0.0/-1', '::/129', 'x/8']) expect(canonicalPrefix(bad)).toBeNull();
  });
});
