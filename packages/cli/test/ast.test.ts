import { test } from "node:test";
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { join } from "node:path";
import { BROKEN_PROGRAM, KOVA_BIN, VALID_PROGRAM, kova, tempProject } from "./helpers.js";

interface Node {
  kind: string;
  [key: string]: unknown;
}

/** Every key anywhere in a JSON value. */
function allKeys(value: unknown, keys = new Set<string>()): Set<string> {
  if (Array.isArray(value)) for (const item of value) allKeys(item, keys);
  else if (value !== null && typeof value === "object") {
    for (const [key, item] of Object.entries(value)) {
      keys.add(key);
      allKeys(item, keys);
    }
  }
  return keys;
}

test("prints the program as 2-space JSON, exit 0 for a clean parse", () => {
  const dir = tempProject({ "app.kova": VALID_PROGRAM });
  const r = kova(["ast", "app.kova"], { cwd: dir });
  assert.equal(r.status, 0, r.stderr);
  assert.equal(r.stderr, "");
  const program = JSON.parse(r.stdout) as Node & { declarations: Node[]; span: { start: { line: number } } };
  assert.equal(r.stdout, JSON.stringify(program, null, 2) + "\n");
  assert.equal(program.kind, "Program");
  assert.equal(program.file, "app.kova");
  assert.deepEqual(program.declarations.map((d) => d.kind), ["Entity", "Endpoint"]);
  assert.equal(program.span.start.line, 1);
});

test("output is byte-identical across two runs", () => {
  const dir = tempProject({ "app.kova": VALID_PROGRAM, "bad.kova": BROKEN_PROGRAM });
  for (const file of ["app.kova", "bad.kova"]) {
    const first = kova(["ast", file], { cwd: dir });
    const second = kova(["ast", file], { cwd: dir });
    assert.ok(first.stdout.length > 100);
    assert.equal(first.stdout, second.stdout);
    assert.equal(first.stderr, second.stderr);
  }
});

test("--no-spans removes every span and nothing else", () => {
  const dir = tempProject({ "app.kova": VALID_PROGRAM });
  const withSpans = JSON.parse(kova(["ast", "app.kova"], { cwd: dir }).stdout) as unknown;
  const r = kova(["ast", "--no-spans", "app.kova"], { cwd: dir });
  assert.equal(r.status, 0);
  const keys = allKeys(JSON.parse(r.stdout));
  assert.ok(!keys.has("span"));
  assert.ok([...keys].every((k) => !k.endsWith("Span")));
  const expected = [...allKeys(withSpans)].filter((k) => k !== "span" && !k.endsWith("Span") && !["start", "end", "line", "column", "offset"].includes(k));
  for (const key of expected) assert.ok(keys.has(key), `kept ${key}`);
});

test("parse errors: the tree on stdout, formatted diagnostics on stderr, exit 1", () => {
  const dir = tempProject({ "bad.kova": BROKEN_PROGRAM });
  const r = kova(["ast", "bad.kova"], { cwd: dir });
  assert.equal(r.status, 1);
  assert.equal((JSON.parse(r.stdout) as Node).kind, "Program");
  assert.match(r.stderr, /^error\[KV1101\]: /m);
  assert.match(r.stderr, /--> bad\.kova:2:16/);
  assert.match(r.stderr, /^ {2}\| +\^+$/m);
});

test("a missing file or a wrong argument count is exit 2 with a message", () => {
  const dir = tempProject({ "app.kova": VALID_PROGRAM });
  const missing = kova(["ast", "nope.kova"], { cwd: dir });
  assert.equal(missing.status, 2);
  assert.equal(missing.stderr, "kova ast: cannot read nope.kova: no such file\n");
  assert.equal(kova(["ast"], { cwd: dir }).status, 2);
  assert.equal(kova(["ast", "app.kova", "app.kova"], { cwd: dir }).status, 2);
  const folder = kova(["ast", "."], { cwd: dir });
  assert.equal(folder.status, 2);
  assert.match(folder.stderr, /is a folder/);
});

test("a reader that closes the pipe early (`| head`) ends kova quietly, without a stack trace", async () => {
  const endpoints = Array.from({ length: 3000 }, (_, i) => `GET /r${i}/:id { RESPOND SELECT * FROM User WHERE id = $id }`);
  const dir = tempProject({ "big.kova": VALID_PROGRAM + endpoints.join("\n") + "\n" });
  const child = spawn(process.execPath, [KOVA_BIN, "ast", join(dir, "big.kova")]);
  let stderr = "";
  child.stderr.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
  child.stdout.once("data", () => child.stdout.destroy());
  const status = await new Promise<number | null>((done) => child.on("close", (code) => done(code)));
  assert.equal(stderr, "");
  assert.equal(status, 0);
});
