/**
 * Conformance cases for json fields with a declared shape (`spec: { kind: text, size: { w: int }? }?`)
 * and for ordering by a json path: writes checked against the shape (a 400 naming `spec.size.w`),
 * numbers in the shape compared and sorted as numbers (9 < 10, not "10" < "9"), undeclared keys
 * sorted as text, and all of it AS OF an earlier instant. MongoDB keeps json as JSON text and
 * Redis keeps rows by id only: both refuse json paths at build time (KV9006).
 */
import { canonicalJson, Mismatch, type Api, type Case, type OwnProgram } from "./cases.js";

const PROGRAM: OwnProgram = {
  name: "json-shapes",
  source: `
ENTITY Gadget {
  grp: text INDEX
  name: text
  spec: { kind: text, size: { w: int, h: int }?, weight: float?, tags: text[]?, on: bool? }?
  extra: json?
}

POST /gadgets { RESPOND 201 INSERT INTO Gadget $body }
PUT /gadgets/:id/spec { RESPOND UPDATE Gadget SET spec = $body.spec WHERE id = $id }
GET /g/:g/wider { RESPOND SELECT name FROM Gadget WHERE grp = $g AND spec.size.w > $query.w ORDER_BY spec.size.w DESC }
GET /g/:g/by-width { RESPOND SELECT name FROM Gadget WHERE grp = $g ORDER_BY spec.size.w, id }
GET /g/:g/by-kind { RESPOND SELECT name, spec.kind FROM Gadget WHERE grp = $g ORDER_BY spec.kind DESC, id }
GET /g/:g/heavy { RESPOND SELECT name FROM Gadget WHERE grp = $g AND spec.weight >= $query.min ORDER_BY id }
GET /g/:g/on { RESPOND SELECT name FROM Gadget WHERE grp = $g AND spec.on ORDER_BY id }
GET /g/:g/by-rank { RESPOND SELECT name FROM Gadget WHERE grp = $g ORDER_BY extra.rank, id }
GET /g/:g/as-of/:t/wider { RESPOND SELECT name, spec FROM Gadget AS OF $t WHERE grp = $g AND spec.size.w > $query.w ORDER_BY spec.size.w DESC }
`,
};

const REFUSED = {
  mongodb: "MongoDB keeps a json field as JSON text: json sub-fields in WHERE and ORDER_BY are refused at build time (KV9006)",
  redis: "Redis keeps rows by id only: filters and orders on json sub-fields are refused at build time (KV9006)",
};

const pause = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function make(api: Api, grp: string, name: string, spec: unknown, extra?: unknown): Promise<any> {
  const r = await api.request("POST", "/gadgets", { grp, name, spec, ...(extra === undefined ? {} : { extra }) });
  if (r.status !== 201) throw new Mismatch(`POST /gadgets ${name}: status ${r.status} ${JSON.stringify(r.body)}`);
  return r.body;
}

const names = (rows: Array<{ name: string }>) => rows.map((r) => r.name);

function jsonCase(name: string, run: Case["run"]): Case {
  return { name: `json paths: ${name}`, program: PROGRAM, unsupported: REFUSED, run };
}

export const JSON_CASES: Case[] = [
  jsonCase("a declared shape checks every write, naming the path", async (api, check) => {
    const ok = await make(api, "wr", "ok", { kind: "lamp", size: { w: 3, h: 4 }, tags: ["a"], on: true });
    // jsonb keeps no key order (PostgreSQL), so the value is compared as JSON.
    check("stored as written", canonicalJson(ok.spec), canonicalJson({ kind: "lamp", size: { w: 3, h: 4 }, tags: ["a"], on: true }));
    const bad = async (spec: unknown) => {
      const r = await api.request("POST", "/gadgets", { grp: "wr", name: "bad", spec });
      return [r.status, (r.body as { detail?: string }).detail ?? JSON.stringify(r.body)];
    };
    const [s1, d1] = await bad({ kind: "lamp", size: { w: "3", h: 4 } });
    check("a string where an int is declared", [s1, String(d1).includes("spec.size.w")], [400, true]);
    const [s2, d2] = await bad({ kind: "lamp", colour: "red" });
    check("an undeclared key", [s2, String(d2).includes("spec.colour")], [400, true]);
    const [s3, d3] = await bad({ size: { w: 1, h: 1 } });
    check("a required key missing", [s3, String(d3).includes("spec.kind")], [400, true]);
    const [s4, d4] = await bad({ kind: "lamp", tags: ["a", 2] });
    check("a wrong list element", [s4, String(d4).includes("spec.tags[1]")], [400, true]);
    const [s5] = await bad(["not", "an", "object"]);
    check("not an object", s5, 400);
    check("null for an optional shaped field", (await make(api, "wr", "none", null)).spec, null);
  }),
  jsonCase("numbers in a shape compare and sort as numbers; text keys sort as text", async (api, check) => {
    await make(api, "num", "nine", { kind: "b", size: { w: 9, h: 1 }, weight: 0.5 });
    await make(api, "num", "ten", { kind: "a", size: { w: 10, h: 1 }, weight: 2.25, on: true });
    await make(api, "num", "hundred", { kind: "c", size: { w: 100, h: 1 }, weight: 10 });
    await make(api, "num", "sizeless", { kind: "b" });
    const get = async (path: string) => names((await api.request("GET", path)).body);
    check("wider than 9 (10 > 9 as numbers)", await get("/g/num/wider?w=9"), ["hundred", "ten"]);
    check("wider than 9.5", await get("/g/num/wider?w=9.5"), ["hundred", "ten"]);
    check("ascending by width, a missing one first", await get("/g/num/by-width"), ["sizeless", "nine", "ten", "hundred"]);
    check("a float key", await get("/g/num/heavy?min=2.25"), ["ten", "hundred"]);
    check("a boolean key alone", await get("/g/num/on"), ["ten"]);
    check("descending by a text key, with the value selected", (await api.request("GET", "/g/num/by-kind")).body.map((r: { name: string; kind: string }) => `${r.name}:${r.kind}`), [
      "hundred:c",
      "nine:b",
      "sizeless:b",
      "ten:a",
    ]);
    const bad = await api.request("GET", "/g/num/wider?w=wide");
    check("a value that is no number", bad.status, 400);
  }),
  jsonCase("ordering by a key of an undeclared json field (as text)", async (api, check) => {
    await make(api, "rk", "b", { kind: "x" }, { rank: "b" });
    await make(api, "rk", "none", { kind: "x" });
    await make(api, "rk", "a", { kind: "x" }, { rank: "a" });
    check("by extra.rank", names((await api.request("GET", "/g/rk/by-rank")).body), ["none", "a", "b"]);
  }),
  jsonCase("json paths AS OF an earlier instant", async (api, check) => {
    const g = await make(api, "ao", "g", { kind: "k", size: { w: 5, h: 5 } });
    await make(api, "ao", "h", { kind: "k", size: { w: 50, h: 5 } });
    await pause(20);
    const t1 = new Date().toISOString();
    await pause(20);
    const put = await api.request("PUT", `/gadgets/${g.id}/spec`, { spec: { kind: "k", size: { w: 500, h: 5 } } });
    check("update", put.status, 200);
    const badPut = await api.request("PUT", `/gadgets/${g.id}/spec`, { spec: { kind: "k", size: { w: 1.5, h: 5 } } });
    check("an update is checked against the shape too", badPut.status, 400);
    check("now", names((await api.request("GET", "/g/ao/wider?w=10")).body), ["g", "h"]);
    check("AS OF t1", (await api.request("GET", `/g/ao/as-of/${t1}/wider?w=4`)).body.map((r: { name: string; spec: { size: { w: number } } }) => [r.name, r.spec.size.w]), [
      ["h", 50],
      ["g", 5],
    ]);
  }),
];
