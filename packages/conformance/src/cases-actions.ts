/**
 * Actions and events (issue 21, item 5): an ACTION's steps are one unit on every driver with a
 * change outbox — all kept, or none when a step fails — and its EMIT is recorded in the same
 * transaction, so the event's ON handler runs once after the commit and never for a rolled-back
 * action. Seen over HTTP: the handler logs each event it gets into an entity of its own. (Entity
 * and event names are the cases' own: every program of a target shares one database.)
 */
import { Mismatch, type Case } from "./cases.js";
import { withoutOutbox } from "./cases-changes.js";

export const ACTIONS_PROGRAM = `
ENTITY AcOrder {
  item: text
  status: text DEFAULT "open"
  tracking: text?
}

ENTITY AcStock {
  item: text UNIQUE
  quantity: int
}

ENTITY AcSeen {
  ref: int
  tracking: text
}

EVENT ac_shipped {
  order: int
  tracking: text
}

ACTION ac_ship(order: AcOrder, code: text(min: 3)) {
  IF order.status != "open" {
    ERROR 409 "order {order.id} is {order.status}"
  }
  shipped = UPDATE AcOrder SET status = "shipped", tracking = code WHERE id = order.id
  EMIT ac_shipped { order: order.id, tracking: code }
  stock = UPDATE AcStock SET quantity = quantity - 1 WHERE item = order.item
  IF stock IS NULL OR stock.quantity < 0 {
    ERROR 409 "no {order.item} left"
  }
  RETURN shipped
}

ON ac_shipped {
  INSERT INTO AcSeen { ref: event.order, tracking: event.tracking }
}

VALIDATE AcNewOrder { item: string }
VALIDATE AcNewStock { item: string  quantity: int }
VALIDATE AcShipping { code: string }

POST /ac/orders VALIDATE AcNewOrder {
  RESPOND 201 INSERT INTO AcOrder $body
}

POST /ac/stock VALIDATE AcNewStock {
  RESPOND 201 INSERT INTO AcStock $body
}

POST /ac/orders/:id(int)/ship VALIDATE AcShipping {
  RESPOND ac_ship($id, $body.code)
}

GET /ac/orders/:id(int) {
  RESPOND SELECT * FROM AcOrder WHERE id = $id
}

GET /ac/stock/:item {
  RESPOND SELECT * FROM AcStock WHERE item = $item
}

GET /ac/seen/:ref(int) {
  RESPOND SELECT ref, tracking FROM AcSeen WHERE ref = $ref ORDER_BY id
}
`;

const own = { program: { name: "actions", source: ACTIONS_PROGRAM } };

type Api = Parameters<Case["run"]>[0];

async function created(api: Api, path: string, body: unknown): Promise<any> {
  const r = await api.request("POST", path, body);
  if (r.status !== 201) throw new Mismatch(`POST ${path} ${JSON.stringify(body)}: status ${r.status} ${JSON.stringify(r.body)}`);
  return r.body;
}

/** Polls GET `path` until `done` holds (handlers run after the commit, in the task queue). */
async function until(api: Api, path: string, done: (body: any) => boolean, what: string): Promise<any> {
  const deadline = Date.now() + 15_000;
  let last: unknown;
  for (;;) {
    const r = await api.request("GET", path);
    last = r.body;
    if (r.status === 200 && done(r.body)) return r.body;
    if (Date.now() > deadline) throw new Mismatch(`${what}: gave up waiting; last ${JSON.stringify(last)}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

const unsupported = withoutOutbox("EMIT", "KV2956");

export const ACTION_CASES: Case[] = [
  {
    name: "actions: a committed action keeps every step, and its event is handled once",
    ...own,
    unsupported,
    async run(api, check) {
      const item = `widget-${Date.now()}-${Math.random().toString(36).slice(2, 6)}`;
      await created(api, "/ac/stock", { item, quantity: 2 });
      const order = await created(api, "/ac/orders", { item });
      const r = await api.request("POST", `/ac/orders/${order.id}/ship`, { code: "TRK-1" });
      check("status", r.status, 200);
      check("the action's result", [r.body.status, r.body.tracking], ["shipped", "TRK-1"]);
      check("the stock step kept", (await api.request("GET", `/ac/stock/${item}`)).body.quantity, 1);
      await until(api, `/ac/seen/${order.id}`, (b) => b.length >= 1, "the event's handler");
      await new Promise((resolve) => setTimeout(resolve, 400));
      const seen = (await api.request("GET", `/ac/seen/${order.id}`)).body as Array<{ ref: number; tracking: string }>;
      check("handled once, with the payload", seen.map((s) => [s.ref, s.tracking]), [[order.id, "TRK-1"]]);
    },
  },
  {
    name: "actions: a failing step keeps nothing, names the step, and emits nothing",
    ...own,
    unsupported,
    async run(api, check) {
      const item = `empty-${Date.now()}-${Math.random().toString(36).slice(2, 6)}`;
      await created(api, "/ac/stock", { item, quantity: 0 });
      const order = await created(api, "/ac/orders", { item });
      const r = await api.request("POST", `/ac/orders/${order.id}/ship`, { code: "TRK-2" });
      check("status", r.status, 409);
      check("the problem names the failing step", [r.body.action?.name, r.body.action?.step], ["ac_ship", 5]);
      check("the order's update is undone", (await api.request("GET", `/ac/orders/${order.id}`)).body.status, "open");
      check("the stock's update is undone", (await api.request("GET", `/ac/stock/${item}`)).body.quantity, 0);
      // A committed action after it: once its event is handled, the rolled-back one's would have been too.
      const stocked = `marker-${Date.now()}-${Math.random().toString(36).slice(2, 6)}`;
      await created(api, "/ac/stock", { item: stocked, quantity: 1 });
      const marker = await created(api, "/ac/orders", { item: stocked });
      check("the marker ships", (await api.request("POST", `/ac/orders/${marker.id}/ship`, { code: "TRK-3" })).status, 200);
      await until(api, `/ac/seen/${marker.id}`, (b) => b.length === 1, "the marker's event");
      check("no event of the rolled-back action", (await api.request("GET", `/ac/seen/${order.id}`)).body, []);
    },
  },
  {
    name: "actions: inputs are checked (400 naming the input) and loaded by id (404 naming it)",
    ...own,
    unsupported,
    async run(api, check) {
      const order = await created(api, "/ac/orders", { item: "nothing" });
      const short = await api.request("POST", `/ac/orders/${order.id}/ship`, { code: "T" });
      check("a code too short", [short.status, short.body.errors?.[0]?.field], [400, "code"]);
      const missing = await api.request("POST", "/ac/orders/999999999/ship", { code: "TRK-4" });
      check("an unknown order", [missing.status, missing.body.errors?.[0]?.field], [404, "order"]);
      check("the 404 names the input", /input 'order' of ACTION ac_ship/.test(String(missing.body.detail)), true);
    },
  },
];
