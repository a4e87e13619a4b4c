// Every role against every entity type: what it may read, what it may change, and that a key
// scoped to SP1 never receives SP2's data.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { toGlobalId } from '../../src/graphql/global-id.ts';
import { startTestApi, type TestApi } from '../support/api.ts';
import { buildWorld, type World } from '../support/world.ts';

let api: TestApi;
let world: World;
type Role = 'ADMIN' | 'CONTRACT_MANAGER' | 'PARTNER' | 'AGENT' | 'VIEWER';
const ROLES: Role[] = ['ADMIN', 'CONTRACT_MANAGER', 'PARTNER', 'AGENT', 'VIEWER'];
const keys = {} as Record<Role, string>;
/** SP2's own records, which no SP1-scoped key may see. */
let sp2: { link: string; linkSet: string; accountingObject: string; contract: string; transfer: string; apiKey: string };
/** Records touching SP1, which its scoped keys see. */
let sp1: { transfer: string; apiKey: string };

beforeAll(async () => {
  api = await startTestApi();
  world = await buildWorld(api);
  // Global roles have no organization; scoped ones are SP1's.
  for (const role of ROLES) keys[role] = await api.keyFor(role, role === 'ADMIN' || role === 'CONTRACT_MANAGER' ? undefined : 'sp1');
  const made = async (mutation: string, variables: Record<string, unknown> = {}) => {
    const result = await api.admin(mutation, variables);
    const payload = Object.values(result.data as Record<string, Record<string, { id: string }>>)[0]!;
    return Object.values(payload).find((value) => value !== null && typeof value === 'object' && 'id' in value)!.id;
  };
  const link = await made(`mutation($a: ID!, $b: ID!) { createLink(input: { name: "SP2 internal", kind: INTERNAL, aEnd: $a, bEnd: $b }) { link { id } } }`, {
    a: world.router.sp2,
    b: world.as.sp2.componentId,
  });
  const linkSet = await made(`mutation { createLinkSet(input: { name: "SP2 core", owner: "sp2" }) { linkSet { id } } }`);
  const accountingObject = await made(`mutation { createAccountingObject(input: { name: "SP2 bytes", owner: "sp2", metric: BYTES }) { accountingObject { id } } }`);
  const contract = await made(`mutation { createContract(input: { name: "CDN pays SP2", payer: "cdn", payee: "sp2", currency: "EUR", billingPeriod: MONTH, startsAt: "2026-01-01T00:00:00Z" }) { contract { id } } }`);
  const apiKey = (await api.admin(`{ apiKeys(first: 100) { edges { node { id role organization { slug } } } } }`)).data.apiKeys.edges as { node: { id: string; role: string; organization: { slug: string } | null } }[];
  const transfers = await recordTransfers();
  sp2 = { link, linkSet, accountingObject, contract, transfer: transfers.sp2ToSp2, apiKey: (await keyRecord(await api.keyFor('VIEWER', 'sp2'))).id };
  sp1 = { transfer: transfers.sp1ToSp2, apiKey: apiKey.find((e) => e.node.role === 'VIEWER' && e.node.organization?.slug === 'sp1')!.node.id };
});

/** Transfers are ingested in a later issue; until then they are written straight to the table. */
async function recordTransfers() {
  const prisma = api.db.prisma;
  const org = async (slug: string) => (await prisma.organization.findUniqueOrThrow({ where: { slug } })).id;
  const [sp1Id, sp2Id, content] = [await org('sp1'), await org('sp2'), await prisma.content.findFirstOrThrow()];
  const transfer = async (externalId: string, from: string, to: string) => {
    const row = await prisma.transferEvent.create({
      data: {
        reporterId: from,
        externalId,
        sourceAddress: '192.0.2.1',
        destinationAddress: '192.0.2.2',
        sourceNetworkId: from,
        destinationNetworkId: to,
        bytes: 1000n,
        startedAt: new Date('2026-10-01T18:00:00Z'),
        endedAt: new Date('2026-10-01T18:01:00Z'),
        contentId: content.id,
        type: 'CDN_DOWNLOAD',
      },
    });
    return toGlobalId('TransferEvent', row.id);
  };
  return { sp1ToSp2: await transfer('t-sp1', sp1Id, sp2Id), sp2ToSp2: await transfer('t-sp2', sp2Id, sp2Id) };
}

async function keyRecord(key: string): Promise<{ id: string }> {
  return (await api.gql('{ me { id } }', {}, key)).data.me;
}
afterAll(() => api?.close());

const codeOf = (result: { errors?: { extensions: { code: string } }[] }) => result.errors?.[0]?.extensions.code ?? 'OK';

describe('without a key', () => {
  it('every query and mutation says UNAUTHENTICATED', async () => {
    for (const query of ['{ me { role } }', '{ organizations(first: 1) { totalCount } }', 'mutation { createOrganization(input: { slug: "x", name: "x", roles: [CONTENT_OWNER] }) { organization { id } } }']) {
      const result = await api.gql(query, {}, null);
      expect([query, codeOf(result)]).toEqual([query, 'UNAUTHENTICATED']);
    }
  });

  it('a key that does not exist is a 401', async () => {
    const result = await api.gql('{ me { role } }', {}, 'pl_not-a-real-key');
    expect(result.status).toBe(401);
    expect(codeOf(result)).toBe('UNAUTHENTICATED');
  });
});

describe('me', () => {
  it('tells every role who it is, an agent included', async () => {
    for (const role of ROLES) {
      const { data } = await api.gql('{ me { role organization { slug } } }', {}, keys[role]);
      expect(data.me).toEqual({ role, organization: role === 'ADMIN' || role === 'CONTRACT_MANAGER' ? null : { slug: 'sp1' } });
    }
  });
});

describe('reading', () => {
  // [what, id of SP1's (or public) record, id of SP2's record, whether SP2's is public]
  const records = (): [string, string, string, boolean][] => [
    ['Organization', world.org.sp1, world.org.sp2, true],
    ['AutonomousSystem', world.as.sp1.id, world.as.sp2.id, true],
    ['NetworkComponent (router)', world.router.sp1, world.router.sp2, false],
    ['Client', world.client.alice, world.client.bob, false],
    ['Link', world.link, sp2.link, false],
    ['Content', world.content, world.content, true],
    ['LinkSet', world.linkSet, sp2.linkSet, false],
    ['AccountingObject (via its contract with SP1)', world.accountingObject, sp2.accountingObject, false],
    ['Contract', world.contract, sp2.contract, false],
    ['TransferEvent', sp1.transfer, sp2.transfer, false],
  ];

  it('AGENT keys may read nothing but themselves', async () => {
    for (const [what, own] of records()) {
      expect([what, codeOf(await api.gql(`query($id: ID!) { node(id: $id) { id } }`, { id: own }, keys.AGENT))]).toEqual([what, 'FORBIDDEN']);
    }
    expect(codeOf(await api.gql('{ clients(first: 5) { totalCount } }', {}, keys.AGENT))).toBe('FORBIDDEN');
  });

  it('global roles see everyone; scoped roles see their own and the public directory, never SP2', async () => {
    for (const role of ['ADMIN', 'CONTRACT_MANAGER', 'PARTNER', 'VIEWER'] as const) {
      const scoped = role === 'PARTNER' || role === 'VIEWER';
      for (const [what, own, other, isPublic] of records()) {
        const read = async (id: string) => (await api.gql(`query($id: ID!) { node(id: $id) { id } }`, { id }, keys[role])).data.node?.id ?? null;
        expect([role, what, 'own', await read(own)]).toEqual([role, what, 'own', own]);
        expect([role, what, 'other', await read(other)]).toEqual([role, what, 'other', scoped && !isPublic ? null : other]);
      }
    }
  });

  it('scoped lists hold only their organization’s records', async () => {
    const query = `{
      clients(first: 50) { totalCount edges { node { name } } }
      links(first: 50) { totalCount }
      linkSets(first: 50) { totalCount }
      accountingObjects(first: 50) { totalCount }
      contracts(first: 50) { totalCount }
      networkComponents(first: 50, kind: ROUTER) { edges { node { name } } }
    }`;
    const admin = (await api.gql(query, {}, keys.ADMIN)).data;
    const viewer = (await api.gql(query, {}, keys.VIEWER)).data;
    expect(admin.clients.totalCount).toBe(2);
    expect(viewer.clients).toEqual({ totalCount: 1, edges: [{ node: { name: 'alice' } }] });
    expect(admin.links.totalCount).toBe(2);
    expect(viewer.links.totalCount).toBe(1);
    expect(viewer.linkSets.totalCount).toBe(1);
    expect(viewer.accountingObjects.totalCount).toBe(1); // via the contract SP1 is party to
    expect(viewer.contracts.totalCount).toBe(1);
    expect(viewer.networkComponents.edges).toEqual([{ node: { name: 'ae1.cr1.fra.sp1.example' } }]);

    // An SP2 key sees its own and none of SP1's private records.
    const other = (await api.gql(query, {}, await api.keyFor('VIEWER', 'sp2'))).data;
    expect(other.clients.edges).toEqual([{ node: { name: 'bob' } }]);
    expect(other.linkSets.totalCount).toBe(1);
    expect(other.accountingObjects.totalCount).toBe(1);
    expect(other.contracts.totalCount).toBe(1);
  });

  it('nested lists are narrowed too: an object’s entities show only what the key may see', async () => {
    await api.admin(`mutation($o: ID!, $e: [ID!]!) { associate(input: { accountingObject: $o, entities: $e }) { userErrors { message } } }`, {
      o: world.accountingObject,
      e: [world.client.bob],
    });
    const query = `query($id: ID!) { node(id: $id) { ... on AccountingObject { entities(first: 10, kinds: [CLIENT]) { totalCount edges { node { ... on Client { name } } } } } } }`;
    const admin = (await api.gql(query, { id: world.accountingObject }, keys.ADMIN)).data.node.entities;
    const partner = (await api.gql(query, { id: world.accountingObject }, keys.PARTNER)).data.node.entities;
    expect(admin.totalCount).toBe(2);
    expect(partner).toEqual({ totalCount: 1, edges: [{ node: { name: 'alice' } }] });
  });

  it('a scoped key sees its own API key record and no other', async () => {
    const read = async (id: string) => (await api.gql(`query($id: ID!) { node(id: $id) { id } }`, { id }, keys.VIEWER)).data.node?.id ?? null;
    expect(await read(sp1.apiKey)).toBe(sp1.apiKey);
    expect(await read(sp2.apiKey)).toBeNull();
    expect((await api.gql(`query($id: ID!) { node(id: $id) { id } }`, { id: sp2.apiKey }, keys.ADMIN)).data.node.id).toBe(sp2.apiKey);
  });

  it('API keys are listed only for admins', async () => {
    for (const role of ROLES) {
      expect([role, codeOf(await api.gql('{ apiKeys(first: 5) { totalCount } }', {}, keys[role]))]).toEqual([role, role === 'ADMIN' ? 'OK' : 'FORBIDDEN']);
    }
  });
});

describe('writing', () => {
  // Each mutation with the roles that may run it. Inputs are for SP1 (the scoped keys' own).
  let n = 0;
  const unique = () => `w${++n}`;
  const mutations = (): [string, () => [string, Record<string, unknown>], Role[]][] => [
    ['createOrganization', () => [`mutation($i: CreateOrganizationInput!) { createOrganization(input: $i) { organization { id } userErrors { code } } }`, { i: { slug: unique(), name: 'x', roles: ['CONTENT_OWNER'] } }], ['ADMIN']],
    ['createAutonomousSystem', () => [`mutation($i: CreateAutonomousSystemInput!) { createAutonomousSystem(input: $i) { autonomousSystem { id } userErrors { code } } }`, { i: { number: 65000 + ++n, name: 'x', owner: 'sp1' } }], ['ADMIN', 'PARTNER']],
    ['createAddressPrefix', () => [`mutation($i: CreateAddressPrefixInput!) { createAddressPrefix(input: $i) { addressPrefix { id } userErrors { code } } }`, { i: { prefix: `10.${++n}.0.0/16`, organization: 'sp1' } }], ['ADMIN', 'PARTNER']],
    ['createNetworkComponent', () => [`mutation($i: CreateNetworkComponentInput!) { createNetworkComponent(input: $i) { networkComponent { id } userErrors { code } } }`, { i: { kind: 'ROUTER', name: unique(), owner: 'sp1' } }], ['ADMIN', 'PARTNER']],
    ['createClient', () => [`mutation($i: CreateClientInput!) { createClient(input: $i) { client { id } userErrors { code } } }`, { i: { name: unique(), addresses: ['198.51.100.99'], subscriberNetwork: 'sp1' } }], ['ADMIN', 'PARTNER']],
    ['createLink', () => [`mutation($i: CreateLinkInput!) { createLink(input: $i) { link { id } userErrors { code } } }`, { i: { name: unique(), kind: 'INTERNAL', aEnd: world.router.sp1, bEnd: world.as.sp1.componentId } }], ['ADMIN', 'PARTNER']],
    ['createLinkSet', () => [`mutation($i: CreateLinkSetInput!) { createLinkSet(input: $i) { linkSet { id } userErrors { code } } }`, { i: { name: unique(), owner: 'sp1' } }], ['ADMIN', 'CONTRACT_MANAGER', 'PARTNER']],
    ['createContent', () => [`mutation($i: CreateContentInput!) { createContent(input: $i) { content { id } userErrors { code } } }`, { i: { title: unique(), kind: 'MOVIE', owner: 'moviestudio' } }], ['ADMIN', 'CONTRACT_MANAGER']],
    ['createAccountingObject', () => [`mutation($i: CreateAccountingObjectInput!) { createAccountingObject(input: $i) { accountingObject { id } userErrors { code } } }`, { i: { name: unique(), owner: 'sp1', metric: 'BYTES' } }], ['ADMIN', 'CONTRACT_MANAGER']],
    ['associate', () => [`mutation($i: AssociationInput!) { associate(input: $i) { accountingObject { id } userErrors { code } } }`, { i: { accountingObject: world.accountingObject, entities: [world.client.alice] } }], ['ADMIN', 'CONTRACT_MANAGER']],
    ['createContract', () => [`mutation($i: CreateContractInput!) { createContract(input: $i) { contract { id } userErrors { code } } }`, { i: { name: unique(), payer: 'moviestudio', payee: 'sp1', currency: 'EUR', billingPeriod: 'MONTH', startsAt: '2026-01-01T00:00:00Z' } }], ['ADMIN', 'CONTRACT_MANAGER']],
    ['createApiKey', () => [`mutation($i: CreateApiKeyInput!) { createApiKey(input: $i) { key userErrors { code } } }`, { i: { name: unique(), role: 'VIEWER', organization: 'sp1' } }], ['ADMIN']],
  ];

  it('each role may run exactly the mutations its table allows', async () => {
    for (const [name, build, allowed] of mutations()) {
      for (const role of ROLES) {
        const [query, variables] = build();
        const result = await api.gql(query, variables, keys[role]);
        const outcome = codeOf(result) === 'OK' ? (result.data[name].userErrors[0]?.code ?? 'OK') : codeOf(result);
        expect([name, role, outcome]).toEqual([name, role, allowed.includes(role) ? 'OK' : 'FORBIDDEN']);
      }
    }
  });

  it("a partner may not change another organization's records, nor create them for it", async () => {
    const partner = keys.PARTNER;
    const attempts: [string, Record<string, unknown>][] = [
      [`mutation($id: ID!) { updateClient(input: { id: $id, name: "mine now" }) { client { id } userErrors { field code } } }`, { id: world.client.bob }],
      [`mutation($id: ID!) { deleteNetworkComponent(input: { id: $id }) { deletedId userErrors { field code } } }`, { id: world.router.sp2 }],
      [`mutation($id: ID!) { updateOrganization(input: { id: $id, name: "taken over" }) { organization { id } userErrors { field code } } }`, { id: world.org.sp2 }],
      [`mutation { createClient(input: { name: "x", addresses: ["203.0.113.5"], subscriberNetwork: "sp2" }) { client { id } userErrors { field code } } }`, {}],
      [`mutation($id: ID!) { deleteLink(input: { id: $id }) { deletedId userErrors { field code } } }`, { id: sp2.link }],
    ];
    for (const [query, variables] of attempts) {
      const result = await api.gql(query, variables, partner);
      const payload = Object.values(result.data as Record<string, { userErrors: { code: string }[] }>)[0]!;
      expect([query, payload.userErrors[0]?.code]).toEqual([query, 'FORBIDDEN']);
    }
    // Nothing changed.
    const bob = await api.admin(`query($id: ID!) { node(id: $id) { ... on Client { name } } }`, { id: world.client.bob });
    expect(bob.data.node.name).toBe('bob');
    const sp2Organization = await api.admin(`{ organization(slug: "sp2") { name } }`);
    expect(sp2Organization.data.organization.name).toBe('Service Provider 2');
  });

  it('a partner may maintain its own organization', async () => {
    const result = await api.gql(`mutation($id: ID!) { updateOrganization(input: { id: $id, name: "SP1 GmbH" }) { organization { name } userErrors { code } } }`, { id: world.org.sp1 }, keys.PARTNER);
    expect(result.data.updateOrganization).toEqual({ organization: { name: 'SP1 GmbH' }, userErrors: [] });
  });
});
