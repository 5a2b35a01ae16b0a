/**
 * The tutorials against the real compiler (the module the check worker runs): every step's stored
 * solution passes that step, and the program the reader has before it (the previous solution, or
 * the step's start) fails it with the hint the step is there to teach. The checks read the
 * compiler's outline, not the text: a comment that spells the entity does not count, a field of
 * the wrong type is named with its type, and undoing an earlier step is reported as that step's.
 * A step the running app can show passes on a matching `kova:response` answer too.
 */
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { describe, test } from "node:test";
import { fileURLToPath } from "node:url";
import { checkProject } from "../src/browser/compiler.js";
import { TUTORIALS } from "../src/tutorials/index.js";
import { checkStep, programBefore, type StepInput, type Tutorial } from "../src/tutorials/model.js";
import { outlineProgram } from "../src/tutorials/outline.js";
import { readResponse, routeMatches, type ObservedResponse } from "../src/tutorials/responses.js";
import { emptyProgress, loadProgress, PROGRESS_KEY, saveProgress } from "../src/tutorials/progress.js";

async function checked(program: string, responses: ObservedResponse[] = []): Promise<StepInput> {
  const files = { "app.kova": program };
  const result = await checkProject(["app.kova"], files);
  return { diagnostics: result.diagnostics, outline: outlineProgram(result, files), responses };
}

/** For each tutorial, step by step: what the program before the step is told to do. */
const FIRST_HINTS: Record<string, string[]> = {
  "first-entity": [
    "Declare an entity `Note`: `ENTITY Note { body: text }`.",
    "Add an endpoint `GET /notes`: `GET /notes { RESPOND SELECT * FROM Note }`.",
    "Declare the body's shape: `VALIDATE NewNote { body: string(min: 1) }`.",
  ],
  "time-travel": [
    "Declare the body's shape: `VALIDATE PriceChange { cents: int(min: 0) }`.",
    "Add an endpoint that answers with the HISTORY of Price: `GET /prices/:id/history { RESPOND HISTORY Price WHERE id = $id }`.",
    "Add an endpoint that answers with a SELECT of one Price AS OF an instant the request gives: `GET /prices/:id/as-of/:when { RESPOND SELECT * FROM Price AS OF $when WHERE id = $id }`.",
    "Ask the app for a price as it was: GET /prices/1/as-of/ an instant before your change. Or, in the program: Add an endpoint that answers with a SELECT of Price AS OF a fixed instant: `GET /prices/at-launch { RESPOND SELECT * FROM Price AS OF \"2025-01-01T00:00:00Z\" ORDER_BY item }`.",
  ],
  "todo-history": [
    "Declare an entity `Todo`: `ENTITY Todo { title: text }`.",
    "Add a field `done: bool DEFAULT false` to Todo.",
    "Add an endpoint `GET /todos`: `GET /todos { RESPOND SELECT * FROM Todo ORDER_BY id }`.",
    "Declare the body's shape: `VALIDATE NewTodo { title: string(min: 1, max: 200) }`.",
    "Add an endpoint `GET /todos/:id`: `GET /todos/:id { RESPOND SELECT * FROM Todo WHERE id = $id }`.",
    "Declare the body's shape: `VALIDATE TodoChanges { title: string(min: 1, max: 200)?  done: boolean? }`.",
    "Add an endpoint `DELETE /todos/:id`: `DELETE /todos/:id { RESPOND DELETE FROM Todo WHERE id = $id }`.",
    "Add an endpoint that answers with the HISTORY of Todo: `GET /todos/:id/history { RESPOND HISTORY Todo WHERE id = $id }`.",
    "Add an endpoint that answers with a SELECT of one Todo AS OF an instant the request gives: `GET /todos/:id/as-of/:when { RESPOND SELECT * FROM Todo AS OF $when WHERE id = $id }`.",
    "Add a todo, change it, and GET /todos/1/history in the request panel. Or, in the program: Add an endpoint that answers with the HISTORY of every Todo: `GET /changes { RESPOND HISTORY Todo ORDER_BY version DESC LIMIT 20 }`.",
  ],
};

const byId = (id: string): Tutorial => TUTORIALS.find((t) => t.id === id)!;

test("three tutorials, shortest first, each step with a hint listed here", () => {
  assert.deepEqual(
    TUTORIALS.map((t) => [t.title, t.duration]),
    [
      ["Your first entity and endpoint", "30 seconds"],
      ["Time travel basics", "2 minutes"],
      ["Build a todo app with history", "10 minutes"],
    ],
  );
  for (const tutorial of TUTORIALS) assert.equal(FIRST_HINTS[tutorial.id]?.length, tutorial.steps.length, tutorial.id);
});

for (const tutorial of TUTORIALS) {
  describe(`${tutorial.title} (${tutorial.duration})`, () => {
    tutorial.steps.forEach((step, index) => {
      test(`step ${index + 1}, ${step.title}: the solution passes, the program before it fails with its hint`, async () => {
        const solved = await checked(step.solution);
        assert.deepEqual(solved.diagnostics, [], "a solution checks without a problem");
        assert.deepEqual(checkStep(tutorial, index, solved), { done: true });

        const before = await checked(programBefore(tutorial, index));
        assert.equal(before.diagnostics.filter((d) => d.severity === "error").length, 0, "the program before the step checks");
        assert.deepEqual(checkStep(tutorial, index, before), { done: false, hint: FIRST_HINTS[tutorial.id][index] });
      });
    });
  });
}

test("a program with an error is told to fix it first, at its line and column", async () => {
  const verdict = checkStep(byId("todo-history"), 2, await checked("ENTITY Todo {\n  title: txt\n}\n"));
  assert.equal(verdict.done, false);
  assert.match((verdict as { hint: string }).hint, /^First fix the error at line 2, column 10: .*txt/);
});

test("the checks read the compiled program: a comment that spells the entity is no entity", async () => {
  const verdict = checkStep(byId("first-entity"), 0, await checked("// ENTITY Note { body: text }\n"));
  assert.deepEqual(verdict, { done: false, hint: "Declare an entity `Note`: `ENTITY Note { body: text }`." });
  const near = checkStep(byId("first-entity"), 0, await checked("ENTITY note {\n  body: text\n}\n"));
  assert.deepEqual(near, { done: false, hint: "Your entity is called `note`: rename it `Note` (names are case-sensitive)." });
});

test("a field of the wrong type is named with its type, and undoing an earlier step is said to be that step's", async () => {
  const tutorial = byId("todo-history");
  const wrongType = tutorial.steps[2].solution.replace("done: bool DEFAULT false", 'done: text DEFAULT "no"');
  assert.deepEqual(checkStep(tutorial, 2, await checked(wrongType)), {
    done: false,
    hint: "`Todo.done` is text: declare it as `done: bool DEFAULT false`. (from step 2, “Add a field”)",
  });
  const noDefault = tutorial.steps[1].solution.replace("done: bool DEFAULT false", "done: bool");
  assert.deepEqual(checkStep(tutorial, 1, await checked(noDefault)), {
    done: false,
    hint: "Give `done` a default, `done: bool DEFAULT false`, so a new Todo need not send it.",
  });
});

test("an endpoint on the right path with the wrong method, or the wrong query, says which", async () => {
  const tutorial = byId("first-entity");
  const posting = tutorial.steps[1].solution.replace("GET /notes", "POST /notes");
  const wrongMethod = checkStep(tutorial, 1, await checked(posting));
  assert.deepEqual(wrongMethod, { done: false, hint: "Your endpoint is `POST /notes`; make it GET: `GET /notes { RESPOND SELECT * FROM Note }`." });
  const one = tutorial.steps[1].solution.replace("SELECT * FROM Note", "SELECT * FROM Note WHERE id = 1");
  assert.deepEqual(checkStep(tutorial, 1, await checked(one)), {
    done: false,
    hint: "`GET /notes` should answer with a SELECT of the Note list: `GET /notes { RESPOND SELECT * FROM Note }`.",
  });
});

describe("steps the running app can show (kova:response)", () => {
  const asOfAnswer: ObservedResponse = { method: "GET", path: "/prices/1/as-of/2025-03-01T12:00:00Z", status: 200, body: { id: 1, item: "tea", cents: 250 } };

  test("time travel: an AS OF answer from the program's own as-of route passes the last step", async () => {
    const tutorial = byId("time-travel");
    const last = tutorial.steps.length - 1;
    const program = programBefore(tutorial, last);
    assert.deepEqual(checkStep(tutorial, last, await checked(program, [asOfAnswer])), { done: true });
    // Not from an as-of route, not a success, or not a GET: still to do.
    for (const other of [
      { ...asOfAnswer, path: "/prices/1" },
      { ...asOfAnswer, status: 404 },
      { ...asOfAnswer, method: "POST" },
    ]) {
      assert.equal(checkStep(tutorial, last, await checked(program, [other])).done, false, JSON.stringify(other));
    }
  });

  test("todo app: a history answer that holds an update passes the last step; an insert alone does not", async () => {
    const tutorial = byId("todo-history");
    const last = tutorial.steps.length - 1;
    const program = programBefore(tutorial, last);
    const inserted = { version: 1, operation: "insert", at: "2026-01-01T00:00:00.000Z", data: { id: 1, title: "milk", done: false } };
    const updated = { version: 2, operation: "update", at: "2026-01-01T00:00:01.000Z", data: { id: 1, title: "milk", done: true } };
    const history = (body: unknown[]): ObservedResponse => ({ method: "GET", path: "/todos/1/history", status: 200, body });
    assert.deepEqual(checkStep(tutorial, last, await checked(program, [history([inserted, updated])])), { done: true });
    assert.equal(checkStep(tutorial, last, await checked(program, [history([inserted])])).done, false);
  });

  test("the event's detail is read strictly, with what is wrong said", () => {
    assert.deepEqual(readResponse({ method: "get", path: "/todos", status: 200 }), { method: "GET", path: "/todos", status: 200 });
    assert.deepEqual(readResponse({ method: "GET", path: "todos", status: 200 }), { problem: 'kova:response: detail.path must be the path requested, starting with "/"' });
    assert.deepEqual(readResponse({ method: "GET", path: "/todos", status: "200" }), { problem: "kova:response: detail.status must be the answer's HTTP status, a whole number" });
    assert.deepEqual(readResponse(null), { problem: "kova:response: detail must be an object { method, path, status, body }" });
  });

  test("a requested path matches its route, parameters and query string aside", () => {
    assert.ok(routeMatches("/todos/:id/history", "/todos/7/history?x=1"));
    assert.ok(routeMatches("/prices/:id/as-of/:when", "/prices/1/as-of/2025-03-01T12%3A00%3A00Z"));
    assert.ok(!routeMatches("/todos/:id", "/todos/7/history"));
    assert.ok(!routeMatches("/todos/:id", "/todos/"));
    assert.ok(!routeMatches("/todos", "/notes"));
  });
});

test("progress survives a reload through storage; unreadable progress starts afresh", () => {
  const items = new Map<string, string>();
  const storage = { getItem: (key: string) => items.get(key) ?? null, setItem: (key: string, value: string) => void items.set(key, value) };
  assert.deepEqual(loadProgress(storage), emptyProgress());
  const progress = { active: "time-travel", step: { "time-travel": 2 }, done: { "time-travel": [0, 1] }, program: { "time-travel": "ENTITY Price {}" } };
  saveProgress(storage, progress);
  assert.deepEqual(loadProgress(storage), progress);
  items.set(PROGRESS_KEY, "{not json");
  assert.deepEqual(loadProgress(storage), emptyProgress());
  items.set(PROGRESS_KEY, JSON.stringify({ active: 3, step: { a: -1, b: 2 }, done: { a: "x" }, program: { a: 1 } }));
  assert.deepEqual(loadProgress(storage), { active: null, step: { b: 2 }, done: {}, program: {} });
  const refusing = { getItem: () => null, setItem: () => { throw new Error("QuotaExceededError"); } };
  assert.doesNotThrow(() => saveProgress(refusing, progress));
});

test("docs/playground.md names every tutorial, and its kova:response example is one a step accepts", async () => {
  const doc = readFileSync(fileURLToPath(new URL("../../../../docs/playground.md", import.meta.url)), "utf8");
  const section = doc.slice(doc.indexOf("## Tutorials"));
  assert.ok(doc.includes("## Tutorials"), "a Tutorials section");
  for (const tutorial of TUTORIALS) assert.ok(section.includes(`**${tutorial.title}** (${tutorial.duration})`), tutorial.title);
  // The example run against an event target standing for the window: the detail the panel would read.
  const example = /```js\n([\s\S]*?)```/.exec(section)?.[1] ?? "";
  const pageWindow = new EventTarget();
  const details: unknown[] = [];
  pageWindow.addEventListener("kova:response", (event) => details.push((event as CustomEvent).detail));
  Function("window", example)(pageWindow);
  assert.equal(details.length, 1, "the example dispatches one kova:response event");
  const response = readResponse(details[0]);
  assert.ok(!("problem" in response), JSON.stringify(response));
  const tutorial = byId("time-travel");
  const last = tutorial.steps.length - 1;
  assert.deepEqual(checkStep(tutorial, last, await checked(programBefore(tutorial, last), [response])), { done: true });
});
