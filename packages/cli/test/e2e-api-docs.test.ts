// The API description served by a running app (issue 16): /_kova/openapi.json, the docs page at
// /_kova/docs under its strict CSP, both configurable and able to be turned off, and the page
// loaded in headless Chromium, sending a request to the app with "Try it out".
import { test } from "node:test";
import assert from "node:assert/strict";
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { EXAMPLES, build, request, startServer, tempApp } from "./e2e/harness.js";

const CHROMIUM = ["/usr/bin/chromium", "/usr/bin/chromium-browser", "/usr/bin/google-chrome"].find(existsSync);

test("api docs: the app serves its OpenAPI document and a docs page whose files come from the app, under a strict CSP", async (t) => {
  const dir = tempApp(t, join(EXAMPLES, "todo"));
  await build(dir);
  const server = await startServer(t, dir);
  const document = await request(`${server.url}/_kova/openapi.json`);
  assert.equal(document.status, 200);
  assert.match(document.headers.get("content-type") ?? "", /^application\/json/);
  assert.deepEqual(document.body, JSON.parse(readFileSync(join(dir, "dist", "openapi.json"), "utf8")));
  assert.equal(document.body.openapi, "3.1.0");

  const page = await fetch(`${server.url}/_kova/docs`);
  assert.equal(page.status, 200);
  assert.match(page.headers.get("content-type") ?? "", /^text\/html/);
  const csp = page.headers.get("content-security-policy") ?? "";
  assert.match(csp, /default-src 'none'/);
  assert.match(csp, /script-src 'self'(;|$)/, "no inline or remote script");
  assert.match(csp, /connect-src 'self'/);
  assert.match(csp, /frame-ancestors 'none'/);
  assert.equal(page.headers.get("x-content-type-options"), "nosniff", "the app's security headers stay");
  const html = await page.text();
  assert.doesNotMatch(html, /https?:\/\//, "nothing is loaded from another origin (no CDN)");
  assert.doesNotMatch(html, /<script>/, "no inline script");
  for (const asset of [...html.matchAll(/(?:src|href)="([^"]+)"/g)].map((m) => m[1]).filter((p) => p.startsWith("/_kova/docs/"))) {
    const response = await fetch(`${server.url}${asset}`);
    assert.equal(response.status, 200, asset);
    assert.ok((await response.arrayBuffer()).byteLength > 0, asset);
  }
  const head = await fetch(`${server.url}/_kova/docs/swagger-ui-bundle.js`, { method: "HEAD" });
  assert.equal(head.status, 200);
  assert.equal((await fetch(`${server.url}/_kova/docs/package.json`)).status, 404, "only the page's own files are served");
  assert.equal((await fetch(`${server.url}/_kova/docs/../../package.json`)).status, 404);
});

test("api docs: kova.config.json moves them or turns them off", async (t) => {
  const dir = tempApp(t, join(EXAMPLES, "todo"));
  writeFileSync(join(dir, "kova.config.json"), JSON.stringify({ openapi: "/openapi.json", apiDocs: false }));
  await build(dir);
  const server = await startServer(t, dir);
  assert.equal((await request(`${server.url}/openapi.json`)).status, 200);
  assert.equal((await request(`${server.url}/_kova/openapi.json`)).status, 404);
  assert.equal((await request(`${server.url}/_kova/docs`)).status, 404);

  const off = tempApp(t, join(EXAMPLES, "todo"));
  writeFileSync(join(off, "kova.config.json"), JSON.stringify({ openapi: false }));
  await build(off);
  const quiet = await startServer(t, off);
  assert.equal((await request(`${quiet.url}/_kova/openapi.json`)).status, 404);
  assert.equal((await request(`${quiet.url}/_kova/docs`)).status, 404);

  const bad = tempApp(t, join(EXAMPLES, "todo"));
  writeFileSync(join(bad, "kova.config.json"), JSON.stringify({ openapi: "docs.json" }));
  await build(bad);
  await assert.rejects(startServer(t, bad), /"openapi" must be true, false or a path starting with "\/"/);
});

test("api docs: the page renders in headless Chromium and 'Try it out' calls the running app", { skip: CHROMIUM === undefined ? "no Chromium installed (apt-get install chromium)" : false, timeout: 90_000 }, async (t) => {
  const { chromium } = await import("playwright-core");
  const dir = tempApp(t, join(EXAMPLES, "todo"));
  await build(dir);
  const server = await startServer(t, dir);
  await request(`${server.url}/todos`, { method: "POST", json: { title: "Seen from the docs page" } });

  const browser = await chromium.launch({ executablePath: CHROMIUM, args: ["--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage"] });
  t.after(() => browser.close());
  const page = await browser.newPage();
  const violations: string[] = [];
  page.on("console", (message) => {
    if (/Content Security Policy|Refused to/i.test(message.text())) violations.push(message.text());
  });
  const appRequests: string[] = [];
  page.on("request", (r) => appRequests.push(`${r.method()} ${new URL(r.url()).pathname}`));
  await page.goto(`${server.url}/_kova/docs`, { waitUntil: "load" });
  // The operations of the document appear, with the summaries from the /// doc comments.
  const listTodos = page.locator("#operations-todos-getTodos");
  await listTodos.waitFor({ timeout: 30_000 });
  assert.match(await listTodos.innerText(), /GET\s*\/todos/);
  assert.match(await page.locator("body").innerText(), /Adds a todo; the answer is the stored todo/);

  await listTodos.locator(".opblock-summary").click();
  await listTodos.locator("button.execute").click();
  const status = listTodos.locator(".live-responses-table tbody .response-col_status").first();
  await status.waitFor({ timeout: 30_000 });
  assert.equal((await status.innerText()).trim(), "200");
  assert.match(await listTodos.locator(".live-responses-table").innerText(), /Seen from the docs page/);
  assert.ok(appRequests.includes("GET /todos"), `the page called the app: ${appRequests.join(", ")}`);
  assert.ok(appRequests.every((r) => !r.includes("http")), "every request went to the app itself");
  assert.deepEqual(violations, [], "the page runs under its CSP without a violation");
  if (process.env.KOVA_DOCS_SCREENSHOT) await page.screenshot({ path: process.env.KOVA_DOCS_SCREENSHOT, fullPage: false });
});
