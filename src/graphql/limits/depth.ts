// A validation rule that refuses operations nested deeper than a limit, so that one request cannot
// walk the graph (organization → components → links → organization → …) without end.
import { Kind, type FragmentDefinitionNode, type SelectionSetNode, type ValidationContext, type ValidationRule } from 'graphql';
import { ErrorCode, apiError } from '../errors.ts';

/**
 * The depth of an operation is the number of fields on its longest path: `{ me { role } }` has
 * depth 2. Fragments count as if written out in place.
 *
 * Introspection counts like any other selection, with one exception: `ofType` on `__Type`. Tools
 * (GraphiQL, codegen) unwrap `[Type!]!` through a chain of nine `ofType`s, which makes the
 * standard introspection query 15 deep. A chain of `ofType` cannot fan out (each step is one
 * type, and it ends at the first named type), so it is free here, and the standard query is 6
 * deep. `fields { type { fields … } }`, which does fan out, still counts.
 */
export function depthLimitRule(maxDepth: number): ValidationRule {
  return (context: ValidationContext) => ({
    OperationDefinition(operation) {
      const depth = new DepthMeter(context).selectionSet(operation.selectionSet, false);
      if (depth > maxDepth) {
        context.reportError(
          apiError(ErrorCode.QUERY_TOO_DEEP, `The query is ${depth} levels deep, deeper than the limit of ${maxDepth}.`, {
            depth,
            limit: maxDepth,
          }),
        );
      }
      return false;
    },
  });
}

class DepthMeter {
  // A fragment spread many times is measured once; otherwise a document of fragments that each
  // spread the next one twice would take exponential time to measure.
  private readonly fragmentDepths = new Map<string, number>();
  private readonly measuring = new Set<string>();

  constructor(private readonly context: ValidationContext) {}

  selectionSet(selectionSet: SelectionSetNode | undefined, inIntrospection: boolean): number {
    if (!selectionSet) return 0;
    let deepest = 0;
    for (const selection of selectionSet.selections) {
      let depth: number;
      switch (selection.kind) {
        case Kind.FIELD: {
          const name = selection.name.value;
          const introspection = inIntrospection || name === '__schema' || name === '__type';
          const own = introspection && name === 'ofType' ? 0 : 1;
          depth = own + this.selectionSet(selection.selectionSet, introspection);
          break;
        }
        case Kind.INLINE_FRAGMENT:
          depth = this.selectionSet(selection.selectionSet, inIntrospection);
          break;
        case Kind.FRAGMENT_SPREAD:
          depth = this.fragment(this.context.getFragment(selection.name.value), inIntrospection);
          break;
      }
      deepest = Math.max(deepest, depth);
    }
    return deepest;
  }

  private fragment(fragment: FragmentDefinitionNode | null | undefined, inIntrospection: boolean): number {
    // An unknown fragment or a cycle is reported by graphql's own rules; here it adds nothing.
    if (!fragment) return 0;
    const key = `${inIntrospection ? 'i' : 'o'}:${fragment.name.value}`;
    const known = this.fragmentDepths.get(key);
    if (known !== undefined) return known;
    if (this.measuring.has(key)) return 0;
    this.measuring.add(key);
    const depth = this.selectionSet(fragment.selectionSet, inIntrospection);
    this.measuring.delete(key);
    this.fragmentDepths.set(key, depth);
    return depth;
  }
}
