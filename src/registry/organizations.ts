// Organizations: ISPs, CDNs, content owners.
import type { Organization, PrismaClient } from '../generated/prisma/client.ts';
import type { OrganizationRole } from '../generated/prisma/enums.ts';
import type { OwnerGuard } from '../auth/access.ts';
import { withConstraints } from '../db/prisma-errors.ts';
import { found } from '../domain/references.ts';
import { InputError } from '../domain/input-error.ts';
import * as valid from '../domain/validate.ts';

export interface OrganizationInput {
  slug?: string | null;
  name?: string | null;
  roles?: OrganizationRole[] | null;
}

const ID = ['input', 'id'];

function roles(value: OrganizationRole[]): OrganizationRole[] {
  if (value.length === 0) throw new InputError(['input', 'roles'], 'an organization needs at least one role.');
  return [...new Set(value)];
}

const slugTaken = (slug: string) => ({ field: ['input', 'slug'], message: `the slug "${slug}" is taken.` });

export async function createOrganization(
  prisma: PrismaClient,
  input: Required<{ [K in keyof OrganizationInput]: NonNullable<OrganizationInput[K]> }>,
): Promise<Organization> {
  const data = {
    slug: valid.slug(['input', 'slug'], input.slug),
    name: valid.name(['input', 'name'], input.name),
    roles: roles(input.roles),
  };
  return withConstraints({ unique: slugTaken(data.slug) }, () => prisma.organization.create({ data }));
}

export async function updateOrganization(
  prisma: PrismaClient,
  id: string,
  input: OrganizationInput,
  guard: OwnerGuard,
): Promise<Organization> {
  found(await prisma.organization.findUnique({ where: { id }, select: { id: true } }), ID, 'organization');
  guard(id, ID);
  const data = {
    ...(input.slug != null && { slug: valid.slug(['input', 'slug'], input.slug) }),
    ...(input.name != null && { name: valid.name(['input', 'name'], input.name) }),
    ...(input.roles != null && { roles: roles(input.roles) }),
  };
  return withConstraints({ unique: slugTaken(data.slug ?? '') }, () => prisma.organization.update({ where: { id }, data }));
}

export async function deleteOrganization(prisma: PrismaClient, id: string): Promise<void> {
  found(await prisma.organization.findUnique({ where: { id }, select: { id: true } }), ID, 'organization');
  const inUse = { field: ID, message: 'the organization still owns or is party to records; delete or reassign them first.' };
  await withConstraints({ inUse }, () =>
    prisma.$transaction(async (tx) => {
      // Transfers it reported hold no foreign key (see the TransferEvent model): locking the row
      // waits for a batch it is recording to commit, and then they are looked for.
      await tx.$queryRaw`SELECT 1 FROM "Organization" WHERE "id" = ${id}::uuid FOR UPDATE`;
      const [reported] = await tx.$queryRaw<{ found: boolean }[]>`SELECT EXISTS (SELECT 1 FROM "TransferEvent" WHERE "reporterId" = ${id}::uuid) AS "found"`;
      if (reported?.found) throw new InputError(ID, inUse.message, 'IN_USE');
      await tx.organization.delete({ where: { id } });
    }),
  );
}
