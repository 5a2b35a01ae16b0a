/**
 * Conformance cases for a request's meaning (issue 13 items 3 and 6): what absent and null mean in
 * an `UPDATE … SET $body` (a PATCH) against what SAVE (a PUT) does, on every driver.
 */
import type { Case } from "./cases.js";

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
];
