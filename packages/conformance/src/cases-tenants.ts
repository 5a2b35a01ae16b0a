/**
 * TENANT BY (issue 21 item 4) on every SQL driver: `ENTITY Contact TENANT BY org` stamps each new
 * record with the caller's `$auth.org` (never a client's value), and every query of it — by id,
 * lists, update, delete, save, relations both ways, aggregates, HISTORY, AS OF — sees only the
 * caller's tenant: another tenant's record answers 404 / 0 rows, as if it did not exist.
 */
import type { Api, Case, OwnProgram } from "./cases.js";

const pause = (ms: number) => new Promise((r) => setTimeout(r, ms));

const PROGRAM: OwnProgram = {
  name: "tenants",
  source: `
ENTITY Account TENANT BY org {
  name: text
  contacts: Contact[] BY account
  UNIQUE (tenant_id, name)
}

ENTITY Contact TENANT BY org {
  name: text
  score: int DEFAULT 0
  account: Account?
  region: Region?
}

ENTITY Region {
  name: text
  contacts: Contact[] BY region
}

VALIDATE AccountIn { name: string  tenant_id: string? }
VALIDATE ContactIn { name: string  score: int?  account: int?  region: int?  tenant_id: string? }
VALIDATE ContactChanges { name: string?  score: int?  tenant_id: string? }
VALIDATE Claims { sub: string  org: string }
VALIDATE SignIn { name: string  org: string }

AUTH jwt USING secret(env("KOVA_CONFORMANCE_JWT_KEY")) {
  claims: Claims
}

POST /sign-in VALIDATE SignIn { RESPOND { token: sign_token({ sub: $body.name, org: $body.org }) } }
POST /accounts VALIDATE AccountIn AUTH { RESPOND 201 INSERT INTO Account $body }
DELETE /accounts/:id AUTH { RESPOND DELETE FROM Account WHERE id = $id }
GET /accounts/:id AUTH { RESPOND SELECT name, contacts { name } FROM Account WHERE id = $id }
POST /contacts VALIDATE ContactIn AUTH { RESPOND 201 INSERT INTO Contact $body }
GET /contacts AUTH { RESPOND SELECT name, tenant_id, account { name } FROM Contact ORDER_BY id }
GET /contacts/:id AUTH { RESPOND SELECT * FROM Contact WHERE id = $id }
GET /contacts/in/:account AUTH { RESPOND SELECT name FROM Contact WHERE account.name = $account ORDER_BY id }
PATCH /contacts/:id VALIDATE ContactChanges AUTH { RESPOND UPDATE Contact SET $body WHERE id = $id }
POST /contacts/bump AUTH { RESPOND UPDATE Contact SET score = score + 1 WHERE score >= 0 }
DELETE /contacts/:id AUTH { RESPOND DELETE FROM Contact WHERE id = $id }
PUT /contacts/:id VALIDATE ContactIn AUTH { RESPOND SAVE { ...$body, id: $id } INTO Contact }
POST /regions { RESPOND 201 INSERT INTO Region $body }
GET /regions/:id { RESPOND SELECT name, contacts { name }, COUNT(contacts) FROM Region WHERE id = $id }
GET /regions/:id/mine AUTH { RESPOND SELECT name, contacts { name }, COUNT(contacts) FROM Region WHERE id = $id }
GET /stats AUTH { RESPOND SELECT COUNT(*) AS n, SUM(score) AS total FROM Contact }
GET /contacts/:id/history AUTH { RESPOND HISTORY Contact WHERE id = $id }
GET /contacts/:id/as-of/:t AUTH { RESPOND SELECT * FROM Contact AS OF $t WHERE id = $id }

// ACTIONs run with their caller's tenant: the load of an entity input, a write by id, an insert, a list.
ACTION rescore(contact: Contact, points: int) {
  RETURN UPDATE Contact SET score = score + points WHERE id = contact.id
}
ACTION bump_one(contact_id: int) {
  changed = UPDATE Contact SET score = score + 1 WHERE id = contact_id
  IF changed IS NULL {
    ERROR 404 "no contact {contact_id}"
  }
  RETURN changed
}
ACTION enrol(name: text) {
  made = INSERT INTO Contact { name: name }
  listed = SELECT name FROM Contact ORDER_BY id
  RETURN { contact: made, names: [c.name FOR c IN listed] }
}
POST /rescore/:id AUTH { RESPOND rescore($id, 5) }
POST /bump-one/:id(int) AUTH { RESPOND bump_one($id) }
POST /enrol/:name AUTH { RESPOND 201 enrol($name) }
`,
};

async function bearer(api: Api, name: string, org: string): Promise<Record<string, string>> {
  const signed = await api.request("POST", "/sign-in", { name, org });
  return { authorization: `Bearer ${signed.body.token as string}` };
}

/** Two tenants' callers, each with one account and one contact of its own (names carry the run's tag). */
async function twoTenants(api: Api, tag: string) {
  const acme = await bearer(api, "ada", `acme-${tag}`);
  const globex = await bearer(api, "hank", `globex-${tag}`);
  const acmeAccount = (await api.request("POST", "/accounts", { name: `Acme ${tag}` }, acme)).body;
  const globexAccount = (await api.request("POST", "/accounts", { name: `Globex ${tag}` }, globex)).body;
  const mine = (await api.request("POST", "/contacts", { name: `a-${tag}`, account: acmeAccount.id, score: 1 }, acme)).body;
  const theirs = (await api.request("POST", "/contacts", { name: `g-${tag}`, account: globexAccount.id, score: 10 }, globex)).body;
  return { acme, globex, acmeAccount, globexAccount, mine, theirs };
}

const unsupported = {
  redis: "TENANT BY needs a SQL data source: the build refuses it on Redis (KV2864)",
  mongodb: "TENANT BY needs a SQL data source: the build refuses it on MongoDB (KV2864)",
  cockroach: "TENANT BY is not held on CockroachDB yet: the build refuses it (KV2864)",
};

export const TENANT_CASES: Case[] = [
  {
    name: "TENANT BY: an insert is stamped with the caller's tenant claim; a body's tenant_id is ignored; no token is a 401",
    program: PROGRAM,
    unsupported,
    async run(api, check) {
      const acme = await bearer(api, "ada", "acme-stamp");
      const made = await api.request("POST", "/contacts", { name: "x", tenant_id: "globex-stamp" }, acme);
      check("insert", [made.status, made.body.tenant_id], [201, "acme-stamp"]);
      check("read back by its tenant", (await api.request("GET", `/contacts/${made.body.id}`, undefined, acme)).body.tenant_id, "acme-stamp");
      check("anonymous", (await api.request("GET", `/contacts/${made.body.id}`)).status, 401);
      const patched = await api.request("PATCH", `/contacts/${made.body.id}`, { tenant_id: "globex-stamp", name: "y" }, acme);
      check("update ignores a body's tenant_id", [patched.body.name, patched.body.tenant_id], ["y", "acme-stamp"]);
    },
  },
  {
    name: "TENANT BY: another tenant's record by id, update, delete and save answer 404 and change nothing",
    program: PROGRAM,
    unsupported,
    async run(api, check) {
      const t = await twoTenants(api, "cross");
      check("read", (await api.request("GET", `/contacts/${t.theirs.id}`, undefined, t.acme)).status, 404);
      check("update", (await api.request("PATCH", `/contacts/${t.theirs.id}`, { name: "taken" }, t.acme)).status, 404);
      check("delete", (await api.request("DELETE", `/contacts/${t.theirs.id}`, undefined, t.acme)).status, 404);
      check("save", (await api.request("PUT", `/contacts/${t.theirs.id}`, { name: "taken" }, t.acme)).status, 404);
      const bumped = await api.request("POST", "/contacts/bump", undefined, t.acme);
      check("a bulk update touches the caller's rows only", (bumped.body as Array<{ id: number }>).map((r) => r.id).includes(t.theirs.id), false);
      const still = await api.request("GET", `/contacts/${t.theirs.id}`, undefined, t.globex);
      check("their record is untouched", [still.status, still.body.name, still.body.score, still.body.tenant_id], [200, `g-cross`, 10, "globex-cross"]);
      check("own save", (await api.request("PUT", `/contacts/${t.mine.id}`, { name: "mine2", tenant_id: "globex-cross" }, t.acme)).body.tenant_id, "acme-cross");
    },
  },
  {
    name: "TENANT BY: lists, aggregates and relations (both ways, and in a WHERE) see the caller's tenant only",
    program: PROGRAM,
    unsupported,
    async run(api, check) {
      const t = await twoTenants(api, "rel");
      // A contact of acme's pointing at globex's account (an id a client can send): the account stays hidden.
      await api.request("POST", "/contacts", { name: "sneaky-rel", account: t.globexAccount.id }, t.acme);
      const list = (await api.request("GET", "/contacts", undefined, t.acme)).body as Array<{ name: string; tenant_id: string; account: { name: string } | null }>;
      check("list", list.map((c) => [c.name, c.tenant_id, c.account?.name ?? null]), [["a-rel", "acme-rel", "Acme rel"], ["sneaky-rel", "acme-rel", null]]);
      check("aggregates", (await api.request("GET", "/stats", undefined, t.globex)).body, { n: 1, total: 10 });
      check("inverse relation of an own account", (await api.request("GET", `/accounts/${t.acmeAccount.id}`, undefined, t.acme)).body, { id: t.acmeAccount.id, name: "Acme rel", contacts: [{ id: t.mine.id, name: "a-rel" }] });
      check("another tenant's account", (await api.request("GET", `/accounts/${t.globexAccount.id}`, undefined, t.acme)).status, 404);
      check("a WHERE through a relation", (await api.request("GET", `/contacts/in/${encodeURIComponent("Globex rel")}`, undefined, t.acme)).body, []);
      check("a WHERE through a relation, own", (await api.request("GET", `/contacts/in/${encodeURIComponent("Acme rel")}`, undefined, t.acme)).body, [{ id: t.mine.id, name: "a-rel" }]);
    },
  },
  {
    name: "TENANT BY: a shared entity's relations to a tenant entity hold the caller's tenant's rows only (none for an anonymous caller)",
    program: PROGRAM,
    unsupported,
    async run(api, check) {
      const t = await twoTenants(api, "shared");
      const region = (await api.request("POST", "/regions", { name: "north" })).body;
      await api.request("POST", "/contacts", { name: "a-north", region: region.id }, t.acme);
      await api.request("POST", "/contacts", { name: "g-north", region: region.id }, t.globex);
      const mine = (await api.request("GET", `/regions/${region.id}/mine`, undefined, t.acme)).body;
      check("signed in", [mine.contacts.map((c: { name: string }) => c.name), mine.contacts_count], [["a-north"], 1]);
      const anonymous = (await api.request("GET", `/regions/${region.id}`)).body;
      check("anonymous", [anonymous.name, anonymous.contacts, anonymous.contacts_count], ["north", [], 0]);
    },
  },
  {
    name: "TENANT BY: UNIQUE (tenant_id, name) is unique per tenant",
    program: PROGRAM,
    unsupported,
    async run(api, check) {
      const acme = await bearer(api, "ada", "acme-unique");
      const globex = await bearer(api, "hank", "globex-unique");
      check("first", (await api.request("POST", "/accounts", { name: "Same" }, acme)).status, 201);
      check("another tenant, same name", (await api.request("POST", "/accounts", { name: "Same" }, globex)).status, 201);
      check("same tenant, same name", (await api.request("POST", "/accounts", { name: "Same" }, acme)).status, 409);
    },
  },
  {
    name: "TENANT BY: deleting an account its contacts refer to is refused (409); another tenant's is a 404",
    program: PROGRAM,
    unsupported,
    async run(api, check) {
      const t = await twoTenants(api, "refs");
      check("referenced", (await api.request("DELETE", `/accounts/${t.acmeAccount.id}`, undefined, t.acme)).status, 409);
      check("another tenant's", (await api.request("DELETE", `/accounts/${t.globexAccount.id}`, undefined, t.acme)).status, 404);
      const lone = (await api.request("POST", "/accounts", { name: "lone-refs" }, t.acme)).body;
      check("unreferenced", (await api.request("DELETE", `/accounts/${lone.id}`, undefined, t.acme)).status, 200);
    },
  },
  {
    name: "TENANT BY: HISTORY and AS OF of another tenant's record are empty / 404",
    program: PROGRAM,
    unsupported,
    async run(api, check) {
      const t = await twoTenants(api, "time");
      await pause(15);
      const between = new Date().toISOString();
      await pause(15);
      await api.request("PATCH", `/contacts/${t.theirs.id}`, { score: 11 }, t.globex);
      const own = (await api.request("GET", `/contacts/${t.theirs.id}/history`, undefined, t.globex)).body as unknown[];
      check("its own tenant sees the versions", own.length, 2);
      check("history", (await api.request("GET", `/contacts/${t.theirs.id}/history`, undefined, t.acme)).body, []);
      const asOf = `/contacts/${t.theirs.id}/as-of/${encodeURIComponent(between)}`;
      check("as of, own tenant", (await api.request("GET", asOf, undefined, t.globex)).body.score, 10);
      check("as of, another tenant", (await api.request("GET", asOf, undefined, t.acme)).status, 404);
    },
  },
  {
    name: "TENANT BY: an ACTION runs with its caller's tenant; another tenant's record given to it answers 404 and is left unchanged",
    program: PROGRAM,
    unsupported,
    async run(api, check) {
      const t = await twoTenants(api, "act");
      const own = await api.request("POST", `/rescore/${t.mine.id}`, undefined, t.acme);
      check("own record, loaded and updated by the action", [own.status, own.body.score, own.body.tenant_id], [200, 6, "acme-act"]);
      const theirs = await api.request("POST", `/rescore/${t.theirs.id}`, undefined, t.acme);
      check("another tenant's record as an entity input", [theirs.status, theirs.body.errors?.[0]?.field], [404, "contact"]);
      check("another tenant's record by id in a step", (await api.request("POST", `/bump-one/${t.theirs.id}`, undefined, t.acme)).status, 404);
      const still = await api.request("GET", `/contacts/${t.theirs.id}`, undefined, t.globex);
      check("their record is untouched", [still.body.score, still.body.tenant_id], [10, "globex-act"]);
      const enrolled = await api.request("POST", "/enrol/a-new-act", undefined, t.acme);
      check("an action's insert is stamped with the caller's tenant", [enrolled.status, enrolled.body.contact.tenant_id], [201, "acme-act"]);
      check("an action's list sees the caller's tenant only", enrolled.body.names, ["a-act", "a-new-act"]);
      check("anonymous", (await api.request("POST", `/rescore/${t.mine.id}`)).status, 401);
    },
  },
];
