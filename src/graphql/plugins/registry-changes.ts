import type { ApolloServerPlugin } from '@apollo/server';

/**
 * After a mutation, what holds the registry or the accounting objects in memory (the path
 * service, the transfer recorder, the coordinator) reloads it before its next use: a new prefix,
 * router, link or association must count from the next transfer on. The key lookup forgets the
 * keys it remembers, so a key revoked here is refused from the next request on. Every mutation does this, not only those
 * that matter, because a reload costs a few queries once and a list of the mutations that matter
 * would drift as the schema grows.
 */
/**
 * Mutations that change neither the registry nor the accounting objects. Recording transfers
 * is the hot path: reloading after every batch would cost more than the batch. (What the path
 * service stores for new paths, it takes into account itself.)
 */
const LEAVES_REGISTRY_ALONE = new Set(['recordTransfers', 'reportAvailability', 'requestContent', '__typename']);

export function registryChangesPlugin(holders: readonly { invalidate(): void }[]): ApolloServerPlugin {
  return {
    async requestDidStart() {
      return {
        async willSendResponse({ operation }) {
          if (operation?.operation !== 'mutation') return;
          const fields = operation.selectionSet.selections.map((selection) => (selection.kind === 'Field' ? selection.name.value : ''));
          if (fields.every((field) => LEAVES_REGISTRY_ALONE.has(field))) return;
          for (const holder of holders) holder.invalidate();
        },
      };
    },
  };
}
