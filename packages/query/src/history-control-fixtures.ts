/**
 * Test fixtures for history control (history-control.ts), shared by every driver's tests: an
 * entity with a SECRET field and one marked NO HISTORY.
 */
import type { EntitySchema } from "./plan.js";

export const Login: EntitySchema = {
  name: "Login",
  table: "login",
  fields: [
    { name: "user", type: "string", optional: false, unique: false, index: false },
    { name: "token", type: "string", optional: false, unique: false, index: false, secret: true },
  ],
};

export const Tick: EntitySchema = {
  name: "Tick",
  table: "tick",
  history: false,
  fields: [{ name: "n", type: "int", optional: true, unique: false, index: false }],
};

export const historyControlEntities: ReadonlyMap<string, EntitySchema> = new Map([Login, Tick].map((e) => [e.name, e]));
