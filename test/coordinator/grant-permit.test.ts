// Whether a peer may upload a content now, and at what rate: SP1 has granted distributor 142 the
// use of its subscribers' uplink, in one way or another, and peer 102 (SP1, 20 Mbit/s spare)
// would serve a content distributed by 142.
import { describe, expect, it } from 'vitest';
import type { Peer } from '../../src/coordinator/availability.ts';
import { permitFor, type ActiveGrant, type GrantSnapshot } from '../../src/coordinator/grant-snapshot.ts';

const MBIT = 1_000_000;
const NOW = new Date('2026-11-20T19:00:00Z');
const HOUR = 3_600_000;
const content = { distributorId: 'distributor-142' };

const p102: Peer = {
  clientId: 'c102',
  networkId: 'sp1',
  country: 'DE',
  address: '79.214.61.102',
  spareUplinkBps: 20 * MBIT,
  optedIn: false,
  expiresAt: NOW.getTime() + HOUR,
  lastAssignedAt: 0,
};

function grant(id: string, terms: Partial<ActiveGrant> = {}): ActiveGrant {
  return {
    id,
    networkId: 'sp1',
    distributorId: 'distributor-142',
    scope: 'ALL_SUBSCRIBERS',
    basis: 'PARTNERSHIP_AGREEMENT',
    validFrom: NOW.getTime() - HOUR,
    validUntil: null,
    capBytes: null,
    perClientRateBps: null,
    clients: null,
    usedBytes: 0n,
    ...terms,
  };
}

const snapshot = (...grants: ActiveGrant[]): GrantSnapshot => ({ byNetwork: new Map([['sp1', grants]]) });
const permit = (grants: GrantSnapshot, peer: Partial<Peer> = {}) => permitFor(grants, { ...p102, ...peer }, content, NOW);

describe('a peer’s permit', () => {
  it('is its ISP’s grant to the content’s distributor, at the peer’s spare uplink', () => {
    expect(permit(snapshot(grant('g1')))).toEqual({ grantId: 'g1', capacityBps: 20 * MBIT, basis: 'partnership agreement' });
  });

  it('is refused when its ISP granted nothing, or granted another distributor', () => {
    const none = 'its ISP has granted this content’s distributor no use of its subscribers’ uplink';
    expect(permit({ byNetwork: new Map() })).toEqual({ refused: none });
    expect(permit(snapshot(grant('g1', { distributorId: 'distributor-7' })))).toEqual({ refused: none });
    expect(permit(snapshot(grant('g1')), { networkId: 'sp2' })).toEqual({ refused: none });
  });

  it('holds only inside the grant’s validity window', () => {
    expect(permit(snapshot(grant('g1', { validFrom: NOW.getTime() + HOUR })))).toEqual({ refused: 'its ISP’s grant starts 2026-11-20T20:00:00.000Z' });
    expect(permit(snapshot(grant('g1', { validUntil: NOW.getTime() })))).toEqual({ refused: 'its ISP’s grant has ended' });
    expect(permit(snapshot(grant('g1', { validUntil: NOW.getTime() + 1 })))).toMatchObject({ grantId: 'g1' });
  });

  it('covers only the clients a LISTED_CLIENTS grant lists', () => {
    const listed = snapshot(grant('g1', { scope: 'LISTED_CLIENTS', clients: new Set(['c104']) }));
    expect(permit(listed)).toEqual({ refused: 'it is not among the clients its ISP’s grant lists' });
    expect(permit(listed, { clientId: 'c104' })).toMatchObject({ grantId: 'g1' });
  });

  it('covers only clients whose user opted in, under an OPTED_IN_CLIENTS grant made for client software', () => {
    const optedIn = snapshot(grant('g1', { scope: 'OPTED_IN_CLIENTS', basis: 'CLIENT_SOFTWARE' }));
    expect(permit(optedIn)).toEqual({ refused: 'its user has not opted in to serving others' });
    expect(permit(optedIn, { optedIn: true })).toEqual({ grantId: 'g1', capacityBps: 20 * MBIT, basis: 'client software' });
  });

  it('stops at the grant’s cap for the period, counted across the ISP', () => {
    expect(permit(snapshot(grant('g1', { capBytes: 1000n, usedBytes: 999n })))).toMatchObject({ grantId: 'g1' });
    expect(permit(snapshot(grant('g1', { capBytes: 1000n, usedBytes: 1000n })))).toEqual({ refused: 'its ISP’s grant is at its cap (1000 of 1000 bytes this period)' });
  });

  it('sends no faster than the grant’s per-client rate, nor than the peer can spare', () => {
    expect(permit(snapshot(grant('g1', { perClientRateBps: 5 * MBIT })))).toMatchObject({ capacityBps: 5 * MBIT });
    expect(permit(snapshot(grant('g1', { perClientRateBps: 50 * MBIT })))).toMatchObject({ capacityBps: 20 * MBIT });
    expect(permit(snapshot(grant('g1')), { spareUplinkBps: 0 })).toEqual({ refused: 'it has no spare uplink' });
  });

  it('falls to the next grant when the first cannot cover the peer, and names the first refusal when none can', () => {
    const capped = grant('g1', { capBytes: 1000n, usedBytes: 1000n });
    expect(permit(snapshot(capped, grant('g2', { basis: 'CLIENT_SOFTWARE' })))).toEqual({ grantId: 'g2', capacityBps: 20 * MBIT, basis: 'client software' });
    expect(permit(snapshot(capped, grant('g2', { scope: 'OPTED_IN_CLIENTS' })))).toEqual({ refused: 'its ISP’s grant is at its cap (1000 of 1000 bytes this period)' });
  });
});
