// The demo world: its story (who owns what, who connects to whom), loading it once, restoring it,
// and that its addresses really are announced by the ASes it gives them, per the real
// RouteViews + DB-IP data in @ip-location-db/asn.
import { createReadStream } from 'node:fs';
import { createRequire } from 'node:module';
import { createInterface } from 'node:readline';
import ipaddr from 'ipaddr.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { authenticate } from '../../src/auth/api-keys.ts';
import { DEMO_ADMIN_KEY_NAME, ensureDemoWorld, resetDemoWorld, type DemoWorldLoad } from '../../src/db/demo-world.ts';
import { createTestDatabase } from '../support/database.ts';

type TestDatabase = Awaited<ReturnType<typeof createTestDatabase>>;
let db: TestDatabase;
let first: DemoWorldLoad;

beforeAll(async () => {
  db = await createTestDatabase();
  first = await ensureDemoWorld(db.prisma);
}, 120_000);
afterAll(async () => {
  await db?.drop();
});

const EXPECTED_COUNTS = {
  organization: 11,
  autonomousSystem: 8,
  client: 6,
  link: 10,
  linkSet: 4,
  content: 5,
  accountingObject: 9,
  contract: 2,
  apiKey: 1,
};

async function counts() {
  const p = db.prisma;
  const [organization, autonomousSystem, client, link, linkSet, content, accountingObject, contract, apiKey] = await Promise.all([
    p.organization.count(),
    p.autonomousSystem.count(),
    p.client.count(),
    p.link.count(),
    p.linkSet.count(),
    p.content.count(),
    p.accountingObject.count(),
    p.contract.count(),
    p.apiKey.count(),
  ]);
  return { organization, autonomousSystem, client, link, linkSet, content, accountingObject, contract, apiKey };
}

/** "client 102" → "sp1", from the database. */
async function clientNetworks(): Promise<Record<string, string>> {
  const clients = await db.prisma.client.findMany({ include: { subscriberNetwork: { select: { slug: true } } } });
  return Object.fromEntries(clients.map((client) => [client.name, client.subscriberNetwork.slug]));
}

describe('loading into an empty database', () => {
  it('loads the world and returns an ADMIN key named "demo admin"', async () => {
    expect(first.loaded).toBe(true);
    expect(first.adminKey).toMatch(/^pl_[A-Za-z0-9_-]{43}$/);
    expect(await authenticate(db.sql, first.adminKey!)).toMatchObject({ role: 'ADMIN', keyName: DEMO_ADMIN_KEY_NAME, organizationId: null });
  });

  it('has the organizations of the patents, with their roles', async () => {
    const organizations = await db.prisma.organization.findMany({ orderBy: { slug: 'asc' } });
    expect(Object.fromEntries(organizations.map((o) => [o.slug, o.roles]))).toEqual({
      'backbone-132': ['SERVICE_PROVIDER'],
      'backbone-134': ['SERVICE_PROVIDER'],
      'distributor-142': ['CONTENT_DISTRIBUTOR'],
      'distributor-144': ['CONTENT_DISTRIBUTOR'],
      'distributor-402': ['CONTENT_DISTRIBUTOR'],
      label: ['CONTENT_OWNER'],
      moviestudio: ['CONTENT_OWNER'],
      'soccer-league': ['CONTENT_OWNER'],
      sp1: ['SERVICE_PROVIDER'],
      sp2: ['SERVICE_PROVIDER'],
      sp3: ['SERVICE_PROVIDER'],
    });
    expect(await counts()).toEqual(EXPECTED_COUNTS);
  });

  it('gives every network one autonomous system with its component', async () => {
    const systems = await db.prisma.autonomousSystem.findMany({ include: { owner: true, component: true } });
    expect(Object.fromEntries(systems.map((as) => [as.owner.slug, as.number]))).toEqual({
      sp1: 3320,
      sp2: 3215,
      sp3: 7922,
      'backbone-132': 1299,
      'backbone-134': 3356,
      'distributor-142': 20940,
      'distributor-144': 54113,
      'distributor-402': 13335,
    });
    for (const as of systems) {
      expect(as.component).toMatchObject({ kind: 'AUTONOMOUS_SYSTEM', ownerId: as.ownerId, name: `AS${as.number} ${as.name}` });
    }
  });

  it('subscribes clients 102 and 104 to SP1, 106 and 108 to SP2, 110 and 112 to SP3', async () => {
    expect(await clientNetworks()).toEqual({
      'client 102': 'sp1',
      'client 104': 'sp1',
      'client 106': 'sp2',
      'client 108': 'sp2',
      'client 110 (laptop)': 'sp3',
      'client 112': 'sp3',
    });
    const clients = await db.prisma.client.findMany({ include: { component: true } });
    for (const client of clients) {
      // The host component is how a path finds the subscriber's network.
      expect(client.component).toMatchObject({ kind: 'HOST', ownerId: client.subscriberNetworkId, addresses: client.addresses });
    }
  });

  it('gives each access ISP routers named with place codes, in its AS, and a switch', async () => {
    const components = await db.prisma.networkComponent.findMany({
      where: { kind: { in: ['ROUTER', 'SWITCH'] } },
      include: { owner: true, parent: { include: { autonomousSystem: true } } },
    });
    for (const isp of ['sp1', 'sp2', 'sp3']) {
      const routers = components.filter((c) => c.kind === 'ROUTER' && c.owner?.slug === isp);
      expect(routers.length).toBeGreaterThanOrEqual(2);
      for (const router of routers) {
        expect(router.hostname).toMatch(new RegExp(`^[a-z0-9-]+\\.cr\\d\\.[a-z]{3}\\.${isp}\\.example$`));
        expect(router.parent?.autonomousSystem?.ownerId).toBe(router.ownerId);
      }
      const switches = components.filter((c) => c.kind === 'SWITCH' && c.owner?.slug === isp);
      expect(switches).toHaveLength(1);
      expect(switches[0]!.parent?.kind).toBe('ROUTER');
    }
  });

  it('joins the right networks with inter-AS links (FIG. 1)', async () => {
    const links = await db.prisma.link.findMany({
      where: { kind: { not: 'INTERNAL' } },
      include: { component: true, aEnd: { include: { owner: true } }, bEnd: { include: { owner: true } } },
    });
    const described = links.map((link) => `${link.kind} ${[link.aEnd.owner!.slug, link.bEnd.owner!.slug].sort().join(' ')}`).sort();
    expect(described).toEqual(
      [
        'PEERING sp1 sp2',
        'PEERING sp1 sp2',
        'PEERING backbone-132 backbone-134',
        'TRANSIT backbone-132 sp1',
        'TRANSIT backbone-132 sp2',
        'TRANSIT backbone-134 sp3',
        'TRANSIT backbone-132 distributor-142',
        'TRANSIT backbone-132 distributor-402',
        'TRANSIT backbone-134 distributor-144',
      ].sort(),
    );
    for (const link of links) {
      expect(link.aEnd.kind).toBe('AUTONOMOUS_SYSTEM');
      expect(link.bEnd.kind).toBe('AUTONOMOUS_SYSTEM');
      expect(link.component.kind).toBe('LINK');
      expect(link.capacityBps).toBeGreaterThan(0n);
    }
  });

  it('groups both SP1–SP2 peering links in one link set', async () => {
    const set = await db.prisma.linkSet.findFirstOrThrow({
      where: { name: 'SP1–SP2 peering' },
      include: { members: { include: { link: { include: { aEnd: { include: { owner: true } }, bEnd: { include: { owner: true } } } } } } },
    });
    expect(set.members).toHaveLength(2);
    for (const { link } of set.members) {
      expect(link.kind).toBe('PEERING');
      expect([link.aEnd.owner!.slug, link.bEnd.owner!.slug].sort()).toEqual(['sp1', 'sp2']);
    }
  });

  it('puts each distributor’s nodes in its own AS and has the contents of FIG. 3A and 4', async () => {
    const nodes = await db.prisma.networkComponent.findMany({
      where: { kind: 'HOST', client: null },
      include: { owner: true, parent: { include: { autonomousSystem: true } } },
    });
    expect(nodes.map((node) => node.owner!.slug).sort()).toEqual(['distributor-142', 'distributor-142', 'distributor-144', 'distributor-144', 'distributor-402']);
    for (const node of nodes) expect(node.parent?.autonomousSystem?.ownerId).toBe(node.ownerId);

    const contents = await db.prisma.content.findMany({ include: { owner: true, distributor: true }, orderBy: { title: 'asc' } });
    expect(contents.map((c) => [c.title, c.kind, c.owner.slug, c.distributor?.slug, c.sizeBytes === null ? null : 'sized'])).toEqual([
      ['Hamlet', 'MOVIE', 'moviestudio', 'distributor-142', 'sized'],
      ['Matchday 1: Harbour City v Riverside', 'LIVE_EVENT', 'soccer-league', 'distributor-144', null],
      ['Matchday 1: Northbridge v Eastport', 'LIVE_EVENT', 'soccer-league', 'distributor-144', null],
      ['Pop Tune', 'MUSIC', 'label', 'distributor-402', 'sized'],
      ['RobinHood', 'MOVIE', 'moviestudio', 'distributor-142', 'sized'],
    ]);
  });

  it('measures the FIG. 7 queries, associated both ways with their entities', async () => {
    const p = db.prisma;
    const peering = await p.linkSet.findFirstOrThrow({ where: { name: 'SP1–SP2 peering' }, include: { accountingObjects: { include: { accountingObject: true } } } });
    // From the entity to its objects (702, 704 and both directions of 710)...
    expect(peering.accountingObjects.map((a) => a.accountingObject.name).sort()).toEqual(
      ['Bytes SP1→SP2', 'Bytes SP1→SP2, 18:00–24:00', 'Bytes SP2→SP1', 'MovieStudio bytes SP1→SP2'].sort(),
    );
    // ...and from the object to its entities.
    const movieStudioSp1Sp2 = await p.accountingObject.findFirstOrThrow({
      where: { name: 'MovieStudio bytes SP1→SP2' },
      include: { contentOwner: true, crossingFrom: true, crossingTo: true, linkSets: true },
    });
    expect(movieStudioSp1Sp2).toMatchObject({ metric: 'BYTES', contentOwner: { slug: 'moviestudio' }, crossingFrom: { slug: 'sp1' }, crossingTo: { slug: 'sp2' } });
    expect(movieStudioSp1Sp2.linkSets.map((l) => l.linkSetId)).toEqual([peering.id]);

    const evening = await p.accountingObject.findFirstOrThrow({ where: { name: 'Bytes SP1→SP2, 18:00–24:00' } });
    expect(evening).toMatchObject({ hourFrom: 18, hourTo: 24, contentOwnerId: null });

    const deliveredToSp1 = await p.accountingObject.findFirstOrThrow({
      where: { name: 'MovieStudio bytes delivered to SP1 subscribers' },
      include: { clients: { include: { client: true } }, contracts: { include: { contract: { include: { payer: true, payee: true } } } } },
    });
    expect(deliveredToSp1.direction).toBe('RECEIVED');
    expect(deliveredToSp1.clients.map((c) => c.client.name).sort()).toEqual(['client 102', 'client 104']);
    expect(deliveredToSp1.contracts.map(({ contract }) => [contract.payer.slug, contract.payee.slug, contract.currency, contract.billingPeriod])).toEqual([
      ['moviestudio', 'sp1', 'EUR', 'MONTH'],
    ]);

    const client102 = await p.client.findFirstOrThrow({ where: { name: 'client 102' }, include: { accountingObjects: { include: { accountingObject: true } } } });
    expect(client102.accountingObjects.map((a) => [a.accountingObject.name, a.accountingObject.metric]).sort()).toEqual([
      ['MovieStudio bytes delivered to SP1 subscribers', 'BYTES'],
      ['MovieStudio files received by client 102', 'FILES'],
    ]);

    // The other kinds of entity: a single link and components.
    expect(await p.accountingObjectLink.count()).toBe(1);
    expect(await p.accountingObjectComponent.count()).toBe(2);
  });
});

describe('ensureDemoWorld on a database that has organizations', () => {
  it('loads nothing and makes no key', async () => {
    const before = await counts();
    expect(await ensureDemoWorld(db.prisma)).toEqual({ loaded: false, adminKey: null });
    expect(await counts()).toEqual(before);
  });
});

describe('resetDemoWorld', () => {
  it('puts the world back after changes, with a new admin key and no old one', async () => {
    const client106 = await db.prisma.client.findFirstOrThrow({ where: { name: 'client 106' } });
    await db.prisma.networkComponent.delete({ where: { id: client106.componentId } });
    await db.prisma.organization.create({ data: { slug: 'intruder', name: 'Not in the story', roles: ['CONTENT_OWNER'] } });
    expect((await counts()).client).toBe(5);

    const { adminKey } = await resetDemoWorld(db.prisma);
    expect(adminKey).not.toBe(first.adminKey);
    expect(await counts()).toEqual(EXPECTED_COUNTS);
    expect((await clientNetworks())['client 106']).toBe('sp2');
    expect(await db.prisma.organization.findUnique({ where: { slug: 'intruder' } })).toBeNull();
    expect(await authenticate(db.sql, adminKey)).toMatchObject({ role: 'ADMIN' });
    expect(await authenticate(db.sql, first.adminKey!)).toBeNull();
  });
});

describe('two servers starting at once on an empty database', () => {
  it('load the world once', async () => {
    await db.prisma.$executeRawUnsafe('TRUNCATE TABLE "Organization", "NetworkComponent", "ApiKey" CASCADE');
    expect((await counts()).organization).toBe(0);
    const results = await Promise.all([ensureDemoWorld(db.prisma), ensureDemoWorld(db.prisma)]);
    expect(results.map((result) => result.loaded).sort()).toEqual([false, true]);
    expect(await counts()).toEqual(EXPECTED_COUNTS);
  });
});

// ---------------------------------------------------------------------------------------------
// The addresses, against the real data

interface Range {
  first: bigint;
  last: bigint;
  asn: number;
}

const asnData = (file: string) => createRequire(import.meta.url).resolve(`@ip-location-db/asn/${file}`);

/** The ranges of `asns` in one of the numeric CSVs (first,last,asn,organization), streamed. */
async function rangesOf(file: string, asns: ReadonlySet<number>): Promise<Range[]> {
  const ranges: Range[] = [];
  const lines = createInterface({ input: createReadStream(asnData(file)), crlfDelay: Infinity });
  for await (const line of lines) {
    // The organization (4th field) may be quoted and contain commas; the first three never do.
    const [first, last, asn] = line.split(',', 3);
    if (first === undefined || last === undefined || asn === undefined) continue;
    const number = Number(asn);
    if (!asns.has(number)) continue;
    ranges.push({ first: BigInt(first), last: BigInt(last), asn: number });
  }
  return ranges;
}

function addressNumber(address: string): bigint {
  return ipaddr
    .parse(address)
    .toByteArray()
    .reduce((value, byte) => (value << 8n) | BigInt(byte), 0n);
}

describe('addresses', () => {
  it('lie in their owner’s AS according to RouteViews + DB-IP', { timeout: 30_000 }, async () => {
    const systems = await db.prisma.autonomousSystem.findMany();
    const asnsOf = new Map<string, number[]>();
    for (const as of systems) asnsOf.set(as.ownerId, [...(asnsOf.get(as.ownerId) ?? []), as.number]);
    const asns = new Set(systems.map((as) => as.number));

    // Every component with an address: client hosts, distributors' nodes, routers.
    const components = await db.prisma.networkComponent.findMany({ where: { NOT: { addresses: { isEmpty: true } } }, include: { owner: true } });
    const checks = components.flatMap((component) =>
      component.addresses.map((address) => ({ who: `${component.name} (${component.owner?.slug})`, address, expected: asnsOf.get(component.ownerId ?? '') ?? [] })),
    );
    expect(checks.length).toBeGreaterThanOrEqual(6 + 5 + 8);
    expect(checks.some((check) => ipaddr.parse(check.address).kind() === 'ipv6')).toBe(true);

    const [v4, v6] = await Promise.all([rangesOf('asn-ipv4-num.csv', asns), rangesOf('asn-ipv6-num.csv', asns)]);
    const failures: string[] = [];
    for (const { who, address, expected } of checks) {
      const ranges = ipaddr.parse(address).kind() === 'ipv4' ? v4 : v6;
      const n = addressNumber(address);
      const found = ranges.find((range) => range.first <= n && n <= range.last);
      if (!found || !expected.includes(found.asn)) failures.push(`${who}: ${address} is in AS${found?.asn ?? '?'}, expected AS${expected.join('/AS')}`);
    }
    expect(failures).toEqual([]);
  });
});
