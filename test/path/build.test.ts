// The path builder on the patents' world: SP1, SP2, SP3 and their clients, with evidence from
// addresses alone, an AS path, and traceroute hops.
import { describe, expect, it } from 'vitest';
import { asComponent, buildPath, crossingsOf, type PathEvidence, type PathLookups } from '../../src/path/build.ts';
import type { AutonomousSystemRef, Endpoint, Hop, PathComponent } from '../../src/path/model.ts';

const SP1: AutonomousSystemRef = { number: 3320, name: 'SP1', ownerId: 'sp1', componentId: 'c-as3320' };
const SP2: AutonomousSystemRef = { number: 3215, name: 'SP2', ownerId: 'sp2', componentId: 'c-as3215' };
const SP3: AutonomousSystemRef = { number: 7922, name: 'SP3', ownerId: 'sp3', componentId: 'c-as7922' };
const registry = new Map([SP1, SP2, SP3].map((as) => [as.number, as]));

const host = (id: string, ownerId: string): PathComponent => ({ key: `host:${id}`, kind: 'HOST', name: id, ownerId, componentId: id, learnedBy: 'INFERRED_FROM_ADDRESS' });
const router = (name: string, ownerId: string | null): PathComponent => ({ key: `router:${name}`, kind: 'ROUTER', name, ownerId, componentId: null, learnedBy: 'TRACEROUTE' });
const country = (code: string): PathComponent => ({ key: `country:${code}`, kind: 'COUNTRY', name: code, ownerId: null, componentId: null, learnedBy: 'INFERRED_FROM_ADDRESS' });

const client102: Endpoint = { host: host('client-102', 'sp1'), as: SP1, places: [country('DE')] };
const client106: Endpoint = { host: host('client-106', 'sp2'), as: SP2, places: [country('FR')] };
const client108: Endpoint = { host: host('client-108', 'sp2'), as: SP2, places: [country('FR')] };
const client110: Endpoint = { host: host('client-110', 'sp3'), as: SP3, places: [country('US')] };

const switchOnFrankfurt: PathComponent = { key: 'switch:sw1.fra', kind: 'SWITCH', name: 'sw1.fra', ownerId: 'sp1', componentId: 'c-sw1', learnedBy: 'ISP_PROVIDED' };
const lookups: PathLookups = {
  autonomousSystem: (number) => registry.get(number) ?? { number, name: `AS${number}`, ownerId: `discovered-${number}`, componentId: null },
  link: (from, to, learnedBy) => ({ key: `link:${from.number}>${to.number}`, kind: 'LINK', name: `AS${from.number}–AS${to.number}`, ownerId: from.ownerId, componentId: null, learnedBy }),
  switchesOn: (component) => (component.key === 'router:ae1.cr1.fra.sp1' ? [switchOnFrankfurt] : []),
};

const evidence = (source: Endpoint, destination: Endpoint, asPath: number[] = [], hops: Hop[] = []): PathEvidence => ({ source, destination, asPath, hops });
const keys = (components: PathComponent[]) => components.map((c) => c.key);

describe('buildPath', () => {
  it('infers SP1 → SP3 from the two addresses alone', () => {
    const path = buildPath(evidence(client102, client110), lookups);
    expect(keys(path.components)).toEqual(['country:DE', 'host:client-102', 'as:3320', 'link:3320>7922', 'as:7922', 'host:client-110', 'country:US']);
    expect(path).toMatchObject({ sourceNetworkId: 'sp1', destinationNetworkId: 'sp3', onNet: false, crossings: [{ from: 'sp1', to: 'sp3' }] });
    expect(path.components.every((c) => c.learnedBy === 'INFERRED_FROM_ADDRESS')).toBe(true);
  });

  it('with the AS path [SP1, SP2, SP3] crosses SP1 → SP2 → SP3 over two inter-AS links', () => {
    const path = buildPath(evidence(client102, client110, [3320, 3215, 7922]), lookups);
    expect(keys(path.components)).toEqual(['country:DE', 'host:client-102', 'as:3320', 'link:3320>3215', 'as:3215', 'link:3215>7922', 'as:7922', 'host:client-110', 'country:US']);
    expect(path.crossings).toEqual([
      { from: 'sp1', to: 'sp2' },
      { from: 'sp2', to: 'sp3' },
    ]);
    expect(path.components.find((c) => c.key === 'as:3215')?.learnedBy).toBe('AS_PATH');
    expect(path.components.find((c) => c.key === 'link:3320>3215')?.learnedBy).toBe('AS_PATH');
  });

  it('accepts an AS path without the endpoints’ own ASes, with the same result', () => {
    expect(buildPath(evidence(client102, client110, [3215]), lookups).crossings).toEqual(buildPath(evidence(client102, client110, [3320, 3215, 7922]), lookups).crossings);
  });

  it('keeps an on-net transfer inside its ISP: 108 serves 106, no crossing (FIG. 4)', () => {
    const path = buildPath(evidence(client108, client106), lookups);
    expect(keys(path.components)).toEqual(['country:FR', 'host:client-108', 'as:3215', 'host:client-106']);
    expect(path).toMatchObject({ onNet: true, crossings: [] });
  });

  it('places traceroute routers inside their ASes, with the switches the ISP registered on them', () => {
    const hops: Hop[] = [
      { router: router('ae1.cr1.fra.sp1', 'sp1'), asNumber: 3320, places: [] },
      { router: router('unnamed-hop', null), asNumber: null, places: [] },
      { router: router('ae1.cr1.par.sp2', 'sp2'), asNumber: 3215, places: [] },
    ];
    const path = buildPath(evidence(client102, client106, [], hops), lookups);
    expect(keys(path.components)).toEqual([
      'country:DE',
      'host:client-102',
      'as:3320',
      'router:ae1.cr1.fra.sp1',
      'switch:sw1.fra',
      'router:unnamed-hop',
      'link:3320>3215',
      'as:3215',
      'router:ae1.cr1.par.sp2',
      'host:client-106',
      'country:FR',
    ]);
    // The hop nobody owns does not break SP1's run.
    expect(path.crossings).toEqual([{ from: 'sp1', to: 'sp2' }]);
  });

  it('lets hops reveal transit ASes when no AS path was given', () => {
    const hops: Hop[] = [
      { router: router('r1.sp1', 'sp1'), asNumber: 3320, places: [] },
      { router: router('r1.transit', 'discovered-1299'), asNumber: 1299, places: [] },
      { router: router('r1.sp3', 'sp3'), asNumber: 7922, places: [] },
    ];
    const path = buildPath(evidence(client102, client110, [], hops), lookups);
    expect(path.crossings).toEqual([
      { from: 'sp1', to: 'discovered-1299' },
      { from: 'discovered-1299', to: 'sp3' },
    ]);
    expect(path.components.find((c) => c.key === 'as:1299')).toMatchObject({ learnedBy: 'TRACEROUTE', componentId: null });
  });

  it('handles an unknown end: no ISP, no on-net verdict', () => {
    const unknown: Endpoint = { host: null, as: null, places: [] };
    const path = buildPath(evidence(client102, unknown), lookups);
    expect(keys(path.components)).toEqual(['country:DE', 'host:client-102', 'as:3320']);
    expect(path).toMatchObject({ sourceNetworkId: 'sp1', destinationNetworkId: null, onNet: null, crossings: [] });
  });

  it('gives the same path for the same input', () => {
    const input = evidence(client102, client110, [3320, 3215, 7922], [{ router: router('ae1.cr1.fra.sp1', 'sp1'), asNumber: 3320, places: [] }]);
    expect(buildPath(input, lookups)).toEqual(buildPath(input, lookups));
  });
});

describe('crossingsOf', () => {
  it('counts a crossing whoever owns the link between', () => {
    const as = (ref: AutonomousSystemRef) => asComponent(ref, 'AS_PATH');
    const linkOwnedBy = (ownerId: string): PathComponent => ({ key: 'link', kind: 'LINK', name: 'l', ownerId, componentId: null, learnedBy: 'AS_PATH' });
    expect(crossingsOf([as(SP1), linkOwnedBy('sp1'), as(SP2)])).toEqual([{ from: 'sp1', to: 'sp2' }]);
    expect(crossingsOf([as(SP1), linkOwnedBy('sp2'), as(SP2)])).toEqual([{ from: 'sp1', to: 'sp2' }]);
  });
});
