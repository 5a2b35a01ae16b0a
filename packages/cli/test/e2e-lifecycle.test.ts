// End-to-end: graceful shutdown and error reporting of a built server (fixture apps with JS imports).
import { test } from "node:test";
import assert from "node:assert/strict";
import { join } from "node:path";
import { FIXTURES, build, connectionRefused, delay, request, startServer, tempApp } from "./e2e/harness.js";
import { assertProblem } from "./e2e/problems.js";

// Proves SIGTERM lets a request already in flight finish with its full response, stops accepting
// new connections at once, and ends the process with exit code 0.
test("SIGTERM: an in-flight request completes, new connections are refused, exit 0", async (t) => {
  const dir = tempApp(t, join(FIXTURES, "slow"));
  await build(dir);
  const server = await startServer(t, dir);
  assert.deepEqual((await request(`${server.url}/fast`)).body, { ok: true });

  const started = Date.now();
  const slow = request(`${server.url}/slow`);
  await delay(200); // the handler is now inside sleep(800)
  server.signal("SIGTERM");
  await delay(150);
  assert.ok(server.running, "the process waits for the in-flight request");
  assert.equal(await connectionRefused(server.port), true, "no new connections while draining");

  const response = await slow;
  assert.equal(response.status, 200);
  assert.deepEqual(response.body, { ok: true });
  assert.equal(response.headers.get("connection"), "close");
  assert.ok(Date.now() - started >= 750, "the response came after the handler's sleep, not cut short");
  assert.deepEqual(await server.exited, { code: 0, signal: null });
  assert.equal(await connectionRefused(server.port), true);
});

// Proves an unexpected failure in imported JS gives the client a 500 problem with a request id and no
// internals, while the server's log carries the error and names the .kova file.
test("a throwing JS import: 500 problem without a stack for the client, the error in the log", async (t) => {
  const dir = tempApp(t, join(FIXTURES, "throws"));
  await build(dir);
  const server = await startServer(t, dir);
  const response = await request(`${server.url}/boom`);
  const problem = assertProblem(response, 500, "urn:kova:problem:internal-error");
  assert.ok(problem.detail.includes(problem.requestId), "the detail quotes the request id");
  assert.doesNotMatch(response.text, /helper failed|kaboom|explode|\.js:\d|\bat\s/, "nothing internal reaches the client");
  // The log line for the failure carries the request id, the error message and the .kova file.
  await server.waitForOutput(new RegExp(`"reqId":"${problem.requestId}".*handler failed`));
  const line = server.output.split("\n").find((l) => l.includes(problem.requestId) && l.includes("handler failed"))!;
  assert.match(line, /helper failed: kaboom/);
  assert.match(line, /app\.kova/);
  // The server keeps serving after the failure.
  assert.equal((await request(`${server.url}/_kova/health`)).status, 200);
});

// Proves the stack trace in the log points at the .kova line that called the failing function
// (the fixture's call is on line 8 of app.kova).
test(
  "source maps: the logged stack names the .kova line of the failing call",
  async (t) => {
    const dir = tempApp(t, join(FIXTURES, "throws"));
    await build(dir);
    const server = await startServer(t, dir);
    const problem = (await request(`${server.url}/boom`)).body;
    await server.waitForOutput(new RegExp(`"reqId":"${problem.requestId}".*handler failed`));
    const line = server.output.split("\n").find((l) => l.includes(problem.requestId) && l.includes("handler failed"))!;
    const stack: string = JSON.parse(line).err.stack;
    assert.match(stack, /app\.kova:8:\d+/, stack);
  },
);

// Proves the request log (KOVA_ACCESS_LOG=on, as `kova dev` runs) loses nothing on SIGTERM: every
// answered request has its line on stdout when the process has exited, the request still in flight
// when the signal came included, and the lines come before the shutdown's last word.
test("SIGTERM: every answered request's log line is on stdout after the exit", async (t) => {
  const dir = tempApp(t, join(FIXTURES, "slow"));
  await build(dir);
  const server = await startServer(t, dir, { env: { KOVA_LOG_LEVEL: "info", KOVA_ACCESS_LOG: "on" } });
  const ids = Array.from({ length: 40 }, (_, i) => `flush-${i}`);
  const slow = request(`${server.url}/slow`, { headers: { "x-request-id": "flush-slow" } });
  const answers = await Promise.all(ids.map((id) => request(`${server.url}/fast`, { headers: { "x-request-id": id } })));
  assert.ok(answers.every((a) => a.status === 200));
  server.signal("SIGTERM");
  assert.equal((await slow).status, 200);
  assert.deepEqual(await server.exited, { code: 0, signal: null });

  const lines = server.stdout.trim().split("\n").map((l) => JSON.parse(l) as Record<string, unknown>);
  const requestLines = lines.filter((l) => l.msg === "request");
  for (const id of [...ids, "flush-slow"]) {
    const line = requestLines.find((l) => l.reqId === id);
    assert.ok(line, `a request line for ${id}`);
    assert.equal(line.status, 200);
    assert.equal(line.path, id === "flush-slow" ? "/slow" : "/fast");
  }
  const shuttingDown = lines.findIndex((l) => String(l.msg).startsWith("shutting down"));
  assert.ok(shuttingDown !== -1, "the shutdown line is logged");
  assert.ok(lines.findIndex((l) => l.reqId === "flush-slow") > shuttingDown, "the in-flight request's line came after the signal and was still written");
});

// Proves the default (`node dist/server.js`, as `kova run` starts it) logs start-up and failures but no
// line per request.
test("default logging: no per-request line, the listening line is there", async (t) => {
  const dir = tempApp(t, join(FIXTURES, "slow"));
  await build(dir);
  const server = await startServer(t, dir, { env: { KOVA_LOG_LEVEL: "info", KOVA_ACCESS_LOG: "" } });
  assert.equal((await request(`${server.url}/fast`, { headers: { "x-request-id": "default-1" } })).status, 200);
  assert.deepEqual(await server.stop(), { code: 0, signal: null });
  assert.match(server.stdout, /listening on http/);
  assert.doesNotMatch(server.stdout, /default-1/);
});
