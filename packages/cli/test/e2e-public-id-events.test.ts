// End-to-end: change events of PUBLIC ID entities, and of entities referring to one, reach ON
// handlers as every response shows records (docs/entities.md, "Public identifiers"): the event's
// `id` and its rows' `id` are the public id, a reference is the referenced record's public id, and
// `WHERE id = event.id` in a handler finds the record. The integer key never reaches the program.
import { test } from "node:test";
import assert from "node:assert/strict";
import { build, request, startServer, tempApp, until } from "./e2e/harness.js";

const PROGRAM = `
ENTITY Customer PUBLIC ID uuid {
  name: text
}

ENTITY Order {
  item: text
  customer: Customer
}

ENTITY Log {
  what: text
  payload: json?
}

ON UPDATE Customer {
  now = SELECT name FROM Customer WHERE id = event.id
  INSERT INTO Log { what: "customer {event.id}: {event.before.name} -> {now.name}", payload: event }
}

ON INSERT Order {
  INSERT INTO Log { what: "order {event.id} for {event.after.customer}", payload: event }
}

POST /customers { RESPOND 201 INSERT INTO Customer $body }
PATCH /customers/:id { RESPOND UPDATE Customer SET name = $body.name WHERE id = $id }
POST /orders { RESPOND 201 INSERT INTO Order $body }
GET /logs { RESPOND SELECT what, payload FROM Log ORDER_BY id }
`;

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

test("ON handlers see public ids: the event's id, its rows and their references; WHERE id = event.id finds the record", async (t) => {
  const dir = tempApp(t, { "app.kova": PROGRAM });
  await build(dir);
  const server = await startServer(t, dir, { env: { KOVA_TASKS_POLL_MS: "50" } });
  const ada = (await request(`${server.url}/customers`, { method: "POST", json: { name: "Ada" } })).body;
  assert.match(ada.id, UUID);
  const order = await request(`${server.url}/orders`, { method: "POST", json: { item: "book", customer: ada.id } });
  assert.equal(order.status, 201, order.text);
  assert.equal((await request(`${server.url}/customers/${ada.id}`, { method: "PATCH", json: { name: "Ada L." } })).status, 200);
  const logs = await until(async () => (await request(`${server.url}/logs`)).body as Array<{ what: string; payload: any }>, (l) => l.length >= 2);
  const whats = logs.map((l) => l.what).sort();
  assert.deepEqual(whats, [`customer ${ada.id}: Ada -> Ada L.`, `order ${order.body.id} for ${ada.id}`]);
  const update = logs.find((l) => l.what.startsWith("customer"))!.payload;
  assert.equal(update.id, ada.id);
  assert.deepEqual(update.before, { id: ada.id, name: "Ada" });
  assert.deepEqual(update.after, { id: ada.id, name: "Ada L." });
  const insert = logs.find((l) => l.what.startsWith("order"))!.payload;
  assert.deepEqual(insert.after, { id: order.body.id, item: "book", customer: ada.id });
  assert.doesNotMatch(JSON.stringify(logs), /public_id/);
});
