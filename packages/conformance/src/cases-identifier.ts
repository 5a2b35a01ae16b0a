/**
 * IDENTIFIER (issue 21 item 2, the trinity pattern's human-readable identifier) on every driver
 * that runs filters: `ENTITY Article PUBLIC ID uuid IDENTIFIER slug(title)` gives each record an
 * `identifier`, the slug of its title made on insert (a client's value ignored), UNIQUE (per
 * tenant on a TENANT BY entity), `-2`, `-3`… on a collision — also between concurrent inserts and
 * inside one endpoint's transaction — kept when the title changes; routes find records by it, and
 * a malformed one is a 400 naming the parameter.
 */
import type { Api, Case, OwnProgram } from "./cases.js";

const PROGRAM: OwnProgram = {
  name: "identifier",
  source: `
ENTITY Article PUBLIC ID uuid IDENTIFIER slug(title) {
  title: text
  body: text?
}

ENTITY Person SOFT DELETE IDENTIFIER slug(first, last) {
  first: text
  last: text?
}

ENTITY Page TENANT BY org IDENTIFIER slug(title) {
  title: text
}

VALIDATE Claims { sub: string  org: string }
VALIDATE SignIn { name: string  org: string }
VALIDATE Pair { title: string }

AUTH jwt USING secret(env("KOVA_CONFORMANCE_JWT_KEY")) {
  claims: Claims
}

POST /sign-in VALIDATE SignIn { RESPOND { token: sign_token({ sub: $body.name, org: $body.org }) } }

POST /articles { RESPOND 201 INSERT INTO Article $body }
POST /articles/pair VALIDATE Pair {
  one = INSERT INTO Article { title: $body.title }
  two = INSERT INTO Article { title: $body.title }
  RESPOND 201 { first: one.identifier, second: two.identifier }
}
GET /articles/:identifier {
  a = SELECT * FROM Article WHERE identifier = $identifier
  IF a IS NULL { ERROR 404 "no article {$identifier}" }
  RESPOND a
}
PATCH /articles/:identifier { RESPOND UPDATE Article SET $body WHERE identifier = $identifier }
GET /articles/by-id/:id { RESPOND SELECT identifier, title FROM Article WHERE id = $id }

POST /people { RESPOND 201 INSERT INTO Person $body }
PUT /people/:id { RESPOND SAVE { ...$body, id: $id } INTO Person }
DELETE /people/:id { RESPOND DELETE FROM Person WHERE id = $id }

POST /pages AUTH { RESPOND 201 INSERT INTO Page $body }
GET /pages/:identifier AUTH { RESPOND SELECT title FROM Page WHERE identifier = $identifier }
`,
};

const unsupported = {
  redis: "IDENTIFIER needs a UNIQUE index the store enforces, and this program is TENANT BY (a SQL data source)",
  mongodb: "this program is TENANT BY, which the build refuses on MongoDB (KV2864)",
  cockroach: "this program is TENANT BY, which the build refuses on CockroachDB (KV2864)",
};

async function made(api: Api, path: string, body: Record<string, unknown>, headers?: Record<string, string>): Promise<Record<string, unknown>> {
  const r = await api.request("POST", path, body, headers);
  if (r.status !== 201) throw new Error(`insert failed: ${r.status} ${JSON.stringify(r.body)}`);
  return r.body as Record<string, unknown>;
}

async function bearer(api: Api, name: string, org: string): Promise<Record<string, string>> {
  const signed = await api.request("POST", "/sign-in", { name, org });
  return { authorization: `Bearer ${signed.body.token as string}` };
}

export const IDENTIFIER_CASES: Case[] = [
  {
    name: "IDENTIFIER: an insert makes the slug of its fields; a client's identifier is ignored",
    program: PROGRAM,
    unsupported,
    async run(api, check) {
      const a = await made(api, "/articles", { title: "Héllo, World! (id1)", identifier: "mine" });
      check("the slug of the title", a.identifier, "hello-world-id1");
      check("beside the public id", typeof a.id === "string" && String(a.id).length === 36, true);
      const p = await made(api, "/people", { first: "Ada", last: "Lovelace Id1" });
      check("made from two fields, in order", p.identifier, "ada-lovelace-id1");
      const q = await made(api, "/people", { first: "Grace Id1" });
      check("an empty field adds nothing", q.identifier, "grace-id1");
      const none = await made(api, "/articles", { title: "!!!" });
      check("no slug at all: the entity's name", none.identifier, "article");
    },
  },
  {
    name: "IDENTIFIER: a collision takes -2, -3…, and a deleted record keeps its identifier",
    program: PROGRAM,
    unsupported,
    async run(api, check) {
      const ids: unknown[] = [];
      for (let i = 0; i < 3; i++) ids.push((await made(api, "/articles", { title: "Same Title id2" })).identifier);
      check("suffixes in order", ids, ["same-title-id2", "same-title-id2-2", "same-title-id2-3"]);
      const other = await made(api, "/articles", { title: "Same Title id2 2" });
      check("a title whose slug is a taken suffix takes the next one", other.identifier, "same-title-id2-2-2");
      const first = await made(api, "/people", { first: "Linus", last: "id2" });
      check("deleted", (await api.request("DELETE", `/people/${first.id}`)).status, 200);
      const second = await made(api, "/people", { first: "Linus", last: "id2" });
      check("a soft-deleted record still holds its identifier", [first.identifier, second.identifier], ["linus-id2", "linus-id2-2"]);
    },
  },
  {
    name: "IDENTIFIER: two concurrent inserts of one title both succeed, with different identifiers",
    program: PROGRAM,
    unsupported,
    async run(api, check) {
      const both = await Promise.all([1, 2].map(() => api.request("POST", "/articles", { title: "Twice id8" })));
      check("both succeeded", both.map((r) => r.status), [201, 201]);
      check("different identifiers", both.map((r) => r.body.identifier as string).sort(), ["twice-id8", "twice-id8-2"]);
    },
  },
  {
    name: "IDENTIFIER: 12 concurrent inserts of one title all succeed, each with its own identifier",
    program: PROGRAM,
    // On MariaDB, racing inserts of one title can deadlock: InnoDB rolls one back, and the runtime runs its endpoint again (runtime atomic.ts).
    unsupported,
    async run(api, check) {
      const all = await Promise.all(Array.from({ length: 12 }, (_, i) => api.request("POST", "/articles", { title: "Race id3", body: `n${i}` })));
      check("every insert succeeded", all.map((r) => r.status), Array.from({ length: 12 }, () => 201));
      const identifiers = all.map((r) => r.body.identifier as string);
      check("all distinct", new Set(identifiers).size, 12);
      check("the title's slug, or it with a suffix", identifiers.every((s) => /^race-id3(-\d+)?$/.test(s)), true);
      check("one took the plain slug", identifiers.includes("race-id3"), true);
      for (const r of all) {
        const got = await api.request("GET", `/articles/${r.body.identifier as string}`);
        check(`found by ${r.body.identifier as string}`, [got.status, got.body.id, got.body.body], [200, r.body.id, r.body.body]);
      }
    },
  },
  {
    name: "IDENTIFIER: two inserts of one title in one endpoint's transaction",
    program: PROGRAM,
    unsupported,
    async run(api, check) {
      const r = await api.request("POST", "/articles/pair", { title: "Pair id4" });
      check("both made", [r.status, r.body], [201, { first: "pair-id4", second: "pair-id4-2" }]);
      check("both stored", (await api.request("GET", "/articles/pair-id4-2")).status, 200);
    },
  },
  {
    name: "IDENTIFIER: lookup by identifier; a malformed one is a 400 naming it; capitals are read as lower case",
    program: PROGRAM,
    unsupported,
    async run(api, check) {
      const a = await made(api, "/articles", { title: "Find Me id5" });
      const got = await api.request("GET", "/articles/find-me-id5");
      check("by identifier", [got.status, got.body], [200, a]);
      check("capitals", (await api.request("GET", "/articles/Find-Me-ID5")).body.id, a.id);
      check("by public id, the identifier is a field", (await api.request("GET", `/articles/by-id/${a.id as string}`)).body, { id: a.id, identifier: "find-me-id5", title: "Find Me id5" });
      const bad = await api.request("GET", "/articles/find_me!");
      check("malformed: 400 naming identifier", [bad.status, bad.body.errors?.[0]?.field], [400, "identifier"]);
      check("a double dash", (await api.request("GET", "/articles/find--me")).status, 400);
      check("unknown: 404", (await api.request("GET", "/articles/nobody-here-id5")).status, 404);
    },
  },
  {
    name: "IDENTIFIER: kept when its fields change (update, and SAVE replacing the record)",
    program: PROGRAM,
    unsupported,
    async run(api, check) {
      const a = await made(api, "/articles", { title: "Old Title id6" });
      const u = await api.request("PATCH", "/articles/old-title-id6", { title: "New Title id6", identifier: "new-title-id6" });
      check("updated, identifier kept", [u.status, u.body.title, u.body.identifier, u.body.id], [200, "New Title id6", "old-title-id6", a.id]);
      check("still found by it", (await api.request("GET", "/articles/old-title-id6")).body.title, "New Title id6");
      check("not by the new title's slug", (await api.request("GET", "/articles/new-title-id6")).status, 404);
      const p = await made(api, "/people", { first: "Alan", last: "id6" });
      const saved = await api.request("PUT", `/people/${p.id as number}`, { first: "Alan M", last: "Turing id6", identifier: "x" });
      check("SAVE keeps it", [saved.status, saved.body.first, saved.body.identifier], [200, "Alan M", "alan-id6"]);
    },
  },
  {
    name: "IDENTIFIER: unique per tenant on a TENANT BY entity",
    program: PROGRAM,
    unsupported,
    async run(api, check) {
      const acme = await bearer(api, "ada", "acme-id7");
      const globex = await bearer(api, "hank", "globex-id7");
      const a = await made(api, "/pages", { title: "About" }, acme);
      const g = await made(api, "/pages", { title: "About" }, globex);
      const a2 = await made(api, "/pages", { title: "About" }, acme);
      check("each tenant its own", [a.identifier, g.identifier, a2.identifier], ["about", "about", "about-2"]);
      check("found within the caller's tenant", (await api.request("GET", "/pages/about-2", undefined, acme)).body, { id: a2.id, title: "About" });
      check("another tenant's is not there", (await api.request("GET", "/pages/about-2", undefined, globex)).status, 404);
    },
  },
];
