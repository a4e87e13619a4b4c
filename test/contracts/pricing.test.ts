// Price terms to invoice lines. Every expected amount is worked out by hand in the comment next to
// it: GB = bytes / 10^9, amount = GB × rate, rounded once per line to the currency's minor unit,
// half to even. Lines are shown as [description, quantity, unit price, amount], each decimal in
// full (toFixed()), so "0" is an amount that rounded to nothing and "12.3" is 12.30.
import { describe, expect, it } from 'vitest';
import { Decimal } from 'decimal.js';
import { InputError } from '../../src/domain/input-error.ts';
import {
  bytesToGb,
  checkPriceTerms,
  checkPriceTermsList,
  invoiceTotal,
  minimumCommitmentShortfall,
  minorUnits,
  priceFlatWithOverage,
  priceGraduated,
  priceNetting,
  priceParts,
  pricePerComponent,
  priceUsage,
  priceVolume,
  roundToMinorUnit,
  type FlatWithOverageTerms,
  type GraduatedTerms,
  type InvoiceLine,
  type PriceTerms,
  type Tier,
  type VolumeTerms,
} from '../../src/contracts/pricing.ts';

const d = (value: string) => new Decimal(value);
const GB = 1_000_000_000n;
const EXABYTE = 10n ** 18n; // 10^9 GB

const rows = (lines: readonly InvoiceLine[]) => lines.map((line) => [line.description, line.quantity.toFixed(), line.unitPrice.toFixed(), line.amount.toFixed()]);
const total = (lines: readonly InvoiceLine[]) => invoiceTotal(lines).toFixed();

/** 500 EUR a month for up to 100 GB, then 0.02 EUR per GB. */
const FLAT: FlatWithOverageTerms = { kind: 'FLAT_WITH_OVERAGE', flatFee: d('500'), includedBytes: 100n * GB, overageRatePerGb: d('0.02') };

/** 0.10 per GB up to 10 GB (+ 5 on entering), 0.08 up to 50 GB, 0.05 above (+ 20 on entering). */
const TIERS: Tier[] = [
  { upToBytes: 10n * GB, ratePerGb: d('0.10'), flatFee: d('5') },
  { upToBytes: 50n * GB, ratePerGb: d('0.08') },
  { upToBytes: null, ratePerGb: d('0.05'), flatFee: d('20') },
];
const GRADUATED: GraduatedTerms = { kind: 'GRADUATED', tiers: TIERS };
const VOLUME: VolumeTerms = { kind: 'VOLUME', tiers: TIERS };

describe('bytesToGb, minorUnits, roundToMinorUnit', () => {
  it('GB is 10^9 bytes, exactly', () => {
    expect(bytesToGb(0n).toFixed()).toBe('0');
    expect(bytesToGb(1n).toFixed()).toBe('0.000000001');
    expect(bytesToGb(GB).toFixed()).toBe('1');
    expect(bytesToGb(EXABYTE).toFixed()).toBe('1000000000');
    expect(bytesToGb(2n ** 63n - 1n).toFixed()).toBe('9223372036.854775807');
  });

  it('minor units come from Intl: EUR 2, JPY 0, KWD and BHD 3', () => {
    expect(['EUR', 'USD', 'JPY', 'KWD', 'BHD'].map(minorUnits)).toEqual([2, 2, 0, 3, 3]);
  });

  it('refuses codes that are not ISO 4217, though Intl would format them', () => {
    expect(() => minorUnits('ABC')).toThrow(/"ABC" is not an ISO 4217 currency code/);
    expect(() => minorUnits('eur')).toThrow(/"eur" is not an ISO 4217 currency code/);
  });

  it.each([
    ['0.005', 'EUR', '0'], // half: to the even 0.00
    ['0.015', 'EUR', '0.02'], // half: to the even 0.02
    ['0.025', 'EUR', '0.02'],
    ['0.035', 'EUR', '0.04'],
    ['0.0150000001', 'EUR', '0.02'], // above half: up
    ['0.0249999999', 'EUR', '0.02'], // below half: down
    ['2.5', 'JPY', '2'],
    ['3.5', 'JPY', '4'],
    ['1234.49', 'JPY', '1234'],
    ['1.0005', 'KWD', '1'], // 1.000
    ['1.0015', 'KWD', '1.002'],
    ['0.0125', 'BHD', '0.012'],
  ])('%s %s rounds half to even to %s', (amount, currency, rounded) => {
    expect(roundToMinorUnit(d(amount), currency).toFixed()).toBe(rounded);
  });
});

describe('FLAT_WITH_OVERAGE: 500 EUR including 100 GB, then 0.02 EUR/GB', () => {
  it.each([
    ['no usage: the flat fee alone', 0n, [['Flat fee', '1', '500', '500']], '500'],
    ['1 byte under the included 100 GB', 100n * GB - 1n, [['Flat fee', '1', '500', '500']], '500'],
    ['exactly the included 100 GB: no overage line', 100n * GB, [['Flat fee', '1', '500', '500']], '500'],
    // 0.000000001 GB × 0.02 = 0.00000000002 → 0.00: the line is there, and is worth nothing.
    ['1 byte over', 100n * GB + 1n, [['Flat fee', '1', '500', '500'], ['Usage above 100 GB', '0.000000001', '0.02', '0']], '500'],
    // 50 GB × 0.02 = 1.00
    ['150 GB', 150n * GB, [['Flat fee', '1', '500', '500'], ['Usage above 100 GB', '50', '0.02', '1']], '501'],
    // (10^9 − 100) GB × 0.02 = 999,999,900 × 0.02 = 19,999,998.00
    ['10^18 bytes', EXABYTE, [['Flat fee', '1', '500', '500'], ['Usage above 100 GB', '999999900', '0.02', '19999998']], '20000498'],
  ] as const)('%s', (_, bytes, lines, expectedTotal) => {
    const priced = priceFlatWithOverage(FLAT, bytes, 'EUR');
    expect(rows(priced)).toEqual(lines);
    expect(total(priced)).toBe(expectedTotal);
  });

  it('a flat fee of 0 is still a line', () => {
    expect(rows(priceFlatWithOverage({ ...FLAT, flatFee: d('0') }, 0n, 'EUR'))).toEqual([['Flat fee', '1', '0', '0']]);
  });

  it('in yen, 2.5 JPY rounds to 2 and 7.5 JPY to 8', () => {
    // 10,000 JPY for 1000 GB, then 2.5 JPY/GB: 1 GB over is 2.5 → 2; 3 GB over is 7.5 → 8.
    const yen: FlatWithOverageTerms = { kind: 'FLAT_WITH_OVERAGE', flatFee: d('10000'), includedBytes: 1000n * GB, overageRatePerGb: d('2.5') };
    expect(rows(priceFlatWithOverage(yen, 1001n * GB, 'JPY'))[1]).toEqual(['Usage above 1000 GB', '1', '2.5', '2']);
    expect(rows(priceFlatWithOverage(yen, 1003n * GB, 'JPY'))[1]).toEqual(['Usage above 1000 GB', '3', '2.5', '8']);
  });
});

describe('GRADUATED: 0.10/GB to 10 GB (+5), 0.08/GB to 50 GB, 0.05/GB above (+20), EUR', () => {
  const TIER_1 = 'Tier 1 (up to 10 GB)';
  const TIER_2 = 'Tier 2 (over 10 GB up to 50 GB)';
  const TIER_3 = 'Tier 3 (over 50 GB)';

  it.each([
    // Zero usage enters the first tier (it holds 0..10 GB), so its flat fee is due.
    ['no usage', 0n, [[TIER_1, '0', '0.1', '0'], [`${TIER_1} flat fee`, '1', '5', '5']], '5'],
    // 9.999999999 × 0.10 = 0.9999999999 → 1.00
    ['10 GB − 1 byte', 10n * GB - 1n, [[TIER_1, '9.999999999', '0.1', '1'], [`${TIER_1} flat fee`, '1', '5', '5']], '6'],
    // upTo is inclusive: exactly 10 GB stays in tier 1. 10 × 0.10 = 1.00
    ['10 GB exactly', 10n * GB, [[TIER_1, '10', '0.1', '1'], [`${TIER_1} flat fee`, '1', '5', '5']], '6'],
    // 1 byte in tier 2: 0.000000001 × 0.08 → 0.00
    ['10 GB + 1 byte', 10n * GB + 1n, [[TIER_1, '10', '0.1', '1'], [`${TIER_1} flat fee`, '1', '5', '5'], [TIER_2, '0.000000001', '0.08', '0']], '6'],
    // tier 2: 39.999999999 × 0.08 = 3.19999999992 → 3.20; 1 + 5 + 3.20 = 9.20
    ['50 GB − 1 byte', 50n * GB - 1n, [[TIER_1, '10', '0.1', '1'], [`${TIER_1} flat fee`, '1', '5', '5'], [TIER_2, '39.999999999', '0.08', '3.2']], '9.2'],
    // tier 2: 40 × 0.08 = 3.20
    ['50 GB exactly', 50n * GB, [[TIER_1, '10', '0.1', '1'], [`${TIER_1} flat fee`, '1', '5', '5'], [TIER_2, '40', '0.08', '3.2']], '9.2'],
    // entering tier 3 by 1 byte costs its flat fee of 20: 9.20 + 0.00 + 20 = 29.20
    [
      '50 GB + 1 byte',
      50n * GB + 1n,
      [[TIER_1, '10', '0.1', '1'], [`${TIER_1} flat fee`, '1', '5', '5'], [TIER_2, '40', '0.08', '3.2'], [TIER_3, '0.000000001', '0.05', '0'], [`${TIER_3} flat fee`, '1', '20', '20']],
      '29.2',
    ],
    // tier 3: (10^9 − 50) × 0.05 = 999,999,950 × 0.05 = 49,999,997.50; 1 + 5 + 3.20 + 49,999,997.50 + 20 = 50,000,026.70
    [
      '10^18 bytes',
      EXABYTE,
      [[TIER_1, '10', '0.1', '1'], [`${TIER_1} flat fee`, '1', '5', '5'], [TIER_2, '40', '0.08', '3.2'], [TIER_3, '999999950', '0.05', '49999997.5'], [`${TIER_3} flat fee`, '1', '20', '20']],
      '50000026.7',
    ],
  ] as const)('%s', (_, bytes, lines, expectedTotal) => {
    const priced = priceGraduated(GRADUATED, bytes, 'EUR');
    expect(rows(priced)).toEqual(lines);
    expect(total(priced)).toBe(expectedTotal);
  });

  it('in dinars, to the fils (3 places), half to even', () => {
    // 0.0125 KWD/GB for all usage: 1 GB is 0.0125 → 0.012 (2 is even); 3 GB is 0.0375 → 0.038.
    const dinars: GraduatedTerms = { kind: 'GRADUATED', tiers: [{ upToBytes: null, ratePerGb: d('0.0125') }] };
    expect(rows(priceGraduated(dinars, GB, 'KWD'))).toEqual([['Tier 1 (up to any usage)', '1', '0.0125', '0.012']]);
    expect(rows(priceGraduated(dinars, 3n * GB, 'KWD'))).toEqual([['Tier 1 (up to any usage)', '3', '0.0125', '0.038']]);
  });
});

describe('VOLUME: the tier of the whole usage prices all of it (same tiers, EUR)', () => {
  it.each([
    ['no usage: tier 1 and its fee', 0n, [['All usage at Tier 1 (up to 10 GB)', '0', '0.1', '0'], ['Tier 1 (up to 10 GB) flat fee', '1', '5', '5']], '5'],
    // 9.999999999 × 0.10 → 1.00; + 5
    ['10 GB − 1 byte', 10n * GB - 1n, [['All usage at Tier 1 (up to 10 GB)', '9.999999999', '0.1', '1'], ['Tier 1 (up to 10 GB) flat fee', '1', '5', '5']], '6'],
    ['10 GB exactly: still tier 1', 10n * GB, [['All usage at Tier 1 (up to 10 GB)', '10', '0.1', '1'], ['Tier 1 (up to 10 GB) flat fee', '1', '5', '5']], '6'],
    // 10.000000001 × 0.08 = 0.80000000008 → 0.80, no fee: more usage, a smaller bill (volume pricing's cliff)
    ['10 GB + 1 byte', 10n * GB + 1n, [['All usage at Tier 2 (over 10 GB up to 50 GB)', '10.000000001', '0.08', '0.8']], '0.8'],
    // 50 × 0.08 = 4.00
    ['50 GB exactly', 50n * GB, [['All usage at Tier 2 (over 10 GB up to 50 GB)', '50', '0.08', '4']], '4'],
    // 50.000000001 × 0.05 = 2.50000000005 → 2.50; + 20
    ['50 GB + 1 byte', 50n * GB + 1n, [['All usage at Tier 3 (over 50 GB)', '50.000000001', '0.05', '2.5'], ['Tier 3 (over 50 GB) flat fee', '1', '20', '20']], '22.5'],
    // 10^9 × 0.05 = 50,000,000; + 20
    ['10^18 bytes', EXABYTE, [['All usage at Tier 3 (over 50 GB)', '1000000000', '0.05', '50000000'], ['Tier 3 (over 50 GB) flat fee', '1', '20', '20']], '50000020'],
  ] as const)('%s', (_, bytes, lines, expectedTotal) => {
    const priced = priceVolume(VOLUME, bytes, 'EUR');
    expect(rows(priced)).toEqual(lines);
    expect(total(priced)).toBe(expectedTotal);
  });
});

describe('PER_COMPONENT: a rate on each network owner’s share', () => {
  it('one line per owner, in the order given, with the owner on it', () => {
    const carried = new Map([
      ['sp1', 1_234_500_000_000n], // 1234.5 GB × 0.01 = 12.345 → 12.34 (4 is even)
      ['sp2', 0n], // carried nothing: a line of 0
      ['backbone-132', 1n], // 0.000000001 × 0.01 → 0.00
      ['sp3', 1_235_500_000_000n], // 1235.5 × 0.01 = 12.355 → 12.36 (6 is even)
    ]);
    const priced = pricePerComponent({ kind: 'PER_COMPONENT', ratePerGb: d('0.01') }, carried, 'EUR');
    expect(rows(priced)).toEqual([
      ['Traffic carried by sp1', '1234.5', '0.01', '12.34'],
      ['Traffic carried by sp2', '0', '0.01', '0'],
      ['Traffic carried by backbone-132', '0.000000001', '0.01', '0'],
      ['Traffic carried by sp3', '1235.5', '0.01', '12.36'],
    ]);
    expect(priced.map((line) => line.networkOwner)).toEqual(['sp1', 'sp2', 'backbone-132', 'sp3']);
    expect(total(priced)).toBe('24.7');
  });

  it('the total is the sum of rounded lines, not the rounded exact sum', () => {
    // Three owners, 1 GB each at 0.004: each 0.004 → 0.00, so the invoice is 0.00, though 0.012 would round to 0.01.
    const carried = new Map([['sp1', GB], ['sp2', GB], ['sp3', GB]]);
    const priced = pricePerComponent({ kind: 'PER_COMPONENT', ratePerGb: d('0.004') }, carried, 'EUR');
    expect(priced.map((line) => line.amount.toFixed())).toEqual(['0', '0', '0']);
    expect(total(priced)).toBe('0');
  });

  it('exact to the last digit: where 20-digit arithmetic would round the wrong way', () => {
    // 100,000,000,499,999,995 bytes = 100,000,000.499999995 GB; × 0.0100000001 = 1,000,000.0149999999999999995 exactly,
    // which rounds down to 1,000,000.01. Rounded to 20 significant digits first, it would be 1,000,000.015, then .02.
    const priced = pricePerComponent({ kind: 'PER_COMPONENT', ratePerGb: d('0.0100000001') }, new Map([['sp1', 100_000_000_499_999_995n]]), 'EUR');
    expect(rows(priced)).toEqual([['Traffic carried by sp1', '100000000.499999995', '0.0100000001', '1000000.01']]);
  });
});

describe('MINIMUM_COMMITMENT: a shortfall line up to the minimum', () => {
  const minimum = (amount: string) => ({ kind: 'MINIMUM_COMMITMENT', minimum: d(amount) }) as const;
  const usageLines = priceGraduated(GRADUATED, 50n * GB, 'EUR'); // 1 + 5 + 3.20 = 9.20

  it('below the minimum: the difference, 1000 − 9.20 = 990.80', () => {
    expect(rows(minimumCommitmentShortfall(minimum('1000'), usageLines, 'EUR'))).toEqual([['Minimum commitment shortfall (minimum 1000)', '1', '990.8', '990.8']]);
  });

  it('at or above the minimum: no line', () => {
    expect(minimumCommitmentShortfall(minimum('9.20'), usageLines, 'EUR')).toEqual([]);
    expect(minimumCommitmentShortfall(minimum('5'), usageLines, 'EUR')).toEqual([]);
  });

  it('a shortfall that rounds to nothing is no line; one that rounds to a cent is', () => {
    // 9.205 − 9.20 = 0.005 → 0.00 (half to even); 9.215 − 9.20 = 0.015 → 0.02.
    expect(minimumCommitmentShortfall(minimum('9.205'), usageLines, 'EUR')).toEqual([]);
    expect(rows(minimumCommitmentShortfall(minimum('9.215'), usageLines, 'EUR'))).toEqual([['Minimum commitment shortfall (minimum 9.215)', '1', '0.015', '0.02']]);
  });

  it('with nothing else on the invoice, the whole minimum', () => {
    expect(rows(minimumCommitmentShortfall(minimum('250'), [], 'JPY'))).toEqual([['Minimum commitment shortfall (minimum 250)', '1', '250', '250']]);
  });
});

describe('NETTING: the side that sent more pays the difference', () => {
  const terms = { kind: 'NETTING', ratePerGb: d('0.01') } as const;

  it('A sent more: A pays (300 − 100) GB × 0.01 = 2.00', () => {
    const settlement = priceNetting(terms, { aToB: 300n * GB, bToA: 100n * GB }, 'EUR');
    expect(settlement.payer).toBe('A');
    expect(rows([settlement.line])).toEqual([['Net traffic from A to B', '200', '0.01', '2']]);
    expect(settlement.line.payer).toBe('A');
  });

  it('B sent more: B pays (250 − 100) GB × 0.01 = 1.50', () => {
    const settlement = priceNetting(terms, { aToB: 100n * GB, bToA: 250n * GB }, 'EUR');
    expect(settlement.payer).toBe('B');
    expect(rows([settlement.line])).toEqual([['Net traffic from B to A', '150', '0.01', '1.5']]);
  });

  it('balanced: nobody pays, and the line says so', () => {
    const settlement = priceNetting(terms, { aToB: 123n * GB + 7n, bToA: 123n * GB + 7n }, 'EUR');
    expect(settlement.payer).toBeNull();
    expect(rows([settlement.line])).toEqual([['Net traffic (balanced)', '0', '0.01', '0']]);
    expect(settlement.line).not.toHaveProperty('payer');
  });

  it('1 byte of difference on 10^18: 0.000000001 GB, nothing to pay but a payer', () => {
    const settlement = priceNetting(terms, { aToB: EXABYTE, bToA: EXABYTE + 1n }, 'EUR');
    expect(settlement.payer).toBe('B');
    expect(rows([settlement.line])).toEqual([['Net traffic from B to A', '0.000000001', '0.01', '0']]);
  });

  it('nearly all of 10^18 one way: 999,999,999.999999999 GB × 0.01 = 9,999,999.99999999999 → 10,000,000.00', () => {
    const settlement = priceNetting(terms, { aToB: EXABYTE, bToA: 1n }, 'EUR');
    expect(rows([settlement.line])).toEqual([['Net traffic from A to B', '999999999.999999999', '0.01', '10000000']]);
  });
});

describe('priceUsage: a contract’s list of terms on a period’s usage', () => {
  it('each terms’ lines in order, then the minimum’s shortfall against all of them', () => {
    const terms: PriceTerms[] = [
      { kind: 'MINIMUM_COMMITMENT', minimum: d('100') },
      GRADUATED,
      { kind: 'PER_COMPONENT', ratePerGb: d('0.5') },
    ];
    // graduated on 50 GB: 1 + 5 + 3.20 = 9.20; per component: 2 GB × 0.5 = 1.00 and 4 GB × 0.5 = 2.00;
    // 12.20 in all, short of 100 by 87.80.
    const priced = priceUsage(terms, { bytes: 50n * GB, bytesByNetworkOwner: new Map([['sp1', 2n * GB], ['sp2', 4n * GB]]) }, 'EUR');
    expect(priced.map((line) => line.amount.toFixed())).toEqual(['1', '5', '3.2', '1', '2', '87.8']);
    expect(priced.at(-1)!.description).toBe('Minimum commitment shortfall (minimum 100)');
    expect(total(priced)).toBe('100');
  });

  it('netting in a list gives its line, payer on it', () => {
    const priced = priceUsage([{ kind: 'NETTING', ratePerGb: d('1') }], { exchange: { aToB: 0n, bToA: 3n * GB } }, 'JPY');
    expect(rows(priced)).toEqual([['Net traffic from B to A', '3', '1', '3']]);
    expect(priced[0]!.payer).toBe('B');
  });

  it('says which usage the terms needed and did not get', () => {
    expect(() => priceUsage([FLAT], {}, 'EUR')).toThrow('FLAT_WITH_OVERAGE terms price usage.bytes, which is missing.');
    expect(() => priceUsage([{ kind: 'PER_COMPONENT', ratePerGb: d('1') }], { bytes: 1n }, 'EUR')).toThrow(/usage.bytesByNetworkOwner/);
    expect(() => priceUsage([{ kind: 'NETTING', ratePerGb: d('1') }], { bytes: 1n }, 'EUR')).toThrow(/usage.exchange/);
  });

  it('refuses negative usage and unknown currencies', () => {
    expect(() => priceUsage([FLAT], { bytes: -1n }, 'EUR')).toThrow(/usage.bytes must not be negative/);
    expect(() => priceFlatWithOverage(FLAT, -1n, 'EUR')).toThrow(RangeError);
    expect(() => priceNetting({ kind: 'NETTING', ratePerGb: d('1') }, { aToB: -1n, bToA: 0n }, 'EUR')).toThrow(/aToB must not be negative/);
    expect(() => pricePerComponent({ kind: 'PER_COMPONENT', ratePerGb: d('1') }, new Map([['sp1', -5n]]), 'EUR')).toThrow(/carried by sp1 must not be negative/);
    expect(() => priceUsage([FLAT], { bytes: 1n }, 'XYZ')).toThrow(/"XYZ" is not an ISO 4217 currency code/);
  });

  it('refuses invalid terms with the field under "terms"', () => {
    const error = captured(() => priceUsage([FLAT, { ...FLAT, overageRatePerGb: d('-1') }], { bytes: 0n }, 'EUR'));
    expect(error.field).toEqual(['terms', '1', 'overageRatePerGb']);
  });
});

describe('priceParts: a renegotiated period, part by part, nothing prorated', () => {
  it('October in two parts: each with its own version’s whole allowance, fees and tiers', () => {
    const priced = priceParts(
      [
        // Until 16 October: 500 EUR including 100 GB; 120 GB used, 20 over at 0.02 = 0.40.
        { label: '2026-10-01..2026-10-16', terms: [FLAT], usage: { bytes: 120n * GB } },
        // From 16 October, graduated: 30 GB is 10 × 0.10 = 1.00, + 5, and 20 × 0.08 = 1.60.
        { label: '2026-10-16..2026-11-01', terms: [GRADUATED], usage: { bytes: 30n * GB } },
      ],
      'EUR',
    );
    expect(priced.map((line) => [line.part, line.description, line.amount.toFixed()])).toEqual([
      ['2026-10-01..2026-10-16', 'Flat fee', '500'],
      ['2026-10-01..2026-10-16', 'Usage above 100 GB', '0.4'],
      ['2026-10-16..2026-11-01', 'Tier 1 (up to 10 GB)', '1'],
      ['2026-10-16..2026-11-01', 'Tier 1 (up to 10 GB) flat fee', '5'],
      ['2026-10-16..2026-11-01', 'Tier 2 (over 10 GB up to 50 GB)', '1.6'],
    ]);
    // 500 + 0.40 + 1 + 5 + 1.60
    expect(total(priced)).toBe('508');
  });

  it('a minimum commitment applies to its own part only', () => {
    const withMinimum: PriceTerms[] = [{ kind: 'MINIMUM_COMMITMENT', minimum: d('10') }, { kind: 'PER_COMPONENT', ratePerGb: d('1') }];
    const priced = priceParts(
      [
        { label: 'v1', terms: withMinimum, usage: { bytesByNetworkOwner: new Map([['sp1', 4n * GB]]) } }, // 4, short by 6
        { label: 'v2', terms: withMinimum, usage: { bytesByNetworkOwner: new Map([['sp1', 12n * GB]]) } }, // 12, no shortfall
      ],
      'EUR',
    );
    expect(priced.map((line) => [line.part, line.amount.toFixed()])).toEqual([
      ['v1', '4'],
      ['v1', '6'],
      ['v2', '12'],
    ]);
  });

  it('no parts, no lines', () => {
    expect(priceParts([], 'EUR')).toEqual([]);
  });
});

describe('every line is its quantity times its unit price, rounded once', () => {
  it('across the kinds, edges and currencies above', () => {
    const PLACES: Record<string, number> = { EUR: 2, KWD: 3, JPY: 0, BHD: 3 };
    const Wide = Decimal.clone({ precision: 100 });
    const priced: [string, InvoiceLine][] = [
      ...[0n, 10n * GB - 1n, 10n * GB, 10n * GB + 1n, 50n * GB + 1n, EXABYTE].flatMap((bytes) => [
        ...priceGraduated(GRADUATED, bytes, 'EUR').map((line) => ['EUR', line] as [string, InvoiceLine]),
        ...priceVolume(VOLUME, bytes, 'KWD').map((line) => ['KWD', line] as [string, InvoiceLine]),
        ...priceFlatWithOverage(FLAT, bytes, 'JPY').map((line) => ['JPY', line] as [string, InvoiceLine]),
      ]),
      ['BHD', priceNetting({ kind: 'NETTING', ratePerGb: d('0.0333333333') }, { aToB: 7n, bToA: EXABYTE }, 'BHD').line],
    ];
    const wrong = priced.filter(([currency, line]) => {
      const expected = new Wide(line.quantity).times(line.unitPrice).toDecimalPlaces(PLACES[currency]!, Decimal.ROUND_HALF_EVEN);
      return !line.amount.equals(expected);
    });
    expect(wrong.map(([currency, line]) => `${currency} ${line.description}`)).toEqual([]);
    expect(priced.length).toBeGreaterThan(30);
  });
});

/** The InputError the call throws. */
function captured(call: () => unknown): InputError {
  try {
    call();
  } catch (error) {
    if (error instanceof InputError) return error;
    throw error;
  }
  throw new Error('expected an InputError, got none');
}

describe('checkPriceTerms: invalid terms, the field named', () => {
  const FIELD = ['input', 'terms'];
  const tiers = (...list: Tier[]): GraduatedTerms => ({ kind: 'GRADUATED', tiers: list });
  const tier = (upTo: bigint | null, rate = '0.1', flatFee?: string): Tier => ({ upToBytes: upTo, ratePerGb: d(rate), ...(flatFee ? { flatFee: d(flatFee) } : {}) });

  it.each([
    ['tiers that do not increase', tiers(tier(10n * GB), tier(10n * GB), tier(null)), ['tiers', '1', 'upToBytes'], /must be above the previous tier's upToBytes \(10000000000\): tiers strictly increase, got 10000000000/],
    ['tiers that go down', tiers(tier(10n * GB), tier(20n * GB), tier(5n * GB), tier(null)), ['tiers', '2', 'upToBytes'], /strictly increase, got 5000000000/],
    ['a first tier up to 0', tiers(tier(0n), tier(null)), ['tiers', '0', 'upToBytes'], /must be above 0/],
    ['an unbounded tier before the last', tiers(tier(null), tier(10n * GB)), ['tiers', '0', 'upToBytes'], /only the last tier may be unbounded/],
    ['a bounded last tier', tiers(tier(10n * GB), tier(20n * GB)), ['tiers', '1', 'upToBytes'], /the last tier must be unbounded/],
    ['no tiers', tiers(), ['tiers'], /at least one tier/],
    ['a negative rate', tiers(tier(10n * GB, '-0.01'), tier(null)), ['tiers', '0', 'ratePerGb'], /must not be negative, got -0.01/],
    ['11 decimal places', tiers(tier(null, '0.00000000001')), ['tiers', '0', 'ratePerGb'], /at most 10 decimal places/],
    ['a flat fee that is not a number', tiers(tier(10n * GB), tier(null, '0.1', 'NaN')), ['tiers', '1', 'flatFee'], /must be a number/],
    ['an absurd flat fee', tiers(tier(null, '0.1', '1e15')), ['tiers', '0', 'flatFee'], /less than 10\^15/],
    ['negative included bytes', { ...FLAT, includedBytes: -1n }, ['includedBytes'], /must not be negative, got -1/],
    ['a negative flat fee', { ...FLAT, flatFee: d('-500') }, ['flatFee'], /must not be negative/],
    ['an infinite overage rate', { ...FLAT, overageRatePerGb: d('Infinity') }, ['overageRatePerGb'], /must be a number/],
    ['a negative per-component rate', { kind: 'PER_COMPONENT', ratePerGb: d('-1') }, ['ratePerGb'], /must not be negative/],
    ['a netting rate of 11 places', { kind: 'NETTING', ratePerGb: d('0.12345678901') }, ['ratePerGb'], /at most 10 decimal places/],
    ['a negative minimum', { kind: 'MINIMUM_COMMITMENT', minimum: d('-0.01') }, ['minimum'], /must not be negative/],
  ] as [string, PriceTerms, string[], RegExp][])('%s', (_, terms, field, message) => {
    const error = captured(() => checkPriceTerms(FIELD, terms));
    expect(error.field).toEqual([...FIELD, ...field]);
    expect(error.message).toMatch(message);
    expect(error.code).toBe('INVALID');
  });

  it('an unknown kind, as stored data might hold', () => {
    const error = captured(() => checkPriceTerms(FIELD, { kind: 'BARTER' } as unknown as PriceTerms));
    expect(error.field).toEqual(['input', 'terms', 'kind']);
    expect(error.message).toBe('"BARTER" is not a kind of price terms.');
  });

  it('accepts zero, ten decimal places, free tiers and fees of 0', () => {
    const terms = tiers(tier(GB, '0', '0'), tier(2n * GB, '0.0000000001'), tier(null, '999999999999999.9999999999'));
    expect(checkPriceTerms(FIELD, terms)).toBe(terms);
    expect(checkPriceTerms(FIELD, FLAT)).toBe(FLAT);
  });

  it('a list: each terms under its index, and one minimum commitment at most', () => {
    const list: PriceTerms[] = [{ kind: 'MINIMUM_COMMITMENT', minimum: d('1') }, FLAT, { kind: 'MINIMUM_COMMITMENT', minimum: d('2') }];
    const twoMinimums = captured(() => checkPriceTermsList(FIELD, list));
    expect(twoMinimums.field).toEqual(['input', 'terms', '2', 'kind']);
    expect(twoMinimums.message).toMatch(/only one MINIMUM_COMMITMENT is allowed; terms 0 already is one/);
    const badTier = captured(() => checkPriceTermsList(FIELD, [FLAT, tiers(tier(5n), tier(5n), tier(null))]));
    expect(badTier.field).toEqual(['input', 'terms', '1', 'tiers', '1', 'upToBytes']);
  });

  it('the pricing functions check their terms too, under "terms"', () => {
    const error = captured(() => priceGraduated(tiers(tier(null), tier(null)), GB, 'EUR'));
    expect(error.field).toEqual(['terms', 'tiers', '0', 'upToBytes']);
  });
});
