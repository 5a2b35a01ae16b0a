/**
 * Conformance cases: what every driver must answer, written as requests against the programs in
 * programs.ts with the exact responses expected. A case fails on the first mismatch, naming it.
 */
import { AGGREGATE_CASES } from "./cases-aggregates.js";
import { LIST_CASES } from "./cases-lists.js";
import { RICH_TYPE_CASES } from "./cases-rich-types.js";
import { JSON_CASES } from "./cases-json.js";
import { REQUEST_CASES } from "./cases-request.js";
import { HISTORY_CONTROL_CASES } from "./cases-history-control.js";
import { AUDIT_CASES } from "./cases-audit.js";
import { SOFT_DELETE_CASES } from "./cases-soft-delete.js";
import { TENANT_CASES } from "./cases-tenants.js";
import { READ_MODEL_CASES } from "./cases-read-models.js";
import { PUBLIC_ID_CASES } from "./cases-public-id.js";
import { PUBLIC_ID_KIND_CASES } from "./cases-public-id-kinds.js";
import { IDENTIFIER_CASES } from "./cases-identifier.js";
import { IDENTIFIER_VERSION_CASES } from "./cases-identifier-versions.js";
import { PUBLIC_CURSOR_CASES } from "./cases-public-cursor.js";

import { TRANSACTION_CASES } from "./cases-transactions.js";
import { CHANGE_CASES } from "./cases-changes.js";
import { ACTION_CASES } from "./cases-actions.js";
import { ENCRYPTED_CASES } from "./cases-encrypted.js";
import { SENSITIVE_CASES } from "./cases-sensitive.js";

export interface Api {
  /** `headers` are added to the request (e.g. an authorization header). */
  request(method: string, path: string, body?: unknown, headers?: Record<string, string>): Promise<{ status: number; body: any }>;
  /** The app's data keys and its store as stored, for the cases of ENCRYPTED fields (secrets-api.ts). */
  secrets: SecretsApi;
}

/** What `kova db forget` and `kova db rotate-keys` do, and what the database really holds. */
export interface SecretsApi {
  /** `kova db forget <entity> <id>`: how many data keys were destroyed. */
  forget(entity: string, id: number): Promise<number>;
  /** The record's row and its history entries' data as the database holds them (no decryption). */
  stored(entity: string, id: number): Promise<{ row: Record<string, unknown> | null; history: Array<Record<string, unknown>> }>;
  /**
   * `kova db rotate-keys` with `next` as the new KOVA_DATA_KEY and the app's key retired: how many
   * data keys were re-wrapped, and the record read back with the new key alone.
   */
  rotate(next: string, entity: string, id: number): Promise<{ rewrapped: number; record: Record<string, unknown> | null }>;
}

export interface Case {
  name: string;
  /**
   * Which program the case needs: `full` (filters, ordering), `kv` (by-id access only) or
   * `evolve` (by-id access, across a schema change: `before` runs against EVOLVE_BEFORE, then the
   * app stops, EVOLVE_AFTER is built and started on the same database, and `run` runs against it).
   */
  program: "full" | "kv" | "evolve" | "relations" | OwnProgram;
  /**
   * A program of the case's own (run like `full`, on drivers that run it), instead of FULL_PROGRAM:
   * cases sharing one source share one app.
   */
  source?: string;
  /** Drivers that cannot do what the case asks, and why (shown as n/a, with the reason, in the table). */
  unsupported?: Record<string, string>;
  /** For `evolve` cases: the requests before the schema change; what it returns is given to `run`. */
  before?(api: Api): Promise<unknown>;
  run(api: Api, check: Check, before?: unknown): Promise<void>;
}

/**
 * A program of a case file's own (run like `full`, by drivers that run arbitrary filters): cases
 * naming the same `name` share one build of `source`.
 */
export interface OwnProgram {
  name: string;
  source: string;
  /**
   * A program the app runs first, as `evolve` cases do: the cases' `before` runs against it, then
   * the app stops, `source` is built and started on the same database, and `run` runs against it.
   */
  before?: string;
}

export class Mismatch extends Error {}

export type Check = (what: string, actual: unknown, expected: unknown) => void;

export const check: Check = (what, actual, expected) => {
  const a = JSON.stringify(actual);
  const e = JSON.stringify(expected);
  if (a !== e) throw new Mismatch(`${what}: expected ${e}, got ${a}`);
};

/**
 * JSON values are compared as JSON: an object's key order carries no meaning (RFC 8259), and
 * PostgreSQL's jsonb, for one, does not keep it.
 */
export function canonicalJson(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(canonicalJson);
  if (value === null || typeof value !== "object") return value;
  return Object.fromEntries(Object.keys(value).sort().map((k) => [k, canonicalJson((value as Record<string, unknown>)[k])]));
}

const pause = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Inserts rows into a group and returns their ids, in order. */
async function seed(api: Api, grp: string, rows: Array<Record<string, unknown>>): Promise<number[]> {
  const ids: number[] = [];
  for (const row of rows) {
    const r = await api.request("POST", "/items", { grp, ...row });
    if (r.status !== 201) throw new Mismatch(`seeding ${JSON.stringify(row)}: status ${r.status} ${JSON.stringify(r.body)}`);
    ids.push(r.body.id);
  }
  return ids;
}

const names = (rows: Array<{ name: string }>) => rows.map((r) => r.name);

import { RELATION_CASES } from "./relation-cases.js";

export const CASES: Case[] = [
  {
    name: "insert, read, update, delete",
    program: "full",
    async run(api, check) {
      const created = await api.request("POST", "/items", { grp: "crud", name: "lamp", qty: 3, price: 19.99, ratio: 0.25, active: false, day: "2026-02-28", code: "L-1", meta: { tags: ["a", "b"], n: 1 } });
      check("insert status", created.status, 201);
      const id = created.body.id;
      const json = (row: { meta: unknown }) => ({ ...row, meta: canonicalJson(row.meta) });
      check("inserted row", json(created.body), { id, grp: "crud", name: "lamp", qty: 3, price: 19.99, ratio: 0.25, active: false, seen_at: null, day: "2026-02-28", code: "L-1", meta: { n: 1, tags: ["a", "b"] } });
      check("read back", json((await api.request("GET", `/items/${id}`)).body), json(created.body));
      const updated = await api.request("PUT", `/items/${id}`, { qty: 4, name: "desk lamp" });
      check("update", [updated.status, updated.body.name, updated.body.qty, updated.body.price], [200, "desk lamp", 4, 19.99]);
      check("delete", (await api.request("DELETE", `/items/${id}`)).status, 204);
      check("read after delete", (await api.request("GET", `/items/${id}`)).status, 404);
      check("delete again", (await api.request("DELETE", `/items/${id}`)).status, 404);
    },
  },
  {
    name: "defaults and NULLs",
    program: "full",
    async run(api, check) {
      const [a, b] = await seed(api, "nulls", [{ name: "a", qty: null }, { name: "b" }, { name: "c", qty: 0 }]);
      const row = (await api.request("GET", `/items/${b}`)).body;
      check("omitted fields are null, defaults applied", [row.qty, row.price, row.meta, row.active], [null, null, null, true]);
      check("IS NULL", names((await api.request("GET", "/groups/nulls/no-qty")).body), ["a", "b"]);
      check("IS NOT NULL", names((await api.request("GET", "/groups/nulls/with-qty")).body), ["c"]);
      check("= 0 is not NULL", names((await api.request("GET", "/groups/nulls/qty-equals?qty=0")).body), ["c"]);
      check("= missing value matches NULL (null-safe)", names((await api.request("GET", "/groups/nulls/qty-equals")).body), ["a", "b"]);
      check("first id", typeof a, "number");
    },
  },
  {
    name: "ordering (binary collation, NULLs first ascending)",
    program: "full",
    async run(api, check) {
      await seed(api, "order", [{ name: "b", qty: 2 }, { name: "A", qty: null }, { name: "é", qty: -1 }, { name: "a", qty: 2 }, { name: "B", qty: 10 }]);
      check("ORDER_BY name", names((await api.request("GET", "/groups/order/by-name")).body), ["A", "B", "a", "b", "é"]);
      check("ORDER_BY qty, id", names((await api.request("GET", "/groups/order/by-qty")).body), ["A", "é", "b", "a", "B"]);
      check("ORDER_BY qty DESC, id", names((await api.request("GET", "/groups/order/by-qty-desc")).body), ["B", "b", "a", "é", "A"]);
    },
  },
  {
    name: "LIMIT and OFFSET",
    program: "full",
    async run(api, check) {
      await seed(api, "page", ["p1", "p2", "p3", "p4", "p5"].map((name) => ({ name })));
      const page = (await api.request("GET", "/groups/page/page?limit=2&offset=1")).body;
      check("page rows are {id, name}", page.map((r: Record<string, unknown>) => Object.keys(r)), [["id", "name"], ["id", "name"]]);
      check("page names", names(page), ["p2", "p3"]);
      check("limit 0", (await api.request("GET", "/groups/page/page?limit=0&offset=0")).body, []);
      check("offset past the end", (await api.request("GET", "/groups/page/page?limit=10&offset=99")).body, []);
      check("negative limit is a 400", (await api.request("GET", "/groups/page/page?limit=-1&offset=0")).status, 400);
    },
  },
  {
    name: "unicode round-trips",
    program: "full",
    async run(api, check) {
      const samples = ["naïve café", "日本語のテキスト", "emoji 🦊🚀👩🏽‍💻", "שלום עולם", "e\u0301 combining", "tab\tand\nnewline", "zero\u200bwidth"];
      const ids = await seed(api, "uni", samples.map((name) => ({ name })));
      for (let i = 0; i < ids.length; i++) check(`round-trip ${JSON.stringify(samples[i])}`, (await api.request("GET", `/items/${ids[i]}`)).body.name, samples[i]);
      check("exact lookup", names((await api.request("GET", `/groups/uni/named?name=${encodeURIComponent("emoji 🦊🚀👩🏽‍💻")}`)).body), ["emoji 🦊🚀👩🏽‍💻"]);
    },
  },
  {
    name: "NUL characters in text",
    program: "full",
    unsupported: {
      postgres: "PostgreSQL text cannot hold U+0000; such a value is refused with a 400 naming the field",
      cockroach: "CockroachDB text cannot hold U+0000",
    },
    async run(api, check) {
      const [id] = await seed(api, "nul", [{ name: "a\u0000b" }]);
      check("round-trip", (await api.request("GET", `/items/${id}`)).body.name, "a\u0000b");
    },
  },
  {
    name: "large, negative and fractional numbers",
    program: "full",
    async run(api, check) {
      const values = [9007199254740991, -9007199254740991, 0, -1];
      const ids = await seed(api, "num", values.map((qty, i) => ({ name: `n${i}`, qty, ratio: [-0.5, 1e-10, 3.141592653589793, -1e300][i] })));
      for (let i = 0; i < ids.length; i++) {
        const row = (await api.request("GET", `/items/${ids[i]}`)).body;
        check(`int ${values[i]}`, row.qty, values[i]);
        check(`float ${i}`, row.ratio, [-0.5, 1e-10, 3.141592653589793, -1e300][i]);
      }
      check("beyond 2^53 is a 400", (await api.request("POST", "/items", { grp: "num", name: "big", qty: 9007199254740993 })).status, 400);
    },
  },
  {
    name: "decimals",
    program: "full",
    async run(api, check) {
      const prices = [0.1, 19.99, 1234567.891, -0.01, 0];
      const ids = await seed(api, "dec", prices.map((price, i) => ({ name: `d${i}`, price })));
      for (let i = 0; i < ids.length; i++) check(`price ${prices[i]}`, (await api.request("GET", `/items/${ids[i]}`)).body.price, prices[i]);
      check("price < 1 OR NOT active", names((await api.request("GET", "/groups/dec/cheap-or-inactive")).body), ["d0", "d3", "d4"]);
    },
  },
  {
    name: "timestamps and time zones",
    program: "full",
    async run(api, check) {
      const [a, b, c] = await seed(api, "time", [
        { name: "plus-two", seen_at: "2026-01-01T10:00:00+02:00" },
        { name: "utc", seen_at: "2026-01-01T08:30:00Z" },
        { name: "millis", seen_at: "2026-01-01T07:59:59.999Z", day: "2026-12-31" },
      ]);
      check("offset normalised to UTC", (await api.request("GET", `/items/${a}`)).body.seen_at, "2026-01-01T08:00:00.000Z");
      check("UTC with ms", (await api.request("GET", `/items/${b}`)).body.seen_at, "2026-01-01T08:30:00.000Z");
      const millis = (await api.request("GET", `/items/${c}`)).body;
      check("milliseconds kept, date unchanged", [millis.seen_at, millis.day], ["2026-01-01T07:59:59.999Z", "2026-12-31"]);
      check("compare across zones", names((await api.request("GET", `/groups/time/seen-after?t=${encodeURIComponent("2026-01-01T08:59:59.999+01:00")}`)).body), ["plus-two", "utc"]);
    },
  },
  {
    name: "empty results",
    program: "full",
    async run(api, check) {
      check("empty list", (await api.request("GET", "/groups/nobody/by-name")).body, []);
      check("count of nothing", (await api.request("GET", "/groups/nobody/count")).body, { count: 0 });
      check("missing row is 404", (await api.request("GET", "/items/987654321")).status, 404);
      check("history of nothing", (await api.request("GET", "/items/987654321/history")).body, []);
    },
  },
  {
    name: "injection strings stay values",
    program: "full",
    async run(api, check) {
      const nasty = ["'; DROP TABLE item; --", "\" OR 1=1 --", "back\\slash", "100% off", "under_score", "Robert'); DROP TABLE item__history;--", "$where: 1", "{\"$gt\": \"\"}"];
      const ids = await seed(api, "inj", nasty.map((name) => ({ name })));
      for (let i = 0; i < ids.length; i++) check(`round-trip ${nasty[i]}`, (await api.request("GET", `/items/${ids[i]}`)).body.name, nasty[i]);
      check("quote in a filter matches nothing", (await api.request("GET", `/groups/inj/named?name=${encodeURIComponent("' OR '1'='1")}`)).body, []);
      check("exact match of a quote string", names((await api.request("GET", `/groups/inj/named?name=${encodeURIComponent(nasty[0])}`)).body), [nasty[0]]);
      check("LIKE with a literal prefix", names((await api.request("GET", `/groups/inj/like?p=${encodeURIComponent("back%")}`)).body), ["back\\slash"]);
      check("table still there", (await api.request("GET", "/groups/inj/count")).body, { count: nasty.length });
    },
  },
  {
    name: "UNIQUE violations are 409",
    program: "full",
    async run(api, check) {
      await seed(api, "uniq", [{ name: "first", code: "U-1" }]);
      const dup = await api.request("POST", "/items", { grp: "uniq", name: "second", code: "U-1" });
      check("duplicate code", dup.status, 409);
      check("nothing written", (await api.request("GET", "/groups/uniq/count")).body, { count: 1 });
      check("NULLs do not collide", (await seed(api, "uniq", [{ name: "n1" }, { name: "n2" }])).length, 2);
    },
  },
  {
    name: "concurrent writes",
    program: "full",
    async run(api, check) {
      const results = await Promise.all(Array.from({ length: 40 }, (_, i) => api.request("POST", "/items", { grp: "conc", name: `c${i}`, qty: i })));
      check("all acknowledged", results.every((r) => r.status === 201), true);
      check("distinct ids", new Set(results.map((r) => r.body.id)).size, 40);
      check("all stored", (await api.request("GET", "/groups/conc/count")).body, { count: 40 });
      const history = (await api.request("GET", "/groups/conc/history")).body as Array<{ version: number; operation: string }>;
      check("one insert version each", [history.length, history.every((h) => h.operation === "insert")], [40, true]);
      check("versions strictly increase", history.every((h, i) => i === 0 || h.version > history[i - 1].version), true);
    },
  },
  {
    name: "IN lists",
    program: "full",
    async run(api, check) {
      const ids = await seed(api, "in", ["i1", "i2", "i3", "i4"].map((name) => ({ name })));
      check("IN two ids", names((await api.request("POST", "/groups/in/find", { ids: [ids[3], ids[1]] })).body), ["i2", "i4"]);
      check("IN empty list", (await api.request("POST", "/groups/in/find", { ids: [] })).body, []);
    },
  },
  {
    name: "history of a row",
    program: "full",
    async run(api, check) {
      const [id] = await seed(api, "hist", [{ name: "v1", qty: 1 }]);
      await api.request("PUT", `/items/${id}`, { name: "v2" });
      await api.request("PUT", `/items/${id}`, { qty: 3 });
      await api.request("DELETE", `/items/${id}`);
      const history = (await api.request("GET", `/items/${id}/history`)).body as Array<{ version: number; operation: string; at: string; data: { name: string; qty: number } }>;
      check("operations", history.map((h) => h.operation), ["insert", "update", "update", "delete"]);
      check("data per version", history.map((h) => [h.data.name, h.data.qty]), [["v1", 1], ["v2", 1], ["v2", 3], ["v2", 3]]);
      check("versions increase", history.every((h, i) => i === 0 || h.version > history[i - 1].version), true);
      check("times are ISO and ordered", history.every((h, i) => /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/.test(h.at) && (i === 0 || h.at >= history[i - 1].at)), true);
    },
  },
  {
    name: "AS OF (time travel)",
    program: "full",
    async run(api, check) {
      const before = new Date().toISOString();
      await pause(20);
      const [id] = await seed(api, "asof", [{ name: "old", qty: 1 }]);
      await pause(20);
      const t1 = new Date().toISOString();
      await pause(20);
      await api.request("PUT", `/items/${id}`, { name: "new", qty: 2 });
      await pause(20);
      const t2 = new Date().toISOString();
      await pause(20);
      await api.request("DELETE", `/items/${id}`);
      await pause(20);
      const t3 = new Date().toISOString();
      check("before creation", (await api.request("GET", `/items/${id}/as-of/${before}`)).status, 404);
      check("after insert", (await api.request("GET", `/items/${id}/as-of/${t1}`)).body.name, "old");
      check("after update", (await api.request("GET", `/items/${id}/as-of/${t2}`)).body.name, "new");
      check("after delete", (await api.request("GET", `/items/${id}/as-of/${t3}`)).status, 404);
      check("epoch milliseconds", (await api.request("GET", `/items/${id}/as-of/${Date.parse(t1)}`)).body.name, "old");
      check("a deleted row, read as of before its deletion, in a list", (await api.request("GET", `/groups/asof/as-of/${t2}`)).body, [{ id, name: "new", qty: 2 }]);
      check("not a timestamp", (await api.request("GET", `/items/${id}/as-of/yesterday`)).status, 400);
    },
  },
  {
    name: "key-value: insert, read, update, delete",
    program: "kv",
    async run(api, check) {
      const created = await api.request("POST", "/notes", { title: "kv", stars: 5 });
      check("insert", [created.status, created.body.title, created.body.stars], [201, "kv", 5]);
      const id = created.body.id;
      check("read", (await api.request("GET", `/notes/${id}`)).body, { id, title: "kv", stars: 5 });
      check("update", (await api.request("PUT", `/notes/${id}`, { stars: 4 })).body, { id, title: "kv", stars: 4 });
      check("delete", (await api.request("DELETE", `/notes/${id}`)).status, 204);
      check("gone", (await api.request("GET", `/notes/${id}`)).status, 404);
    },
  },
  {
    name: "key-value: listing and paging by id",
    program: "kv",
    async run(api, check) {
      const ids: number[] = [];
      for (const title of ["k1", "k2", "k3"]) ids.push((await api.request("POST", "/notes", { title })).body.id);
      const all = (await api.request("GET", "/notes?limit=1000")).body as Array<{ id: number; title: string }>;
      const mine = all.filter((n) => ids.includes(n.id));
      check("listed in id order", mine.map((n) => n.title), ["k1", "k2", "k3"]);
      check("ascending ids", all.every((n, i) => i === 0 || n.id > all[i - 1].id), true);
      const index = all.findIndex((n) => n.id === ids[1]);
      check("offset and limit", (await api.request("GET", `/notes?limit=1&offset=${index}`)).body, [{ id: ids[1], title: "k2", stars: null }]);
    },
  },
  {
    name: "key-value: history and AS OF",
    program: "kv",
    async run(api, check) {
      const id = (await api.request("POST", "/notes", { title: "first" })).body.id;
      await pause(20);
      const t1 = new Date().toISOString();
      await pause(20);
      await api.request("PUT", `/notes/${id}`, { title: "second" });
      await api.request("DELETE", `/notes/${id}`);
      const history = (await api.request("GET", `/notes/${id}/history`)).body as Array<{ operation: string; data: { title: string } }>;
      check("history", history.map((h) => [h.operation, h.data.title]), [["insert", "first"], ["update", "second"], ["delete", "second"]]);
      check("as of before the update", (await api.request("GET", `/notes/${id}/as-of/${t1}`)).body.title, "first");
    },
  },
  {
    name: "a list with an optional filter",
    program: "full",
    async run(api, check) {
      await seed(api, "opt", [{ name: "on", active: true }, { name: "off", active: false }]);
      check("filter left out", names((await api.request("GET", "/groups/opt/optional-active")).body), ["on", "off"]);
      check("filter true", names((await api.request("GET", "/groups/opt/optional-active?active=true")).body), ["on"]);
      check("filter false", names((await api.request("GET", "/groups/opt/optional-active?active=false")).body), ["off"]);
    },
  },
  {
    name: "fields named at, version and op",
    program: "full",
    async run(api, check) {
      const created = await api.request("POST", "/stamps", { at: "noon", version: 7, op: "x" });
      check("insert", [created.status, created.body.at, created.body.version, created.body.op], [201, "noon", 7, "x"]);
      const id = created.body.id;
      await pause(20);
      const t1 = new Date().toISOString();
      await pause(20);
      check("update", (await api.request("PUT", `/stamps/${id}`, { at: "dusk", version: 8 })).body, { id, at: "dusk", version: 8, op: "x" });
      const history = (await api.request("GET", `/stamps/${id}/history`)).body as Array<{ version: number; operation: string; at: string; data: Record<string, unknown> }>;
      check("history data", history.map((h) => [h.operation, h.data.at, h.data.version]), [["insert", "noon", 7], ["update", "dusk", 8]]);
      check("the entry's own version and at", history.every((h) => typeof h.version === "number" && /^\d{4}-\d\d-\d\dT/.test(h.at)), true);
      check("as of before the update", (await api.request("GET", `/stamps/${id}/as-of/${t1}`)).body.at, "noon");
      check("filter on the field at", (await api.request("GET", "/stamps-at/dusk")).body.map((r: { id: number }) => r.id), [id]);
    },
  },
  {
    name: "SET computed from the row is atomic",
    program: "full",
    async run(api, check) {
      const [id] = await seed(api, "bump", [{ name: "counter", qty: 0 }]);
      const answers = await Promise.all(Array.from({ length: 20 }, () => api.request("POST", `/items/${id}/bump`)));
      check("every bump answered", answers.map((a) => a.status).filter((s) => s !== 200), []);
      check("no increment lost", (await api.request("GET", `/items/${id}`)).body.qty, 20);
      const history = (await api.request("GET", `/items/${id}/history`)).body as Array<{ data: { qty: number } }>;
      check("one version per increment, in order", history.map((h) => h.data.qty), Array.from({ length: 21 }, (_, i) => i));
    },
  },
  {
    name: "an update that sets nothing writes no version",
    program: "full",
    async run(api, check) {
      const [id] = await seed(api, "noop", [{ name: "same", qty: 1 }]);
      const answer = await api.request("PUT", `/items/${id}`, {});
      check("answered with the row as it is", [answer.status, answer.body.name, answer.body.qty], [200, "same", 1]);
      check("history", (await api.request("GET", `/items/${id}/history`)).body.map((h: { operation: string }) => h.operation), ["insert"]);
    },
  },
  {
    name: "history instants never go backwards",
    program: "full",
    async run(api, check) {
      const [id] = await seed(api, "mono", [{ name: "m", qty: 0 }]);
      await Promise.all(Array.from({ length: 30 }, (_, i) => api.request("PUT", `/items/${id}`, { qty: i + 1 })));
      const history = (await api.request("GET", `/items/${id}/history`)).body as Array<{ version: number; at: string }>;
      const backwards = history.filter((h, i) => i > 0 && Date.parse(h.at) < Date.parse(history[i - 1].at));
      check("versions whose instant is before the previous version's", backwards.map((h) => h.version), []);
    },
  },
  {
    name: "AS OF outside a date's range is a 400",
    program: "kv",
    async run(api, check) {
      const id = (await api.request("POST", "/notes", { title: "t" })).body.id;
      check("past the largest date", (await api.request("GET", `/notes/${id}/as-of/8640000000000001`)).status, 400);
      check("before the smallest date", (await api.request("GET", `/notes/${id}/as-of/-8640000000000001`)).status, 400);
      check("the largest date", (await api.request("GET", `/notes/${id}/as-of/8640000000000000`)).body.title, "t");
    },
  },
  {
    // Issue 10, item 9: "x\ud800y" was acknowledged with a 201 echoing it, then read back as
    // U+FFFD replacement characters (differently on SQLite and PostgreSQL). What is acknowledged
    // must be what is stored: a lone surrogate is refused before any driver sees it, and a valid
    // pair (an astral character) is stored and read back exactly.
    name: "a lone surrogate is a 400 naming the field; a surrogate pair round-trips",
    program: "kv",
    async run(api, check) {
      const before = (await api.request("GET", "/notes?limit=1000")).body.length as number;
      const lone = await api.request("POST", "/notes", { title: "x\ud800y" });
      check("lone surrogate refused, naming the field", [lone.status, lone.body.errors?.[0]?.field], [400, "title"]);
      check("nothing stored", (await api.request("GET", "/notes?limit=1000")).body.length, before);
      const pair = await api.request("POST", "/notes", { title: "x\ud83d\ude00y" });
      check("surrogate pair acknowledged", [pair.status, pair.body.title], [201, "x\u{1F600}y"]);
      check("surrogate pair read back", (await api.request("GET", `/notes/${pair.body.id}`)).body.title, "x\u{1F600}y");
    },
  },
  {
    // Issue 23, item 6: Redis read the rows and versions written before a field existed as null in
    // HISTORY and AS OF, while the live read had the default.
    name: "a field added with a DEFAULT reads as it in HISTORY and AS OF",
    program: "evolve",
    async before(api) {
      const id = (await api.request("POST", "/paints", { name: "first" })).body.id as number;
      await pause(20);
      const t1 = new Date().toISOString();
      await pause(20);
      await api.request("PUT", `/paints/${id}`, { name: "second" });
      return { id, t1 };
    },
    async run(api, check, before) {
      const { id, t1 } = before as { id: number; t1: string };
      check("live read", (await api.request("GET", `/paints/${id}`)).body, { id, name: "second", color: "red" });
      const history = (await api.request("GET", `/paints/${id}/history`)).body as Array<{ operation: string; data: { name: string; color: unknown } }>;
      check("history", history.map((h) => [h.operation, h.data.name, h.data.color]), [["insert", "first", "red"], ["update", "second", "red"]]);
      check("as of before the update", (await api.request("GET", `/paints/${id}/as-of/${t1}`)).body, { id, name: "first", color: "red" });
    },
  },
  // Issue 23, item 8: SAVE is a PUT, the same on every driver (docs/language.md, "SAVE"). Every
  // driver used to merge, and to insert under a new id (200) for an id no record had.
  {
    name: "SAVE with the id of a record replaces it: omitted optional fields become null, defaults apply",
    program: "kv",
    async run(api, check) {
      const created = await api.request("POST", "/cards", { title: "c1", stars: 2, color: "blue" });
      check("created", [created.status, created.body.title, created.body.stars, created.body.color], [200, "c1", 2, "blue"]);
      const id = created.body.id as number;
      const replaced = await api.request("PUT", `/cards/${id}`, { title: "c2" });
      check("the value is the whole record", [replaced.status, replaced.body], [200, { id, title: "c2", stars: null, color: "plain" }]);
      check("read back", (await api.request("GET", `/cards/${id}`)).body, { id, title: "c2", stars: null, color: "plain" });
      const incomplete = await api.request("PUT", `/cards/${id}`, { stars: 5, color: "green" });
      check("a required field left out is a 400 naming it", [incomplete.status, incomplete.body.errors?.[0]?.field], [400, "title"]);
      check("and writes nothing", (await api.request("GET", `/cards/${id}`)).body, { id, title: "c2", stars: null, color: "plain" });
      const again = await api.request("PUT", `/cards/${id}`, { title: "c3", stars: 4, color: "red" });
      check("every field given", again.body, { id, title: "c3", stars: 4, color: "red" });
      const history = (await api.request("GET", `/cards/${id}/history`)).body as Array<{ operation: string; data: unknown }>;
      check("one version per save", history.map((h) => [h.operation, h.data]), [
        ["insert", { id, title: "c1", stars: 2, color: "blue" }],
        ["update", { id, title: "c2", stars: null, color: "plain" }],
        ["update", { id, title: "c3", stars: 4, color: "red" }],
      ]);
    },
  },
  {
    name: "SAVE with an id no record ever had is a 404 and writes nothing",
    program: "kv",
    async run(api, check) {
      const before = ((await api.request("GET", "/cards")).body as unknown[]).length;
      const missing = await api.request("PUT", "/cards/987654321", { title: "nobody" });
      check("404, naming the id", [missing.status, missing.body.errors?.[0]?.field], [404, "id"]);
      check("nothing at that id", (await api.request("GET", "/cards/987654321")).status, 404);
      check("no history at that id", (await api.request("GET", "/cards/987654321/history")).body, []);
      check("no record anywhere", ((await api.request("GET", "/cards")).body as unknown[]).length, before);
      check("an incomplete value is still a 400 first", (await api.request("PUT", "/cards/987654321", { stars: 1 })).status, 400);
      check("an id that is no integer is a 400", (await api.request("PUT", "/cards/abc", { title: "x" })).status, 400);
    },
  },
  {
    name: "SAVE with the id of a deleted record is a 404: it stays deleted",
    program: "kv",
    async run(api, check) {
      const id = (await api.request("POST", "/cards", { title: "d1" })).body.id as number;
      check("delete", (await api.request("DELETE", `/cards/${id}`)).status, 204);
      const saved = await api.request("PUT", `/cards/${id}`, { title: "d2" });
      check("404", saved.status, 404);
      check("still deleted", (await api.request("GET", `/cards/${id}`)).status, 404);
      const history = (await api.request("GET", `/cards/${id}/history`)).body as Array<{ operation: string }>;
      check("no version added", history.map((h) => h.operation), ["insert", "delete"]);
    },
  },
  {
    name: "SAVE without an id inserts a new record",
    program: "kv",
    async run(api, check) {
      const first = await api.request("POST", "/cards", { title: "n1" });
      check("inserted, defaults filled", [first.status, first.body.title, first.body.stars, first.body.color, typeof first.body.id], [200, "n1", null, "plain", "number"]);
      const second = await api.request("POST", "/cards", { title: "n2" });
      check("another new id", [second.body.title, second.body.id > first.body.id], ["n2", true]);
      check("read back", (await api.request("GET", `/cards/${first.body.id}`)).body, first.body);
      check("a required field left out is a 400", (await api.request("POST", "/cards", { stars: 1 })).status, 400);
    },
  },
  {
    name: "LIKE escapes a request value's % and _ unless pattern() asks for a pattern",
    program: "full",
    async run(api, check) {
      await seed(api, "esc", ["100% off", "1000 ways", "under_score", "underXscore", "back\\slash", "backslash"].map((name) => ({ name })));
      const get = async (route: string, p: string) => names((await api.request("GET", `/groups/esc/${route}?p=${encodeURIComponent(p)}`)).body);
      check("a value is matched literally: _ is not a wildcard", await get("like-value", "under_score"), ["under_score"]);
      check("a value is matched literally: % is not a wildcard", await get("like-value", "100%"), []);
      check("a prefix search with a value's % ", await get("starting", "100%"), ["100% off"]);
      check("a prefix search with a value's _", await get("starting", "under_"), ["under_score"]);
      check("a prefix search with a value's backslash", await get("starting", "back\\"), ["back\\slash"]);
      check("pattern() keeps the wildcards", await get("like", "under_score"), ["under_score", "underXscore"]);
      check("pattern() with an escaped wildcard", await get("like", "100\\%%"), ["100% off"]);
    },
  },
  ...RELATION_CASES,
  ...REQUEST_CASES,
  ...HISTORY_CONTROL_CASES,
  ...AUDIT_CASES,
  ...SOFT_DELETE_CASES,
  ...TENANT_CASES,
  ...READ_MODEL_CASES,
  ...PUBLIC_ID_CASES,
  ...PUBLIC_ID_KIND_CASES,
  ...IDENTIFIER_CASES,
  ...IDENTIFIER_VERSION_CASES,
  ...PUBLIC_CURSOR_CASES,
  ...TRANSACTION_CASES,
  ...CHANGE_CASES,
  ...ACTION_CASES,
  ...ENCRYPTED_CASES,
  ...SENSITIVE_CASES,
  ...AGGREGATE_CASES,
  ...LIST_CASES,
  ...RICH_TYPE_CASES,
  ...JSON_CASES,
];
