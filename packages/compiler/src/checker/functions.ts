import type { CallExpr, FunctionDecl, Identifier, Program, RelationSelect, ReturnStmt, SelectQuery, TypeRef, ViewDecl, ViewItem } from "../ast/nodes.js";
import { report, resolve, VariableScope, type CheckContext } from "./context.js";
import { BUILTINS } from "./builtins.js";
import { commonType } from "./control-expressions.js";
import { checkBlock } from "./endpoints.js";
import { checkExpression } from "./expressions.js";
import type { EntityInfo } from "./model.js";
import { checkRelationSelects } from "./relations.js";
import { viewRelationSelects } from "./view-relations.js";
import { checkTenantActionCall } from "./tenant.js";
import { actionArgumentFits, actionParams, checkActionLoads, type ActionInfo } from "./actions.js";
import { assignable, describe, ENTITY_FIELD_TYPES, nullType, scalarToType, unknownType, VALIDATION_TYPES, validationNameToType, type KovaType, type ShapeField } from "./types.js";

/** An FN of the program: its parameters' types and, once its body is checked, its result type. */
export interface KovaFunctionInfo {
  decl: FunctionDecl;
  file: string;
  params: Array<{ name: string; type: KovaType }>;
  /** Checked lazily, at the first call or after the declarations: "checking" while its body is (a call then is recursion). */
  state: "unchecked" | "checking" | "done";
  result: KovaType;
  /** Variables its body assigns, parameters excluded. */
  variables: string[];
  /** Set for an ACTION (checker/actions.ts): its inputs' loads. */
  action?: ActionInfo;
}

/** A VIEW: the entity it shows and the fields it keeps, in order. */
export interface ViewInfo {
  decl: ViewDecl;
  file: string;
  entity: EntityInfo | null;
  /** The entity's own fields it lists (the columns a SELECT of the view reads). */
  fields: string[];
  /** Its nested items (`author { name }`) as the nested selections of a SELECT (see view-relations.ts). */
  relations: RelationSelect[];
  /** The keys of a shaped row, in the view's order: its fields and its nested selections. */
  keys: string[];
  /** The type of one shaped row. */
  rowType: KovaType;
}

/** While an FN body is checked: where RETURN types are collected. */
export interface FunctionScope {
  info: KovaFunctionInfo;
  returns: Array<{ type: KovaType; statement: ReturnStmt }>;
}

/** Registers every FN and VIEW (after entities and shapes, before any body is checked). */
export function collectFunctionsAndViews(ctx: CheckContext, programs: Program[]): void {
  const taken = (name: string) =>
    ctx.model.entities.has(name) || ctx.model.validators.has(name) || ctx.model.kovaFunctions.has(name) || ctx.model.views.has(name) || BUILTINS.has(name);
  for (const program of programs) {
    const fileCtx = { ...ctx, file: program.file };
    for (const decl of program.declarations) {
      if (decl.kind !== "Function" && decl.kind !== "View") continue;
      const name = decl.name.name;
      if (name === "") continue;
      if (taken(name)) {
        const what = BUILTINS.has(name) ? "a built-in function" : "already declared";
        ctx.diagnostics.report("DuplicateDeclaration", decl.name.span, `'${name}' is ${what}`, { suggestion: "choose another name" });
        continue;
      }
      if (decl.kind === "Function") {
        const action = decl.action === true ? actionParams(fileCtx, decl) : undefined;
        const params = action?.params ?? decl.params.map((p) => ({ name: p.name.name, type: parameterType(fileCtx, p.type) }));
        const seen = new Set<string>();
        for (const p of decl.params) {
          if (seen.has(p.name.name)) ctx.diagnostics.report("DuplicateParameter", p.name.span, `${name}() has two parameters named '${p.name.name}'`, { suggestion: "give each parameter its own name" });
          seen.add(p.name.name);
        }
        ctx.model.kovaFunctions.set(name, { decl, file: program.file, params, state: "unchecked", result: unknownType, variables: [], ...(action ? { action: action.action } : {}) });
      } else {
        ctx.model.views.set(name, viewInfo(fileCtx, decl, program.file));
      }
    }
  }
}

/** A parameter's declared type: a scalar (as in VALIDATE or ENTITY), an entity's row, a VALIDATE shape; `[]` and `?` as usual. */
export function parameterType(ctx: CheckContext, t: TypeRef): KovaType {
  const name = t.name.name;
  let base: KovaType;
  const entity = ctx.model.entities.get(name);
  const shape = ctx.model.validators.get(name);
  if (entity) {
    resolve(ctx, t.name, entity.decl);
    base = entity.rowType;
  } else if (shape) {
    resolve(ctx, t.name, shape.decl);
    base = shape.type;
  } else if (VALIDATION_TYPES.has(name)) {
    base = validationNameToType(name);
  } else if (ENTITY_FIELD_TYPES[name] !== undefined) {
    base = scalarToType(ENTITY_FIELD_TYPES[name]);
  } else {
    if (name !== "") {
      const candidates = [...VALIDATION_TYPES, ...Object.keys(ENTITY_FIELD_TYPES), ...ctx.model.entities.keys(), ...ctx.model.validators.keys()];
      report(ctx, "UnknownType", t.name.span, `'${name}' is not a type (a parameter takes text, int, number, bool, datetime, json, an entity or a VALIDATE shape)`, candidates, name);
    }
    base = unknownType;
  }
  return t.array ? { kind: "array", element: base } : base;
}

function viewInfo(ctx: CheckContext, decl: ViewDecl, file: string): ViewInfo {
  const entity = ctx.model.entities.get(decl.entity.name) ?? null;
  if (!entity) {
    if (decl.entity.name !== "") report(ctx, "UnknownView", decl.entity.span, `a VIEW shows an entity, and there is no entity named '${decl.entity.name}'`, ctx.model.entities.keys(), decl.entity.name);
    return { decl, file, entity: null, fields: [], relations: [], keys: [], rowType: unknownType };
  }
  resolve(ctx, decl.entity, entity.decl);
  return { decl, file, entity, fields: [], relations: [], keys: [], rowType: unknownType };
}

/**
 * Second pass (once entity fields and relations are known): a VIEW's items are fields of its
 * entity, and its nested items (`author { name }`) are checked as the nested selections of a
 * SELECT (relation, fields of the related entity, cycles, depth) — once, here, for every SELECT of it.
 */
export function checkView(ctx: CheckContext, view: ViewInfo): void {
  const entity = view.entity;
  if (!entity || entity.rowType.kind !== "object" || !entity.rowType.fields) return;
  const all = entity.rowType.fields;
  const own = new Map<string, ShapeField>();
  const seen = new Set<string>();
  const nestedItems: ViewItem[] = [];
  for (const item of view.decl.items) {
    if (item.name.name === "") continue;
    if (seen.has(item.name.name)) {
      ctx.diagnostics.report("DuplicateField", item.name.span, `'${item.name.name}' is listed twice in VIEW ${view.decl.name.name}`, { suggestion: "list each field once" });
      continue;
    }
    seen.add(item.name.name);
    if (item.items !== null) {
      reportDuplicateNested(ctx, view, item.items);
      nestedItems.push(item);
      continue;
    }
    const field = all.get(item.name.name);
    if (!field) {
      report(ctx, "UnknownField", item.name.span, `entity ${entity.decl.name.name} has no field '${item.name.name}'`, all.keys(), item.name.name);
      continue;
    }
    const decl = entity.decl.fields.find((f) => f.name.name === item.name.name);
    if (decl) resolve(ctx, item.name, decl);
    own.set(item.name.name, field);
  }
  // A view has no WHERE, ORDER_BY or LIMIT inside its nested items: nothing to check per list.
  const selects = viewRelationSelects(nestedItems);
  const related = checkRelationSelects(ctx, entity, selects, [], () => {});
  view.fields = [...own.keys()];
  view.relations = selects.filter((s) => related.has(s.relation.name));
  const fields = new Map<string, ShapeField>();
  for (const item of view.decl.items) {
    const field = own.get(item.name.name) ?? related.get(item.name.name);
    if (field && !fields.has(item.name.name)) fields.set(item.name.name, field);
  }
  view.keys = [...fields.keys()];
  view.rowType = { kind: "object", fields, entity: entity.decl.name.name };
}

/** `author { name, name }`: a name listed twice inside a nested item. */
function reportDuplicateNested(ctx: CheckContext, view: ViewInfo, items: readonly ViewItem[]): void {
  const seen = new Set<string>();
  for (const item of items) {
    if (seen.has(item.name.name)) {
      ctx.diagnostics.report("DuplicateField", item.name.span, `'${item.name.name}' is listed twice in VIEW ${view.decl.name.name}`, { suggestion: "list each field once" });
    }
    seen.add(item.name.name);
    if (item.items !== null) reportDuplicateNested(ctx, view, item.items);
  }
}

/** Checks an FN's body (once); its RETURNs give its result type. A call met while it is being checked is recursion. */
export function ensureFunctionChecked(ctx: CheckContext, info: KovaFunctionInfo): void {
  if (info.state !== "unchecked") return;
  info.state = "checking";
  const scope = new VariableScope();
  info.decl.params.forEach((p, i) => {
    const variable = scope.define(p.name, info.params[i]?.type ?? unknownType);
    variable.used = true;
    resolve(ctx, p.name, p.name);
  });
  const fn: FunctionScope = { info, returns: [] };
  const bodyCtx: CheckContext = { ...ctx, file: info.file, scope, endpoint: null, entity: null, entityUnresolved: false, function: fn };
  checkActionLoads(bodyCtx, info);
  const ends = checkBlock(bodyCtx, info.decl.body);
  let result: KovaType = ends ? unknownType : nullType;
  let first = true;
  for (const r of fn.returns) {
    if (first) {
      result = ends ? r.type : commonType(nullType, r.type);
      first = false;
      continue;
    }
    const merged = commonType(result, r.type);
    if (merged.kind === "unknown" && result.kind !== "unknown" && r.type.kind !== "unknown") {
      ctx.diagnostics.report("InconsistentReturn", r.statement.span, `${info.decl.name.name}() returned ${describe(result)} above, and ${describe(r.type)} here`, {
        suggestion: "return values of one type from every RETURN (convert with string(…) or number(…))",
      });
    }
    result = merged;
  }
  info.result = result;
  info.variables = [...scope.variables.keys()].filter((v) => !info.params.some((p) => p.name === v));
  for (const variable of scope.variables.values()) {
    if (!variable.used && !variable.name.startsWith("_")) {
      ctx.diagnostics.report("UnusedVariable", variable.declaration.span, `'${variable.name}' is assigned but never used`, {
        suggestion: `use it, remove it, or name it _${variable.name} to keep it on purpose`,
      });
    }
  }
  info.state = "done";
}

/** A call of an FN: arity and argument types against its parameters; its (inferred) result type. */
export function checkFunctionCall(ctx: CheckContext, expr: CallExpr, info: KovaFunctionInfo, argTypes: KovaType[]): KovaType {
  resolve(ctx, expr.callee, info.decl);
  const name = info.decl.name.name;
  if (info.state === "checking") {
    ctx.diagnostics.report("RecursiveFunction", expr.callee.span, `${name}() calls itself${ctx.function?.info === info ? "" : ` (through ${ctx.function?.info.decl.name.name}())`}: Kova refuses recursion, so every request ends in bounded time`, {
      suggestion: "loop over the data with FOR … IN or a [… FOR … IN …] list instead",
    });
    return unknownType;
  }
  if (expr.args.length !== info.params.length) {
    ctx.diagnostics.report("FunctionArgumentCount", expr.span, `${name}() takes ${info.params.length} argument${info.params.length === 1 ? "" : "s"}, not ${expr.args.length}`, {
      suggestion: `call it as ${functionSignature(info)}`,
    });
  }
  expr.args.forEach((arg, i) => {
    const param = info.params[i];
    if (param && !(actionArgumentFits(info, i, argTypes[i]) ?? assignable(argTypes[i], param.type))) {
      ctx.diagnostics.report("TypeMismatch", arg.span, `${name}() takes ${describe(param.type)} for '${param.name}', not ${describe(argTypes[i])}`, {
        suggestion: `call it as ${functionSignature(info)}`,
      });
    }
  });
  ensureFunctionChecked(ctx, info);
  checkTenantActionCall(ctx, info, expr.span);
  return info.result;
}

/** `ArticleOut(row)` or `ArticleOut(rows)`: the row (or each row) with only the VIEW's fields. */
export function checkViewCall(ctx: CheckContext, expr: CallExpr, view: ViewInfo, argTypes: KovaType[]): KovaType {
  resolve(ctx, expr.callee, view.decl);
  const name = view.decl.name.name;
  if (expr.args.length !== 1) {
    ctx.diagnostics.report("FunctionArgumentCount", expr.span, `the VIEW ${name} shapes one row or one list of rows, not ${expr.args.length} argument${expr.args.length === 1 ? "" : "s"}`, {
      suggestion: `write ${name}(row) or ${name}(rows)`,
    });
    return unknownType;
  }
  if (view.relations.length > 0) {
    // Related rows are read by the query itself (one statement); rows already loaded hold only the reference's id.
    ctx.diagnostics.report("NestedViewCall", expr.span, `a VIEW with nested relations shapes rows only in SELECT: ${name}(…) on rows already loaded cannot read their ${view.relations.map((r) => r.relation.name).join(", ")}`, {
      suggestion: `use SELECT ${name} FROM ${view.entity?.decl.name.name ?? "…"} … to read the rows in this shape`,
    });
  }
  const arg = argTypes[0];
  const row = arg.kind === "array" ? arg.element : arg;
  const entityName = view.entity?.decl.name.name;
  if (row.kind === "object" && row.entity && entityName && row.entity !== entityName) {
    ctx.diagnostics.report("UnknownView", expr.args[0].span, `VIEW ${name} shows ${entityName} rows, and this is ${describe(arg)}`, {
      suggestion: `declare a VIEW … OF ${row.entity} for these rows`,
    });
  } else if (row.kind !== "object" && row.kind !== "unknown" && row.kind !== "null") {
    ctx.diagnostics.report("TypeMismatch", expr.args[0].span, `VIEW ${name} shapes ${entityName ?? "entity"} rows, not ${describe(arg)}`);
  }
  return arg.kind === "array" ? { kind: "array", element: view.rowType } : view.rowType;
}

/** `SELECT ArticleOut FROM Article`: the one selected name is a VIEW of the queried entity. */
export function selectedView(ctx: CheckContext, query: SelectQuery, entity: EntityInfo): ViewInfo | undefined {
  if (query.fields?.length !== 1) return undefined;
  const name: Identifier = query.fields[0];
  const view = ctx.model.views.get(name.name);
  if (!view) return undefined;
  resolve(ctx, name, view.decl);
  if (view.entity !== entity) {
    ctx.diagnostics.report("UnknownView", name.span, `VIEW ${name.name} shows ${view.entity?.decl.name.name ?? "another entity"}, not ${entity.decl.name.name}`, {
      suggestion: `select FROM ${view.entity?.decl.name.name ?? "its entity"}, or declare a VIEW … OF ${entity.decl.name.name}`,
    });
  }
  const extra = query.relations[0];
  if (extra) {
    // The view's shaping keeps only its own keys: a related selection beside it would be read and dropped.
    const what = extra.count ? `COUNT(${extra.relation.name})` : `${extra.relation.name} { … }`;
    ctx.diagnostics.report("ViewWithRelations", extra.span, `SELECT ${name.name} answers rows in the VIEW's shape, which has no ${what}`, {
      suggestion: extra.count ? `select the count in a SELECT without the VIEW` : `add ${extra.relation.name} { … } to VIEW ${name.name}, or list the fields in the SELECT instead of the VIEW`,
    });
  }
  ctx.model.selectViews.set(query, name.name);
  return view;
}

/** `excerpt(body: text, words: int) → text`, for messages and hover. */
export function functionSignature(info: KovaFunctionInfo): string {
  const params = info.decl.params.map((p, i) => `${p.name.name}: ${describe(info.params[i]?.type ?? unknownType)}${p.type.optional ? "?" : ""}`);
  return `${info.decl.name.name}(${params.join(", ")}) → ${info.state === "done" ? describe(info.result) : "…"}`;
}

/** Checks a RETURN: only inside an FN, where its value's type joins the function's result. */
export function checkReturn(ctx: CheckContext, statement: ReturnStmt): void {
  const type = statement.value ? checkExpression(ctx, statement.value) : nullType;
  if (!ctx.function) {
    ctx.diagnostics.report("MisplacedStatement", statement.span, "RETURN belongs in an FN; an endpoint answers with RESPOND", { suggestion: "write RESPOND instead of RETURN" });
    return;
  }
  ctx.function.returns.push({ type, statement });
}
