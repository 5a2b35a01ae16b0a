// End-to-end regressions for request handling (issue 10 items 2 and 9) on the built todo example,
// served by `node dist/server.js` as a user runs it.
import { test, type TestContext } from "node:test";
import assert from "node:assert/strict";
import { join } from "node:path";
import { EXAMPLES, build, request, startServer, tempApp, type RunningServer } from "./e2e/harness.js";
import { assertProblem } from "./e2e/problems.js";

async function todoServer(t: TestContext): Promise<RunningServer> {
  const dir = tempApp(t, join(EXAMPLES, "todo"));
  await build(dir);
  return startServer(t, dir);
}

// Item 9: what is acknowledged must be what is stored, so a string the store cannot hold as sent
// (a lone surrogate, or bytes that are not UTF-8) is refused, naming the field, and nothing is written.
test("todo: a lone surrogate or invalid UTF-8 in a body is a 400 naming the field; nothing is stored", async (t) => {
  const server = await todoServer(t);
  const base = `${server.url}/todos`;
  const headers = { "content-type": "application/json" };
  const lone = assertProblem(await request(base, { method: "POST", body: '{"title":"x\\ud800y"}', headers }), 400, "urn:kova:problem:malformed-json");
  assert.deepEqual(lone.errors.map((e: { field: string }) => e.field), ["title"]);
  const bytes = await fetch(base, { method: "POST", headers, body: Buffer.from([0x7b, 0x22, 0x74, 0x69, 0x74, 0x6c, 0x65, 0x22, 0x3a, 0x22, 0xff, 0x22, 0x7d]) });
  assert.equal(bytes.status, 400);
  assert.match(await bytes.text(), /not valid UTF-8/);
  assert.deepEqual((await request(base)).body, [], "nothing was written");
  // A well-formed pair is stored and read back exactly.
  const emoji = await request(base, { method: "POST", body: '{"title":"x\\ud83d\\ude00y"}', headers });
  assert.equal(emoji.status, 201, emoji.text);
  assert.equal((await request(`${base}/${emoji.body.id}`)).body.title, "x😀y");
});

// Item 2: a repeated key for a scalar query parameter is a 400 naming it, not a 500 from the
// driver. The runtime does this for declared query parameters, and the compiler declares every
// query parameter a handler reads (the todo app's `$query.done` is a boolean).
test("todo: a repeated ?done= is a 400 problem naming the parameter", async (t) => {
  const server = await todoServer(t);
  const problem = assertProblem(await request(`${server.url}/todos?done=true&done=false`), 400, "urn:kova:problem:invalid-parameter");
  assert.deepEqual(problem.errors.map((e: { field: string }) => e.field), ["done"]);
});
