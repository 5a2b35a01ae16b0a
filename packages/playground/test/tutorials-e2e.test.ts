/**
 * The tutorials in headless Chromium, on the built site: each tutorial is run to its end by typing
 * every step's solution into the editor (each step first shows its hint for the program before
 * it, then "Done" once the compiler in the worker has checked the solution), moving on with the
 * keyboard. Time travel's last step is passed by the docs' `kova:response` example, as the request
 * panel will. A reload resumes where the reader was; Show solution fills the editor. Screenshots
 * go to playground/test-output/ at the repository root.
 */
import assert from "node:assert/strict";
import { mkdirSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { fileURLToPath } from "node:url";
import type { Page } from "playwright-core";
import { buildSite } from "../src/build/site.js";
import { TUTORIALS } from "../src/tutorials/index.js";
import { launchChromium, serve, SKIP_WITHOUT_CHROMIUM } from "./browser-harness.js";

const ROOT = fileURLToPath(new URL("../../../../", import.meta.url));
const SCREENSHOTS = join(ROOT, "playground", "test-output");

/** Replaces the editor's program as a reader pasting it would (one input, no auto-closed brackets). */
async function typeProgram(page: Page, program: string): Promise<void> {
  await page.click(".cm-content");
  await page.keyboard.press("Control+A");
  await page.keyboard.press("Delete");
  await page.keyboard.insertText(program);
}

const result = (page: Page) => page.locator("#tutorial-result");

/** The program kept for a tutorial (the editor draws only the lines in view, so its DOM is not the whole program). */
const savedProgram = (page: Page, id: string) =>
  page.evaluate((id) => (JSON.parse(localStorage.getItem("kova-playground:tutorials") ?? "{}") as { program?: Record<string, string> }).program?.[id] ?? "", id);

test("each tutorial runs to its end by typing its solutions; progress survives a reload", { skip: SKIP_WITHOUT_CHROMIUM, timeout: 300_000 }, async (t) => {
  const site = mkdtempSync(join(tmpdir(), "kova-playground-tutorials-"));
  t.after(() => rmSync(site, { recursive: true, force: true }));
  await buildSite(site);
  const { url, server } = await serve(site);
  t.after(() => server.close());
  mkdirSync(SCREENSHOTS, { recursive: true });
  const browser = await launchChromium();
  t.after(() => browser.close());
  const page = await (await browser.newContext()).newPage();
  const errors: string[] = [];
  page.on("pageerror", (error) => errors.push(error.message));

  await page.goto(`${url}/`, { waitUntil: "load" });
  await page.locator("#summary", { hasText: "No problems." }).waitFor({ timeout: 30_000 });
  // Labelled for assistive technology: the list by its label, the result a polite live region.
  const picker = page.getByRole("combobox", { name: "Tutorial" });
  assert.equal(await picker.inputValue(), "", "free play until a tutorial is chosen");
  assert.equal(await result(page).getAttribute("aria-live"), "polite");
  assert.equal(await result(page).getAttribute("role"), "status");

  for (const tutorial of TUTORIALS) {
    await picker.focus();
    await picker.selectOption(tutorial.id);
    for (const [index, step] of tutorial.steps.entries()) {
      await page.locator("#tutorial-position", { hasText: `Step ${index + 1} of ${tutorial.steps.length}` }).waitFor({ timeout: 15_000 });
      assert.equal(await page.locator("#tutorial-title").textContent(), step.title);
      // The program before the step (its start, or the previous solution) is told what to do.
      await result(page).filter({ hasText: /^Not yet: / }).waitFor({ timeout: 30_000 });
      if (index === 0) await page.screenshot({ path: join(SCREENSHOTS, `${tutorial.id}-start.png`), fullPage: true });

      if (tutorial.id === "time-travel" && index === tutorial.steps.length - 1) {
        // An answer the step does not ask for changes nothing; the docs' example completes it.
        await page.evaluate(() => window.dispatchEvent(new CustomEvent("kova:response", { detail: { method: "GET", path: "/prices/1", status: 200, body: {} } })));
        await page.waitForTimeout(200);
        assert.match((await result(page).textContent()) ?? "", /^Not yet: /);
        await page.addScriptTag({ content: docsResponseExample() });
        await page.locator('#tutorial-result[data-done="true"]').waitFor({ timeout: 15_000 });
      }

      await typeProgram(page, step.solution);
      await page.locator('#tutorial-result[data-done="true"]').waitFor({ timeout: 30_000 });
      const last = index === tutorial.steps.length - 1;
      assert.equal(await result(page).textContent(), last ? `Done: that was the last step of “${tutorial.title}”.` : `Done. Next: ${tutorial.steps[index + 1].title}.`);
      assert.match((await page.locator('#tutorial-steps [aria-current="step"]').textContent()) ?? "", /\(done\)$/);
      if (last) {
        assert.equal(await page.locator("#tutorial-next").isDisabled(), true);
        await page.screenshot({ path: join(SCREENSHOTS, `${tutorial.id}-done.png`), fullPage: true });
      } else {
        // By keyboard: Next, and the focus moves to the new step's title.
        await page.focus("#tutorial-next");
        await page.keyboard.press("Enter");
        await page.locator("#tutorial-title:focus", { hasText: tutorial.steps[index + 1].title }).waitFor({ timeout: 5_000 });
      }
    }
  }

  // A reload resumes the open tutorial, on its step, with the reader's program.
  await page.reload({ waitUntil: "load" });
  const todo = TUTORIALS[TUTORIALS.length - 1];
  await page.locator('#tutorial-result[data-done="true"]').waitFor({ timeout: 30_000 });
  assert.equal(await picker.inputValue(), todo.id);
  assert.equal(await page.locator("#tutorial-position").textContent(), `Step ${todo.steps.length} of ${todo.steps.length}`);
  assert.match(await savedProgram(page, todo.id), /GET \/changes/);

  // Show solution: after Back, an emptied program is told what to do; the solution completes it.
  await page.click("#tutorial-back");
  await page.locator("#tutorial-position", { hasText: `Step ${todo.steps.length - 1} of` }).waitFor();
  await typeProgram(page, "// starting over\n");
  await result(page).filter({ hasText: "Not yet: Declare an entity Todo: ENTITY Todo { title: text }" }).waitFor({ timeout: 30_000 });
  await page.screenshot({ path: join(SCREENSHOTS, "hint.png"), fullPage: true });
  await page.click("#tutorial-solution");
  await page.locator('#tutorial-result[data-done="true"]').waitFor({ timeout: 30_000 });
  assert.match(await savedProgram(page, todo.id), /AS OF \$when/);
  await page.screenshot({ path: join(SCREENSHOTS, "solution.png"), fullPage: true });

  // Free play closes the panel's step; the program stays.
  await picker.selectOption("");
  assert.equal(await page.locator("#tutorial-body").isHidden(), true);
  assert.deepEqual(errors, [], "no uncaught error on the page");
});

/** The ```js example of docs/playground.md's Tutorials section, run as the page's own script. */
function docsResponseExample(): string {
  const doc = readFileSync(join(ROOT, "docs", "playground.md"), "utf8");
  const example = /```js\n([\s\S]*?)```/.exec(doc.slice(doc.indexOf("## Tutorials")))?.[1];
  assert.ok(example !== undefined, "docs/playground.md has the kova:response example");
  return example;
}
