// Create, read, update, delete and list through the API for every entity, with the errors a
// caller can make along the way.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApi, type TestApi } from '../support/api.ts';
import { buildWorld, type World } from '../support/world.ts';

let api: TestApi;
let world: World;

beforeAll(async () => {
  api = await startTestApi();
  world = await buildWorld(api);
});
afterAll(() => api?.close());

const ERRORS = 'userErrors { field message code }';

describe('organizations', () => {
  it('are found by slug and listed by role', async () => {
    const { data } = await api.admin(`{
      organization(slug: "sp1") { id slug name roles autoDiscovered }
      organizations(first: 10, role: SERVICE_PROVIDER) { totalCount edges { node { slug } } }
    }`);
    expect(data.organization).toMatchObject({ id: world.org.sp1, slug: 'sp1', roles: ['SERVICE_PROVIDER'], autoDiscovered: false });
    expect(data.organizations.totalCount).toBe(2);
    expect(data.organizations.edges.map((e: { node: { slug: string } }) => e.node.slug)).toEqual(['sp1', 'sp2']);
  });

  it('refuse a taken or malformed slug, naming the field', async () => {
    const create = (slug: string) =>
      api.admin(`mutation($slug: String!) { createOrganization(input: { slug: $slug, name: "X", roles: [CONTENT_OWNER] }) { organization { id } ${ERRORS} } }`, { slug });
    expect((await create('sp1')).data.createOrganization).toEqual({
      organization: null,
      userErrors: [{ field: ['input', 'slug'], message: 'the slug "sp1" is taken.', code: 'TAKEN' }],
    });
    expect((await create('Not A Slug')).data.createOrganization.userErrors[0]).toMatchObject({ field: ['input', 'slug'], code: 'INVALID' });
  });

  it('update, and cannot be deleted while they own records', async () => {
    const { data } = await api.admin(`mutation($id: ID!) { updateOrganization(input: { id: $id, name: "SP One" }) { organization { name slug } ${ERRORS} } }`, {
      id: world.org.sp1,
    });
    expect(data.updateOrganization).toEqual({ organization: { name: 'SP One', slug: 'sp1' }, userErrors: [] });
    const deleted = await api.admin(`mutation($id: ID!) { deleteOrganization(input: { id: $id }) { deletedId ${ERRORS} } }`, { id: world.org.sp1 });
    expect(deleted.data.deleteOrganization.deletedId).toBeNull();
    expect(deleted.data.deleteOrganization.userErrors[0]).toMatchObject({ field: ['input', 'id'], code: 'IN_USE' });
  });

  it('delete when nothing refers to them', async () => {
    const created = await api.admin(`mutation { createOrganization(input: { slug: "gone-soon", name: "Gone", roles: [CONTENT_OWNER] }) { organization { id } } }`);
    const id = created.data.createOrganization.organization.id;
    const deleted = await api.admin(`mutation($id: ID!) { deleteOrganization(input: { id: $id }) { deletedId ${ERRORS} } }`, { id });
    expect(deleted.data.deleteOrganization).toEqual({ deletedId: id, userErrors: [] });
    expect((await api.admin(`query($id: ID!) { node(id: $id) { id } }`, { id })).data.node).toBeNull();
  });
});

describe('autonomous systems', () => {
  it('carry their owner onto their component', async () => {
    const { data } = await api.admin(`{ autonomousSystem(number: 64501) { id number owner { slug } component { kind name owner { slug } autonomousSystem { number } } } }`);
    expect(data.autonomousSystem).toMatchObject({
      number: 64501,
      owner: { slug: 'sp1' },
      component: { kind: 'AUTONOMOUS_SYSTEM', name: 'AS64501 SP1', owner: { slug: 'sp1' }, autonomousSystem: { number: 64501 } },
    });
  });

  it('refuse a number already registered and one out of range', async () => {
    const create = (number: number) =>
      api.admin(`mutation($n: Int!) { createAutonomousSystem(input: { number: $n, name: "X", owner: "sp2" }) { autonomousSystem { id } ${ERRORS} } }`, { n: number });
    expect((await create(64501)).data.createAutonomousSystem.userErrors[0]).toMatchObject({ field: ['input', 'number'], code: 'TAKEN' });
    expect((await create(0)).data.createAutonomousSystem.userErrors[0]).toMatchObject({ field: ['input', 'number'], code: 'INVALID' });
  });

  it('move to a new owner, component and all, and delete', async () => {
    const created = await api.admin(`mutation { createAutonomousSystem(input: { number: 64999, name: "Spare", owner: "sp1" }) { autonomousSystem { id } } }`);
    const id = created.data.createAutonomousSystem.autonomousSystem.id;
    const moved = await api.admin(`mutation($id: ID!) { updateAutonomousSystem(input: { id: $id, owner: "sp2", name: "Spare 2" }) { autonomousSystem { owner { slug } component { name owner { slug } } } } }`, { id });
    expect(moved.data.updateAutonomousSystem.autonomousSystem).toEqual({ owner: { slug: 'sp2' }, component: { name: 'AS64999 Spare 2', owner: { slug: 'sp2' } } });
    const deleted = await api.admin(`mutation($id: ID!) { deleteAutonomousSystem(input: { id: $id }) { deletedId } }`, { id });
    expect(deleted.data.deleteAutonomousSystem.deletedId).toBe(id);
    expect((await api.admin(`{ autonomousSystem(number: 64999) { id } }`)).data.autonomousSystem).toBeNull();
  });

  it('cannot be deleted while a link ends on them', async () => {
    const { data } = await api.admin(`mutation($id: ID!) { deleteAutonomousSystem(input: { id: $id }) { deletedId ${ERRORS} } }`, { id: world.as.sp1.id });
    expect(data.deleteAutonomousSystem.userErrors[0]).toMatchObject({ code: 'IN_USE' });
  });
});

describe('address prefixes', () => {
  const create = (input: Record<string, unknown>) =>
    api.admin(`mutation($i: CreateAddressPrefixInput!) { createAddressPrefix(input: $i) { addressPrefix { id prefix asNumber organization { slug } } ${ERRORS} } }`, { i: input });

  it('are stored canonical, host bits cleared, and listed per organization', async () => {
    const { data } = await create({ prefix: '198.51.100.77/24', organization: 'sp1', asNumber: 64501, description: 'lab' });
    expect(data.createAddressPrefix).toMatchObject({ addressPrefix: { prefix: '198.51.100.0/24', asNumber: 64501, organization: { slug: 'sp1' } }, userErrors: [] });
    await create({ prefix: '2001:DB8:0:0::/48', organization: 'sp2' });
    const listed = await api.admin(`{ addressPrefixes(first: 10, organization: "sp2") { totalCount edges { node { prefix } } } }`);
    expect(listed.data.addressPrefixes).toEqual({ totalCount: 1, edges: [{ node: { prefix: '2001:db8::/48' } }] });
  });

  it('refuse a malformed or taken prefix, and an owner that is not an ISP', async () => {
    expect((await create({ prefix: '198.51.100.0/33', organization: 'sp1' })).data.createAddressPrefix.userErrors[0]).toMatchObject({ field: ['input', 'prefix'], code: 'INVALID' });
    expect((await create({ prefix: '198.51.100.1/24', organization: 'sp2' })).data.createAddressPrefix.userErrors[0]).toMatchObject({
      field: ['input', 'prefix'],
      message: '198.51.100.0/24 is already registered.',
      code: 'TAKEN',
    });
    expect((await create({ prefix: '192.0.2.0/24', organization: 'moviestudio' })).data.createAddressPrefix.userErrors[0]).toMatchObject({ field: ['input', 'organization'] });
  });

  it('update and delete', async () => {
    const made = (await create({ prefix: '203.0.113.0/25', organization: 'sp2' })).data.createAddressPrefix.addressPrefix;
    const updated = await api.admin(`mutation($id: ID!) { updateAddressPrefix(input: { id: $id, prefix: "203.0.113.0/24", asNumber: 64502 }) { addressPrefix { prefix asNumber } } }`, { id: made.id });
    expect(updated.data.updateAddressPrefix.addressPrefix).toEqual({ prefix: '203.0.113.0/24', asNumber: 64502 });
    expect((await api.admin(`mutation($id: ID!) { deleteAddressPrefix(input: { id: $id }) { deletedId } }`, { id: made.id })).data.deleteAddressPrefix.deletedId).toBe(made.id);
  });
});

describe('network components', () => {
  it('list by kind and owner, with parents', async () => {
    const { data } = await api.admin(`{ networkComponents(first: 10, kind: ROUTER, owner: "sp1") { totalCount edges { node { name hostname parent { name } } } } }`);
    expect(data.networkComponents.totalCount).toBe(1);
    expect(data.networkComponents.edges[0].node).toEqual({ name: 'ae1.cr1.fra.sp1.example', hostname: 'ae1.cr1.fra.sp1.example', parent: { name: 'AS64501 SP1' } });
  });

  it('carry hostname patterns for a router’s other interface names', async () => {
    const made = await api.admin(
      `mutation { createNetworkComponent(input: { kind: ROUTER, name: "cr2.fra", owner: "sp1", hostnamePatterns: ["*.CR2.fra.sp1.example", "ae*.cr2.fra.sp1.example"] }) { networkComponent { hostnamePatterns } ${ERRORS} } }`,
    );
    expect(made.data.createNetworkComponent).toEqual({ networkComponent: { hostnamePatterns: ['*.cr2.fra.sp1.example', 'ae*.cr2.fra.sp1.example'] }, userErrors: [] });
    const bad = await api.admin(`mutation { createNetworkComponent(input: { kind: ROUTER, name: "x", owner: "sp1", hostnamePatterns: ["ok.example", "*.*"] }) { ${ERRORS} } }`);
    expect(bad.data.createNetworkComponent.userErrors[0]).toMatchObject({ field: ['input', 'hostnamePatterns', '1'] });
  });

  it('send autonomous systems and links to their own mutations', async () => {
    const { data } = await api.admin(`mutation { createNetworkComponent(input: { kind: LINK, name: "x", owner: "sp1" }) { networkComponent { id } ${ERRORS} } }`);
    expect(data.createNetworkComponent.userErrors[0]).toMatchObject({ field: ['input', 'kind'], message: 'LINK components are created with createLink.' });
  });

  it('need an owner unless they are places', async () => {
    const router = await api.admin(`mutation { createNetworkComponent(input: { kind: ROUTER, name: "orphan" }) { networkComponent { id } ${ERRORS} } }`);
    expect(router.data.createNetworkComponent.userErrors[0]).toMatchObject({ field: ['input', 'owner'] });
    const country = await api.admin(`mutation { createNetworkComponent(input: { kind: COUNTRY, name: "Germany", countryCode: "de" }) { networkComponent { countryCode owner { slug } } } }`);
    expect(country.data.createNetworkComponent.networkComponent).toEqual({ countryCode: 'DE', owner: null });
  });

  it('update and delete a switch on a router', async () => {
    const created = await api.admin(
      `mutation($parent: ID!) { createNetworkComponent(input: { kind: SWITCH, name: "sw1", owner: "sp1", parent: $parent, addresses: ["2001:DB8::1"], recordTransfers: true }) { networkComponent { id addresses recordTransfers source } } }`,
      { parent: world.router.sp1 },
    );
    const component = created.data.createNetworkComponent.networkComponent;
    expect(component).toMatchObject({ addresses: ['2001:db8::1'], recordTransfers: true, source: 'REGISTERED' });
    const updated = await api.admin(`mutation($id: ID!) { updateNetworkComponent(input: { id: $id, name: "sw1-renamed" }) { networkComponent { name } } }`, { id: component.id });
    expect(updated.data.updateNetworkComponent.networkComponent.name).toBe('sw1-renamed');
    const selfParent = await api.admin(`mutation($id: ID!) { updateNetworkComponent(input: { id: $id, parent: $id }) { ${ERRORS} } }`, { id: component.id });
    expect(selfParent.data.updateNetworkComponent.userErrors[0]).toMatchObject({ field: ['input', 'parent'] });
    const deleted = await api.admin(`mutation($id: ID!) { deleteNetworkComponent(input: { id: $id }) { deletedId } }`, { id: component.id });
    expect(deleted.data.deleteNetworkComponent.deletedId).toBe(component.id);
  });
});

describe('clients', () => {
  it('are found by address, in canonical form', async () => {
    const { data } = await api.admin(`{ client(address: "198.51.100.10") { id name addresses deviceKind subscriberNetwork { slug } component { kind owner { slug } client { name } } } }`);
    expect(data.client).toMatchObject({
      id: world.client.alice,
      addresses: ['198.51.100.10'],
      deviceKind: 'PC',
      subscriberNetwork: { slug: 'sp1' },
      component: { kind: 'HOST', owner: { slug: 'sp1' }, client: { name: 'alice' } },
    });
  });

  it('subscribe only to service providers, and need a real address', async () => {
    const create = (addresses: string[], subscriberNetwork: string) =>
      api.admin(`mutation($a: [IPAddress!]!, $s: String!) { createClient(input: { name: "c", addresses: $a, subscriberNetwork: $s }) { client { id } ${ERRORS} } }`, {
        a: addresses,
        s: subscriberNetwork,
      });
    expect((await create(['192.0.2.1'], 'moviestudio')).data.createClient.userErrors[0]).toMatchObject({
      field: ['input', 'subscriberNetwork'],
      message: 'organization "moviestudio" is not a service provider.',
    });
    expect((await create(['192.0.2.1'], 'nobody')).data.createClient.userErrors[0]).toMatchObject({ code: 'NOT_FOUND' });
    const bad = await create(['300.1.1.1'], 'sp1');
    expect(bad.errors?.[0]?.extensions.code).toBe('BAD_USER_INPUT');
    expect(bad.errors?.[0]?.message).toMatch(/\$a.*IPAddress must be an IPv4 or IPv6 address/);
  });

  it('update their host with them, and delete', async () => {
    const created = await api.admin(`mutation { createClient(input: { name: "carol", addresses: ["198.51.100.77"], subscriberNetwork: "sp1", deviceKind: PHONE }) { client { id } } }`);
    const id = created.data.createClient.client.id;
    const moved = await api.admin(`mutation($id: ID!) { updateClient(input: { id: $id, subscriberNetwork: "sp2", addresses: ["203.0.113.77"] }) { client { addresses subscriberNetwork { slug } component { addresses owner { slug } } } } }`, { id });
    expect(moved.data.updateClient.client).toEqual({ addresses: ['203.0.113.77'], subscriberNetwork: { slug: 'sp2' }, component: { addresses: ['203.0.113.77'], owner: { slug: 'sp2' } } });
    expect((await api.admin(`mutation($id: ID!) { deleteClient(input: { id: $id }) { deletedId } }`, { id })).data.deleteClient.deletedId).toBe(id);
    expect((await api.admin(`{ client(address: "203.0.113.77") { id } }`)).data.client).toBeNull();
  });
});

describe('links and link sets', () => {
  it('join two components and belong to sets', async () => {
    const { data } = await api.admin(`query($id: ID!) { node(id: $id) { ... on Link { name kind capacityBps owner { slug } aEnd { name } bEnd { name } component { kind } linkSets(first: 5) { totalCount edges { node { name } } } } } }`, {
      id: world.link,
    });
    expect(data.node).toEqual({
      name: 'SP1–SP2 peering',
      kind: 'PEERING',
      capacityBps: '100000000000',
      owner: { slug: 'sp1' },
      aEnd: { name: 'AS64501 SP1' },
      bEnd: { name: 'AS64502 SP2' },
      component: { kind: 'LINK' },
      linkSets: { totalCount: 1, edges: [{ node: { name: 'SP1–SP2 peering links' } }] },
    });
  });

  it('refuse a link from a component to itself', async () => {
    const { data } = await api.admin(`mutation($a: ID!) { createLink(input: { name: "loop", kind: INTERNAL, aEnd: $a, bEnd: $a }) { link { id } ${ERRORS} } }`, { a: world.as.sp1.componentId });
    expect(data.createLink.userErrors[0]).toMatchObject({ field: ['input', 'bEnd'] });
  });

  it('gain and lose members idempotently', async () => {
    const made = await api.admin(`mutation($a: ID!, $b: ID!) { createLink(input: { name: "second", kind: TRANSIT, aEnd: $a, bEnd: $b }) { link { id owner { slug } } } }`, {
      a: world.as.sp2.componentId,
      b: world.as.sp1.componentId,
    });
    const second = made.data.createLink.link;
    expect(second.owner.slug).toBe('sp2');
    const members = async (mutation: string) =>
      (await api.admin(`mutation($s: ID!, $l: [ID!]!) { ${mutation}(input: { linkSet: $s, links: $l }) { linkSet { links(first: 10) { totalCount } } ${ERRORS} } }`, { s: world.linkSet, l: [second.id] }))
        .data[mutation];
    expect((await members('addLinksToLinkSet')).linkSet.links.totalCount).toBe(2);
    expect((await members('addLinksToLinkSet')).linkSet.links.totalCount).toBe(2);
    expect((await members('removeLinksFromLinkSet')).linkSet.links.totalCount).toBe(1);
    expect((await api.admin(`mutation($id: ID!) { deleteLink(input: { id: $id }) { deletedId } }`, { id: second.id })).data.deleteLink.deletedId).toBe(second.id);
  });

  it('name the missing link by its index', async () => {
    const { data } = await api.admin(`mutation($s: ID!, $l: [ID!]!) { addLinksToLinkSet(input: { linkSet: $s, links: $l }) { ${ERRORS} } }`, { s: world.linkSet, l: [world.link, world.client.alice] });
    expect(data.addLinksToLinkSet.userErrors[0]).toMatchObject({ field: ['input', 'links', '1'], message: 'expected the id of a Link, got a Client.' });
  });
});

describe('contents', () => {
  it('belong to a content owner, unique by title', async () => {
    const { data } = await api.admin(`{ contents(first: 5, owner: "moviestudio") { edges { node { title kind sizeBytes owner { slug } distributor { slug } } } } }`);
    expect(data.contents.edges[0].node).toEqual({ title: 'RobinHood', kind: 'MOVIE', sizeBytes: '4000000000', owner: { slug: 'moviestudio' }, distributor: { slug: 'cdn' } });
    const again = await api.admin(`mutation { createContent(input: { title: "RobinHood", kind: MOVIE, owner: "moviestudio" }) { content { id } ${ERRORS} } }`);
    expect(again.data.createContent.userErrors[0]).toMatchObject({ field: ['input', 'title'], code: 'TAKEN' });
    const negative = await api.admin(`mutation { createContent(input: { title: "Hamlet", kind: MOVIE, owner: "moviestudio", sizeBytes: "-1" }) { content { id } ${ERRORS} } }`);
    expect(negative.data.createContent.userErrors[0]).toMatchObject({ field: ['input', 'sizeBytes'] });
  });

  it('update and delete', async () => {
    const made = await api.admin(`mutation { createContent(input: { title: "Hamlet", kind: MOVIE, owner: "moviestudio" }) { content { id } } }`);
    const id = made.data.createContent.content.id;
    const updated = await api.admin(`mutation($id: ID!) { updateContent(input: { id: $id, sizeBytes: "9007199254740993" }) { content { sizeBytes } } }`, { id });
    expect(updated.data.updateContent.content.sizeBytes).toBe('9007199254740993');
    expect((await api.admin(`mutation($id: ID!) { deleteContent(input: { id: $id }) { deletedId } }`, { id })).data.deleteContent.deletedId).toBe(id);
  });
});

describe('accounting objects, associated two ways', () => {
  it('list their entities and their filter', async () => {
    const { data } = await api.admin(`query($id: ID!) { node(id: $id) { ... on AccountingObject {
      name metric owner { slug }
      filter { contentOwner { slug } crossing { from { slug } to { slug } } hours { from to } timeZone direction transferType content { title } }
      entities(first: 10) { totalCount edges { node { __typename ... on Client { name } ... on LinkSet { name } } } }
      contracts(first: 5) { edges { node { name } } }
    } } }`, { id: world.accountingObject });
    expect(data.node).toEqual({
      name: 'MovieStudio bytes SP1 → SP2',
      metric: 'BYTES',
      owner: { slug: 'moviestudio' },
      filter: { contentOwner: { slug: 'moviestudio' }, crossing: { from: { slug: 'sp1' }, to: { slug: 'sp2' } }, hours: { from: 18, to: 24 }, timeZone: 'Europe/Berlin', direction: 'ANY', transferType: null, content: null },
      entities: { totalCount: 2, edges: [{ node: { __typename: 'Client', name: 'alice' } }, { node: { __typename: 'LinkSet', name: 'SP1–SP2 peering links' } }] },
      contracts: { edges: [{ node: { name: 'MovieStudio pays SP1' } }] },
    });
  });

  it('are reachable from each entity, and associate and dissociate idempotently', async () => {
    const objectsOf = async () =>
      (
        await api.admin(`query($c: ID!, $l: ID!, $r: ID!) {
          client: node(id: $c) { ... on Client { accountingObjects(first: 5) { totalCount } } }
          link: node(id: $l) { ... on Link { accountingObjects(first: 5) { totalCount } } }
          router: node(id: $r) { ... on NetworkComponent { accountingObjects(first: 5) { totalCount edges { node { name } } } } }
        }`, { c: world.client.bob, l: world.link, r: world.router.sp2 })
      ).data;
    expect(await objectsOf()).toEqual({ client: { accountingObjects: { totalCount: 0 } }, link: { accountingObjects: { totalCount: 0 } }, router: { accountingObjects: { totalCount: 0, edges: [] } } });

    const change = (mutation: string) =>
      api.admin(`mutation($o: ID!, $e: [ID!]!) { ${mutation}(input: { accountingObject: $o, entities: $e }) { accountingObject { entities(first: 10) { totalCount } } ${ERRORS} } }`, {
        o: world.accountingObject,
        e: [world.client.bob, world.link, world.router.sp2],
      });
    expect((await change('associate')).data.associate).toEqual({ accountingObject: { entities: { totalCount: 5 } }, userErrors: [] });
    expect((await change('associate')).data.associate.accountingObject.entities.totalCount).toBe(5);
    const after = await objectsOf();
    expect(after.client.accountingObjects.totalCount).toBe(1);
    expect(after.link.accountingObjects.totalCount).toBe(1);
    expect(after.router.accountingObjects.edges).toEqual([{ node: { name: 'MovieStudio bytes SP1 → SP2' } }]);

    expect((await change('dissociate')).data.dissociate.accountingObject.entities.totalCount).toBe(2);
    expect((await change('dissociate')).data.dissociate.accountingObject.entities.totalCount).toBe(2);
    expect((await objectsOf()).router.accountingObjects.totalCount).toBe(0);
  });

  it('page through entities of mixed kinds with cursors, and filter by kind', async () => {
    await api.admin(`mutation($o: ID!, $e: [ID!]!) { associate(input: { accountingObject: $o, entities: $e }) { ${ERRORS} } }`, {
      o: world.accountingObject,
      e: [world.client.bob, world.link, world.router.sp1, world.router.sp2],
    });
    const page = (after: string | null) =>
      api.admin(`query($id: ID!, $after: String) { node(id: $id) { ... on AccountingObject { entities(first: 2, after: $after) { totalCount pageInfo { hasNextPage endCursor } edges { node { __typename } } } } } }`, {
        id: world.accountingObject,
        after,
      });
    const seen: string[] = [];
    let after: string | null = null;
    for (let i = 0; i < 5; i++) {
      const entities: { pageInfo: { hasNextPage: boolean; endCursor: string }; edges: { node: { __typename: string } }[] } = (await page(after)).data.node.entities;
      seen.push(...entities.edges.map((e) => e.node.__typename));
      if (!entities.pageInfo.hasNextPage) break;
      after = entities.pageInfo.endCursor;
    }
    expect(seen).toEqual(['Client', 'Client', 'Link', 'LinkSet', 'NetworkComponent', 'NetworkComponent']);

    const onlyComponents = await api.admin(`query($id: ID!) { node(id: $id) { ... on AccountingObject { entities(first: 10, kinds: [COMPONENT]) { totalCount } } } }`, { id: world.accountingObject });
    expect(onlyComponents.data.node.entities.totalCount).toBe(2);
    const badCursor = await page('bm9wZQ');
    expect(badCursor.errors?.[0]?.extensions.code).toBe('BAD_USER_INPUT');
  });

  it('refuse entities that are not entities, naming which', async () => {
    const { data } = await api.admin(`mutation($o: ID!, $e: [ID!]!) { associate(input: { accountingObject: $o, entities: $e }) { ${ERRORS} } }`, {
      o: world.accountingObject,
      e: [world.client.alice, world.content],
    });
    expect(data.associate.userErrors).toEqual([{ field: ['input', 'entities', '1'], message: 'expected the id of a Client or Link or LinkSet or NetworkComponent, got a Content.', code: 'INVALID' }]);
  });

  it('validate the filter field by field', async () => {
    const create = (filter: Record<string, unknown>) =>
      api.admin(`mutation($f: AccountingFilterInput!) { createAccountingObject(input: { name: "x", owner: "sp1", metric: FILES, filter: $f }) { accountingObject { id } ${ERRORS} } }`, { f: filter });
    expect((await create({ hours: { from: 20, to: 18 } })).data.createAccountingObject.userErrors[0].field).toEqual(['input', 'filter', 'hours', 'to']);
    expect((await create({ timeZone: 'Europe/Atlantis' })).data.createAccountingObject.userErrors[0].field).toEqual(['input', 'filter', 'timeZone']);
    expect((await create({ crossing: { from: 'sp1', to: 'nowhere' } })).data.createAccountingObject.userErrors[0]).toMatchObject({ field: ['input', 'filter', 'crossing', 'to'], code: 'NOT_FOUND' });
  });

  it('update their filter whole, and cannot be deleted while a contract prices them', async () => {
    const updated = await api.admin(`mutation($id: ID!) { updateAccountingObject(input: { id: $id, filter: { transferType: PEER_UPLOAD } }) { accountingObject { filter { transferType crossing { from { slug } } hours { from } } } } }`, {
      id: world.accountingObject,
    });
    expect(updated.data.updateAccountingObject.accountingObject.filter).toEqual({ transferType: 'PEER_UPLOAD', crossing: null, hours: null });
    const blocked = await api.admin(`mutation($id: ID!) { deleteAccountingObject(input: { id: $id }) { deletedId ${ERRORS} } }`, { id: world.accountingObject });
    expect(blocked.data.deleteAccountingObject.userErrors[0].code).toBe('IN_USE');
  });
});

describe('contracts', () => {
  it('tie a payer and payee to accounting objects', async () => {
    const { data } = await api.admin(`{ contracts(first: 5, party: "sp1") { totalCount edges { node { name payer { slug } payee { slug } currency timeZone billingPeriod startsAt endsAt accountingObjects(first: 5) { totalCount } } } } }`);
    expect(data.contracts.edges[0].node).toEqual({
      name: 'MovieStudio pays SP1',
      payer: { slug: 'moviestudio' },
      payee: { slug: 'sp1' },
      currency: 'EUR',
      timeZone: 'UTC',
      billingPeriod: 'MONTH',
      startsAt: '2026-01-01T00:00:00.000Z',
      endsAt: null,
      accountingObjects: { totalCount: 1 },
    });
  });

  it('refuse an end before the start, an unknown currency, a party paying itself', async () => {
    const create = (fields: string) =>
      api.admin(`mutation { createContract(input: { name: "c", billingPeriod: QUARTER, startsAt: "2026-04-01T00:00:00Z", ${fields} }) { contract { id } ${ERRORS} } }`);
    expect((await create('payer: "sp2", payee: "sp1", currency: "EUR", endsAt: "2026-03-01T00:00:00Z"')).data.createContract.userErrors[0].field).toEqual(['input', 'endsAt']);
    expect((await create('payer: "sp2", payee: "sp1", currency: "XYZ"')).data.createContract.userErrors[0].field).toEqual(['input', 'currency']);
    expect((await create('payer: "sp1", payee: "sp1", currency: "EUR"')).data.createContract.userErrors[0].field).toEqual(['input', 'payee']);
  });

  it('replace their accounting objects on update, and delete', async () => {
    const made = await api.admin(`mutation { createContract(input: { name: "netting", payer: "sp2", payee: "sp1", currency: "USD", billingPeriod: QUARTER, startsAt: "2026-01-01T00:00:00Z", timeZone: "America/New_York" }) { contract { id } } }`);
    const id = made.data.createContract.contract.id;
    const updated = await api.admin(`mutation($id: ID!, $o: [ID!]!) { updateContract(input: { id: $id, accountingObjects: $o, endsAt: "2027-01-01T00:00:00Z" }) { contract { endsAt accountingObjects(first: 5) { totalCount } } } }`, {
      id,
      o: [world.accountingObject],
    });
    expect(updated.data.updateContract.contract).toEqual({ endsAt: '2027-01-01T00:00:00.000Z', accountingObjects: { totalCount: 1 } });
    expect((await api.admin(`mutation($id: ID!) { deleteContract(input: { id: $id }) { deletedId } }`, { id })).data.deleteContract.deletedId).toBe(id);
  });
});

describe('transfer events', () => {
  it('are listed and read with their path', async () => {
    const prisma = api.db.prisma;
    const [sp1, sp2, content] = await Promise.all([
      prisma.organization.findUniqueOrThrow({ where: { slug: 'sp1' } }),
      prisma.organization.findUniqueOrThrow({ where: { slug: 'sp2' } }),
      prisma.content.findFirstOrThrow({ where: { title: 'RobinHood' } }),
    ]);
    const [a, b] = await Promise.all([prisma.autonomousSystem.findUniqueOrThrow({ where: { number: 64501 } }), prisma.autonomousSystem.findUniqueOrThrow({ where: { number: 64502 } })]);
    await prisma.transferEvent.create({
      data: {
        reporterId: sp1.id,
        externalId: 't-1',
        sourceAddress: '198.51.100.10',
        destinationAddress: '203.0.113.20',
        sourceNetworkId: sp1.id,
        destinationNetworkId: sp2.id,
        bytes: 30000n,
        startedAt: new Date('2026-10-01T00:01:59Z'),
        endedAt: new Date('2026-10-01T00:02:33Z'),
        contentId: content.id,
        type: 'CDN_DOWNLOAD',
        asPath: [64501, 64502],
        path: [a.componentId, b.componentId],
        onNet: false,
      },
    });
    const { data } = await api.admin(`{ transferEvents(first: 5) { totalCount edges { node { externalId source destination bytes type onNet asPath content { title } sourceNetwork { slug } path { name } } } } }`);
    expect(data.transferEvents.edges[0].node).toEqual({
      externalId: 't-1',
      source: '198.51.100.10',
      destination: '203.0.113.20',
      bytes: '30000',
      type: 'CDN_DOWNLOAD',
      onNet: false,
      asPath: [64501, 64502],
      content: { title: 'RobinHood' },
      sourceNetwork: { slug: 'sp1' },
      path: [{ name: 'AS64501 SP1' }, { name: 'AS64502 SP2' }],
    });
  });
});

describe('API keys through the API', () => {
  it('are shown once, work at once, and stop working when revoked', async () => {
    const made = await api.admin(`mutation { createApiKey(input: { name: "sp1 portal", role: VIEWER, organization: "sp1" }) { key apiKey { id name role prefix organization { slug } } ${ERRORS} } }`);
    const { key, apiKey } = made.data.createApiKey;
    expect(key).toMatch(/^pl_/);
    expect(key.startsWith(apiKey.prefix)).toBe(true);
    expect(apiKey).toMatchObject({ name: 'sp1 portal', role: 'VIEWER', organization: { slug: 'sp1' } });
    expect((await api.gql(`{ me { name role } }`, {}, key)).data.me).toEqual({ name: 'sp1 portal', role: 'VIEWER' });

    const listed = await api.admin(`{ apiKeys(first: 50) { edges { node { name prefix } } } }`);
    expect(JSON.stringify(listed)).not.toContain(key);

    const revoked = await api.admin(`mutation($id: ID!) { revokeApiKey(input: { id: $id }) { apiKey { revokedAt } ${ERRORS} } }`, { id: apiKey.id });
    expect(revoked.data.revokeApiKey.apiKey.revokedAt).toBeTruthy();
    const after = await api.gql(`{ me { name } }`, {}, key);
    expect(after.status).toBe(401);
    expect(after.errors?.[0]?.extensions.code).toBe('UNAUTHENTICATED');
  });

  it('refuse an organization for a global role and require one for a scoped role', async () => {
    const create = (role: string, org: string | null) =>
      api.admin(`mutation($r: ApiKeyRole!, $o: String) { createApiKey(input: { name: "k", role: $r, organization: $o }) { key ${ERRORS} } }`, { r: role, o: org });
    expect((await create('ADMIN', 'sp1')).data.createApiKey).toMatchObject({ key: null, userErrors: [{ field: ['input', 'organization'] }] });
    expect((await create('PARTNER', null)).data.createApiKey).toMatchObject({ key: null, userErrors: [{ field: ['input', 'organization'] }] });
  });
});
