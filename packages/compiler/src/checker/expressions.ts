import type { BinaryExpr, CallExpr, Expression, FieldDecl, MemberExpr, NameExpr, ParamRef } from "../ast/nodes.js";
import { isIdentifierField } from "@kova/query";
import { publicIdInput } from "./public-id.js";
import { closestOrPrefix } from "../diagnostics/suggest.js";
import { report, resolve, type CheckContext } from "./context.js";
import { constantValue, type FoldProblem } from "./fold.js";
import { authType } from "./auth.js";
import { BUILTINS, BUILTIN_NAMES } from "./builtins.js";
import { checkBuiltinCall } from "./builtin-calls.js";
import { checkBetween, checkComprehension, checkConditional } from "./control-expressions.js";
import { checkFunctionCall, checkViewCall } from "./functions.js";
import { checkCondition, checkQuery } from "./queries.js";
import { checkExists, relatedPath } from "./relations.js";
import { checkAggregate } from "./aggregates.js";
import { checkRequest } from "./tests.js";
import { checkAwait, checkSpawn } from "./spawn.js";
import {
  booleanType,
  comparable,
  datetimeType,
  describe,
  intType,
  nullType,
  numberType,
  openObject,
  stringType,
  unknownType,
  type KovaType,
  type ShapeField,
} from "./types.js";

export { BUILTIN_NAMES } from "./builtins.js";

/** Types whose values have no fields to read. */
const SCALAR_KINDS: ReadonlySet<KovaType["kind"]> = new Set(["string", "number", "boolean", "datetime", "duration"]);

/** The request parts reachable as `$query`, `$body`, `$headers`, `$cookies`, `$auth`. */
const REQUEST_PARAMS = ["query", "body", "headers", "cookies", "auth"];

/** Checks an expression, records its type in the model and returns it. Never throws. */
export function checkExpression(ctx: CheckContext, expr: Expression): KovaType {
  const type = typeOf(ctx, expr);
  ctx.model.types.set(expr, type);
  return type;
}

function typeOf(ctx: CheckContext, expr: Expression): KovaType {
  switch (expr.kind) {
    case "String":
      return stringType;
    case "Template":
      for (const part of expr.parts) if (part.kind !== "String") checkExpression(ctx, part);
      return stringType;
    case "Number":
      return Number.isInteger(expr.value) ? intType : numberType;
    case "Duration":
      return intType;
    case "Boolean":
      return booleanType;
    case "Null":
      return nullType;
    case "Name":
      return checkName(ctx, expr);
    case "Param":
      return checkParam(ctx, expr);
    case "Member":
      return checkMember(ctx, expr);
    case "Index": {
      const object = checkExpression(ctx, expr.object);
      checkExpression(ctx, expr.index);
      return object.kind === "array" ? object.element : unknownType;
    }
    case "Has":
      checkExpression(ctx, expr.target);
      return booleanType;
    case "Call":
      return checkCall(ctx, expr);
    case "Unary": {
      const operand = checkExpression(ctx, expr.operand);
      if (expr.operator === "NOT") return booleanType;
      if (operand.kind !== "number" && operand.kind !== "unknown") {
        ctx.diagnostics.report("TypeMismatch", expr.span, `cannot negate a ${describe(operand)}`);
      }
      return operand.kind === "number" ? operand : numberType;
    }
    case "Binary":
      return checkBinary(ctx, expr);
    case "IsNull":
      checkExpression(ctx, expr.operand);
      return booleanType;
    case "Object": {
      const fields = new Map<string, ShapeField>();
      let open = false;
      for (const entry of expr.entries) {
        if (entry.kind === "Spread") {
          const spread = checkExpression(ctx, entry.argument);
          if (spread.kind === "object" && spread.fields) for (const [k, v] of spread.fields) fields.set(k, v);
          else open = true;
        } else if (entry.kind === "Removal") {
          // `-field`: the field must be there when the object's fields are known (did-you-mean).
          if (!fields.delete(entry.name.name) && !open && entry.name.name !== "") {
            report(ctx, "UnknownField", entry.name.span, `there is no field '${entry.name.name}' to remove here`, fields.keys(), entry.name.name);
          }
        } else {
          fields.set(entry.key.name, { type: checkExpression(ctx, entry.value), optional: false });
        }
      }
      return { kind: "object", fields: open ? null : fields };
    }
    case "Array": {
      let element: KovaType | undefined;
      for (const item of expr.elements) {
        const t = checkExpression(ctx, item.kind === "Spread" ? item.argument : item);
        const itemType = item.kind === "Spread" ? (t.kind === "array" ? t.element : unknownType) : t;
        element = element === undefined || element.kind === itemType.kind ? itemType : unknownType;
      }
      return { kind: "array", element: element ?? unknownType };
    }
    case "Conditional":
      return checkConditional(ctx, expr);
    case "Between":
      return checkBetween(ctx, expr);
    case "Comprehension":
      return checkComprehension(ctx, expr);
    case "Missing":
      return unknownType;
    case "Exists":
      return checkExists(ctx, expr, (inRelated, e) => checkCondition(inRelated, { kind: "Condition", span: e.span, expression: e }));
    case "Aggregate":
      return checkAggregate(ctx, expr);
    case "Request":
      return checkRequest(ctx, expr);
    case "Spawn":
      return checkSpawn(ctx, expr);
    case "Await":
      return checkAwait(ctx, expr);
    default:
      return checkQuery(ctx, expr);
  }
}

function checkName(ctx: CheckContext, expr: NameExpr): KovaType {
  const entity = ctx.entity;
  if (entity) {
    const field = entityFieldType(entity.rowType, expr.name);
    if (field) {
      const decl = entity.decl.fields.find((f) => f.name.name === expr.name);
      resolve(ctx, expr, decl ?? entity.decl);
      reportIfAlsoVariable(ctx, expr, entity.decl.name.name);
      return field;
    }
  }
  const variable = ctx.scope?.lookup(expr.name);
  if (variable) {
    variable.used = true;
    resolve(ctx, expr, variable.declaration);
    return variable.type;
  }
  if (ctx.entityUnresolved) return unknownType;
  const variables = ctx.scope ? [...ctx.scope.variables.keys()] : [];
  if (entity) {
    const fields = [...(entity.rowType.kind === "object" && entity.rowType.fields ? entity.rowType.fields.keys() : [])];
    report(ctx, "UnknownField", expr.span, `entity ${entity.decl.name.name} has no field '${expr.name}'`, [...fields, ...variables], expr.name);
  } else {
    report(ctx, "UnknownVariable", expr.span, `'${expr.name}' is not defined here`, variables, expr.name);
  }
  return unknownType;
}

/**
 * Inside a query a bare name is the field, even when a variable has the same name: `WHERE code =
 * code` compares the field with itself and matches every row. The language has no other spelling
 * for the field, so the way out is to rename the variable.
 */
function reportIfAlsoVariable(ctx: CheckContext, expr: NameExpr, entityName: string): void {
  const variable = ctx.scope?.lookup(expr.name);
  if (!variable || ctx.ambiguousNames?.has(expr.name)) return;
  ctx.ambiguousNames?.add(expr.name);
  const line = variable.declaration.span.start.line;
  ctx.diagnostics.report("AmbiguousName", expr.span, `'${expr.name}' here is the field ${entityName}.${expr.name}, not the variable '${expr.name}' assigned on line ${line}`, {
    suggestion: `in a query a bare name is always the field; to use the variable, rename it (e.g. wanted_${expr.name} = …) and write that name here`,
  });
}

function entityFieldType(row: KovaType, name: string): KovaType | undefined {
  return row.kind === "object" ? row.fields?.get(name)?.type : undefined;
}

function checkParam(ctx: CheckContext, expr: ParamRef): KovaType {
  const endpoint = ctx.endpoint;
  if (ctx.test) {
    ctx.diagnostics.report("MisplacedInTest", expr.span, `$${expr.name} is a request's input, and a TEST is not answering one`, {
      suggestion: "send values in the request instead (POST /todos { title: \"milk\" }), and read its answer (r.body)",
    });
    return unknownType;
  }
  if (ctx.task) {
    // A job runs long after the request that enqueued it: pass what it needs as arguments.
    ctx.diagnostics.report("MisplacedInTask", expr.span, `$${expr.name} is a request value, and TASK ${ctx.task.decl.name.name} runs outside any request`, {
      suggestion: "give the task a parameter and pass the value in ENQUEUE",
    });
    return unknownType;
  }
  if (expr.name === "body" && ctx.socket) {
    ctx.diagnostics.report("MisplacedInSocket", expr.span, `$body is an HTTP request's body, and a SOCKET's messages arrive one by one`, {
      suggestion: "read the message from ON MESSAGE(msg) as msg",
    });
    return unknownType;
  }
  if (expr.name === "auth") return checkAuthParam(ctx, expr);
  if (expr.name === "query") return endpoint?.queryType ?? openObject;
  if (expr.name === "headers" || expr.name === "cookies") return openObject;
  if (expr.name === "body") {
    if (!endpoint) return openObject;
    if (endpoint.bodyType) return endpoint.bodyType;
    if (!endpoint.warnedBody) {
      endpoint.warnedBody = true;
      ctx.diagnostics.report("BodyWithoutValidate", expr.span, `$body is read, but ${endpoint.info.decl.method} ${endpoint.info.decl.path.text} has no VALIDATE, so its shape is not checked`, {
        suggestion: "declare a VALIDATE shape and add `VALIDATE Shape` after the path",
      });
    }
    return openObject;
  }
  const segment = endpoint?.params.get(expr.name);
  if (segment) {
    resolve(ctx, expr, segment);
    // A declared type holds inside the handler; an undeclared one is decided by use (ir/inputs.ts).
    return endpoint!.info.declaredPath.get(expr.name)?.kovaType ?? unknownType;
  }
  const where = endpoint ? `the route ${endpoint.info.decl.path.text}` : "this context (there is no request here)";
  const candidates = [...(endpoint ? [...endpoint.params.keys()] : []), ...REQUEST_PARAMS].map((n) => `$${n}`);
  report(ctx, "UnknownParam", expr.span, `$${expr.name} is not a parameter of ${where}`, candidates, `$${expr.name}`);
  return unknownType;
}

function checkMember(ctx: CheckContext, expr: MemberExpr): KovaType {
  // In a query, `author.name` is the field of the row the reference `author` leads to.
  const related = ctx.entity ? relatedPath(ctx, ctx.entity, expr) : undefined;
  if (related) return related.type;
  const object = checkExpression(ctx, expr.object);
  const name = expr.property.name;
  if (name === "") return unknownType;
  if ((object.kind === "array" || object.kind === "string") && name === "length") return intType;
  if (object.kind === "object" && object.fields) {
    const field = object.fields.get(name);
    if (field) {
      const decl = declaredField(ctx, object, name);
      if (decl) resolve(ctx, expr.property, decl);
      return field.type;
    }
    if (expr.object.kind === "Param" && expr.object.name === "auth") {
      report(ctx, "UnknownClaim", expr.property.span, `the claims (${object.shape ?? "$auth"}) have no claim '${name}'`, object.fields.keys(), name);
      return unknownType;
    }
    const owner = object.entity ? `a ${object.entity} row` : object.shape ? `shape ${object.shape}` : "this object";
    report(ctx, "UnknownField", expr.property.span, `${owner} has no field '${name}'`, object.fields.keys(), name);
    return unknownType;
  }
  if (object.kind === "array" && object.element.kind === "object") {
    ctx.diagnostics.report("TypeMismatch", expr.property.span, `'${name}' is read from a list of rows, not one row`, {
      suggestion: "pick one row with [0], or make the query return one row (WHERE id = …)",
    });
  } else if (SCALAR_KINDS.has(object.kind) || object.kind === "array") {
    // Text, numbers and lists have no fields but `length`: `title.lenght` would be undefined at run time.
    report(ctx, "UnknownField", expr.property.span, `a value of type ${describe(object)} has no field '${name}'`, object.kind === "string" || object.kind === "array" ? ["length"] : [], name);
  }
  return unknownType;
}

/** The declaration of a field read from a row (`todo.title`) or a VALIDATE shape (`$body.title`). */
function declaredField(ctx: CheckContext, object: KovaType, name: string): FieldDecl | undefined {
  if (object.kind !== "object") return undefined;
  const decl = object.entity ? ctx.model.entities.get(object.entity)?.decl : object.shape ? ctx.model.validators.get(object.shape)?.decl : undefined;
  return decl?.fields.find((f) => f.name.name === name);
}

function checkCall(ctx: CheckContext, expr: CallExpr): KovaType {
  const name = expr.callee.name;
  const argTypes = expr.args.map((a) => checkExpression(ctx, a));
  if (name === "") return unknownType;
  // A has(…) the parser could not make a Has node of: it reported KV1241 already.
  if (name === "has") return booleanType;
  const builtin = BUILTINS.get(name);
  if (builtin) {
    if (name === "sign_token" && ctx.model.auth !== null && ctx.model.auth.kind !== "jwt") {
      ctx.diagnostics.report("AuthWithoutScheme", expr.callee.span, `sign_token() signs tokens for an AUTH jwt scheme; this program signs in with AUTH ${ctx.model.auth.kind}`, {
        suggestion: "issue keys with random_token() and store hash_token(key) in the keys' entity",
      });
    }
    if ((name === "start_session" || name === "end_session") && ctx.model.auth?.kind !== "session") {
      ctx.diagnostics.report("AuthWithoutScheme", expr.callee.span, `${name}() works with the program's AUTH session scheme, and there is none`, {
        suggestion: 'declare AUTH session USING secret(env("SESSION_KEY")) { entity: Session, claims: Claims }',
      });
    }
    if (name === "sign_token" && ctx.model.auth === null) {
      ctx.diagnostics.report("AuthWithoutScheme", expr.callee.span, "sign_token() signs with the program's AUTH jwt scheme, and there is none", {
        suggestion: 'declare AUTH jwt USING secret(env("JWT_KEY")) { claims: Claims }',
      });
    }
    if (name === "env" && argTypes[0] && argTypes[0].kind !== "string" && argTypes[0].kind !== "unknown") {
      ctx.diagnostics.report("TypeMismatch", expr.args[0].span, "env() takes the variable's name as a string", { suggestion: 'write env("PORT")' });
      return builtin.result(argTypes, expr.args);
    }
    return checkBuiltinCall(ctx, expr, builtin, argTypes);
  }
  const kovaFunction = ctx.model.kovaFunctions.get(name);
  if (kovaFunction) return checkFunctionCall(ctx, expr, kovaFunction, argTypes);
  const view = ctx.model.views.get(name);
  if (view) return checkViewCall(ctx, expr, view, argTypes);
  const imported = ctx.model.functions.get(ctx.file)?.get(name);
  if (imported) {
    resolve(ctx, expr.callee, imported.decl);
    return unknownType;
  }
  const candidates = [...BUILTIN_NAMES, ...(ctx.model.functions.get(ctx.file)?.keys() ?? []), ...ctx.model.kovaFunctions.keys(), ...ctx.model.views.keys()];
  const guess = closestOrPrefix(name, candidates);
  ctx.diagnostics.report("UnknownFunction", expr.callee.span, `no function named '${name}'`, guess !== undefined
    ? { suggestion: `did you mean '${guess}'?`, replacement: guess }
    : { suggestion: `the built-in functions are ${BUILTIN_NAMES.join(", ")}; others are IMPORTed from a JavaScript module` });
  return unknownType;
}

function checkBinary(ctx: CheckContext, expr: BinaryExpr): KovaType {
  const left = checkExpression(ctx, expr.left);
  const right = checkExpression(ctx, expr.right);
  switch (expr.operator) {
    case "AND":
    case "OR":
      return booleanType;
    case "==":
    case "!=":
    case "<":
    case "<=":
    case ">":
    case ">=":
      if (!comparable(left, right)) {
        ctx.diagnostics.report("IncompatibleComparison", expr.span, `cannot compare ${describe(left)} with ${describe(right)}: the comparison is never true`, {
          suggestion: comparisonHint(left, right, expr),
        });
      } else {
        checkEnumLiteral(ctx, left, expr.right);
        checkEnumLiteral(ctx, right, expr.left);
      }
      inferParamType(ctx, expr.left, expr.right);
      inferParamType(ctx, expr.right, expr.left);
      return booleanType;
    case "IN":
      if (right.kind !== "array" && right.kind !== "unknown") {
        ctx.diagnostics.report("TypeMismatch", expr.right.span, `IN needs a list, not a ${describe(right)}`, { suggestion: 'write a list, as in status IN ["open", "done"]' });
      } else if (right.kind === "array" && !comparable(left, right.element)) {
        ctx.diagnostics.report("IncompatibleComparison", expr.span, `cannot look for a ${describe(left)} in a list of ${describe(right.element)}`);
      }
      return booleanType;
    case "LIKE":
      for (const [side, type] of [[expr.left, left], [expr.right, right]] as const) {
        if (type.kind !== "string" && type.kind !== "unknown" && type.kind !== "null") {
          ctx.diagnostics.report("TypeMismatch", side.span, `LIKE compares text, not ${describe(type)}`);
        }
      }
      return booleanType;
    case "??":
      return left.kind === "unknown" || left.kind === "null" ? right : left;
    case "+":
      if (requestInstant(ctx, expr, left, right)) return datetimeType;
      if (instantArithmetic(expr, left, right)) return instantArithmetic(expr, left, right)!;
      if (left.kind === "string" || right.kind === "string") return stringType;
      return arithmeticType(ctx, expr, left, right);
    default:
      if (requestInstant(ctx, expr, left, right)) return datetimeType;
      return instantArithmetic(expr, left, right) ?? arithmeticType(ctx, expr, left, right);
  }
}

/**
 * `$query.since - 1d`: a request value of no declared type, plus or minus a duration literal, is an
 * instant (the runtime parses it as one, a 400 naming it when it is not: ir/inputs.ts), so the
 * lowering adds the duration to the instant rather than subtracting numbers.
 */
function requestInstant(ctx: CheckContext, expr: BinaryExpr, left: KovaType, right: KovaType): boolean {
  if (expr.operator !== "+" && expr.operator !== "-") return false;
  const side = expr.right.kind === "Duration" && left.kind === "unknown" ? expr.left : expr.operator === "+" && expr.left.kind === "Duration" && right.kind === "unknown" ? expr.right : null;
  if (side === null || !isRequestValue(side)) return false;
  ctx.model.types.set(side, datetimeType);
  return true;
}

/** `$query.x`, `$query["x"]`, `$headers.x`: a value read from the request by name. */
export function isRequestValue(e: Expression): boolean {
  const object = e.kind === "Member" || e.kind === "Index" ? e.object : null;
  return object !== null && object.kind === "Param" && (object.name === "query" || object.name === "headers");
}

/** `instant ± duration` is an instant; `instant - instant` the milliseconds between (a duration). */
function instantArithmetic(expr: BinaryExpr, left: KovaType, right: KovaType): KovaType | undefined {
  if (expr.operator !== "+" && expr.operator !== "-") return undefined;
  if (left.kind === "datetime" && right.kind === "number") return datetimeType;
  if (expr.operator === "+" && left.kind === "number" && right.kind === "datetime") return datetimeType;
  if (expr.operator === "-" && left.kind === "datetime" && right.kind === "datetime") return intType;
  return undefined;
}

function arithmeticType(ctx: CheckContext, expr: BinaryExpr, left: KovaType, right: KovaType): KovaType {
  for (const [side, type] of [[expr.left, left], [expr.right, right]] as const) {
    if (type.kind !== "number" && type.kind !== "unknown" && type.kind !== "null") {
      ctx.diagnostics.report("TypeMismatch", side.span, `'${expr.operator}' needs numbers, but this is a ${describe(type)}`);
      return unknownType;
    }
  }
  const problems: FoldProblem[] = [];
  constantValue(expr, problems);
  // Nested operators fold their children again; only the dividing node itself reports.
  for (const p of problems) if (p.span === expr.span) ctx.diagnostics.report("DivisionByZero", p.span, p.message);
  if (left.kind === "number" && right.kind === "number") {
    return { kind: "number", integer: left.integer && right.integer && expr.operator !== "/" };
  }
  return numberType;
}

function comparisonHint(left: KovaType, right: KovaType, expr: BinaryExpr): string {
  const kinds = [left.kind, right.kind];
  if (kinds.includes("number") && kinds.includes("string")) {
    const literal = [expr.left, expr.right].find((e) => e.kind === "String" || e.kind === "Number");
    if (literal?.kind === "String") return "this compares with a number: write it without quotes";
    if (literal?.kind === "Number") return `this compares with text: write it in quotes, as in "${literal.raw}"`;
    return "convert one side, e.g. with number(…) or string(…)";
  }
  if (kinds.includes("boolean")) return "compare with true or false";
  return "compare values of the same type";
}

/** A string literal compared with an enum field must be one of its values. */
function checkEnumLiteral(ctx: CheckContext, type: KovaType, other: Expression): void {
  if (type.kind !== "string" || !type.enumValues || other.kind !== "String") return;
  if (!type.enumValues.includes(other.value)) {
    report(ctx, "TypeMismatch", other.span, `${JSON.stringify(other.value)} is not one of ${describe(type)}`, type.enumValues, other.value);
  }
}

/**
 * `WHERE id = $id` tells us $id is an int (a uuid on a PUBLIC ID entity, or compared with a
 * reference to one; a slug compared with an IDENTIFIER entity's identifier): the runtime parses
 * it and answers 400 naming the parameter when it is not.
 */
function inferParamType(ctx: CheckContext, fieldSide: Expression, paramSide: Expression): void {
  const endpoint = ctx.endpoint;
  const entity = ctx.entity;
  if (!endpoint || !entity || fieldSide.kind !== "Name" || paramSide.kind !== "Param") return;
  if (!endpoint.params.has(paramSide.name) || endpoint.info.declaredPath.has(paramSide.name)) return;
  const field = entity.schema.fields.find((f) => f.name === fieldSide.name);
  // A reference to a PUBLIC ID entity is compared by the referenced record's public id (@kova/query public-references.ts).
  const scalar = publicIdInput(ctx.model, entity, fieldSide.name) ?? (fieldSide.name === "id" ? "int"
    : field !== undefined && isIdentifierField(field) ? "slug"
    : field?.type);
  if (scalar === undefined || scalar === "json") return;
  const previous = endpoint.info.paramTypes.get(paramSide.name);
  endpoint.info.paramTypes.set(paramSide.name, previous === undefined || previous === scalar ? scalar : "string");
}

/**
 * `$auth`: the verified claims, typed by the AUTH block's claims shape. Only an endpoint with AUTH
 * has a caller; with `AUTH optional` it may be null (member reads are null-safe).
 */
function checkAuthParam(ctx: CheckContext, expr: ParamRef): KovaType {
  const endpoint = ctx.endpoint;
  const auth = endpoint?.info.decl.auth ?? null;
  if (auth === null) {
    if (endpoint?.warnedAuth) return unknownType;
    if (endpoint) endpoint.warnedAuth = true;
    const where = endpoint ? `${endpoint.info.decl.method} ${endpoint.info.decl.path.text} has no AUTH` : "there is no request here";
    ctx.diagnostics.report("AuthReadWithoutAuth", expr.span, `$auth is read, but ${where}, so there is no signed-in caller`, {
      suggestion: endpoint ? "add AUTH (or AUTH optional) after the path" : "read $auth inside an endpoint with AUTH",
    });
    return unknownType;
  }
  return authType(ctx);
}
