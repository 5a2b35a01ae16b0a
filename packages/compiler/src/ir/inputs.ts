import type { ScalarType } from "@kova/query";
import type { Expression, Node, Query } from "../ast/nodes.js";
import { publicIdInput } from "../checker/public-id.js";
import type { EndpointInfo, SemanticModel } from "../checker/model.js";
import type { InputType, TypedInput } from "./nodes.js";
import type { PlannedQuery } from "./plans.js";

/**
 * Decides the type of every path and query input a route reads, so the runtime parses each one once,
 * before the handler, and answers 400 naming it when it does not parse (issue 10 items 2 and 8):
 * - compared with (or written to) a field → the field's type (`WHERE id = $id` makes $id an int);
 * - used in arithmetic (`$n * 2`, `$n + 1`) → a number;
 * - otherwise text. Two uses that disagree (an int field and a text field) leave it text.
 */
export function routeInputs(
  endpoint: EndpointInfo,
  model: SemanticModel,
  plans: ReadonlyMap<Query, PlannedQuery>,
): { path: TypedInput[]; query: TypedInput[]; headers: string[]; cookies: string[]; bodyRead: boolean } {
  const found = new Map<string, TypedInput>();
  const key = (from: "path" | "query", name: string) => `${from}:${name}`;
  const pathNames = endpoint.decl.path.segments.filter((s) => s.param).map((s) => s.value);
  for (const name of pathNames) {
    const declared = endpoint.declaredPath.get(name);
    const scalar = endpoint.paramTypes.get(name);
    if (declared) found.set(key("path", name), { name, type: declared.type, from: "declared" });
    else found.set(key("path", name), scalar === undefined ? { name, type: "string", from: "default" } : { name, type: inputType(scalar), from: "field" });
  }
  // Declared query parameters are all listed (a default is applied even when the handler never reads it).
  for (const p of endpoint.declaredQuery?.values() ?? []) {
    const input: TypedInput = { name: p.name, type: p.type, from: "declared", required: p.required };
    if (p.default !== undefined) input.default = p.default;
    if (p.min !== undefined) input.min = p.min;
    if (p.max !== undefined) input.max = p.max;
    if (p.values !== undefined) input.values = p.values;
    found.set(key("query", p.name), input);
  }
  const headers = new Set<string>();
  const cookies = new Set<string>();
  let bodyRead = false;

  const note = (e: Expression, type: InputType, from: TypedInput["from"]) => {
    const input = inputOf(e, pathNames);
    if (!input) return;
    const k = key(input.from, input.name);
    const previous = found.get(k);
    // A declared type is the type; the checker reported a use that disagrees with it.
    if (previous?.from === "declared") return;
    // The checker already decided path inputs compared with fields; one it left as text may still be
    // written to a field (`SAVE { ...$body, id: $id }`), which types it.
    if (input.from === "path" && from === "field" && previous?.from !== "default") return;
    const numeric = (t: InputType) => t === "int" || t === "count" || t === "float";
    if (!previous || previous.from === "default") found.set(k, { name: input.name, type, from });
    else if (previous.type === type) return;
    else if (numeric(previous.type) && numeric(type)) {
      // Arithmetic needs only a number, so a field's type (int, count) wins over it; an int that is
      // also a LIMIT stays an int (the handler still checks it is ≥ 0); int and float fields: a number.
      if (from === "arithmetic") return;
      if (previous.from === "arithmetic") found.set(k, { name: input.name, type, from });
      else found.set(k, { ...previous, type: previous.type !== "float" && type !== "float" ? "int" : "float" });
    } else found.set(k, { name: input.name, type: "string", from: previous.from });
  };

  walk(endpoint.decl.body, (node) => {
    const e = node as Expression;
    const input = inputOf(e, pathNames);
    if (input?.from === "query" && !found.has(key("query", input.name))) found.set(key("query", input.name), { name: input.name, type: "string", from: "default" });
    if (e.kind === "Member" && e.object.kind === "Param" && e.object.name === "headers") headers.add(e.property.name.toLowerCase());
    if (e.kind === "Member" && e.object.kind === "Param" && e.object.name === "cookies") cookies.add(e.property.name);
    if (e.kind === "Index" && e.object.kind === "Param" && e.object.name === "cookies" && e.index.kind === "String") cookies.add(e.index.value);
    if (e.kind === "Param" && e.name === "body") bodyRead = true;
    // `$query.since - 1d`: an instant (checker/expressions.ts requestInstant), parsed as a datetime.
    if (e.kind === "Binary" && (e.operator === "+" || e.operator === "-") && (e.left.kind === "Duration" || e.right.kind === "Duration")) {
      const side = e.right.kind === "Duration" ? e.left : e.right;
      if (model.types.get(side)?.kind === "datetime") {
        note(unwrapDefault(side), "datetime", "field");
        return;
      }
    }
    if (e.kind === "Binary" && ARITHMETIC.has(e.operator)) {
      for (const [side, other] of [[e.left, e.right], [e.right, e.left]] as const) {
        // `+` also joins text: only a sum with a number makes the input a number.
        if (e.operator !== "+" || model.types.get(other)?.kind === "number") note(unwrapDefault(side), "float", "arithmetic");
      }
    }
    if (e.kind === "Unary" && e.operator === "-") note(unwrapDefault(e.operand), "float", "arithmetic");
    for (const { field, value } of writtenProperties(node, model)) note(unwrapDefault(value), inputType(field), "field");
  });
  // A query input used as an IN list may be repeated (`?id=1&id=2`): it is left undeclared, so the
  // runtime passes it as it came (text, or a list of texts) and the handler converts each element.
  const lists = new Set<string>();
  for (const planned of plans.values()) {
    for (const arg of planned.args) {
      const input = arg.list ? inputOf(unwrapDefault(arg.expression), pathNames) : null;
      if (input?.from === "query") lists.add(input.name);
      if (arg.coerce === null || arg.list) continue;
      note(unwrapDefault(arg.expression), arg.coerce === "count" ? "count" : inputType(arg.coerce), "field");
    }
  }

  const list = (from: "path" | "query") => [...found.entries()].filter(([k]) => k.startsWith(`${from}:`)).map(([, v]) => v).filter((v) => from === "path" || v.from === "declared" || !lists.has(v.name));
  return {
    path: pathNames.map((n) => found.get(key("path", n))!),
    query: list("query").sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0)),
    headers: [...headers].sort(),
    cookies: [...cookies].sort(),
    bodyRead,
  };
}

const ARITHMETIC = new Set(["+", "-", "*", "/", "%"]);

/**
 * The `key: value` entries of an object literal a write query stores (INSERT, SAVE, UPDATE … SET
 * { … }), with the type of the field each one writes. A spread makes the planner pass the object as
 * one value, so these would otherwise never be typed as the field they are written to.
 */
function writtenProperties(node: Node, model: SemanticModel): Array<{ field: ScalarType; value: Expression }> {
  const written = node.kind === "InsertQuery" || node.kind === "SaveQuery" ? node.value : node.kind === "UpdateQuery" && !Array.isArray(node.set) ? node.set : null;
  if (written === null || written.kind !== "Object") return [];
  const entity = model.entities.get((node as Query).entity.name);
  if (!entity) return [];
  // A reference to a PUBLIC ID entity is written as the referenced record's public id (a uuid).
  const typeOf = (name: string): ScalarType | undefined => {
    // A public id written as a value: a UUID, or a ULID (text, checked where it is looked up).
    const publicId = publicIdInput(model, entity, name);
    if (publicId !== undefined) return publicId === "ulid" ? "string" : "uuid";
    if (name === "id") return "int";
    return entity.schema.fields.find((f) => f.name === name)?.type;
  };
  const out: Array<{ field: ScalarType; value: Expression }> = [];
  for (const entry of written.entries) {
    if (entry.kind !== "Property") continue;
    const field = typeOf(entry.key.name);
    if (field !== undefined) out.push({ field, value: entry.value });
  }
  return out;
}

/** The runtime parses inputs to these types; dates stay text (compared as written). */
export function inputType(scalar: ScalarType | "slug" | "ulid"): InputType {
  switch (scalar) {
    case "ulid":
      return "ulid";
    case "slug":
      return "slug";
    case "int":
      return "int";
    case "float":
    case "decimal":
      return "float";
    case "uuid":
      return "uuid";
    case "datetime":
      return "datetime";
    case "boolean":
      return "boolean";
    default:
      return "string";
  }
}

/** `$query.limit ?? 20` is typed as `$query.limit` is. */
function unwrapDefault(e: Expression): Expression {
  return e.kind === "Binary" && e.operator === "??" ? unwrapDefault(e.left) : e;
}

/** A path (`$id`) or query (`$query.page`, `$query["page"]`) input, or null for anything else. */
export function inputOf(e: Expression, pathNames: readonly string[]): { from: "path" | "query"; name: string } | null {
  if (e.kind === "Param" && pathNames.includes(e.name)) return { from: "path", name: e.name };
  if (e.kind === "Member" && e.object.kind === "Param" && e.object.name === "query") return { from: "query", name: e.property.name };
  if (e.kind === "Index" && e.object.kind === "Param" && e.object.name === "query" && e.index.kind === "String") return { from: "query", name: e.index.value };
  return null;
}

/** Visits every node under `root` (the AST is plain JSON: any object with a `kind`). */
export function walk(root: unknown, visit: (node: Node) => void): void {
  if (Array.isArray(root)) {
    for (const item of root) walk(item, visit);
    return;
  }
  if (root === null || typeof root !== "object") return;
  if ("kind" in root) visit(root as Node);
  // for…in, not Object.entries: five walks per route, and the entry arrays were a build's GC churn.
  const record = root as Record<string, unknown>;
  for (const k in record) {
    if (k === "span") continue;
    const value = record[k];
    if (typeof value === "object") walk(value, visit);
  }
}
