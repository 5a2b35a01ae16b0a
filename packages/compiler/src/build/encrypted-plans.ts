/**
 * ENCRYPTED fields (checker/encrypted.ts) as the plans use them: the database holds only their
 * ciphertext, and the runtime encrypts each write's values under a key of the written record, so
 * the build refuses, at the query's span:
 * - KV2972: a condition, an ORDER_BY, a GROUP_BY or a computed/aliased column reading one (in the
 *   query's entity or a related one), and a write setting one from anything but a request value;
 * - KV2973: an UPDATE of many records whose values may include one (`SET $body`, `SET email = …`):
 *   one key would then encrypt many records, and forgetting one of them could not shred it;
 * - KV2974: an entity with ENCRYPTED fields on a driver whose dialect says it cannot keep their
 *   data keys (`limits.encryption`), at the CONNECT that puts it there.
 */
import { operandFields, type Dialect, type EntitySchema, type Filter, type NestedSelection, type QueryPlan } from "@kova/query";
import { diagnostic, type Diagnostic } from "../diagnostics/diagnostic.js";
import type { AppModel } from "../ir/nodes.js";

type Lookup = (name: string) => EntitySchema | undefined;

const encrypted = (entity: EntitySchema | undefined, field: string) => entity?.fields.some((f) => f.name === field && f.encrypted === true) ?? false;

export function encryptedPlanDiagnostics(app: AppModel, dialects: ReadonlyMap<string, Dialect>): Diagnostic[] {
  const byName = new Map(app.entities.map((e) => [e.name, e]));
  const entity: Lookup = (name) => byName.get(name);
  const out: Diagnostic[] = [];
  for (const q of app.queries) {
    const compared = comparedField(q.plan, entity);
    if (compared !== undefined) {
      out.push(
        diagnostic("EncryptedFieldCompared", q.span, `${compared.entity}.${compared.field} is ENCRYPTED: the database holds only its ciphertext, so it cannot be ${compared.how}`, {
          suggestion: compared.how === "written from a literal or a computation" ? `set ${compared.field} from a request value ($body.${compared.field})` : `read ${compared.field} by name (SELECT ${compared.field} FROM …) and compare in the handler, or keep a separate field that is not ENCRYPTED for lookups`,
        }),
      );
      continue;
    }
    if (q.plan.kind === "update" && !q.plan.single && writesEncrypted(q.plan, entity(q.plan.entity))) {
      out.push(
        diagnostic("EncryptedManyUpdate", q.span, `this UPDATE may change many ${q.plan.entity} records and may write their ENCRYPTED fields, whose values are each encrypted under a key of their own record`, {
          suggestion: `update one record at a time (WHERE id = $id), or set only fields that are not ENCRYPTED`,
        }),
      );
    }
  }
  for (const source of app.dataSources) {
    const why = dialects.get(source.driver)?.limits?.encryption;
    if (why === undefined || source.span === null) continue;
    for (const name of source.entities) {
      const fields = (byName.get(name)?.fields ?? []).filter((f) => f.encrypted === true).map((f) => f.name);
      if (fields.length === 0) continue;
      out.push(
        diagnostic("EncryptionNotSupportedByDriver", source.span, `${name} has ENCRYPTED fields (${fields.join(", ")}), which data source '${source.name}' (${source.driver}) cannot keep: ${why}`, {
          suggestion: `keep ${name} in an embedded, PostgreSQL or MariaDB/MySQL data source, or remove ENCRYPTED`,
        }),
      );
    }
  }
  return out;
}

interface Compared {
  entity: string;
  field: string;
  how: string;
}

/** The first ENCRYPTED field the plan compares, orders, groups or computes with, if any. */
function comparedField(plan: QueryPlan, entity: Lookup): Compared | undefined {
  const scope = entity(plan.entity);
  const where = "where" in plan ? filterField(plan.where ?? null, scope, entity) : undefined;
  if (where !== undefined) return where;
  if (plan.kind === "select" || plan.kind === "history") {
    const term = plan.orderBy.find((t) => t.via === undefined && encrypted(scope, t.field));
    if (term !== undefined) return { entity: plan.entity, field: term.field, how: "ordered by" };
  }
  if (plan.kind === "select") {
    for (const c of plan.shape?.columns ?? []) {
      const field = operandFields(c.value).find((f) => encrypted(scope, f));
      if (field !== undefined) return { entity: plan.entity, field, how: "read in an aliased or computed column" };
    }
    const grouped = plan.shape?.groupBy.find((f) => encrypted(scope, f));
    if (grouped !== undefined) return { entity: plan.entity, field: grouped, how: "grouped by" };
    const having = filterField(plan.shape?.having ?? null, scope, entity);
    if (having !== undefined) return having;
    for (const n of plan.nested ?? []) {
      const inner = nestedField(n, entity);
      if (inner !== undefined) return inner;
    }
  }
  if ((plan.kind === "insert" || plan.kind === "save" || plan.kind === "update") && plan.values.kind === "fields") {
    const set = plan.values.fields.find((f) => encrypted(scope, f.field) && f.value.kind !== "arg");
    if (set !== undefined) return { entity: plan.entity, field: set.field, how: "written from a literal or a computation" };
  }
  return undefined;
}

function nestedField(n: NestedSelection, entity: Lookup): Compared | undefined {
  const scope = entity(n.relation.entity);
  const found = filterField(n.where, scope, entity);
  if (found !== undefined) return found;
  const term = n.orderBy.find((t) => t.via === undefined && encrypted(scope, t.field));
  if (term !== undefined) return { entity: n.relation.entity, field: term.field, how: "ordered by" };
  for (const inner of n.nested) {
    const deeper = nestedField(inner, entity);
    if (deeper !== undefined) return deeper;
  }
  return undefined;
}

function filterField(filter: Filter | null, scope: EntitySchema | undefined, entity: Lookup): Compared | undefined {
  if (filter === null || scope === undefined) return undefined;
  const hit = (fields: string[]) => {
    const field = fields.find((f) => encrypted(scope, f));
    return field === undefined ? undefined : { entity: scope.name, field, how: "compared in a condition" };
  };
  switch (filter.kind) {
    case "and":
    case "or":
      for (const item of filter.items) {
        const found = filterField(item, scope, entity);
        if (found !== undefined) return found;
      }
      return undefined;
    case "not":
      return filterField(filter.item, scope, entity);
    case "compare":
    case "in":
    case "like":
      return hit([...operandFields(filter.left), ...operandFields(filter.right)]);
    case "isNull":
    case "truthy":
      return hit(operandFields(filter.operand));
    case "contains":
      return hit([filter.field, ...operandFields(filter.item)]);
    case "related":
      return filterField(filter.filter, entity(filter.relation.entity), entity);
  }
}

/** Whether an UPDATE's values may include an ENCRYPTED field (a whole object may hold any field). */
function writesEncrypted(plan: Extract<QueryPlan, { kind: "update" }>, scope: EntitySchema | undefined): boolean {
  if (!(scope?.fields.some((f) => f.encrypted === true) ?? false)) return false;
  return plan.values.kind === "object" || plan.values.fields.some((f) => encrypted(scope, f.field));
}
