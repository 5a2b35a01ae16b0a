/**
 * The playground in headless Chromium (Debian's chromium through playwright-core, no download):
 * the built site is served from a static server; the page checks the program as it is typed (a
 * typo is listed with its code and suggestion, the fix clears it) and says the store is in OPFS;
 * a program that checks clean runs in the page — a record is posted, refused, patched through the
 * request panel, the data panel shows it, the time slider moved back shows its old value, and a
 * runaway handler is stopped with a message, a program needing what a page lacks is refused by
 * name; the store worker runs a compiled program's writes and
 * reads on SQLite WASM, and after a reload the rows and their versions are still there.
 * Screenshots go to the repository's playground/test-output/.
 */
import assert from "node:assert/strict";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { fileURLToPath } from "node:url";
import { browserModule, bundleBrowserModules } from "../src/build/bundle.js";
import { buildSite } from "../src/build/site.js";
import { launchChromium, serve, SKIP_WITHOUT_CHROMIUM } from "./browser-harness.js";

// The repository's playground/test-output/ (ignored by git, written by this test under .ci/run for a reviewer to look at).
const SCREENSHOTS = fileURLToPath(new URL("../../../../playground/test-output/", import.meta.url));
const TYPO = `ENTITY Todo {
  title: text
  done: bool DEFAULT false
}

GET /todos {
  RESPOND SELECT titel FROM Todo
}
`;

test("the playground page checks as you type, and the store keeps data across a reload", { skip: SKIP_WITHOUT_CHROMIUM, timeout: 120_000 }, async (t) => {
  const site = mkdtempSync(join(tmpdir(), "kova-playground-site-"));
  t.after(() => rmSync(site, { recursive: true, force: true }));
  await buildSite(site);
  // The store check below drives the compiler and the worker from a blank page of the same origin.
  await bundleBrowserModules({ compiler: browserModule("compiler") }, site);
  writeFileSync(join(site, "blank.html"), "<!doctype html><title>blank</title>");
  const { url, server } = await serve(site);
  t.after(() => server.close());
  mkdirSync(SCREENSHOTS, { recursive: true });

  const browser = await launchChromium();
  t.after(() => browser.close());
  const context = await browser.newContext();
  const page = await context.newPage();
  const errors: string[] = [];
  page.on("pageerror", (error) => errors.push(error.message));

  const started = Date.now();
  await page.goto(`${url}/`, { waitUntil: "load" });
  await page.locator("#summary", { hasText: "No problems." }).waitFor({ timeout: 30_000 });
  const interactiveMs = Date.now() - started;
  // …and the starter program compiled, loaded in the app worker, its endpoints ready to answer.
  await page.locator("#app-status", { hasText: /^Running: 2 endpoints/ }).waitFor({ timeout: 30_000 });
  const runningMs = Date.now() - started;
  await page.locator("#storage", { hasText: "OPFS" }).waitFor({ timeout: 30_000 });
  writeFileSync(join(SCREENSHOTS, "load.json"), JSON.stringify({ interactiveMs, runningMs }) + "\n");
  console.log(`page loaded and its program checked in ${interactiveMs} ms, running in ${runningMs} ms`);
  // The Kova mode highlights the grammar's keywords (each is its own token span).
  assert.ok((await page.locator(".cm-content span", { hasText: /^ENTITY$/ }).count()) > 0, "ENTITY is highlighted as a keyword");

  // Typing a program with a typo: underlined in the editor, listed with place, code and suggestion…
  await page.click(".cm-content");
  await page.keyboard.press("Control+A");
  await page.keyboard.press("Delete");
  await page.keyboard.insertText(TYPO);
  const problem = page.locator("#diagnostics li", { hasText: "titel" });
  await problem.waitFor({ timeout: 15_000 });
  const text = await problem.textContent();
  assert.match(text ?? "", /^app\.kova:7:\d+ error KV\d{4}: /);
  assert.match(text ?? "", /did you mean 'title'/);
  const underline = page.locator(".cm-lintRange-error");
  await underline.first().waitFor({ timeout: 15_000 });
  assert.equal(await underline.first().textContent(), "titel");
  await page.screenshot({ path: join(SCREENSHOTS, "typo.png"), fullPage: true });
  // …and the quick fix in its tooltip corrects it.
  await underline.first().hover();
  await page.getByRole("button", { name: /Replace with title/ }).click({ timeout: 15_000 });
  await page.locator("#summary", { hasText: "No problems." }).waitFor({ timeout: 15_000 });
  assert.equal(await page.locator("#diagnostics li").count(), 0);
  assert.match((await page.locator(".cm-content").textContent()) ?? "", /SELECT title FROM Todo/);
  await page.screenshot({ path: join(SCREENSHOTS, "fixed.png"), fullPage: true });

  // Shared through the URL: the link opens the same program.
  await page.click("#share");
  await page.locator("#share-status", { hasText: "holds this program" }).waitFor({ timeout: 15_000 });
  const link = page.url();
  assert.match(link, /#code=[A-Za-z0-9_-]+$/);
  // The theme switch, by keyboard: it toggles, and says so to assistive technology (aria-pressed).
  const before = await page.locator("html").getAttribute("data-theme");
  await page.focus("#theme");
  await page.keyboard.press("Enter");
  const after = await page.locator("html").getAttribute("data-theme");
  assert.notEqual(after, before);
  assert.equal(await page.locator("#theme").getAttribute("aria-pressed"), String(after === "dark"));
  if (after !== "dark") await page.keyboard.press("Enter");
  assert.equal(await page.locator("html").getAttribute("data-theme"), "dark");
  await page.screenshot({ path: join(SCREENSHOTS, "dark.png"), fullPage: true });

  // The program runs in the page: typed, checked, built, and its endpoints answered by the runtime's
  // pipeline on the store in OPFS. The request panel lists them; a click fills the form.
  await page.click(".cm-content");
  await page.keyboard.press("Control+A");
  await page.keyboard.press("Delete");
  await page.keyboard.insertText(STORE_PROGRAM);
  await page.locator("#app-status", { hasText: /^Running: 4 endpoints/ }).waitFor({ timeout: 30_000 });
  assert.deepEqual(await page.locator("#routes button").allTextContents(), ["GET /todos/:id", "POST /todos", "PATCH /todos/:id", "GET /todos/:id/history"]);
  await page.getByRole("button", { name: /^Fill the form with POST \/todos / }).click();
  await page.fill("#body", '{"title": "try the playground"}');
  await page.keyboard.press("Control+Enter");
  await page.locator("#response-status", { hasText: "POST /todos → 201" }).waitFor({ timeout: 15_000 });
  assert.deepEqual(JSON.parse((await page.locator("#response-body").textContent()) ?? ""), { id: 1, title: "try the playground", done: false });
  assert.match((await page.locator("#response-headers").textContent()) ?? "", /^content-type: application\/json; charset=utf-8$/m);
  // A body its VALIDATE refuses: the runtime's problem, naming the field.
  await page.fill("#body", "{}");
  await page.keyboard.press("Control+Enter");
  await page.locator("#response-status", { hasText: "POST /todos → 400" }).waitFor({ timeout: 15_000 });
  const refused = JSON.parse((await page.locator("#response-body").textContent()) ?? "") as { type: string; errors: { field: string }[] };
  assert.equal(refused.type, "urn:kova:problem:validation-failed");
  assert.equal(refused.errors[0].field, "title");
  // PATCH by keyboard: the route's :id is selected when the form is filled, so typing replaces it.
  await page.getByRole("button", { name: /^Fill the form with PATCH \/todos\/:id / }).click();
  await page.keyboard.type("1");
  assert.equal(await page.inputValue("#path"), "/todos/1");
  await page.fill("#body", '{"done": true}');
  await page.click("#send");
  await page.locator("#response-status", { hasText: "PATCH /todos/1 → 200" }).waitFor({ timeout: 15_000 });

  // The data panel: the row as it is now…
  const todoCells = () => page.locator("#tables section[aria-label='Todo rows'] tbody tr").first().locator("td").allTextContents();
  await page.locator("#tables td", { hasText: "true" }).waitFor({ timeout: 15_000 });
  assert.deepEqual((await todoCells()).slice(0, 3), ["1", "try the playground", "true"]);
  // …and, with the time slider moved back (by keyboard) to the first write, as it was then.
  await page.focus("#as-of");
  await page.keyboard.press("Home");
  await page.locator("#as-of-label", { hasText: "Todo 1 insert (version 1)" }).waitFor({ timeout: 15_000 });
  await page.locator("#tables td", { hasText: "false" }).waitFor({ timeout: 15_000 });
  assert.deepEqual((await todoCells()).slice(0, 3), ["1", "try the playground", "false"]);
  assert.match((await page.locator("#as-of").getAttribute("aria-valuetext")) ?? "", /Todo 1 insert/);
  await page.screenshot({ path: join(SCREENSHOTS, "time-travel.png"), fullPage: true });
  // The row's versions, and "now" again.
  await page.getByRole("button", { name: "History of Todo 1" }).click();
  await page.locator("#history-heading", { hasText: "History of Todo 1" }).waitFor({ timeout: 15_000 });
  assert.deepEqual(await page.locator("#history tbody tr td:nth-child(2)").allTextContents(), ["insert", "update"]);
  await page.click("#now");
  await page.locator("#as-of-label", { hasText: /^now$/ }).waitFor({ timeout: 15_000 });
  await page.locator("#tables td", { hasText: "true" }).waitFor({ timeout: 15_000 });
  await page.screenshot({ path: join(SCREENSHOTS, "app.png"), fullPage: true });

  // A handler that runs away is stopped with a message, and the next request is answered.
  const spinning = await context.newPage();
  spinning.on("pageerror", (error) => errors.push(error.message));
  await spinning.goto(`${url}/?request-limit-ms=1000`, { waitUntil: "load" });
  await spinning.click(".cm-content");
  await spinning.keyboard.press("Control+A");
  await spinning.keyboard.press("Delete");
  await spinning.keyboard.insertText(SPIN_PROGRAM);
  // The route list shows the new program as its load is sent: the request below queues behind the load.
  await spinning.getByRole("button", { name: /^Fill the form with GET \/spin / }).waitFor({ timeout: 30_000 });
  await spinning.fill("#path", "/spin");
  await spinning.click("#send");
  await spinning.locator("#response-status", { hasText: /GET \/spin: stopped — the handler ran longer than 1000 ms and was stopped/ }).waitFor({ timeout: 30_000 });
  await spinning.screenshot({ path: join(SCREENSHOTS, "handler-stopped.png"), fullPage: true });
  await spinning.fill("#path", "/hello");
  await spinning.click("#send");
  await spinning.locator("#response-status", { hasText: "GET /hello → 200" }).waitFor({ timeout: 30_000 });
  // A program that needs what a page lacks is not run, and the panel names the feature.
  await spinning.click(".cm-content");
  await spinning.keyboard.press("Control+A");
  await spinning.keyboard.press("Delete");
  await spinning.keyboard.insertText('GET /motd {\n  RESPOND { text: env("MOTD") }\n}\n');
  await spinning.locator("#app-status", { hasText: /^Not running: .*env\("MOTD"\) has no value in the browser: give it a default/ }).waitFor({ timeout: 30_000 });
  await spinning.close();

  const opened = await context.newPage();
  await opened.goto(link, { waitUntil: "load" });
  await opened.locator("#summary", { hasText: "No problems." }).waitFor({ timeout: 30_000 });
  assert.match((await opened.locator(".cm-content").textContent()) ?? "", /SELECT title FROM Todo/);
  await opened.close();

  // A check that runs past its limit is stopped and said so; the editor still answers.
  const limited = await context.newPage();
  limited.on("pageerror", (error) => errors.push(error.message));
  await limited.goto(`${url}/?check-limit-ms=1`, { waitUntil: "load" });
  await limited.locator("#summary", { hasText: /Not checked: checking took longer than 1 ms and was stopped/ }).waitFor({ timeout: 30_000 });
  await limited.click(".cm-content");
  await limited.keyboard.press("Control+End");
  await limited.keyboard.insertText("// still typing");
  assert.match((await limited.locator(".cm-content").textContent()) ?? "", /still typing/);
  await limited.screenshot({ path: join(SCREENSHOTS, "check-stopped.png"), fullPage: true });
  await limited.close();

  // The store: compile the program in the page, migrate, write, update; reload; read it back.
  const store = await context.newPage();
  store.on("pageerror", (error) => errors.push(error.message));
  const session = async (steps: "write" | "read" | "read-only-open") => {
    await store.goto(`${url}/blank.html`, { waitUntil: "load" });
    return store.evaluate(
      async ({ source, steps }) => {
        // The page's own compiler bundle, by URL (not a module of this test).
        const bundle = "./compiler.js";
        const { compileProgram } = (await import(bundle)) as {
          compileProgram(root: string, files: Record<string, string>): Promise<{ diagnostics: unknown[]; program?: { app: { entities: unknown[] }; queries: Record<string, unknown> } }>;
        };
        const compiled = await compileProgram("app.kova", { "app.kova": source });
        if (compiled.program === undefined) throw new Error(JSON.stringify(compiled.diagnostics));
        const queries = Object.values(compiled.program.queries) as { plan: { kind: string; single?: boolean; asOf?: unknown } }[];
        const find = (test: (plan: { kind: string; single?: boolean; asOf?: unknown }) => boolean) => queries.find((q) => test(q.plan));
        const worker = new Worker("./store-worker.js", { type: "module" });
        let next = 0;
        const call = (message: Record<string, unknown>) =>
          new Promise<unknown>((resolve, reject) => {
            const id = ++next;
            worker.addEventListener("message", function listen(event: MessageEvent) {
              if (event.data.id !== id) return;
              worker.removeEventListener("message", listen);
              if (event.data.ok) resolve(event.data.value);
              else reject(new Error(`${event.data.status ?? ""} ${event.data.error}`));
            });
            worker.postMessage({ id, ...message });
          });
        const status = await call({ op: "open" });
        const answers: unknown[] = [status];
        if (steps === "read-only-open") {
          worker.terminate();
          return answers;
        }
        await call({ op: "migrate", entities: compiled.program.app.entities });
        if (steps === "write") {
          const row = (await call({ op: "run", query: find((p) => p.kind === "insert"), args: [{ title: "try the playground" }] })) as { id: number };
          answers.push(row);
          answers.push(await call({ op: "run", query: find((p) => p.kind === "update"), args: [{ done: true }, row.id] }));
        } else {
          answers.push(await call({ op: "run", query: find((p) => p.kind === "select" && p.single === true && p.asOf === null), args: [1] }));
          answers.push(await call({ op: "run", query: find((p) => p.kind === "history"), args: [1] }));
        }
        worker.terminate();
        return answers;
      },
      { source: STORE_PROGRAM, steps },
    );
  };
  // OPFS access handles are exclusive: while the first page's store is open, a second page's store
  // runs in memory and says why (the page shows it), rather than failing.
  const second = await session("read-only-open");
  assert.equal((second[0] as { persistence: string }).persistence, "memory");
  assert.match((second[0] as { problem: string }).problem, /storage is unavailable .*kept in memory/);
  await page.close();

  const written = await session("write");
  assert.deepEqual(written[0], { persistence: "opfs" });
  // Record 1 is the one written through the page above (kept in OPFS); this worker adds record 2.
  assert.deepEqual(written[2], { id: 2, title: "try the playground", done: true });
  // A reload: a new page, a new worker, the same origin's storage.
  const read = await session("read");
  assert.deepEqual(read[1], { id: 1, title: "try the playground", done: true });
  const versions = read[2] as { version: number; operation: string; data: { done: boolean } }[];
  assert.deepEqual(versions.map((v) => [v.version, v.operation, v.data.done]), [[1, "insert", false], [2, "update", true]]);
  assert.deepEqual(errors, [], "no uncaught error on the pages");
});

const STORE_PROGRAM = `ENTITY Todo {
  title: text
  done: bool DEFAULT false
}
VALIDATE NewTodo {
  title: string
}
VALIDATE TodoChanges {
  done: boolean?
}
GET /todos/:id {
  RESPOND SELECT * FROM Todo WHERE id = $id
}
POST /todos VALIDATE NewTodo {
  RESPOND 201 INSERT INTO Todo $body
}
PATCH /todos/:id VALIDATE TodoChanges {
  RESPOND UPDATE Todo SET $body WHERE id = $id
}
GET /todos/:id/history {
  RESPOND HISTORY Todo WHERE id = $id
}
`;

/** A handler that would count to 10^12: the page stops it at its request time limit. */
const SPIN_PROGRAM = `GET /hello {
  RESPOND { hello: "world" }
}
GET /spin {
  n = 0
  items = split("${Array.from({ length: 1000 }, () => "x").join(",")}", ",")
  FOR a IN items {
    FOR b IN items {
      FOR c IN items {
        FOR d IN items {
          n = n + 1
        }
      }
    }
  }
  RESPOND { n: n }
}
`;
