/**
 * The escape and quota suite: hostile programs, each stopped within its quota (or answered without
 * reaching anything it should not), the process unharmed, a normal execution beside them unaffected.
 */
import assert from "node:assert/strict";
import { after, describe, test } from "node:test";
import { compileProgram, execute, type Run } from "./helpers.js";
import type { Quotas } from "../src/index.js";

const HUNDRED = `[${Array.from({ length: 100 }, (_, i) => i).join(", ")}]`;
const THOUSAND_BODY = Array.from({ length: 1000 }, (_, i) => i);

interface Hostile {
  name: string;
  source: string;
  route?: string;
  body?: unknown;
  quotas?: Partial<Quotas>;
  /** The quota that must stop it; or a check of the answer. */
  quota?: keyof Quotas;
  check?: (run: Run) => void;
  /** Rows to write before it runs (entity Item { n: int, s: text }). */
  rows?: number;
}

const ITEM = "ENTITY Item {\n  n: int\n  s: text\n}\n";

const cases: Hostile[] = [
  // ── fuel: loops that would run for minutes
  { name: "three nested loops of 100 (1e6 iterations)", source: `GET /x {\n  n = 0\n  FOR a IN ${HUNDRED} {\n    FOR b IN ${HUNDRED} {\n      FOR c IN ${HUNDRED} {\n        n = n + 1\n      }\n    }\n  }\n  RESPOND n\n}`, quotas: { fuel: 100_000 }, quota: "fuel" },
  { name: "four nested loops over a body list (1e12 iterations)", source: `GET /x {\n  n = 0\n  FOR a IN $body.xs {\n    FOR b IN $body.xs {\n      FOR c IN $body.xs {\n        FOR d IN $body.xs {\n          n = n + 1\n        }\n      }\n    }\n  }\n  RESPOND n\n}`, body: { xs: THOUSAND_BODY }, quota: "fuel" },
  { name: "nested comprehensions", source: `GET /x {\n  RESPOND [[[a * b * c FOR c IN $body.xs] FOR b IN $body.xs] FOR a IN $body.xs]\n}`, body: { xs: THOUSAND_BODY }, quotas: { memoryBytes: 1e12 }, quota: "fuel" },
  { name: "an FN called in a deep loop", source: `FN f(x: int) {\n  RETURN x * 2 + 1\n}\nGET /x {\n  n = 0\n  FOR a IN $body.xs {\n    FOR b IN $body.xs {\n      n = f(n)\n    }\n  }\n  RESPOND n\n}`, body: { xs: THOUSAND_BODY }, quotas: { fuel: 200_000 }, quota: "fuel" },
  { name: "sorting a big list again and again", source: `GET /x {\n  FOR a IN $body.xs {\n    s = sort($body.xs)\n  }\n  RESPOND { done: true }\n}`, body: { xs: THOUSAND_BODY }, quotas: { fuel: 500_000, memoryBytes: 1e12 }, quota: "fuel" },
  { name: "LIKE with many wildcards on long text, repeatedly", source: `GET /x {\n  n = 0\n  FOR a IN $body.xs {\n    IF $body.t LIKE "%a%a%a%a%a%a%a%b" {\n      n = n + 1\n    }\n  }\n  RESPOND n\n}`, body: { xs: THOUSAND_BODY, t: "a".repeat(5000) }, quotas: { fuel: 1_000_000 }, quota: "fuel" },
  { name: "IN over a long list in a loop", source: `GET /x {\n  n = 0\n  FOR a IN $body.xs {\n    IF -1 IN $body.xs {\n      n = n + 1\n    }\n  }\n  RESPOND n\n}`, body: { xs: THOUSAND_BODY }, quotas: { fuel: 100_000 }, quota: "fuel" },
  { name: "contains() scanning in a loop", source: `GET /x {\n  n = 0\n  FOR a IN $body.xs {\n    IF contains($body.xs, -1) {\n      n = n + 1\n    }\n  }\n  RESPOND n\n}`, body: { xs: THOUSAND_BODY }, quotas: { fuel: 100_000 }, quota: "fuel" },
  { name: "a string built in a loop, one character at a time", source: `GET /x {\n  s = ""\n  FOR a IN $body.xs {\n    FOR b IN $body.xs {\n      s = s + "x"\n    }\n  }\n  RESPOND len(s)\n}`, body: { xs: THOUSAND_BODY }, quotas: { fuel: 300_000, memoryBytes: 1e12 }, quota: "fuel" },
  { name: "a FOR over a long text's characters, nested", source: `GET /x {\n  n = 0\n  FOR a IN $body.t {\n    FOR b IN $body.t {\n      n = n + 1\n    }\n  }\n  RESPOND n\n}`, body: { t: "y".repeat(3000) }, quotas: { fuel: 1_000_000 }, quota: "fuel" },
  // ── deadline: the same loops with fuel to spare
  { name: "deadline: nested loops with unlimited fuel", source: `GET /x {\n  n = 0\n  FOR a IN $body.xs {\n    FOR b IN $body.xs {\n      FOR c IN $body.xs {\n        n = n + 1\n      }\n    }\n  }\n  RESPOND n\n}`, body: { xs: THOUSAND_BODY }, quotas: { fuel: 1e15, deadlineMs: 50 }, quota: "deadlineMs" },
  { name: "deadline: string work with unlimited fuel", source: `GET /x {\n  n = 0\n  FOR a IN $body.xs {\n    FOR b IN $body.xs {\n      n = n + len(upper("abc"))\n    }\n  }\n  RESPOND n\n}`, body: { xs: THOUSAND_BODY }, quotas: { fuel: 1e15, memoryBytes: 1e15, deadlineMs: 30 }, quota: "deadlineMs" },
  { name: "deadline: FN calls with unlimited fuel", source: `FN f(x: int) {\n  RETURN x + 1\n}\nGET /x {\n  n = 0\n  FOR a IN $body.xs {\n    FOR b IN $body.xs {\n      FOR c IN $body.xs {\n        n = f(n)\n      }\n    }\n  }\n  RESPOND n\n}`, body: { xs: THOUSAND_BODY }, quotas: { fuel: 1e15, memoryBytes: 1e15, deadlineMs: 40 }, quota: "deadlineMs" },
  { name: "deadline: comprehension with unlimited fuel", source: `GET /x {\n  RESPOND len([[a + b FOR b IN $body.xs] FOR a IN $body.xs FOR_NONE])\n}`.replace(" FOR_NONE", ""), body: { xs: Array.from({ length: 5000 }, (_, i) => i) }, quotas: { fuel: 1e15, memoryBytes: 1e15, deadlineMs: 20 }, quota: "deadlineMs" },
  { name: "deadline: sorting with unlimited fuel", source: `GET /x {\n  FOR a IN $body.xs {\n    s = sort($body.xs, NULL_KEY)\n  }\n  RESPOND { done: true }\n}`.replace(", NULL_KEY", ""), body: { xs: Array.from({ length: 3000 }, (_, i) => 3000 - i) }, quotas: { fuel: 1e15, memoryBytes: 1e15, deadlineMs: 30 }, quota: "deadlineMs" },
  // ── memory bombs
  { name: "doubling a string with +", source: `GET /x {\n  s = "xxxxxxxxxxxxxxxx"\n  FOR a IN ${HUNDRED} {\n    s = s + s\n  }\n  RESPOND len(s)\n}`, quota: "memoryBytes" },
  { name: "doubling a string in a template", source: `GET /x {\n  s = "xxxxxxxxxxxxxxxx"\n  FOR a IN ${HUNDRED} {\n    s = "{s}{s}"\n  }\n  RESPOND len(s)\n}`, quota: "memoryBytes" },
  { name: "doubling a list with spreads", source: `GET /x {\n  xs = [1, 2, 3, 4]\n  FOR a IN ${HUNDRED} {\n    xs = [...xs, ...xs]\n  }\n  RESPOND len(xs)\n}`, quotas: { memoryBytes: 8 * 1024 * 1024 }, quota: "memoryBytes" },
  { name: "a list of lists growing", source: `GET /x {\n  xs = [1]\n  FOR a IN ${HUNDRED} {\n    xs = [xs, xs, xs, xs]\n  }\n  RESPOND string(xs)\n}`, quotas: { fuel: 1e12 }, quota: "memoryBytes" },
  { name: "objects spread into bigger objects", source: `GET /x {\n  o = { a: 1 }\n  FOR a IN $body.xs {\n    o = { ...o, ...$body.big }\n  }\n  RESPOND len(o)\n}`, body: { xs: THOUSAND_BODY, big: Object.fromEntries(Array.from({ length: 5000 }, (_, i) => [`k${i}`, i])) }, quotas: { fuel: 1e12, memoryBytes: 8 * 1024 * 1024 }, quota: "memoryBytes" },
  { name: "pad() to a billion characters", source: `GET /x {\n  RESPOND len(pad("x", 1000000000))\n}`, quota: "memoryBytes" },
  { name: "pad_end() to a billion characters", source: `GET /x {\n  RESPOND len(pad_end("x", 1000000000, "ab"))\n}`, quota: "memoryBytes" },
  { name: "replace() multiplying a text", source: `GET /x {\n  s = "aaaaaaaaaaaaaaaaaaaa"\n  FOR a IN ${HUNDRED} {\n    s = replace(s, "a", "aa")\n  }\n  RESPOND len(s)\n}`, quotas: { fuel: 1e12 }, quota: "memoryBytes" },
  { name: "join() with a huge separator", source: `GET /x {\n  RESPOND len(join($body.xs, $body.sep))\n}`, body: { xs: Array.from({ length: 100000 }, () => 1), sep: "z".repeat(10000) }, quota: "memoryBytes" },
  { name: "format() repeating a long value", source: `GET /x {\n  RESPOND len(format($body.t, { v: $body.v }))\n}`, body: { t: "{v}".repeat(10000), v: "q".repeat(10000) }, quota: "memoryBytes" },
  { name: "random_token() of a billion bytes", source: `GET /x {\n  RESPOND len(random_token(1000000000))\n}`, quota: "memoryBytes" },
  { name: "string() of a big list, repeatedly", source: `GET /x {\n  n = 0\n  FOR a IN $body.xs {\n    n = n + len(string($body.xs))\n  }\n  RESPOND n\n}`, body: { xs: Array.from({ length: 20000 }, (_, i) => i) }, quotas: { fuel: 1e12, memoryBytes: 4 * 1024 * 1024 }, quota: "memoryBytes" },
  { name: "a comprehension building a huge list", source: `GET /x {\n  RESPOND len([[a, a] FOR a IN $body.xs])\n}`, body: { xs: Array.from({ length: 200000 }, (_, i) => i) }, quotas: { memoryBytes: 1024 * 1024, fuel: 1e12 }, quota: "memoryBytes" },
  { name: "a list nested a million deep, turned into text", source: `GET /x {\n  l = []\n  FOR a IN $body.xs {\n    FOR b IN $body.xs {\n      l = [l]\n    }\n  }\n  RESPOND len(string(l))\n}`, body: { xs: THOUSAND_BODY }, check: (r) => assert.ok(r.status === 500 || r.problem?.quota !== undefined, JSON.stringify(r.problem)) },
  // ── stack depth
  { name: "a chain of FN calls deeper than the stack quota", source: `FN a(x: int) {\n  RETURN b(x) + 1\n}\nFN b(x: int) {\n  RETURN c(x) + 1\n}\nFN c(x: int) {\n  RETURN d(x) + 1\n}\nFN d(x: int) {\n  RETURN x\n}\nGET /x {\n  RESPOND a(1)\n}`, quotas: { stackDepth: 3 }, quota: "stackDepth" },
  { name: "the same chain within the quota answers", source: `FN a(x: int) {\n  RETURN b(x) + 1\n}\nFN b(x: int) {\n  RETURN x + 1\n}\nGET /x {\n  RESPOND a(1)\n}`, quotas: { stackDepth: 3 }, check: (r) => assert.equal(r.body, 3) },
  // ── catastrophic regular expressions run in linear time
  { name: "(a+)+$ against aaaa…b", source: `GET /x {\n  RESPOND matches($body.t, "^(a+)+$")\n}`, body: { t: "a".repeat(5000) + "b" }, check: (r) => (assert.equal(r.body, false), assert.ok(r.ms < 2000, `${r.ms} ms`)) },
  { name: "(x+x+)+y against xxxx…", source: `GET /x {\n  RESPOND matches($body.t, "(x+x+)+y")\n}`, body: { t: "x".repeat(3000) }, check: (r) => assert.equal(r.body, false) },
  { name: "(a|aa)+$ against aaaa…b", source: `GET /x {\n  RESPOND matches($body.t, "^(a|aa)+$")\n}`, body: { t: "a".repeat(5000) + "b" }, check: (r) => assert.equal(r.body, false) },
  { name: "(.*a){20} against a long text", source: `GET /x {\n  RESPOND matches($body.t, "(.*a){20}b")\n}`, body: { t: "a".repeat(2000) }, check: (r) => assert.equal(r.body, false) },
  { name: "a catastrophic pattern from the request, many times, stops on fuel", source: `GET /x {\n  n = 0\n  FOR i IN $body.xs {\n    IF matches($body.t, $body.p) {\n      n = n + 1\n    }\n  }\n  RESPOND n\n}`, body: { xs: THOUSAND_BODY, t: "a".repeat(3000) + "!", p: "^(a*)*$" }, quotas: { fuel: 2_000_000 }, quota: "fuel" },
  { name: "a backreference from the request is refused, not run", source: `GET /x {\n  RESPOND matches($body.t, $body.p)\n}`, body: { t: "aa", p: "(a)\\1" }, check: (r) => (assert.equal(r.status, 500), assert.match(r.problem!.detail, /backreference/)) },
  { name: "a lookahead from the request is refused, not run", source: `GET /x {\n  RESPOND matches($body.t, $body.p)\n}`, body: { t: "aa", p: "a(?=a)" }, check: (r) => (assert.equal(r.status, 500), assert.match(r.problem!.detail, /lookaround/)) },
  { name: "an ordinary pattern still matches", source: `GET /x {\n  RESPOND [matches("2025-03-01", "^\\\\d+-[0-9]+-\\\\d\\\\d$"), matches("abc", "^b"), matches("héllo wörld", "^h.llo w.rld$")]\n}`, check: (r) => assert.deepEqual(r.body, [true, false, true]) },
  // ── queries
  { name: "a query in a loop, past the query quota", source: `${ITEM}GET /x {\n  total = 0\n  FOR a IN $body.xs {\n    rows = SELECT * FROM Item WHERE n = a\n    total = total + len(rows)\n  }\n  RESPOND total\n}`, body: { xs: THOUSAND_BODY }, quotas: { queries: 20 }, quota: "queries" },
  { name: "a query returning more rows than allowed", source: `${ITEM}GET /x {\n  RESPOND SELECT * FROM Item\n}`, rows: 300, quotas: { rowsPerQuery: 100 }, quota: "rowsPerQuery" },
  { name: "query results past the memory quota", source: `${ITEM}GET /x {\n  all = []\n  FOR a IN $body.xs {\n    all = [...all, ...(SELECT * FROM Item)]\n  }\n  RESPOND len(all)\n}`, rows: 300, body: { xs: THOUSAND_BODY }, quotas: { memoryBytes: 512 * 1024 }, quota: "memoryBytes" },
  { name: "a normal query answers its rows", source: `${ITEM}GET /x {\n  RESPOND SELECT * FROM Item WHERE n < 3 ORDER_BY n\n}`, rows: 10, check: (r) => assert.deepEqual((r.body as Array<{ n: number }>).map((x) => x.n), [0, 1, 2]) },
  // ── response size
  { name: "an answer larger than the response quota", source: `GET /x {\n  RESPOND pad("", 100000, "x")\n}`, quotas: { responseBytes: 10_000 }, quota: "responseBytes" },
  { name: "a list answer larger than the response quota", source: `GET /x {\n  RESPOND $body.xs\n}`, body: { xs: Array.from({ length: 10000 }, (_, i) => i) }, quotas: { responseBytes: 10_000 }, quota: "responseBytes" },
  // ── prototype and constructor tricks: plain data, never the host's objects
  { name: "$body.constructor is null", source: `GET /x {\n  RESPOND { c: $body.constructor, p: $body.__proto__, h: has($body.constructor) }\n}`, body: { a: 1 }, check: (r) => assert.deepEqual(r.body, { h: false }) },
  { name: "an object literal's constructor is null", source: `GET /x {\n  o = { a: 1 }\n  RESPOND [o[$body.k[0]] ?? "none", o[$body.k[1]] ?? "none", o[$body.k[2]] ?? "none", o[$body.k[3]] ?? "none"]\n}`, body: { k: ["constructor", "__proto__", "toString", "hasOwnProperty"] }, check: (r) => assert.deepEqual(r.body, ["none", "none", "none", "none"]) },
  { name: "a text's and a list's constructor are null", source: `GET /x {\n  s = "abc"\n  l = [1]\n  RESPOND [s["constructor"], l["constructor"], s["length"], l["length"]]\n}`, check: (r) => assert.deepEqual(JSON.parse(JSON.stringify(r.body)), [null, null, 3, 1]) },
  { name: "a __proto__ key in the body stays data and pollutes nothing", source: `POST /x {\n  o = { ...$body }\n  RESPOND { keys: keys(o), inner: o.__proto__.polluted }\n}`, route: "POST /x", body: JSON.parse('{"__proto__": {"polluted": "yes"}, "a": 1}'), check: (r) => {
    assert.equal(({} as Record<string, unknown>).polluted, undefined);
    assert.deepEqual(JSON.parse(JSON.stringify(r.body)), { keys: ["__proto__", "a"], inner: "yes" });
  } },
  { name: "an object key named __proto__ written by the program is data", source: `GET /x {\n  o = { ...$body, -a }\n  RESPOND [o, keys(o)]\n}`, body: JSON.parse('{"__proto__": {"x": 1}, "a": 2}'), check: (r) => assert.deepEqual(JSON.parse(JSON.stringify(r.body)), [{ ["__proto__"]: { x: 1 } }, ["__proto__"]]) },
  { name: "pick() of __proto__ and constructor", source: `GET /x {\n  RESPOND [pick($body, "__proto__", "constructor"), omit($body, "a")]\n}`, body: { a: 1 }, check: (r) => assert.deepEqual(JSON.parse(JSON.stringify(r.body)), [{}, {}]) },
  { name: "sort() and sum() by a field named constructor", source: `GET /x {\n  RESPOND [sum($body.rows, $body.f), len(sort($body.rows, $body.f))]\n}`, body: { rows: [{ a: 1 }, { a: 2 }], f: "constructor" }, check: (r) => assert.deepEqual(r.body, [0, 2]) },
  { name: "env() reads only the app's environment, not the process's", source: `GET /x {\n  RESPOND [env($body.n, "none"), env("PATH", "none")]\n}`, body: { n: "HOME" }, check: (r) => assert.deepEqual(r.body, ["none", "none"]) },
  // ── SPAWN: tasks draw on their execution's quotas; no task outlives its execution
  { name: "a spawn bomb: ten thousand tasks from two loops", source: `FN w(x: int) {\n  RETURN x\n}\nGET /x {\n  FOR a IN ${HUNDRED} {\n    FOR b IN ${HUNDRED} {\n      t = SPAWN w(a)\n    }\n  }\n  RESPOND { done: true }\n}`, quotas: { memoryBytes: 1024 * 1024, fuel: 1e12 }, quota: "memoryBytes" },
  { name: "a spawn bomb of busy tasks, all awaited, on one fuel budget", source: `FN spin(k: int) {\n  n = 0\n  FOR a IN ${HUNDRED} {\n    FOR b IN ${HUNDRED} {\n      n = n + k\n    }\n  }\n  RETURN n\n}\nGET /x {\n  tasks = [SPAWN spin(k) FOR k IN ${HUNDRED}]\n  RESPOND sum([AWAIT t FOR t IN tasks])\n}`, quotas: { fuel: 500_000 }, quota: "fuel" },
  { name: "tasks doubling texts share one memory quota", source: `FN grow(s: text) {\n  FOR a IN [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14] {\n    s = s + s\n  }\n  RETURN len(s)\n}\nGET /x {\n  tasks = [SPAWN grow("abcdefgh") FOR k IN [1, 2, 3, 4, 5, 6, 7, 8]]\n  RESPOND [AWAIT t FOR t IN tasks]\n}`, quotas: { memoryBytes: 2 * 1024 * 1024 }, quota: "memoryBytes" },
  { name: "a task looping forever, awaited, ends on the deadline", source: `FN forever(xs: int[]) {\n  n = 0\n  FOR a IN xs {\n    FOR b IN xs {\n      FOR c IN xs {\n        n = n + 1\n      }\n    }\n  }\n  RETURN n\n}\nPOST /x {\n  t = SPAWN forever($body.xs)\n  RESPOND AWAIT t\n}`, route: "POST /x", body: { xs: THOUSAND_BODY }, quotas: { fuel: 1e15, deadlineMs: 50 }, quota: "deadlineMs" },
  { name: "tasks' queries count against the execution's query quota", source: `${ITEM}FN count(k: int) {\n  RETURN len(SELECT * FROM Item WHERE n = k)\n}\nGET /x {\n  tasks = [SPAWN count(k) FOR k IN ${HUNDRED}]\n  RESPOND sum([AWAIT t FOR t IN tasks])\n}`, rows: 5, quotas: { queries: 20 }, quota: "queries" },
  { name: "spawns nested past the stack depth", source: `FN c(x: int) {\n  RETURN x\n}\nFN b(x: int) {\n  t = SPAWN c(x)\n  RETURN AWAIT t\n}\nFN a(x: int) {\n  t = SPAWN b(x)\n  RETURN AWAIT t\n}\nGET /x {\n  t = SPAWN a(1)\n  RESPOND AWAIT t\n}`, quotas: { stackDepth: 3 }, quota: "stackDepth" },
  { name: "a task left running when the handler answers is stopped, not run to its end", source: `FN forever(xs: int[]) {\n  n = 0\n  FOR a IN xs {\n    FOR b IN xs {\n      FOR c IN xs {\n        n = n + 1\n      }\n    }\n  }\n  RETURN n\n}\nPOST /x {\n  t = SPAWN forever($body.xs)\n  RESPOND { answered: true }\n}`, route: "POST /x", body: { xs: THOUSAND_BODY }, quotas: { fuel: 1e15, deadlineMs: 60_000 }, check: (r) => (assert.deepEqual(r.body, { answered: true }), assert.ok(r.ms < 1000, `${r.ms} ms`)) },
  { name: "indexing with a computed key cannot reach a prototype", source: `GET /x {\n  k = "con" + "structor"\n  RESPOND [$body[k], {}[k], [][k], "x"[k]]\n}`, body: { a: 1 }, check: (r) => assert.deepEqual(JSON.parse(JSON.stringify(r.body)), [null, null, null, null]) },
];

/**
 * A case that must be stopped by another quota than the deadline runs with a roomy deadline unless
 * it sets its own: the clock is the one quota whose moment depends on the machine, and on a loaded
 * one (CI, other suites at once) the default 2 s can pass before a fuel or memory stop arrives —
 * the test would then fail although the VM stopped the program as it should. The deadline itself
 * is proved by the deadline cases, each with fuel and memory to spare, so only the clock can stop
 * them; both quotas are asserted exactly, never "whichever fires first".
 */
const ROOMY_DEADLINE_MS = 120_000;

function quotasFor(h: Hostile): Partial<Quotas> | undefined {
  if (h.quota === undefined || h.quota === "deadlineMs") return h.quotas;
  return { deadlineMs: ROOMY_DEADLINE_MS, ...h.quotas };
}

describe("hostile programs on the VM", () => {
  const closers: Array<() => Promise<void>> = [];
  after(async () => {
    for (const c of closers) await c();
  });
  for (const h of cases) {
    test(h.name, async () => {
      const { ready, driver, close } = await compileProgram(h.source);
      closers.push(close);
      if (h.rows !== undefined && driver !== null) {
        const insert = await compileProgram(`${ITEM}POST /add {\n  FOR i IN $body.xs {\n    x = INSERT INTO Item { n: i, s: "row {i}" }\n  }\n  RESPOND 204\n}`);
        closers.push(insert.close);
        const fill = await execute(insert.ready, "POST /add", { body: { xs: Array.from({ length: h.rows }, (_, i) => i) }, driver }, { queries: 1e6 });
        assert.equal(fill.status, 204, JSON.stringify(fill.problem));
      }
      // A normal execution runs at the same time and must answer as usual.
      const normal = compileProgram(`GET /ok {\n  RESPOND { sum: sum([1, 2, 3]) }\n}`).then(({ ready: r }) => execute(r, "GET /ok"));
      const run = await execute(ready, h.route ?? "GET /x", { body: h.body, driver }, quotasFor(h));
      assert.deepEqual((await normal).body, { sum: 6 });
      if (h.quota !== undefined) {
        assert.equal(run.problem?.quota, h.quota, `expected the ${h.quota} quota to stop it, got ${JSON.stringify(run.problem ?? run.body)?.slice(0, 300)}`);
        assert.equal(run.problem?.status, 503);
        assert.equal(run.problem?.type, "urn:kova:problem:quota-exceeded");
        assert.match(run.problem!.detail, /stopped: it went over/);
      }
      h.check?.(run);
    });
  }
});

export { cases };
