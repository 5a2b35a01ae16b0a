/** Shared test fixtures: entities and plan builders. */
import type { EntitySchema, QueryPlan } from "@kova/query";
import { compileWith, field, Note, User as SharedUser, withFieldAfter } from "@kova/query/testing";
import { mongoDialect } from "../src/index.js";

export { Note, f, arg, lit, cmp, eq, byId, select, history, asc, desc, insertPlan, savePlan, updatePlan, deletePlan } from "@kova/query/testing";

/** The shared User with a decimal `price` after `score`, for this driver's Decimal128 mapping. */
export const User: EntitySchema = withFieldAfter(SharedUser, "score", field("price", "decimal", { optional: true }));

export const entities = new Map([User, Note].map((e) => [e.name, e]));

/** Compiles through a JSON round trip, as `kova build` writes the statements into the app. */
export const compile = (plan: QueryPlan): any => compileWith(mongoDialect, plan, entities);

