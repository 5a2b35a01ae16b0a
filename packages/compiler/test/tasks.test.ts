// Issue 24 in the compiler: TASK (scheduled and queued) and ENQUEUE — checker findings for good and
// bad programs, the IR's tasks, the emitted JavaScript, and the formatter.
import assert from "node:assert/strict";
import { test } from "node:test";
import { checkText, emitApp, formatSource, lower, type Diagnostic } from "../src/index.js";

function check(text: string): Diagnostic[] {
  return checkText(text, "/app/app.kova", { readFile: () => undefined }).diagnostics;
}

function codes(text: string): string[] {
  return check(text).map((d) => d.code);
}

function only(text: string, code: string): Diagnostic {
  const all = check(text);
  assert.deepEqual(all.map((d) => d.code), [code], JSON.stringify(all.map((d) => `${d.code} ${d.message}`)));
  return all[0];
}

function lowered(text: string) {
  const result = checkText(text, "/app/app.kova", { readFile: () => undefined });
  assert.deepEqual(result.diagnostics.filter((d) => d.severity === "error").map((d) => `${d.code} ${d.message}`), []);
  return lower(result.programs[0].model, { name: "app" });
}

function emit(text: string): string {
  const app = lowered(text);
  const compiled = new Map(app.queries.map((q) => [q.id, { sql: `-- ${q.id}` } as never]));
  return emitApp(app, compiled, { sourcePath: () => "app.kova", sourceText: () => text, moduleSpecifier: (_f, m) => m, outputFile: "/app/dist/app.js" }).code;
}

const USERS = `ENTITY User {
  email: email
  welcomed: bool DEFAULT false
}
`;

const GOOD = `${USERS}
TASK sweep EVERY 10m {
  UPDATE User SET welcomed = false WHERE welcomed = true
}

TASK nightly CRON "0 3 * * *" TZ "Europe/Paris" {
  DELETE FROM User WHERE welcomed = false
}

TASK send_welcome(user: User, note: text) WITH {
  attempts: 3
  backoff: 2s
  timeout: 30s
  concurrency: 4
  priority: 7
} {
  UPDATE User SET welcomed = true WHERE id = user.id
}

POST /users/:id/welcome {
  user = SELECT * FROM User WHERE id = $id
  ENQUEUE send_welcome(user, "hi") DELAY 5m KEY "welcome:{user.id}"
  RESPOND 202
}
`;

test("a program with scheduled and queued tasks checks clean", () => {
  assert.deepEqual(codes(GOOD), []);
});

test("IR: each task's trigger, settings, parameters and the data sources it writes", () => {
  const app = lowered(GOOD);
  assert.deepEqual(
    app.tasks.map((t) => ({ name: t.name, params: t.params, trigger: t.trigger, attempts: t.attempts, backoffMs: t.backoffMs, timeoutMs: t.timeoutMs, concurrency: t.concurrency, priority: t.priority, writes: t.writes })),
    [
      { name: "sweep", params: [], trigger: { kind: "every", everyMs: 600_000 }, attempts: 5, backoffMs: 10_000, timeoutMs: 60_000, concurrency: 1, priority: 0, writes: ["default"] },
      { name: "nightly", params: [], trigger: { kind: "cron", expression: "0 3 * * *", timezone: "Europe/Paris" }, attempts: 5, backoffMs: 10_000, timeoutMs: 60_000, concurrency: 1, priority: 0, writes: ["default"] },
      { name: "send_welcome", params: ["user", "note"], trigger: { kind: "queue" }, attempts: 3, backoffMs: 2000, timeoutMs: 30_000, concurrency: 4, priority: 7, writes: ["default"] },
    ],
  );
  const route = app.entryPoints[0];
  const enqueue = route.body.find((s) => s.kind === "enqueue");
  assert.ok(enqueue && enqueue.kind === "enqueue");
  assert.equal(enqueue.task, "send_welcome");
  assert.equal(enqueue.args.length, 2);
  // An ENQUEUE alone is no write of the endpoint's: it joins a transaction only when there is one.
  assert.deepEqual(route.writes, []);
});

test("emitter: a function per task, ENQUEUE through ctx.enqueue, the tasks list", () => {
  const code = emit(GOOD);
  assert.match(code, /async function task_send_welcome\(ctx, v_user, v_note\) \{/);
  assert.match(code, /await ctx\.enqueue\("send_welcome", \[v_user, "hi"\], \{ delayMs: 300000, key: str\(`welcome:\$\{str\(v_user\?\.\["id"\]\)\}`\) \}\);/);
  assert.match(code, /\{ name: "nightly", params: \[\], trigger: \{"kind":"cron","expression":"0 3 \* \* \*","timezone":"Europe\/Paris"\}, attempts: 5, backoffMs: 10000, timeoutMs: 60000, concurrency: 1, priority: 0, handler: task_nightly, writes: \["default"\], source: \{ file: "app\.kova", line: \d+ \} \},/);
  assert.match(code, /\{ name: "send_welcome", params: \["user","note"\], trigger: \{"kind":"queue"\}, attempts: 3, backoffMs: 2000, timeoutMs: 30000, concurrency: 4, priority: 7, handler: task_send_welcome/);
});

test("formatter: TASK forms and ENQUEUE print canonically and are stable", () => {
  const formatted = formatSource(GOOD, "app.kova");
  assert.equal(formatted.diagnostics.length, 0);
  assert.equal(formatted.text, GOOD);
  const messy = `TASK  ping( url:text )   WITH {attempts:2}{\n  ERROR 500 "{url}"\n}\nPOST /p {\n  ENQUEUE   ping( "x" )  KEY "k"   DELAY 1m\n  RESPOND 204\n}\n`;
  const once = formatSource(messy, "app.kova").text;
  assert.equal(once, `TASK ping(url: text) WITH {\n  attempts: 2\n} {\n  ERROR 500 "{url}"\n}\n\nPOST /p {\n  ENQUEUE ping("x") DELAY 1m KEY "k"\n  RESPOND 204\n}\n`);
  assert.equal(formatSource(once, "app.kova").text, once);
});

test("ENQUEUE of an unknown task: KV2450 with did-you-mean", () => {
  const d = only(`${USERS}\nTASK send_welcome(user: User) {\n  UPDATE User SET welcomed = true WHERE id = user.id\n}\n\nPOST /x {\n  ENQUEUE send_welcom(SELECT * FROM User WHERE id = 1)\n  RESPOND 204\n}\n`, "KV2450");
  assert.equal(d.suggestion, "did you mean 'send_welcome'?");
});

test("ENQUEUE arguments: count (KV2451) and types (KV2452) against the task's parameters", () => {
  const task = `TASK remind(email: text, days: int) {\n  ERROR 500 "{email} {days}"\n}\n`;
  assert.deepEqual(codes(`${task}\nPOST /x {\n  ENQUEUE remind("a@b.c")\n  RESPOND 204\n}\n`), ["KV2451"]);
  const d = only(`${task}\nPOST /x {\n  ENQUEUE remind("a@b.c", "three")\n  RESPOND 204\n}\n`, "KV2452");
  assert.match(d.message, /takes int for 'days', not text/);
  assert.deepEqual(codes(`${task}\nPOST /x {\n  ENQUEUE remind("a@b.c", 3) DELAY "soon" KEY 5\n  RESPOND 204\n}\n`), ["KV2459", "KV2459"]);
});

test("schedules: cron syntax, time zones and intervals are checked at compile time", () => {
  const body = `{\n  ERROR 500 "x"\n}\n`;
  assert.match(only(`TASK t CRON "61 3 * * *" ${body}`, "KV2453").message, /not a valid cron expression.*minute/);
  assert.deepEqual(codes(`TASK t CRON "not a cron" ${body}`), ["KV2453"]);
  assert.deepEqual(codes(`TASK t CRON 5 ${body}`), ["KV2453"]);
  assert.deepEqual(codes(`TASK t CRON "0 3 * * *" TZ "Mars/Olympus" ${body}`), ["KV2454"]);
  assert.deepEqual(codes(`TASK t EVERY 1m TZ "UTC" ${body}`), ["KV2454"]);
  assert.deepEqual(codes(`TASK t EVERY 10 ${body}`), ["KV2455"]);
  assert.deepEqual(codes(`TASK t EVERY 200ms ${body}`), ["KV2455"]);
  assert.deepEqual(codes(`TASK t CRON "*/15 8-18 * * 1-5" TZ "America/New_York" ${body}`), []);
});

test("settings: unknown names with did-you-mean (KV2456), values out of range (KV2457)", () => {
  const d = only(`TASK t(x: int) WITH {\n  atempts: 3\n} {\n  ERROR 500 "{x}"\n}\n`, "KV2456");
  assert.equal(d.suggestion, "did you mean 'attempts'?");
  assert.deepEqual(codes(`TASK t(x: int) WITH {\n  attempts: 0\n  timeout: 5\n  concurrency: 2.5\n  backoff: 1d\n} {\n  ERROR 500 "{x}"\n}\n`), ["KV2457", "KV2457", "KV2457"]);
});

test("a scheduled task takes no parameters and no ENQUEUE arguments (KV2458); ENQUEUE t() runs it now", () => {
  assert.deepEqual(codes(`TASK t(x: int) EVERY 1m {\n  ERROR 500 "{x}"\n}\n`), ["KV2458"]);
  const scheduled = `${USERS}\nTASK sweep EVERY 1m {\n  DELETE FROM User WHERE welcomed = false\n}\n`;
  assert.deepEqual(codes(`${scheduled}\nPOST /x {\n  ENQUEUE sweep(1)\n  RESPOND 204\n}\n`), ["KV2458"]);
  assert.deepEqual(codes(`${scheduled}\nPOST /x {\n  ENQUEUE sweep()\n  RESPOND 204\n}\n`), []);
});

test("inside a TASK: no RESPOND, REDIRECT or request values (KV2461); tasks may ENQUEUE tasks", () => {
  assert.deepEqual(codes(`TASK t(x: int) {\n  RESPOND { x: x }\n}\n`), ["KV2461"]);
  assert.deepEqual(codes(`TASK t(x: int) {\n  REDIRECT "/a"\n}\n`), ["KV2461"]);
  assert.deepEqual(codes(`TASK t(x: int) {\n  y = $body.x + x\n  ERROR 500 "{y}"\n}\n`), ["KV2461"]);
  assert.deepEqual(codes(`TASK a(x: int) {\n  ENQUEUE b(x + 1)\n}\n\nTASK b(y: int) {\n  ERROR 500 "{y}"\n}\n`), []);
});

test("two tasks with one name, or a task named like a built-in: KV2007", () => {
  assert.deepEqual(codes(`TASK a EVERY 1m {\n  ERROR 500 "1"\n}\n\nTASK a EVERY 2m {\n  ERROR 500 "2"\n}\n`), ["KV2007"]);
  assert.deepEqual(codes(`TASK lower EVERY 1m {\n  ERROR 500 "1"\n}\n`), ["KV2007"]);
});

test("fetch_json: fine where nothing is written; KV2460 in an endpoint or task that writes, also through an FN", () => {
  const entity = `ENTITY Order {\n  total: int\n}\n`;
  assert.deepEqual(codes(`GET /rates {\n  r = fetch_json("https://rates.example", { timeout: 2s })\n  RESPOND { status: r.status, ok: r.ok, body: r.body }\n}\n`), []);
  assert.deepEqual(codes(`${entity}\nTASK hook(url: text) {\n  r = fetch_json(url, { method: "POST" })\n  IF NOT r.ok {\n    ERROR 502 "{r.status}"\n  }\n}\n`), []);
  const d = only(`${entity}\nPOST /orders {\n  o = INSERT INTO Order { total: 1 }\n  r = fetch_json("https://billing.example", { method: "POST", body: o })\n  RESPOND r.body\n}\n`, "KV2460");
  assert.match(d.suggestion ?? "", /ENQUEUE a task/);
  assert.deepEqual(codes(`${entity}\nTASK sync(n: int) {\n  r = fetch_json("https://x.example/{n}")\n  INSERT INTO Order { total: r.status }\n}\n`), ["KV2460"]);
  assert.match(only(`${entity}\nFN charge(n: int) {\n  RETURN fetch_json("https://billing.example/{n}")\n}\n\nPOST /orders {\n  INSERT INTO Order { total: 1 }\n  RESPOND charge(1).body\n}\n`, "KV2460").message, /charge\(\) calls fetch_json/);
  assert.match(emit(`GET /rates {\n  RESPOND fetch_json("https://rates.example").body\n}\n`), /\(await kb\.fetch_json\("https:\/\/rates\.example"\)\)/);
});
