/**
 * An app written the way the Kova emitter will write one (data + handler functions), used by the
 * server and Fastify tests, plus a log sink so tests can see what reached the log.
 */
import { QueryError, registerDriver, type EntitySchema } from "@kova/query";
import { pino, type Logger } from "pino";
import { HttpError, type AppDefinition, type ValidationIssue } from "../src/index.js";
import { MemoryDriver, memoryDialect } from "./memory-driver.js";

const noEntities = new Map<string, EntitySchema>();

export const userEntity: EntitySchema = {
  name: "User",
  table: "user",
  fields: [
    { name: "name", type: "string", optional: false, unique: false, index: false },
    { name: "email", type: "string", optional: false, unique: true, index: false },
  ],
};

const insertUser = memoryDialect.compile(
  { kind: "insert", entity: "User", values: { kind: "object", operand: { kind: "arg", index: 0 } } },
  noEntities,
);
const userById = memoryDialect.compile(
  {
    kind: "select", entity: "User", fields: null, orderBy: [], limit: null, offset: null, asOf: null, single: true,
    where: { kind: "compare", op: "==", left: { kind: "field", field: "id" }, right: { kind: "arg", index: 0 } },
  },
  noEntities,
);

/** What a compiled `VALIDATE NewUser { name: string  email: email  age: number? }` does. */
function validateNewUser(body: unknown): ValidationIssue[] {
  if (typeof body !== "object" || body === null || Array.isArray(body)) return [{ field: "", message: "must be an object" }];
  const b = body as Record<string, unknown>;
  const issues: ValidationIssue[] = [];
  if (typeof b.name !== "string") issues.push({ field: "name", message: "must be a string" });
  if (typeof b.email !== "string" || !b.email.includes("@")) issues.push({ field: "email", message: "must be an email address" });
  if (b.age !== undefined && typeof b.age !== "number") issues.push({ field: "age", message: "must be a number" });
  return issues;
}

export function makeApp(): AppDefinition {
  return {
    name: "test-app",
    env: [{ name: "GREETING", default: "hello" }],
    dataSources: [
      { name: "db", driver: "memory", options: () => ({}), entities: [userEntity] },
      { name: "flaky", driver: "memory", options: () => ({}), entities: [userEntity] },
    ],
    routes: [
      {
        method: "GET", path: "/users/:id", params: [{ name: "id", type: "int" }],
        source: { file: "users.kova", line: 3 },
        async handler(ctx) {
          const user = await ctx.db().execute(userById, [ctx.params.id]);
          if (user === null) throw new HttpError(404, `no User with id ${ctx.params.id}`);
          return { body: user };
        },
      },
      {
        method: "POST", path: "/users", params: [], validateBody: validateNewUser,
        async handler(ctx) {
          return { status: 201, body: await ctx.db().execute(insertUser, [ctx.body]) };
        },
      },
      { method: "DELETE", path: "/users/:id", params: [{ name: "id", type: "int" }], handler: () => ({}) },
      {
        method: "GET", path: "/typed/:u/:t/:b/:f",
        params: [{ name: "u", type: "uuid" }, { name: "t", type: "datetime" }, { name: "b", type: "boolean" }, { name: "f", type: "float" }],
        handler: (ctx) => ({ body: ctx.params }),
      },
      { method: "GET", path: "/search", params: [], handler: (ctx) => ({ body: { query: ctx.query } }) },
      {
        method: "GET", path: "/typed-query", params: [],
        query: [{ name: "min_age", type: "int" }, { name: "q", type: "string", required: true }],
        handler: (ctx) => ({ body: { query: ctx.query } }),
      },
      { method: "POST", path: "/echo", params: [], handler: (ctx) => ({ body: { body: ctx.body ?? "nothing" } }) },
      { method: "GET", path: "/env", params: [], handler: (ctx) => ({ body: { greeting: ctx.env.GREETING } }) },
      {
        method: "GET", path: "/reply-headers", params: [],
        handler: () => ({ status: 202, body: [1, 2], headers: { "Cache-Control": "no-store" }, serialize: (b) => `{"wrapped":${JSON.stringify(b)}}` }),
      },
      {
        method: "GET", path: "/boom", params: [], source: { file: "boom.kova", line: 7 },
        handler: () => {
          throw new Error("secret internals: password=hunter2");
        },
      },
      {
        method: "GET", path: "/teapot", params: [],
        handler: () => {
          throw new HttpError(418, "short and stout", { errors: [{ field: "spout", message: "too short" }] });
        },
      },
      {
        method: "GET", path: "/conflict", params: [],
        handler: () => {
          throw new QueryError("a User with this email already exists", 409, "email");
        },
      },
      { method: "GET", path: "/flaky", params: [], handler: async (ctx) => ({ body: await ctx.db("flaky").execute(userById, [1]) }) },
      {
        method: "GET", path: "/filter", params: [], query: [{ name: "done", type: "boolean" }],
        handler: (ctx) => ({ body: { done: ctx.query.done ?? null } }),
      },
      {
        // Answers after a pause, so a pipelined request behind it arrives while it is in flight.
        method: "GET", path: "/slow", params: [],
        handler: async () => {
          await new Promise((resolve) => setTimeout(resolve, 30));
          return { body: { slow: true } };
        },
      },
      {
        method: "GET", path: "/gone", params: [],
        handler: () => {
          throw new QueryError("data source 'db' is unavailable: PostgreSQL at db.internal:5432 (postgres://app:pw@db.internal/app)", 503);
        },
      },
    ],
  };
}

/** Every MemoryDriver the "memory" driver factory created, by data source name (latest wins). */
export const memoryDrivers = new Map<string, MemoryDriver>();
registerDriver("memory", (config) => {
  const driver = new MemoryDriver();
  memoryDrivers.set(config.name, driver);
  return driver;
});

/** A pino logger writing JSON lines into an array the test can search. */
export function captureLog(): { logger: Logger; lines: Array<Record<string, unknown>>; text: () => string } {
  const raw: string[] = [];
  const logger = pino({ level: "info" }, { write: (line: string) => void raw.push(line) });
  return {
    logger,
    get lines() {
      return raw.map((line) => JSON.parse(line) as Record<string, unknown>);
    },
    text: () => raw.join(""),
  };
}
