// Contract terms as the API sends them, checked into pricing terms (contracts/terms.ts), stored as
// JSON and read back. Decimals arrive as strings and byte counts as bigints (graphql/scalars.ts).
import { describe, expect, it } from 'vitest';
import { termsFromInput, termsFromJson, termsToJson, type ContractTerm, type TermInput, type TermsContext } from '../../src/contracts/terms.ts';
import { InputError } from '../../src/domain/input-error.ts';
import { toGlobalId } from '../../src/graphql/global-id.ts';

const GB = 1_000_000_000n;
const OBJECT = '01900000-0000-7000-8000-000000000001';
const OTHER = '01900000-0000-7000-8000-000000000002';
const STRANGER = '01900000-0000-7000-8000-000000000009';
const CONTRACT: TermsContext = { accountingObjectIds: new Set([OBJECT, OTHER]), partiesAreServiceProviders: false };
const ISPS: TermsContext = { ...CONTRACT, partiesAreServiceProviders: true };
const FIELD = ['input', 'terms'];

const FLAT: TermInput = { kind: 'FLAT_WITH_OVERAGE', flatFee: '500', includedBytes: 100n * GB, overageRatePerGb: '0.02' };
const TIERS = [
  { upToBytes: 10n * GB, ratePerGb: '0.10', flatFee: '5' },
  { upToBytes: 50n * GB, ratePerGb: '0.08' },
  { upToBytes: null, ratePerGb: '0.05' },
];

/** The InputError's field (dotted) and message, or null when the terms pass. */
function problem(inputs: TermInput[], context = CONTRACT): [string, string, string] | null {
  try {
    termsFromInput(FIELD, inputs, context);
    return null;
  } catch (error) {
    if (!(error instanceof InputError)) throw error;
    return [error.field.join('.'), error.message, error.code];
  }
}

describe('termsFromInput', () => {
  it('turns each kind into pricing terms, with exact decimals and byte counts', () => {
    const terms = termsFromInput(
      FIELD,
      [
        FLAT,
        { kind: 'GRADUATED', accountingObject: toGlobalId('AccountingObject', OBJECT), tiers: TIERS },
        { kind: 'PER_COMPONENT', ratePerGb: '0.0000000001' },
        { kind: 'MINIMUM_COMMITMENT', minimum: '1000' },
      ],
      CONTRACT,
    );
    expect(terms.map((t) => [t.kind, t.accountingObjectId])).toEqual([
      ['FLAT_WITH_OVERAGE', null],
      ['GRADUATED', OBJECT],
      ['PER_COMPONENT', null],
      ['MINIMUM_COMMITMENT', null],
    ]);
    const [flat, graduated, perComponent] = terms as [ContractTerm, ContractTerm, ContractTerm];
    expect(flat.kind === 'FLAT_WITH_OVERAGE' && [flat.flatFee.toFixed(), flat.includedBytes, flat.overageRatePerGb.toFixed()]).toEqual(['500', 100n * GB, '0.02']);
    expect(graduated.kind === 'GRADUATED' && graduated.tiers.map((t) => [t.upToBytes, t.ratePerGb.toFixed(), t.flatFee?.toFixed()])).toEqual([
      [10n * GB, '0.1', '5'],
      [50n * GB, '0.08', undefined],
      [null, '0.05', undefined],
    ]);
    expect(perComponent.kind === 'PER_COMPONENT' && perComponent.ratePerGb.toFixed()).toBe('0.0000000001');
  });

  it('requires each kind’s fields and refuses the others', () => {
    expect(problem([{ kind: 'FLAT_WITH_OVERAGE', flatFee: '5', includedBytes: GB }])).toEqual(['input.terms.0.overageRatePerGb', 'is required for FLAT_WITH_OVERAGE terms.', 'INVALID']);
    expect(problem([{ kind: 'VOLUME' }])).toEqual(['input.terms.0.tiers', 'is required for VOLUME terms.', 'INVALID']);
    expect(problem([FLAT, { kind: 'MINIMUM_COMMITMENT' }])).toEqual(['input.terms.1.minimum', 'is required for MINIMUM_COMMITMENT terms.', 'INVALID']);
    expect(problem([{ kind: 'NETTING', ratePerGb: '1', tiers: TIERS }], ISPS)).toEqual(['input.terms.0.tiers', 'does not apply to NETTING terms, which take ratePerGb.', 'INVALID']);
    expect(problem([{ kind: 'PER_COMPONENT', ratePerGb: '1', accountingObject: toGlobalId('AccountingObject', OBJECT) }])).toEqual([
      'input.terms.0.accountingObject',
      'does not apply to PER_COMPONENT terms, which take ratePerGb.',
      'INVALID',
    ]);
    expect(problem([{ ...FLAT, tiers: TIERS }])).toEqual(['input.terms.0.tiers', 'does not apply to FLAT_WITH_OVERAGE terms, which take flatFee, includedBytes, overageRatePerGb, accountingObject.', 'INVALID']);
  });

  it('names the tier and the field that is wrong', () => {
    expect(problem([{ kind: 'GRADUATED', tiers: [TIERS[0]!, { upToBytes: 10n * GB, ratePerGb: '0.08' }, TIERS[2]!] }])).toEqual([
      'input.terms.0.tiers.1.upToBytes',
      "must be above the previous tier's upToBytes (10000000000): tiers strictly increase, got 10000000000.",
      'INVALID',
    ]);
    expect(problem([{ kind: 'VOLUME', tiers: [TIERS[0]!, TIERS[1]!] }])![0]).toBe('input.terms.0.tiers.1.upToBytes');
    expect(problem([{ kind: 'VOLUME', tiers: [] }])).toEqual(['input.terms.0.tiers', 'must have at least one tier.', 'INVALID']);
    expect(problem([{ kind: 'GRADUATED', tiers: [{ upToBytes: null, ratePerGb: '0.1', flatFee: '-5' }] }])).toEqual(['input.terms.0.tiers.0.flatFee', 'must not be negative, got -5.', 'INVALID']);
    expect(problem([{ ...FLAT, overageRatePerGb: '0.00000000001' }])).toEqual(['input.terms.0.overageRatePerGb', 'must have at most 10 decimal places, got 0.00000000001.', 'INVALID']);
    expect(problem([{ ...FLAT, flatFee: '1e3' }])).toEqual(['input.terms.0.flatFee', 'must be a decimal number like "12.50", got "1e3".', 'INVALID']);
    expect(problem([{ ...FLAT, includedBytes: -1n }])).toEqual(['input.terms.0.includedBytes', 'must not be negative, got -1.', 'INVALID']);
  });

  it('prices an object once: one term per named object, one for the rest', () => {
    const object = toGlobalId('AccountingObject', OBJECT);
    expect(problem([FLAT, { kind: 'VOLUME', accountingObject: object, tiers: TIERS }])).toBeNull();
    expect(problem([FLAT, { kind: 'VOLUME', tiers: TIERS }])).toEqual([
      'input.terms.1.accountingObject',
      "terms 0 already price the contract's accounting objects (no accountingObject); its usage would be billed twice.",
      'INVALID',
    ]);
    expect(problem([{ ...FLAT, accountingObject: object }, { kind: 'GRADUATED', accountingObject: object, tiers: TIERS }])).toEqual([
      'input.terms.1.accountingObject',
      'terms 0 already price this accounting object; its usage would be billed twice.',
      'INVALID',
    ]);
    expect(problem([{ ...FLAT, accountingObject: toGlobalId('AccountingObject', STRANGER) }])).toEqual([
      'input.terms.0.accountingObject',
      "is not one of the contract's accounting objects; add it to the contract first.",
      'INVALID',
    ]);
    expect(problem([{ ...FLAT, accountingObject: toGlobalId('Contract', OBJECT) }])).toEqual(['input.terms.0.accountingObject', 'expected the id of a AccountingObject, got a Contract.', 'INVALID']);
  });

  it('allows one PER_COMPONENT, one NETTING and one MINIMUM_COMMITMENT', () => {
    expect(problem([{ kind: 'PER_COMPONENT', ratePerGb: '1' }, { kind: 'PER_COMPONENT', ratePerGb: '2' }])).toEqual(['input.terms.1.kind', 'only one PER_COMPONENT is allowed; terms 0 already is one.', 'INVALID']);
    expect(problem([{ kind: 'NETTING', ratePerGb: '1' }, { kind: 'NETTING', ratePerGb: '2' }], ISPS)![0]).toBe('input.terms.1.kind');
    expect(problem([{ kind: 'MINIMUM_COMMITMENT', minimum: '1' }, FLAT, { kind: 'MINIMUM_COMMITMENT', minimum: '2' }])).toEqual([
      'input.terms.2.kind',
      'only one MINIMUM_COMMITMENT is allowed; terms 0 already is one.',
      'INVALID',
    ]);
  });

  it('nets only between two service providers', () => {
    expect(problem([{ kind: 'NETTING', ratePerGb: '0.01' }])).toEqual([
      'input.terms.0.kind',
      'NETTING settles traffic between two networks: the payer and the payee must both be service providers.',
      'INVALID',
    ]);
    expect(problem([{ kind: 'NETTING', ratePerGb: '0.01' }], ISPS)).toBeNull();
  });

  it('takes an empty list: nothing is charged while that version applies', () => {
    expect(termsFromInput(FIELD, [], CONTRACT)).toEqual([]);
  });
});

describe('stored terms', () => {
  it('are JSON with decimals and byte counts as strings, and read back the same', () => {
    const terms = termsFromInput(
      FIELD,
      [
        { ...FLAT, accountingObject: toGlobalId('AccountingObject', OTHER), overageRatePerGb: '0.0000000001' },
        { kind: 'VOLUME', tiers: [{ upToBytes: 2n ** 62n, ratePerGb: '999999999999999.9999999999' }, { ratePerGb: '0' }] },
        { kind: 'NETTING', ratePerGb: '1.5' },
        { kind: 'MINIMUM_COMMITMENT', minimum: '0.01' },
      ],
      ISPS,
    );
    const json = termsToJson(terms);
    expect(json).toEqual([
      { kind: 'FLAT_WITH_OVERAGE', accountingObjectId: OTHER, flatFee: '500', includedBytes: '100000000000', overageRatePerGb: '0.0000000001' },
      { kind: 'VOLUME', tiers: [{ upToBytes: '4611686018427387904', ratePerGb: '999999999999999.9999999999' }, { upToBytes: null, ratePerGb: '0' }] },
      { kind: 'NETTING', ratePerGb: '1.5' },
      { kind: 'MINIMUM_COMMITMENT', minimum: '0.01' },
    ]);
    const back = termsFromJson(JSON.parse(JSON.stringify(json)), 'a test');
    expect(termsToJson(back)).toEqual(json);
    expect(back.map((t) => t.accountingObjectId)).toEqual([OTHER, null, null, null]);
  });

  it('say what is wrong with terms stored wrong, as a bug, not a caller’s mistake', () => {
    expect(() => termsFromJson({ kind: 'NETTING' }, 'contract X')).toThrow('The stored terms of contract X are not valid: not a list');
    expect(() => termsFromJson([{ kind: 'NETTING', ratePerGb: 1 }], 'contract X')).toThrow('ratePerGb is 1, not a string');
    expect(() => termsFromJson([{ kind: 'BARTER' }], 'contract X')).toThrow('terms.0.kind "BARTER" is not a kind of price terms.');
    const error = (() => {
      try {
        termsFromJson([{ kind: 'GRADUATED', tiers: [{ upToBytes: null, ratePerGb: '-1' }] }], 'contract X');
      } catch (caught) {
        return caught;
      }
    })();
    expect(error).toBeInstanceOf(Error);
    expect(error).not.toBeInstanceOf(InputError);
    expect((error as Error).message).toBe('The stored terms of contract X are not valid: terms.0.tiers.0.ratePerGb must not be negative, got -1.');
  });
});
