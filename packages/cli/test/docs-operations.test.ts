// Runs every command of docs/operations.md's sections on backups, point-in-time recovery, export and
// import, and encryption at rest, in order, in a copy of the todo example (with todos in its store)
// beside an `on-postgres` copy using the CONNECT block the page shows. Every command must succeed.
import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import pg from "pg";
import { build, EXAMPLES, REPO_ROOT, request, startServer } from "./e2e/harness.js";
import { kovaAsync } from "./db/fixture.js";

const PG_URL = process.env.KOVA_PG_URL ?? "postgresql://postgres@127.0.0.1:5432/test";
const MY_SECTIONS = ["Backups", "Point-in-time recovery", "Export and import", "Encryption at rest"];

/** The ```sh and ```kova blocks of the given `## ` sections, in order. */
function blocks(markdown: string, language: string): string[] {
  const out: string[] = [];
  let section = "";
  let body: string[] | null = null;
  for (const line of markdown.split("\n")) {
    if (body === null && line.startsWith("## ")) section = line.slice(3).trim();
    if (line.startsWith("```")) {
      if (body === null) {
        if (line.slice(3).trim() === language && MY_SECTIONS.includes(section)) body = [];
        else if (line.slice(3).trim() !== "") body = null;
        continue;
      }
      out.push(body.join("\n"));
      body = null;
      continue;
    }
    body?.push(line);
  }
  return out;
}

/** `NAME=value … kova args…` → its environment and its arguments. */
function parseCommand(line: string): { env: Record<string, string>; args: string[] } {
  const words = line.replace(/\s+#.*$/, "").trim().split(/\s+/);
  const env: Record<string, string> = {};
  while (/^[A-Z_]+=/.test(words[0])) {
    const [name, ...value] = words.shift()!.split("=");
    env[name] = value.join("=");
  }
  assert.equal(words.shift(), "kova", `a documented command that is not kova: ${line}`);
  return { env, args: words };
}

test("docs/operations.md: every command in the backup, recovery, export/import and encryption sections runs", async (t) => {
  const markdown = readFileSync(join(REPO_ROOT, "docs", "operations.md"), "utf8");
  const commands = blocks(markdown, "sh").flatMap((b) => b.split("\n")).filter((l) => l.trim() !== "");
  assert.ok(commands.length >= 12, `found ${commands.length} commands`);
  const connectBlock = blocks(markdown, "kova").find((b) => b.includes("USING postgres"));
  assert.ok(connectBlock, "the on-postgres app's CONNECT block");

  const admin = new pg.Client({ connectionString: PG_URL, connectionTimeoutMillis: 1500 });
  try {
    await admin.connect();
  } catch {
    if (process.env.CI === "true") assert.fail(`PostgreSQL is not reachable at ${PG_URL}`);
    t.skip(`SKIPPED: no PostgreSQL at ${PG_URL}`);
    return;
  }
  const schema = `kova_docs_ops_${randomBytes(4).toString("hex")}`;
  await admin.query(`CREATE SCHEMA "${schema}"`);
  const parent = mkdtempSync(join(tmpdir(), "kova-docs-ops-"));
  t.after(async () => {
    await admin.query(`DROP SCHEMA "${schema}" CASCADE`);
    await admin.end();
    for (const app of ["todo", "on-postgres"]) rmSync(join(parent, app, "node_modules"), { force: true });
    rmSync(parent, { recursive: true, force: true });
  });
  const todo = join(parent, "todo");
  cpSync(join(EXAMPLES, "todo"), todo, { recursive: true, filter: (src) => !/[/\\](dist|\.kova|node_modules)$/.test(src) });
  mkdirSync(join(parent, "on-postgres"));
  writeFileSync(join(parent, "on-postgres", "app.kova"), connectBlock);
  for (const app of ["todo", "on-postgres"]) symlinkSync(join(REPO_ROOT, "node_modules"), join(parent, app, "node_modules"), "dir");
  await build(todo);
  const server = await startServer(t, todo, { env: { KOVA_LOG_LEVEL: "warn" } });
  for (const title of ["Buy milk", "Call Ada", "Write docs"]) assert.equal((await request(`${server.url}/todos`, { method: "POST", json: { title } })).status, 201);
  await request(`${server.url}/todos/2/done`, { method: "POST" });
  await server.stop();

  for (const line of commands) {
    const { env, args } = parseCommand(line);
    const run = await kovaAsync(args, { cwd: todo, env: { DATABASE_URL: PG_URL, DB_SCHEMA: schema, ...env } });
    assert.equal(run.status, 0, `${line}\n${run.stdout}${run.stderr}`);
  }

  // What the commands did: the todos are in PostgreSQL, the store is plain again and still whole.
  const { rows } = await admin.query(`SELECT "title", "done" FROM "${schema}"."todo" ORDER BY "id"`);
  assert.deepEqual(rows, [{ title: "Buy milk", done: false }, { title: "Call Ada", done: true }, { title: "Write docs", done: false }]);
  assert.equal(readFileSync(join(todo, ".kova", "data.db")).subarray(0, 15).toString("latin1"), "SQLite format 3");
  assert.match(readFileSync(join(todo, "kova.config.json"), "utf8"), /"every": "6h"/);
});
