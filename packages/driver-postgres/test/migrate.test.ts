import { test } from "node:test";
import assert from "node:assert/strict";
import type { EntitySchema } from "@kova/query";
import { createPostgresDriver } from "../src/index.js";
import { admin, arg, asc, compileWith, dropSchema, eq, f, freshSchema, history, PG_URL, select, serverUp, sleep } from "./helpers.js";
import { postgresDialect } from "../src/index.js";

const base: EntitySchema = {
  name: "Item",
  table: "item",
  fields: [
    { name: "title", type: "string", optional: false, unique: false, index: false },
    { name: "code", type: "string", optional: true, unique: false, index: true },
  ],
};

test("migrate is idempotent and evolves tables: new fields (defaults backfilled into rows and versions), indexes follow the schema", async (t) => {
  if (!(await serverUp(t))) return;
  const schema = await freshSchema();
  const driver = createPostgresDriver({ name: "db", appDir: ".", options: { url: PG_URL, schema } });
  try {
    await driver.connect();
    await driver.migrate([base]);
    await driver.migrate([base]);
    const run = (entity: EntitySchema, plan: any, ...args: unknown[]) => driver.execute(compileWith(postgresDialect, plan, new Map([[entity.name, entity]])), args) as Promise<any>;
    const insert = { kind: "insert", entity: "Item", values: { kind: "object", operand: arg(0) } };
    await run(base, insert, { title: "a", code: "X" });
    await run(base, insert, { title: "b", code: "X" });
    await sleep(5);
    const beforeChange = Date.now();
    await sleep(5);

    const evolved: EntitySchema = {
      ...base,
      fields: [
        { name: "title", type: "string", optional: false, unique: false, index: false },
        { name: "code", type: "string", optional: true, unique: false, index: false },
        { name: "qty", type: "int", optional: false, unique: false, index: false, default: { value: 1 } },
        { name: "sku", type: "string", optional: true, unique: true, index: false },
      ],
    };
    await driver.migrate([evolved]);
    await driver.migrate([evolved]);
    const rows = await run(evolved, select("Item", { orderBy: [asc("id")] }));
    assert.deepEqual(rows.map((r: any) => [r.title, r.qty, r.sku]), [["a", 1, null], ["b", 1, null]], "existing rows got the default");
    const versions = await run(evolved, history("Item"));
    assert.deepEqual(versions.map((v: any) => v.data.qty), [1, 1], "and so did their versions");
    const asOf = await run(evolved, select("Item", { asOf: arg(0), where: eq(f("qty"), arg(1)) }), beforeChange, 1);
    assert.equal(asOf.length, 2, "AS OF a time before the field existed agrees with the present");

    const indexes = await admin(async (c) => (await c.query(`SELECT indexname FROM pg_indexes WHERE schemaname = $1 ORDER BY 1`, [schema])).rows.map((r) => r.indexname));
    assert.ok(indexes.includes("item__unique_sku"), indexes.join());
    assert.ok(!indexes.includes("item__index_code"), "the index of a field no longer indexed was dropped");
    assert.ok(indexes.includes("item__history__id_version"));
    await run(evolved, insert, { title: "c", sku: "S1" });
    await assert.rejects(run(evolved, insert, { title: "d", sku: "S1" }), (e: any) => e.status === 409 && e.field === "sku");

    const recorded = await admin(async (c) => (await c.query(`SELECT "table", fields FROM ${schema}._kova_schema WHERE entity = 'Item'`)).rows[0]);
    assert.equal(recorded.table, "item");
    assert.deepEqual(recorded.fields.map((field: any) => field.name), ["title", "code", "qty", "sku"]);

    const retyped: EntitySchema = { ...evolved, fields: evolved.fields.map((field) => (field.name === "qty" ? { ...field, type: "string" } : field)) };
    await assert.rejects(driver.migrate([retyped]), /cannot migrate Item\.qty from int to string/);
    const duplicateCodes: EntitySchema = { ...evolved, fields: evolved.fields.map((field) => (field.name === "code" ? { ...field, unique: true } : field)) };
    await assert.rejects(driver.migrate([duplicateCodes]), /cannot make Item\.code UNIQUE: stored rows already share a value/);
    const still = await admin(async (c) => (await c.query(`SELECT indexname FROM pg_indexes WHERE schemaname = $1 ORDER BY 1`, [schema])).rows.map((r) => r.indexname));
    assert.deepEqual(still, indexes, "a failed migration changed nothing (one transaction)");
  } finally {
    await driver.close();
    await dropSchema(schema);
  }
});

test("start-up migration: a changed enum CHECK replaces the old one, a doc becomes a COMMENT, stored rows that break a new CHECK are named", async (t) => {
  if (!(await serverUp(t))) return;
  const schema = await freshSchema();
  const sized = (values: string[], doc?: string): EntitySchema => ({
    ...base,
    fields: [...base.fields, { name: "size", type: "string", optional: true, unique: false, index: false, enumValues: values, ...(doc === undefined ? {} : { doc }) }],
  });
  const driver = createPostgresDriver({ name: "db", appDir: ".", options: { url: PG_URL, schema } });
  const checks = () => admin(async (c) => (await c.query(`SELECT conname, pg_get_constraintdef(oid) AS def FROM pg_constraint WHERE connamespace = $1::regnamespace AND contype = 'c'`, [schema])).rows);
  try {
    await driver.connect();
    await driver.migrate([sized(["s", "m", "l", "xl"])]);
    await admin((c) => c.query(`INSERT INTO "${schema}".item (title, size) VALUES ('a', 'xl')`));
    await assert.rejects(admin((c) => c.query(`INSERT INTO "${schema}".item (title, size) VALUES ('b', 'xxl')`)), /violates check constraint "item__check_size_/);

    await driver.migrate([sized(["s", "m", "l", "xl", "xxl"], "The size on the label.")]);
    const now = await checks();
    assert.equal(now.length, 1, `the old CHECK was dropped: ${JSON.stringify(now)}`);
    assert.match(now[0].def, /'xxl'/);
    const comment = await admin(async (c) => (await c.query(`SELECT col_description($1::regclass, 4) AS d`, [`"${schema}".item`])).rows[0].d);
    assert.equal(comment, "The size on the label.");

    await assert.rejects(driver.migrate([sized(["s", "m", "l"])]), /cannot add the CHECK on Item\.size \(one of 's', 'm', 'l'\): stored rows hold values that break it/);
    assert.deepEqual(await checks(), now, "a failed migration changed nothing (one transaction)");
  } finally {
    await driver.close();
    await dropSchema(schema);
  }
});

test("an entity with a long table name and more than 50 fields migrates and round-trips", async (t) => {
  if (!(await serverUp(t))) return;
  const schema = await freshSchema();
  const wide: EntitySchema = {
    name: "Wide",
    table: "a_really_long_table_name_that_goes_on_and_on_past_the_postgres_limit",
    fields: Array.from({ length: 60 }, (_, i) => ({ name: `field_${i}`, type: "int" as const, optional: true, unique: i === 59, index: i === 58 })),
  };
  const driver = createPostgresDriver({ name: "db", appDir: ".", options: { url: PG_URL, schema } });
  try {
    await driver.connect();
    await driver.migrate([wide]);
    await driver.migrate([wide]);
    const known = new Map([[wide.name, wide]]);
    const body = Object.fromEntries(wide.fields.map((field, i) => [field.name, i]));
    const insert = compileWith(postgresDialect, { kind: "insert", entity: "Wide", values: { kind: "object", operand: arg(0) } }, known);
    const row = (await driver.execute(insert, [body])) as any;
    assert.equal(row.field_59, 59);
    const versions = (await driver.execute(compileWith(postgresDialect, history("Wide"), known), [])) as any[];
    assert.equal(versions[0].data.field_0, 0);
    assert.equal(versions[0].data.field_59, 59);
    await assert.rejects(driver.execute(insert, [body]), (e: any) => e.status === 409 && e.field === "field_59", "409 names the field even when the index name was shortened");
  } finally {
    await driver.close();
    await dropSchema(schema);
  }
});
