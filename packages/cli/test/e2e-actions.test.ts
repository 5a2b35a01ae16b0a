// End-to-end: an ACTION over HTTP, from a client of a real server process on the embedded store.
// Its steps are one unit (a failing step keeps nothing, and its problem names the step), its
// inputs are checked and loaded (400 and 404 naming the input), it is callable from an endpoint
// and from a task, and its EMIT reaches the event's ON handler once after the commit — which
// BROADCASTs to a room a client streams — and never for a rolled-back action.
import { test } from "node:test";
import assert from "node:assert/strict";
import { build, delay, request, startServer, tempApp, until } from "./e2e/harness.js";

const PROGRAM = `ENTITY Order {
  item: text
  status: text DEFAULT "open"
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

ACTION ship(order: Order, code: text(min: 3)) {
  IF order.status != "open" {
    ERROR 409 "order {order.id} is {order.status}"
  }
  shipped = UPDATE Order SET status = "shipped", tracking = code WHERE id = order.id
  EMIT order_shipped { order: order.id, tracking: code }
  stock = UPDATE Stock SET quantity = quantity - 1 WHERE item = order.item
  IF stock IS NULL OR stock.quantity < 0 {
    ERROR 409 "no {order.item} left"
  }
  RETURN shipped
}

ON order_shipped {
  INSERT INTO Notice { order: event.order, message: "shipped with {event.tracking}" }
  BROADCAST TO shipments { order: event.order, tracking: event.tracking }
}

TASK ship_later(order: int, code: text) {
  ship(order, code)
}

VALIDATE NewOrder {
  item: text
}

VALIDATE NewStock {
  item: text
  quantity: int
}

VALIDATE Shipping {
  code: text
}

POST /orders VALIDATE NewOrder {
  RESPOND 201 INSERT INTO Order $body
}

POST /stock VALIDATE NewStock {
  RESPOND 201 INSERT INTO Stock $body
}

POST /orders/:id(int)/ship VALIDATE Shipping {
  RESPOND ship($id, $body.code)
}

POST /orders/:id(int)/ship-later VALIDATE Shipping {
  ENQUEUE ship_later($id, $body.code)
  RESPOND 202 { queued: true }
}

GET /orders/:id(int) {
  RESPOND SELECT * FROM Order WHERE id = $id
}

GET /stock/:item {
  RESPOND SELECT * FROM Stock WHERE item = $item
}

GET /notices {
  RESPOND SELECT order, message FROM Notice ORDER_BY id
}

GET /shipments {
  STREAM shipments
}
`;

const FAST = { KOVA_TASKS_POLL_MS: "50" };

test("ACTION over HTTP: one unit, named failing step, checked inputs, EMIT handled once after the commit", async (t) => {
  const dir = tempApp(t, { "app.kova": PROGRAM });
  await build(dir);
  const server = await startServer(t, dir, { port: 5541, env: FAST });
  const post = (path: string, json: unknown) => request(`${server.url}${path}`, { method: "POST", json });
  const notices = async () => (await request(`${server.url}/notices`)).body as Array<{ order: number; message: string }>;

  // Someone watching the room the handler broadcasts to (server-sent events).
  const controller = new AbortController();
  t.after(() => controller.abort());
  const stream = await fetch(`${server.url}/shipments`, { signal: controller.signal });
  assert.equal(stream.status, 200);
  const reader = stream.body!.getReader();
  let streamed = "";
  void (async () => {
    for (;;) {
      const { value, done } = await reader.read().catch(() => ({ value: undefined, done: true }));
      if (done) return;
      streamed += new TextDecoder().decode(value);
    }
  })();

  assert.equal((await post("/stock", { item: "lamp", quantity: 1 })).status, 201);
  const lamp = (await post("/orders", { item: "lamp" })).body;
  const shipped = await post(`/orders/${lamp.id}/ship`, { code: "TRK-100" });
  assert.equal(shipped.status, 200, JSON.stringify(shipped.body));
  assert.deepEqual([shipped.body.status, shipped.body.tracking], ["shipped", "TRK-100"]);
  assert.equal((await request(`${server.url}/stock/lamp`)).body.quantity, 0);

  // Again: step 1 refuses it (409), and the problem names the step.
  const again = await post(`/orders/${lamp.id}/ship`, { code: "TRK-101" });
  assert.equal(again.status, 409);
  assert.deepEqual(again.body.action, { name: "ship", step: 1, at: "app.kova:23:3" });

  // Out of stock: steps 2–4 ran, step 5 fails; nothing of it is kept, and its EMIT is not delivered.
  const second = (await post("/orders", { item: "lamp" })).body;
  const empty = await post(`/orders/${second.id}/ship`, { code: "TRK-102" });
  assert.equal(empty.status, 409);
  assert.equal(empty.body.detail, "no lamp left");
  assert.deepEqual(empty.body.action, { name: "ship", step: 5, at: "app.kova:29:3" });
  assert.deepEqual([(await request(`${server.url}/orders/${second.id}`)).body.status, (await request(`${server.url}/orders/${second.id}`)).body.tracking], ["open", null]);
  assert.equal((await request(`${server.url}/stock/lamp`)).body.quantity, 0);

  // Inputs: checked as a VALIDATE shape's fields, and loaded by id.
  const short = await post(`/orders/${second.id}/ship`, { code: "T" });
  assert.equal(short.status, 400);
  assert.equal(short.body.errors[0].field, "code");
  const missing = await post(`/orders/424242/ship`, { code: "TRK-103" });
  assert.equal(missing.status, 404);
  assert.match(missing.body.detail, /no Order with id 424242 \(input 'order' of ACTION ship\)/);

  // From a task: the job runs the action in its own transaction.
  assert.equal((await post("/stock", { item: "desk", quantity: 5 })).status, 201);
  const desk = (await post("/orders", { item: "desk" })).body;
  assert.equal((await post(`/orders/${desk.id}/ship-later`, { code: "TRK-200" })).status, 202);
  await until(async () => (await request(`${server.url}/orders/${desk.id}`)).body.status, (s) => s === "shipped");
  assert.equal((await request(`${server.url}/stock/desk`)).body.quantity, 4);

  // Each committed EMIT ran the handler once; the rolled-back one never did.
  await until(notices, (n) => n.length >= 2);
  await delay(500);
  assert.deepEqual((await notices()).map((n) => ({ order: n.order, message: n.message })), [
    { order: lamp.id, message: "shipped with TRK-100" },
    { order: desk.id, message: "shipped with TRK-200" },
  ]);
  await until(async () => streamed, (s) => s.includes("TRK-200"));
  assert.ok(streamed.includes(`"tracking":"TRK-100"`), streamed);
  assert.ok(!streamed.includes("TRK-102"), "no broadcast for the rolled-back action");
});
