// ACTION … IN DATABASE in the compiler: the parser and formatter keep it, the IR marks the action,
// the PL/pgSQL back end (emit/plpgsql) makes one function per action from the statements the
// PostgreSQL dialect compiled (history in the same statement, EMIT in the outbox, the step in the
// hint), named with a hash of its body, and the build refuses what it cannot run (KV2915–KV2917),
// naming the step and saying to remove IN DATABASE. The behaviour against a real database is the
// differential e2e test's (packages/cli/test/e2e-actions-in-database.test.ts).
import assert from "node:assert/strict";
import { test } from "node:test";
import { checkText, checkWithDrivers, compilePlans, formatSource, loadDialects, lower, type Diagnostic } from "../src/index.js";

const SHIP = (body: string) => `CONNECT db USING postgres(env("DATABASE_URL"))

ENTITY Order USING db {
  item: text
  status: text DEFAULT "open"
}

EVENT order_shipped {
  order: int
}

ACTION ship(order: Order, code: text) IN DATABASE {
${body}
}
`;

const BODY = `  IF order.status != "open" {
    ERROR 409 "order {order.id} is {order.status}"
  }
  shipped = UPDATE Order SET status = "shipped" WHERE id = order.id
  EMIT order_shipped { order: order.id }
  RETURN shipped`;

async function routines(text: string) {
  const result = checkText(text, "/app/app.kova", { readFile: () => undefined });
  assert.deepEqual(result.diagnostics.map((d) => `${d.code} ${d.message}`), []);
  const app = lower(result.programs[0].model, { name: "app" });
  const { dialects } = await loadDialects(app.dataSources.map((s) => s.driver));
  const plans = compilePlans(app, dialects);
  return { app, plans };
}

async function refusals(text: string): Promise<Diagnostic[]> {
  const host = { readFile: (p: string) => (p === "/app/app.kova" ? text : undefined), readSource: (p: string) => (p === "/app/app.kova" ? { text } : undefined) };
  return (await checkWithDrivers(["/app/app.kova"], host)).diagnostics;
}

test("IN DATABASE is parsed, kept by the formatter and marked in the IR", async () => {
  const formatted = formatSource(SHIP(BODY), "app.kova");
  assert.deepEqual(formatted.diagnostics, []);
  assert.ok(formatted.text.includes("ACTION ship(order: Order, code: text) IN DATABASE {"), formatted.text);
  const { app } = await routines(SHIP(BODY));
  assert.equal(app.functions.find((f) => f.name === "ship")?.action?.inDatabase, true);
});

test("the PL/pgSQL function runs the compiled statements, records the EMIT in the outbox and names the failing step", async () => {
  const { plans } = await routines(SHIP(BODY));
  assert.deepEqual(plans.diagnostics, []);
  const routine = plans.routines.get("ship")!;
  assert.equal(routine.source, "db");
  assert.match(routine.name, /^kova_action_ship_[0-9a-f]{16}$/);
  const ddl = routine.ddl;
  assert.ok(ddl.startsWith(`CREATE OR REPLACE FUNCTION "${routine.name}"(kova_args jsonb) RETURNS jsonb LANGUAGE plpgsql AS $kova$`), ddl);
  // The same UPDATE the JS form runs, with its history row in the same statement.
  assert.match(ddl, /FOR kova_row IN EXECUTE 'WITH "__kova_w" AS \(UPDATE "order" SET/);
  assert.match(ddl, /INSERT INTO "order__history"/);
  assert.match(ddl, /INSERT INTO _kova_changes \(tx, entity, record_id, op, version, at, before, after\) VALUES \(txid_current\(\), 'order_shipped', '', 'emit'/);
  assert.match(ddl, /RAISE EXCEPTION USING ERRCODE = 'KV409'/);
  assert.match(ddl, /HINT = 'kova step ' \|\| kova_step/);
  assert.equal((ddl.match(/kova_step := \d+;/g) ?? []).length, 4, "one marker per step");
  // Request values never reach the SQL text: they are bound with USING.
  assert.doesNotMatch(ddl, /\$body/);
});

test("the function's name follows its body: unchanged, the same name; changed, a new one", async () => {
  const first = (await routines(SHIP(BODY))).plans.routines.get("ship")!.name;
  const again = (await routines(SHIP(BODY))).plans.routines.get("ship")!.name;
  const changed = (await routines(SHIP(BODY.replace('"shipped"', '"sent"')))).plans.routines.get("ship")!.name;
  assert.equal(again, first);
  assert.notEqual(changed, first);
});

test("IN DATABASE off PostgreSQL is refused (KV2915)", async () => {
  const text = SHIP(BODY).replace(`CONNECT db USING postgres(env("DATABASE_URL"))\n`, "").replace(" USING db", "");
  const found = (await refusals(text)).filter((d) => d.code === "KV2915");
  assert.equal(found.length, 1);
  assert.match(found[0].message, /ACTION ship IN DATABASE runs as a PL\/pgSQL function, and it would run on data source '\w+' \(embedded\)/);
  assert.equal(found[0].suggestion, "remove IN DATABASE to run the action in JavaScript");
});

test("a step the function cannot run is refused at that step (KV2916)", async () => {
  const cases: Array<[string, RegExp]> = [
    [`  shipped = UPDATE Order SET status = upper(code) WHERE id = order.id`, /step 1 of ACTION ship IN DATABASE uses the built-in upper\(\)/],
    [`  x = 1\n  shipped = SELECT * FROM Order WHERE status = "open" ORDER_BY item LIMIT 5 WITH TOTAL`, /step 2 .* uses a shaped, paged, related or AS OF SELECT of Order/],
    [`  n = helper(1)`, /step 1 .* uses a call of helper\(\)/],
  ];
  for (const [body, message] of cases) {
    const text = `${SHIP(body)}\nFN helper(x: int) {\n  RETURN x\n}\n`;
    const found = (await refusals(text)).filter((d) => d.code === "KV2916");
    assert.equal(found.length, 1, `${body}: ${JSON.stringify(await refusals(text))}`);
    assert.match(found[0].message, message);
    assert.equal(found[0].span.start.line, 13 + body.split("\n").length - 1, "the diagnostic points at the step");
  }
});

test("an action using two data sources is refused (KV2917)", async () => {
  const text = `CONNECT main USING postgres(env("A"))
CONNECT other USING postgres(env("B"))

ENTITY Order USING main {
  status: text
}

ENTITY Trail USING other {
  note: text
}

ACTION close(order: Order) IN DATABASE {
  UPDATE Order SET status = "closed" WHERE id = order.id
  INSERT INTO Trail { note: "closed" }
}
`;
  const found = (await refusals(text)).filter((d) => d.code === "KV2917");
  assert.equal(found.length, 1);
  assert.match(found[0].message, /uses 'main' and 'other'/);
});
