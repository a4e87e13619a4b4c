// Autonomous systems, each with the component that stands for it on paths.
import type { AutonomousSystem, PrismaClient } from '../generated/prisma/client.ts';
import type { OwnerGuard } from '../auth/access.ts';
import { withConstraints } from '../db/prisma-errors.ts';
import { found, organizationBySlug } from '../domain/references.ts';
import * as valid from '../domain/validate.ts';

const ID = ['input', 'id'];

/** How an AS is named on paths: "AS3320 Deutsche Telekom". */
export const asComponentName = (number: number, name: string) => `AS${number} ${name}`;

export async function createAutonomousSystem(
  prisma: PrismaClient,
  input: { number: number; name: string; owner: string },
  guard: OwnerGuard,
): Promise<AutonomousSystem> {
  const number = valid.asNumber(['input', 'number'], input.number);
  const name = valid.name(['input', 'name'], input.name);
  const owner = await organizationBySlug(prisma, ['input', 'owner'], input.owner);
  guard(owner.id, ['input', 'owner']);
  return withConstraints({ unique: { field: ['input', 'number'], message: `AS${number} is already registered.` } }, () =>
    prisma.autonomousSystem.create({
      data: {
        number,
        name,
        owner: { connect: { id: owner.id } },
        component: { create: { kind: 'AUTONOMOUS_SYSTEM', name: asComponentName(number, name), ownerId: owner.id } },
      },
    }),
  );
}

export async function updateAutonomousSystem(
  prisma: PrismaClient,
  id: string,
  input: { name?: string | null; owner?: string | null },
  guard: OwnerGuard,
): Promise<AutonomousSystem> {
  const existing = found(await prisma.autonomousSystem.findUnique({ where: { id } }), ID, 'autonomous system');
  guard(existing.ownerId, ID);
  const name = input.name != null ? valid.name(['input', 'name'], input.name) : existing.name;
  let ownerId = existing.ownerId;
  if (input.owner != null) {
    ownerId = (await organizationBySlug(prisma, ['input', 'owner'], input.owner)).id;
    guard(ownerId, ['input', 'owner']);
  }
  // The component carries the AS's owner and name onto paths, so it changes with them.
  return prisma.autonomousSystem.update({
    where: { id },
    data: { name, owner: { connect: { id: ownerId } }, component: { update: { name: asComponentName(existing.number, name), ownerId } } },
  });
}

export async function deleteAutonomousSystem(prisma: PrismaClient, id: string, guard: OwnerGuard): Promise<void> {
  const existing = found(await prisma.autonomousSystem.findUnique({ where: { id } }), ID, 'autonomous system');
  guard(existing.ownerId, ID);
  // Deleting the component deletes the AS with it (cascade); links that end on it block both.
  await withConstraints(
    { inUse: { field: ID, message: 'links still end on this autonomous system; delete them first.' } },
    () => prisma.networkComponent.delete({ where: { id: existing.componentId } }),
  );
}
