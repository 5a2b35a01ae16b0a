/**
 * Two tiers, one language: each example app, a program touching every expression the VM runs and
 * the conformance suite's programs (with their cases' requests) are built twice — compiled JS, and signed bytecode served with `kova run --vm`'s server — and the
 * same requests go to both. Every answer (status, body, content type, location) must be identical.
 * Apps the VM tier refuses are refused at build time with their KV29xx diagnostic.
 */
import { randomBytes } from "node:crypto";
import { test } from "node:test";
import assert from "node:assert/strict";
import { join } from "node:path";
import { buildApp } from "../src/build/build-app.js";
import { EXAMPLES, FIXTURES, request, startServer, tempApp, type JsonResponse } from "./e2e/harness.js";

type Step = { method?: string; path: string; json?: unknown };

const INSTANT = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?Z$/;

/** What must match: instants (each server writes its own) are compared by shape only. */
function comparable(r: JsonResponse): unknown {
  const scrub = (v: unknown): unknown =>
    typeof v === "string" && INSTANT.test(v) ? "<instant>" : Array.isArray(v) ? v.map(scrub) : v !== null && typeof v === "object" ? Object.fromEntries(Object.entries(v).map(([k, x]) => [k, k === "requestId" ? "<request id>" : scrub(x)])) : v;
  return { status: r.status, type: r.headers.get("content-type"), location: r.headers.get("location"), label: r.headers.get("x-label"), body: r.body === undefined ? r.text : scrub(r.body) };
}

async function differential(t: import("node:test").TestContext, source: string, steps: Step[]): Promise<number> {
  const jsDir = tempApp(t, source);
  const vmDir = tempApp(t, source);
  const js = await buildApp({ entry: jsDir });
  assert.ok(js.ok, js.errors.join("\n"));
  const vm = await buildApp({ entry: vmDir, bytecode: true });
  assert.ok(vm.ok, [...vm.errors, ...vm.check.diagnostics.map((d) => `${d.code} ${d.message}`)].join("\n"));
  assert.match(vm.bytecodeHash ?? "", /^[0-9a-f]{64}$/);
  const [jsServer, vmServer] = await Promise.all([startServer(t, jsDir), startServer(t, vmDir)]);
  for (const step of steps) {
    const init = { method: step.method ?? "GET", json: step.json };
    const [a, b] = await Promise.all([request(jsServer.url + step.path, init), request(vmServer.url + step.path, init)]);
    assert.deepEqual(comparable(b), comparable(a), `${init.method} ${step.path} ${JSON.stringify(step.json) ?? ""}: the VM answered differently from compiled JS`);
  }
  return steps.length;
}

test("todo example: compiled JS and the VM give the same answers", async (t) => {
  const n = await differential(t, join(EXAMPLES, "todo"), [
    { path: "/todos" },
    { method: "POST", path: "/todos", json: { title: "Write the VM", notes: "stack machine" } },
    { method: "POST", path: "/todos", json: { title: "Sign the bytecode", due: "2026-12-24" } },
    { method: "POST", path: "/todos", json: { title: "" } },
    { method: "POST", path: "/todos", json: { nope: 1 } },
    { path: "/todos" },
    { path: "/todos?done=false&limit=1" },
    { path: "/todos?limit=1&offset=1" },
    { path: "/todos?limit=abc" },
    { path: "/todos/1" },
    { path: "/todos/99" },
    { path: "/todos/abc" },
    { method: "PATCH", path: "/todos/1", json: { done: true, notes: null } },
    { method: "PATCH", path: "/todos/1", json: { title: 5 } },
    { method: "POST", path: "/todos/2/done" },
    { path: "/todos?done=true" },
    { path: "/todos/1/history" },
    { method: "DELETE", path: "/todos/2" },
    { method: "DELETE", path: "/todos/2" },
    { path: "/todos" },
    { path: "/nowhere" },
  ]);
  assert.equal(n, 21);
});

test("every expression and statement the VM runs: compiled JS and the VM give the same answers", async (t) => {
  await differential(t, join(FIXTURES, "vm-features"), [
    { method: "POST", path: "/items", json: { name: "Kettle", price: 30, tags: ["kitchen"] } },
    { method: "POST", path: "/items", json: { name: "Piano", price: 4000 } },
    { method: "POST", path: "/items", json: { name: "Leaflet", price: 0 } },
    { method: "POST", path: "/items", json: { name: "Kettle", price: 30 } },
    { method: "POST", path: "/items", json: { name: "", price: -1 } },
    { path: "/items/1" },
    { path: "/items/42" },
    { path: "/items" },
    { path: "/items?min=10&limit=2" },
    { path: "/summary" },
    { method: "POST", path: "/compute", json: {} },
    { method: "POST", path: "/compute", json: { a: 2, b: 8, text: "  Crème brûlée, World  ", list: [1, 2, 3], obj: { inner: { value: "deep" } }, template: "{who} has {n} {missing}" } },
    { method: "POST", path: "/compute", json: { a: 10, b: 10, text: "Hello, Wxrld", nothing: null } },
    { method: "POST", path: "/compute", json: { a: 1.5, b: -4 } },
    { path: "/fail/1" },
    { path: "/fail/2" },
    { path: "/fail/3" },
    { path: "/fail/x" },
    { method: "DELETE", path: "/items/3" },
    { method: "DELETE", path: "/items/3" },
    { path: "/summary" },
    { method: "POST", path: "/parallel", json: {} },
    { method: "POST", path: "/parallel", json: { min: 20, xs: [1, 2, 3], n: 7 } },
    { method: "POST", path: "/parallel", json: { min: 5000, xs: [10], n: 101 } },
  ]);
});

test("the blog and chat examples are refused by the VM tier at build, naming what reaches outside it", async () => {
  const blog = await buildApp({ entry: join(EXAMPLES, "blog"), outDir: join(EXAMPLES, "blog", "dist-vm-refused"), bytecode: true });
  assert.equal(blog.ok, false);
  assert.ok(blog.check.diagnostics.some((d) => d.code === "KV2901" && /hash_password|sign_token|verify_password/.test(d.message)), blog.check.diagnostics.map((d) => d.message).join("\n"));
  const chat = await buildApp({ entry: join(EXAMPLES, "chat"), outDir: join(EXAMPLES, "chat", "dist-vm-refused"), bytecode: true });
  assert.equal(chat.ok, false);
  assert.ok(chat.check.diagnostics.some((d) => d.code === "KV2903" || d.code === "KV2900"), chat.check.diagnostics.map((d) => `${d.code} ${d.message}`).join("\n"));
});

const DATA_KEY = randomBytes(32).toString("base64");

test("the conformance suite's programs: every request of their cases answered alike by compiled JS and the VM", async (t) => {
  // Loaded by name at run time: the conformance package is built after the CLI (it is not a dependency).
  const specifier = (file: string) => `@kova/conformance/dist/src/${file}`;
  const { FULL_PROGRAM } = (await import(specifier("programs.js"))) as { FULL_PROGRAM: string };
  const { RELATIONS_PROGRAM } = (await import(specifier("relations-program.js"))) as { RELATIONS_PROGRAM: string };
  type ConformanceCase = { name: string; program: string | { name: string; source: string }; source?: string; run: (api: unknown, check: unknown) => Promise<void> };
  const { CASES, check } = (await import(specifier("cases.js"))) as { CASES: ConformanceCase[]; check: unknown };
  // The programs run on the embedded store: FULL_PROGRAM, a case's own source, a case file's program, the relations program.
  const programOf = (c: ConformanceCase): string | null =>
    typeof c.program === "object" ? c.program.source : c.program === "full" ? (c.source ?? FULL_PROGRAM) : c.program === "relations" ? RELATIONS_PROGRAM : null;
  const groups = new Map<string, ConformanceCase[]>();
  for (const c of CASES) {
    const program = programOf(c);
    if (program !== null) groups.set(program, [...(groups.get(program) ?? []), c]);
  }
  let requests = 0;
  let compared = 0;
  const refused: string[] = [];
  for (const [program, cases] of groups) {
    const source = { "app.kova": program };
    const jsDir = tempApp(t, source);
    const vmDir = tempApp(t, source);
    const js = await buildApp({ entry: jsDir });
    assert.ok(js.ok, js.errors.join("\n"));
    const vm = await buildApp({ entry: vmDir, bytecode: true });
    if (!vm.ok) {
      // Only the VM tier's own refusals (KV29xx) may stop a program the JS tier builds.
      const codes = vm.check.diagnostics.filter((d) => d.severity === "error").map((d) => d.code);
      assert.ok(codes.length > 0 && codes.every((c) => c.startsWith("KV29")), codes.join(", "));
      refused.push(`${cases[0].name} (${codes.join(", ")})`);
      continue;
    }
    // ENCRYPTED fields' programs need a master key; the same one serves both tiers.
    const env = { KOVA_DATA_KEY: DATA_KEY };
    const [jsServer, vmServer] = await Promise.all([startServer(t, jsDir, { env }), startServer(t, vmDir, { env })]);
    // PUBLIC ID records get random UUIDs, so one request path names different records on the two
    // servers: those cases run on the VM alone, with their own checks (the answers the JS tier gives
    // are the conformance suite's).
    if (program.includes(" PUBLIC ID ")) {
      const vmApi = { request: async (method: string, path: string, body?: unknown) => request(vmServer.url + path, { method, json: body }) };
      for (const c of cases) {
        await c.run(vmApi, check);
        compared++;
      }
      await Promise.all([jsServer.stop(), vmServer.stop()]);
      continue;
    }
    // Both servers get the same requests in the same order, so their data stays in step; each answer
    // is compared, and the JS tier's is what the case sees (its own checks are the conformance suite's).
    const api = {
      async request(method: string, path: string, body?: unknown) {
        const init = { method, json: body };
        const [a, b] = await Promise.all([request(jsServer.url + path, init), request(vmServer.url + path, init)]);
        assert.deepEqual(comparable(b), comparable(a), `${method} ${path} ${JSON.stringify(body) ?? ""}: the VM answered differently from compiled JS`);
        requests++;
        return { status: a.status, body: a.body };
      },
    };
    for (const c of cases) {
      try {
        await c.run(api, () => undefined);
      } catch (error) {
        // A difference between the tiers fails the test; a case tripping over data another case left
        // (both servers hold the same) is not this test's concern.
        if ((error as Error).message.includes("the VM answered differently")) throw new Error(`${c.name}: ${(error as Error).message}`);
      }
      compared++;
    }
    await Promise.all([jsServer.stop(), vmServer.stop()]);
  }
  assert.ok(compared > 40, `${compared} cases`);
  assert.ok(requests > 300, `${requests} requests compared`);
  t.diagnostic(`${groups.size} programs, ${compared} conformance cases, ${requests} requests compared; refused by the VM tier: ${refused.join("; ") || "none"}`);
});
