// The path preview through the API, on the demo world and the real IP data: the ASN database
// built from @ip-location-db/asn and the packaged geo database.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ensureDemoWorld } from '../../src/db/demo-world.ts';
import { startTestApi, type TestApi } from '../support/api.ts';

let api: TestApi;

beforeAll(async () => {
  api = await startTestApi();
  await ensureDemoWorld(api.db.prisma);
});
afterAll(() => api?.close());

const PATH = `
  query Path($source: IPAddress!, $destination: IPAddress!, $asPath: [Int!], $hops: [String!]) {
    path(source: $source, destination: $destination, asPath: $asPath, hops: $hops) {
      components { key kind name learnedBy component { id name } owner { name organization { slug } autoDiscovered asNumber } }
      sourceNetwork { organization { slug } }
      destinationNetwork { organization { slug } }
      onNet
      crossings { from { name organization { slug } } to { name organization { slug } } }
    }
  }`;

interface PathAnswer {
  components: { key: string; kind: string; name: string; learnedBy: string; component: { id: string } | null; owner: { name: string; organization: { slug: string } | null; autoDiscovered: boolean; asNumber: number | null } | null }[];
  sourceNetwork: { organization: { slug: string } | null } | null;
  destinationNetwork: { organization: { slug: string } | null } | null;
  onNet: boolean | null;
  crossings: { from: { name: string; organization: { slug: string } | null }; to: { name: string; organization: { slug: string } | null } }[];
}

async function path(variables: Record<string, unknown>, key = api.adminKey): Promise<PathAnswer> {
  const result = await api.gql(PATH, variables, key);
  expect(result.errors).toBeUndefined();
  return result.data.path as PathAnswer;
}

const crossings = (answer: PathAnswer) => answer.crossings.map((c) => `${c.from.organization?.slug ?? c.from.name}→${c.to.organization?.slug ?? c.to.name}`);
const ofKind = (answer: PathAnswer, kind: string) => answer.components.filter((c) => c.kind === kind);

describe('path', () => {
  it('client 102 (SP1) to client 110 (SP3) over AS path [SP1, SP2, SP3]: SP1 → SP2 → SP3 and the two inter-AS links', async () => {
    const answer = await path({ source: '79.214.61.102', destination: '73.162.40.110', asPath: [3320, 3215, 7922] });
    expect(crossings(answer)).toEqual(['sp1→sp2', 'sp2→sp3']);
    expect(answer.components.map((c) => `${c.kind}:${c.name}`)).toEqual([
      'COUNTRY:Germany',
      'HOST:client 102',
      'AUTONOMOUS_SYSTEM:AS3320 Deutsche Telekom AG',
      // SP1 and SP2 peer in Frankfurt and Paris; without hops, the link registered first.
      'LINK:SP1–SP2 peering, Frankfurt',
      'AUTONOMOUS_SYSTEM:AS3215 Orange S.A.',
      'LINK:AS3215–AS7922',
      'AUTONOMOUS_SYSTEM:AS7922 Comcast Cable Communications, LLC',
      'HOST:client 110 (laptop)',
      'COUNTRY:United States',
    ]);
    const [registered, inferred] = ofKind(answer, 'LINK');
    expect(registered).toMatchObject({ learnedBy: 'AS_PATH', owner: { organization: { slug: 'sp1' } } });
    expect(registered!.component).not.toBeNull();
    // Not registered: inferred, and not stored by a preview.
    expect(inferred).toMatchObject({ key: 'link:3215>7922', learnedBy: 'AS_PATH', component: null });
    expect(answer).toMatchObject({ sourceNetwork: { organization: { slug: 'sp1' } }, destinationNetwork: { organization: { slug: 'sp3' } }, onNet: false });
  });

  it('the same two addresses alone: SP1 → SP3', async () => {
    const answer = await path({ source: '79.214.61.102', destination: '73.162.40.110' });
    expect(crossings(answer)).toEqual(['sp1→sp3']);
    expect(ofKind(answer, 'LINK').map((c) => c.key)).toEqual(['link:3320>7922']);
  });

  it('places every demo client in its ISP through the real ASN data, IPv4 and IPv6', async () => {
    const clients = await api.db.prisma.client.findMany({ include: { subscriberNetwork: true } });
    expect(clients.length).toBeGreaterThanOrEqual(6);
    for (const client of clients) {
      for (const address of client.addresses) {
        // An unregistered neighbour address: only the ASN database can tell its ISP.
        const neighbour = address.includes(':') ? address.replace(/::[0-9a-f]+$/, '::9') : address.replace(/\.\d+$/, '.9');
        const answer = await path({ source: neighbour, destination: address });
        const as = ofKind(answer, 'AUTONOMOUS_SYSTEM');
        expect(as, `${neighbour} → ${address}`).toHaveLength(1);
        expect(as[0]).toMatchObject({ learnedBy: 'INFERRED_FROM_ADDRESS', owner: { organization: { slug: client.subscriberNetwork.slug } } });
        expect(answer, `${neighbour} → ${address}`).toMatchObject({ onNet: true, crossings: [] });
      }
    }
  });

  it('client 108 serves 106 on-net inside SP2, in France', async () => {
    const answer = await path({ source: '86.201.9.108', destination: '90.12.77.106' });
    expect(answer.components.map((c) => c.key)).toEqual(['country:FR', expect.stringMatching(/^host:/), 'as:3215', expect.stringMatching(/^host:/)]);
    expect(answer).toMatchObject({ onNet: true, crossings: [] });
  });

  it('traceroute hops: registered routers with their switches and places, a router of an AS nobody registered, a private hop', async () => {
    const answer = await path({
      source: '79.214.61.102',
      destination: '90.12.77.106',
      hops: ['ae1.cr1.fra.sp1.example', '10.0.0.1', '62.115.120.1', '193.0.14.129', 'ae1.cr1.par.sp2.example'],
    });
    expect(answer.components.filter((c) => ['ROUTER', 'SWITCH', 'CITY'].includes(c.kind)).map((c) => [c.name, c.learnedBy, c.owner?.organization?.slug ?? c.owner?.name ?? null])).toEqual([
      ['ae1.cr1.fra.sp1.example', 'TRACEROUTE', 'sp1'],
      ['sw1.fra.sp1.example', 'ISP_PROVIDED', 'sp1'],
      ['Frankfurt am Main', 'TRACEROUTE', null],
      ['10.0.0.1', 'TRACEROUTE', null],
      ['ae3.bb1.fra.backbone-132.example', 'TRACEROUTE', 'backbone-132'],
      ['193.0.14.129', 'TRACEROUTE', expect.stringMatching(/RIPE|NCC/i)],
      ['ae1.cr1.par.sp2.example', 'TRACEROUTE', 'sp2'],
      ['sw1.par.sp2.example', 'ISP_PROVIDED', 'sp2'],
      ['Paris', 'TRACEROUTE', null],
    ]);
    const discovered = ofKind(answer, 'AUTONOMOUS_SYSTEM').find((c) => c.component === null);
    expect(discovered).toMatchObject({ key: 'as:25152', learnedBy: 'TRACEROUTE', owner: { organization: null, autoDiscovered: true, asNumber: 25152 } });
    expect(crossings(answer)).toEqual(['sp1→backbone-132', `backbone-132→${discovered!.owner!.name}`, `${discovered!.owner!.name}→sp2`]);
  });

  it('follows registry changes made through the API at once: a prefix, then a switch on a link', async () => {
    const sp3 = await api.admin(`{ organization(slug: "sp3") { id } }`);
    expect(sp3.errors).toBeUndefined();
    const created = await api.admin(
      `mutation { createAddressPrefix(input: { prefix: "79.214.61.0/24", organization: "sp3" }) { addressPrefix { id } userErrors { message } } }`,
    );
    expect(created.data.createAddressPrefix.userErrors).toEqual([]);
    const answer = await path({ source: '79.214.61.7', destination: '73.162.40.110' });
    expect(answer).toMatchObject({ sourceNetwork: { organization: { slug: 'sp3' } }, onNet: true });
    await api.admin(`mutation($id: ID!) { deleteAddressPrefix(input: { id: $id }) { deletedId } }`, { id: created.data.createAddressPrefix.addressPrefix.id });
    expect(await path({ source: '79.214.61.7', destination: '73.162.40.110' })).toMatchObject({ sourceNetwork: { organization: { slug: 'sp1' } } });

    const link = ofKind(await path({ source: '79.214.61.102', destination: '90.12.77.106' }), 'LINK')[0]!;
    const sw = await api.admin(
      `mutation($parent: ID!) { createNetworkComponent(input: { kind: SWITCH, name: "sw9.peering.sp2.example", owner: "sp2", parent: $parent }) { networkComponent { id } userErrors { message } } }`,
      { parent: link.component!.id },
    );
    expect(sw.data.createNetworkComponent.userErrors).toEqual([]);
    const after = await path({ source: '79.214.61.102', destination: '90.12.77.106' });
    expect(after.components.map((c) => c.name)).toContain('sw9.peering.sp2.example');
    expect(after.components[after.components.findIndex((c) => c.name === link.name) + 1]).toMatchObject({ kind: 'SWITCH', learnedBy: 'ISP_PROVIDED' });
  });

  it('names the argument of bad input, BAD_USER_INPUT', async () => {
    const codeAndField = async (variables: Record<string, unknown>) => {
      const result = await api.gql(PATH, variables, api.adminKey);
      expect(result.data).toBeNull();
      return [result.errors?.[0]?.extensions.code, result.errors?.[0]?.message];
    };
    const good = { source: '79.214.61.102', destination: '73.162.40.110' };
    expect(await codeAndField({ ...good, source: '79.214.61' })).toEqual(['BAD_USER_INPUT', expect.stringContaining('$source')]);
    expect(await codeAndField({ ...good, destination: 'not-an-address' })).toEqual(['BAD_USER_INPUT', expect.stringContaining('$destination')]);
    expect(await codeAndField({ ...good, asPath: [3320, -1] })).toEqual(['BAD_USER_INPUT', expect.stringMatching(/^asPath\.1: -1 is not an AS number/)]);
    expect(await codeAndField({ ...good, asPath: [3320, 1.5] })).toEqual(['BAD_USER_INPUT', expect.stringContaining('$asPath')]);
    expect(await codeAndField({ ...good, asPath: ['AS3320'] })).toEqual(['BAD_USER_INPUT', expect.stringContaining('$asPath')]);
    expect(await codeAndField({ ...good, hops: Array.from({ length: 65 }, (_, i) => `r${i}.example`) })).toEqual(['BAD_USER_INPUT', expect.stringMatching(/^hops: has 65 hops; at most 64/)]);
    expect(await codeAndField({ ...good, hops: ['r1.example', 'two words'] })).toEqual(['BAD_USER_INPUT', expect.stringMatching(/^hops\.1: /)]);
    // A literal in the query is checked as it is parsed.
    const literal = await api.gql(`{ path(source: "300.1.1.1", destination: "1.1.1.1") { onNet } }`, {}, api.adminKey);
    expect(literal.errors?.[0]?.extensions.code).toBe('BAD_USER_INPUT');
  });

  it('is for admins and contract managers', async () => {
    const query = `{ path(source: "79.214.61.102", destination: "73.162.40.110") { onNet } }`;
    expect((await api.gql(query, {}, await api.keyFor('CONTRACT_MANAGER'))).data).toEqual({ path: { onNet: false } });
    expect((await api.gql(query, {}, await api.keyFor('PARTNER', 'sp1'))).errors?.[0]?.extensions.code).toBe('FORBIDDEN');
    expect((await api.gql(query, {}, await api.keyFor('VIEWER', 'sp1'))).errors?.[0]?.extensions.code).toBe('FORBIDDEN');
    expect((await api.gql(query, {}, await api.keyFor('AGENT', 'sp1'))).errors?.[0]?.extensions.code).toBe('FORBIDDEN');
    expect((await api.gql(query, {}, null)).errors?.[0]?.extensions.code).toBe('UNAUTHENTICATED');
  });
});
