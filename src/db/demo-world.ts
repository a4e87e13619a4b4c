// The demo world: the network of the patents' FIG. 1, 3A and 4, loaded into an empty database so
// that a new installation has something to query, and restored on demand.
//
// Real numbers, fictional roles. Each organization plays the part the patents give it, and each
// network is given a real autonomous system so that real IP-to-AS data (ip-location-db: RouteViews
// and DB-IP) attributes the demo addresses to the right ISP. Every address below was checked
// against that data; test/db/demo-world.test.ts checks it again.
//
//     clients 102, 104                                    clients 106, 108
//     SP1 (AS3320) ═══ peering: Frankfurt, Paris ═══ SP2 (AS3215)
//            │ transit                                     │ transit
//            └───────────── backbone 132 (AS1299) ─────────┘
//                                    ║     └── transit ── distributors 142 (AS20940), 402 (AS13335)
//                                    ║ peering
//                           backbone 134 (AS3356) ── transit ── distributor 144 (AS54113)
//                                    │ transit
//                           SP3 (AS7922): clients 110, 112
//
// Distributor 142 (AS20940) serves MovieStudio's films RobinHood and Hamlet, 144 (AS54113) streams
// the soccer league's matches, 402 (AS13335) serves the label's Pop Tune. The accounting objects
// are the patent's FIG. 7 queries; the contracts price two of them.
import { Decimal } from 'decimal.js';
import { termsToJson, type ContractTerm } from '../contracts/terms.ts';
import { Prisma, type PrismaClient } from '../generated/prisma/client.ts';
import type {
  AccountingMetric,
  BillingPeriod,
  ContentKind,
  DeviceKind,
  LinkKind,
  OrganizationRole,
  TransferDirection,
  TransferType,
} from '../generated/prisma/enums.ts';
import { createApiKey } from '../auth/api-keys.ts';
import { canonicalAddress } from '../domain/validate.ts';
import { asComponentName } from '../registry/autonomous-systems.ts';

/** Whose data says which AS announces each demo address. The README quotes this. */
export const IP_DATA_ATTRIBUTION =
  'IP-to-AS data: RouteViews (routeviews.org) and DB-IP (db-ip.com), with NRO statistics (nro.net), ' +
  'via ip-location-db (@ip-location-db/asn), licensed CC BY 4.0.';

export const DEMO_ADMIN_KEY_NAME = 'demo admin';

export interface DemoWorldLoad {
  /** False when the database already had organizations and was left alone. */
  loaded: boolean;
  /** The new ADMIN key, shown once; null when nothing was loaded. */
  adminKey: string | null;
}

// Loading takes one transaction; on PGlite a hundred small statements take a few seconds, far
// more than Prisma's 5 s default would allow on a slow machine.
const LOAD_TIMEOUT_MS = 120_000;
// One fixed advisory-lock key: two servers starting on one empty PostgreSQL database must not
// both load the world. The number is arbitrary, chosen to be unlikely to clash.
const DEMO_WORLD_LOCK = 0x504c_4457; // "PLDW"

/** Loads the demo world if the database has no organizations, with an ADMIN key to explore it. */
export async function ensureDemoWorld(prisma: PrismaClient): Promise<DemoWorldLoad> {
  return prisma.$transaction(
    async (tx) => {
      await lockDemoWorld(tx);
      if ((await tx.organization.count()) > 0) return { loaded: false, adminKey: null };
      return { loaded: true, adminKey: await loadDemoWorld(tx) };
    },
    { timeout: LOAD_TIMEOUT_MS, maxWait: LOAD_TIMEOUT_MS },
  );
}

/**
 * Deletes everything (every table but the migrations record) and loads the demo world again, in
 * one transaction: a failure leaves the database as it was. Returns the new ADMIN key; every
 * older key is gone with the rest.
 */
export async function resetDemoWorld(prisma: PrismaClient): Promise<{ adminKey: string }> {
  return prisma.$transaction(
    async (tx) => {
      await lockDemoWorld(tx);
      await truncateEverything(tx);
      return { adminKey: await loadDemoWorld(tx) };
    },
    { timeout: LOAD_TIMEOUT_MS, maxWait: LOAD_TIMEOUT_MS },
  );
}

async function lockDemoWorld(tx: Prisma.TransactionClient): Promise<void> {
  // Released when the transaction ends.
  await tx.$executeRawUnsafe(`SELECT pg_advisory_xact_lock(${DEMO_WORLD_LOCK})`);
}

async function truncateEverything(tx: Prisma.TransactionClient): Promise<void> {
  // Every table in the schema the client works in, not a list of models, so that tables added
  // later (rollups written with raw SQL, report state) are emptied too. TRUNCATE … CASCADE
  // needs no foreign-key order.
  const tables = await tx.$queryRaw<{ tablename: string }[]>`
    SELECT tablename FROM pg_tables
    WHERE schemaname = current_schema() AND tablename <> '_prisma_migrations'
    ORDER BY tablename`;
  if (tables.length === 0) return;
  const list = tables.map(({ tablename }) => `"${tablename.replaceAll('"', '""')}"`).join(', ');
  await tx.$executeRawUnsafe(`TRUNCATE TABLE ${list} CASCADE`);
}

// ---------------------------------------------------------------------------------------------
// The story

async function loadDemoWorld(tx: Prisma.TransactionClient): Promise<string> {
  const world = new WorldBuilder(tx);

  // --- Who is who ------------------------------------------------------------------------------
  // Access ISPs (FIG. 1: 122, 124, 126), two backbones, three content distributors, three owners.
  const sp1 = await world.organization('sp1', 'Service Provider 1', 'SERVICE_PROVIDER');
  const sp2 = await world.organization('sp2', 'Service Provider 2', 'SERVICE_PROVIDER');
  const sp3 = await world.organization('sp3', 'Service Provider 3', 'SERVICE_PROVIDER');
  const backbone132 = await world.organization('backbone-132', 'Backbone ISP 132', 'SERVICE_PROVIDER');
  const backbone134 = await world.organization('backbone-134', 'Backbone ISP 134', 'SERVICE_PROVIDER');
  const distributor142 = await world.organization('distributor-142', 'Content Distributor 142', 'CONTENT_DISTRIBUTOR');
  const distributor144 = await world.organization('distributor-144', 'Content Distributor 144', 'CONTENT_DISTRIBUTOR');
  const distributor402 = await world.organization('distributor-402', 'Content Distributor 402', 'CONTENT_DISTRIBUTOR');
  const movieStudio = await world.organization('moviestudio', 'MovieStudio', 'CONTENT_OWNER');
  const league = await world.organization('soccer-league', 'Soccer League', 'CONTENT_OWNER');
  const label = await world.organization('label', 'Record Label', 'CONTENT_OWNER');

  // --- Their networks --------------------------------------------------------------------------
  // SP1 plays a German access network, SP2 a French one, SP3 an American cable network; the
  // backbones are a European and an American tier-1 carrier. AS names are as the registry data
  // spells them.
  const sp1As = await world.autonomousSystem(sp1, 3320, 'Deutsche Telekom AG');
  const sp2As = await world.autonomousSystem(sp2, 3215, 'Orange S.A.');
  const sp3As = await world.autonomousSystem(sp3, 7922, 'Comcast Cable Communications, LLC');
  const backbone132As = await world.autonomousSystem(backbone132, 1299, 'Arelion Sweden AB');
  const backbone134As = await world.autonomousSystem(backbone134, 3356, 'Level 3 Communications, Inc.');
  const distributor142As = await world.autonomousSystem(distributor142, 20940, 'Akamai International B.V.');
  const distributor144As = await world.autonomousSystem(distributor144, 54113, 'Fastly, Inc.');
  const distributor402As = await world.autonomousSystem(distributor402, 13335, 'Cloudflare, Inc.');

  // Routers are named the way traceroute shows them, with a place code (fra, ber, par, lyo, chi,
  // nyc) the path service can turn into a city. SP1's Frankfurt core router keeps a per-transfer
  // log, as router 104b4 does in the patent's FIG. 5.
  const sp1Frankfurt = await world.router(sp1As, 'ae1.cr1.fra.sp1.example', '217.239.40.1', 'DE', { recordTransfers: true });
  const sp1Berlin = await world.router(sp1As, 'ae2.cr1.ber.sp1.example', '217.239.48.1', 'DE');
  await world.switch(sp1Frankfurt, 'sw1.fra.sp1.example');
  const sp2Paris = await world.router(sp2As, 'ae1.cr1.par.sp2.example', '90.85.40.1', 'FR');
  await world.router(sp2As, 'ae1.cr1.lyo.sp2.example', '90.85.41.1', 'FR');
  await world.switch(sp2Paris, 'sw1.par.sp2.example');
  const sp3Chicago = await world.router(sp3As, 'ae1.cr1.chi.sp3.example', '68.86.90.1', 'US');
  await world.router(sp3As, 'ae1.cr1.nyc.sp3.example', '68.86.85.1', 'US');
  await world.switch(sp3Chicago, 'sw1.chi.sp3.example');
  await world.router(backbone132As, 'ae3.bb1.fra.backbone-132.example', '62.115.120.1', 'DE');
  await world.router(backbone134As, 'ae2.bb1.chi.backbone-134.example', '4.69.140.1', 'US');
  await world.internalLink(sp1, 'SP1 Frankfurt–Berlin core', sp1Frankfurt, sp1Berlin, 400);

  // --- How they connect (FIG. 1) ---------------------------------------------------------------
  // SP1 and SP2 peer in two places; both buy transit from backbone 132, SP3 from backbone 134;
  // the backbones peer. Each distributor's data center is connected by a backbone.
  const peeringFrankfurt = await world.link(sp1, 'SP1–SP2 peering, Frankfurt', 'PEERING', sp1As, sp2As, 100);
  const peeringParis = await world.link(sp2, 'SP1–SP2 peering, Paris', 'PEERING', sp1As, sp2As, 100);
  const sp1Transit = await world.link(backbone132, 'SP1–backbone 132 transit', 'TRANSIT', sp1As, backbone132As, 400);
  const sp2Transit = await world.link(backbone132, 'SP2–backbone 132 transit', 'TRANSIT', sp2As, backbone132As, 400);
  const sp3Transit = await world.link(backbone134, 'SP3–backbone 134 transit', 'TRANSIT', sp3As, backbone134As, 400);
  const backbonePeering = await world.link(backbone132, 'Backbone 132–134 peering', 'PEERING', backbone132As, backbone134As, 800);
  await world.link(backbone132, 'Distributor 142–backbone 132 transit', 'TRANSIT', distributor142As, backbone132As, 400);
  await world.link(backbone134, 'Distributor 144–backbone 134 transit', 'TRANSIT', distributor144As, backbone134As, 400);
  await world.link(backbone132, 'Distributor 402–backbone 132 transit', 'TRANSIT', distributor402As, backbone132As, 100);

  const sp1Sp2Peering = await world.linkSet(sp1, 'SP1–SP2 peering', 'All peering links between SP1 and SP2.', [peeringFrankfurt, peeringParis]);
  await world.linkSet(sp1, 'SP1 transit', 'SP1’s upstream transit links.', [sp1Transit]);
  await world.linkSet(backbone132, 'Backbone 132 customers', 'Transit links backbone 132 sells.', [sp1Transit, sp2Transit]);
  await world.linkSet(backbone134, 'Backbone 132–134 interconnect', 'Peering between the backbones.', [backbonePeering, sp3Transit]);

  // --- Subscribers (FIG. 1: 102–112) -----------------------------------------------------------
  const client102 = await world.client(sp1, 'client 102', 'PC', 'DE', ['79.214.61.102', '2003:e5:1f04:8a00::102']);
  const client104 = await world.client(sp1, 'client 104', 'PC', 'DE', ['84.173.22.104']);
  await world.client(sp2, 'client 106', 'PHONE', 'FR', ['90.12.77.106']);
  await world.client(sp2, 'client 108', 'PC', 'FR', ['86.201.9.108']);
  await world.client(sp3, 'client 110 (laptop)', 'PC', 'US', ['73.162.40.110', '2601:240:8200:1a0::110']);
  await world.client(sp3, 'client 112', 'PC', 'US', ['98.210.3.112']);

  // --- The distributors' nodes -----------------------------------------------------------------
  await world.node(distributor142As, 'node1.fra.distributor-142.example', 'DE', ['23.72.14.2', '2a02:26f0:fe::142']);
  await world.node(distributor142As, 'node2.par.distributor-142.example', 'FR', ['23.72.15.2']);
  await world.node(distributor144As, 'node1.chi.distributor-144.example', 'US', ['151.101.1.144']);
  await world.node(distributor144As, 'node2.nyc.distributor-144.example', 'US', ['151.101.65.144']);
  const popTuneNode = await world.node(distributor402As, 'node1.fra.distributor-402.example', 'DE', ['104.16.40.2', '2606:4700:10::402']);

  // --- What they deliver (FIG. 3A, FIG. 4) -----------------------------------------------------
  await world.content(movieStudio, distributor142, 'RobinHood', 'MOVIE', 4_700_000_000n);
  await world.content(movieStudio, distributor142, 'Hamlet', 'MOVIE', 3_900_000_000n);
  // Live streams have no size until they end.
  await world.content(league, distributor144, 'Matchday 1: Harbour City v Riverside', 'LIVE_EVENT', null);
  await world.content(league, distributor144, 'Matchday 1: Northbridge v Eastport', 'LIVE_EVENT', null);
  const popTune = await world.content(label, distributor402, 'Pop Tune', 'MUSIC', 8_400_000n);

  // --- What is measured (FIG. 7) ---------------------------------------------------------------
  // 702: all bytes leaving SP1 and entering SP2 between 18:00 and midnight, SP1's local time.
  await world.accountingObject(sp1, 'Bytes SP1→SP2, 18:00–24:00', 'BYTES', {
    crossing: [sp1, sp2],
    hours: [18, 24],
    timeZone: 'Europe/Berlin',
    entities: { linkSets: [sp1Sp2Peering] },
  });
  // 704: MovieStudio's bytes leaving SP1 and entering SP2 — associated with the set of all
  // peering links between them, as the patent describes.
  await world.accountingObject(movieStudio, 'MovieStudio bytes SP1→SP2', 'BYTES', {
    contentOwner: movieStudio,
    crossing: [sp1, sp2],
    entities: { linkSets: [sp1Sp2Peering] },
  });
  // 706: MovieStudio's bytes delivered to SP1's subscribers (the set of SP1's clients).
  const deliveredToSp1 = await world.accountingObject(movieStudio, 'MovieStudio bytes delivered to SP1 subscribers', 'BYTES', {
    contentOwner: movieStudio,
    direction: 'RECEIVED',
    entities: { clients: [client102, client104] },
  });
  // 708: how many of MovieStudio's films one client received.
  await world.accountingObject(movieStudio, 'MovieStudio files received by client 102', 'FILES', {
    contentOwner: movieStudio,
    direction: 'RECEIVED',
    entities: { clients: [client102] },
  });
  // 710: the two directions whose difference settles the peering at quarter end.
  const sp1ToSp2 = await world.accountingObject(sp1, 'Bytes SP1→SP2', 'BYTES', { crossing: [sp1, sp2], entities: { linkSets: [sp1Sp2Peering] } });
  const sp2ToSp1 = await world.accountingObject(sp1, 'Bytes SP2→SP1', 'BYTES', { crossing: [sp2, sp1], entities: { linkSets: [sp1Sp2Peering] } });
  // One object per other kind of entity: a single link, a router, a CDN node.
  await world.accountingObject(league, 'Live matches over SP1’s transit', 'BYTES', {
    contentOwner: league,
    transferType: 'LIVE_STREAM',
    entities: { links: [sp1Transit] },
  });
  await world.accountingObject(sp1, 'Bytes through SP1’s Frankfurt core router', 'BYTES', { entities: { components: [sp1Frankfurt] } });
  await world.accountingObject(label, 'Pop Tune downloads from distributor 402', 'TRANSFERS', {
    content: popTune,
    transferType: 'CDN_DOWNLOAD',
    entities: { components: [popTuneNode] },
  });

  // --- Who pays whom ---------------------------------------------------------------------------
  // The patent's example: a flat fee while delivery stays under B bytes a month, a rate per GB
  // above; and the two ISPs netting what they sent each other each quarter.
  await world.contract('MovieStudio pays SP1 for delivery to its subscribers', movieStudio, sp1, 'EUR', 'MONTH', [deliveredToSp1], [
    { kind: 'FLAT_WITH_OVERAGE', flatFee: new Decimal('500'), includedBytes: 10_000_000_000_000n, overageRatePerGb: new Decimal('0.004'), accountingObjectId: null },
  ]);
  await world.contract('SP1–SP2 peering settlement', sp2, sp1, 'EUR', 'QUARTER', [sp1ToSp2, sp2ToSp1], [{ kind: 'NETTING', ratePerGb: new Decimal('0.002'), accountingObjectId: null }]);

  return (await createApiKey(tx, { name: DEMO_ADMIN_KEY_NAME, role: 'ADMIN' })).key;
}

// ---------------------------------------------------------------------------------------------
// The builder: one method per kind of thing, each writing the rows that thing needs (an AS and
// its component, a client and its host component, a link and its link component), the way the
// registry services do.

interface Organization {
  id: string;
  slug: string;
}
interface Component {
  id: string;
  ownerId: string;
}
interface AutonomousSystem extends Component {
  /** The AS's own component, parent of its routers and hosts. */
  componentId: string;
  number: number;
}

interface AccountingObjectSpec {
  contentOwner?: Organization;
  content?: { id: string };
  transferType?: TransferType;
  direction?: TransferDirection;
  /** The path crosses from a component of the first organization to one of the second. */
  crossing?: [Organization, Organization];
  hours?: [from: number, to: number];
  timeZone?: string;
  entities: { clients?: { id: string }[]; links?: { id: string }[]; linkSets?: { id: string }[]; components?: { id: string }[] };
}

const GBPS = 1_000_000_000n;
/** Every demo contract starts with the year the demo is set in. */
const CONTRACTS_START = new Date('2026-01-01T00:00:00Z');

class WorldBuilder {
  constructor(private readonly tx: Prisma.TransactionClient) {}

  async organization(slug: string, name: string, ...roles: OrganizationRole[]): Promise<Organization> {
    return this.tx.organization.create({ data: { slug, name, roles }, select: { id: true, slug: true } });
  }

  async autonomousSystem(owner: Organization, number: number, name: string): Promise<AutonomousSystem> {
    const row = await this.tx.autonomousSystem.create({
      data: {
        number,
        name,
        owner: { connect: { id: owner.id } },
        component: { create: { kind: 'AUTONOMOUS_SYSTEM', name: asComponentName(number, name), ownerId: owner.id } },
      },
      select: { id: true, componentId: true },
    });
    return { id: row.id, componentId: row.componentId, ownerId: owner.id, number };
  }

  async router(as: AutonomousSystem, hostname: string, address: string, countryCode: string, options: { recordTransfers?: boolean } = {}): Promise<Component> {
    return this.component('ROUTER', hostname, as.ownerId, as.componentId, { hostname, addresses: [canonical(address)], countryCode, ...options });
  }

  /** A layer-2 switch behind a router; it has no address of its own on a path. */
  async switch(router: Component, hostname: string): Promise<Component> {
    return this.component('SWITCH', hostname, router.ownerId, router.id, { hostname });
  }

  /** A CDN node: a server host in the distributor's AS. */
  async node(as: AutonomousSystem, hostname: string, countryCode: string, addresses: string[]): Promise<Component> {
    return this.component('HOST', hostname, as.ownerId, as.componentId, { hostname, addresses: addresses.map(canonical), countryCode });
  }

  async client(isp: Organization, name: string, deviceKind: DeviceKind, countryCode: string, addresses: string[]): Promise<{ id: string }> {
    const canonicalAddresses = addresses.map(canonical);
    return this.tx.client.create({
      data: {
        name,
        addresses: canonicalAddresses,
        deviceKind,
        subscriberNetwork: { connect: { id: isp.id } },
        component: { create: { kind: 'HOST', name, addresses: canonicalAddresses, ownerId: isp.id, countryCode } },
      },
      select: { id: true },
    });
  }

  /** A link between two ASes; `owner` operates it. Capacity in Gb/s. */
  async link(owner: Organization, name: string, kind: LinkKind, aEnd: AutonomousSystem, bEnd: AutonomousSystem, gbps: number): Promise<{ id: string }> {
    return this.linkBetween(owner, name, kind, aEnd.componentId, bEnd.componentId, gbps);
  }

  async internalLink(owner: Organization, name: string, aEnd: Component, bEnd: Component, gbps: number): Promise<{ id: string }> {
    return this.linkBetween(owner, name, 'INTERNAL', aEnd.id, bEnd.id, gbps);
  }

  async linkSet(owner: Organization, name: string, description: string, links: { id: string }[]): Promise<{ id: string }> {
    return this.tx.linkSet.create({
      data: { name, description, ownerId: owner.id, members: { create: links.map((link) => ({ linkId: link.id })) } },
      select: { id: true },
    });
  }

  async content(owner: Organization, distributor: Organization, title: string, kind: ContentKind, sizeBytes: bigint | null): Promise<{ id: string }> {
    return this.tx.content.create({ data: { title, kind, ownerId: owner.id, distributorId: distributor.id, sizeBytes }, select: { id: true } });
  }

  async accountingObject(owner: Organization, name: string, metric: AccountingMetric, spec: AccountingObjectSpec): Promise<{ id: string }> {
    const { clients = [], links = [], linkSets = [], components = [] } = spec.entities;
    return this.tx.accountingObject.create({
      data: {
        name,
        ownerId: owner.id,
        metric,
        contentOwnerId: spec.contentOwner?.id,
        contentId: spec.content?.id,
        transferType: spec.transferType,
        direction: spec.direction,
        crossingFromId: spec.crossing?.[0].id,
        crossingToId: spec.crossing?.[1].id,
        hourFrom: spec.hours?.[0],
        hourTo: spec.hours?.[1],
        timeZone: spec.timeZone,
        // The two-way association: each join row is found from the object and from the entity.
        clients: { create: clients.map(({ id }) => ({ clientId: id })) },
        links: { create: links.map(({ id }) => ({ linkId: id })) },
        linkSets: { create: linkSets.map(({ id }) => ({ linkSetId: id })) },
        components: { create: components.map(({ id }) => ({ componentId: id })) },
      },
      select: { id: true },
    });
  }

  async contract(
    name: string,
    payer: Organization,
    payee: Organization,
    currency: string,
    billingPeriod: BillingPeriod,
    accountingObjects: { id: string }[],
    terms: ContractTerm[],
  ): Promise<{ id: string }> {
    return this.tx.contract.create({
      data: {
        name,
        payerId: payer.id,
        payeeId: payee.id,
        currency,
        billingPeriod,
        timeZone: 'Europe/Berlin',
        startsAt: CONTRACTS_START,
        accountingObjects: { create: accountingObjects.map(({ id }) => ({ accountingObjectId: id })) },
        terms: { create: { effectiveFrom: CONTRACTS_START, terms: termsToJson(terms) } },
      },
      select: { id: true },
    });
  }

  private async component(
    kind: 'ROUTER' | 'SWITCH' | 'HOST',
    name: string,
    ownerId: string,
    parentId: string,
    extra: { hostname?: string; addresses?: string[]; countryCode?: string; recordTransfers?: boolean },
  ): Promise<Component> {
    const row = await this.tx.networkComponent.create({ data: { kind, name, ownerId, parentId, ...extra }, select: { id: true } });
    return { id: row.id, ownerId };
  }

  private async linkBetween(owner: Organization, name: string, kind: LinkKind, aEndId: string, bEndId: string, gbps: number): Promise<{ id: string }> {
    return this.tx.link.create({
      data: {
        kind,
        capacityBps: BigInt(gbps) * GBPS,
        aEnd: { connect: { id: aEndId } },
        bEnd: { connect: { id: bEndId } },
        component: { create: { kind: 'LINK', name, ownerId: owner.id } },
      },
      select: { id: true },
    });
  }
}

/** Addresses are stored in canonical text, as the registry stores them, so lookups match. */
function canonical(address: string): string {
  const text = canonicalAddress(address);
  if (text === null) throw new Error(`demo world: "${address}" is not an IP address`);
  return text;
}
