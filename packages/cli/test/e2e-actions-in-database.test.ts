// Differential: the same ACTIONs run once in JavaScript and once IN DATABASE (one PL/pgSQL
// function each) on real PostgreSQL, each in a schema of its own, through the same requests. Every
// response (status and body), the resulting rows, their history rows and the outbox (change events
// of the writes and the EMITs) must be the same; the ON handler of the EMIT must run in both.
// Also: kova sql and kova migrate write the functions, and a changed body migrates as a new one.
import { test, type TestContext } from "node:test";
import assert from "node:assert/strict";
import { readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { build, kovaSync, request, startServer, tempApp, until } from "./e2e/harness.js";
import { PG_URL, pgTestSchema, type PgSchema } from "./e2e/pg-schema.js";

const program = (schema: string, inDatabase: boolean) => {
  const mode = inDatabase ? " IN DATABASE" : "";
  return `CONNECT db USING postgres({ url: env("PG_URL"), schema: "${schema}" })

ENTITY Order {
  item: text
  status: text DEFAULT "open"
  quantity: int DEFAULT 1
  tracking: text?
}

ENTITY Stock {
  item: text UNIQUE
  quantity: int
}

ENTITY Notice {
  order: int
  message: text
}

EVENT order_shipped {
  order: int
  tracking: text
}

EVENT stock_added {
  item: text
}

ACTION ship(order: Order, code: text(min: 3))${mode} {
  IF order.status != "open" {
    ERROR 409 "order {order.id} is {order.status}"
  }
  shipped = UPDATE Order SET status = "shipped", tracking = code WHERE id = order.id
  EMIT order_shipped { order: order.id, tracking: code }
  stock = UPDATE Stock SET quantity = quantity - order.quantity WHERE item = order.item
  IF stock IS NULL OR stock.quantity < 0 {
    ERROR 409 "no {order.item} left"
  }
  RETURN { order: shipped, left: stock.quantity }
}

ACTION restock(items: text[], quantity: int(min: 1))${mode} {
  added = 0
  FOR item IN items {
    INSERT INTO Stock { item: item, quantity: quantity }
    EMIT stock_added { item: item }
    added = added + 1
  }
  RETURN { added: added, note: "restocked " + added + " items" }
}

ACTION open_order(item: text, quantity: int)${mode} {
  order = INSERT INTO Order { item: item, quantity: quantity }
  IF quantity > 2 {
    UPDATE Order SET status = "large" WHERE id = order.id
  } ELSE IF quantity == 2 {
    UPDATE Order SET tracking = "pair" WHERE id = order.id
  } ELSE {
    UPDATE Order SET tracking = NULL WHERE id = order.id
  }
  RETURN SELECT * FROM Order WHERE id = order.id
}

ACTION cancel(order: Order)${mode} {
  DELETE FROM Order WHERE id = order.id
  RETURN { cancelled: order.id, was: order.status }
}

ON order_shipped {
  INSERT INTO Notice { order: event.order, message: "shipped with {event.tracking}" }
}

VALIDATE Restock {
  items: text[]
  quantity: int
}

VALIDATE NewOrder {
  item: text
  quantity: int
}

POST /stock VALIDATE Restock {
  RESPOND 201 restock($body.items, $body.quantity)
}

POST /orders VALIDATE NewOrder {
  RESPOND 201 open_order($body.item, $body.quantity)
}

POST /orders/:id(int)/ship {
  RESPOND ship($id, $body.code)
}

DELETE /orders/:id(int) {
  RESPOND cancel($id)
}

GET /notices {
  RESPOND SELECT order, message FROM Notice ORDER_BY id
}
`;
};

/** Every request of the script, in order: successes, refused inputs, failing steps. */
const SCRIPT: Array<{ method: string; path: string; json?: unknown }> = [
  { method: "POST", path: "/stock", json: { items: ["lamp", "desk"], quantity: 2 } },
  { method: "POST", path: "/stock", json: { items: ["chair", "lamp"], quantity: 1 } }, // a UNIQUE violation in the loop's 2nd round: nothing kept
  { method: "POST", path: "/stock", json: { items: ["chair"], quantity: 0 } }, // input refused (400 naming quantity)
  { method: "POST", path: "/orders", json: { item: "lamp", quantity: 1 } },
  { method: "POST", path: "/orders", json: { item: "desk", quantity: 2 } },
  { method: "POST", path: "/orders", json: { item: "lamp", quantity: 3 } },
  { method: "POST", path: "/orders", json: { item: "lamp", quantity: 2 } },
  { method: "POST", path: "/orders/1/ship", json: { code: "TRK-1" } },
  { method: "POST", path: "/orders/1/ship", json: { code: "TRK-2" } }, // step 1 refuses: already shipped
  { method: "POST", path: "/orders/4/ship", json: { code: "TRK-3" } }, // step 5 fails after steps 2–4 wrote and emitted
  { method: "POST", path: "/orders/3/ship", json: { code: "TRK-4" } }, // step 1 refuses: a large order
  { method: "POST", path: "/orders/2/ship", json: { code: "T" } }, // input refused
  { method: "POST", path: "/orders/77/ship", json: { code: "TRK-5" } }, // unknown entity input: 404
  { method: "POST", path: "/orders/2/ship", json: { code: "TRK-6" } },
  { method: "DELETE", path: "/orders/3" },
  { method: "DELETE", path: "/orders/3" },
];

interface Outcome {
  responses: unknown[];
  tables: Record<string, unknown[]>;
  notices: unknown;
}

async function run(t: TestContext, schema: PgSchema, inDatabase: boolean): Promise<Outcome> {
  const dir = tempApp(t, { "app.kova": program(schema.name, inDatabase) });
  await build(dir);
  const server = await startServer(t, dir, { env: { PG_URL } });
  const responses: unknown[] = [];
  for (const step of SCRIPT) {
    const response = await request(`${server.url}${step.path}`, { method: step.method, ...(step.json === undefined ? {} : { json: step.json }) });
    const { requestId: _requestId, ...body } = (response.body ?? {}) as Record<string, unknown>;
    responses.push({ request: `${step.method} ${step.path}`, status: response.status, body });
  }
  // The ON handler ran once for each committed EMIT (orders 1 and 2), never for the rolled-back one.
  const notices = (await until(async () => (await request(`${server.url}/notices`)).body as unknown[], (rows) => rows.length >= 2)) as unknown[];
  const q = (sql: string) => schema.client.query(sql).then((r) => r.rows);
  const s = `"${schema.name}"`;
  const tables = {
    orders: await q(`SELECT * FROM ${s}."order" ORDER BY id`),
    stock: await q(`SELECT * FROM ${s}."stock" ORDER BY id`),
    orderHistory: await q(`SELECT id, op, data FROM ${s}."order__history" ORDER BY version`),
    stockHistory: await q(`SELECT id, op, data FROM ${s}."stock__history" ORDER BY version`),
    outbox: await q(`SELECT entity, record_id, op, before, after FROM ${s}."_kova_changes" WHERE entity <> 'Notice' ORDER BY seq`),
    routines: await q(`SELECT proname FROM pg_proc WHERE pronamespace = '${schema.name}'::regnamespace AND proname LIKE 'kova_action_%' ORDER BY proname`),
  };
  return { responses, tables, notices };
}

test("ACTION … IN DATABASE answers, writes, versions and emits exactly as the JS form (differential, PostgreSQL)", async (t) => {
  const jsSchema = await pgTestSchema(t, "act_js");
  const dbSchema = await pgTestSchema(t, "act_db");
  if (jsSchema === undefined || dbSchema === undefined) return;
  const js = await run(t, jsSchema, false);
  const db = await run(t, dbSchema, true);

  // The IN DATABASE app made its four functions; the JS one none.
  assert.equal(js.tables.routines.length, 0);
  assert.deepEqual((db.tables.routines as Array<{ proname: string }>).map((r) => r.proname.replace(/_[0-9a-f]{16}$/, "")), ["kova_action_cancel", "kova_action_open_order", "kova_action_restock", "kova_action_ship"]);
  delete (js.tables as Record<string, unknown>).routines;
  delete (db.tables as Record<string, unknown>).routines;

  js.responses.forEach((expected, i) => assert.deepEqual(db.responses[i], expected, `response ${i + 1} (${SCRIPT[i].method} ${SCRIPT[i].path})`));
  assert.deepEqual(db.tables, js.tables);
  assert.deepEqual(db.notices, js.notices);

  // What the script promises, so the two forms do not merely agree on doing nothing.
  const statuses = js.responses.map((r) => (r as { status: number }).status);
  assert.deepEqual(statuses, [201, 409, 400, 201, 201, 201, 201, 200, 409, 409, 409, 400, 404, 200, 200, 404]);
  const failed = js.responses[9] as { body: { detail: string; action: unknown } };
  assert.deepEqual([failed.body.detail, failed.body.action], ["no lamp left", { name: "ship", step: 5, at: "app.kova:36:3" }]);
  const duplicate = js.responses[1] as { body: { errors: Array<{ field: string }>; action: { step: number } } };
  assert.deepEqual([duplicate.body.errors[0].field, duplicate.body.action.step], ["item", 2]);
  const shipped = js.responses[7] as { body: { order: { status: string; tracking: string }; left: number } };
  assert.deepEqual([shipped.body.order.status, shipped.body.order.tracking, shipped.body.left], ["shipped", "TRK-1", 1]);
  assert.equal((js.tables.stockHistory as unknown[]).length > 0 && (js.tables.orderHistory as unknown[]).length > 0, true);
  assert.deepEqual(
    (js.tables.outbox as Array<{ entity: string; op: string }>).filter((e) => e.op === "emit").map((e) => e.entity),
    ["stock_added", "stock_added", "order_shipped", "order_shipped"],
  );
  assert.deepEqual(js.notices, [
    { id: 1, order: 1, message: "shipped with TRK-1" },
    { id: 2, order: 2, message: "shipped with TRK-6" },
  ]);
});

test("kova sql prints each action's function, kova migrate writes it once (again when its body changes), and apply creates it", async (t) => {
  const schema = await pgTestSchema(t, "act_mig");
  if (schema === undefined) return;
  const dir = tempApp(t, { "app.kova": program(schema.name, true) });
  process.env.PG_URL = PG_URL;

  const sql = kovaSync(["sql", dir]);
  assert.equal(sql.status, 0, sql.stderr);
  const functions = [...sql.stdout.matchAll(/CREATE OR REPLACE FUNCTION "(kova_action_\w+)"\(kova_args jsonb\)/g)].map((m) => m[1]);
  assert.deepEqual(functions.map((f) => f.replace(/_[0-9a-f]{16}$/, "")), ["kova_action_ship", "kova_action_restock", "kova_action_open_order", "kova_action_cancel"]);

  assert.equal(kovaSync(["migrate", dir, "--name", "init"]).status, 0);
  assert.match(kovaSync(["migrate", dir]).stdout, /db: no changes since the last migration/);
  const apply = kovaSync(["migrate", "apply", dir]);
  assert.equal(apply.status, 0, apply.stderr);
  const made = await schema.client.query(`SELECT proname FROM pg_proc WHERE pronamespace = '${schema.name}'::regnamespace AND proname LIKE 'kova_action_%' ORDER BY proname`);
  assert.deepEqual(made.rows.map((r: { proname: string }) => r.proname).sort(), [...functions].sort());

  // A changed body is a new function: the next migration creates it (and only it).
  writeFileSync(join(dir, "app.kova"), program(schema.name, true).replace(`"restocked " + added + " items"`, `"restocked " + added + " item(s)"`));
  const next = kovaSync(["migrate", dir, "--name", "restock_note"]);
  assert.equal(next.status, 0, next.stderr);
  const files = readdirSync(join(dir, "migrations", "db")).filter((f) => f.endsWith("_restock_note.sql"));
  const text = readFileSync(join(dir, "migrations", "db", files[0]), "utf8");
  assert.deepEqual([...text.matchAll(/CREATE OR REPLACE FUNCTION "(kova_action_[a-z_]+)_[0-9a-f]{16}"/g)].map((m) => m[1]), ["kova_action_restock"]);
});
