// The static cost of an operation, known before anything runs, in the manner of GitHub's and
// Shopify's GraphQL APIs: what the worst case could ask of the database, not what it will.
import {
  GraphQLError,
  Kind,
  SchemaMetaFieldDef,
  TypeMetaFieldDef,
  getArgumentValues,
  getNamedType,
  getOperationAST,
  getVariableValues,
  isAbstractType,
  isInterfaceType,
  isObjectType,
  type DocumentNode,
  type FieldNode,
  type FragmentDefinitionNode,
  type GraphQLField,
  type GraphQLNamedType,
  type GraphQLSchema,
  type SelectionSetNode,
} from 'graphql';
import { ErrorCode, apiError } from '../errors.ts';

export interface CostOptions {
  schema: GraphQLSchema;
  document: DocumentNode;
  /** Which operation of the document runs; may be omitted when it has only one. */
  operationName?: string | null;
  /** As the client sent them; `first: $n` is priced at the value of `$n`. */
  variables?: Readonly<Record<string, unknown>>;
  /** What a connection returns when `first` is absent, and so what it costs. */
  defaultPageSize: number;
}

/**
 * Every field costs 1 (`__typename` is free). A field that returns a `…Connection` costs 1 plus
 * its selection times its `first` argument: `{ organizations(first: 10) { edges { node { name } } } }`
 * costs 1 + 10 × (1 + 1 + 1) = 31. Fragments count as if written out. Under a union or
 * interface, the costliest type's selections count (an object is of one type), so the result is
 * an upper bound; `@skip` and `@include` are ignored for the same reason. A document that does not select one operation costs 0:
 * it will not run.
 */
export function queryCost(options: CostOptions): number {
  return measureCost(options).cost;
}

export interface MeasuredCost {
  cost: number;
  /** A variable set a page size (`first: $n`): with other variables the same document costs otherwise. */
  readsVariables: boolean;
}

export function measureCost(options: CostOptions): MeasuredCost {
  const operation = getOperationAST(options.document, options.operationName);
  if (!operation) return { cost: 0, readsVariables: false };
  const root = options.schema.getRootType(operation.operation);
  if (!root) return { cost: 0, readsVariables: false };
  // Coerced only if a page size is a variable: most operations' cost does not depend on them.
  let coerced: Record<string, unknown> | undefined;
  const variables = () =>
    // Variables that do not coerce fail the request at execution; until then, price them as absent.
    (coerced ??= getVariableValues(options.schema, operation.variableDefinitions ?? [], { ...options.variables }).coerced ?? {});
  const fragments = new Map<string, FragmentDefinitionNode>();
  for (const definition of options.document.definitions) {
    if (definition.kind === Kind.FRAGMENT_DEFINITION) fragments.set(definition.name.value, definition);
  }
  const meter = new CostMeter(options.schema, fragments, variables, options.defaultPageSize);
  const cost = meter.selectionSet(operation.selectionSet, root);
  return { cost, readsVariables: meter.readsVariables };
}

/**
 * `queryCost` for a server: the cost of a parsed document whose page sizes are all written out
 * (no `first: $n`) is the same on every request, so it is measured once per document and
 * operation. Apollo Server keeps one parsed document per query text, so a client repeating an
 * operation finds its cost here; a document no longer used is dropped with it (weak keys).
 */
export function costCache(): (options: CostOptions) => number {
  const known = new WeakMap<DocumentNode, Map<string | null, number>>();
  return (options) => {
    const operationName = options.operationName ?? null;
    const cached = known.get(options.document)?.get(operationName);
    if (cached !== undefined) return cached;
    const { cost, readsVariables } = measureCost(options);
    if (!readsVariables) {
      let byOperation = known.get(options.document);
      if (!byOperation) known.set(options.document, (byOperation = new Map()));
      byOperation.set(operationName, cost);
    }
    return cost;
  };
}

/** The error for an operation over the limit; `extensions.cost` is what it would have cost. */
export function queryTooCostly(cost: number, limit: number): GraphQLError {
  return apiError(
    ErrorCode.QUERY_TOO_COSTLY,
    `The query would cost ${cost}, more than the limit of ${limit}. Ask for smaller pages (first) or fewer nested connections.`,
    { cost, limit },
  );
}

const NO_VARIABLES: Readonly<Record<string, unknown>> = Object.freeze({});

class CostMeter {
  // A fragment costs the same wherever it is spread; measuring it once keeps documents of
  // fragments spreading fragments from taking exponential time.
  private readonly fragmentCosts = new Map<string, number>();
  private readonly measuring = new Set<string>();
  /** Whether a page size came from a variable. */
  readsVariables = false;

  constructor(
    private readonly schema: GraphQLSchema,
    private readonly fragments: ReadonlyMap<string, FragmentDefinitionNode>,
    private readonly variables: () => Readonly<Record<string, unknown>>,
    private readonly defaultPageSize: number,
  ) {}

  /**
   * Under a union or interface, selections on different object types are alternatives: one
   * object matches one type. So the set costs what all types share plus its costliest type.
   */
  selectionSet(selectionSet: SelectionSetNode | undefined, parent: GraphQLNamedType | undefined): number {
    if (!selectionSet) return 0;
    let shared = 0;
    const byType = new Map<string, number>();
    for (const selection of selectionSet.selections) {
      let cost: number;
      let condition: string | undefined;
      switch (selection.kind) {
        case Kind.FIELD:
          cost = this.field(selection, parent);
          break;
        case Kind.INLINE_FRAGMENT: {
          condition = selection.typeCondition?.name.value;
          const type = condition ? this.schema.getType(condition) : parent;
          cost = this.selectionSet(selection.selectionSet, type ?? undefined);
          break;
        }
        case Kind.FRAGMENT_SPREAD:
          condition = this.fragments.get(selection.name.value)?.typeCondition.name.value;
          cost = this.fragment(selection.name.value);
          break;
      }
      const alternative = isAbstractType(parent) && condition !== undefined && isObjectType(this.schema.getType(condition));
      if (alternative) byType.set(condition!, (byType.get(condition!) ?? 0) + cost);
      else shared += cost;
    }
    return shared + Math.max(0, ...byType.values());
  }

  private field(node: FieldNode, parent: GraphQLNamedType | undefined): number {
    if (node.name.value === '__typename') return 0;
    const definition = this.fieldDefinition(parent, node.name.value);
    const type = definition ? getNamedType(definition.type) : undefined;
    const selection = this.selectionSet(node.selectionSet, type);
    const isConnection = type !== undefined && isObjectType(type) && type.name.endsWith('Connection');
    return 1 + (isConnection && definition ? this.pageSize(definition, node) : 1) * selection;
  }

  private pageSize(definition: GraphQLField<unknown, unknown>, node: FieldNode): number {
    let first: unknown;
    const fromVariable = node.arguments?.some((argument) => argument.name.value === 'first' && argument.value.kind === Kind.VARIABLE) ?? false;
    if (fromVariable) this.readsVariables = true;
    try {
      first = getArgumentValues(definition, node, fromVariable ? this.variables() : NO_VARIABLES).first;
    } catch {
      // An argument that does not coerce fails validation or execution; it costs the default.
      first = undefined;
    }
    return typeof first === 'number' && Number.isFinite(first) ? Math.max(0, Math.floor(first)) : this.defaultPageSize;
  }

  private fieldDefinition(parent: GraphQLNamedType | undefined, name: string): GraphQLField<unknown, unknown> | undefined {
    if (parent !== undefined && parent === this.schema.getQueryType()) {
      if (name === SchemaMetaFieldDef.name) return SchemaMetaFieldDef;
      if (name === TypeMetaFieldDef.name) return TypeMetaFieldDef;
    }
    if (isObjectType(parent) || isInterfaceType(parent)) return parent.getFields()[name];
    return undefined;
  }

  private fragment(name: string): number {
    const known = this.fragmentCosts.get(name);
    if (known !== undefined) return known;
    const fragment = this.fragments.get(name);
    // Unknown fragments and cycles are refused by validation, which runs first.
    if (!fragment || this.measuring.has(name)) return 0;
    this.measuring.add(name);
    const cost = this.selectionSet(fragment.selectionSet, this.schema.getType(fragment.typeCondition.name.value) ?? undefined);
    this.measuring.delete(name);
    this.fragmentCosts.set(name, cost);
    return cost;
  }
}
