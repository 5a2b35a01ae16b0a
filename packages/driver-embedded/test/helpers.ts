/** Shared test fixtures: entities, plan builders, and a migrated driver on a temporary file. */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { EntitySchema, FieldSchema, Filter, Operand, OrderTerm, QueryPlan, SelectPlan, HistoryPlan } from "@kova/query";
import { createEmbeddedDriver, sqliteDialect, type EmbeddedDriver } from "../src/index.js";

function field(name: string, type: FieldSchema["type"], extra: Partial<FieldSchema> = {}): FieldSchema {
  return { name, type, optional: false, unique: false, index: false, ...extra };
}

export const User: EntitySchema = {
  name: "User",
  table: "user",
  fields: [
    field("name", "string"),
    field("email", "string", { unique: true }),
    field("age", "int", { optional: true, index: true }),
    field("score", "float", { optional: true }),
    field("active", "boolean", { default: { value: true } }),
    field("meta", "json", { optional: true }),
    field("born", "date", { optional: true }),
    field("joined", "datetime", { default: { now: true } }),
    field("role", "string", { optional: true, enumValues: ["admin", "member"] }),
  ],
};

export const Note: EntitySchema = { name: "Note", table: "note", fields: [field("text", "string"), field("big", "int", { optional: true })] };

export const entities = new Map([User, Note].map((e) => [e.name, e]));

export const f = (name: string): Operand => ({ kind: "field", field: name });
export const arg = (index: number): Operand => ({ kind: "arg", index });
export const lit = (value: string | number | boolean | null): Operand => ({ kind: "literal", value });
export const cmp = (op: "==" | "!=" | "<" | "<=" | ">" | ">=", left: Operand, right: Operand): Filter => ({ kind: "compare", op, left, right });
export const eq = (left: Operand, right: Operand): Filter => cmp("==", left, right);

export function select(entity: string, extra: Partial<SelectPlan> = {}): SelectPlan {
  return { kind: "select", entity, fields: null, where: null, orderBy: [], limit: null, offset: null, asOf: null, single: false, ...extra };
}

export function history(entity: string, extra: Partial<HistoryPlan> = {}): HistoryPlan {
  return { kind: "history", entity, where: null, orderBy: [], limit: null, offset: null, ...extra };
}

export const asc = (name: string): OrderTerm => ({ field: name, direction: "ASC" });
export const desc = (name: string): OrderTerm => ({ field: name, direction: "DESC" });

/** Compiles through a JSON round trip, as `kova build` writes the statements into the app. */
export function compile(plan: QueryPlan) {
  return JSON.parse(JSON.stringify(sqliteDialect.compile(plan, entities)));
}

export interface Store {
  driver: EmbeddedDriver;
  dir: string;
  run(plan: QueryPlan, ...args: unknown[]): Promise<any>;
  insert(entity: string, body: Record<string, unknown>): Promise<any>;
  cleanup(): Promise<void>;
}

export function tempDir(): string {
  return mkdtempSync(join(tmpdir(), "kova-embedded-"));
}

export async function openStore(dir = tempDir(), options: unknown = undefined): Promise<Store> {
  const driver = createEmbeddedDriver({ name: "db", appDir: dir, options });
  await driver.connect();
  await driver.migrate([User, Note]);
  const run = (plan: QueryPlan, ...args: unknown[]) => driver.execute(compile(plan), args) as Promise<any>;
  return {
    driver,
    dir,
    run,
    insert: (entity, body) => run({ kind: "insert", entity, values: { kind: "object", operand: arg(0) } }, body),
    cleanup: async () => {
      await driver.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

export const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
