// ACTION, EVENT, EMIT and ON event in the compiler: what the checker refuses (KV2950–KV2955, a
// wrong input), what the IR says (inputs, loads, steps, the caller's writes, the event's source,
// the handler's trigger), what the JS back end prints, what a build refuses (KV2956), and that the
// formatter keeps the new forms as written.
import assert from "node:assert/strict";
import { test } from "node:test";
import { checkText, checkWithDrivers, Codes, emitApp, formatSource, lower, type Diagnostic } from "../src/index.js";

function check(text: string): Diagnostic[] {
  return checkText(text, "/app/app.kova", { readFile: () => undefined }).diagnostics;
}

function lowered(text: string) {
  const result = checkText(text, "/app/app.kova", { readFile: () => undefined });
  assert.deepEqual(result.diagnostics.map((d) => `${d.code} ${d.message}`), []);
  return lower(result.programs[0].model, { name: "app" });
}

const SHOP = `ENTITY Order {
  item: text
  status: text DEFAULT "open"
  tracking: text?
}

ENTITY Notice {
  order: int
  message: text
}

EVENT order_shipped {
  order: int
  tracking: text
  note: text?
}

ACTION ship(order: Order, code: text(min: 3)) {
  IF order.status != "open" {
    ERROR 409 "order {order.id} is {order.status}"
  }
  shipped = UPDATE Order SET status = "shipped", tracking = code WHERE id = order.id
  EMIT order_shipped { order: order.id, tracking: code }
  RETURN shipped
}

VALIDATE Shipping {
  code: text
}

POST /orders/:id(int)/ship VALIDATE Shipping {
  RESPOND ship($id, $body.code)
}

GET /orders/:id(int) {
  RESPOND SELECT * FROM Order WHERE id = $id
}

ON order_shipped WITH { attempts: 2 } {
  INSERT INTO Notice { order: event.order, message: "shipped with {event.tracking}" }
}
`;

test("the IR: an action's inputs and loads, the caller's writes, the event and its handler", () => {
  const app = lowered(SHOP);
  const ship = app.functions.find((f) => f.name === "ship")!;
  assert.deepEqual(ship.params, ["order", "code"]);
  assert.deepEqual(ship.action?.inputs, [{ name: "code", type: { name: "text", args: [], options: { min: 3 }, fields: [], array: false, optional: false } }]);
  assert.deepEqual(ship.action?.loads.map((l) => [l.param, l.entity, l.optional, l.load.kind]), [["order", "Order", false, "query"]]);
  const load = ship.action!.loads[0].load as { kind: "query"; query: string };
  const plan = app.queries.find((q) => q.id === load.query)!.plan as unknown as { kind: string; single?: boolean };
  assert.deepEqual([plan.kind, plan.single], ["select", true], "an input is loaded as one row by id");
  assert.equal(ship.body.length, 4, "four steps");
  assert.deepEqual(ship.body[2], { kind: "emit", event: "order_shipped", source: "default", payload: ship.body[2].kind === "emit" ? ship.body[2].payload : null, span: ship.body[2].span });
  const route = app.entryPoints.find((r) => r.id === "POST /orders/:id/ship")!;
  assert.deepEqual(route.writes, ["default"], "the action's writes make the endpoint transactional");
  assert.deepEqual(app.entryPoints.find((r) => r.id === "GET /orders/:id")!.writes, []);
  assert.deepEqual(app.events?.map((e) => [e.name, e.fields.map((f) => f.name), e.source]), [["order_shipped", ["order", "tracking", "note"], "default"]]);
  assert.deepEqual(app.tasks.map((t) => [t.name, t.params, t.trigger, t.attempts, t.writes]), [["on_order_shipped", ["event"], { kind: "event", event: "order_shipped" }, 2, ["default"]]]);
});

test("the JS back end: input check, load by id, numbered steps, EMIT through the driver, events in the definition", () => {
  const app = lowered(SHOP);
  const compiled = new Map(app.queries.map((q) => [q.id, { sql: `-- ${q.id}` } as never]));
  const code = emitApp(app, compiled, { sourcePath: () => "app.kova", sourceText: () => SHOP, moduleSpecifier: (_f, m) => m, outputFile: "/app/dist/app.js" }).code;
  assert.match(code, /async function kf_ship\(ctx, v_order, v_code\)/);
  assert.match(code, /const issues = validate_ACTION_ship\(\{ "code": v_code \}, "", \[\]\);/);
  assert.match(code, /if \(found == null\) throw actionNotFound\("ship", "order", "Order", v_order\);/);
  assert.match(code, /const steps = \["app\.kova:19:3","app\.kova:22:3","app\.kova:23:3","app\.kova:24:3"\];/);
  assert.match(code, /step = 3;\n\s*await ctx\.db\("default"\)\.emit\("order_shipped", \{ "order": /);
  assert.match(code, /throw actionStepFailed\(error, "ship", step, steps\);/);
  assert.match(code, /events: \["order_shipped"\],/);
  assert.match(code, /trigger: \{"kind":"event","event":"order_shipped"\}/);
});

test("checker findings: EMIT outside an action, unknown event and fields, missing field, wrong type, not a literal", () => {
  const codes = (text: string) => check(`EVENT order_shipped {\n  order: int\n  tracking: text\n}\n${text}`).map((d) => d.code);
  assert.deepEqual(codes(`POST /x {\n  EMIT order_shipped { order: 1, tracking: "t" }\n  RESPOND 204\n}`), ["KV2950"]);
  assert.deepEqual(codes(`FN f() {\n  EMIT order_shipped { order: 1, tracking: "t" }\n}`), ["KV2950"]);
  assert.deepEqual(codes(`TASK t EVERY 1m {\n  EMIT order_shipped { order: 1, tracking: "t" }\n}`), ["KV2950"]);
  assert.deepEqual(codes(`ACTION a() {\n  EMIT order_shiped { order: 1, tracking: "t" }\n}`), ["KV2951"]);
  assert.deepEqual(codes(`ACTION a() {\n  EMIT order_shipped { order: 1, trackin: "t" }\n}`), ["KV2953", "KV2952"]);
  assert.deepEqual(codes(`ACTION a() {\n  EMIT order_shipped { order: "one", tracking: 2 }\n}`), ["KV2954", "KV2954"]);
  assert.deepEqual(codes(`ACTION a(p: json) {\n  EMIT order_shipped p\n}`), ["KV2955"]);
  assert.deepEqual(codes(`ACTION a(order: int) {\n  EMIT order_shipped { order, tracking: "t" }\n}`), [], "shorthand fields");
  const unknown = check(`EVENT order_shipped {\n  order: int\n}\nACTION a() {\n  EMIT order_shiped { order: 1 }\n}`);
  assert.equal(unknown[0].suggestion, "did you mean 'order_shipped'?");
  const field = check(`EVENT order_shipped {\n  order: int\n  tracking: text\n}\nACTION a() {\n  EMIT order_shipped { order: 1, trackin: "t" }\n}`);
  assert.ok(field.some((d) => d.code === "KV2952" && d.suggestion === "did you mean 'tracking'?"), JSON.stringify(field));
});

test("checker findings: ON of an undeclared event or of an entity's name, two handlers, a name taken", () => {
  const base = `ENTITY Order {\n  item: text\n}\nEVENT order_shipped {\n  order: int\n}\n`;
  const codes = (text: string) => check(base + text).map((d) => d.code);
  assert.deepEqual(codes(`ON order_shiped {\n  _x = 1\n}`), ["KV2951"]);
  const entity = check(`${base}ON Order {\n  _x = 1\n}`);
  assert.ok(/is an ENTITY: write ON INSERT Order/.test(entity[0]?.message ?? ""), JSON.stringify(entity));
  assert.deepEqual(codes(`ON order_shipped {\n  _x = 1\n}\nON order_shipped {\n  _y = 1\n}`), ["KV2501"]);
  assert.deepEqual(codes(`EVENT Order {\n  x: int\n}`), [Codes.DuplicateDeclaration.code], "an entity's name is taken");
});

test("calls: an entity input takes an id or a row of that entity; other inputs are typed as VALIDATE fields", () => {
  const base = `ENTITY Order {\n  item: text\n}\nENTITY User {\n  name: text\n}\nACTION touch(order: Order, note: text(min: 2)) {\n  UPDATE Order SET item = note WHERE id = order.id\n}\n`;
  const codes = (text: string) => check(base + text).map((d) => d.code);
  assert.deepEqual(codes(`POST /a/:id(int) {\n  touch($id, "ok")\n  RESPOND 204\n}`), []);
  assert.deepEqual(codes(`POST /b/:id(int) {\n  o = SELECT * FROM Order WHERE id = $id\n  touch(o, "ok")\n  RESPOND 204\n}`), []);
  assert.deepEqual(codes(`POST /c/:id(int) {\n  u = SELECT * FROM User WHERE id = $id\n  touch(u, "ok")\n  RESPOND 204\n}`), ["KV3002"]);
  assert.deepEqual(codes(`POST /d {\n  touch(1, 2)\n  RESPOND 204\n}`), ["KV3002"]);
  assert.deepEqual(codes(`ACTION bad(x: text(mni: 2)) {\n  RETURN x\n}`).length, 1, "an unknown option of an input's type");
});

test("a build refuses EMIT where the first data source keeps no change outbox (KV2956)", async () => {
  const text = `CONNECT db USING cockroach(env("DATABASE_URL"))

ENTITY Order USING db {
  status: text
}

EVENT order_closed {
  order: int
}

ACTION close(order: Order) {
  UPDATE Order SET status = "closed" WHERE id = order.id
  EMIT order_closed { order: order.id }
}
`;
  const result = await checkWithDrivers(["/app/app.kova"], { readFile: (p) => (p === "/app/app.kova" ? text : undefined), readSource: (p) => (p === "/app/app.kova" ? { text } : undefined) });
  const found = result.diagnostics.filter((d) => d.code === "KV2956");
  assert.equal(found.length, 1, JSON.stringify(result.diagnostics));
  assert.match(found[0].message, /EMIT order_closed: events are recorded in the program's first data source, 'db' \(cockroach\)/);
});

test("the formatter prints ACTION, EVENT, EMIT and ON event back as they are written", () => {
  const first = formatSource(SHOP, "app.kova");
  assert.deepEqual(first.diagnostics, []);
  for (const line of ["ACTION ship(order: Order, code: text(min: 3)) {", "EVENT order_shipped {", "  EMIT order_shipped { order: order.id, tracking: code }", "ON order_shipped WITH "]) {
    assert.ok(first.text.includes(line), `${line}\n---\n${first.text}`);
  }
  assert.equal(formatSource(first.text, "app.kova").text, first.text, "formatting is stable");
});
