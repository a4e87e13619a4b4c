// Ingestion through GraphQL: who may record, for which reporter, how many at once; the recorder
// does the rest (src/accounting/recorder.ts).
import { MAX_TRANSFERS_PER_CALL } from '../../accounting/recorder.ts';
import type { MutationResolvers } from '../../generated/graphql.ts';
import { forbidden } from '../errors.ts';
import { fromGlobalId } from '../global-id.ts';

const noTransfers = { accepted: 0, duplicates: 0, rejected: [] };

export const transferMutations: Pick<MutationResolvers, 'recordTransfers'> = {
  recordTransfers: async (_, { input }, ctx) => {
    const principal = ctx.access.requireRole(['ADMIN', 'AGENT'], 'record transfers');
    if (input.transfers.length > MAX_TRANSFERS_PER_CALL) {
      const message = `has ${input.transfers.length} transfers; at most ${MAX_TRANSFERS_PER_CALL} per call (POST /ingest streams any number).`;
      return { ...noTransfers, userErrors: [{ field: ['input', 'transfers'], message, code: 'INVALID' as const }] };
    }

    let reporterId = principal.organizationId;
    if (input.reporter != null) {
      const reporter = await ctx.prisma.organization.findUnique({ where: { slug: input.reporter }, select: { id: true } });
      if (reporter === null) return { ...noTransfers, userErrors: [{ field: ['input', 'reporter'], message: `no organization with slug "${input.reporter}".`, code: 'NOT_FOUND' as const }] };
      // An agent reports for its own organization, never for another.
      if (principal.organizationId !== null && reporter.id !== principal.organizationId) throw forbidden(`this AGENT key records for its own organization, not for ${input.reporter}.`);
      reporterId = reporter.id;
    }
    if (reporterId === null) {
      return { ...noTransfers, userErrors: [{ field: ['input', 'reporter'], message: 'an ADMIN key must name the reporting organization (its slug).', code: 'INVALID' as const }] };
    }

    const rowIdOf = (type: 'Content' | 'ContentAssignment') => (id: string) => {
      const decoded = fromGlobalId(id);
      return decoded?.type === type ? decoded.id : null;
    };
    const outcome = await ctx.recorder.record(reporterId, input.transfers, { contentRowId: rowIdOf('Content'), assignmentRowId: rowIdOf('ContentAssignment') });
    return { ...outcome, userErrors: [] };
  },
};
