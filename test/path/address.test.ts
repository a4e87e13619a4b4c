// The parse-once address: the same canonical text as the API's canonicalAddress for every input,
// accepted or not, and the right bytes.
import { describe, expect, it } from 'vitest';
import { canonicalAddress } from '../../src/domain/validate.ts';
import { parseAddress } from '../../src/path/address.ts';

const inputs = [
  '0.0.0.0', '1.2.3.4', '255.255.255.255', '79.214.61.102', '10.0.0.1',
  // not addresses, or not in the strict form the readers accept
  '256.1.1.1', '1.2.3', '1.2.3.4.5', '01.2.3.4', '1.2.3.04', '1.2.3.4 ', ' 1.2.3.4', '1..2.3', '1.2.3.', '.1.2.3', '127.1', '2130706433', '0x7f.0.0.1', '', 'a.b.c.d', '1.2.3.4/32',
  '2001:db8::1', '2003:E5:1F04:8A00::102', '::', '::1', '::ffff:192.0.2.1', '::FFFF:7f00:1', 'fe80::1%eth0', '2001:db8:0:0:0:0:0:1',
  '2001:db8::g', ':::', '2001:db8::1::1', '::ffff:1.2.3', '[2001:db8::1]',
];

describe('parseAddress', () => {
  it.each(inputs)('agrees with canonicalAddress on %j', (input) => {
    expect(parseAddress(input)?.text ?? null).toBe(canonicalAddress(input));
  });

  it('gives IPv4 as 4 bytes, IPv6 as 16, and IPv4-mapped IPv6 as IPv4', () => {
    expect(parseAddress('79.214.61.102')).toEqual({ text: '79.214.61.102', family: 4, bytes: Uint8Array.from([79, 214, 61, 102]) });
    expect(parseAddress('::ffff:10.1.2.3')).toEqual({ text: '10.1.2.3', family: 4, bytes: Uint8Array.from([10, 1, 2, 3]) });
    const v6 = parseAddress('2003:e5:1f04:8a00::102')!;
    expect(v6.family).toBe(6);
    expect([...v6.bytes]).toEqual([0x20, 0x03, 0x00, 0xe5, 0x1f, 0x04, 0x8a, 0x00, 0, 0, 0, 0, 0, 0, 0x01, 0x02]);
  });
});
