// End-to-end: READ MODEL (docs/entities.md, "Read models") over HTTP on a real server process, and
// the commands `kova db check-read-model` / `kova db rebuild-read-model` against the same database:
// the model follows the writes; made stale behind the app's back, the check exits 1 naming the
// groups that differ, a rebuild makes it equal again. On the embedded store and PostgreSQL.
import { test, type TestContext } from "node:test";
import assert from "node:assert/strict";
import { build, kovaSync, request, startServer, tempApp } from "./e2e/harness.js";
import { PG_URL, pgTestSchema } from "./e2e/pg-schema.js";

const program = (connect: string, using: string) => `${connect}
ENTITY Product${using} {
  name: text
  category: text
  price: float
}

READ MODEL ProductSummary FROM Product GROUP_BY category {
  category
  products: COUNT(*)
  total: SUM(price)
}

VALIDATE ProductIn { name: string  category: string  price: float }
VALIDATE Move { category: string }

POST /products VALIDATE ProductIn { RESPOND 201 INSERT INTO Product $body }
PATCH /products/:id VALIDATE Move { RESPOND UPDATE Product SET $body WHERE id = $id }
GET /summary { RESPOND SELECT category, products, total FROM ProductSummary ORDER_BY category }
`;

type Row = Record<string, unknown>;

/** Writes three products over HTTP, moves one, and checks the model after each step. */
async function writeAndRead(t: TestContext, dir: string): Promise<void> {
  await build(dir);
  const server = await startServer(t, dir);
  const summary = async () => (await request(`${server.url}/summary`)).body as Row[];
  for (const [name, category, price] of [["saw", "tools", 10], ["file", "tools", 4], ["ball", "toys", 7]] as const) {
    assert.equal((await request(`${server.url}/products`, { method: "POST", json: { name, category, price } })).status, 201);
  }
  assert.deepEqual(await summary(), [
    { category: "tools", products: 2, total: 14 },
    { category: "toys", products: 1, total: 7 },
  ]);
  const moved = await request(`${server.url}/products/2`, { method: "PATCH", json: { category: "toys" } });
  assert.equal(moved.status, 200, moved.text);
  assert.deepEqual(await summary(), [
    { category: "tools", products: 1, total: 10 },
    { category: "toys", products: 2, total: 11 },
  ]);
  await server.stop();
}

function kova(dir: string, ...args: string[]) {
  return kovaSync(["db", ...args, "--app", dir], dir);
}

test("read model e2e: embedded store — the model follows writes over HTTP; check and rebuild agree", async (t) => {
  const dir = tempApp(t, { "app.kova": program("", "") });
  await writeAndRead(t, dir);
  const check = kova(dir, "check-read-model", "ProductSummary");
  assert.equal(check.status, 0, check.stderr);
  assert.match(check.stdout, /ProductSummary: equal to a fresh computation/);
  const rebuilt = kova(dir, "rebuild-read-model", "ProductSummary", "--json");
  assert.equal(rebuilt.status, 0, rebuilt.stderr);
  assert.deepEqual(JSON.parse(rebuilt.stdout), { readModel: "ProductSummary", groups: 2 });
  const unknown = kova(dir, "check-read-model", "Product");
  assert.equal(unknown.status, 1);
  assert.match(unknown.stderr, /no READ MODEL named 'Product'.*read models: ProductSummary/);
});

test("read model e2e: PostgreSQL — a model made stale outside the app: check exits 1 with the groups, rebuild repairs it", async (t) => {
  const schema = await pgTestSchema(t, "readmodel");
  if (schema === undefined) return;
  const { name, client } = schema;
  const dir = tempApp(t, { "app.kova": program(`CONNECT db USING postgres({ url: "${PG_URL}", schema: "${name}" })`, " USING db") });
  await writeAndRead(t, dir);
  assert.equal(kova(dir, "check-read-model", "ProductSummary").status, 0);

  // Behind the app's back: one group's row changed, another's deleted.
  await client.query(`UPDATE "${name}"."product_summary" SET "products" = 99 WHERE "category" = 'tools'`);
  await client.query(`DELETE FROM "${name}"."product_summary" WHERE "category" = 'toys'`);
  const stale = kova(dir, "check-read-model", "ProductSummary", "--json");
  assert.equal(stale.status, 1, stale.stderr);
  const report = JSON.parse(stale.stdout) as { equal: boolean; differences: Array<{ key: Row; stored: Row | null; fresh: Row | null }> };
  assert.equal(report.equal, false);
  assert.deepEqual(
    report.differences.map((d) => [d.key, d.stored?.products ?? null, d.fresh?.products ?? null]),
    [
      [{ category: "tools" }, 99, 1],
      [{ category: "toys" }, null, 2],
    ],
  );
  const text = kova(dir, "check-read-model", "ProductSummary");
  assert.match(text.stdout, /2 groups differ/);
  assert.match(text.stdout, /\{"category":"toys"\}: stored null/);

  const rebuilt = kova(dir, "rebuild-read-model", "ProductSummary");
  assert.equal(rebuilt.status, 0, rebuilt.stderr);
  assert.match(rebuilt.stdout, /ProductSummary: rebuilt, 2 groups/);
  assert.equal(kova(dir, "check-read-model", "ProductSummary").status, 0);
  const rows = await client.query(`SELECT "category", "products" FROM "${name}"."product_summary" ORDER BY "category"`);
  assert.deepEqual(rows.rows.map((r: Row) => [r.category, Number(r.products)]), [["tools", 1], ["toys", 2]]);
});
