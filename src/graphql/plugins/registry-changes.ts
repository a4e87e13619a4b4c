import type { ApolloServerPlugin } from '@apollo/server';

/**
 * After a mutation, the path service reloads the registry before its next path: a new prefix,
 * router, switch, link or AS must count from the next transfer on. Every mutation does this,
 * not only the registry's, because reloading costs four queries once and a list of the
 * mutations that matter would drift as the schema grows.
 */
export function registryChangesPlugin(paths: { invalidate(): void }): ApolloServerPlugin {
  return {
    async requestDidStart() {
      return {
        async willSendResponse({ operation }) {
          if (operation?.operation === 'mutation') paths.invalidate();
        },
      };
    },
  };
}
