/**
 * ENCRYPTED fields and `kova db forget` (issue 21 item 7) on embedded, PostgreSQL and MariaDB: the
 * app reads and writes plaintext, the database holds ciphertext only — in the live row and in
 * history; forgetting a record makes every version of its encrypted values read as null while its
 * other fields, other records and AS OF keep working; rotating the master key re-wraps the data
 * keys so the old master key can be dropped.
 */
import type { Case, OwnProgram } from "./cases.js";

const pause = (ms: number) => new Promise((r) => setTimeout(r, ms));

const PROGRAM: OwnProgram = {
  name: "encrypted",
  source: `
ENTITY Patient {
  tag: text INDEX
  name: text ENCRYPTED
  email: email? ENCRYPTED
  ward: text
  visits: Visit[] BY patient
}

ENTITY Visit {
  patient: Patient
  note: text ENCRYPTED
}

POST /patients { RESPOND 201 INSERT INTO Patient $body }
GET /patients/:id { RESPOND SELECT * FROM Patient WHERE id = $id }
PATCH /patients/:id { RESPOND UPDATE Patient SET $body WHERE id = $id }
GET /patients/:id/history { RESPOND HISTORY Patient WHERE id = $id }
GET /patients/:id/as-of/:t { RESPOND SELECT name, ward FROM Patient AS OF $t WHERE id = $id }
GET /tags/:tag/patients { RESPOND SELECT name, email, ward FROM Patient WHERE tag = $tag ORDER_BY id }
POST /visits { RESPOND 201 INSERT INTO Visit $body }
GET /patients/:id/visits { RESPOND SELECT name, visits { note ORDER_BY id } FROM Patient WHERE id = $id }
`,
};

const unsupported = {
  redis: "ENCRYPTED fields need a SQL data source: the build refuses them on Redis (KV2974)",
  mongodb: "ENCRYPTED fields need a SQL data source: the build refuses them on MongoDB (KV2974)",
  cockroach: "ENCRYPTED fields are not held on CockroachDB yet: the build refuses them (KV2974)",
};

async function patient(api: Parameters<Case["run"]>[0], body: Record<string, unknown>): Promise<number> {
  const made = await api.request("POST", "/patients", body);
  if (made.status !== 201) throw new Error(`insert failed: ${made.status} ${JSON.stringify(made.body)}`);
  return made.body.id as number;
}

/** Whether a stored value is ciphertext that does not show the plaintext. */
const sealed = (value: unknown, plain: string) => typeof value === "string" && value.startsWith("kova1:") && !value.includes(plain);

export const ENCRYPTED_CASES: Case[] = [
  {
    name: "ENCRYPTED: the app reads and writes plaintext; the row and its history hold only ciphertext",
    program: PROGRAM,
    unsupported,
    async run(api, check) {
      const made = await api.request("POST", "/patients", { tag: "e1", name: "Ada Lovelace", email: "Ada@Example.com", ward: "A" });
      // The email type's canonical form (lower case) is what is encrypted.
      check("insert answers plaintext", [made.status, made.body.name, made.body.email, made.body.ward], [201, "Ada Lovelace", "ada@example.com", "A"]);
      const id = made.body.id as number;
      check("read back", (await api.request("GET", `/patients/${id}`)).body, { id, tag: "e1", name: "Ada Lovelace", email: "ada@example.com", ward: "A" });
      check("an update", (await api.request("PATCH", `/patients/${id}`, { name: "Ada King" })).body.name, "Ada King");
      check("a list", (await api.request("GET", "/tags/e1/patients")).body, [{ id, name: "Ada King", email: "ada@example.com", ward: "A" }]);
      const history = (await api.request("GET", `/patients/${id}/history`)).body as Array<{ data: { name: string } }>;
      check("history decrypted", history.map((h) => h.data.name), ["Ada Lovelace", "Ada King"]);
      const stored = await api.secrets.stored("Patient", id);
      check("the row holds ciphertext", [sealed(stored.row?.name, "Ada"), sealed(stored.row?.email, "example"), stored.row?.ward], [true, true, "A"]);
      check("so do its versions", stored.history.map((d) => sealed(d.name, "Ada")), [true, true]);
      check("each version under a key of its own", new Set(stored.history.map((d) => String(d.name).split(":")[1])).size, 2);
      const bad = await api.request("POST", "/patients", { tag: "e1", name: "x", email: "not an email", ward: "A" });
      check("the declared type is checked before encryption", [bad.status, bad.body.errors?.[0]?.field], [400, "email"]);
      check("null stays null", (await api.request("POST", "/patients", { tag: "e1b", name: "Bob", email: null, ward: "B" })).body.email, null);
    },
  },
  {
    name: "ENCRYPTED: a nested selection of related records decrypts their values",
    program: PROGRAM,
    unsupported,
    async run(api, check) {
      const id = await patient(api, { tag: "e2", name: "Grace", ward: "C" });
      const visit = await api.request("POST", "/visits", { patient: id, note: "flu shot" });
      check("insert", [visit.status, visit.body.note], [201, "flu shot"]);
      check("nested", (await api.request("GET", `/patients/${id}/visits`)).body, { id, name: "Grace", visits: [{ id: visit.body.id, note: "flu shot" }] });
    },
  },
  {
    name: "ENCRYPTED: kova db forget erases one record's encrypted values, live and in history; other records and AS OF keep working",
    program: PROGRAM,
    unsupported,
    async run(api, check) {
      const ada = await patient(api, { tag: "e3", name: "Ada", email: "ada@example.com", ward: "A" });
      const bob = await patient(api, { tag: "e3", name: "Bob", email: "bob@example.com", ward: "B" });
      await pause(20);
      const before = new Date().toISOString();
      await pause(20);
      await api.request("PATCH", `/patients/${ada}`, { name: "Ada K" });
      await api.request("PATCH", `/patients/${bob}`, { name: "Bob M" });
      check("two keys destroyed (one per version that wrote encrypted values)", await api.secrets.forget("Patient", ada), 2);
      check("the live row: encrypted fields read as null, the others as they were", (await api.request("GET", `/patients/${ada}`)).body, { id: ada, tag: "e3", name: null, email: null, ward: "A" });
      const history = (await api.request("GET", `/patients/${ada}/history`)).body as Array<{ data: { name: unknown; ward: unknown } }>;
      check("every version of it", history.map((h) => [h.data.name, h.data.ward]), [[null, "A"], [null, "A"]]);
      check("AS OF before the erasure: erased too", (await api.request("GET", `/patients/${ada}/as-of/${before}`)).body, { id: ada, name: null, ward: "A" });
      check("another record is untouched", (await api.request("GET", `/patients/${bob}`)).body.name, "Bob M");
      check("and its past", (await api.request("GET", `/patients/${bob}/as-of/${before}`)).body, { id: bob, name: "Bob", ward: "B" });
      check("a list shows both", (await api.request("GET", "/tags/e3/patients")).body, [{ id: ada, name: null, email: null, ward: "A" }, { id: bob, name: "Bob M", email: "bob@example.com", ward: "B" }]);
      const stored = await api.secrets.stored("Patient", ada);
      check("the ciphertext stays, unreadable", sealed(stored.row?.name, "Ada"), true);
      check("forgetting again destroys nothing more", await api.secrets.forget("Patient", ada), 0);
      const later = await api.request("PATCH", `/patients/${ada}`, { name: "A. K." });
      check("a new value written after the erasure is readable", later.body.name, "A. K.");
    },
  },
  {
    name: "ENCRYPTED: rotating the master key re-wraps the data keys; the values then read with the new key alone",
    program: PROGRAM,
    unsupported,
    async run(api, check) {
      const id = await patient(api, { tag: "e4", name: "Hedy", email: "hedy@example.com", ward: "D" });
      const next = Buffer.alloc(32, 9).toString("base64");
      const rotated = await api.secrets.rotate(next, "Patient", id);
      check("keys re-wrapped", rotated.rewrapped > 0, true);
      check("read with the new key alone", [rotated.record?.name, rotated.record?.email], ["Hedy", "hedy@example.com"]);
    },
  },
];
