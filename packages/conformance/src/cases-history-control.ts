/**
 * History control (issue 13 item 6) on every driver: a SECRET field is never in `SELECT *` nor in
 * a write's reply, is read only when named, and no version holds it (HISTORY and AS OF show the
 * other fields); an entity marked NO HISTORY writes, reads and deletes as any other while keeping
 * no versions (the build refuses HISTORY and AS OF on it, KV2340, so it is read only as it is now).
 */
import type { Case } from "./cases.js";

const pause = (ms: number) => new Promise((r) => setTimeout(r, ms));

export const HISTORY_CONTROL_CASES: Case[] = [
  {
    name: "SECRET: left out of SELECT *, of write replies and of every version; read only when named",
    program: "kv",
    async run(api, check) {
      const created = await api.request("POST", "/logins", { user: "ada", token: "t-1" });
      check("insert reply has no secret", [created.status, Object.keys(created.body).sort()], [201, ["id", "user"]]);
      const id = created.body.id as number;
      check("SELECT * has no secret", (await api.request("GET", `/logins/${id}`)).body, { id, user: "ada" });
      check("named, it is read", (await api.request("GET", `/logins/${id}/token`)).body, { id, token: "t-1" });
      await pause(5);
      const between = new Date().toISOString();
      await pause(5);
      const changed = await api.request("PUT", `/logins/${id}`, { token: "t-2", user: "ada l." });
      check("update reply has no secret", changed.body, { id, user: "ada l." });
      check("the new secret is stored", (await api.request("GET", `/logins/${id}/token`)).body, { id, token: "t-2" });
      const history = (await api.request("GET", `/logins/${id}/history`)).body as Array<{ operation: string; data: unknown }>;
      check("versions keep no secret", history.map((h) => [h.operation, h.data]), [
        ["insert", { id, user: "ada" }],
        ["update", { id, user: "ada l." }],
      ]);
      check("AS OF shows the other fields", (await api.request("GET", `/logins/${id}/as-of/${encodeURIComponent(between)}`)).body, { id, user: "ada" });
      const gone = await api.request("DELETE", `/logins/${id}`);
      check("delete reply has no secret", gone.body, { id, user: "ada l." });
    },
  },
  {
    name: "NO HISTORY: inserts, updates, SAVE and deletes work as on any entity",
    program: "kv",
    async run(api, check) {
      const created = await api.request("POST", "/ticks", { label: "a", n: 1 });
      check("created", [created.status, created.body.label, created.body.n], [201, "a", 1]);
      const id = created.body.id as number;
      check("updated", (await api.request("PUT", `/ticks/${id}`, { n: 2 })).body, { id, label: "a", n: 2 });
      check("an empty update changes nothing", (await api.request("PUT", `/ticks/${id}`, {})).body, { id, label: "a", n: 2 });
      check("replaced", (await api.request("PUT", `/ticks/${id}/replace`, { label: "b" })).body, { id, label: "b", n: null });
      check("read", (await api.request("GET", `/ticks/${id}`)).body, { id, label: "b", n: null });
      check("deleted", (await api.request("DELETE", `/ticks/${id}`)).body, { id, label: "b", n: null });
      check("gone", (await api.request("GET", `/ticks/${id}`)).status, 404);
    },
  },
  {
    name: "SAVE keeps a DEFAULT now() field it leaves out (the record's creation), and writes one it names",
    program: "kv",
    async run(api, check) {
      const created = await api.request("POST", "/memos", { text: "a" });
      check("created", [created.status, created.body.text, typeof created.body.made], [201, "a", "string"]);
      const id = created.body.id as number;
      const made = created.body.made as string;
      await pause(20);
      const replaced = await api.request("PUT", `/memos/${id}`, { text: "b" });
      check("replaced without made: made kept", replaced.body, { id, text: "b", made });
      check("and stored so", (await api.request("GET", `/memos/${id}`)).body, { id, text: "b", made });
      const stamped = await api.request("PUT", `/memos/${id}`, { text: "c", made: "2020-01-02T03:04:05.000Z" });
      check("made named: written", stamped.body, { id, text: "c", made: "2020-01-02T03:04:05.000Z" });
    },
  },
  {
    name: "DEFAULT slug(title) and DEFAULT uuid(): computed per record when a write leaves them out",
    program: "kv",
    async run(api, check) {
      const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;
      const a = await api.request("POST", "/pages", { title: "Héllo, World!" });
      check("slug made from the title", [a.status, a.body.slug, UUID.test(a.body.ref)], [201, "hello-world", true]);
      const b = await api.request("POST", "/pages", { title: "Other", slug: "chosen" });
      check("a slug sent is kept; each record its own uuid", [b.body.slug, UUID.test(b.body.ref), b.body.ref !== a.body.ref], ["chosen", true, true]);
      const id = a.body.id as number;
      const saved = await api.request("PUT", `/pages/${id}`, { title: "New Title" });
      check("SAVE: the slug follows the new title, the uuid is kept", saved.body, { id, title: "New Title", slug: "new-title", ref: a.body.ref });
      check("and stored so", (await api.request("GET", `/pages/${id}`)).body, { id, title: "New Title", slug: "new-title", ref: a.body.ref });
    },
  },
];

