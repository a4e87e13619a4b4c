// Clients: subscriber hosts. Each has a HOST component owned by its subscriber network, which is
// how "traffic delivered to SP1's subscribers" finds them on a path.
import type { Client, PrismaClient } from '../generated/prisma/client.ts';
import type { DeviceKind } from '../generated/prisma/enums.ts';
import type { OwnerGuard } from '../auth/access.ts';
import { InputError } from '../domain/input-error.ts';
import { found, organizationBySlug } from '../domain/references.ts';
import * as valid from '../domain/validate.ts';

const ID = ['input', 'id'];

export interface ClientInput {
  name?: string | null;
  addresses?: string[] | null;
  subscriberNetwork?: string | null;
  deviceKind?: DeviceKind | null;
}

function clientAddresses(values: string[]): string[] {
  const result = valid.addresses(['input', 'addresses'], values);
  if (result.length === 0) throw new InputError(['input', 'addresses'], 'a client needs at least one address.');
  return result;
}

async function subscriberNetworkId(prisma: PrismaClient, slug: string, guard: OwnerGuard): Promise<string> {
  const network = await organizationBySlug(prisma, ['input', 'subscriberNetwork'], slug, 'SERVICE_PROVIDER');
  guard(network.id, ['input', 'subscriberNetwork']);
  return network.id;
}

export async function createClient(
  prisma: PrismaClient,
  input: { name: string; addresses: string[]; subscriberNetwork: string; deviceKind?: DeviceKind | null },
  guard: OwnerGuard,
): Promise<Client> {
  const name = valid.name(['input', 'name'], input.name);
  const addresses = clientAddresses(input.addresses);
  const networkId = await subscriberNetworkId(prisma, input.subscriberNetwork, guard);
  return prisma.client.create({
    data: {
      name,
      addresses,
      deviceKind: input.deviceKind ?? 'OTHER',
      subscriberNetwork: { connect: { id: networkId } },
      component: { create: { kind: 'HOST', name, addresses, ownerId: networkId } },
    },
  });
}

export async function updateClient(prisma: PrismaClient, id: string, input: ClientInput, guard: OwnerGuard): Promise<Client> {
  const existing = found(await prisma.client.findUnique({ where: { id } }), ID, 'client');
  guard(existing.subscriberNetworkId, ID);
  const name = input.name != null ? valid.name(['input', 'name'], input.name) : undefined;
  const addresses = input.addresses != null ? clientAddresses(input.addresses) : undefined;
  const networkId = input.subscriberNetwork != null ? await subscriberNetworkId(prisma, input.subscriberNetwork, guard) : undefined;
  return prisma.client.update({
    where: { id },
    data: {
      name,
      addresses,
      deviceKind: input.deviceKind ?? undefined,
      subscriberNetwork: networkId ? { connect: { id: networkId } } : undefined,
      component: { update: { name, addresses, ownerId: networkId } },
    },
  });
}

export async function deleteClient(prisma: PrismaClient, id: string, guard: OwnerGuard): Promise<void> {
  const existing = found(await prisma.client.findUnique({ where: { id } }), ID, 'client');
  guard(existing.subscriberNetworkId, ID);
  // The host component goes with it; its associations and past transfers' references cascade or
  // are set null by the schema.
  await prisma.networkComponent.delete({ where: { id: existing.componentId } });
}
