/**
 * Sensitive data beyond ENCRYPTED (issue 21 item 7): data subjects and MASKED fields, on every
 * driver that keeps data keys (embedded, PostgreSQL, MariaDB).
 *
 * - SUBJECT / PERSONAL DATA OF: forgetting a person erases the ENCRYPTED values of their own
 *   record and of every record that is their personal data — live, in every version and AS OF —
 *   while their other fields and other people's data keep working;
 * - MASKED: every answer (a row, a list, HISTORY, a text the handler made from the value, an
 *   aliased column) shows the value partially unless the caller holds a role the field names;
 *   the handler compares the real value; a 400 never quotes it; neither does an ENCRYPTED
 *   field's 400.
 */
import type { Api, Case, OwnProgram } from "./cases.js";

const pause = (ms: number) => new Promise((r) => setTimeout(r, ms));

const SUBJECTS: OwnProgram = {
  name: "subjects",
  source: `
ENTITY Person SUBJECT {
  name: text ENCRYPTED
  email: email? ENCRYPTED
  city: text
  orders: Order[] BY customer
}

ENTITY Order PERSONAL DATA OF customer {
  customer: Person
  address: text ENCRYPTED
  item: text
}

POST /people { RESPOND 201 INSERT INTO Person $body }
GET /people/:id { RESPOND SELECT * FROM Person WHERE id = $id }
GET /people/:id/orders { RESPOND SELECT name, orders { address, item ORDER_BY id } FROM Person WHERE id = $id }
POST /orders { RESPOND 201 INSERT INTO Order $body }
GET /orders/:id { RESPOND SELECT * FROM Order WHERE id = $id }
PATCH /orders/:id { RESPOND UPDATE Order SET $body WHERE id = $id }
GET /orders/:id/history { RESPOND HISTORY Order WHERE id = $id }
GET /orders/:id/as-of/:t { RESPOND SELECT address, item FROM Order AS OF $t WHERE id = $id }
`,
};

const MASKED: OwnProgram = {
  name: "masked",
  source: `
ENTITY Member {
  name: text
  ssn: text MASKED UNLESS auditor
  email: email MASKED
  phone: phone? MASKED
  club: text
}

VALIDATE Claims { sub: string  role: string }
VALIDATE SignIn { name: string  role: string }

AUTH jwt USING secret(env("KOVA_CONFORMANCE_JWT_KEY")) {
  claims: Claims
  roles: ["auditor", "member"]
}

POST /sign-in VALIDATE SignIn { RESPOND { token: sign_token({ sub: $body.name, role: $body.role }) } }
POST /members { RESPOND 201 INSERT INTO Member $body }
GET /members/:id AUTH optional { RESPOND SELECT * FROM Member WHERE id = $id }
PATCH /members/:id { RESPOND UPDATE Member SET $body WHERE id = $id }
GET /members/:id/history AUTH optional { RESPOND HISTORY Member WHERE id = $id }
GET /members/:id/card {
  m = SELECT * FROM Member WHERE id = $id
  IF m IS NULL {
    ERROR 404 "no member {$id}"
  }
  RESPOND { line: "{m.name}: {m.ssn}", copy: m.email }
}
GET /members/:id/check/:ssn {
  m = SELECT * FROM Member WHERE id = $id
  IF m IS NULL {
    ERROR 404 "no member {$id}"
  }
  RESPOND { matches: m.ssn == $ssn }
}
`,
};

/** The same program with an aliased column reading a MASKED field (a shaped SELECT). */
const MASKED_SHAPED: OwnProgram = {
  name: "masked-shaped",
  source: `${MASKED.source}
GET /clubs/:club/numbers { RESPOND SELECT ssn AS number FROM Member WHERE club = $club ORDER_BY id }
`,
};

const shapedRefused = {
  mongodb: "aliases and computed columns are refused at build time (KV9006) on MongoDB",
  redis: "Redis keeps rows by id only: shaped SELECTs are refused at build time (KV9006)",
};

const unsupported = {
  redis: "ENCRYPTED fields need a SQL data source: the build refuses them on Redis (KV2974)",
  mongodb: "ENCRYPTED fields need a SQL data source: the build refuses them on MongoDB (KV2974)",
  cockroach: "ENCRYPTED fields are not held on CockroachDB yet: the build refuses them (KV2974)",
};

async function made(api: Api, path: string, body: Record<string, unknown>, headers?: Record<string, string>): Promise<Record<string, unknown>> {
  const r = await api.request("POST", path, body, headers);
  if (r.status !== 201) throw new Error(`POST ${path} failed: ${r.status} ${JSON.stringify(r.body)}`);
  return r.body as Record<string, unknown>;
}

async function bearer(api: Api, name: string, role: string): Promise<Record<string, string>> {
  const signed = await api.request("POST", "/sign-in", { name, role });
  return { authorization: `Bearer ${signed.body.token as string}` };
}

export const SENSITIVE_CASES: Case[] = [
  {
    name: "SENSITIVE: forgetting a SUBJECT erases its ENCRYPTED values and those of its PERSONAL DATA, live, in history and AS OF; other people's data stay",
    program: SUBJECTS,
    unsupported,
    async run(api, check) {
      const ada = (await made(api, "/people", { name: "Ada", email: "ada@example.com", city: "London" })).id as number;
      const bob = (await made(api, "/people", { name: "Bob", city: "Totnes" })).id as number;
      const order = (await made(api, "/orders", { customer: ada, address: "1 Main St", item: "lamp" })).id as number;
      const other = (await made(api, "/orders", { customer: bob, address: "2 High St", item: "desk" })).id as number;
      await pause(20);
      const before = new Date().toISOString();
      await pause(20);
      check("an update of the order", (await api.request("PATCH", `/orders/${order}`, { address: "3 New Rd" })).body.address, "3 New Rd");
      check("nested personal data decrypts", (await api.request("GET", `/people/${ada}/orders`)).body, { id: ada, name: "Ada", orders: [{ id: order, address: "3 New Rd", item: "lamp" }] });
      check("an order is not its own subject: forgetting it by its id destroys no key", await api.secrets.forget("Order", other), 0);
      check("so it still reads", (await api.request("GET", `/orders/${other}`)).body.address, "2 High St");
      // Ada's insert, her order's insert and its update each wrote encrypted values under a key of Ada's.
      check("forgetting Ada destroys every key of hers", await api.secrets.forget("Person", ada), 3);
      check("her record: encrypted fields null, the rest kept", (await api.request("GET", `/people/${ada}`)).body, { id: ada, name: null, email: null, city: "London" });
      check("her order: the address null, the rest kept", (await api.request("GET", `/orders/${order}`)).body, { id: order, customer: ada, address: null, item: "lamp" });
      const history = (await api.request("GET", `/orders/${order}/history`)).body as Array<{ data: { address: unknown; item: unknown } }>;
      check("every version of the order", history.map((h) => [h.data.address, h.data.item]), [[null, "lamp"], [null, "lamp"]]);
      check("AS OF before the erasure: erased too", (await api.request("GET", `/orders/${order}/as-of/${before}`)).body, { id: order, address: null, item: "lamp" });
      check("Bob and his order are untouched", [(await api.request("GET", `/people/${bob}`)).body.name, (await api.request("GET", `/orders/${other}`)).body.address], ["Bob", "2 High St"]);
      check("and Bob's past", (await api.request("GET", `/orders/${other}/as-of/${before}`)).body, { id: other, address: "2 High St", item: "desk" });
      const stored = await api.secrets.stored("Order", order);
      check("the ciphertext stays, unreadable", typeof stored.row?.address === "string" && String(stored.row.address).startsWith("kova1:"), true);
      const again = await made(api, "/orders", { customer: ada, address: "4 Later Ln", item: "chair" });
      check("data written for her afterwards has a new key and reads", (await api.request("GET", `/orders/${again.id as number}`)).body.address, "4 Later Ln");
    },
  },
  {
    name: "SENSITIVE: an ENCRYPTED field's 400 names the field but never quotes the value",
    program: SUBJECTS,
    unsupported,
    async run(api, check) {
      const bad = await api.request("POST", "/people", { name: "Eve", email: "eve-secret-at-nowhere", city: "Paris" });
      check("400 naming the field", [bad.status, bad.body.errors?.[0]?.field], [400, "email"]);
      check("the value is not in the answer", JSON.stringify(bad.body).includes("eve-secret-at-nowhere"), false);
    },
  },
  {
    name: "SENSITIVE: MASKED values are shown partially in rows, what writes answer, history and texts made from them",
    program: MASKED,
    async run(api, check) {
      const body = { name: "Ada", ssn: "123-45-6789", email: "Ada@Example.com", phone: "+44 20 7946 0958", club: "chess" };
      const created = await api.request("POST", "/members", body);
      check("the insert's answer is masked", [created.status, created.body.name, created.body.ssn, created.body.email, created.body.phone, created.body.club], [201, "Ada", "*******6789", "a***@example.com", "+********0958", "chess"]);
      const id = created.body.id as number;
      check("a read", (await api.request("GET", `/members/${id}`)).body, { id, name: "Ada", ssn: "*******6789", email: "a***@example.com", phone: "+********0958", club: "chess" });
      check("an update's answer", (await api.request("PATCH", `/members/${id}`, { ssn: "987-65-4321" })).body.ssn, "*******4321");
      const history = (await api.request("GET", `/members/${id}/history`)).body as Array<{ data: { ssn: string; email: string } }>;
      check("every version", history.map((h) => [h.data.ssn, h.data.email]), [["*******6789", "a***@example.com"], ["*******4321", "a***@example.com"]]);
      check("a text made from it, and a copy under another name", (await api.request("GET", `/members/${id}/card`)).body, { line: "Ada: *******4321", copy: "a***@example.com" });
      check("the handler compares the real value", [(await api.request("GET", `/members/${id}/check/987-65-4321`)).body.matches, (await api.request("GET", `/members/${id}/check/0000`)).body.matches], [true, false]);
      const short = await api.request("POST", "/members", { name: "Bo", ssn: "12345", email: "b@x.io", club: "go" });
      check("a text under 8 characters is masked whole; null stays null", [short.body.ssn, short.body.email, short.body.phone], ["*****", "b***@x.io", null]);
    },
  },
  {
    name: "SENSITIVE: a MASKED field read in an aliased column is masked there too",
    program: MASKED_SHAPED,
    unsupported: shapedRefused,
    async run(api, check) {
      await made(api, "/members", { name: "Lin", ssn: "321-54-9876", email: "lin@example.com", club: "fencing" });
      check("an aliased column", (await api.request("GET", "/clubs/fencing/numbers")).body.map((r: { number: string }) => r.number), ["*******9876"]);
    },
  },
  {
    name: "SENSITIVE: MASKED UNLESS a role: a caller holding it sees the value whole, others masked",
    program: MASKED,
    async run(api, check) {
      const id = (await made(api, "/members", { name: "Grace", ssn: "555-12-3456", email: "grace@example.com", club: "bridge" })).id as number;
      const auditor = await bearer(api, "ida", "auditor");
      const member = await bearer(api, "max", "member");
      const seen = async (headers?: Record<string, string>) => {
        const row = (await api.request("GET", `/members/${id}`, undefined, headers)).body;
        return [row.ssn, row.email];
      };
      check("anonymous", await seen(), ["*******3456", "g***@example.com"]);
      check("another role", await seen(member), ["*******3456", "g***@example.com"]);
      check("the auditor sees the ssn whole (the email names no role: masked for all)", await seen(auditor), ["555-12-3456", "g***@example.com"]);
      const history = (await api.request("GET", `/members/${id}/history`, undefined, auditor)).body as Array<{ data: { ssn: string } }>;
      check("history too", history.map((h) => h.data.ssn), ["555-12-3456"]);
    },
  },
  {
    name: "SENSITIVE: a MASKED field's 400 names the field but never quotes the value",
    program: MASKED,
    async run(api, check) {
      const bad = await api.request("POST", "/members", { name: "Eve", ssn: "1", email: "eve@example.com", phone: "call-me-0123", club: "chess" });
      check("400 naming the field", [bad.status, bad.body.errors?.[0]?.field], [400, "phone"]);
      check("the value is not in the answer", JSON.stringify(bad.body).includes("call-me-0123"), false);
    },
  },
];
