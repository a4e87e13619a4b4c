// Listing accounting objects with their entities, and each entity's accounting objects, must
// cost the same number of SQL statements for 10 objects as for 100: loaders batch per field.
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApi, type TestApi } from '../support/api.ts';

let api: TestApi;
const OBJECTS = 100;

beforeAll(async () => {
  api = await startTestApi();
  await seedObjectsWithEntities(OBJECTS);
});
afterAll(() => api?.close());

/** OBJECTS accounting objects, each associated with its own client, link, link set and router. */
async function seedObjectsWithEntities(count: number) {
  const prisma = api.db.prisma;
  const isp = await prisma.organization.create({ data: { slug: 'isp', name: 'ISP', roles: ['SERVICE_PROVIDER'] } });
  const ids = (n: number) => Array.from({ length: n }, () => randomUUID());
  const [hosts, linkComponents, routers, clients, links, linkSets, objects] = [ids(count), ids(count), ids(count), ids(count), ids(count), ids(count), ids(count)];
  await prisma.networkComponent.createMany({
    data: [
      ...hosts.map((id, i) => ({ id, kind: 'HOST' as const, name: `host ${i}`, ownerId: isp.id })),
      ...linkComponents.map((id, i) => ({ id, kind: 'LINK' as const, name: `link ${i}`, ownerId: isp.id })),
      ...routers.map((id, i) => ({ id, kind: 'ROUTER' as const, name: `router ${i}`, ownerId: isp.id })),
    ],
  });
  await prisma.client.createMany({ data: clients.map((id, i) => ({ id, name: `client ${i}`, addresses: [`198.51.100.${i}`], subscriberNetworkId: isp.id, componentId: hosts[i]! })) });
  await prisma.link.createMany({ data: links.map((id, i) => ({ id, kind: 'INTERNAL' as const, componentId: linkComponents[i]!, aEndId: routers[i]!, bEndId: routers[(i + 1) % count]! })) });
  await prisma.linkSet.createMany({ data: linkSets.map((id, i) => ({ id, name: `set ${i}`, ownerId: isp.id })) });
  await prisma.accountingObject.createMany({ data: objects.map((id, i) => ({ id, name: `object ${String(i).padStart(3, '0')}`, ownerId: isp.id, metric: 'BYTES' as const })) });
  await prisma.accountingObjectClient.createMany({ data: objects.map((id, i) => ({ accountingObjectId: id, clientId: clients[i]! })) });
  await prisma.accountingObjectLink.createMany({ data: objects.map((id, i) => ({ accountingObjectId: id, linkId: links[i]! })) });
  await prisma.accountingObjectLinkSet.createMany({ data: objects.map((id, i) => ({ accountingObjectId: id, linkSetId: linkSets[i]! })) });
  await prisma.accountingObjectComponent.createMany({ data: objects.map((id, i) => ({ accountingObjectId: id, componentId: routers[i]! })) });
}

const QUERY = `query($n: Int!) {
  accountingObjects(first: $n) {
    edges { node {
      name
      owner { slug }
      entities(first: 10) {
        totalCount
        edges { node {
          ... on Client { name subscriberNetwork { slug } accountingObjects(first: 5) { totalCount edges { node { name } } } }
          ... on Link { kind aEnd { name } accountingObjects(first: 5) { totalCount edges { node { name } } } }
          ... on LinkSet { name accountingObjects(first: 5) { totalCount edges { node { name } } } }
          ... on NetworkComponent { name accountingObjects(first: 5) { totalCount edges { node { name } } } }
        } }
      }
    } }
  }
}`;

async function statementsFor(n: number): Promise<{ statements: number; objects: number; entities: number }> {
  // The key lookup and its last-used stamp are per request, not per row; warm them up first.
  await api.admin('{ me { role } }');
  api.statements.reset();
  const result = await api.admin(QUERY, { n });
  const statements = api.statements.count;
  if (process.env.SHOW_SQL) process.stderr.write(api.statements.log.map((s) => s.slice(0, 160)).join("\n") + "\n\n");
  expect(result.errors).toBeUndefined();
  const edges = result.data.accountingObjects.edges as { node: { entities: { totalCount: number; edges: { node: { accountingObjects: { totalCount: number } } }[] } } }[];
  const entities = edges.flatMap((e) => e.node.entities.edges);
  // Every entity belongs to exactly its one object, seen from both sides.
  for (const entity of entities) expect(entity.node.accountingObjects.totalCount).toBe(1);
  return { statements, objects: edges.length, entities: entities.length };
}

describe('no N+1', () => {
  it('costs as many statements for 100 objects as for 10', async () => {
    const ten = await statementsFor(10);
    const hundred = await statementsFor(OBJECTS);
    expect(ten).toMatchObject({ objects: 10, entities: 40 });
    expect(hundred).toMatchObject({ objects: 100, entities: 400 });
    expect(hundred.statements).toBe(ten.statements);
    // And the constant is about one statement per table the query touches: Prisma loads each
    // relation (join table, then rows) with a statement of its own, for all parents at once.
    expect(hundred.statements).toBeLessThanOrEqual(30);
  });
});
