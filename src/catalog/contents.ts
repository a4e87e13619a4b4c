// Contents: what owners sell and distributors serve.
import type { Content, PrismaClient } from '../generated/prisma/client.ts';
import type { ContentKind } from '../generated/prisma/enums.ts';
import { withConstraints } from '../db/prisma-errors.ts';
import { InputError } from '../domain/input-error.ts';
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

const IN_USE = 'transfers or accounting objects refer to this content.';

/**
 * Deletes a content nothing refers to. Recorded transfers hold no foreign key to it (see the
 * TransferEvent model), so they are checked here: the row is locked first, which waits for any
 * batch recording it to commit, and then its traffic is looked for in the rollups (every
 * recorded transfer has a row there, kept after raw events are pruned) and in the counter
 * journal's entries not yet folded into them.
 */
export async function deleteContent(prisma: PrismaClient, id: string): Promise<void> {
  found(await prisma.content.findUnique({ where: { id }, select: { id: true } }), ID, 'content');
  await withConstraints({ inUse: { field: ID, message: IN_USE } }, () =>
    prisma.$transaction(async (tx) => {
      const [row] = await tx.$queryRaw<{ ownerId: string }[]>`SELECT "ownerId"::text AS "ownerId" FROM "Content" WHERE "id" = ${id}::uuid FOR UPDATE`;
      if (!row) return;
      const [traffic] = await tx.$queryRaw<{ used: boolean }[]>`
        SELECT EXISTS (SELECT 1 FROM "TrafficRollup" WHERE "contentOwnerId" = ${row.ownerId}::uuid AND "contentId" = ${id}::uuid)
            OR EXISTS (SELECT 1 FROM "CounterJournal" j, unnest(j."keys") AS k("key")
                       WHERE j."table" = 'TrafficRollup' AND split_part(k."key", '|', 7) = ${id}) AS "used"`;
      if (traffic?.used) throw new InputError(ID, IN_USE, 'IN_USE');
      await tx.content.delete({ where: { id } });
    }),
  );
}
