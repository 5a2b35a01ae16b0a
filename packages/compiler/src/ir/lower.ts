import { DATA_KEY_ENV, RETIRED_DATA_KEYS_ENV, type EntitySchema } from "@kova/query";
import type { ConnectDecl, Expression, FieldDecl, FunctionParam, Query, Span, TypeRef, ValidateDecl } from "../ast/nodes.js";
import type { ActionInfo } from "../checker/actions.js";
import { constantValue } from "../checker/fold.js";
import type { EndpointInfo, SemanticModel } from "../checker/model.js";
import { HandlerLowering, type LowerState } from "./expressions.js";
import { routeInputs, walk } from "./inputs.js";
import { IR_VERSION, type ActionDef, type AppModel, type DataSource, type EntityDocs, type EventDef, type Expr, type Stmt, type HttpRoute, type ImportedFunction, type KovaFunction, type FileLimits, type Literal, type TestDef, type Shape, type ShapeField, type ShapeType, type View } from "./nodes.js";
import { lowerAuth, lowerRouteAuth } from "./auth.js";
import { callerSub, planQuery, planViewRelations, type OwnerGuard, type PlannedQuery } from "./plans.js";
import { lowerRateLimit, lowerSecurity } from "./security.js";
import { writtenSources } from "./writes.js";
import { lowerTasks } from "./tasks.js";
import { lowerCaches, routeCache } from "./cache.js";
import { lowerSockets } from "./realtime.js";

/** The default data source when a program has no CONNECT: the embedded, versioned store. */
export const EMBEDDED_SOURCE = "default";

/**
 * `lower`: turns a checked program (an error-free SemanticModel) into the app model every back end
 * reads. Everything a back end would otherwise work out from the AST is decided here, once: which
 * data source holds each entity, each query's plan, each request input's type, the env variables.
 */
export function lower(model: SemanticModel, options: { name: string; sourceText?: (file: string) => string | undefined }): AppModel {
  const sources = dataSourceAssignment(model);
  const sourceOf = new Map<string, string>();
  for (const s of sources) for (const e of s.entities) sourceOf.set(e.name, s.name);
  const state: LowerState = { model, queries: [], env: new Map(), sourceOf, sourceText: options.sourceText, eventSource: sources[0]?.name ?? EMBEDDED_SOURCE };

  const dataSources: DataSource[] = sources.map((s) => ({
    name: s.name,
    driver: s.driver,
    options: s.connect ? s.connect.args.map((a) => new HandlerLowering(state, null).expr(a)) : [],
    entities: s.entities.map((e) => e.name),
    span: s.connect?.span ?? null,
  }));
  const entryPoints = model.endpoints.map((endpoint) => lowerRoute(endpoint, state));
  const auth = lowerAuth(model.auth, (e) => new HandlerLowering(state, null).expr(e), state);
  const functions = [...model.kovaFunctions.values()].map((fn): KovaFunction => ({
    name: fn.decl.name.name,
    params: fn.params.map((p) => p.name),
    variables: fn.variables,
    body: new HandlerLowering(state, null).block(fn.decl.body.statements),
    ...(fn.action === undefined ? {} : { action: lowerAction(fn.decl, fn.action, (e) => new HandlerLowering(state, null).expr(e)) }),
    span: fn.decl.span,
  }));
  const events = [...model.events.values()].map((e): EventDef => ({ name: e.decl.name.name, fields: e.decl.fields.map(shapeField), source: state.eventSource!, span: e.decl.span }));
  const tasks = lowerTasks(model, state);
  const sockets = lowerSockets(model, state);
  const tests = model.tests.map((t): TestDef => ({ name: t.decl.title.value, variables: t.variables, body: new HandlerLowering(state, null).block(t.decl.body.statements), span: t.decl.span }));
  const views = [...model.views.values()].map(
    (v): View => ({
      name: v.decl.name.name,
      entity: v.entity?.decl.name.name ?? "",
      fields: v.keys,
      ...(v.entity && v.relations.length > 0 ? { nested: planViewRelations(v.entity, v.relations, model) } : {}),
      span: v.decl.span,
    }),
  );
  // After the routes: CORS origins may read env(), recorded in the same `env` list.
  // cookieAuth: a scheme reading its credential from a cookie, so cross-origin writes are always
  // refused (docs/security.md).
  const security = lowerSecurity(model.programs, state, auth?.usesCookies ?? false);
  const queryById = new Map(state.queries.map((q) => [q.id, q]));
  const written = (body: readonly Stmt[]) => writtenSources(body, queryById, sources.map((s) => s.name), functions);
  for (const route of entryPoints) route.writes = written(route.body);
  for (const task of tasks) task.writes = written(task.body);
  const entitySchemas = new Map([...model.entities.values()].map((e) => [e.schema.name, e.schema]));
  model.endpoints.forEach((endpoint, i) => {
    const cache = endpoint.decl.cache;
    if (cache !== null && model.caches.has(cache.name)) entryPoints[i].cache = routeCache(cache.name, entryPoints[i], queryById, functions, entitySchemas);
  });
  const caches = lowerCaches(model, entryPoints);
  // ENCRYPTED fields need the master key (required: the app does not start without it) and may
  // read data keys wrapped by retired ones (optional) — @kova/query secrets/envelope.ts.
  if ([...model.entities.values()].some((e) => e.schema.fields.some((f) => f.encrypted === true))) {
    state.env.set(DATA_KEY_ENV, state.env.get(DATA_KEY_ENV) ?? { name: DATA_KEY_ENV, type: "string", uses: [] });
    state.env.set(RETIRED_DATA_KEYS_ENV, state.env.get(RETIRED_DATA_KEYS_ENV) ?? { name: RETIRED_DATA_KEYS_ENV, type: "string", default: "", uses: [] });
  }
  for (const handler of sockets.flatMap((s) => s.handlers)) handler.writes = written(handler.body);

  return {
    kind: "App",
    version: IR_VERSION,
    name: options.name,
    files: model.programs.map((p) => p.file),
    entities: [...model.entities.values()].map((e) => e.schema),
    dataSources,
    env: [...state.env.values()].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0)),
    shapes: [...model.validators.values()].map((v): Shape => ({ name: v.decl.name.name, ...docOf(v.decl), fields: v.decl.fields.map(shapeField), unknown: unknownFields(v.decl), span: v.decl.span })),
    imports: importedFunctions(model),
    functions,
    views,
    queries: state.queries,
    entryPoints,
    auth,
    security,
    ...entityDocs(model),
    tasks,
    ...(caches.length > 0 ? { caches } : {}),
    sockets,
    ...(tests.length > 0 ? { tests } : {}),
    ...(events.length > 0 ? { events } : {}),
  };
}

/** An ACTION's inputs: the entity-typed ones' loads (lowered queries), the others as a shape's fields. */
function lowerAction(decl: { params: readonly FunctionParam[]; inDatabase: boolean }, action: ActionInfo, lowerExpr: (e: Expression) => Expr): ActionDef {
  const params = decl.params;
  const loaded = new Set(action.loads.map((l) => l.param));
  return {
    inputs: params.filter((p) => !loaded.has(p.name.name)).map((p) => ({ name: p.name.name, type: shapeType(p.type) })),
    loads: action.loads.map((l) => ({ param: l.param, entity: l.entity, optional: l.optional, load: lowerExpr(l.query) })),
    ...(decl.inDatabase === true ? { inDatabase: true as const } : {}),
  };
}

/** `doc` when the declaration has a `///` comment (left out otherwise, so the IR stays as it was). */
function docOf(decl: { doc: string | null }): { doc?: string } {
  return decl.doc === null ? {} : { doc: decl.doc };
}

/** The doc comments of entities and their fields, when any has one. */
function entityDocs(model: SemanticModel): Pick<AppModel, "entityDocs"> {
  const docs: Record<string, EntityDocs> = {};
  for (const entity of model.entities.values()) {
    const fields: Record<string, string> = {};
    for (const f of entity.decl.fields) if (f.doc !== null) fields[f.name.name] = f.doc;
    if (entity.decl.doc !== null || Object.keys(fields).length > 0) docs[entity.decl.name.name] = { ...docOf(entity.decl), fields };
  }
  return Object.keys(docs).length > 0 ? { entityDocs: docs } : {};
}

/** One endpoint as an HttpRoute (also each SOCKET handler, checked as an endpoint body: ir/realtime.ts). */
export function lowerRoute(endpoint: EndpointInfo, state: LowerState, options: { socket?: boolean } = {}): HttpRoute {
  const decl = endpoint.decl;
  const plans = new Map<Query, PlannedQuery>();
  walk(decl.body, (node) => {
    if (node.kind.endsWith("Query")) plans.set(node as Query, planQuery(node as Query, state.model, ownerGuard(decl), undefined, callerSub(decl.span)));
  });
  const inputs = routeInputs(endpoint, state.model, plans);
  const pathNames = inputs.path.map((i) => i.name);
  const lowering = new HandlerLowering(state, { pathNames, path: inputs.path, query: inputs.query, plans, owner: ownerGuard(decl), socket: options.socket });
  const shape = decl.validate && state.model.validators.has(decl.validate.name) ? decl.validate.name : null;
  const version = endpoint.version;
  // `API v2 { GET /todos }` is served at /v2/todos: the prefix is part of the route from here on.
  const path = version === undefined ? decl.path.text : `/${version.name}${decl.path.text === "/" ? "" : decl.path.text}`;
  const shapeDecl = shape === null ? undefined : state.model.validators.get(shape)!.decl;
  const files = (shapeDecl?.fields ?? []).flatMap((f) => {
    const limits = shapeType(f.type).file;
    return limits === undefined ? [] : [{ name: f.name.name, ...limits, optional: f.type.optional }];
  });
  return {
    kind: "http",
    id: `${decl.method} ${path}`,
    ...docOf(decl),
    method: decl.method,
    path,
    ...(version === undefined ? {} : { version: { name: version.name, deprecated: version.deprecated, sunset: version.sunset } }),
    inputs: { path: inputs.path, query: inputs.query, headers: inputs.headers, cookies: inputs.cookies, body: { shape, read: inputs.bodyRead, files } },
    rateLimit: decl.rateLimit === null ? null : lowerRateLimit(decl.rateLimit),
    auth: lowerRouteAuth(decl.auth),
    variables: endpoint.variables,
    body: lowering.block(decl.body.statements),
    writes: [],
    span: decl.span,
  };
}

/** `AUTH owner(author)`: the field, and `$auth.sub` as the value it must equal (written where the modifier is). */
function ownerGuard(decl: EndpointInfo["decl"]): OwnerGuard | null {
  const owner = decl.auth?.owner;
  if (!owner) return null;
  const span = owner.span;
  return {
    field: owner.name,
    value: { kind: "Member", span, object: { kind: "Param", span, name: "auth" }, property: { kind: "Identifier", span, name: "sub" }, optional: false },
  };
}

export interface DataSourceAssignment {
  name: string;
  driver: string;
  connect: ConnectDecl | null;
  entities: EntitySchema[];
}

/**
 * Which data source holds each entity: the one its USING names, else the first CONNECT; with no
 * CONNECT at all, everything lives in the embedded store.
 */
export function dataSourceAssignment(model: SemanticModel): DataSourceAssignment[] {
  const connects = [...model.connections.values()];
  if (connects.length === 0) {
    return [{ name: EMBEDDED_SOURCE, driver: "embedded", connect: null, entities: [...model.entities.values()].map((e) => e.schema) }];
  }
  const plans = connects.map((c) => ({ name: c.name.name, driver: c.driver.name, connect: c, entities: [] as EntitySchema[] }));
  for (const entity of model.entities.values()) {
    const target = plans.find((p) => p.name === entity.decl.source?.name) ?? plans[0];
    target.entities.push(entity.schema);
  }
  return plans;
}

function importedFunctions(model: SemanticModel): ImportedFunction[] {
  const out: ImportedFunction[] = [];
  for (const [file, functions] of model.functions) {
    for (const fn of functions.values()) out.push({ local: fn.decl.local.name, exported: fn.imported, module: fn.module, fromFile: file, span: fn.decl.span });
  }
  return out;
}

function shapeField(field: FieldDecl): ShapeField {
  return { name: field.name.name, type: shapeType(field.type), ...docOf(field) };
}

function shapeType(type: TypeRef): ShapeType {
  const literal = (e: Parameters<typeof constantValue>[0]): Literal | undefined => constantValue(e)?.value;
  const options: Record<string, Literal> = {};
  for (const o of type.options) {
    const value = literal(o.value);
    if (value !== undefined) options[o.key.name] = value;
  }
  const lowered: ShapeType = {
    name: type.name.name,
    args: type.args.map(literal).filter((v): v is Literal => v !== undefined),
    options,
    fields: type.fields.map(shapeField),
    array: type.array,
    optional: type.optional,
  };
  if (type.name.name === "file" && type.fields.length === 0) lowered.file = fileLimits(type);
  return lowered;
}

/** The checker has refused a missing max and unrecognised types; `types` as the constant strings listed. */
function fileLimits(type: TypeRef): FileLimits {
  const max = type.options.find((o) => o.key.name === "max");
  const types = type.options.find((o) => o.key.name === "types")?.value;
  const listed = types?.kind === "Array" ? types.elements.flatMap((e) => (e.kind === "String" ? [e.value] : [])) : null;
  return { maxBytes: Number(max === undefined ? 0 : constantValue(max.value)?.value ?? 0), types: listed };
}

/** `VALIDATE Name(unknown: "drop")`; the checker allowed only "reject" and "drop". */
function unknownFields(decl: ValidateDecl): Shape["unknown"] {
  const option = decl.options.find((o) => o.key.name === "unknown");
  return option?.value.kind === "String" && option.value.value === "drop" ? "drop" : "reject";
}
