import assert from "node:assert/strict";
import { mkdirSync, rmSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { join } from "node:path";
import { test } from "node:test";
import { pathToFileURL } from "node:url";
import { buildApp } from "@kova/compiler";
import { DRIVER_PACKAGES } from "@kova/query";
import { startApp } from "@kova/runtime";
import { RELATIONS_PROGRAM } from "../src/relations-program.js";
import { allTargets } from "../src/targets.js";

// A list of 50 posts, each with its author and its comment count, is ONE statement sent to the
// database — counted where the client libraries send statements (better-sqlite3's statements,
// postgres.js's queries, mysql2's query/execute), not inferred from the driver's own bookkeeping.
const require = createRequire(import.meta.url);

/** Counts statements the client libraries run while `counting` is set; returns the SQL texts. */
async function installCounters(): Promise<{ start(): void; stop(): string[] }> {
  const seen: string[] = [];
  let counting = false;
  const wrap = (proto: Record<string, unknown>, method: string, text: (self: any, args: unknown[]) => string | undefined) => {
    const original = proto[method] as (...args: unknown[]) => unknown;
    proto[method] = function (this: unknown, ...args: unknown[]) {
      const sent = counting ? text(this, args) : undefined;
      if (sent !== undefined) seen.push(sent);
      return original.apply(this, args);
    };
  };
  const Database = require("better-sqlite3");
  const db = new Database(":memory:");
  const statement = Object.getPrototypeOf(db.prepare("SELECT 1")) as Record<string, unknown>;
  db.close();
  for (const m of ["all", "get", "run", "iterate"]) wrap(statement, m, (self) => self.source);
  wrap(Database.prototype, "exec", (_self, args) => String(args[0]));
  // postgres.js sends a query when it is first awaited (Query#handle); its class is reached through
  // an unsent query of an instance that never connects (the ES module, as the driver imports it).
  const { default: postgres } = await import("postgres");
  const idle = postgres({ max: 1 });
  const query = Object.getPrototypeOf(idle.unsafe("SELECT 1")) as Record<string, unknown>;
  await idle.end();
  // handle() runs at every await of a query; it is sent at the first.
  wrap(query, "handle", (self) => (self.executed ? undefined : (self.strings as string[]).join("?")));
  const mysql = require("mysql2");
  for (const m of ["query", "execute"]) wrap(mysql.Connection.prototype, m, (_self, args) => (typeof args[0] === "string" ? args[0] : (args[0] as { sql: string }).sql));
  return {
    start() {
      seen.length = 0;
      counting = true;
    },
    stop() {
      counting = false;
      return [...seen];
    },
  };
}

const counters = await installCounters();

// `SELECT FeedOut FROM Post`, a VIEW with nested relations, plans as the written-out nested SELECT: one statement too.
const VIEW_FEED = `
VIEW FeedOut OF Post {
  title
  author { name }
  comments { body, author { name } }
}
GET /feed/:tag/view { RESPOND SELECT FeedOut FROM Post WHERE tag = $tag ORDER_BY id }
`;
const targets = (await allTargets()).filter((t) => ["embedded", "postgres", "mariadb"].includes(t.driver));

for (const target of targets) {
  test(`relations: 50 posts with author and comment count are one statement (${target.label})`, async (t) => {
    const runId = `stmt_${process.pid}_${Date.now().toString(36)}`;
    const prepared = await target.prepare(runId);
    if (!prepared.ok) {
      if (process.env.CI === "true" && target.serverExpected !== false) assert.fail(`${target.label} unavailable in CI: ${prepared.reason}`);
      t.skip(`SKIPPED ${target.label}: ${prepared.reason}`);
      return;
    }
    // Inside the package (as the runner does), so the built app resolves @kova/runtime.
    const dir = join(new URL("../../.work/", import.meta.url).pathname, `stmt-${target.driver}-${runId}`);
    mkdirSync(dir, { recursive: true });
    try {
      writeFileSync(join(dir, "app.kova"), `${prepared.connect ?? ""}\n${RELATIONS_PROGRAM}\n${VIEW_FEED}`);
      const built = await buildApp({ entry: dir });
      assert.ok(built.ok, JSON.stringify(built.errors));
      await import(DRIVER_PACKAGES[target.driver]);
      const { app } = (await import(pathToFileURL(join(dir, "dist", "app.js")).href)) as { app: Parameters<typeof startApp>[0] };
      const server = await startApp(app, { port: 0, host: "127.0.0.1", appDir: dir, env: prepared.env, manageProcess: false, logLevel: "silent" });
      try {
        const send = async (path: string, body: unknown) => {
          const r = await fetch(server.url + path, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(body) });
          assert.equal(r.status, 201);
          return (await r.json()) as { id: number };
        };
        const authors = [await send("/users", { tag: "s", name: "Ada" }), await send("/users", { tag: "s", name: "Bob" })];
        for (let i = 0; i < 50; i++) {
          const post = await send("/posts", { tag: "s", title: `post ${i}`, author: authors[i % 2].id });
          for (let c = 0; c < i % 3; c++) await send("/comments", { post: post.id, author: authors[(i + c) % 2].id, body: `c${c}` });
        }
        counters.start();
        const response = await fetch(`${server.url}/feed/s`);
        const statements = counters.stop();
        const posts = (await response.json()) as Array<{ author: { name: string }; comments_count: number }>;
        assert.equal(posts.length, 50);
        assert.deepEqual(posts.slice(0, 4).map((p) => [p.author.name, p.comments_count]), [["Ada", 0], ["Bob", 1], ["Ada", 2], ["Bob", 0]]);
        assert.equal(statements.length, 1, `statements sent:\n${statements.join("\n")}`);
        assert.match(statements[0], /json/i);

        counters.start();
        const viewed = await fetch(`${server.url}/feed/s/view`);
        const viewStatements = counters.stop();
        const shaped = (await viewed.json()) as Array<{ title: string; author: { name: string }; comments: Array<{ body: string; author: { name: string } }> }>;
        assert.equal(shaped.length, 50);
        assert.deepEqual(Object.keys(shaped[2]), ["title", "author", "comments"]);
        assert.deepEqual([shaped[2].title, shaped[2].author.name, shaped[2].comments.map((c) => [c.body, c.author.name]).sort()], ["post 2", "Ada", [["c0", "Ada"], ["c1", "Bob"]]]);
        assert.equal(viewStatements.length, 1, `statements sent:\n${viewStatements.join("\n")}`);
      } finally {
        await server.close();
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
      await prepared.cleanup();
    }
  });
}
