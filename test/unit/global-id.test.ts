import { describe, expect, it } from 'vitest';
import { fromGlobalId, toGlobalId } from '../../src/graphql/global-id.ts';

describe('global ids', () => {
  const uuid = '019a9b2c-1d2e-7f00-8a00-0123456789ab';

  it('round-trip type and row id', () => {
    expect(fromGlobalId(toGlobalId('Client', uuid))).toEqual({ type: 'Client', id: uuid });
  });

  it('are opaque: not the bare row id', () => {
    expect(toGlobalId('Client', uuid)).not.toContain(uuid);
  });

  it('reject ids of unknown types, malformed row ids and garbage', () => {
    expect(fromGlobalId(Buffer.from(`Planet:${uuid}`).toString('base64url'))).toBeNull();
    expect(fromGlobalId(Buffer.from('Client:42').toString('base64url'))).toBeNull();
    expect(fromGlobalId('%%%')).toBeNull();
    expect(fromGlobalId('')).toBeNull();
  });
});
