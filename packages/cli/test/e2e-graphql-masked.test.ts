// MASKED fields over GraphQL (issue 21 item 7): queries, mutations and history answer the masked
// form, the field is neither a filter nor an order (guesses would reveal it), and the SDL says
// it is masked. A real server over HTTP.
import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { build, request, startServer, tempApp } from "./e2e/harness.js";

const APP = `
ENTITY Member {
  name: text
  ssn: text MASKED
  email: email MASKED
}
`;

async function gql(url: string, query: string): Promise<any> {
  return (await request(`${url}/graphql`, { method: "POST", json: { query } })).body;
}

test("graphql: MASKED fields are masked in queries, mutations and history, and cannot be filtered or ordered by", async (t) => {
  const dir = tempApp(t, { "app.kova": APP });
  writeFileSync(join(dir, "kova.config.json"), JSON.stringify({ graphql: { entities: ["Member"] } }));
  await build(dir);
  assert.match(readFileSync(join(dir, "dist", "schema.graphql"), "utf8"), /MASKED: shown partially/, "the SDL describes the field");
  const server = await startServer(t, dir);
  const created = await gql(server.url, `mutation { createMember(input: { name: "Ada", ssn: "123-45-6789", email: "ada@example.com" }) { id ssn email } }`);
  assert.deepEqual(created, { data: { createMember: { id: 1, ssn: "*******6789", email: "a***@example.com" } } });
  assert.deepEqual(await gql(server.url, `{ members { name ssn } member(id: 1) { email history { data } } }`), {
    data: { members: [{ name: "Ada", ssn: "*******6789" }], member: { email: "a***@example.com", history: [{ data: { id: 1, name: "Ada", ssn: "*******6789", email: "a***@example.com" } }] } },
  });
  const filtered = await gql(server.url, `{ members(where: { ssn: { eq: "123-45-6789" } }) { name } }`);
  assert.ok(Array.isArray(filtered.errors) && filtered.data === undefined, "no filter on a MASKED field");
  const ordered = await gql(server.url, `{ members(orderBy: [{ field: ssn }]) { name } }`);
  assert.ok(Array.isArray(ordered.errors), "no order by it either");
  await server.stop();
});
