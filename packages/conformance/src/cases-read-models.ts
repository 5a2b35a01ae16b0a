/**
 * READ MODEL (issue 21 item 6) on every SQL driver: `READ MODEL ProductSummary FROM Product
 * GROUP_BY category { … }` holds one row per group of the source's live rows, equal after every
 * write to a fresh GROUP_BY — an insert, an update that moves a row to another group, a SAVE, a
 * delete, a soft delete and its RESTORE — and a failing endpoint's writes leave it as it was. A
 * read model of a TENANT BY entity keeps each tenant's groups apart and is read scoped like it.
 * Each case keeps to categories (and tenants) of its own: the model sums every row of the source.
 */
import type { Api, Case, OwnProgram } from "./cases.js";

const PROGRAM: OwnProgram = {
  name: "read-models",
  source: `
ENTITY Product {
  name: text
  category: text
  price: float
}

READ MODEL ProductSummary FROM Product GROUP_BY category {
  category
  products: COUNT(*)
  total: SUM(price)
  cheapest: MIN(price)
}

ENTITY Ticket SOFT DELETE {
  queue: text
  title: text
}

READ MODEL QueueSize FROM Ticket GROUP_BY queue {
  queue
  open: COUNT(*)
}

ENTITY Sale TENANT BY org {
  shop: text
  amount: int
}

READ MODEL ShopSales FROM Sale GROUP_BY shop {
  shop
  sales: COUNT(*)
  revenue: SUM(amount)
}

ENTITY Shelf {
  label: text
}

ENTITY Item {
  kind: text
  shelf: Shelf ON DELETE CASCADE
}

READ MODEL ItemKinds FROM Item GROUP_BY kind {
  kind
  items: COUNT(*)
}

VALIDATE Claims { sub: string  org: string }
VALIDATE SignIn { name: string  org: string }
VALIDATE ProductIn { name: string  category: string  price: float }
VALIDATE ProductChanges { name: string?  category: string?  price: float? }
VALIDATE SaleIn { shop: string  amount: int }

AUTH jwt USING secret(env("KOVA_CONFORMANCE_JWT_KEY")) {
  claims: Claims
}

POST /sign-in VALIDATE SignIn { RESPOND { token: sign_token({ sub: $body.name, org: $body.org }) } }
POST /products VALIDATE ProductIn { RESPOND 201 INSERT INTO Product $body }
PATCH /products/:id VALIDATE ProductChanges { RESPOND UPDATE Product SET $body WHERE id = $id }
PUT /products/:id VALIDATE ProductIn { RESPOND SAVE { ...$body, id: $id } INTO Product }
DELETE /products/:id { RESPOND DELETE FROM Product WHERE id = $id }
POST /categories/:c/discount { RESPOND UPDATE Product SET price = price - 1 WHERE category = $c }
POST /products/then-fail VALIDATE ProductIn {
  made = INSERT INTO Product $body
  UPDATE Product SET price = 0 WHERE category = $body.category
  ERROR 409 "refused after writing {made.id}"
}
GET /summary/:c { RESPOND SELECT category, products, total, cheapest FROM ProductSummary WHERE category = $c }
POST /tickets { RESPOND 201 INSERT INTO Ticket $body }
DELETE /tickets/:id { RESPOND DELETE FROM Ticket WHERE id = $id }
POST /tickets/:id/restore { RESPOND RESTORE Ticket WHERE id = $id }
GET /queues/:q { RESPOND SELECT queue, open FROM QueueSize WHERE queue = $q }
POST /sales VALIDATE SaleIn AUTH { RESPOND 201 INSERT INTO Sale $body }
GET /sales AUTH { RESPOND SELECT shop, sales, revenue FROM ShopSales ORDER_BY shop }
POST /shelves { RESPOND 201 INSERT INTO Shelf $body }
DELETE /shelves/:id { RESPOND DELETE FROM Shelf WHERE id = $id }
POST /items { RESPOND 201 INSERT INTO Item $body }
GET /kinds/:k { RESPOND SELECT kind, items FROM ItemKinds WHERE kind = $k }
`,
};

type Row = Record<string, unknown>;

async function product(api: Api, category: string, name: string, price: number): Promise<number> {
  const made = await api.request("POST", "/products", { name, category, price });
  if (made.status !== 201) throw new Error(`insert failed: ${made.status} ${JSON.stringify(made.body)}`);
  return made.body.id as number;
}

/** The model's rows of a category, as [products, total, cheapest] (an empty list: no row). */
async function summary(api: Api, category: string): Promise<unknown[]> {
  const rows = (await api.request("GET", `/summary/${category}`)).body as Row[];
  return rows.map((r) => [r.products, r.total, r.cheapest]);
}

async function bearer(api: Api, name: string, org: string): Promise<Record<string, string>> {
  const signed = await api.request("POST", "/sign-in", { name, org });
  return { authorization: `Bearer ${signed.body.token as string}` };
}

const unsupported = {
  redis: "READ MODEL needs a data source with transactions: the build refuses it on Redis (KV2962)",
  mongodb: "READ MODEL needs a data source with transactions: the build refuses it on MongoDB (KV2962)",
  cockroach: "READ MODEL of a TENANT BY entity is refused on CockroachDB (KV2864), and this program has one",
};

export const READ_MODEL_CASES: Case[] = [
  {
    name: "READ MODEL: inserts and a delete keep each group's count, sum and minimum equal to a fresh GROUP_BY",
    program: PROGRAM,
    unsupported,
    async run(api, check) {
      check("no row before any record", await summary(api, "rm1-tools"), []);
      const a = await product(api, "rm1-tools", "saw", 10);
      await product(api, "rm1-tools", "file", 4.5);
      await product(api, "rm1-toys", "ball", 7);
      check("one group", await summary(api, "rm1-tools"), [[2, 14.5, 4.5]]);
      check("another group", await summary(api, "rm1-toys"), [[1, 7, 7]]);
      check("delete", (await api.request("DELETE", `/products/${a}`)).status, 200);
      check("the group after the delete", await summary(api, "rm1-tools"), [[1, 4.5, 4.5]]);
    },
  },
  {
    name: "READ MODEL: an update that moves a record to another group recomputes both; an update of many and a SAVE too",
    program: PROGRAM,
    unsupported,
    async run(api, check) {
      const a = await product(api, "rm2-a", "one", 3);
      await product(api, "rm2-a", "two", 5);
      const moved = await api.request("PATCH", `/products/${a}`, { category: "rm2-b" });
      check("moved", moved.body.category, "rm2-b");
      check("the old group", await summary(api, "rm2-a"), [[1, 5, 5]]);
      check("the new group", await summary(api, "rm2-b"), [[1, 3, 3]]);
      await api.request("POST", "/categories/rm2-a/discount");
      check("an update of many (price = price - 1)", await summary(api, "rm2-a"), [[1, 4, 4]]);
      const saved = await api.request("PUT", `/products/${a}`, { name: "one", category: "rm2-a", price: 1 });
      check("SAVE moves it back", saved.status, 200);
      check("SAVE: the group it left is empty, so it has no row", await summary(api, "rm2-b"), []);
      check("SAVE: the group it joined", await summary(api, "rm2-a"), [[2, 5, 1]]);
      check("a delete after the SAVE", [(await api.request("DELETE", `/products/${a}`)).status, await summary(api, "rm2-a")], [200, [[1, 4, 4]]]);
    },
  },
  {
    name: "READ MODEL: concurrent inserts into one group all count",
    program: PROGRAM,
    unsupported,
    async run(api, check) {
      const made = await Promise.all(Array.from({ length: 12 }, (_, i) => api.request("POST", "/products", { name: `p${i}`, category: "rm7", price: 1 })));
      check("every insert succeeded", made.map((r) => r.status), made.map(() => 201));
      check("one row counting all of them", await summary(api, "rm7"), [[12, 12, 1]]);
    },
  },
  {
    name: "READ MODEL: an endpoint that fails after writing leaves the model as it was (its refresh rolls back with the write)",
    program: PROGRAM,
    unsupported,
    async run(api, check) {
      await product(api, "rm3", "kept", 8);
      const failed = await api.request("POST", "/products/then-fail", { name: "lost", category: "rm3", price: 2 });
      check("the endpoint fails", failed.status, 409);
      check("the model shows no trace of it", await summary(api, "rm3"), [[1, 8, 8]]);
      const fresh = await api.request("POST", "/products/then-fail", { name: "lost", category: "rm3-new", price: 2 });
      check("nor of a group it would have made", [fresh.status, await summary(api, "rm3-new")], [409, []]);
    },
  },
  {
    name: "READ MODEL: a soft-deleted record is not counted; RESTORE counts it again",
    program: PROGRAM,
    unsupported,
    async run(api, check) {
      const open = async () => ((await api.request("GET", "/queues/rm4")).body as Row[]).map((r) => r.open);
      const a = (await api.request("POST", "/tickets", { queue: "rm4", title: "a" })).body.id as number;
      await api.request("POST", "/tickets", { queue: "rm4", title: "b" });
      check("two live tickets", await open(), [2]);
      check("soft delete", (await api.request("DELETE", `/tickets/${a}`)).status, 200);
      check("one counted", await open(), [1]);
      check("restore", (await api.request("POST", `/tickets/${a}/restore`)).status, 200);
      check("two again", await open(), [2]);
    },
  },
  {
    name: "READ MODEL: deleting a record the source's records refer to with ON DELETE CASCADE recomputes the model",
    program: PROGRAM,
    unsupported,
    async run(api, check) {
      const items = async () => ((await api.request("GET", "/kinds/rm6-bolt")).body as Row[]).map((r) => r.items);
      const top = (await api.request("POST", "/shelves", { label: "top" })).body.id as number;
      const bottom = (await api.request("POST", "/shelves", { label: "bottom" })).body.id as number;
      for (const shelf of [top, top, bottom]) await api.request("POST", "/items", { kind: "rm6-bolt", shelf });
      check("three bolts", await items(), [3]);
      check("delete the top shelf", (await api.request("DELETE", `/shelves/${top}`)).status, 200);
      check("its two bolts went with it", await items(), [1]);
    },
  },
  {
    name: "READ MODEL of a TENANT BY entity: each tenant has its own groups and reads only its own",
    program: PROGRAM,
    unsupported,
    async run(api, check) {
      const acme = await bearer(api, "ada", "acme-rm5");
      const globex = await bearer(api, "hank", "globex-rm5");
      await api.request("POST", "/sales", { shop: "north", amount: 5 }, acme);
      await api.request("POST", "/sales", { shop: "north", amount: 7 }, acme);
      await api.request("POST", "/sales", { shop: "north", amount: 100 }, globex);
      await api.request("POST", "/sales", { shop: "south", amount: 1 }, globex);
      const sales = async (who: Record<string, string>) => (await api.request("GET", "/sales", undefined, who)).body;
      check("acme's groups", await sales(acme), [{ shop: "north", sales: 2, revenue: 12 }]);
      check("globex's groups", await sales(globex), [
        { shop: "north", sales: 1, revenue: 100 },
        { shop: "south", sales: 1, revenue: 1 },
      ]);
      check("anonymous", (await api.request("GET", "/sales")).status, 401);
    },
  },
];
