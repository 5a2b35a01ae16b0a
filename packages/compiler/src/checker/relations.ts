/**
 * Relations in queries: a reference field (`author: User`) leads to one row, an inverse relation
 * (`posts: Post[] BY author`) to the rows referring to this one. The checker resolves them in
 * nested selections (`author { name }`), in COUNT(…), in WHERE (`author.name = $n`,
 * `EXISTS comments(…)`) and in ORDER_BY (`author.name`), and types the nested results.
 */
import { checkListCount } from "./list-fields.js";
import type { RelationStep } from "@kova/query";
import type { EntityDecl, ExistsExpr, Expression, FieldDecl, Identifier, MemberExpr, RelationSelect } from "../ast/nodes.js";
import { report, resolve, type CheckContext } from "./context.js";
import type { EntityInfo } from "./model.js";
import { booleanType, intType, unknownType, type KovaType, type ShapeField } from "./types.js";

/** How deep related selections may nest (`posts { comments { author { … } } }` is 3). */
export const MAX_RELATION_DEPTH = 4;

export interface Related {
  step: RelationStep;
  target: EntityInfo;
  decl: FieldDecl;
}

/** The relations of an entity by name: its reference fields and its declared inverse relations. */
export function relationsOf(ctx: CheckContext, entity: EntityInfo): Map<string, Related> {
  const out = new Map<string, Related>();
  for (const field of entity.schema.fields) {
    if (field.references === undefined) continue;
    const target = ctx.model.entities.get(field.references);
    const decl = entity.decl.fields.find((f) => f.name.name === field.name);
    if (target && decl) out.set(field.name, { step: { kind: "one", name: field.name, entity: target.schema.name, field: field.name }, target, decl });
  }
  for (const relation of entity.schema.relations ?? []) {
    const target = ctx.model.entities.get(relation.entity);
    const decl = entity.decl.fields.find((f) => f.name.name === relation.name);
    if (target && decl) out.set(relation.name, { step: { kind: "many", name: relation.name, entity: target.schema.name, field: relation.by }, target, decl });
  }
  return out;
}

/** A relation named in a query, or a KV2100 with a did-you-mean over the entity's relations. */
export function relationOf(ctx: CheckContext, entity: EntityInfo, name: Identifier): Related | undefined {
  if (name.name === "") return undefined;
  const relations = relationsOf(ctx, entity);
  const found = relations.get(name.name);
  if (found) {
    resolve(ctx, name, found.decl);
    return found;
  }
  if (checkListCount(ctx, entity, name)) return undefined;
  const isField = entity.schema.fields.some((f) => f.name === name.name) || name.name === "id";
  const known = relations.size === 0 ? " (it has none: a reference field such as author: User, or a list such as posts: Post[] BY author, is one)" : "";
  report(
    ctx,
    "UnknownRelation",
    name.span,
    isField ? `'${name.name}' is a field of ${entity.decl.name.name}, not a relation: it holds a value, not related rows` : `entity ${entity.decl.name.name} has no relation '${name.name}'${known}`,
    isField ? [] : relations.keys(),
    name.name,
  );
  return undefined;
}

/**
 * `posts: Post[] BY author` on entity `owner`: Post must be an entity whose field `author` refers
 * to `owner`. Checked on the declarations, so the order entities are declared in does not matter.
 */
export function checkInverseRelation(ctx: CheckContext, owner: EntityDecl, field: FieldDecl): { entity: string; by: string } | undefined {
  const by = field.by!;
  const t = field.type;
  const target = ctx.model.entities.get(t.name.name);
  if (!target) {
    report(ctx, "InvalidInverseRelation", t.name.span, `'${t.name.name}' is not an entity: BY lists the rows of another entity that refer to this one`, ctx.model.entities.keys(), t.name.name);
    return undefined;
  }
  if (!t.array || t.optional || t.fields.length > 0 || field.modifiers.length > 0) {
    ctx.diagnostics.report("InvalidInverseRelation", t.span, `an inverse relation is a list of ${t.name.name} rows, written ${t.name.name}[] BY ${by.name}, with no ? or modifiers`, {
      suggestion: `write ${field.name.name}: ${t.name.name}[] BY ${by.name}`,
    });
    return undefined;
  }
  const references = target.decl.fields.filter((f) => f.type.name.name === owner.name.name && !f.type.array && f.by === null);
  const chosen = target.decl.fields.find((f) => f.name.name === by.name);
  if (!chosen || !references.includes(chosen)) {
    const names = references.map((f) => f.name.name);
    const why = chosen ? `'${by.name}' of ${t.name.name} is not a reference to ${owner.name.name}` : `${t.name.name} has no field '${by.name}'`;
    const fix = names.length === 0 ? `add a field such as ${owner.name.name.toLowerCase()}: ${owner.name.name} to ENTITY ${t.name.name}` : undefined;
    if (fix) ctx.diagnostics.report("InvalidInverseRelation", by.span, `${why}, and none of its fields is`, { suggestion: fix });
    else report(ctx, "InvalidInverseRelation", by.span, `${why}; BY names the ${t.name.name} field that refers to ${owner.name.name}`, names, by.name);
    return undefined;
  }
  resolve(ctx, by, chosen);
  resolve(ctx, t.name, target.decl);
  return { entity: target.schema.name, by: by.name };
}

/**
 * The related selections of a select list, typed; reports unknown relations, cycles (an entity
 * already on the path), nesting deeper than MAX_RELATION_DEPTH, and clauses a single row cannot take.
 */
/** A step taken on the way to a nested selection: from which entity, along which relation. */
export interface PathStep {
  from: string;
  step: RelationStep;
}

/** Whether `next` (from `from`) walks back along `previous`: `comments { post }`, `author { posts }`. */
function walksBack(previous: PathStep, from: string, next: RelationStep): boolean {
  return previous.step.entity === from && next.entity === previous.from && next.field === previous.step.field && next.kind !== previous.step.kind;
}

export function checkRelationSelects(
  ctx: CheckContext,
  entity: EntityInfo,
  selects: readonly RelationSelect[],
  path: readonly PathStep[],
  checkList: (target: EntityInfo, select: RelationSelect) => void,
): Map<string, ShapeField> {
  const out = new Map<string, ShapeField>();
  for (const select of selects) {
    const related = relationOf(ctx, entity, select.relation);
    if (!related) continue;
    const key = select.alias?.name ?? (select.count ? `${select.relation.name}_count` : select.relation.name);
    if (select.count) {
      if (related.step.kind === "one") {
        ctx.diagnostics.report("RelationShape", select.span, `'${select.relation.name}' refers to one ${related.target.decl.name.name}: there is nothing to count`, {
          suggestion: `select it with ${select.relation.name} { … }, or test it with ${select.relation.name} IS NULL`,
        });
        continue;
      }
      out.set(key, { type: intType, optional: false });
      continue;
    }
    const targetName = related.target.schema.name;
    const from = entity.schema.name;
    const previous = path[path.length - 1];
    const repeated = path.find((p) => p.from === from && p.step.name === related.step.name);
    if ((previous && walksBack(previous, from, related.step)) || repeated) {
      const trail = [...path.map((p) => `${p.from}.${p.step.name}`), `${from}.${related.step.name}`].join(" → ");
      ctx.diagnostics.report("RelationCycle", select.relation.span, `${select.relation.name} leads back along the path it came from (${trail}): the selection would repeat itself`, {
        suggestion: "select what you need of that row at the level where it already appears",
      });
      continue;
    }
    if (path.length >= MAX_RELATION_DEPTH) {
      ctx.diagnostics.report("RelationTooDeep", select.relation.span, `related selections nest at most ${MAX_RELATION_DEPTH} levels deep (this is level ${path.length + 1})`, {
        suggestion: "select fewer levels, or read the deeper rows with a second query",
      });
      continue;
    }
    if (related.step.kind === "one" && (select.where || select.orderBy || select.limit)) {
      const clause = select.where ?? select.orderBy ?? select.limit!;
      ctx.diagnostics.report("RelationShape", clause.span, `'${select.relation.name}' is one ${targetName} (or null): WHERE, ORDER_BY and LIMIT apply to lists only`, {
        suggestion: "remove the clause, or filter the outer query (WHERE author.name = …)",
      });
    }
    if (related.step.kind === "many") checkList(related.target, select);
    const fields = new Map<string, ShapeField>([["id", { type: intType, optional: false }]]);
    const targetFields = related.target.rowType.kind === "object" && related.target.rowType.fields ? related.target.rowType.fields : new Map<string, ShapeField>();
    for (const f of select.fields ?? [...targetFields.keys()].map((name) => ({ kind: "Identifier" as const, span: select.span, name }))) {
      if (f.name === "") continue;
      const field = targetFields.get(f.name);
      if (field) {
        const decl = related.target.decl.fields.find((d) => d.name.name === f.name);
        if (decl && select.fields) resolve(ctx, f, decl);
        fields.set(f.name, field);
      } else {
        const isRelation = relationsOf(ctx, related.target).has(f.name);
        report(
          ctx,
          "UnknownField",
          f.span,
          isRelation ? `'${f.name}' is a relation of ${targetName}: select it with ${f.name} { … }` : `entity ${targetName} has no field '${f.name}'`,
          isRelation ? [] : targetFields.keys(),
          f.name,
        );
      }
    }
    for (const [name, field] of checkRelationSelects(ctx, related.target, select.relations, [...path, { from, step: related.step }], checkList)) fields.set(name, field);
    const row: KovaType = { kind: "object", fields, entity: targetName };
    out.set(key, related.step.kind === "one" ? { type: row, optional: true } : { type: { kind: "array", element: row }, optional: false });
  }
  return out;
}

/**
 * `author.name` (or `author.team.name`) in a query on an entity with reference `author`: the
 * related row's field. Returns undefined when the member is not such a path.
 */
export function relatedPath(ctx: CheckContext, entity: EntityInfo, expr: MemberExpr): { steps: Related[]; field: string; type: KovaType } | undefined {
  const names: Identifier[] = [expr.property];
  let object: Expression = expr.object;
  while (object.kind === "Member") {
    names.unshift(object.property);
    object = object.object;
  }
  if (object.kind !== "Name") return undefined;
  names.unshift({ kind: "Identifier", span: object.span, name: object.name });
  const first = relationsOf(ctx, entity).get(object.name);
  if (!first) return undefined;
  if (ctx.scope?.lookup(object.name) !== undefined && !entity.schema.fields.some((f) => f.name === object.name)) return undefined;
  const steps: Related[] = [];
  let current = entity;
  for (let i = 0; i < names.length - 1; i++) {
    const related = relationOf(ctx, current, names[i]);
    if (!related) return { steps, field: "", type: unknownType };
    if (related.step.kind !== "one") {
      ctx.diagnostics.report("RelationShape", names[i].span, `'${names[i].name}' is a list of ${related.target.decl.name.name} rows: a condition on them is EXISTS ${names[i].name}(…)`, {
        suggestion: `write EXISTS ${names[i].name}(${names[i + 1].name} = …)`,
      });
      return { steps, field: "", type: unknownType };
    }
    steps.push(related);
    current = related.target;
  }
  const last = names[names.length - 1];
  if (last.name === "") return { steps, field: "", type: unknownType };
  const fields = current.rowType.kind === "object" && current.rowType.fields ? current.rowType.fields : new Map<string, ShapeField>();
  const field = fields.get(last.name);
  if (!field) {
    report(ctx, "UnknownField", last.span, `entity ${current.decl.name.name} has no field '${last.name}'`, fields.keys(), last.name);
    return { steps, field: "", type: unknownType };
  }
  const decl = current.decl.fields.find((d) => d.name.name === last.name);
  if (decl) resolve(ctx, last, decl);
  return { steps, field: last.name, type: field.type };
}

/** `EXISTS comments(approved = true)`: the condition is about the related rows' fields. */
export function checkExists(ctx: CheckContext, expr: ExistsExpr, checkCondition: (inRelated: CheckContext, e: Expression) => void): KovaType {
  if (!ctx.entity) {
    ctx.diagnostics.report("RelationShape", expr.span, "EXISTS tests related rows, so it belongs in the WHERE of a SELECT", {
      suggestion: "write it in a query's WHERE, as in SELECT * FROM Post WHERE EXISTS comments(approved = true)",
    });
    return booleanType;
  }
  const related = relationOf(ctx, ctx.entity, expr.relation);
  if (!related) return booleanType;
  if (expr.condition) checkCondition({ ...ctx, entity: related.target, entityUnresolved: false, ambiguousNames: new Set() }, expr.condition);
  return booleanType;
}
