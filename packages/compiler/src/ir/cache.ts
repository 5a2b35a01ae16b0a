/**
 * CACHE in the IR: the named caches, and for each cached route the writes that evict its entries,
 * read off its lowered queries (the "automatic invalidation" `kova build --emit ir` lists).
 *
 * Every entity a read query touches (its own, and those of its related selections) evicts the
 * route's entries. When the query's WHERE pins its entity by `id` or a UNIQUE field to a path or
 * query parameter (`WHERE id = $id`, `WHERE slug = $slug AND …`), a change evicts only the entries
 * of requests with that value (before or after the write); otherwise every entry of the route. A
 * query reached through an FN call counts too (by entity: its arguments are not request inputs).
 */
import type { EntitySchema, Filter, Operand, QueryPlan } from "@kova/query";
import type { SemanticModel } from "../checker/model.js";
import type { CacheDef, Expr, HttpRoute, KovaFunction, QueryDef, QueryExpr, RouteCacheDef } from "./nodes.js";
import { forEachNode, isWrite } from "./writes.js";

export function lowerCaches(model: SemanticModel, routes: readonly HttpRoute[]): CacheDef[] {
  return [...model.caches.values()].map((cache): CacheDef => {
    // A key input is a path parameter of the routes using the cache, else a query parameter.
    const users = routes.filter((r) => r.cache?.cache === cache.decl.name.name);
    const key = cache.settings.key?.map((part) => {
      if ("text" in part) return part;
      const inPath = users.length === 0 || users.every((r) => r.inputs.path.some((p) => p.name === part.name));
      return { input: inPath ? ("path" as const) : ("query" as const), name: part.name };
    });
    return {
      name: cache.decl.name.name,
      ttlMs: cache.settings.ttlMs,
      staleMs: cache.settings.staleMs,
      mode: cache.settings.mode,
      key: key ?? null,
      maxEntries: cache.settings.maxEntries,
      maxBytes: cache.settings.maxBytes,
      cacheControl: cache.settings.cacheControl,
      span: cache.decl.span,
    };
  });
}

/** What evicts a cached route's entries (see the module comment). */
export function routeCache(cache: string, route: HttpRoute, queries: ReadonlyMap<string, QueryDef>, functions: readonly KovaFunction[], entities: ReadonlyMap<string, EntitySchema>): RouteCacheDef {
  const byEntity = new Set<string>();
  const byKey = new Map<string, { entity: string; by: { field: string; input: "path" | "query"; name: string } }>();
  const seenFunctions = new Set<string>();
  const visit = (body: unknown, pinnable: boolean): void => {
    forEachNode(body, (node) => {
      // A spawned FN reads what a called one does.
      if (node.kind === "callFunction" || node.kind === "spawn") {
        const name = node.function as string;
        if (seenFunctions.has(name)) return;
        seenFunctions.add(name);
        const fn = functions.find((f) => f.name === name);
        if (fn !== undefined) visit(fn.body, false);
        return;
      }
      if (node.kind !== "query") return;
      const query = queries.get(node.query as string);
      if (query === undefined || isWrite(query)) return;
      const pin = pinnable ? pinnedBy(query.plan, (node as unknown as QueryExpr).args.map((a) => a.value), entities.get(query.entity)) : undefined;
      for (const entity of entitiesRead(query.plan)) {
        if (pin !== undefined && entity === query.entity) byKey.set(`${entity}#${pin.field}#${pin.input}:${pin.name}`, { entity, by: pin });
        else byEntity.add(entity);
      }
    });
  };
  visit(route.body, true);
  const invalidate: RouteCacheDef["invalidate"] = [...byEntity].sort().map((entity) => ({ entity }));
  // A by-entity rule already evicts everything the by-key rules of the same entity would.
  for (const rule of byKey.values()) if (!byEntity.has(rule.entity)) invalidate.push(rule);
  return { cache, invalidate };
}

/** Every entity a plan reads: its own and its nested selections' (any `entity` in it). */
function entitiesRead(plan: QueryPlan): Set<string> {
  const out = new Set<string>([plan.entity]);
  const walk = (value: unknown): void => {
    if (Array.isArray(value)) return value.forEach(walk);
    if (value === null || typeof value !== "object") return;
    for (const [key, inner] of Object.entries(value)) {
      if (key === "entity" && typeof inner === "string") out.add(inner);
      else walk(inner);
    }
  };
  walk(plan);
  return out;
}

/** `WHERE id = $input` (alone or in a top-level AND), on the id or a UNIQUE field: the field and input. */
function pinnedBy(plan: QueryPlan, args: readonly Expr[], entity: EntitySchema | undefined): { field: string; input: "path" | "query"; name: string } | undefined {
  if (entity === undefined || !("where" in plan) || plan.where == null || plan.kind === "history") return undefined;
  if ("asOf" in plan && plan.asOf !== null) return undefined;
  const unique = new Set(["id", ...entity.fields.filter((f) => f.unique).map((f) => f.name)]);
  const terms: Filter[] = plan.where.kind === "and" ? plan.where.items : [plan.where];
  for (const term of terms) {
    if (term.kind !== "compare" || term.op !== "==") continue;
    const sides: Array<[Operand, Operand]> = [[term.left, term.right], [term.right, term.left]];
    for (const [fieldSide, valueSide] of sides) {
      if (fieldSide.kind !== "field" || !unique.has(fieldSide.field) || valueSide.kind !== "arg") continue;
      const value = args[valueSide.index];
      if (value?.kind === "input" && (value.from === "path" || value.from === "query") && value.name !== null) {
        return { field: fieldSide.field, input: value.from, name: value.name };
      }
    }
  }
  return undefined;
}
