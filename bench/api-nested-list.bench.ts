// How much the API costs over the database for the N+1-prone shape: 100 accounting objects,
// their entities, and each entity's accounting objects. Baseline: the same rows fetched with one
// Prisma findMany with nested includes, no GraphQL, no HTTP. Figures: median and p99 per
// request, and their ratio to the baseline in the same run.
import { randomUUID } from 'node:crypto';
import { startTestApi } from '../test/support/api.ts';
import { figureLine, time } from './support/timing.ts';

const OBJECTS = 100;
const ROUNDS = 40;

const QUERY = `{ accountingObjects(first: 100) { edges { node { name
  entities(first: 10) { edges { node {
    ... on Client { name accountingObjects(first: 5) { edges { node { name } } } }
    ... on Link { kind accountingObjects(first: 5) { edges { node { name } } } }
    ... on LinkSet { name accountingObjects(first: 5) { edges { node { name } } } }
    ... on NetworkComponent { name accountingObjects(first: 5) { edges { node { name } } } }
  } } } } } } }`;

export async function run(): Promise<void> {
  const api = await startTestApi({ PATHLEDGER_MAX_QUERY_COST: '1000000' });
  try {
    const prisma = api.db.prisma;
    const isp = await prisma.organization.create({ data: { slug: 'isp', name: 'ISP', roles: ['SERVICE_PROVIDER'] } });
    const ids = () => Array.from({ length: OBJECTS }, () => randomUUID());
    const [hosts, routers, clients, objects] = [ids(), ids(), ids(), ids()];
    await prisma.networkComponent.createMany({
      data: [
        ...hosts.map((id, i) => ({ id, kind: 'HOST' as const, name: `host ${i}`, ownerId: isp.id })),
        ...routers.map((id, i) => ({ id, kind: 'ROUTER' as const, name: `router ${i}`, ownerId: isp.id })),
      ],
    });
    await prisma.client.createMany({ data: clients.map((id, i) => ({ id, name: `client ${i}`, addresses: [`198.51.100.${i}`], subscriberNetworkId: isp.id, componentId: hosts[i]! })) });
    await prisma.accountingObject.createMany({ data: objects.map((id, i) => ({ id, name: `object ${i}`, ownerId: isp.id, metric: 'BYTES' as const })) });
    await prisma.accountingObjectClient.createMany({ data: objects.map((id, i) => ({ accountingObjectId: id, clientId: clients[i]! })) });
    await prisma.accountingObjectComponent.createMany({ data: objects.map((id, i) => ({ accountingObjectId: id, componentId: routers[i]! })) });

    const baseline = await time(ROUNDS, () =>
      prisma.accountingObject.findMany({
        take: 100,
        orderBy: { id: 'asc' },
        include: {
          clients: { take: 10, include: { client: { include: { accountingObjects: { take: 5, include: { accountingObject: true } } } } } },
          components: { take: 10, include: { component: { include: { accountingObjects: { take: 5, include: { accountingObject: true } } } } } },
        },
      }),
    );
    const api100 = await time(ROUNDS, async () => {
      const result = await api.admin(QUERY);
      if (result.errors) throw new Error(JSON.stringify(result.errors));
    });
    const line = figureLine('api-nested-list');
    line('baseline_prisma_median', baseline.median, 'ms');
    line('api_median', api100.median, 'ms');
    line('api_p99', api100.p99, 'ms');
    line('api_over_baseline_median', api100.median / baseline.median, 'ratio', { baseline: 'one Prisma findMany with nested includes' });
  } finally {
    await api.close();
  }
}
