/**
 * `READ MODEL ProductSummary FROM Product GROUP_BY category { category, products: COUNT(*) }`
 * (docs/entities.md, "Read models"): registered beside the entities, so queries read it as they
 * read an entity (SELECT only: a write of it is KV2957), and stored as an entity schema carrying
 * `readModel` (@kova/query read-model.ts keeps it in step with its source).
 *
 * Its fields: a TENANT BY source's tenant column (so each tenant has its own groups and reads of the
 * model are scoped like the source's), the grouped fields, then the aggregates. It keeps no history
 * (its rows are recomputed, not edited), and it lives in its source's data source.
 */
import { tenantField, type AggregateFn, type FieldSchema, type ReadModelAggregate as AggregateSchema } from "@kova/query";
import type { EntityDecl, Program, Query, ReadModelAggregate, ReadModelDecl } from "../ast/nodes.js";
import { report, type CheckContext } from "./context.js";
import { tableName } from "./declarations.js";
import type { EntityInfo } from "./model.js";
import { intType, numberType, type KovaType, type ShapeField } from "./types.js";

/** Read model declarations by name (the entity info the checker registered for each). */
const declarations = new WeakMap<EntityInfo, ReadModelDecl>();

/** Whether the entity a query names is a READ MODEL. */
export function isReadModel(entity: EntityInfo | undefined): boolean {
  return entity !== undefined && declarations.has(entity);
}

/**
 * First pass: each READ MODEL becomes an entity of the model (fields filled in by
 * checkReadModels once the source's are known), so order of declaration never matters.
 */
export function collectReadModels(ctx: CheckContext, programs: Program[]): void {
  for (const program of programs) {
    for (const decl of program.declarations) {
      if (decl.kind !== "ReadModel" || decl.name.name === "") continue;
      const name = decl.name.name;
      const previous = ctx.model.entities.get(name)?.decl ?? ctx.model.validators.get(name)?.decl;
      if (previous !== undefined) {
        const where = `${previous.span.file}:${previous.span.start.line}:${previous.span.start.column}`;
        ctx.diagnostics.report("DuplicateDeclaration", decl.name.span, `'${name}' is already declared (at ${where})`, { suggestion: "rename one of them" });
        continue;
      }
      // The entity declaration the rest of the checker sees: no fields of its own, NO HISTORY.
      const entityDecl: EntityDecl = {
        kind: "Entity",
        span: decl.span,
        name: decl.name,
        source: null,
        fields: [],
        constraints: [],
        noHistory: true,
        audit: false,
        softDelete: false,
        tenant: null,
        publicId: null,
        identifier: null,
        subject: false,
        personalDataOf: null,
        abstract: false,
        extends: null,
        doc: decl.doc,
      };
      const info: EntityInfo = {
        decl: entityDecl,
        file: program.file,
        schema: { name, table: tableName(name), fields: [], history: false, readModel: { source: decl.source.name, groupBy: [], aggregates: [] } },
        // No id: a row is its group (the stored row's id is renewed whenever the group is recomputed).
        rowType: { kind: "object", fields: new Map(), entity: name },
      };
      declarations.set(info, decl);
      ctx.model.entities.set(name, info);
    }
  }
}

/** Second pass (after every ENTITY is checked): the source, the groups, the columns and their types. */
export function checkReadModels(ctx: CheckContext): void {
  for (const info of ctx.model.entities.values()) {
    const decl = declarations.get(info);
    if (decl !== undefined) checkReadModel({ ...ctx, file: info.file }, info, decl);
  }
}

function checkReadModel(ctx: CheckContext, info: EntityInfo, decl: ReadModelDecl): void {
  const source = ctx.model.entities.get(decl.source.name);
  if (decl.source.name === "") return;
  if (source === undefined || isReadModel(source)) {
    const why = source !== undefined ? `${decl.source.name} is a READ MODEL itself` : ctx.model.validators.has(decl.source.name) ? `${decl.source.name} is a VALIDATE shape` : `no entity named '${decl.source.name}'`;
    const entities = [...ctx.model.entities.values()].filter((e) => !isReadModel(e)).map((e) => e.decl.name.name);
    report(ctx, "ReadModelSource", decl.source.span, `a READ MODEL groups the rows of an ENTITY: ${why}`, entities, decl.source.name);
    return;
  }
  ctx.model.resolutions.set(decl.source, source.decl);
  // The model lives where its source does: its rows are recomputed in the source's transactions.
  info.decl.source = source.decl.source;
  const schema = info.schema;
  const rm = schema.readModel!;
  rm.source = source.schema.name;
  const rowFields = (info.rowType as { fields: Map<string, ShapeField> }).fields;
  const sourceRow = (source.rowType as { fields: Map<string, ShapeField> }).fields;
  const add = (field: FieldSchema, type: KovaType) => {
    schema.fields.push(field);
    rowFields.set(field.name, { type, optional: field.optional });
  };

  // TENANT BY: the tenant column first, grouped, and reads of the model scoped to the caller's tenant.
  const tenant = tenantField(source.schema);
  if (tenant !== undefined) {
    info.decl.tenant = source.decl.tenant;
    add({ ...tenant }, sourceRow.get(tenant.name)!.type);
    rm.groupBy.push(tenant.name);
  }

  for (const group of decl.groupBy) {
    const field = sourceField(ctx, source, decl, group.name, group.span, "group by");
    if (field === undefined) continue;
    if (rm.groupBy.includes(field.name)) {
      ctx.diagnostics.report("ReadModelColumn", group.span, `${decl.source.name}.${field.name} is grouped by twice`, { suggestion: "list each field once after GROUP_BY" });
      continue;
    }
    const cannot = field.items !== undefined ? "a list" : field.file ? "a file" : field.secret ? "SECRET" : field.type === "json" ? "json" : undefined;
    if (cannot !== undefined) {
      ctx.diagnostics.report("ReadModelAggregateType", group.span, `${decl.source.name}.${field.name} is ${cannot}, so rows cannot be grouped by it`, { suggestion: "group by a text, number, boolean, date or enum field" });
      continue;
    }
    ctx.model.resolutions.set(group, source.decl.fields.find((f) => f.name.name === field.name) ?? source.decl);
    rm.groupBy.push(field.name);
    add(keyField(field), sourceRow.get(field.name)!.type);
  }

  const named = new Set<string>(tenant === undefined ? [] : [tenant.name]);
  for (const column of decl.columns) {
    const name = column.name.name;
    if (name === "id") {
      ctx.diagnostics.report("ReservedField", column.name.span, "every read model row already has an integer id, assigned by the store", { suggestion: "name the column otherwise" });
      continue;
    }
    if (named.has(name)) {
      ctx.diagnostics.report("ReadModelColumn", column.name.span, `the READ MODEL ${decl.name.name} has two columns named '${name}'`, { suggestion: "rename one of them" });
      continue;
    }
    named.add(name);
    if (column.aggregate === null) {
      if (!rm.groupBy.includes(name)) {
        ctx.diagnostics.report("ReadModelColumn", column.name.span, `'${name}' is neither grouped nor an aggregate: each row of ${decl.name.name} is a group of ${decl.source.name} rows`, {
          suggestion: sourceRow.has(name) ? `add ${name} after GROUP_BY, or write ${name}: MIN(${name})` : `write ${name}: COUNT(*) or another aggregate`,
        });
      }
      continue;
    }
    const aggregate = aggregateField(ctx, source, decl, name, column.aggregate);
    if (aggregate === undefined) continue;
    rm.aggregates.push(aggregate.schema);
    add(aggregate.field, aggregate.type);
  }
  // One row per group, enforced by the database: two transactions recomputing the same group at
  // once cannot both leave a row (read-model.ts recomputes the group again when it meets the other's).
  if (rm.groupBy.length > 0) schema.uniques = [[...rm.groupBy]];
}

/** A grouped field as the model stores it: the source's type and values, none of its constraints. */
function keyField(field: FieldSchema): FieldSchema {
  return {
    name: field.name,
    type: field.type,
    optional: field.optional,
    unique: false,
    index: true,
    ...(field.rich === undefined ? {} : { rich: field.rich }),
    ...(field.enumValues === undefined ? {} : { enumValues: field.enumValues }),
  };
}

function sourceField(ctx: CheckContext, source: EntityInfo, decl: ReadModelDecl, name: string, span: Parameters<typeof report>[2], what: string): FieldSchema | undefined {
  const field = source.schema.fields.find((f) => f.name === name);
  if (field !== undefined) return field;
  const why = name === "id" ? ` (a group of one row each: ${what} another field)` : "";
  report(ctx, "ReadModelField", span, `cannot ${what} '${name}': ${decl.source.name} has no such field${why}`, source.schema.fields.map((f) => f.name), name);
  return undefined;
}

const FUNCTIONS: Record<ReadModelAggregate["fn"], AggregateFn> = { COUNT: "count", SUM: "sum", AVG: "avg", MIN: "min", MAX: "max" };

/** The column an aggregate makes: its schema, its type; undefined (reported) when the field cannot be aggregated so. */
function aggregateField(ctx: CheckContext, source: EntityInfo, decl: ReadModelDecl, name: string, agg: ReadModelAggregate) {
  const fn = FUNCTIONS[agg.fn];
  const schema: AggregateSchema = { name, fn, field: null };
  if (agg.field === null) return { schema, field: plain(name, "int", false), type: intType };
  const field = sourceField(ctx, source, decl, agg.field.name, agg.field.span, agg.fn);
  if (field === undefined) return undefined;
  ctx.model.resolutions.set(agg.field, source.decl.fields.find((f) => f.name.name === field.name) ?? source.decl);
  schema.field = field.name;
  if (fn === "count") return { schema, field: plain(name, "int", false), type: intType };
  const numeric = field.items === undefined && (field.type === "int" || field.type === "float" || field.type === "decimal");
  if (fn === "sum" || fn === "avg") {
    if (!numeric) {
      ctx.diagnostics.report("ReadModelAggregateType", agg.span, `${agg.fn}(${field.name}) needs a number, and ${decl.source.name}.${field.name} is ${field.items ? "a list" : field.type}`, { suggestion: `use COUNT(${field.name}), or MIN/MAX` });
      return undefined;
    }
    if (fn === "avg") return { schema, field: plain(name, "float", true), type: numberType };
    return { schema, field: plain(name, field.type, true), type: field.type === "int" ? intType : numberType };
  }
  const ordered = field.items === undefined && !field.file && field.type !== "json" && field.type !== "boolean" && field.secret !== true;
  if (!ordered) {
    ctx.diagnostics.report("ReadModelAggregateType", agg.span, `${agg.fn}(${field.name}): ${decl.source.name}.${field.name} has no order to take the ${fn === "min" ? "least" : "greatest"} of`, { suggestion: "aggregate a number, text or date field" });
    return undefined;
  }
  const type = (source.rowType as { fields: Map<string, ShapeField> }).fields.get(field.name)!.type;
  return { schema, field: { ...keyField(field), name, optional: true, index: false }, type };
}

function plain(name: string, type: FieldSchema["type"], optional: boolean): FieldSchema {
  return { name, type, optional, unique: false, index: false };
}

/** INSERT, UPDATE, SAVE, DELETE or RESTORE of a READ MODEL: its rows come from its source only (KV2957). */
export function refuseReadModelWrite(ctx: CheckContext, query: Query, entity: EntityInfo | undefined): void {
  if (query.kind === "SelectQuery" || query.kind === "HistoryQuery" || !isReadModel(entity)) return;
  const decl = declarations.get(entity!)!;
  const verb = { InsertQuery: "INSERT INTO", UpdateQuery: "UPDATE", SaveQuery: "SAVE", DeleteQuery: "DELETE FROM", RestoreQuery: "RESTORE" }[query.kind];
  ctx.diagnostics.report("ReadModelWrite", query.span, `${verb} ${decl.name.name}: a READ MODEL's rows are computed from ${decl.source.name} and kept in step by its writes`, {
    suggestion: `write ${decl.source.name} instead (${decl.name.name} follows in the same transaction), or rebuild it with kova db rebuild-read-model ${decl.name.name}`,
  });
}
