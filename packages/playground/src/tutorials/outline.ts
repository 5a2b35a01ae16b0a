/**
 * What a tutorial step's checks read: the program as the compiler understood it, never its text.
 * From a check without errors, the program is lowered to the app model (the IR every back end
 * builds from) and reduced to what steps ask about: entities and their fields, VALIDATE shapes, and
 * each endpoint with the queries its handler runs and the statuses it answers with. It is plain
 * data, so the check worker can post it to the page beside the diagnostics.
 */
import { lower, type AppModel, type CheckResult } from "@kova/compiler/browser";
import type { FieldSchema, QueryPlan, ScalarType } from "@kova/query";

export interface OutlineField {
  name: string;
  type: ScalarType;
  /** The entity a reference field points to. */
  references?: string;
  optional: boolean;
  hasDefault: boolean;
}

export interface OutlineEntity {
  name: string;
  fields: OutlineField[];
  /** False for `NO HISTORY`: its writes keep no versions. */
  history: boolean;
}

export interface OutlineShape {
  name: string;
  fields: { name: string; type: string; optional: boolean }[];
}

/** One query a handler runs. */
export interface OutlineQuery {
  kind: QueryPlan["kind"];
  entity: string;
  /** The WHERE pins one row (by id or a UNIQUE field): one row or null, not a list. */
  single: boolean;
  /** Whether a WHERE narrows it. */
  filtered: boolean;
  /** A SELECT's AS OF: none, a request input or other computed value, or a constant instant in the program. */
  asOf: "none" | "input" | "fixed";
}

export interface OutlineEndpoint {
  method: string;
  /** As written, parameters included: `/todos/:id`. */
  path: string;
  /** The VALIDATE shape the body must match, or null. */
  validates: string | null;
  /** The queries the handler runs, in source order. */
  queries: OutlineQuery[];
  /** The statuses its RESPONDs answer with, in source order. */
  statuses: number[];
}

export interface ProgramOutline {
  entities: OutlineEntity[];
  shapes: OutlineShape[];
  endpoints: OutlineEndpoint[];
}

/** The outline of a checked program, or undefined when it has errors (there is no app model then). */
export function outlineProgram(result: CheckResult, files: Record<string, string>): ProgramOutline | undefined {
  if (result.programs.length === 0 || result.diagnostics.some((d) => d.severity === "error")) return undefined;
  return outlineApp(lower(result.programs[0].model, { name: "playground", sourceText: (file) => files[file] }));
}

export function outlineApp(app: AppModel): ProgramOutline {
  const plans = new Map<string, QueryPlan>(app.queries.map((q) => [q.id, q.plan]));
  return {
    entities: app.entities.map((e) => ({ name: e.name, fields: e.fields.map(outlineField), history: e.history !== false })),
    shapes: app.shapes.map((s) => ({ name: s.name, fields: s.fields.map((f) => ({ name: f.name, type: f.type.name, optional: f.type.optional })) })),
    endpoints: app.entryPoints.map((route) => {
      const queries: OutlineQuery[] = [];
      const statuses: number[] = [];
      // Statements nest (IF, FOR, expressions inside expressions): every node of the handler is visited.
      visitNodes(route.body, ({ kind, query, status }) => {
        const plan = kind === "query" && typeof query === "string" ? plans.get(query) : undefined;
        if (plan !== undefined) queries.push(outlineQuery(plan));
        if (kind === "respond" && typeof status === "number") statuses.push(status);
      });
      return { method: route.method, path: route.path, validates: route.inputs.body.shape, queries, statuses };
    }),
  };
}

function outlineField(field: FieldSchema): OutlineField {
  return {
    name: field.name,
    type: field.type,
    ...(field.references !== undefined ? { references: field.references } : {}),
    optional: field.optional,
    hasDefault: field.default !== undefined || field.computed !== undefined,
  };
}

function outlineQuery(plan: QueryPlan): OutlineQuery {
  const where = "where" in plan ? plan.where : null;
  const asOf = plan.kind === "select" ? plan.asOf : null;
  return {
    kind: plan.kind,
    entity: plan.entity,
    single: "single" in plan ? plan.single : false,
    filtered: where !== null && where !== undefined,
    asOf: asOf === null ? "none" : asOf.kind === "literal" ? "fixed" : "input",
  };
}

function visitNodes(value: unknown, visit: (node: Record<string, unknown>) => void): void {
  if (Array.isArray(value)) {
    for (const item of value) visitNodes(item, visit);
  } else if (value !== null && typeof value === "object") {
    visit(value as Record<string, unknown>);
    for (const child of Object.values(value)) visitNodes(child, visit);
  }
}
