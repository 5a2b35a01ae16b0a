/**
 * The limits a GraphQL operation must keep before it runs: how deep its selections nest, and what
 * it may cost. Both are GraphQL errors pointing at the operation (with its location), never a 500.
 *
 * Cost estimates the records an operation can touch: each field costs 1, and a list field (a list
 * query, a relation, `history`) multiplies what is selected under it by the number of records it can
 * return — its `limit` argument when given (a literal or a variable), else `maxLimit`. So
 * `{ posts(limit: 10) { author { name } } }` costs 1 + 10 × 2 = 21, and a list inside a list costs
 * the product of both, which is what makes such a query expensive to answer.
 */
import type * as G from "graphql";

/** Refuses an operation whose selections nest deeper than `max` (fragments followed). */
export function depthLimit(g: typeof G, max: number): G.ValidationRule {
  return (context) => {
    const fragments = fragmentsOf(g, context.getDocument());
    const depth = (set: G.SelectionSetNode | undefined, seen: Set<string>): number => {
      if (set === undefined) return 0;
      let deepest = 0;
      for (const s of set.selections) {
        if (s.kind === g.Kind.FIELD) deepest = Math.max(deepest, s.selectionSet ? 1 + depth(s.selectionSet, seen) : 0);
        else if (s.kind === g.Kind.INLINE_FRAGMENT) deepest = Math.max(deepest, depth(s.selectionSet, seen));
        else if (!seen.has(s.name.value)) deepest = Math.max(deepest, depth(fragments.get(s.name.value)?.selectionSet, new Set([...seen, s.name.value])));
      }
      return deepest;
    };
    return {
      OperationDefinition(node) {
        const d = depth(node.selectionSet, new Set());
        if (d > max) context.reportError(new g.GraphQLError(`the query nests ${d} levels deep; at most ${max} are allowed`, { nodes: node }));
      },
    };
  };
}

/**
 * The operation's estimated cost (see above), or a GraphQL error when it is over `maxCost`. Needs
 * the variables (a `limit: $n`), so it runs after validation, on the operation chosen to execute.
 */
export function checkCost(g: typeof G, schema: G.GraphQLSchema, document: G.DocumentNode, operation: G.OperationDefinitionNode, variables: Record<string, unknown> | undefined, maxLimit: number, maxCost: number): G.GraphQLError | undefined {
  const fragments = fragmentsOf(g, document);
  const root = operation.operation === "mutation" ? schema.getMutationType() : operation.operation === "subscription" ? schema.getSubscriptionType() : schema.getQueryType();
  const limitOf = (field: G.FieldNode): number => {
    const arg = field.arguments?.find((a) => a.name.value === "limit");
    if (arg === undefined) return maxLimit;
    const value = arg.value.kind === g.Kind.VARIABLE ? variables?.[arg.value.name.value] : arg.value.kind === g.Kind.INT ? Number(arg.value.value) : undefined;
    // A bad limit is refused by the resolver; count it as the largest allowed meanwhile.
    return typeof value === "number" && Number.isInteger(value) && value >= 0 && value <= maxLimit ? value : maxLimit;
  };
  const cost = (set: G.SelectionSetNode | undefined, type: G.GraphQLNamedType | null | undefined, seen: ReadonlySet<string>): number => {
    if (set === undefined || type === null || type === undefined || !g.isObjectType(type)) return 0;
    let total = 0;
    for (const s of set.selections) {
      if (s.kind === g.Kind.INLINE_FRAGMENT) total += cost(s.selectionSet, type, seen);
      else if (s.kind === g.Kind.FRAGMENT_SPREAD) {
        if (!seen.has(s.name.value)) total += cost(fragments.get(s.name.value)?.selectionSet, type, new Set([...seen, s.name.value]));
      } else {
        const def = type.getFields()[s.name.value];
        if (def === undefined) continue;
        const isList = g.isListType(g.getNullableType(def.type));
        const below = cost(s.selectionSet, g.getNamedType(def.type), seen);
        total += 1 + (isList && s.selectionSet !== undefined ? limitOf(s) : 1) * below;
      }
    }
    return total;
  };
  const total = cost(operation.selectionSet, root, new Set());
  if (total <= maxCost) return undefined;
  return new g.GraphQLError(`the query could touch about ${total} records (its estimated cost); at most ${maxCost} are allowed — ask for fewer with limit:, or split it`, { nodes: operation, extensions: { cost: total, maxCost } });
}

function fragmentsOf(g: typeof G, document: G.DocumentNode): Map<string, G.FragmentDefinitionNode> {
  return new Map(document.definitions.filter((d): d is G.FragmentDefinitionNode => d.kind === g.Kind.FRAGMENT_DEFINITION).map((d) => [d.name.value, d]));
}
