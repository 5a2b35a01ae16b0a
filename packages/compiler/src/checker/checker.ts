import { checkSensitive } from "./sensitive.js";
import type { ApiDecl, AuthDecl, Declaration, EndpointDecl, Program } from "../ast/nodes.js";
import { checkApiVersion, type ApiVersionInfo } from "./api-versions.js";
import type { CodeName } from "../diagnostics/codes.js";
import { DiagnosticBag, type Diagnostic } from "../diagnostics/diagnostic.js";
import { report, type CheckContext } from "./context.js";
import { checkAuthDeclarations } from "./auth.js";
import { checkEntity, checkValidator, collectDeclarations, KNOWN_DRIVERS } from "./declarations.js";
import { recordDeclarationNames } from "./declaration-names.js";
import { checkEndpoint } from "./endpoints.js";
import { checkExpression } from "./expressions.js";
import { emptyModel, type SemanticModel } from "./model.js";
import { checkView, collectFunctionsAndViews, ensureFunctionChecked } from "./functions.js";
import { checkAppSecurity, checkRateLimit } from "./security.js";
import { checkTasks, collectTasks } from "./tasks.js";
import { collectChangeHandlers } from "./changes.js";
import { collectEvents } from "./actions.js";
import { checkEndpointCache, collectCaches } from "./caches.js";
import { checkTests } from "./tests.js";
import { checkOutboundCalls } from "./outbound.js";
import { checkRooms, checkSockets } from "./realtime.js";
import { checkFilePlacement } from "./files.js";
import { checkReadModels, collectReadModels } from "./read-models.js";
import { expandExtends } from "./extends.js";
import { isStdlibSpecifier } from "../stdlib/index.js";

export interface CheckOutput {
  model: SemanticModel;
  diagnostics: Diagnostic[];
}

/** Constructs that parse today and gain meaning in later releases. */
const NOT_SUPPORTED: Partial<Record<Declaration["kind"], CodeName>> = {
  Worker: "WorkerNotSupported",
};

/**
 * Checks one program: the files that make up one server (a root file and everything it imports).
 * Declarations are collected across all files first, so order never matters.
 */
export function checkProgram(written: Program[]): CheckOutput {
  const diagnostics = new DiagnosticBag();
  // EXTENDS is expanded first, so nothing after this line (nor any back end) knows it existed.
  const programs = expandExtends(written, diagnostics);
  const model = emptyModel(programs);
  const base: CheckContext = { model, diagnostics, file: "", scope: null, endpoint: null, entity: null, entityUnresolved: false };
  collectDeclarations(base, programs);
  collectReadModels(base, programs);
  collectFunctions(model, programs);
  collectFunctionsAndViews(base, programs);
  collectTasks(base, programs);
  collectCaches(base, programs);

  for (const program of programs) {
    const ctx = { ...base, file: program.file };
    for (const decl of program.declarations) {
      if (decl.kind === "Entity") checkEntity(ctx, decl);
      else if (decl.kind === "Validate") checkValidator(ctx, decl);
    }
  }
  // After every ENTITY: a read model's columns take their types from its source's fields.
  checkReadModels(base);
  // After the shapes (a payload field may use one), before any FN or ACTION body (EMIT names events).
  collectEvents(base, programs);
  checkFilePlacement(base, programs);
  const authDecls = programs.flatMap((p) => p.declarations.filter((d): d is AuthDecl => d.kind === "Auth"));
  model.auth = checkAuthDeclarations((file) => ({ ...base, file }), authDecls);
  // After AUTH (MASKED UNLESS names its roles) and every ENTITY (PERSONAL DATA OF names a SUBJECT).
  checkSensitive(base);
  for (const view of model.views.values()) checkView({ ...base, file: view.file }, view);
  for (const fn of model.kovaFunctions.values()) ensureFunctionChecked({ ...base, file: fn.file }, fn);
  collectChangeHandlers(base, programs);
  checkTasks(base);
  const routes = new Map<string, EndpointDecl>();
  const hasAuth = programs.some((p) => p.declarations.some((d) => d.kind === "Auth"));
  const appSecurity: Parameters<typeof checkAppSecurity>[1] = [];
  const versions = new Map<string, ApiDecl>();
  for (const program of programs) {
    const ctx = { ...base, file: program.file };
    for (const decl of program.declarations) {
      switch (decl.kind) {
        case "Connect":
          if (decl.driver.name !== "" && !KNOWN_DRIVERS.includes(decl.driver.name)) {
            report(ctx, "UnknownDriver", decl.driver.span, `no driver named '${decl.driver.name}' (drivers: ${KNOWN_DRIVERS.join(", ")})`, KNOWN_DRIVERS, decl.driver.name);
          }
          for (const arg of decl.args) checkExpression(ctx, arg);
          break;
        case "Endpoint":
          checkVersionedEndpoint(ctx, routes, decl, null);
          break;
        case "Api": {
          const version = checkApiVersion(ctx, decl, versions);
          for (const endpoint of decl.endpoints) checkVersionedEndpoint(ctx, routes, endpoint, version);
          break;
        }
        case "Auth":
        case "Task":
        case "OnChange":
        case "Event":
        case "Cache":
        case "Socket":
        case "Test":
        case "ReadModel":
          break;
        case "RateLimit":
        case "Cors":
          appSecurity.push({ decl, file: program.file });
          break;
        default: {
          const code = NOT_SUPPORTED[decl.kind];
          if (code) {
            const keyword = decl.kind.toUpperCase();
            diagnostics.report(code, keywordSpan(decl), `${keyword} is parsed but not supported yet`, {
              suggestion: `remove the ${keyword} block for now; it arrives in a later release`,
            });
          }
        }
      }
    }
  }
  model.sockets = checkSockets(base, programs);
  checkRooms(base);
  // After every endpoint: a test's requests are matched against the routes.
  checkTests(base, programs);
  checkAppSecurity(base, appSecurity, hasAuth);
  checkOutboundCalls(base);
  recordDeclarationNames(model);
  return { model, diagnostics: diagnostics.items };
}

/** An endpoint at the top level (version null) or inside `API vN { … }` (served under `/vN`). */
function checkVersionedEndpoint(ctx: CheckContext, routes: Map<string, EndpointDecl>, decl: EndpointDecl, version: ApiVersionInfo | null): void {
  checkRouteUnique(ctx, routes, decl, version === null ? "" : `/${version.name}`);
  const info = checkEndpoint(ctx, decl);
  if (version !== null) info.version = version;
  ctx.model.endpoints.push(info);
  checkEndpointCache(ctx, decl);
  if (decl.rateLimit !== null) checkRateLimit(ctx, decl.rateLimit, decl, decl.auth !== null);
}

function keywordSpan(decl: Declaration) {
  const start = decl.span.start;
  const length = decl.kind.length;
  return { file: decl.span.file, start, end: { line: start.line, column: start.column + length, offset: start.offset + length } };
}

/** `GET /users/:id` and `GET /users/:name` are the same route: parameters match any segment. */
function checkRouteUnique(ctx: CheckContext, routes: Map<string, EndpointDecl>, decl: EndpointDecl, prefix: string): void {
  const shape = decl.path.segments.map((s) => (s.param ? ":" : s.value)).join("/");
  const key = `${decl.method} ${prefix}/${shape}`;
  const previous = routes.get(key);
  if (previous) {
    const where = `${previous.span.file}:${previous.span.start.line}:${previous.span.start.column}`;
    ctx.diagnostics.report("DuplicateRoute", decl.path.span, `${decl.method} ${decl.path.text} is already handled by ${previous.method} ${previous.path.text} (at ${where})`, {
      suggestion: "merge the two endpoints, or change one path",
    });
    return;
  }
  routes.set(key, decl);
}

function collectFunctions(model: SemanticModel, programs: Program[]): void {
  for (const program of programs) {
    const functions = new Map<string, import("./model.js").FunctionInfo>();
    for (const decl of program.declarations) {
      // `IMPORT { Contact } FROM "kova:entities"` imports declarations, not JavaScript functions.
      if (decl.kind !== "Import" || isStdlibSpecifier(decl.source)) continue;
      for (const name of decl.names) {
        functions.set(name.local.name, { module: decl.source, imported: name.imported.name, file: program.file, decl: name });
      }
    }
    model.functions.set(program.file, functions);
  }
}
