/** Typed json fields (`spec: { kind: text, size: { w: int }? }?`) and ORDER_BY a json path. */
import assert from "node:assert/strict";
import { test } from "node:test";
import { checkText, planQuery, type SelectQuery } from "../src/index.js";

const GADGET = `
ENTITY Gadget {
  name: text
  spec: { kind: text, size: { w: int, h: int }?, weight: float?, tags: text[]? }?
  extra: json?
}
`;

function check(body: string) {
  return checkText(`${GADGET}\n${body}`, "app.kova");
}

function firstPlan(body: string) {
  const result = check(body);
  assert.deepEqual(result.diagnostics, []);
  const endpoint = result.files[0].program.declarations.find((d) => d.kind === "Endpoint")!;
  return planQuery(((endpoint as { body: { statements: Array<{ value: SelectQuery }> } }).body.statements[0]).value, result.programs[0].model);
}

test("a json field with a shape: FieldSchema.shape as the drivers' JsonType", () => {
  const spec = check("").programs[0].model.entities.get("Gadget")!.schema.fields.find((f) => f.name === "spec")!;
  assert.deepEqual(spec, {
    name: "spec",
    type: "json",
    optional: true,
    unique: false,
    index: false,
    shape: {
      kind: "object",
      fields: [
        { name: "kind", type: { kind: "string" }, optional: false },
        { name: "size", type: { kind: "object", fields: [{ name: "w", type: { kind: "int" }, optional: false }, { name: "h", type: { kind: "int" }, optional: false }] }, optional: true },
        { name: "weight", type: { kind: "float" }, optional: true },
        { name: "tags", type: { kind: "list", items: { kind: "string" } }, optional: true },
      ],
    },
  });
});

test("a number in the shape is compared and ordered as a number, its value coerced; text and undeclared keys as text", () => {
  const p = firstPlan(`GET /a { RESPOND SELECT name FROM Gadget WHERE spec.size.w > $query.w AND spec.kind = "x" ORDER_BY spec.size.w DESC, extra.rank }`);
  assert.ok(p.plan.kind === "select");
  assert.deepEqual(p.plan.where, {
    kind: "and",
    items: [
      { kind: "compare", op: ">", left: { kind: "jsonPath", field: "spec", path: ["size", "w"], as: "number" }, right: { kind: "arg", index: 0 } },
      { kind: "compare", op: "==", left: { kind: "jsonPath", field: "spec", path: ["kind"], as: "text" }, right: { kind: "literal", value: "x" } },
    ],
  });
  assert.equal(p.args[0].coerce, "float");
  assert.deepEqual(p.plan.orderBy, [
    { field: "spec", path: ["size", "w"], as: "number", direction: "DESC" },
    { field: "extra", path: ["rank"], as: "text", direction: "ASC" },
  ]);
});

test("ORDER_BY a json path in a shaped SELECT (a json column makes it one) is no relation (no KV2123)", () => {
  const p = firstPlan(`GET /a { RESPOND SELECT name, spec.kind FROM Gadget ORDER_BY spec.kind DESC }`);
  assert.ok(p.plan.kind === "select" && p.plan.shape !== undefined);
  assert.deepEqual(p.plan.orderBy, [{ field: "spec", path: ["kind"], as: "text", direction: "DESC" }]);
});

test("a key the shape does not declare: KV2002 with did-you-mean, in WHERE and ORDER_BY", () => {
  const d = check(`GET /a { RESPOND SELECT name FROM Gadget WHERE spec.knd = "x" ORDER_BY spec.sise.w }`).diagnostics;
  assert.deepEqual(d.map((x) => [x.code, x.suggestion]), [["KV2002", "did you mean 'kind'?"], ["KV2002", "did you mean 'size'?"]]);
});

test("KV2383: ORDER_BY a path that ends on an object or a list", () => {
  assert.deepEqual(check(`GET /a { RESPOND SELECT name FROM Gadget ORDER_BY spec.size }`).diagnostics.map((x) => x.code), ["KV2383"]);
  assert.deepEqual(check(`GET /a { RESPOND SELECT name FROM Gadget ORDER_BY spec.tags }`).diagnostics.map((x) => x.code), ["KV2383"]);
});

test("in handler code a shaped json field is typed: a path to a missing key is an error", () => {
  const d = check(`GET /a/:id { g = SELECT * FROM Gadget WHERE id = $id\n RESPOND { w: g.spec.size.wdth } }`).diagnostics;
  assert.ok(d.some((x) => x.code === "KV2002"), JSON.stringify(d));
});
