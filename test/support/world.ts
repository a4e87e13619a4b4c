// A small world for API tests, built through the API as an admin would, so the fixture itself
// exercises the create mutations. Two access ISPs, a CDN, a studio:
//
//   client "alice" (SP1) ── AS64501 (SP1) ══ peering ══ AS64502 (SP2) ── client "bob" (SP2)
//                              └ router fra1 (SP1)        └ router par1 (SP2)
//
// MovieStudio's RobinHood is served by CDN; an accounting object measures MovieStudio bytes
// crossing SP1 → SP2 on the peering link set; a contract prices it.
import type { TestApi } from './api.ts';

export interface World {
  org: Record<'sp1' | 'sp2' | 'cdn' | 'studio', string>;
  as: Record<'sp1' | 'sp2', { id: string; componentId: string }>;
  router: Record<'sp1' | 'sp2', string>;
  client: Record<'alice' | 'bob', string>;
  link: string;
  linkSet: string;
  content: string;
  accountingObject: string;
  contract: string;
}

export async function buildWorld(api: TestApi): Promise<World> {
  const admin = api.adminKey;
  const create = async (mutation: string, input: Record<string, unknown>, select: string) => {
    const result = await api.gql(`mutation($input: ${inputTypeOf(mutation)}!) { ${mutation}(input: $input) { ${select} userErrors { field message code } } }`, { input }, admin);
    const payload = result.data?.[mutation];
    if (!payload || payload.userErrors.length > 0) throw new Error(`${mutation} failed: ${JSON.stringify(result.errors ?? payload.userErrors)}`);
    return payload;
  };

  const organization = async (slug: string, name: string, roles: string[]) =>
    (await create('createOrganization', { slug, name, roles }, 'organization { id }')).organization.id as string;
  const org = {
    sp1: await organization('sp1', 'Service Provider 1', ['SERVICE_PROVIDER']),
    sp2: await organization('sp2', 'Service Provider 2', ['SERVICE_PROVIDER']),
    cdn: await organization('cdn', 'Content Distributor', ['CONTENT_DISTRIBUTOR']),
    studio: await organization('moviestudio', 'MovieStudio', ['CONTENT_OWNER']),
  };

  const autonomousSystem = async (number: number, owner: string) => {
    const { autonomousSystem } = await create('createAutonomousSystem', { number, name: owner.toUpperCase(), owner }, 'autonomousSystem { id component { id } }');
    return { id: autonomousSystem.id as string, componentId: autonomousSystem.component.id as string };
  };
  const as = { sp1: await autonomousSystem(64501, 'sp1'), sp2: await autonomousSystem(64502, 'sp2') };

  const router = async (owner: string, hostname: string, parent: string) =>
    (await create('createNetworkComponent', { kind: 'ROUTER', name: hostname, owner, hostname, parent, addresses: [] }, 'networkComponent { id }'))
      .networkComponent.id as string;
  const routers = { sp1: await router('sp1', 'ae1.cr1.fra.sp1.example', as.sp1.componentId), sp2: await router('sp2', 'ae1.cr1.par.sp2.example', as.sp2.componentId) };

  const client = async (name: string, address: string, subscriberNetwork: string) =>
    (await create('createClient', { name, addresses: [address], subscriberNetwork, deviceKind: 'PC' }, 'client { id }')).client.id as string;
  const clients = { alice: await client('alice', '198.51.100.10', 'sp1'), bob: await client('bob', '203.0.113.20', 'sp2') };

  const link = (
    await create('createLink', { name: 'SP1–SP2 peering', kind: 'PEERING', aEnd: as.sp1.componentId, bEnd: as.sp2.componentId, capacityBps: '100000000000', owner: 'sp1' }, 'link { id }')
  ).link.id as string;
  const linkSet = (await create('createLinkSet', { name: 'SP1–SP2 peering links', owner: 'sp1', links: [link] }, 'linkSet { id }')).linkSet.id as string;
  const content = (await create('createContent', { title: 'RobinHood', kind: 'MOVIE', owner: 'moviestudio', distributor: 'cdn', sizeBytes: '4000000000' }, 'content { id }'))
    .content.id as string;

  const accountingObject = (
    await create(
      'createAccountingObject',
      {
        name: 'MovieStudio bytes SP1 → SP2',
        owner: 'moviestudio',
        metric: 'BYTES',
        filter: { contentOwner: 'moviestudio', crossing: { from: 'sp1', to: 'sp2' }, hours: { from: 18, to: 24 }, timeZone: 'Europe/Berlin' },
        entities: [linkSet, clients.alice],
      },
      'accountingObject { id }',
    )
  ).accountingObject.id as string;

  const contract = (
    await create(
      'createContract',
      { name: 'MovieStudio pays SP1', payer: 'moviestudio', payee: 'sp1', currency: 'EUR', billingPeriod: 'MONTH', startsAt: '2026-01-01T00:00:00Z', accountingObjects: [accountingObject] },
      'contract { id }',
    )
  ).contract.id as string;

  return { org, as, router: routers, client: clients, link, linkSet, content, accountingObject, contract };
}

function inputTypeOf(mutation: string): string {
  return `${mutation[0]!.toUpperCase()}${mutation.slice(1)}Input`;
}
