/**
 * docs/engine.md, "The engine server": every ```http block is sent, in order, to a real engine
 * process, and the `<!-- engine → STATUS JSON -->` after it checks the answer (the JSON is a subset
 * of the body). In the blocks, `$ADMIN_KEY` is the engine's admin key, `$API_KEY` the first key a
 * tenant was given, `$HASH` the first deployed program's hash and `$PROGRAM` the ```kova block
 * above, as a JSON string. (The ```kova blocks themselves are built by the VM's docs test.)
 */
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { after, before, test } from "node:test";
import { fileURLToPath } from "node:url";
import { ADMIN_KEY, EngineProcess, tempDir } from "./engine-process.js";

const root = fileURLToPath(new URL("../../../../", import.meta.url));
const EXPECT = /^<!-- engine → (\d{3})(?: (.*))? -->$/;

interface Exchange {
  line: number;
  request: string;
  program: string | undefined;
  status: number;
  expected: unknown;
}

function exchanges(): Exchange[] {
  const text = readFileSync(join(root, "docs/engine.md"), "utf8");
  const lines = text.split("\n");
  const start = lines.indexOf("## The engine server");
  const found: Exchange[] = [];
  let program: string | undefined;
  let open: { kind: string; line: number; body: string[] } | null = null;
  let pending: { line: number; request: string } | undefined;
  for (let i = start; i < lines.length; i++) {
    const line = lines[i];
    if (open === null && /^```(kova|http)\s*$/.test(line)) open = { kind: /^```(\w+)/.exec(line)![1], line: i + 1, body: [] };
    else if (open !== null && /^```\s*$/.test(line)) {
      if (open.kind === "kova") program = open.body.join("\n") + "\n";
      else pending = { line: open.line, request: open.body.join("\n") };
      open = null;
    } else if (open !== null) open.body.push(line);
    else if (line.startsWith("<!-- engine")) {
      const m = EXPECT.exec(line);
      assert.ok(m && pending, `docs/engine.md:${i + 1}: cannot read ${line}, or no http block before it`);
      found.push({ ...pending, program, status: Number(m[1]), expected: m[2] === undefined ? undefined : m[2] });
      pending = undefined;
    }
  }
  return found;
}

/** `expected` is contained in `actual`: objects by their keys, lists item by item. */
function contains(actual: unknown, expected: unknown): boolean {
  if (Array.isArray(expected)) return Array.isArray(actual) && expected.every((e, i) => contains(actual[i], e));
  if (typeof expected === "object" && expected !== null) {
    return typeof actual === "object" && actual !== null && Object.entries(expected).every(([k, v]) => contains((actual as Record<string, unknown>)[k], v));
  }
  return actual === expected;
}

let engine: EngineProcess;
const vars: Record<string, string> = { ADMIN_KEY };

before(async () => {
  engine = await EngineProcess.start({ KOVA_ENGINE_DATA_DIR: tempDir() });
});

after(async () => {
  await engine.stop();
});

test("docs/engine.md has engine examples", () => {
  assert.ok(exchanges().length >= 5);
});

test("docs/engine.md's requests answer as documented, in order", async () => {
  for (const ex of exchanges()) {
    const fill = (text: string) => text.replace(/\$(ADMIN_KEY|API_KEY|HASH)\b/g, (all, name: string) => vars[name] ?? all).replace(/\$PROGRAM\b/g, () => JSON.stringify(ex.program ?? ""));
    const [head, ...rest] = fill(ex.request).split("\n\n");
    const [requestLine, ...headerLines] = head.split("\n");
    const [method, path] = requestLine.split(" ");
    const headers: Record<string, string> = {};
    for (const h of headerLines) headers[h.slice(0, h.indexOf(":")).toLowerCase()] = h.slice(h.indexOf(":") + 1).trim();
    const body = rest.length > 0 ? rest.join("\n\n") : undefined;
    const res = await fetch(`${engine.url}${path}`, { method, headers, body });
    const text = await res.text();
    const answer: unknown = text === "" ? undefined : JSON.parse(text);
    assert.equal(res.status, ex.status, `docs/engine.md:${ex.line}: ${text}`);
    const record = answer as Record<string, unknown>;
    if (typeof record?.apiKey === "string") vars.API_KEY ??= record.apiKey;
    if (typeof record?.hash === "string") vars.HASH ??= record.hash;
    if (typeof ex.expected === "string") {
      const expected: unknown = JSON.parse(fill(ex.expected));
      assert.ok(contains(answer, expected), `docs/engine.md:${ex.line}: ${text} does not hold ${JSON.stringify(expected)}`);
    }
  }
});
