// End-to-end: GraphQL over PUBLIC ID and SOFT DELETE entities (docs/api-surface.md, "GraphQL"), on a
// real server on the embedded store: a PUBLIC ID entity is served by its public id (never its
// integer key), a reference to one reads and writes the referenced record's public id, and a SOFT
// DELETE entity's reads take `deleted` (hide / with / only) and its deleted records `restore…`.
import { test } from "node:test";
import assert from "node:assert/strict";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { build, request, startServer, tempApp } from "./e2e/harness.js";

const APP = `
ENTITY Customer PUBLIC ID uuid SOFT DELETE {
  name: text
  orders: Order[] BY customer
}

ENTITY Order {
  item: text
  customer: Customer
}

POST /customers { RESPOND 201 INSERT INTO Customer $body }
GET /customers/:id { RESPOND SELECT * FROM Customer WHERE id = $id }
`;

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

test("graphql e2e: PUBLIC ID entities by their public id, references as public ids, SOFT DELETE's deleted and restore", async (t) => {
  const dir = tempApp(t, { "app.kova": APP });
  writeFileSync(join(dir, "kova.config.json"), JSON.stringify({ graphql: { read: "public", write: "public" } }));
  await build(dir);
  const { url } = await startServer(t, dir);
  const gql = async (query: string, variables: Record<string, unknown> = {}) => {
    const answer = await request(`${url}/graphql`, { method: "POST", json: { query, variables } });
    return answer.body as { data?: Record<string, any>; errors?: Array<{ message: string }> };
  };

  // Created over REST and over GraphQL: both answer the public id, never the integer key.
  const ada = (await request(`${url}/customers`, { method: "POST", json: { name: "Ada" } })).body;
  assert.match(ada.id, UUID);
  const created = await gql(`mutation { createCustomer(input: { name: "Grace" }) { id name } }`);
  assert.equal(created.errors, undefined, JSON.stringify(created.errors));
  const grace = created.data!.createCustomer;
  assert.match(grace.id, UUID);
  assert.equal((await request(`${url}/customers/${grace.id}`)).body.name, "Grace", "REST finds GraphQL's record by its public id");

  // By id, in a filter, and the list: public ids only; the schema has no public_id field.
  const one = await gql(`query ($id: ID!) { customer(id: $id) { id name } }`, { id: ada.id });
  assert.deepEqual(one.data!.customer, { id: ada.id, name: "Ada" });
  const filtered = await gql(`query ($id: ID!) { customers(where: { id: { eq: $id } }) { name } }`, { id: grace.id });
  assert.deepEqual(filtered.data!.customers, [{ name: "Grace" }]);
  assert.deepEqual((await gql(`{ customers { id } }`)).data!.customers.map((c: { id: string }) => c.id), [ada.id, grace.id]);
  assert.match(JSON.stringify((await gql(`{ customers { public_id } }`)).errors), /public_id/);
  // An integer key, or anything that is no UUID, finds nothing (it is not an id here).
  assert.equal((await gql(`{ customer(id: 1) { name } }`)).data!.customer, null);
  assert.equal((await gql(`{ customer(id: "nope") { name } }`)).data!.customer, null);

  // A reference to a PUBLIC ID entity is written and read as its public id, object and key alike.
  const order = await gql(`mutation ($c: ID!) { createOrder(input: { item: "book", customer: $c }) { id item customerId customer { id name } } }`, { c: ada.id });
  assert.equal(order.errors, undefined, JSON.stringify(order.errors));
  assert.deepEqual(order.data!.createOrder.customer, { id: ada.id, name: "Ada" });
  assert.equal(order.data!.createOrder.customerId, ada.id);
  assert.equal(typeof order.data!.createOrder.id, "number", "Order has no PUBLIC ID: its id is its integer key");
  const unknown = await gql(`mutation { createOrder(input: { item: "pen", customer: "00000000-0000-4000-8000-000000000000" }) { id } }`);
  assert.match(JSON.stringify(unknown.errors), /customer/, "an unknown public id is refused naming the field");
  const nested = await gql(`query ($id: ID!) { customer(id: $id) { name orders { item customer { id } } history { data } } }`, { id: ada.id });
  assert.equal(nested.errors, undefined, JSON.stringify(nested.errors));
  assert.deepEqual(nested.data!.customer.orders, [{ item: "book", customer: { id: ada.id } }]);
  assert.equal(nested.data!.customer.history[0].data.id, ada.id, "history shows the public id");
  assert.equal("public_id" in nested.data!.customer.history[0].data, false);
  const byRef = await gql(`query ($c: ID!) { orders(where: { customer: { eq: $c } }) { item } }`, { c: ada.id });
  assert.deepEqual(byRef.data!.orders, [{ item: "book" }]);

  // SOFT DELETE: a delete hides the record; `deleted` shows it; restore brings it back.
  const removed = await gql(`mutation ($id: ID!) { deleteCustomer(id: $id) { id } }`, { id: grace.id });
  assert.deepEqual(removed.data!.deleteCustomer, { id: grace.id });
  assert.deepEqual((await gql(`{ customers { name } }`)).data!.customers, [{ name: "Ada" }]);
  assert.deepEqual((await gql(`{ customers(deleted: only) { name } }`)).data!.customers, [{ name: "Grace" }]);
  assert.deepEqual((await gql(`{ customers(deleted: with) { name } }`)).data!.customers, [{ name: "Ada" }, { name: "Grace" }]);
  assert.equal((await gql(`query ($id: ID!) { customer(id: $id) { name } }`, { id: grace.id })).data!.customer, null);
  assert.deepEqual((await gql(`query ($id: ID!) { customer(id: $id, deleted: with) { name } }`, { id: grace.id })).data!.customer, { name: "Grace" });
  const restored = await gql(`mutation ($id: ID!) { restoreCustomer(id: $id) { id name } }`, { id: grace.id });
  assert.deepEqual(restored.data!.restoreCustomer, { id: grace.id, name: "Grace" });
  assert.equal((await gql(`mutation ($id: ID!) { restoreCustomer(id: $id) { id } }`, { id: grace.id })).data!.restoreCustomer, null, "a live record is not restored again");
  assert.deepEqual((await gql(`{ customers { name } }`)).data!.customers, [{ name: "Ada" }, { name: "Grace" }]);
  // Order is no SOFT DELETE entity: no `deleted` argument, no restore.
  assert.match(JSON.stringify((await gql(`{ orders(deleted: with) { item } }`)).errors), /deleted/);

  // Change events carry integer keys: no subscription for Customer or Order.
  const sdl = (await gql(`{ __schema { subscriptionType { fields { name } } } }`)).data!.__schema.subscriptionType;
  assert.equal(sdl, null);
});
