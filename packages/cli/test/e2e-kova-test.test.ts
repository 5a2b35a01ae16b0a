// `kova test` (issue 22, item 1), run as a user runs it: the CLI builds *.test.kova files with the
// app they IMPORT and runs their TESTs on a fresh store each, through the app's real pipeline.
// Passing and failing runs (spec and TAP), the failure's expected/actual and .kova place, the
// checker's diagnostics for tests, --filter, --watch, and the examples' own tests.
import { test } from "node:test";
import assert from "node:assert/strict";
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { EXAMPLES, KOVA_BIN, delay, kovaSync, spawnNode, tempApp } from "./e2e/harness.js";

const APP = `ENTITY Note {
  text: text
  pinned: bool DEFAULT false
}

VALIDATE NewNote {
  text: string(min: 1)
}

POST /notes VALIDATE NewNote {
  note = INSERT INTO Note $body
  RESPOND 201 note HEADERS { location: "/notes/{note.id}" }
}

GET /notes {
  RESPOND SELECT * FROM Note ORDER_BY id
}

GET /notes/:id {
  RESPOND SELECT * FROM Note WHERE id = $id
}
`;

const PASSING = `IMPORT "./app.kova"

TEST "creates a note" {
  r = POST /notes { text: "hello" }
  EXPECT r.status == 201
  EXPECT r.body == { id: 1, text: "hello", pinned: false }
  EXPECT r.headers["location"] == "/notes/1"
}

TEST "each test starts from an empty store" {
  INSERT INTO Note { text: "seeded" }
  r = GET /notes
  EXPECT r.body.length == 1
  EXPECT r.body[0].text == "seeded"
}

TEST "a bad body is a validation problem" {
  r = POST /notes { text: "" }
  EXPECT r.status == 400
  EXPECT r.body.type == "urn:kova:problem:validation-failed"
}
`;

test("kova test: passing tests, each on its own store, reported by the spec reporter; exit 0", (t) => {
  const dir = tempApp(t, { "app.kova": APP, "app.test.kova": PASSING });
  const result = kovaSync(["test", dir]);
  assert.equal(result.status, 0, result.stdout + result.stderr);
  assert.match(result.stdout, /▶ app\.test\.kova/);
  assert.match(result.stdout, /✔ creates a note/);
  assert.match(result.stdout, /✔ each test starts from an empty store/);
  assert.match(result.stdout, /ℹ pass 3\n/);
  assert.match(result.stdout, /ℹ fail 0\n/);
  // kova build leaves the tests out of the app.
  const build = kovaSync(["build", dir]);
  assert.equal(build.status, 0, build.stderr);
  assert.doesNotMatch(readFileSync(join(dir, "dist", "app.js"), "utf8"), /TEST|creates a note/);
});

test("kova test: a failing EXPECT shows expected, actual and the .kova place; TAP for CI; exit 1", (t) => {
  const failing = PASSING.replace('EXPECT r.body.type == "urn:kova:problem:validation-failed"', 'EXPECT r.status == 422');
  const dir = tempApp(t, { "app.kova": APP, "app.test.kova": failing });
  const result = kovaSync(["test", "--reporter", "tap", dir]);
  assert.equal(result.status, 1, result.stdout + result.stderr);
  assert.match(result.stdout, /^TAP version 13/m);
  assert.match(result.stdout, /ok \d+ - creates a note/);
  assert.match(result.stdout, /not ok \d+ - a bad body is a validation problem/);
  assert.match(result.stdout, /EXPECT r\.status == 422 failed at app\.test\.kova:20:3/);
  assert.match(result.stdout, /expected: 422/);
  assert.match(result.stdout, /actual: 400/);
  assert.match(result.stdout, /# pass 2/);
  assert.match(result.stdout, /# fail 1/);

  const filtered = kovaSync(["test", "--filter", "creates", dir]);
  assert.equal(filtered.status, 0, filtered.stdout);
  assert.match(filtered.stdout, /ℹ pass 1\n/);
});

test("kova test: tests are checked against the app: unknown routes, misplaced statements, TEST outside a test file", (t) => {
  const dir = tempApp(t, {
    "app.kova": `${APP}\nTEST "in the app" {\n  EXPECT true\n}\n`,
    "app.test.kova": `IMPORT "./app.kova"

TEST "typos" {
  r = POST /note { text: "x" }
  EXPECT r.status == 201
  d = DELETE /notes/1
  EXPECT d.status
  RESPOND 200
}

TEST "typos" {
  EXPECT 1 == 1
}
`,
  });
  const result = kovaSync(["test", dir]);
  assert.equal(result.status, 1);
  const out = result.stderr;
  assert.match(out, /error\[KV2723\]: the app declares no POST \/note\n/);
  assert.match(out, /did you mean POST \/notes\?/);
  assert.match(out, /error\[KV2723\]: \/notes\/1 answers GET, not DELETE/);
  assert.match(out, /error\[KV2725\]: EXPECT takes a condition, not/);
  assert.match(out, /error\[KV2726\]: RESPOND answers a request/);
  assert.match(out, /error\[KV2721\]: there is already a TEST named "typos"/);
  assert.match(out, /error\[KV2720\]: TEST belongs in a \*\.test\.kova file/);
  assert.match(out, /app\.test\.kova:4:12/);
});

test("kova test --watch runs again when a test file changes", async (t) => {
  const dir = tempApp(t, { "app.kova": APP, "app.test.kova": PASSING });
  const child = spawnNode(t, [KOVA_BIN, "test", "--watch", dir]);
  await child.waitForOutput(/all passed; watching/, 60_000);
  await delay(200);
  writeFileSync(join(dir, "app.test.kova"), PASSING.replace("EXPECT r.status == 201", "EXPECT r.status == 200"));
  await child.waitForOutput(/failures above; watching/, 60_000);
  assert.match(child.stdout, /expected: 200/);
  await child.stop();
});

test("kova test: the examples' own tests pass (todo, blog, helpdesk, crm and shop)", (t) => {
  for (const example of ["todo", "blog", "helpdesk", "crm", "shop"]) {
    assert.ok(existsSync(join(EXAMPLES, example, "app.test.kova")), `examples/${example} ships app.test.kova`);
    const dir = tempApp(t, join(EXAMPLES, example));
    const result = kovaSync(["test", dir]);
    assert.equal(result.status, 0, `${example}:\n${result.stdout}${result.stderr}`);
    assert.match(result.stdout, /ℹ fail 0\n/);
  }
});

test("kova init scaffolds a test, and kova test runs it green on the new app", (t) => {
  const dir = tempApp(t);
  const init = kovaSync(["init", dir]);
  assert.equal(init.status, 0, init.stderr);
  assert.ok(existsSync(join(dir, "app.test.kova")));
  assert.equal(JSON.parse(readFileSync(join(dir, "package.json"), "utf8")).scripts.test, "kova test .");
  const result = kovaSync(["test", dir]);
  assert.equal(result.status, 0, result.stdout + result.stderr);
  assert.match(result.stdout, /✔ adds a note and reads it back/);
});

test("kova test: every ```kova test example in docs/testing.md runs green against the todo example", (t) => {
  const markdown = readFileSync(join(EXAMPLES, "..", "docs", "testing.md"), "utf8");
  const blocks = [...markdown.matchAll(/```kova test\n([\s\S]*?)```/g)].map((m) => m[1]);
  assert.ok(blocks.length >= 5, `only ${blocks.length} examples`);
  const names = blocks.flatMap((b) => [...b.matchAll(/^TEST "([^"]+)"/gm)].map((m) => m[1]));
  const tests = blocks.map((b) => b.replace('IMPORT "../examples/todo/app.kova"\n', "")).join("\n");
  const dir = tempApp(t, join(EXAMPLES, "todo"));
  writeFileSync(join(dir, "app.test.kova"), `IMPORT "./app.kova"\n${tests}`);
  const result = kovaSync(["test", dir]);
  assert.equal(result.status, 0, result.stdout + result.stderr);
  for (const name of names) assert.match(result.stdout, new RegExp(`✔ ${name.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}`));
  assert.match(result.stdout, new RegExp(`ℹ pass ${names.length}\\n`));
});
