import { test } from "node:test";
import assert from "node:assert/strict";
import type { EntitySchema } from "@kova/query";
import { createMysqlDriver, mysqlDialect } from "../src/index.js";
import { adminConnection, arg, createDatabase, dropDatabase, field, serverOrSkip, urlFor } from "./helpers.js";

const v1: EntitySchema = { name: "Post", table: "post", fields: [field("title", "string"), field("slug", "string")] };
const v2: EntitySchema = {
  name: "Post",
  table: "post",
  fields: [field("title", "string"), field("slug", "string", { unique: true }), field("views", "int", { default: { value: 0 } }), field("tag", "string", { optional: true, index: true })],
};

test("migrate is idempotent, evolves tables (new columns with defaults, UNIQUE/INDEX) and refuses type changes", async (t) => {
  if (!(await serverOrSkip(t))) return;
  const database = await createDatabase();
  const driver = createMysqlDriver({ name: "db", appDir: "/", options: urlFor(database) });
  const admin = await adminConnection();
  try {
    await driver.connect();
    await driver.migrate([v1]);
    await driver.migrate([v1]);
    const run = (entity: EntitySchema, plan: any, ...args: unknown[]) => driver.execute(mysqlDialect.compile(plan, new Map([[entity.name, entity]])), args) as Promise<any>;
    const insert = { kind: "insert", entity: "Post", values: { kind: "object", operand: arg(0) } };
    await run(v1, insert, { title: "Hello", slug: "hello" });
    await run(v1, insert, { title: "Long", slug: "x".repeat(300) });

    await assert.rejects(driver.migrate([v2]), /cannot make a string field UNIQUE\/indexed: stored values are longer than 255 characters/);
    await run(v1, { kind: "delete", entity: "Post", where: { kind: "compare", op: "==", left: { kind: "field", field: "title" }, right: arg(0) }, single: true }, "Long");
    await driver.migrate([v2]);
    await driver.migrate([v2]);
    const [rows] = await admin.query(`SELECT id, title, slug, views, tag FROM \`${database}\`.post`);
    assert.deepEqual(rows, [{ id: 1, title: "Hello", slug: "hello", views: 0, tag: null }], "the new column's default was filled into the existing row");
    const hist = await run(v2, { kind: "history", entity: "Post", where: null, orderBy: [], limit: null, offset: null });
    assert.deepEqual(hist.map((h: any) => h.data.views), [0, 0, 0], "… and into every version");
    await assert.rejects(run(v2, insert, { title: "Dup", slug: "hello" }), (e: any) => e.status === 409 && e.field === "slug");
    const [indexes] = await admin.query(
      "SELECT DISTINCT TABLE_NAME AS t, INDEX_NAME AS i, NON_UNIQUE AS n FROM information_schema.STATISTICS WHERE TABLE_SCHEMA = ? AND INDEX_NAME <> 'PRIMARY'",
      [database],
    );
    assert.deepEqual(
      (indexes as any[]).map((r) => [r.t, r.i, Number(r.n)]).sort((a, b) => `${a[0]} ${a[1]}`.localeCompare(`${b[0]} ${b[1]}`)),
      [
        ["post", "post__index_tag", 1],
        ["post", "post__unique_slug", 0],
        ["post__history", "post__history__index_slug", 1],
        ["post__history", "post__history__index_tag", 1],
        ["post__history", "post__history_id_at", 1],
      ].sort((a, b) => `${a[0]} ${a[1]}`.localeCompare(`${b[0]} ${b[1]}`)),
    );
    const [recorded] = await admin.query(`SELECT entity, \`table\`, fields FROM \`${database}\`._kova_schema`);
    assert.deepEqual((recorded as any[]).map((r) => [r.entity, r.table, JSON.parse(r.fields).length]), [["Post", "post", 4]]);

    await driver.migrate([v1]);
    const [after] = await admin.query(
      "SELECT INDEX_NAME AS i FROM information_schema.STATISTICS WHERE TABLE_SCHEMA = ? AND TABLE_NAME = 'post' AND INDEX_NAME <> 'PRIMARY'",
      [database],
    );
    assert.deepEqual(after, [], "indexes no longer declared are dropped; removed fields keep their data");

    const changed: EntitySchema = { ...v2, fields: v2.fields.map((f) => (f.name === "views" ? { ...f, type: "string" } : f)) };
    await assert.rejects(driver.migrate([changed]), /cannot migrate Post\.views to string: its column holds BIGINT values/, "a removed field re-added with another type");
    await driver.migrate([v2]);
    await assert.rejects(driver.migrate([changed]), /cannot migrate Post\.views from int to string/);
  } finally {
    await admin.end();
    await driver.close();
    await dropDatabase(database);
  }
});

test("start-up migration: a changed enum CHECK replaces the old one, docs become COMMENTs, stored rows that break a new CHECK are named", async (t) => {
  if (!(await serverOrSkip(t))) return;
  const database = await createDatabase();
  const driver = createMysqlDriver({ name: "db", appDir: "/", options: urlFor(database) });
  const admin = await adminConnection();
  const sized = (values: string[], doc?: string): EntitySchema => ({
    name: "Post",
    table: "post",
    ...(doc === undefined ? {} : { doc }),
    fields: [field("title", "string"), field("size", "string", { optional: true, enumValues: values, ...(doc === undefined ? {} : { doc: `${doc} (size)` }) })],
  });
  const checks = async () => {
    const [rows] = await admin.query("SELECT CONSTRAINT_NAME AS n, CHECK_CLAUSE AS c FROM information_schema.CHECK_CONSTRAINTS WHERE CONSTRAINT_SCHEMA = ? AND TABLE_NAME = 'post'", [database]);
    return rows as Array<{ n: string; c: string }>;
  };
  try {
    await driver.connect();
    await driver.migrate([sized(["s", "m", "l", "xl"])]);
    await admin.query(`INSERT INTO \`${database}\`.post (title, size) VALUES ('a', 'xl')`);
    await assert.rejects(admin.query(`INSERT INTO \`${database}\`.post (title, size) VALUES ('b', 'xxl')`), /CONSTRAINT `post__check_size_/);

    await driver.migrate([sized(["s", "m", "l", "xl", "xxl"], "A post.")]);
    await driver.migrate([sized(["s", "m", "l", "xl", "xxl"], "A post.")]);
    const now = await checks();
    assert.equal(now.length, 1, `the old CHECK was dropped: ${JSON.stringify(now)}`);
    assert.match(now[0].c, /'xxl'/);
    const [[table]] = (await admin.query("SELECT TABLE_COMMENT AS c FROM information_schema.TABLES WHERE TABLE_SCHEMA = ? AND TABLE_NAME = 'post'", [database])) as any;
    const [[column]] = (await admin.query("SELECT COLUMN_COMMENT AS c FROM information_schema.COLUMNS WHERE TABLE_SCHEMA = ? AND TABLE_NAME = 'post' AND COLUMN_NAME = 'size'", [database])) as any;
    assert.deepEqual([table.c, column.c], ["A post.", "A post. (size)"]);

    await assert.rejects(driver.migrate([sized(["s", "m", "l"])]), /cannot add the CHECK on Post\.size \(one of 's', 'm', 'l'\): stored rows hold values that break it/);
    assert.deepEqual(await checks(), now, "the failed ADD left the old CHECK in place (MySQL DDL is not transactional)");
  } finally {
    await admin.end();
    await driver.close();
    await dropDatabase(database);
  }
});
