// Contracts: who pays whom for which accounting objects. Price terms come with the report engine.
import type { Contract, PrismaClient } from '../generated/prisma/client.ts';
import type { BillingPeriod } from '../generated/prisma/enums.ts';
import { InputError } from '../domain/input-error.ts';
import { found, organizationBySlug, rowId } from '../domain/references.ts';
import * as valid from '../domain/validate.ts';

const ID = ['input', 'id'];

async function accountingObjectIds(prisma: PrismaClient, globalIds: readonly string[]): Promise<string[]> {
  const field = ['input', 'accountingObjects'];
  const ids = [...new Set(globalIds.map((id, index) => rowId([...field, String(index)], id, 'AccountingObject')))];
  const existing = new Set((await prisma.accountingObject.findMany({ where: { id: { in: ids } }, select: { id: true } })).map((o) => o.id));
  const missing = ids.findIndex((id) => !existing.has(id));
  if (missing >= 0) throw new InputError([...field, String(missing)], 'no accounting object with this id.', 'NOT_FOUND');
  return ids;
}

export interface ContractInput {
  name: string;
  payer: string;
  payee: string;
  currency: string;
  timeZone?: string | null;
  billingPeriod: BillingPeriod;
  startsAt: Date;
  endsAt?: Date | null;
  accountingObjects?: string[] | null;
}

export async function createContract(prisma: PrismaClient, input: ContractInput): Promise<Contract> {
  const payer = await organizationBySlug(prisma, ['input', 'payer'], input.payer);
  const payee = await organizationBySlug(prisma, ['input', 'payee'], input.payee);
  if (payer.id === payee.id) throw new InputError(['input', 'payee'], 'payer and payee must be different organizations.');
  valid.period(['input'], input.startsAt, input.endsAt);
  const objects = await accountingObjectIds(prisma, input.accountingObjects ?? []);
  return prisma.contract.create({
    data: {
      name: valid.name(['input', 'name'], input.name),
      payerId: payer.id,
      payeeId: payee.id,
      currency: valid.currency(['input', 'currency'], input.currency),
      timeZone: input.timeZone == null ? 'UTC' : valid.timeZone(['input', 'timeZone'], input.timeZone),
      billingPeriod: input.billingPeriod,
      startsAt: input.startsAt,
      endsAt: input.endsAt ?? null,
      accountingObjects: { create: objects.map((accountingObjectId) => ({ accountingObjectId })) },
    },
  });
}

export async function updateContract(
  prisma: PrismaClient,
  id: string,
  input: { [K in keyof Omit<ContractInput, 'payer' | 'payee'>]?: ContractInput[K] | null },
): Promise<Contract> {
  const existing = found(await prisma.contract.findUnique({ where: { id } }), ID, 'contract');
  const startsAt = input.startsAt ?? existing.startsAt;
  // endsAt: absent keeps it, null makes the contract open-ended.
  const endsAt = input.endsAt === undefined ? existing.endsAt : input.endsAt;
  valid.period(['input'], startsAt, endsAt);
  const objects = input.accountingObjects == null ? null : await accountingObjectIds(prisma, input.accountingObjects);
  return prisma.$transaction(async (tx) => {
    if (objects !== null) {
      await tx.contractAccountingObject.deleteMany({ where: { contractId: id } });
      await tx.contractAccountingObject.createMany({ data: objects.map((accountingObjectId) => ({ contractId: id, accountingObjectId })) });
    }
    return tx.contract.update({
      where: { id },
      data: {
        name: input.name != null ? valid.name(['input', 'name'], input.name) : undefined,
        currency: input.currency != null ? valid.currency(['input', 'currency'], input.currency) : undefined,
        timeZone: input.timeZone != null ? valid.timeZone(['input', 'timeZone'], input.timeZone) : undefined,
        billingPeriod: input.billingPeriod ?? undefined,
        startsAt,
        endsAt,
      },
    });
  });
}

export async function deleteContract(prisma: PrismaClient, id: string): Promise<void> {
  found(await prisma.contract.findUnique({ where: { id }, select: { id: true } }), ID, 'contract');
  await prisma.contract.delete({ where: { id } });
}
