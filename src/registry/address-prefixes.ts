// Address prefixes an operator declares as its own; the path service consults them before the
// IP database, most specific first.
import type { AddressPrefix, PrismaClient } from '../generated/prisma/client.ts';
import type { OwnerGuard } from '../auth/access.ts';
import { withConstraints } from '../db/prisma-errors.ts';
import { found, organizationBySlug } from '../domain/references.ts';
import * as valid from '../domain/validate.ts';

const ID = ['input', 'id'];
const taken = (prefix: string) => ({ field: ['input', 'prefix'], message: `${prefix} is already registered.` });

export interface AddressPrefixInput {
  prefix?: string | null;
  organization?: string | null;
  asNumber?: number | null;
  description?: string | null;
}

async function fields(prisma: PrismaClient, input: AddressPrefixInput, guard: OwnerGuard) {
  let organizationId: string | undefined;
  if (input.organization != null) {
    organizationId = (await organizationBySlug(prisma, ['input', 'organization'], input.organization, 'SERVICE_PROVIDER')).id;
    guard(organizationId, ['input', 'organization']);
  }
  return {
    ...(input.prefix != null && { prefix: valid.prefix(['input', 'prefix'], input.prefix) }),
    ...(organizationId && { organizationId }),
    ...(input.asNumber !== undefined && { asNumber: input.asNumber === null ? null : valid.asNumber(['input', 'asNumber'], input.asNumber) }),
    ...(input.description !== undefined && { description: valid.optionalText(['input', 'description'], input.description) }),
  };
}

export async function createAddressPrefix(
  prisma: PrismaClient,
  input: AddressPrefixInput & { prefix: string; organization: string },
  guard: OwnerGuard,
): Promise<AddressPrefix> {
  const data = await fields(prisma, input, guard);
  return withConstraints({ unique: taken(data.prefix ?? input.prefix) }, () =>
    prisma.addressPrefix.create({ data: { ...data, prefix: data.prefix!, organizationId: data.organizationId! } }),
  );
}

async function own(prisma: PrismaClient, id: string, guard: OwnerGuard): Promise<AddressPrefix> {
  const existing = found(await prisma.addressPrefix.findUnique({ where: { id } }), ID, 'address prefix');
  guard(existing.organizationId, ID);
  return existing;
}

export async function updateAddressPrefix(prisma: PrismaClient, id: string, input: AddressPrefixInput, guard: OwnerGuard): Promise<AddressPrefix> {
  await own(prisma, id, guard);
  const data = await fields(prisma, input, guard);
  return withConstraints({ unique: taken(data.prefix ?? '') }, () => prisma.addressPrefix.update({ where: { id }, data }));
}

export async function deleteAddressPrefix(prisma: PrismaClient, id: string, guard: OwnerGuard): Promise<void> {
  await own(prisma, id, guard);
  await prisma.addressPrefix.delete({ where: { id } });
}
