/**
 * Conformance cases for aggregates and shaped SELECTs: counts (whole and filtered), GROUP_BY with
 * HAVING, DISTINCT, aliases and computed columns, pages with their total, keyset pages that stay
 * stable under inserts, json sub-fields in WHERE and SELECT, and all of it AS OF an
 * instant. Every SQL driver answers alike, numbers as JSON numbers; MongoDB and Redis refuse these
 * queries at build time (KV9006), so the cases are n/a there with that reason.
 */
import { Mismatch, type Api, type Case, type OwnProgram } from "./cases.js";

const PROGRAM: OwnProgram = {
  name: "aggregates",
  source: `
ENTITY Sale {
  grp: text INDEX
  region: text
  item: text
  qty: int
  price: float
  note: text?
  meta: json?
}

VALIDATE NewSale { grp: string  region: string  item: string  qty: int  price: number  note: string?  meta: any? }

POST /sales VALIDATE NewSale { RESPOND 201 INSERT INTO Sale $body }
DELETE /sales/:id { RESPOND DELETE FROM Sale WHERE id = $id }
GET /g/:g/count { RESPOND { n: SELECT COUNT(*) FROM Sale WHERE grp = $g } }
GET /g/:g/count-from { RESPOND { n: SELECT COUNT(*) FROM Sale WHERE grp = $g AND qty >= $query.min } }
GET /g/:g/stats {
  RESPOND SELECT COUNT(*) AS n, COUNT(note) AS notes, COUNT(DISTINCT region) AS regions, SUM(qty) AS units, AVG(price) AS avg_price, MIN(item) AS first, MAX(qty) AS most
    FROM Sale WHERE grp = $g
}
GET /g/:g/regions {
  RESPOND SELECT region, COUNT(*) AS n, SUM(qty) AS units, AVG(qty) AS avg_qty FROM Sale WHERE grp = $g GROUP_BY region HAVING COUNT(*) > $query.more ORDER_BY units DESC
}
GET /g/:g/distinct { RESPOND SELECT DISTINCT region FROM Sale WHERE grp = $g ORDER_BY region }
GET /g/:g/lines { RESPOND SELECT item AS name, qty * price AS total, region + "/" + item AS label, qty + 1 AS next FROM Sale WHERE grp = $g ORDER_BY id }
GET /g/:g/page { RESPOND SELECT item, qty FROM Sale WHERE grp = $g ORDER_BY qty DESC LIMIT $query.limit OFFSET $query.offset WITH TOTAL }
GET /g/:g/feed { RESPOND SELECT item, qty FROM Sale WHERE grp = $g ORDER_BY qty DESC LIMIT 2 AFTER $query.cursor }
GET /g/:g/as-of/:t/feed { RESPOND SELECT item FROM Sale AS OF $t WHERE grp = $g ORDER_BY item LIMIT 2 AFTER $query.cursor }
GET /g/:g/kind { RESPOND SELECT item, meta.kind AS kind, meta.size.w FROM Sale WHERE grp = $g AND meta.kind = $query.kind ORDER_BY id }
GET /g/:g/n { RESPOND SELECT item FROM Sale WHERE grp = $g AND meta.n = $query.n ORDER_BY id }
GET /g/:g/flagged { RESPOND SELECT item FROM Sale WHERE grp = $g AND meta.flag ORDER_BY id }
GET /g/:g/kinds { RESPOND SELECT item FROM Sale WHERE grp = $g AND meta.kind IN $query.k ORDER_BY id }
GET /g/:g/as-of/:t/kind { RESPOND SELECT item FROM Sale AS OF $t WHERE grp = $g AND meta.kind = $query.kind ORDER_BY id }
GET /g/:g/as-of/:t/count { RESPOND { n: SELECT COUNT(*) FROM Sale AS OF $t WHERE grp = $g } }
GET /g/:g/as-of/:t/regions { RESPOND SELECT region, COUNT(*) AS n, SUM(qty) AS units FROM Sale AS OF $t WHERE grp = $g GROUP_BY region ORDER_BY region }
GET /g/:g/as-of/:t/page { RESPOND SELECT DISTINCT region FROM Sale AS OF $t WHERE grp = $g ORDER_BY region LIMIT 1 WITH TOTAL }
`,
};

const REFUSED = {
  mongodb: "aggregates, GROUP_BY, DISTINCT, aliases, computed columns, WITH TOTAL, AFTER and json sub-fields are refused at build time (KV9006) on MongoDB",
  redis: "Redis keeps rows by id only: aggregates, shaped SELECTs and filters on json sub-fields are refused at build time (KV9006)",
};

async function sell(api: Api, grp: string, rows: Array<[region: string, item: string, qty: number, price: number, note?: string, meta?: unknown]>): Promise<number[]> {
  const ids: number[] = [];
  for (const [region, item, qty, price, note, meta] of rows) {
    const r = await api.request("POST", "/sales", { grp, region, item, qty, price, ...(note === undefined ? {} : { note }), ...(meta === undefined ? {} : { meta }) });
    if (r.status !== 201) throw new Mismatch(`seeding ${item}: status ${r.status} ${JSON.stringify(r.body)}`);
    ids.push(r.body.id);
  }
  return ids;
}

const pause = (ms: number) => new Promise((r) => setTimeout(r, ms));

const aggregateCase = (name: string, run: Case["run"]): Case => ({ name, program: PROGRAM, unsupported: REFUSED, run });

export const AGGREGATE_CASES: Case[] = [
  aggregateCase("aggregates: counts, whole and filtered", async (api, check) => {
    check("no rows", (await api.request("GET", "/g/cnt/count")).body, { n: 0 });
    await sell(api, "cnt", [["north", "axe", 1, 2], ["south", "bow", 5, 1.5], ["north", "cup", 3, 0.5]]);
    check("whole group", (await api.request("GET", "/g/cnt/count")).body, { n: 3 });
    check("filtered", (await api.request("GET", "/g/cnt/count-from?min=3")).body, { n: 2 });
    check("a bad filter value is a 400", (await api.request("GET", "/g/cnt/count-from?min=many")).status, 400);
  }),
  aggregateCase("aggregates: COUNT, SUM, AVG, MIN, MAX in one row", async (api, check) => {
    check("no rows: counts 0, the others null", (await api.request("GET", "/g/st/stats")).body, { n: 0, notes: 0, regions: 0, units: null, avg_price: null, first: null, most: null });
    await sell(api, "st", [["north", "cup", 1, 2], ["south", "axe", 5, 1.5, "gift"], ["north", "bow", 3, 0.5]]);
    check("stats", (await api.request("GET", "/g/st/stats")).body, { n: 3, notes: 1, regions: 2, units: 9, avg_price: 4 / 3, first: "axe", most: 5 });
  }),
  aggregateCase("aggregates: GROUP_BY with HAVING", async (api, check) => {
    await sell(api, "gb", [["north", "a", 1, 1], ["south", "b", 2, 1], ["north", "c", 4, 1], ["east", "d", 7, 1], ["south", "e", 2, 1]]);
    check("every group", (await api.request("GET", "/g/gb/regions?more=0")).body, [
      { region: "east", n: 1, units: 7, avg_qty: 7 },
      { region: "north", n: 2, units: 5, avg_qty: 2.5 },
      { region: "south", n: 2, units: 4, avg_qty: 2 },
    ]);
    check("HAVING COUNT(*) > 1", (await api.request("GET", "/g/gb/regions?more=1")).body.map((r: { region: string }) => r.region), ["north", "south"]);
  }),
  aggregateCase("aggregates: DISTINCT", async (api, check) => {
    await sell(api, "ds", [["west", "a", 1, 1], ["east", "b", 1, 1], ["west", "c", 1, 1]]);
    check("distinct regions", (await api.request("GET", "/g/ds/distinct")).body, [{ region: "east" }, { region: "west" }]);
  }),
  aggregateCase("aggregates: aliases and computed columns", async (api, check) => {
    const [id] = await sell(api, "cc", [["north", "axe", 3, 1.25]]);
    check("row", (await api.request("GET", "/g/cc/lines")).body, [{ name: "axe", total: 3.75, label: "north/axe", next: 4 }]);
    check("no id unless selected", id > 0, true);
  }),
  aggregateCase("aggregates: a page with its total", async (api, check) => {
    const [a, , c, , e] = await sell(api, "pg", [["n", "a", 5, 1], ["n", "b", 3, 1], ["n", "c", 9, 1], ["n", "d", 3, 1], ["n", "e", 1, 1]]);
    // Selected fields keep the row's id, as in any SELECT; ties (b, d) are ordered by id.
    check("first page", (await api.request("GET", "/g/pg/page?limit=2&offset=0")).body, { items: [{ id: c, item: "c", qty: 9 }, { id: a, item: "a", qty: 5 }], total: 5 });
    check("ties by id", (await api.request("GET", "/g/pg/page?limit=2&offset=2")).body.items.map((r: { item: string }) => r.item), ["b", "d"]);
    check("last page", (await api.request("GET", "/g/pg/page?limit=2&offset=4")).body, { items: [{ id: e, item: "e", qty: 1 }], total: 5 });
    check("past the end", (await api.request("GET", "/g/pg/page?limit=2&offset=10")).body, { items: [], total: 5 });
    check("no match", (await api.request("GET", "/g/none/page?limit=2&offset=0")).body, { items: [], total: 0 });
    check("a bad LIMIT is a 400", (await api.request("GET", "/g/pg/page?limit=-1&offset=0")).status, 400);
  }),
  aggregateCase("keyset pages: stable under inserts, a bad cursor is a 400", async (api, check) => {
    await sell(api, "ks", [["n", "a", 5, 1], ["n", "b", 3, 1], ["n", "c", 9, 1], ["n", "d", 3, 1], ["n", "e", 1, 1]]);
    const page = async (cursor?: string) => (await api.request("GET", `/g/ks/feed${cursor === undefined ? "" : `?cursor=${encodeURIComponent(cursor)}`}`)).body as { items: Array<{ item: string }>; next: string | null };
    const items = (p: { items: Array<{ item: string }> }) => p.items.map((r) => r.item);
    const first = await page();
    check("first page", items(first), ["c", "a"]);
    check("a next cursor", typeof first.next, "string");
    // Rows inserted between pages: one before the cursor (never shown now), one after it (shown).
    await sell(api, "ks", [["n", "f", 10, 1], ["n", "g", 4, 1]]);
    const second = await page(first.next!);
    check("second page: no repeat, no skip", items(second), ["g", "b"]);
    const third = await page(second.next!);
    check("third page: ties in id order", items(third), ["d", "e"]);
    const fourth = await page(third.next!);
    check("past the end", [items(fourth), fourth.next], [[], null]);
    const tampered = await api.request("GET", `/g/ks/feed?cursor=${encodeURIComponent(`x${first.next!.slice(1)}`)}`);
    check("a tampered cursor is a 400 naming it", [tampered.status, tampered.body.errors?.[0]?.field ?? tampered.body.detail?.includes("cursor")], [400, "cursor"]);
    check("a made-up cursor is a 400", (await api.request("GET", "/g/ks/feed?cursor=abc")).status, 400);
  }),
  aggregateCase("json sub-fields: WHERE and SELECT on meta.kind, compared as text", async (api, check) => {
    const [a, , c] = await sell(api, "js", [
      ["n", "a", 1, 1, undefined, { kind: "tool", size: { w: 2 }, n: 1 }],
      ["n", "b", 1, 1, undefined, { kind: "toy", size: { w: 1.5 }, flag: false }],
      ["n", "c", 1, 1, undefined, { kind: "tool", flag: true, n: "1" }],
      ["n", "d", 1, 1],
    ]);
    check("where and select", (await api.request("GET", "/g/js/kind?kind=tool")).body, [{ item: "a", kind: "tool", w: 2 }, { item: "c", kind: "tool", w: null }]);
    check("no match", (await api.request("GET", "/g/js/kind?kind=car")).body, []);
    const items = async (path: string) => ((await api.request("GET", path)).body as Array<{ item: string }>).map((r) => r.item);
    check("a number and a string compare alike, as text", await items("/g/js/n?n=1"), ["a", "c"]);
    check("a json boolean as a condition", await items("/g/js/flagged"), ["c"]);
    check("IN", await items("/g/js/kinds?k=toy&k=car"), ["b"]);
    check("ids", [a > 0, c > a], [true, true]);
    const t = new Date(Date.now() + 1000).toISOString();
    check("as of", await items(`/g/js/as-of/${t}/kind?kind=toy`), ["b"]);
  }),
  aggregateCase("aggregates: AS OF an instant", async (api, check) => {
    const [first] = await sell(api, "ao", [["north", "a", 2, 1], ["south", "b", 3, 1]]);
    await pause(20);
    const t1 = new Date().toISOString();
    await pause(20);
    await sell(api, "ao", [["north", "c", 4, 1]]);
    await api.request("DELETE", `/sales/${first}`);
    check("count now", (await api.request("GET", "/g/ao/count")).body, { n: 2 });
    check("count as of t1", (await api.request("GET", `/g/ao/as-of/${t1}/count`)).body, { n: 2 });
    check("groups as of t1", (await api.request("GET", `/g/ao/as-of/${t1}/regions`)).body, [{ region: "north", n: 1, units: 2 }, { region: "south", n: 1, units: 3 }]);
    check("groups now", (await api.request("GET", `/g/ao/as-of/${new Date(Date.now() + 1000).toISOString()}/regions`)).body, [{ region: "north", n: 1, units: 4 }, { region: "south", n: 1, units: 3 }]);
    const feed = (await api.request("GET", `/g/ao/as-of/${t1}/feed`)).body;
    check("a keyset page as of t1", [feed.items, typeof feed.next], [[{ id: first, item: "a" }, { id: first + 1, item: "b" }], "string"]);
    check("the next page as of t1", (await api.request("GET", `/g/ao/as-of/${t1}/feed?cursor=${encodeURIComponent(feed.next)}`)).body, { items: [], next: null });
    check("a DISTINCT page as of t1", (await api.request("GET", `/g/ao/as-of/${t1}/page`)).body, { items: [{ region: "north" }], total: 2 });
  }),
];
