// Uplink grants: an ISP permits a CDN to have its subscribers upload to others, at a rate per GB.
// Every change is kept (UplinkGrantChange), and a revoked grant stays, with its reason, for the
// statements of the periods it was in force.
import { Decimal } from 'decimal.js';
import { termsToJson } from '../contracts/terms.ts';
import type { OwnerGuard } from '../auth/access.ts';
import { InputError } from '../domain/input-error.ts';
import { found, organizationBySlug, rowId } from '../domain/references.ts';
import * as valid from '../domain/validate.ts';
import type { Prisma, PrismaClient, UplinkGrant } from '../generated/prisma/client.ts';
import type { CapPeriod, UplinkGrantBasis, UplinkGrantScope } from '../generated/prisma/enums.ts';

export interface UplinkGrantInput {
  network: string;
  distributor: string;
  scope: UplinkGrantScope;
  basis: UplinkGrantBasis;
  clients?: readonly string[] | null;
  validFrom?: Date | null;
  validUntil?: Date | null;
  capBytes?: bigint | null;
  capPeriod?: CapPeriod | null;
  perClientRateBps?: bigint | null;
  ratePerGb: string;
  currency: string;
  timeZone?: string | null;
}

export interface UplinkGrantChangeInput {
  clients?: readonly string[] | null;
  validUntil?: Date | null;
  capBytes?: bigint | null;
  perClientRateBps?: bigint | null;
}

const input = (...path: string[]) => ['input', ...path];

/** A rate: a non-negative decimal of at most 10 places, below 10^15. */
function rate(field: string[], text: string): string {
  let value: Decimal;
  try {
    value = new Decimal(text);
  } catch {
    throw new InputError(field, `"${text}" is not a decimal number.`);
  }
  if (!value.isFinite() || value.isNegative()) throw new InputError(field, `must be 0 or more, got ${text}.`);
  if (value.decimalPlaces() > 10) throw new InputError(field, `has ${value.decimalPlaces()} decimal places; at most 10.`);
  if (value.greaterThanOrEqualTo('1e15')) throw new InputError(field, 'must be below 10^15.');
  return value.toFixed();
}

/** Client row ids from global ids, each a subscriber of the network. */
async function subscribers(prisma: PrismaClient, networkId: string, globalIds: readonly string[]): Promise<string[]> {
  const ids = globalIds.map((id, i) => rowId(input('clients', String(i)), id, 'Client'));
  const rows = await prisma.client.findMany({ where: { id: { in: ids } }, select: { id: true, subscriberNetworkId: true } });
  ids.forEach((id, i) => {
    const row = rows.find((r) => r.id === id);
    if (!row) throw new InputError(input('clients', String(i)), 'no client with this id.', 'NOT_FOUND');
    if (row.subscriberNetworkId !== networkId) throw new InputError(input('clients', String(i)), 'this client does not subscribe to the granting network.');
  });
  return [...new Set(ids)];
}

export async function createUplinkGrant(prisma: PrismaClient, grant: UplinkGrantInput, guard: OwnerGuard, keyId: string | null): Promise<UplinkGrant> {
  const network = await organizationBySlug(prisma, input('network'), grant.network, 'SERVICE_PROVIDER');
  guard(network.id, input('network'));
  const distributor = await organizationBySlug(prisma, input('distributor'), grant.distributor, 'CONTENT_DISTRIBUTOR');
  const validFrom = grant.validFrom ?? new Date();
  valid.period(['input'], validFrom, grant.validUntil);
  const clients = grant.scope === 'LISTED_CLIENTS' ? await subscribers(prisma, network.id, grant.clients ?? []) : [];
  if (grant.scope === 'LISTED_CLIENTS' && clients.length === 0) throw new InputError(input('clients'), 'LISTED_CLIENTS needs at least one client.');
  if (grant.scope !== 'LISTED_CLIENTS' && (grant.clients?.length ?? 0) > 0) throw new InputError(input('clients'), `lists clients, but the scope is ${grant.scope}.`);
  const data = {
    networkId: network.id,
    distributorId: distributor.id,
    scope: grant.scope,
    basis: grant.basis,
    validFrom,
    validUntil: grant.validUntil ?? null,
    capBytes: valid.positiveBigInt(input('capBytes'), grant.capBytes) ?? null,
    capPeriod: grant.capPeriod ?? 'MONTH',
    perClientRateBps: valid.positiveBigInt(input('perClientRateBps'), grant.perClientRateBps) ?? null,
    ratePerGb: rate(input('ratePerGb'), grant.ratePerGb),
    currency: valid.currency(input('currency'), grant.currency),
    timeZone: valid.timeZone(input('timeZone'), grant.timeZone ?? 'UTC'),
  };
  return prisma.$transaction(async (tx) => {
    // The grant is also a contract: the CDN pays the ISP for the uplink used under it, invoiced
    // by the report engine's settlement runs with every other contract.
    const contract = await tx.contract.create({
      data: {
        name: `Uplink: ${network.slug} for ${distributor.slug}`,
        payerId: distributor.id,
        payeeId: network.id,
        currency: data.currency,
        timeZone: data.timeZone,
        billingPeriod: 'MONTH',
        startsAt: validFrom,
        endsAt: data.validUntil,
        terms: { create: { effectiveFrom: validFrom, terms: termsToJson([{ kind: 'UPLINK', ratePerGb: new Decimal(data.ratePerGb), accountingObjectId: null }]), note: 'the uplink grant’s rate' } },
      },
    });
    const created = await tx.uplinkGrant.create({ data: { ...data, contractId: contract.id, clients: { create: clients.map((clientId) => ({ clientId })) } } });
    await tx.uplinkGrantChange.create({ data: { grantId: created.id, change: 'CREATED', detail: snapshot(created, clients), keyId } });
    return created;
  });
}

export async function updateUplinkGrant(prisma: PrismaClient, id: string, change: UplinkGrantChangeInput, guard: OwnerGuard, keyId: string | null): Promise<UplinkGrant> {
  const existing = found(await prisma.uplinkGrant.findUnique({ where: { id }, include: { clients: true } }), input('id'), 'uplink grant');
  guard(existing.networkId, input('id'));
  if (existing.revokedAt !== null) throw new InputError(input('id'), 'the grant was revoked; grant anew instead.', 'INVALID');
  if (change.validUntil != null) valid.period(['input'], existing.validFrom, change.validUntil);
  const clients = change.clients == null ? null : existing.scope === 'LISTED_CLIENTS' ? await subscribers(prisma, existing.networkId, change.clients) : null;
  if (change.clients != null && existing.scope !== 'LISTED_CLIENTS') throw new InputError(input('clients'), `lists clients, but the scope is ${existing.scope}.`);
  if (clients !== null && clients.length === 0) throw new InputError(input('clients'), 'LISTED_CLIENTS needs at least one client.');
  const data: Prisma.UplinkGrantUpdateInput = {
    ...(change.validUntil !== undefined && { validUntil: change.validUntil }),
    ...(change.capBytes !== undefined && { capBytes: valid.positiveBigInt(input('capBytes'), change.capBytes) ?? null }),
    ...(change.perClientRateBps !== undefined && { perClientRateBps: valid.positiveBigInt(input('perClientRateBps'), change.perClientRateBps) ?? null }),
  };
  const before = snapshot(existing, existing.clients.map((c) => c.clientId));
  return prisma.$transaction(async (tx) => {
    if (clients !== null) {
      await tx.uplinkGrantClient.deleteMany({ where: { grantId: id } });
      await tx.uplinkGrantClient.createMany({ data: clients.map((clientId) => ({ grantId: id, clientId })) });
    }
    const updated = await tx.uplinkGrant.update({ where: { id }, data });
    if (change.validUntil !== undefined && updated.contractId) await tx.contract.update({ where: { id: updated.contractId }, data: { endsAt: change.validUntil } });
    const after = snapshot(updated, clients ?? existing.clients.map((c) => c.clientId));
    const changed = Object.fromEntries(Object.keys(after).filter((key) => JSON.stringify(after[key]) !== JSON.stringify(before[key])).map((key) => [key, { from: before[key], to: after[key] }]));
    await tx.uplinkGrantChange.create({ data: { grantId: id, change: 'UPDATED', detail: changed, keyId } });
    return updated;
  });
}

/** Stops the grant at once: no peer is sent under it from the next request on. */
export async function revokeUplinkGrant(prisma: PrismaClient, id: string, reason: string, guard: OwnerGuard, keyId: string | null): Promise<UplinkGrant> {
  const existing = found(await prisma.uplinkGrant.findUnique({ where: { id } }), input('id'), 'uplink grant');
  guard(existing.networkId, input('id'));
  const why = valid.name(input('reason'), reason, 1000);
  if (existing.revokedAt !== null) throw new InputError(input('id'), `the grant was revoked already, at ${existing.revokedAt.toISOString()}.`);
  return prisma.$transaction(async (tx) => {
    const now = new Date();
    const revoked = await tx.uplinkGrant.update({ where: { id }, data: { revokedAt: now, revokeReason: why } });
    // Nothing is uploaded under it from now on; what was is still settled.
    if (revoked.contractId) await tx.contract.update({ where: { id: revoked.contractId }, data: { endsAt: now < revoked.validFrom ? revoked.validFrom : now } });
    await tx.uplinkGrantChange.create({ data: { grantId: id, change: 'REVOKED', detail: { reason: why }, keyId } });
    return revoked;
  });
}

/** What the change log keeps of a grant: its terms, in JSON's words. */
function snapshot(grant: UplinkGrant, clients: readonly string[]): Record<string, Prisma.InputJsonValue | null> {
  return {
    scope: grant.scope,
    basis: grant.basis,
    clients: [...clients].sort(),
    validFrom: grant.validFrom.toISOString(),
    validUntil: grant.validUntil?.toISOString() ?? null,
    capBytes: grant.capBytes?.toString() ?? null,
    capPeriod: grant.capPeriod,
    perClientRateBps: grant.perClientRateBps?.toString() ?? null,
    ratePerGb: grant.ratePerGb.toString(),
    currency: grant.currency,
    timeZone: grant.timeZone,
  };
}
