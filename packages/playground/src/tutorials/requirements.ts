/**
 * The requirements tutorial steps are made of. Each reads the program's outline (what the compiler
 * made of it) or the app's answers, and when it does not hold says what to write, in Kova.
 */
import type { QueryPlan, ScalarType } from "@kova/query";
import type { Requirement } from "./model.js";
import type { OutlineEndpoint, OutlineQuery, ProgramOutline } from "./outline.js";
import { routeMatches, type ObservedResponse } from "./responses.js";

/** Field types as a program spells them (the outline has the checker's resolved names). */
const KOVA_TYPE: Record<ScalarType, string> = {
  string: "text",
  int: "int",
  float: "float",
  decimal: "decimal",
  boolean: "bool",
  datetime: "datetime",
  date: "date",
  uuid: "uuid",
  json: "json",
};

/** `ENTITY name { … }` is declared. */
export function entity(name: string, example: string): Requirement {
  return (outline) => {
    if (outline.entities.some((e) => e.name === name)) return undefined;
    const near = outline.entities.find((e) => e.name.toLowerCase() === name.toLowerCase());
    if (near !== undefined) return `Your entity is called \`${near.name}\`: rename it \`${name}\` (names are case-sensitive).`;
    return `Declare an entity \`${name}\`: \`${example}\`.`;
  };
}

/** The entity has the field, of that type; with `withDefault`, a DEFAULT too. */
export function field(entityName: string, name: string, type: ScalarType, declaration: string, options: { withDefault?: boolean } = {}): Requirement {
  return (outline) => {
    const owner = outline.entities.find((e) => e.name === entityName);
    if (owner === undefined) return `Declare an entity \`${entityName}\` with a field \`${declaration}\`.`;
    const found = owner.fields.find((f) => f.name === name);
    if (found === undefined) return `Add a field \`${declaration}\` to ${entityName}.`;
    if (found.type !== type) return `\`${entityName}.${name}\` is ${KOVA_TYPE[found.type]}: declare it as \`${declaration}\`.`;
    if (options.withDefault === true && !found.hasDefault) return `Give \`${name}\` a default, \`${declaration}\`, so a new ${entityName} need not send it.`;
    return undefined;
  };
}

/** `VALIDATE name { … }` is declared with (at least) these fields. */
export function shape(name: string, fields: readonly string[], example: string): Requirement {
  return (outline) => {
    const found = outline.shapes.find((s) => s.name === name);
    if (found === undefined) return `Declare the body's shape: \`${example}\`.`;
    const missing = fields.find((f) => !found.fields.some((s) => s.name === f));
    return missing === undefined ? undefined : `Add \`${missing}\` to VALIDATE ${name}: \`${example}\`.`;
  };
}

/** What a query must be; unset properties are not checked. */
export interface QuerySpec {
  kind: QueryPlan["kind"];
  entity: string;
  single?: boolean;
  filtered?: boolean;
  asOf?: OutlineQuery["asOf"];
}

/** An endpoint `method path` (parameter names aside) that runs the query, checks its body, answers with the status. */
export function endpoint(method: string, path: string, wants: { runs?: QuerySpec; validates?: string; status?: number; example: string }): Requirement {
  return (outline) => {
    const found = outline.endpoints.find((e) => e.method === method && samePath(e.path, path));
    const name = `\`${method} ${path}\``;
    if (found === undefined) {
      // The right handler under another method (a POST that should be a GET) is pointed out as such.
      const other = outline.endpoints.find((e) => samePath(e.path, path) && wants.runs !== undefined && e.queries.some((q) => queryIs(q, wants.runs!)));
      if (other !== undefined) return `Your endpoint is \`${other.method} ${other.path}\`; make it ${method}: \`${wants.example}\`.`;
      return `Add an endpoint ${name}: \`${wants.example}\`.`;
    }
    if (wants.validates !== undefined && found.validates !== wants.validates) return `${name} should check its body with \`VALIDATE ${wants.validates}\`: \`${wants.example}\`.`;
    if (wants.runs !== undefined && !found.queries.some((q) => queryIs(q, wants.runs!))) return `${name} should answer with ${describeQuery(wants.runs)}: \`${wants.example}\`.`;
    if (wants.status !== undefined && !found.statuses.includes(wants.status)) return `${name} should answer ${wants.status}: \`RESPOND ${wants.status} …\`.`;
    return undefined;
  };
}

/** Some endpoint of `method`, on whatever path the reader chooses, runs the query. */
export function endpointRunning(method: string, spec: QuerySpec, example: string): Requirement {
  return (outline) => (endpointsRunning(outline, spec).some((e) => e.method === method) ? undefined : `Add an endpoint that answers with ${describeQuery(spec)}: \`${example}\`.`);
}

/**
 * A step the running app can show: done when an answer the app gave matches, or else when the
 * program meets `program`. The hint offers both ways.
 */
export function answeredOr(matches: (response: ObservedResponse, outline: ProgramOutline) => boolean, tryIt: string, program: Requirement): Requirement {
  return (outline, responses) => {
    if (responses.some((r) => matches(r, outline))) return undefined;
    const hint = program(outline, responses);
    return hint === undefined ? undefined : `${tryIt} Or, in the program: ${hint}`;
  };
}

/** A successful GET of an endpoint of the program that runs the query. */
export function answerOf(response: ObservedResponse, outline: ProgramOutline, spec: QuerySpec): boolean {
  return response.method === "GET" && response.status === 200 && endpointsRunning(outline, spec).some((e) => e.method === "GET" && routeMatches(e.path, response.path));
}

function endpointsRunning(outline: ProgramOutline, spec: QuerySpec): OutlineEndpoint[] {
  return outline.endpoints.filter((e) => e.queries.some((q) => queryIs(q, spec)));
}

function queryIs(query: OutlineQuery, spec: QuerySpec): boolean {
  return (
    query.kind === spec.kind &&
    query.entity === spec.entity &&
    (spec.single === undefined || query.single === spec.single) &&
    (spec.filtered === undefined || query.filtered === spec.filtered) &&
    (spec.asOf === undefined || query.asOf === spec.asOf)
  );
}

/** In words: "a SELECT of one Todo", "the HISTORY of Price", "a SELECT of Price AS OF a request's instant". */
function describeQuery(spec: QuerySpec): string {
  const which = spec.single === true ? `one ${spec.entity}` : spec.single === false ? `the ${spec.entity} list` : spec.entity;
  const asOf = spec.asOf === "input" ? " AS OF an instant the request gives" : spec.asOf === "fixed" ? " AS OF a fixed instant" : "";
  switch (spec.kind) {
    case "select":
      return `a SELECT of ${which}${asOf}`;
    case "history":
      return spec.filtered === false ? `the HISTORY of every ${spec.entity}` : `the HISTORY of ${which}`;
    case "insert":
      return `an INSERT INTO ${spec.entity}`;
    case "update":
      return `an UPDATE of ${which}`;
    case "delete":
      return `a DELETE FROM ${spec.entity}`;
    case "save":
      return `a SAVE of ${spec.entity}`;
  }
}

/** `/todos/:id` and `/todos/:todo` are the same route. */
function samePath(a: string, b: string): boolean {
  const shape = (path: string) => path.replace(/:[A-Za-z_][A-Za-z0-9_]*(\([^)]*\))?/g, ":");
  return shape(a) === shape(b);
}
