// The path preview: the path service's answer, with owners as organizations where they are
// registered and as "AS<number>" owners where the path revealed an AS nobody registered.
import type { QueryResolvers, Resolvers } from '../../generated/graphql.ts';
import { asNameOf } from '../../path/build.ts';
import { discoveredAsNumber } from '../../path/discoveries.ts';
import type { Path } from '../../path/model.ts';
import type { PathModel, PathOwnerModel } from '../mapped-types.ts';
import { queryInput } from './support.ts';

/** The names of the path's unregistered ASes, by their stand-in owner id ("as:25152"). */
function discoveredNames(path: Path): Map<string, string> {
  const names = new Map<string, string>();
  for (const component of path.components) {
    const number = discoveredAsNumber(component.ownerId);
    if (number !== null && component.kind === 'AUTONOMOUS_SYSTEM') names.set(component.ownerId!, asNameOf(component, number));
  }
  return names;
}

function ownerModel(ownerId: string | null, model: { discoveredNames: ReadonlyMap<string, string> }): PathOwnerModel | null {
  return ownerId === null ? null : { ownerId, discoveredNames: model.discoveredNames };
}

const discoveredOwner = (owner: PathOwnerModel): number | null => discoveredAsNumber(owner.ownerId);

export const pathQuery: Pick<QueryResolvers, 'path'> = {
  path: async (_, { source, destination, asPath, hops }, ctx) => {
    ctx.access.requireRole(['ADMIN', 'CONTRACT_MANAGER'], 'preview paths');
    const path = await queryInput(() => ctx.paths.resolve({ source, destination, asPath, hops }));
    return { path, discoveredNames: discoveredNames(path) } satisfies PathModel;
  },
};

export const pathTypes: Pick<Resolvers, 'Path' | 'PathComponent' | 'PathOwner' | 'PathCrossing'> = {
  Path: {
    components: (model) => model.path.components.map((component) => ({ component, discoveredNames: model.discoveredNames })),
    sourceNetwork: (model) => ownerModel(model.path.sourceNetworkId, model),
    destinationNetwork: (model) => ownerModel(model.path.destinationNetworkId, model),
    onNet: (model) => model.path.onNet,
    crossings: (model) =>
      model.path.crossings.map((crossing) => ({ from: ownerModel(crossing.from, model)!, to: ownerModel(crossing.to, model)! })),
  },
  PathComponent: {
    key: ({ component }) => component.key,
    kind: ({ component }) => component.kind,
    name: ({ component }) => component.name,
    learnedBy: ({ component }) => component.learnedBy,
    component: ({ component }, _, ctx) => (component.componentId === null ? null : ctx.loaders.component.load(component.componentId)),
    owner: (model) => ownerModel(model.component.ownerId, model),
  },
  PathOwner: {
    // Organizations are the public directory: any key that may preview a path may name them.
    organization: (owner, _, ctx) => (discoveredOwner(owner) === null ? ctx.directory.organization.load(owner.ownerId) : null),
    name: async (owner, _, ctx) => {
      const number = discoveredOwner(owner);
      if (number !== null) return owner.discoveredNames.get(owner.ownerId) ?? `AS${number}`;
      return (await ctx.directory.organization.load(owner.ownerId))?.name ?? owner.ownerId;
    },
    autoDiscovered: async (owner, _, ctx) =>
      discoveredOwner(owner) !== null || ((await ctx.directory.organization.load(owner.ownerId))?.autoDiscovered ?? false),
    asNumber: (owner) => discoveredOwner(owner),
  },
  PathCrossing: {
    from: (crossing) => crossing.from,
    to: (crossing) => crossing.to,
  },
};
