// Contents: what owners sell and distributors serve.
import type { Content, PrismaClient } from '../generated/prisma/client.ts';
import type { ContentKind } from '../generated/prisma/enums.ts';
import { withConstraints } from '../db/prisma-errors.ts';
import { found, organizationBySlug } from '../domain/references.ts';
import * as valid from '../domain/validate.ts';

const ID = ['input', 'id'];
const titleTaken = (title: string) => ({ field: ['input', 'title'], message: `the owner already has a content titled "${title}".` });

async function distributorId(prisma: PrismaClient, slug: string | null | undefined): Promise<string | null | undefined> {
  if (slug == null) return slug;
  return (await organizationBySlug(prisma, ['input', 'distributor'], slug, 'CONTENT_DISTRIBUTOR')).id;
}

export async function createContent(
  prisma: PrismaClient,
  input: { title: string; kind: ContentKind; owner: string; distributor?: string | null; sizeBytes?: bigint | null },
): Promise<Content> {
  const title = valid.name(['input', 'title'], input.title);
  const owner = await organizationBySlug(prisma, ['input', 'owner'], input.owner, 'CONTENT_OWNER');
  const data = {
    title,
    kind: input.kind,
    ownerId: owner.id,
    distributorId: await distributorId(prisma, input.distributor),
    sizeBytes: valid.positiveBigInt(['input', 'sizeBytes'], input.sizeBytes),
  };
  return withConstraints({ unique: titleTaken(title) }, () => prisma.content.create({ data }));
}

export async function updateContent(
  prisma: PrismaClient,
  id: string,
  input: { title?: string | null; kind?: ContentKind | null; distributor?: string | null; sizeBytes?: bigint | null },
): Promise<Content> {
  found(await prisma.content.findUnique({ where: { id }, select: { id: true } }), ID, 'content');
  const title = input.title != null ? valid.name(['input', 'title'], input.title) : undefined;
  const data = {
    title,
    kind: input.kind ?? undefined,
    distributorId: await distributorId(prisma, input.distributor),
    sizeBytes: input.sizeBytes === undefined ? undefined : valid.positiveBigInt(['input', 'sizeBytes'], input.sizeBytes),
  };
  return withConstraints({ unique: titleTaken(title ?? '') }, () => prisma.content.update({ where: { id }, data }));
}

export async function deleteContent(prisma: PrismaClient, id: string): Promise<void> {
  found(await prisma.content.findUnique({ where: { id }, select: { id: true } }), ID, 'content');
  await withConstraints(
    { inUse: { field: ID, message: 'transfers or accounting objects refer to this content.' } },
    () => prisma.content.delete({ where: { id } }),
  );
}
