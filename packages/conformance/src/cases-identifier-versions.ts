/**
 * Versioned identifiers and identifiers made for records that had none (issue 21 item 2), on every
 * SQL driver: `IDENTIFIER slug(title) VERSIONED` gives a record a new identifier when its title
 * changes, its old ones keep finding it (the answer shows the current one, so an endpoint can
 * redirect), and no identifier — current or retired — is ever given to another record of the same
 * tenant. An entity given an IDENTIFIER after records were made: the start-up migration makes theirs.
 */
import type { Api, Case, OwnProgram } from "./cases.js";

const PROGRAM: OwnProgram = {
  name: "identifier-versions",
  source: `
ENTITY Story PUBLIC ID uuid IDENTIFIER slug(title) VERSIONED {
  title: text
  body: text?
}

ENTITY Chapter TENANT BY org IDENTIFIER slug(title) VERSIONED {
  title: text
}

VALIDATE Claims { sub: string  org: string }
VALIDATE SignIn { name: string  org: string }

AUTH jwt USING secret(env("KOVA_CONFORMANCE_JWT_KEY")) {
  claims: Claims
}

POST /sign-in VALIDATE SignIn { RESPOND { token: sign_token({ sub: $body.name, org: $body.org }) } }

POST /stories { RESPOND 201 INSERT INTO Story $body }
GET /stories/:identifier {
  s = SELECT * FROM Story WHERE identifier = $identifier
  IF s IS NULL { ERROR 404 "no story {$identifier}" }
  RESPOND s
}
PATCH /stories/:identifier { RESPOND UPDATE Story SET $body WHERE identifier = $identifier }
PATCH /stories/by-id/:id { RESPOND UPDATE Story SET $body WHERE id = $id }
DELETE /stories/by-id/:id { RESPOND DELETE FROM Story WHERE id = $id }
GET /stories/by-id/:id/history { RESPOND HISTORY Story WHERE id = $id }

POST /chapters AUTH { RESPOND 201 INSERT INTO Chapter $body }
PATCH /chapters/:identifier AUTH { RESPOND UPDATE Chapter SET $body WHERE identifier = $identifier }
GET /chapters/:identifier AUTH { RESPOND SELECT title, identifier FROM Chapter WHERE identifier = $identifier }
`,
};

/** Before: two entities without IDENTIFIER; after: the same with one (stable, and VERSIONED). */
const LATER: OwnProgram = {
  name: "identifier-later",
  before: `
ENTITY Leaflet {
  title: text
}
ENTITY Pamphlet {
  title: text
}
POST /leaflets { RESPOND 201 INSERT INTO Leaflet $body }
POST /pamphlets { RESPOND 201 INSERT INTO Pamphlet $body }
`,
  source: `
ENTITY Leaflet IDENTIFIER slug(title) {
  title: text
}
ENTITY Pamphlet IDENTIFIER slug(title) VERSIONED {
  title: text
}
POST /leaflets { RESPOND 201 INSERT INTO Leaflet $body }
GET /leaflets/:id { RESPOND SELECT * FROM Leaflet WHERE id = $id }
GET /leaflets/named/:identifier { RESPOND SELECT * FROM Leaflet WHERE identifier = $identifier }
POST /pamphlets { RESPOND 201 INSERT INTO Pamphlet $body }
GET /pamphlets/:id { RESPOND SELECT * FROM Pamphlet WHERE id = $id }
PATCH /pamphlets/:id { RESPOND UPDATE Pamphlet SET $body WHERE id = $id }
GET /pamphlets/named/:identifier { RESPOND SELECT * FROM Pamphlet WHERE identifier = $identifier }
`,
};

const unsupported = {
  redis: "a VERSIONED identifier is claimed in a table of its own under a UNIQUE index, in the write's transaction: refused at build time (KV2931)",
  mongodb: "a VERSIONED identifier needs transactions and UNIQUE constraints: refused at build time (KV2931); this program is also TENANT BY (KV2864)",
  cockroach: "this program is TENANT BY, which the build refuses on CockroachDB (KV2864)",
};

const unsupportedLater = {
  redis: "identifiers for records made before the entity had an IDENTIFIER are made by the SQL drivers' migration",
  mongodb: "identifiers for records made before the entity had an IDENTIFIER are made by the SQL drivers' migration",
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

export const IDENTIFIER_VERSION_CASES: Case[] = [
  {
    name: "IDENTIFIER VERSIONED: a new title gives a new identifier, and the old one still finds the record",
    program: PROGRAM,
    unsupported,
    async run(api, check) {
      const s = await made(api, "/stories", { title: "First Title v1" });
      check("made from the title", s.identifier, "first-title-v1");
      const u = await api.request("PATCH", "/stories/first-title-v1", { title: "Second Title v1", identifier: "mine" });
      check("a new identifier (a client's ignored), the same public id", [u.status, u.body.identifier, u.body.id], [200, "second-title-v1", s.id]);
      const old = await api.request("GET", "/stories/first-title-v1");
      check("the old identifier finds the record, which shows the current one", [old.status, old.body.id, old.body.identifier], [200, s.id, "second-title-v1"]);
      check("the new one finds it", (await api.request("GET", "/stories/second-title-v1")).body.id, s.id);
      const same = await api.request("PATCH", "/stories/first-title-v1", { title: "Second  Title, v1!", body: "text" });
      check("a title with the same slug keeps it; an update by an old identifier", [same.status, same.body.identifier, same.body.body], [200, "second-title-v1", "text"]);
      const history = (await api.request("GET", `/stories/by-id/${s.id as string}/history`)).body as Array<{ data: { identifier: string } }>;
      check("each version with the identifier it had", history.map((h) => h.data.identifier), ["first-title-v1", "second-title-v1", "second-title-v1"]);
    },
  },
  {
    name: "IDENTIFIER VERSIONED: an old identifier is never given to another record; a record takes its own back",
    program: PROGRAM,
    unsupported,
    async run(api, check) {
      const a = await made(api, "/stories", { title: "Taken v2" });
      await api.request("PATCH", `/stories/by-id/${a.id as string}`, { title: "Moved v2" });
      const b = await made(api, "/stories", { title: "Taken v2" });
      check("the retired identifier is skipped", b.identifier, "taken-v2-2");
      check("and still finds the first record", (await api.request("GET", "/stories/taken-v2")).body.id, a.id);
      const back = await api.request("PATCH", `/stories/by-id/${a.id as string}`, { title: "Taken v2" });
      check("the first record takes its own back", [back.status, back.body.identifier], [200, "taken-v2"]);
      check("the one in between still finds it", (await api.request("GET", "/stories/moved-v2")).body.id, a.id);
      const c = await made(api, "/stories", { title: "Moved v2" });
      check("retired, so a new record with that title takes the next", c.identifier, "moved-v2-2");
    },
  },
  {
    name: "IDENTIFIER VERSIONED: a record deleted for good keeps its identifiers from others",
    program: PROGRAM,
    unsupported,
    async run(api, check) {
      const a = await made(api, "/stories", { title: "Gone v3" });
      check("deleted", (await api.request("DELETE", `/stories/by-id/${a.id as string}`)).status, 200);
      check("its identifier finds nothing", (await api.request("GET", "/stories/gone-v3")).status, 404);
      check("and is not given again", (await made(api, "/stories", { title: "Gone v3" })).identifier, "gone-v3-2");
    },
  },
  {
    name: "IDENTIFIER VERSIONED: two records renamed to one title at once get different identifiers",
    program: PROGRAM,
    unsupported,
    async run(api, check) {
      const one = await made(api, "/stories", { title: "One v4" });
      const two = await made(api, "/stories", { title: "Two v4" });
      const renamed = await Promise.all([one, two].map((s) => api.request("PATCH", `/stories/by-id/${s.id as string}`, { title: "Both v4" })));
      check("both renamed", renamed.map((r) => r.status), [200, 200]);
      check("different identifiers", renamed.map((r) => r.body.identifier as string).sort(), ["both-v4", "both-v4-2"]);
      check("old ones still find them", [(await api.request("GET", "/stories/one-v4")).body.id, (await api.request("GET", "/stories/two-v4")).body.id], [one.id, two.id]);
    },
  },
  {
    name: "IDENTIFIER VERSIONED: identifiers, current and retired, are per tenant",
    program: PROGRAM,
    unsupported,
    async run(api, check) {
      const acme = await bearer(api, "ada", "acme-v5");
      const globex = await bearer(api, "hank", "globex-v5");
      const first = await made(api, "/chapters", { title: "Intro" }, acme);
      const moved = await api.request("PATCH", "/chapters/intro", { title: "Start" }, acme);
      check("renamed within acme", [moved.status, moved.body.identifier], [200, "start"]);
      const g = await made(api, "/chapters", { title: "Intro" }, globex);
      check("another tenant may use it", g.identifier, "intro");
      const a2 = await made(api, "/chapters", { title: "Intro" }, acme);
      check("acme's retired one is not given again in acme", a2.identifier, "intro-2");
      check("acme's old link finds acme's record", (await api.request("GET", "/chapters/intro", undefined, acme)).body, { id: first.id, title: "Start", identifier: "start" });
      check("globex's finds globex's", (await api.request("GET", "/chapters/intro", undefined, globex)).body, { id: g.id, title: "Intro", identifier: "intro" });
      check("globex cannot reach acme's by its new one", (await api.request("GET", "/chapters/start", undefined, globex)).status, 404);
    },
  },
  {
    name: "IDENTIFIER added to an entity with records: the migration makes theirs, with suffixes for clashes",
    program: LATER,
    unsupported: unsupportedLater,
    async before(api) {
      const leaflets = [];
      for (const title of ["Hello b1", "Hello b1", "!!!"]) leaflets.push((await made(api, "/leaflets", { title })).id);
      const pamphlet = (await made(api, "/pamphlets", { title: "Old b1" })).id;
      return { leaflets, pamphlet };
    },
    async run(api, check, before) {
      const { leaflets, pamphlet } = before as { leaflets: number[]; pamphlet: number };
      const identifiers = [];
      for (const id of leaflets) identifiers.push((await api.request("GET", `/leaflets/${id}`)).body.identifier);
      check("made by the insert's rule, in the order the records were made", identifiers, ["hello-b1", "hello-b1-2", "leaflet"]);
      check("found by it", (await api.request("GET", "/leaflets/named/hello-b1-2")).body.id, leaflets[1]);
      check("a new record takes the next", (await made(api, "/leaflets", { title: "Hello b1" })).identifier, "hello-b1-3");
      check("VERSIONED too", (await api.request("GET", `/pamphlets/${pamphlet}`)).body.identifier, "old-b1");
      const renamed = await api.request("PATCH", `/pamphlets/${pamphlet}`, { title: "New b1" });
      check("renamed", [renamed.status, renamed.body.identifier], [200, "new-b1"]);
      check("its first identifier still finds it", (await api.request("GET", "/pamphlets/named/old-b1")).body.id, pamphlet);
      check("and is not given again", (await made(api, "/pamphlets", { title: "Old b1" })).identifier, "old-b1-2");
    },
  },
];
