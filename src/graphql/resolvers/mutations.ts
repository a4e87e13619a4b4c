// Mutations: check the role (a GraphQL FORBIDDEN error), then run the domain service; input
// problems come back as `userErrors`.
import type { MutationResolvers } from '../../generated/graphql.ts';
import * as objects from '../../accounting/objects.ts';
import { createApiKey, revokeApiKey } from '../../auth/api-keys.ts';
import * as contents from '../../catalog/contents.ts';
import * as contracts from '../../contracts/contracts.ts';
import { found, rowId } from '../../domain/references.ts';
import * as addressPrefixes from '../../registry/address-prefixes.ts';
import * as autonomousSystems from '../../registry/autonomous-systems.ts';
import * as clients from '../../registry/clients.ts';
import * as components from '../../registry/components.ts';
import * as links from '../../registry/links.ts';
import * as organizations from '../../registry/organizations.ts';
import { toGlobalId, type NodeType } from '../global-id.ts';
import { payload } from './support.ts';

const ID = ['input', 'id'];

/** Runs a delete and reports the deleted object's global id. */
async function deletion(type: NodeType, globalId: string, run: (id: string) => Promise<void>) {
  const result = await payload('deletedId', async () => {
    const id = rowId(ID, globalId, type);
    await run(id);
    return toGlobalId(type, id);
  });
  return result;
}

export const Mutation: MutationResolvers = {
  createOrganization: (_, { input }, ctx) => {
    ctx.access.requireRole(['ADMIN'], 'create organizations');
    return payload('organization', () => organizations.createOrganization(ctx.prisma, input));
  },
  updateOrganization: (_, { input }, ctx) => {
    const guard = ctx.access.writer('Organization');
    return payload('organization', () => organizations.updateOrganization(ctx.prisma, rowId(ID, input.id, 'Organization'), input, guard));
  },
  deleteOrganization: (_, { input }, ctx) => {
    ctx.access.requireRole(['ADMIN'], 'delete organizations');
    return deletion('Organization', input.id, (id) => organizations.deleteOrganization(ctx.prisma, id));
  },

  createAutonomousSystem: (_, { input }, ctx) => {
    const guard = ctx.access.writer('AutonomousSystem');
    return payload('autonomousSystem', () => autonomousSystems.createAutonomousSystem(ctx.prisma, input, guard));
  },
  updateAutonomousSystem: (_, { input }, ctx) => {
    const guard = ctx.access.writer('AutonomousSystem');
    return payload('autonomousSystem', () =>
      autonomousSystems.updateAutonomousSystem(ctx.prisma, rowId(ID, input.id, 'AutonomousSystem'), input, guard),
    );
  },
  deleteAutonomousSystem: (_, { input }, ctx) => {
    const guard = ctx.access.writer('AutonomousSystem');
    return deletion('AutonomousSystem', input.id, (id) => autonomousSystems.deleteAutonomousSystem(ctx.prisma, id, guard));
  },

  createAddressPrefix: (_, { input }, ctx) => {
    const guard = ctx.access.writer('AddressPrefix');
    return payload('addressPrefix', () => addressPrefixes.createAddressPrefix(ctx.prisma, input, guard));
  },
  updateAddressPrefix: (_, { input }, ctx) => {
    const guard = ctx.access.writer('AddressPrefix');
    return payload('addressPrefix', () => addressPrefixes.updateAddressPrefix(ctx.prisma, rowId(ID, input.id, 'AddressPrefix'), input, guard));
  },
  deleteAddressPrefix: (_, { input }, ctx) => {
    const guard = ctx.access.writer('AddressPrefix');
    return deletion('AddressPrefix', input.id, (id) => addressPrefixes.deleteAddressPrefix(ctx.prisma, id, guard));
  },

  createNetworkComponent: (_, { input }, ctx) => {
    const guard = ctx.access.writer('NetworkComponent');
    return payload('networkComponent', () => components.createNetworkComponent(ctx.prisma, input, guard));
  },
  updateNetworkComponent: (_, { input }, ctx) => {
    const guard = ctx.access.writer('NetworkComponent');
    return payload('networkComponent', () =>
      components.updateNetworkComponent(ctx.prisma, rowId(ID, input.id, 'NetworkComponent'), input, guard),
    );
  },
  deleteNetworkComponent: (_, { input }, ctx) => {
    const guard = ctx.access.writer('NetworkComponent');
    return deletion('NetworkComponent', input.id, (id) => components.deleteNetworkComponent(ctx.prisma, id, guard));
  },

  createClient: (_, { input }, ctx) => {
    const guard = ctx.access.writer('Client');
    return payload('client', () => clients.createClient(ctx.prisma, input, guard));
  },
  updateClient: (_, { input }, ctx) => {
    const guard = ctx.access.writer('Client');
    return payload('client', () => clients.updateClient(ctx.prisma, rowId(ID, input.id, 'Client'), input, guard));
  },
  deleteClient: (_, { input }, ctx) => {
    const guard = ctx.access.writer('Client');
    return deletion('Client', input.id, (id) => clients.deleteClient(ctx.prisma, id, guard));
  },

  createLink: (_, { input }, ctx) => {
    const guard = ctx.access.writer('Link');
    return payload('link', () => links.createLink(ctx.prisma, input, guard));
  },
  updateLink: (_, { input }, ctx) => {
    const guard = ctx.access.writer('Link');
    return payload('link', () => links.updateLink(ctx.prisma, rowId(ID, input.id, 'Link'), input, guard));
  },
  deleteLink: (_, { input }, ctx) => {
    const guard = ctx.access.writer('Link');
    return deletion('Link', input.id, (id) => links.deleteLink(ctx.prisma, id, guard));
  },

  createLinkSet: (_, { input }, ctx) => {
    const guard = ctx.access.writer('LinkSet');
    return payload('linkSet', () => links.createLinkSet(ctx.prisma, input, guard));
  },
  updateLinkSet: (_, { input }, ctx) => {
    const guard = ctx.access.writer('LinkSet');
    return payload('linkSet', () => links.updateLinkSet(ctx.prisma, rowId(ID, input.id, 'LinkSet'), input, guard));
  },
  deleteLinkSet: (_, { input }, ctx) => {
    const guard = ctx.access.writer('LinkSet');
    return deletion('LinkSet', input.id, (id) => links.deleteLinkSet(ctx.prisma, id, guard));
  },
  addLinksToLinkSet: (_, { input }, ctx) => {
    const guard = ctx.access.writer('LinkSet');
    return payload('linkSet', () => links.changeLinkSetMembers(ctx.prisma, input.linkSet, input.links, 'add', guard));
  },
  removeLinksFromLinkSet: (_, { input }, ctx) => {
    const guard = ctx.access.writer('LinkSet');
    return payload('linkSet', () => links.changeLinkSetMembers(ctx.prisma, input.linkSet, input.links, 'remove', guard));
  },

  createContent: (_, { input }, ctx) => {
    ctx.access.writer('Content');
    return payload('content', () => contents.createContent(ctx.prisma, input));
  },
  updateContent: (_, { input }, ctx) => {
    ctx.access.writer('Content');
    return payload('content', () => contents.updateContent(ctx.prisma, rowId(ID, input.id, 'Content'), input));
  },
  deleteContent: (_, { input }, ctx) => {
    ctx.access.writer('Content');
    return deletion('Content', input.id, (id) => contents.deleteContent(ctx.prisma, id));
  },

  createAccountingObject: (_, { input }, ctx) => {
    ctx.access.writer('AccountingObject');
    return payload('accountingObject', () => objects.createAccountingObject(ctx.prisma, input));
  },
  updateAccountingObject: (_, { input }, ctx) => {
    ctx.access.writer('AccountingObject');
    return payload('accountingObject', () =>
      objects.updateAccountingObject(ctx.prisma, rowId(ID, input.id, 'AccountingObject'), input),
    );
  },
  deleteAccountingObject: (_, { input }, ctx) => {
    ctx.access.writer('AccountingObject');
    return deletion('AccountingObject', input.id, (id) => objects.deleteAccountingObject(ctx.prisma, id));
  },
  associate: (_, { input }, ctx) => {
    ctx.access.writer('AccountingObject');
    return payload('accountingObject', () => objects.changeAssociation(ctx.prisma, input, 'associate'));
  },
  dissociate: (_, { input }, ctx) => {
    ctx.access.writer('AccountingObject');
    return payload('accountingObject', () => objects.changeAssociation(ctx.prisma, input, 'dissociate'));
  },

  createContract: (_, { input }, ctx) => {
    ctx.access.writer('Contract');
    return payload('contract', () => contracts.createContract(ctx.prisma, input));
  },
  updateContract: (_, { input }, ctx) => {
    ctx.access.writer('Contract');
    return payload('contract', () => contracts.updateContract(ctx.prisma, rowId(ID, input.id, 'Contract'), input));
  },
  deleteContract: (_, { input }, ctx) => {
    ctx.access.writer('Contract');
    return deletion('Contract', input.id, (id) => contracts.deleteContract(ctx.prisma, id));
  },

  createApiKey: async (_, { input }, ctx) => {
    ctx.access.writer('ApiKey');
    const result = await payload('created', () =>
      createApiKey(ctx.prisma, { name: input.name, role: input.role, organizationSlug: input.organization ?? undefined }),
    );
    return { apiKey: result.created?.apiKey ?? null, key: result.created?.key ?? null, userErrors: result.userErrors };
  },
  revokeApiKey: (_, { input }, ctx) => {
    ctx.access.writer('ApiKey');
    return payload('apiKey', async () => {
      const id = rowId(ID, input.id, 'ApiKey');
      found(await ctx.prisma.apiKey.findUnique({ where: { id }, select: { id: true } }), ID, 'API key');
      return revokeApiKey(ctx.prisma, id);
    });
  },
};
