// The path service on the demo world (DESIGN.md §1): registry evidence from the database, and an
// ASN lookup standing in for the MaxMind database with what RouteViews says of these addresses.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ensureDemoWorld } from '../../src/db/demo-world.ts';
import { InputError } from '../../src/domain/input-error.ts';
import type { Path } from '../../src/path/model.ts';
import { PathService, type AsnLookup } from '../../src/path/service.ts';
import { createTestDatabase, type TestDatabase } from '../support/database.ts';

let db: TestDatabase;
let paths: PathService;
const orgs = new Map<string, string>(); // id → slug
const looked: string[] = [];

const ANNOUNCED: Record<string, [number, string]> = {
  '79.214.61.102': [3320, 'Deutsche Telekom AG'],
  '84.173.22.104': [3320, 'Deutsche Telekom AG'],
  '90.12.77.106': [3215, 'Orange S.A.'],
  '86.201.9.108': [3215, 'Orange S.A.'],
  '73.162.40.110': [7922, 'Comcast Cable Communications, LLC'],
  '98.210.3.112': [7922, 'Comcast Cable Communications, LLC'],
  '62.115.120.1': [1299, 'Arelion Sweden AB'],
  '193.0.14.129': [25152, 'RIPE NCC K-root'],
};
const asn: AsnLookup = (address) => {
  looked.push(address);
  const entry = ANNOUNCED[address];
  return entry ? { number: entry[0], name: entry[1] } : null;
};

beforeAll(async () => {
  db = await createTestDatabase();
  await ensureDemoWorld(db.prisma);
  for (const org of await db.prisma.organization.findMany()) orgs.set(org.id, org.slug);
  paths = new PathService(db.prisma, { addresses: () => ({ asn, places: () => [] }) });
});
afterAll(() => db?.drop());

const slug = (id: string | null) => (id === null ? null : (orgs.get(id) ?? id));
const crossings = (path: Path) => path.crossings.map((c) => `${slug(c.from)}→${slug(c.to)}`);
const kinds = (path: Path) => path.components.map((c) => `${c.kind}:${c.name}`);

describe('PathService on the demo world', () => {
  it('client 102 (SP1) to client 110 (SP3) over AS path [SP1, SP2, SP3]: SP1 → SP2 → SP3, two inter-AS links', async () => {
    const path = await paths.resolve({ source: '79.214.61.102', destination: '73.162.40.110', asPath: [3320, 3215, 7922] });
    expect(crossings(path)).toEqual(['sp1→sp2', 'sp2→sp3']);
    const links = path.components.filter((c) => c.kind === 'LINK');
    expect(links).toHaveLength(2);
    // SP1–SP2 peering is registered; SP2–SP3 is inferred from the AS path.
    expect(links[0]).toMatchObject({ learnedBy: 'AS_PATH' });
    expect(links[0]!.componentId).not.toBeNull();
    expect(links[1]).toMatchObject({ componentId: null, learnedBy: 'AS_PATH', name: 'AS3215–AS7922' });
    expect(path).toMatchObject({ onNet: false });
    expect(slug(path.sourceNetworkId)).toBe('sp1');
    expect(slug(path.destinationNetworkId)).toBe('sp3');
    expect(path.components[0]).toMatchObject({ kind: 'HOST', name: 'client 102' });
  });

  it('the same two addresses alone: SP1 → SP3', async () => {
    const path = await paths.resolve({ source: '79.214.61.102', destination: '73.162.40.110' });
    expect(crossings(path)).toEqual(['sp1→sp3']);
    expect(path.components.filter((c) => c.kind === 'LINK')).toHaveLength(1);
  });

  it('client 108 serves 106 on-net inside SP2', async () => {
    const path = await paths.resolve({ source: '86.201.9.108', destination: '90.12.77.106' });
    expect(path).toMatchObject({ onNet: true, crossings: [] });
    expect(kinds(path)).toEqual(['HOST:client 108', 'AUTONOMOUS_SYSTEM:AS3215 Orange S.A.', 'HOST:client 106']);
  });

  it('routers from traceroute: by hostname with the switch registered on it, by address, and unknown ones', async () => {
    const path = await paths.resolve({
      source: '79.214.61.102',
      destination: '90.12.77.106',
      hops: ['AE1.CR1.FRA.SP1.EXAMPLE', '10.20.30.40', 'mystery-hop', '62.115.120.1', '193.0.14.129'],
    });
    const hops = path.components.filter((c) => c.kind === 'ROUTER' || c.kind === 'SWITCH');
    // The first router's name says Frankfurt: the place follows the router (and its switch).
    expect(kinds(path).slice(1, 6)).toEqual(['AUTONOMOUS_SYSTEM:AS3320 Deutsche Telekom AG', 'ROUTER:ae1.cr1.fra.sp1.example', 'SWITCH:sw1.fra.sp1.example', 'COUNTRY:Germany', 'CITY:Frankfurt am Main']);
    expect(hops.map((c) => [c.kind, c.name, slug(c.ownerId), c.learnedBy])).toEqual([
      ['ROUTER', 'ae1.cr1.fra.sp1.example', 'sp1', 'TRACEROUTE'],
      ['SWITCH', 'sw1.fra.sp1.example', 'sp1', 'ISP_PROVIDED'],
      ['ROUTER', '10.20.30.40', null, 'TRACEROUTE'], // private: never looked up
      ['ROUTER', 'mystery-hop', null, 'TRACEROUTE'],
      ['ROUTER', 'ae3.bb1.fra.backbone-132.example', 'backbone-132', 'TRACEROUTE'],
      ['ROUTER', '193.0.14.129', 'as:25152', 'TRACEROUTE'], // an AS nobody registered
    ]);
    expect(looked).not.toContain('10.20.30.40');
    // Hops reveal the AS sequence when no AS path is given.
    expect(crossings(path)).toEqual(['sp1→backbone-132', 'backbone-132→as:25152', 'as:25152→sp2']);
  });

  it('an operator’s prefix overrides the ASN database, the most specific first', async () => {
    const sp2 = [...orgs].find(([, s]) => s === 'sp2')![0];
    await db.prisma.addressPrefix.create({ data: { prefix: '84.173.0.0/16', organizationId: sp2 } });
    paths.invalidate();
    const path = await paths.resolve({ source: '84.173.22.104', destination: '90.12.77.106' });
    expect(slug(path.sourceNetworkId)).toBe('sp1'); // client 104 is registered as SP1's subscriber…
    expect(path.components.find((c) => c.kind === 'AUTONOMOUS_SYSTEM')?.name).toBe('AS3215 Orange S.A.'); // …but the block is SP2's
    await db.prisma.addressPrefix.deleteMany();
    paths.invalidate();
  });

  it('a special address resolves to its registered host’s ISP without a lookup, or to nobody', async () => {
    const sp1 = [...orgs].find(([, s]) => s === 'sp1')![0];
    await db.prisma.client.create({
      data: {
        name: 'nat client',
        addresses: ['10.1.2.3'],
        subscriberNetwork: { connect: { id: sp1 } },
        component: { create: { kind: 'HOST' as const, name: 'nat client', addresses: ['10.1.2.3'], owner: { connect: { id: sp1 } } } },
      },
    });
    paths.invalidate();
    looked.length = 0;
    const path = await paths.resolve({ source: '10.1.2.3', destination: '192.168.0.9' });
    expect(looked).toEqual([]);
    expect(slug(path.sourceNetworkId)).toBe('sp1');
    expect(path).toMatchObject({ destinationNetworkId: null, onNet: null });
  });

  it('stores what a path revealed, once, and then names stored components only', async () => {
    const request = { source: '79.214.61.102', destination: '73.162.40.110', asPath: [3320, 25152, 7922], hops: ['193.0.14.129', 'edge7.nyc2.unknown-carrier.example', '10.9.9.9'] };
    const before = await paths.resolve(request);
    expect(before.components.filter((c) => c.componentId === null).map((c) => c.key)).toEqual([
      'link:3320>25152',
      'as:25152',
      'router:193.0.14.129',
      'router:edge7.nyc2.unknown-carrier.example',
      'country:US',
      'city:US/new-york',
      'router:10.9.9.9',
      'link:25152>7922',
    ]);
    const counts = async () => ({
      organizations: await db.prisma.organization.count(),
      components: await db.prisma.networkComponent.count(),
      links: await db.prisma.link.count(),
      systems: await db.prisma.autonomousSystem.count(),
    });
    const start = await counts();

    // Three transfers revealing the same things at once store them once.
    const [after, ...others] = await Promise.all([1, 2, 3].map(() => paths.resolveAndRegister(request)));
    for (const other of others) expect(other).toEqual(after);
    expect(await counts()).toEqual({ organizations: start.organizations + 1, components: start.components + 7, links: start.links + 2, systems: start.systems + 1 });

    const org = await db.prisma.organization.findUniqueOrThrow({ where: { slug: 'as25152' } });
    expect(org).toMatchObject({ name: 'RIPE NCC K-root', autoDiscovered: true, roles: ['SERVICE_PROVIDER'] });
    orgs.set(org.id, org.slug);
    const links = await db.prisma.link.findMany({ where: { kind: 'INFERRED' }, include: { component: true } });
    expect(links.map((link) => [link.component.discoveryKey, slug(link.component.ownerId), link.component.source]).sort()).toEqual([
      ['link:25152>7922', 'as25152', 'AS_PATH'],
      ['link:3320>25152', 'sp1', 'AS_PATH'],
    ]);
    const router = await db.prisma.networkComponent.findUniqueOrThrow({ where: { discoveryKey: 'router:193.0.14.129' }, include: { parent: true } });
    expect(router).toMatchObject({ addresses: ['193.0.14.129'], ownerId: org.id, source: 'TRACEROUTE' });
    expect(router.parent?.discoveryKey).toBe('as:25152');

    // Same path as before, ids and owners filled in; the private hop stays unstored.
    expect(after!.components.map((c) => c.key)).toEqual(before.components.map((c) => c.key));
    expect(after!.components.filter((c) => c.componentId === null).map((c) => c.key)).toEqual(['router:10.9.9.9']);
    expect(crossings(after!)).toEqual(['sp1→as25152', 'as25152→sp3']);
    expect(await paths.resolveAndRegister(request)).toEqual(after);
    expect(await counts()).toEqual({ organizations: start.organizations + 1, components: start.components + 7, links: start.links + 2, systems: start.systems + 1 });
  });

  it('gives the same path for the same input', async () => {
    const request = { source: '79.214.61.102', destination: '73.162.40.110', asPath: [3320, 3215, 7922], hops: ['ae1.cr1.fra.sp1.example'] };
    expect(await paths.resolve(request)).toEqual(await paths.resolve(request));
  });

  it('names the field of bad input', async () => {
    const fieldOf = async (request: Parameters<PathService['resolve']>[0]) => {
      const error = await paths.resolve(request).catch((caught: unknown) => caught);
      expect(error).toBeInstanceOf(InputError);
      return (error as InputError).field;
    };
    expect(await fieldOf({ source: '1.2.3', destination: '1.1.1.1' })).toEqual(['source']);
    expect(await fieldOf({ source: '1.1.1.1', destination: '1.1.1.1', asPath: [3320, -5] })).toEqual(['asPath', '1']);
    expect(await fieldOf({ source: '1.1.1.1', destination: '1.1.1.1', hops: Array.from({ length: 65 }, () => 'r') })).toEqual(['hops']);
    expect(await fieldOf({ source: '1.1.1.1', destination: '1.1.1.1', hops: ['ok', 'no spaces please'] })).toEqual(['hops', '1']);
  });
});
