/**
 * Conformance cases for list fields (`tags: text[]`, `scores: int[]?`, `weights: float[]?`):
 * written and read back in order, every element checked (a 400 naming `tags[1]`), `contains` and
 * `IN` tests (negated too, a null list containing nothing), updates, HISTORY, a list inside a
 * nested selection, and all of it AS OF an earlier instant. PostgreSQL stores native arrays,
 * SQLite and MariaDB JSON arrays; every driver answers alike. Redis refuses `contains` at build
 * time (KV9006: it keeps no index of list elements), so the cases are n/a there.
 */
import { Mismatch, type Api, type Case, type OwnProgram } from "./cases.js";

const PROGRAM: OwnProgram = {
  name: "lists",
  source: `
ENTITY Writer {
  grp: text INDEX
  name: text
  langs: text[]
  articles: Article[] BY writer
}

ENTITY Article {
  grp: text INDEX
  title: text
  tags: text[]
  scores: int[]?
  weights: float[]?
  writer: Writer?
}

POST /writers { RESPOND 201 INSERT INTO Writer $body }
POST /articles { RESPOND 201 INSERT INTO Article $body }
PATCH /articles/:id { RESPOND UPDATE Article SET $body WHERE id = $id }
PUT /articles/:id/tags { RESPOND UPDATE Article SET tags = $body.tags WHERE id = $id }
GET /articles/:id { RESPOND SELECT * FROM Article WHERE id = $id }
GET /articles/:id/history { RESPOND HISTORY Article WHERE id = $id }
GET /g/:g/tagged/:tag { RESPOND SELECT title, tags FROM Article WHERE grp = $g AND contains(tags, $tag) ORDER_BY id }
GET /g/:g/untagged/:tag { RESPOND SELECT title FROM Article WHERE grp = $g AND NOT contains(tags, $tag) ORDER_BY id }
GET /g/:g/scored/:n { RESPOND SELECT title FROM Article WHERE grp = $g AND $n IN scores ORDER_BY id }
GET /g/:g/weighted { RESPOND SELECT title FROM Article WHERE grp = $g AND contains(weights, $query.w) ORDER_BY id }
GET /g/:g/either { RESPOND SELECT title FROM Article WHERE grp = $g AND (contains(tags, $query.a) OR contains(tags, $query.b)) ORDER_BY id }
GET /g/:g/as-of/:t/tagged/:tag { RESPOND SELECT title, tags FROM Article AS OF $t WHERE grp = $g AND contains(tags, $tag) ORDER_BY id }
GET /g/:g/writers/:lang { RESPOND SELECT name, langs, articles { title, tags ORDER_BY id } FROM Writer WHERE grp = $g AND contains(langs, $lang) ORDER_BY id }
GET /g/:g/feed { RESPOND SELECT title, tags, writer { name, langs } FROM Article WHERE grp = $g ORDER_BY id }
GET /g/:g/as-of/:t/feed { RESPOND SELECT title, tags, writer { name, langs } FROM Article AS OF $t WHERE grp = $g ORDER_BY id }
`,
};

const REFUSED = {
  redis: "Redis keeps no index of list elements: contains(…) / IN a list field is refused at build time (KV9006)",
};

const pause = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function post(api: Api, path: string, body: Record<string, unknown>): Promise<any> {
  const r = await api.request("POST", path, body);
  if (r.status !== 201) throw new Mismatch(`POST ${path} ${JSON.stringify(body)}: status ${r.status} ${JSON.stringify(r.body)}`);
  return r.body;
}

const titles = (rows: Array<{ title: string }>) => rows.map((r) => r.title);

function listCase(name: string, run: Case["run"]): Case {
  return { name: `lists: ${name}`, program: PROGRAM, unsupported: REFUSED, run };
}

export const LIST_CASES: Case[] = [
  listCase("written and read back in order, every element checked", async (api, check) => {
    const a = await post(api, "/articles", { grp: "rw", title: "a", tags: ["b", "a", "b", "ünï"], scores: [3, -1, 3], weights: [0.5, 2] });
    check("inserted", a, { id: a.id, grp: "rw", title: "a", tags: ["b", "a", "b", "ünï"], scores: [3, -1, 3], weights: [0.5, 2], writer: null });
    check("read back", (await api.request("GET", `/articles/${a.id}`)).body, a);
    const empty = await post(api, "/articles", { grp: "rw", title: "empty", tags: [] });
    check("an empty list and a null one", [empty.tags, empty.scores, empty.weights], [[], null, null]);
    const bad = await api.request("POST", "/articles", { grp: "rw", title: "x", tags: ["ok", 7] });
    check("a wrong element", [bad.status, JSON.stringify(bad.body).includes("tags[1]")], [400, true]);
    const notList = await api.request("POST", "/articles", { grp: "rw", title: "x", tags: "a,b" });
    check("not a list", [notList.status, JSON.stringify(notList.body).includes("tags")], [400, true]);
    const nullItem = await api.request("POST", "/articles", { grp: "rw", title: "x", tags: ["a"], scores: [1, null] });
    check("a null element", [nullItem.status, JSON.stringify(nullItem.body).includes("scores[1]")], [400, true]);
    const fraction = await api.request("POST", "/articles", { grp: "rw", title: "x", tags: ["a"], scores: [1.5] });
    check("a fraction in an int list", fraction.status, 400);
    const missing = await api.request("POST", "/articles", { grp: "rw", title: "x" });
    check("a required list left out", missing.status, 400);
  }),
  listCase("contains, IN and NOT contains on text, int and float lists", async (api, check) => {
    await post(api, "/articles", { grp: "ct", title: "one", tags: ["x", "y"], scores: [1, 2], weights: [0.5] });
    await post(api, "/articles", { grp: "ct", title: "two", tags: ["y"], scores: [20] });
    await post(api, "/articles", { grp: "ct", title: "three", tags: [], weights: [1.25, 0.5] });
    const get = async (path: string) => titles((await api.request("GET", path)).body);
    check("contains x", (await api.request("GET", "/g/ct/tagged/x")).body.map((r: { title: string; tags: string[] }) => [r.title, r.tags]), [["one", ["x", "y"]]]);
    check("contains y", await get("/g/ct/tagged/y"), ["one", "two"]);
    check("contains nothing", await get("/g/ct/tagged/X"), []);
    check("NOT contains y (an empty list contains nothing)", await get("/g/ct/untagged/y"), ["three"]);
    check("a path value in an int list (\"2\" is 2)", await get("/g/ct/scored/2"), ["one"]);
    check("no partial match of 2 in 20", await get("/g/ct/scored/20"), ["two"]);
    check("a null list contains nothing", await get("/g/ct/scored/0"), []);
    check("a float list", await get("/g/ct/weighted?w=0.5"), ["one", "three"]);
    check("OR of two tests", await get("/g/ct/either?a=x&b=zzz"), ["one"]);
    const bad = await api.request("GET", "/g/ct/scored/abc");
    check("a value that is no integer", bad.status, 400);
  }),
  listCase("an update replaces the list; HISTORY and AS OF read the old one", async (api, check) => {
    const a = await post(api, "/articles", { grp: "up", title: "a", tags: ["old", "keep"], scores: [1] });
    await pause(20);
    const t1 = new Date().toISOString();
    await pause(20);
    const put = await api.request("PUT", `/articles/${a.id}/tags`, { tags: ["keep", "new"] });
    check("SET tags", [put.status, put.body.tags, put.body.scores], [200, ["keep", "new"], [1]]);
    const patch = await api.request("PATCH", `/articles/${a.id}`, { scores: null });
    check("SET $body: null clears a list, the other kept", [patch.body.tags, patch.body.scores], [["keep", "new"], null]);
    const bad = await api.request("PATCH", `/articles/${a.id}`, { tags: [["nested"]] });
    check("a nested list is no text element", bad.status, 400);
    check("now: new", titles((await api.request("GET", "/g/up/tagged/new")).body), ["a"]);
    check("now: old is gone", titles((await api.request("GET", "/g/up/tagged/old")).body), []);
    const asOf = (await api.request("GET", `/g/up/as-of/${t1}/tagged/old`)).body;
    check("AS OF t1: contains old", asOf, [{ id: a.id, title: "a", tags: ["old", "keep"] }]);
    check("AS OF t1: not new yet", (await api.request("GET", `/g/up/as-of/${t1}/tagged/new`)).body, []);
    const history = (await api.request("GET", `/articles/${a.id}/history`)).body as Array<{ data: { tags: string[]; scores: number[] | null } }>;
    check("HISTORY keeps every list", history.map((h) => [h.data.tags, h.data.scores]), [
      [["old", "keep"], [1]],
      [["keep", "new"], [1]],
      [["keep", "new"], null],
    ]);
  }),
  listCase("lists inside nested selections, filtered by a list, and AS OF", async (api, check) => {
    const ada = await post(api, "/writers", { grp: "ns", name: "Ada", langs: ["en", "fr"] });
    const bob = await post(api, "/writers", { grp: "ns", name: "Bob", langs: ["de"] });
    const p1 = await post(api, "/articles", { grp: "ns", title: "p1", tags: ["t"], writer: ada.id });
    const p2 = await post(api, "/articles", { grp: "ns", title: "p2", tags: [], writer: bob.id });
    const p3 = await post(api, "/articles", { grp: "ns", title: "p3", tags: ["u", "t"] });
    await pause(20);
    const t1 = new Date().toISOString();
    await pause(20);
    await api.request("PUT", `/articles/${p1.id}/tags`, { tags: ["changed"] });
    check("feed", (await api.request("GET", "/g/ns/feed")).body, [
      { id: p1.id, title: "p1", tags: ["changed"], writer: { id: ada.id, name: "Ada", langs: ["en", "fr"] } },
      { id: p2.id, title: "p2", tags: [], writer: { id: bob.id, name: "Bob", langs: ["de"] } },
      { id: p3.id, title: "p3", tags: ["u", "t"], writer: null },
    ]);
    check("feed AS OF t1", (await api.request("GET", `/g/ns/as-of/${t1}/feed`)).body[0], { id: p1.id, title: "p1", tags: ["t"], writer: { id: ada.id, name: "Ada", langs: ["en", "fr"] } });
    check("writers who write French, with their articles' lists", (await api.request("GET", "/g/ns/writers/fr")).body, [
      { id: ada.id, name: "Ada", langs: ["en", "fr"], articles: [{ id: p1.id, title: "p1", tags: ["changed"] }] },
    ]);
  }),
];
