/** CockroachDB DDL: the PostgreSQL schema generator with CockroachDB's flavor (see cockroach-dialect.ts). */
import type { EntitySchema } from "@kova/query";
import { ddlForFlavor } from "@kova/driver-postgres";
import { cockroachFlavor } from "./cockroach-dialect.js";

/** The CockroachDB migration script for `entities` (idempotent statements). */
export function ddlFor(entities: readonly EntitySchema[]): string[] {
  return ddlForFlavor(entities, cockroachFlavor);
}
