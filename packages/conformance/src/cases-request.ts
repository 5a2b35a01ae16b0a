/**
 * Conformance cases for a request's meaning (issue 13 items 3 and 6): what absent and null mean in
 * an `UPDATE … SET $body` (a PATCH) against what SAVE (a PUT) does, on every driver.
 */
import type { Api, Case } from "./cases.js";

/** Inserts rows into a group (the full program's items). */
async function seedGroup(api: Api, grp: string, rows: Array<Record<string, unknown>>): Promise<void> {
  for (const row of rows) {
    const r = await api.request("POST", "/items", { grp, ...row });
    if (r.status !== 201) throw new Error(`seeding ${JSON.stringify(row)}: status ${r.status}`);
  }
}

export const REQUEST_CASES: Case[] = [
  {
    name: "UPDATE SET $body: an absent field is left alone, null clears an optional field, null for a required field is a 400 naming it",
    program: "kv",
    async run(api, check) {
      const created = await api.request("POST", "/notes", { title: "p1", stars: 3 });
      check("created", [created.status, created.body.title, created.body.stars], [201, "p1", 3]);
      const id = created.body.id as number;
      const renamed = await api.request("PUT", `/notes/${id}`, { title: "p2" });
      check("stars left out: kept", [renamed.status, renamed.body], [200, { id, title: "p2", stars: 3 }]);
      const cleared = await api.request("PUT", `/notes/${id}`, { stars: null });
      check("stars sent as null: cleared, title kept", [cleared.status, cleared.body], [200, { id, title: "p2", stars: null }]);
      const refused = await api.request("PUT", `/notes/${id}`, { title: null, stars: 5 });
      check("title sent as null: a 400 naming it", [refused.status, refused.body.errors?.[0]?.field], [400, "title"]);
      check("and nothing is written", (await api.request("GET", `/notes/${id}`)).body, { id, title: "p2", stars: null });
      const nothing = await api.request("PUT", `/notes/${id}`, {});
      check("an empty body changes nothing", [nothing.status, nothing.body], [200, { id, title: "p2", stars: null }]);
      const history = (await api.request("GET", `/notes/${id}/history`)).body as Array<{ operation: string; data: unknown }>;
      check("one version per accepted write", history.map((h) => [h.operation, h.data]).slice(0, 3), [
        ["insert", { id, title: "p1", stars: 3 }],
        ["update", { id, title: "p2", stars: 3 }],
        ["update", { id, title: "p2", stars: null }],
      ]);
    },
  },
  {
    name: "ORDER_BY $query.by IN [name, qty]: the request chooses the field from the list; any other value is a 400 naming it",
    program: "full",
    async run(api, check) {
      await seedGroup(api, "ob", [{ name: "b", qty: 1 }, { name: "c", qty: 3 }, { name: "a", qty: 2 }]);
      const names = async (query: string) => ((await api.request("GET", `/groups/ob/sorted${query}`)).body as Array<{ name: string }>).map((r) => r.name);
      check("by name (the default)", await names(""), ["c", "b", "a"]);
      check("by name", await names("?by=name"), ["c", "b", "a"]);
      check("by qty", await names("?by=qty"), ["c", "a", "b"]);
      const refused = await api.request("GET", "/groups/ob/sorted?by=price");
      check("a field not listed: 400 naming the parameter", [refused.status, refused.body.errors?.[0]?.field], [400, "by"]);
      const injected = await api.request("GET", `/groups/ob/sorted?by=${encodeURIComponent("name; DROP TABLE item")}`);
      check("never SQL: 400", injected.status, 400);
    },
  },
];
