/** has($body.field): absent and null told apart (issue 13 item 3): parser, checker, formatter, IR. */
import assert from "node:assert/strict";
import { test } from "node:test";
import { checkText, formatSource, lower, parse, type Diagnostic } from "../src/index.js";

const check = (text: string): Diagnostic[] => checkText(text, "app.kova").diagnostics;

const GOOD = `ENTITY Profile {
  name: text
  bio: text?
}

VALIDATE ProfilePatch {
  name: string?
  bio: string?
}

PATCH /profiles/:id VALIDATE ProfilePatch {
  IF has($body.bio) AND $body.bio IS NULL {
    RESPOND { cleared: true, row: UPDATE Profile SET bio = null WHERE id = $id }
  }
  RESPOND {
    sent_name: has($body.name),
    sent_bio: has($body["bio"]),
    row: UPDATE Profile SET $body WHERE id = $id,
  }
}
`;

test("parser: has(x.field) and has(x['field']) are Has nodes holding the field read", () => {
  const { program, diagnostics } = parse("GET /a {\n  RESPOND { a: has($query.x), b: has($headers[\"x-y\"]) }\n}\n", "app.kova");
  assert.deepEqual(diagnostics, []);
  const endpoint = program.declarations[0];
  const respond = endpoint.kind === "Endpoint" ? endpoint.body.statements[0] : null;
  const value = respond?.kind === "Respond" ? respond.value : null;
  const entries = value?.kind === "Object" ? value.entries : [];
  const kinds = entries.map((e) => (e.kind === "Property" && e.value.kind === "Has" ? e.value.target.kind : null));
  assert.deepEqual(kinds, ["Member", "Index"]);
});

test("parser: has() with anything but one field read is KV1241", () => {
  for (const bad of ["has($body)", "has(1)", "has($body.a, $body.b)", "has()"]) {
    const diagnostics = parse(`GET /a {\n  RESPOND { x: ${bad} }\n}\n`, "app.kova").diagnostics;
    assert.deepEqual(diagnostics.map((d) => d.code), ["KV1241"], bad);
    assert.match(diagnostics[0].suggestion ?? "", /has\(\$body\.bio\)/);
  }
});

test("checker: has() checks clean, is a boolean, and its field is checked against the shape (did-you-mean)", () => {
  assert.deepEqual(check(GOOD), []);
  const [d] = check(GOOD.replace("has($body.name)", "has($body.nmae)"));
  assert.equal(d.code, "KV2002");
  assert.equal(d.suggestion, "did you mean 'name'?");
});

test("formatter: has() prints as written and round-trips", () => {
  const out = formatSource(GOOD, "app.kova");
  assert.deepEqual(out.diagnostics, []);
  assert.equal(out.text, GOOD);
});

test("IR: has() lowers to a has node on the object with the key", () => {
  const result = checkText(GOOD, "app.kova");
  const app = lower(result.programs[0].model, { name: "app" });
  const route = app.entryPoints[0];
  const ifStmt = route.body[0];
  assert.equal(ifStmt.kind, "if");
  if (ifStmt.kind !== "if") return;
  const condition = ifStmt.branches[0].condition;
  assert.deepEqual(condition.kind === "binary" ? condition.left : null, {
    kind: "has",
    object: { kind: "input", from: "body", name: null },
    key: { kind: "literal", value: "bio" },
  });
});
