import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { pino } from "pino";
import { accessLog, createLogger, TurnBatchedDestination } from "../src/logger.js";

const loggerEntry = fileURLToPath(new URL("../src/logger.js", import.meta.url));
const turn = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

describe("batched log destination", () => {
  test("lines of one event-loop turn go out in one write, at the end of the turn", async () => {
    const writes: string[] = [];
    const log = createLogger("batch", "info", new TurnBatchedDestination({ write: (text: string) => writes.push(text) }));
    log.info("one");
    log.info("two");
    log.info("three");
    assert.equal(writes.length, 0, "nothing written during the turn");
    await turn();
    assert.equal(writes.length, 1);
    assert.deepEqual(writes[0].trim().split("\n").map((l) => JSON.parse(l).msg), ["one", "two", "three"]);
  });

  test("a warn or error line is written at once, after what was queued before it", () => {
    const writes: string[] = [];
    const log = createLogger("batch", "info", new TurnBatchedDestination({ write: (text: string) => writes.push(text) }));
    log.info("queued");
    log.error("failed");
    assert.equal(writes.length, 1, "the error did not wait for the end of the turn");
    assert.deepEqual(writes[0].trim().split("\n").map((l) => JSON.parse(l).msg), ["queued", "failed"]);
    log.child({ reqId: "r1" }).warn("child warns");
    assert.equal(writes.length, 2, "child loggers flush on warn too");
  });

  test("a large burst is written without waiting for the turn to end", () => {
    const writes: string[] = [];
    const log = createLogger("batch", "info", new TurnBatchedDestination({ write: (text: string) => writes.push(text) }));
    const filler = "x".repeat(1000);
    for (let i = 0; i < 100; i++) log.info({ filler }, "line");
    assert.ok(writes.length >= 1, "64 KiB queued forces a write");
    assert.ok(writes.every((w) => w.length <= 70 * 1024));
  });

  test("the access line is what pino writes for the same fields", async () => {
    const fast: string[] = [];
    const viaPino: string[] = [];
    const log = createLogger('my "app"', "info", new TurnBatchedDestination({ write: (text: string) => fast.push(text) }));
    const reference = pino({ level: "info", base: { app: 'my "app"' } }, { write: (line: string) => void viaPino.push(line) });
    const write = accessLog(log)!;
    const path = '/notes/a"b\\c/ü';
    write("req-1", "GET", path, 200, 0.42);
    reference.info({ reqId: "req-1", method: "GET", path, status: 200, ms: 0.42 }, "request");
    await turn();
    const withoutTime = (line: string) => line.replace(/"time":\d+,/, "");
    assert.equal(withoutTime(fast.join("")), withoutTime(viaPino.join("")));
    assert.equal(JSON.parse(fast[0]).path, path);
  });

  test("no access log above info; another logger gets log.info", () => {
    assert.equal(accessLog(createLogger("quiet", "warn", new TurnBatchedDestination({ write: () => 0 }))), undefined);
    const lines: string[] = [];
    const other = pino({ level: "info" }, { write: (line: string) => void lines.push(line) });
    accessLog(other)!("req-2", "POST", "/x", 201, 1);
    assert.equal(JSON.parse(lines[0]).status, 201);
  });
});

describe("queued lines reach stdout when the process ends", () => {
  /** Runs a script that logs on the shared stdout destination, then ends the process as told. */
  function runScript(ending: string): { status: number | null; stdout: string; stderr: string } {
    const dir = mkdtempSync(join(tmpdir(), "kova-log-"));
    const script = join(dir, "log.mjs");
    writeFileSync(script, `import { createLogger } from ${JSON.stringify(loggerEntry)};
const log = createLogger("ending", "info");
for (let i = 0; i < 50; i++) log.info({ i }, "queued");
${ending}
`);
    const result = spawnSync(process.execPath, [script], { encoding: "utf8" });
    return { status: result.status, stdout: result.stdout, stderr: result.stderr };
  }
  const queuedLines = (stdout: string) => stdout.trim().split("\n").map((l) => JSON.parse(l)).filter((l) => l.msg === "queued");

  test("process.exit in the same turn", () => {
    const result = runScript("process.exit(3);");
    assert.equal(result.status, 3);
    assert.equal(queuedLines(result.stdout).length, 50);
  });

  test("an uncaught exception in the same turn", () => {
    const result = runScript('throw new Error("boom");');
    assert.equal(result.status, 1);
    assert.match(result.stderr, /boom/);
    assert.equal(queuedLines(result.stdout).length, 50);
  });
});
