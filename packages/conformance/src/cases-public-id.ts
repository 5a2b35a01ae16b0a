/**
 * PUBLIC ID (issue 21 item 2, the trinity pattern's public id) on every driver that runs filters:
 * a record's `id` in every response is a UUID made on insert (UNIQUE, never changed); the integer
 * key never shows; `WHERE id = $id` reads the UUID (a malformed one matches nothing: 404); writes,
 * deletes, HISTORY and AS OF find records by it.
 */
import type { Case, OwnProgram } from "./cases.js";

const pause = (ms: number) => new Promise((r) => setTimeout(r, ms));

const PROGRAM: OwnProgram = {
  name: "public-id",
  source: `
ENTITY Country {
  code: text UNIQUE
  customers: Customer[] BY country
}

ENTITY Customer PUBLIC ID uuid {
  tag: text INDEX
  name: text
  country: Country?
  orders: Order[] BY customer
}

ENTITY Order {
  customer: Customer
  total: int
  note: text?
}

POST /orders { RESPOND 201 INSERT INTO Order $body }
GET /orders/:id { RESPOND SELECT * FROM Order WHERE id = $id }
PATCH /orders/:id { RESPOND UPDATE Order SET $body WHERE id = $id }
GET /orders/:id/with-customer { RESPOND SELECT total, customer { name } FROM Order WHERE id = $id }
GET /orders/:id/shaped { RESPOND SELECT customer AS buyer, total FROM Order WHERE id = $id }
GET /orders/:id/history { RESPOND HISTORY Order WHERE id = $id }
GET /customers/:c/orders { RESPOND SELECT total FROM Order WHERE customer = $c ORDER_BY id }
GET /customers/:id/with-orders { RESPOND SELECT name, orders { total, customer ORDER_BY id } FROM Customer WHERE id = $id }

POST /countries { RESPOND 201 INSERT INTO Country $body }
GET /countries/:id/customers { RESPOND SELECT code, customers { name ORDER_BY id }, COUNT(customers) FROM Country WHERE id = $id }
GET /customers/:id/with-country { RESPOND SELECT name, country { code } FROM Customer WHERE id = $id }
GET /tags/:tag/count { RESPOND SELECT COUNT(*) FROM Customer WHERE tag = $tag }

POST /customers { RESPOND 201 INSERT INTO Customer $body }
GET /customers/:id {
  c = SELECT * FROM Customer WHERE id = $id
  IF c IS NULL { ERROR 404 "no customer {$id}" }
  RESPOND c
}
GET /customers/:id/name { RESPOND SELECT name FROM Customer WHERE id = $id }
GET /customers/:id/shaped { RESPOND SELECT id AS ref, name FROM Customer WHERE id = $id }
PATCH /customers/:id { RESPOND UPDATE Customer SET $body WHERE id = $id }
DELETE /customers/:id {
  gone = DELETE FROM Customer WHERE id = $id
  IF gone IS NULL { ERROR 404 "no customer {$id}" }
  RESPOND 204
}
GET /tags/:tag/customers { RESPOND SELECT id, name FROM Customer WHERE tag = $tag ORDER_BY id }
GET /customers/:id/history { RESPOND HISTORY Customer WHERE id = $id }
GET /customers/:id/as-of/:t { RESPOND SELECT name FROM Customer AS OF $t WHERE id = $id }
`,
};

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

async function customer(api: Parameters<Case["run"]>[0], tag: string, name: string, extra: Record<string, unknown> = {}): Promise<Record<string, unknown>> {
  const made = await api.request("POST", "/customers", { tag, name, ...extra });
  if (made.status !== 201) throw new Error(`insert failed: ${made.status} ${JSON.stringify(made.body)}`);
  return made.body as Record<string, unknown>;
}

export const PUBLIC_ID_CASES: Case[] = [
  {
    name: "PUBLIC ID: a reference to a PUBLIC ID entity is written and read as its public id; an unknown one is a 409, one that is no UUID a 400",
    program: PROGRAM,
    async run(api, check) {
      const ada = await customer(api, "pi7", "ada");
      const bob = await customer(api, "pi7", "bob");
      const made = await api.request("POST", "/orders", { customer: ada.id, total: 5 });
      check("an insert answers the public id", [made.status, made.body.customer, made.body.total], [201, ada.id, 5]);
      const id = made.body.id as number;
      check("read", (await api.request("GET", `/orders/${id}`)).body, { id, customer: ada.id, total: 5, note: null });
      check("found by the referenced public id", (await api.request("GET", `/customers/${ada.id}/orders`)).body, [{ id, total: 5 }]);
      check("a route parameter compared with it is a UUID", (await api.request("GET", "/customers/1/orders")).status, 400);
      const moved = await api.request("PATCH", `/orders/${id}`, { customer: bob.id });
      check("an update by public id", [moved.status, moved.body.customer], [200, bob.id]);
      check("no longer ada's", (await api.request("GET", `/customers/${ada.id}/orders`)).body, []);
      check("a nested selection of it", (await api.request("GET", `/orders/${id}/with-customer`)).body, { id, total: 5, customer: { id: bob.id, name: "bob" } });
      check("in a nested selection's rows", (await api.request("GET", `/customers/${bob.id}/with-orders`)).body, { id: bob.id, name: "bob", orders: [{ id, total: 5, customer: bob.id }] });
      check("a shaped column reading it", (await api.request("GET", `/orders/${id}/shaped`)).body, [{ buyer: bob.id, total: 5 }]);
      const history = (await api.request("GET", `/orders/${id}/history`)).body as Array<{ data: { customer: unknown } }>;
      check("history", history.map((h) => h.data.customer), [ada.id, bob.id]);
      check("an unknown public id: 409", (await api.request("POST", "/orders", { customer: "00000000-0000-4000-8000-000000000000", total: 1 })).status, 409);
      const key = await api.request("POST", "/orders", { customer: 1, total: 1 });
      check("the integer key: 400 naming the field", [key.status, key.body.errors?.[0]?.field], [400, "customer"]);
    },
  },
  {
    name: "PUBLIC ID: a nested selection of a PUBLIC ID entity's rows (an inverse relation) shows their public ids",
    program: PROGRAM,
    async run(api, check) {
      const de = (await api.request("POST", "/countries", { code: "pi6-de" })).body.id as number;
      const a = await customer(api, "pi6", "ada", { country: de });
      const b = await customer(api, "pi6", "bob", { country: de });
      const got = (await api.request("GET", `/countries/${de}/customers`)).body;
      check("the related rows by public id, never the integer key", got, { id: de, code: "pi6-de", customers: [{ id: a.id, name: "ada" }, { id: b.id, name: "bob" }], customers_count: 2 });
    },
  },
  {
    name: "PUBLIC ID: a PUBLIC ID entity refers to another entity, and a related selection reads it",
    program: PROGRAM,
    async run(api, check) {
      const fr = (await api.request("POST", "/countries", { code: `pi5-fr` })).body.id as number;
      const a = await customer(api, "pi5", "ada", { country: fr });
      check("the reference holds the other entity's id", a.country, fr);
      check("a related selection", (await api.request("GET", `/customers/${a.id}/with-country`)).body, { id: a.id, name: "ada", country: { id: fr, code: "pi5-fr" } });
    },
  },
  {
    name: "PUBLIC ID: an insert answers a UUID id, not the integer key; a client's id and public_id are ignored",
    program: PROGRAM,
    async run(api, check) {
      const a = await customer(api, "pi1", "ada", { id: 7, public_id: "00000000-0000-4000-8000-000000000001" });
      check("the id is a v4 UUID", UUID.test(String(a.id)), true);
      check("the body's public_id was not taken", a.id === "00000000-0000-4000-8000-000000000001", false);
      check("no integer key, no public_id key", Object.keys(a).sort(), ["country", "id", "name", "tag"]);
      const b = await customer(api, "pi1", "bob");
      check("each record its own", a.id === b.id, false);
      const list = (await api.request("GET", "/tags/pi1/customers")).body;
      check("a list shows the public ids, in insertion order", list, [{ id: a.id, name: "ada" }, { id: b.id, name: "bob" }]);
      const more = await Promise.all(Array.from({ length: 10 }, (_, i) => customer(api, "pi1", `c${i}`)));
      check("every record its own UUID", new Set([a, b, ...more].map((c) => c.id)).size, 12);
      check("counted like any record", (await api.request("GET", "/tags/pi1/count")).body, 12);
    },
  },
  {
    name: "PUBLIC ID: WHERE id = $id reads the UUID; a malformed id or the integer key is a 400 naming the parameter",
    program: PROGRAM,
    async run(api, check) {
      const a = await customer(api, "pi2", "ada");
      const got = await api.request("GET", `/customers/${a.id}`);
      check("by public id", [got.status, got.body], [200, a]);
      check("upper-case spelling", (await api.request("GET", `/customers/${String(a.id).toUpperCase()}`)).body.id, a.id);
      check("selected fields keep id", (await api.request("GET", `/customers/${a.id}/name`)).body, { id: a.id, name: "ada" });
      check("a shaped column reading id", (await api.request("GET", `/customers/${a.id}/shaped`)).body, [{ ref: a.id, name: "ada" }]);
      const bad = await api.request("GET", "/customers/not-a-uuid");
      check("malformed: 400 naming id", [bad.status, bad.body.errors?.[0]?.field], [400, "id"]);
      check("the integer key: 400", (await api.request("GET", "/customers/1")).status, 400);
      check("an unknown UUID: 404", (await api.request("GET", "/customers/00000000-0000-4000-8000-000000000000")).status, 404);
    },
  },
  {
    name: "PUBLIC ID: updates keep the public id (a body cannot change it); delete by public id",
    program: PROGRAM,
    async run(api, check) {
      const a = await customer(api, "pi3", "ada");
      const u = await api.request("PATCH", `/customers/${a.id}`, { name: "ada l", public_id: "00000000-0000-4000-8000-000000000002", id: 3 });
      check("updated, same id", [u.status, u.body], [200, { id: a.id, tag: "pi3", name: "ada l", country: null }]);
      check("a malformed id updates nothing", (await api.request("PATCH", "/customers/nope", { name: "x" })).status, 400);
      check("delete by public id", (await api.request("DELETE", `/customers/${a.id}`)).status, 204);
      check("gone", (await api.request("GET", `/customers/${a.id}`)).status, 404);
    },
  },
  {
    name: "PUBLIC ID: HISTORY and AS OF find a record by its public id and show it as id",
    program: PROGRAM,
    async run(api, check) {
      const a = await customer(api, "pi4", "ada");
      await pause(15);
      const before = new Date().toISOString();
      await pause(15);
      await api.request("PATCH", `/customers/${a.id}`, { name: "ada l" });
      const history = (await api.request("GET", `/customers/${a.id}/history`)).body as Array<{ operation: string; data: Record<string, unknown> }>;
      check("versions with the public id", history.map((h) => [h.operation, h.data]), [
        ["insert", { id: a.id, tag: "pi4", name: "ada", country: null }],
        ["update", { id: a.id, tag: "pi4", name: "ada l", country: null }],
      ]);
      check("AS OF before the update", (await api.request("GET", `/customers/${a.id}/as-of/${encodeURIComponent(before)}`)).body, { id: a.id, name: "ada" });
    },
  },
];
