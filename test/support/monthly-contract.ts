// One monthly contract on a bare database, for tests of what settles it (the CLI, the scheduled
// job): MovieStudio pays SP1 a flat 100 EUR a month for up to 1 GB, then 2 EUR/GB; October 2026
// (UTC) counted 3 GB, so its invoice is 100 + 2 × 2 = 104.00.
import { termsFromInput, termsToJson } from '../../src/contracts/terms.ts';
import type { PrismaClient } from '../../src/generated/prisma/client.ts';

export const GB = 1_000_000_000n;

export async function createMonthlyContract(prisma: PrismaClient): Promise<{ contractId: string; accountingObjectId: string }> {
  const [studio, sp1] = await Promise.all([
    prisma.organization.create({ data: { slug: 'moviestudio', name: 'MovieStudio', roles: ['CONTENT_OWNER'] } }),
    prisma.organization.create({ data: { slug: 'sp1', name: 'Service Provider 1', roles: ['SERVICE_PROVIDER'] } }),
  ]);
  const object = await prisma.accountingObject.create({ data: { name: 'Delivered to SP1', ownerId: studio.id, metric: 'BYTES' } });
  const terms = termsFromInput(['terms'], [{ kind: 'FLAT_WITH_OVERAGE', flatFee: '100', includedBytes: GB, overageRatePerGb: '2' }], {
    accountingObjectIds: new Set([object.id]),
    partiesAreServiceProviders: false,
  });
  const contract = await prisma.contract.create({
    data: {
      name: 'MovieStudio pays SP1',
      payerId: studio.id,
      payeeId: sp1.id,
      currency: 'EUR',
      billingPeriod: 'MONTH',
      startsAt: new Date('2026-01-01T00:00:00Z'),
      accountingObjects: { create: [{ accountingObjectId: object.id }] },
      terms: { create: [{ effectiveFrom: new Date('2026-01-01T00:00:00Z'), terms: termsToJson(terms) }] },
    },
  });
  await prisma.accountingObjectUsage.create({ data: { accountingObjectId: object.id, bucket: new Date('2026-10-15T12:00:00Z'), bytes: 3n * GB, transfers: 1n } });
  return { contractId: contract.id, accountingObjectId: object.id };
}
