/**
 * TEST blocks (`kova test`, docs/testing.md): each is checked like a handler body, with two more
 * things it may do — call the app's own endpoints (`POST /todos { … }`) and assert (`EXPECT`).
 * A request must name a route the app declares (method and path, API version prefix included),
 * so a test cannot quietly call a route that was renamed; its value is `{ status, body, headers }`.
 */
import type { Expression, ExpectStmt, Program, RequestExpr, TestDecl } from "../ast/nodes.js";
import { closestName } from "../diagnostics/suggest.js";
import { VariableScope, type CheckContext } from "./context.js";
import { checkBlock } from "./endpoints.js";
import { checkExpression } from "./expressions.js";
import { describe, intType, openObject, stringType, unknownType, type KovaType, type ShapeField } from "./types.js";

export interface TestInfo {
  decl: TestDecl;
  file: string;
  /** Variables its body assigns. */
  variables: string[];
}

export const TEST_FILE_SUFFIX = ".test.kova";

/** What a request expression gives: the answer's status, parsed JSON body, headers (lower-case names) and raw text. */
export const RESPONSE_TYPE: KovaType = {
  kind: "object",
  fields: new Map<string, ShapeField>([
    ["status", { type: intType, optional: false }],
    ["body", { type: unknownType, optional: false }],
    ["headers", { type: openObject, optional: false }],
    ["text", { type: stringType, optional: false }],
  ]),
};

/** Checks every TEST (after endpoints, whose routes requests are matched against). */
export function checkTests(ctx: CheckContext, programs: Program[]): void {
  const names = new Map<string, TestDecl>();
  for (const program of programs) {
    for (const decl of program.declarations) {
      if (decl.kind !== "Test") continue;
      if (!program.file.endsWith(TEST_FILE_SUFFIX)) {
        ctx.diagnostics.report("TestOutsideTestFile", decl.span, `TEST belongs in a *${TEST_FILE_SUFFIX} file, not in the app's source`, {
          suggestion: `move it to a file such as app${TEST_FILE_SUFFIX} beside the app (with IMPORT "./app.kova" at its top): kova build leaves those files out`,
        });
      }
      const name = decl.title.value;
      const previous = names.get(name);
      if (previous !== undefined && name !== "") {
        const at = previous.span.start;
        ctx.diagnostics.report("DuplicateTestName", decl.title.span, `there is already a TEST named ${JSON.stringify(name)} (at ${previous.span.file}:${at.line}:${at.column})`, {
          suggestion: "give each test its own name: the report shows tests by name",
        });
      } else names.set(name, decl);
      const info: TestInfo = { decl, file: program.file, variables: [] };
      const scope = new VariableScope();
      checkBlock({ ...ctx, file: program.file, scope, endpoint: null, entity: null, entityUnresolved: false, test: info }, decl.body);
      info.variables = [...scope.variables.keys()];
      for (const variable of scope.variables.values()) {
        if (!variable.used && !variable.name.startsWith("_")) {
          ctx.diagnostics.report("UnusedVariable", variable.declaration.span, `'${variable.name}' is assigned but never used`, {
            suggestion: `use it (EXPECT ${variable.name}.status == 200), remove it, or name it _${variable.name}`,
          });
        }
      }
      ctx.model.tests.push(info);
    }
  }
}

/** `EXPECT condition`: only in a TEST, and the condition is true or false. */
export function checkExpect(ctx: CheckContext, statement: ExpectStmt): void {
  const type = checkExpression(ctx, statement.condition);
  if (ctx.test === undefined) {
    ctx.diagnostics.report("ExpectOutsideTest", statement.span, "EXPECT belongs in a TEST block", {
      suggestion: "to refuse a request, write IF … { ERROR 400 \"…\" }; to test the app, write TEST \"name\" { … } in a *.test.kova file",
    });
    return;
  }
  if (type.kind !== "boolean" && type.kind !== "unknown") {
    ctx.diagnostics.report("ExpectNotCondition", statement.condition.span, `EXPECT takes a condition, not ${describe(type)}`, {
      suggestion: "compare it, as in EXPECT r.status == 200 or EXPECT r.body.title == \"milk\"",
    });
  }
}

/** `POST /todos { … } HEADERS { … }`: in a TEST, to a route the app declares. */
export function checkRequest(ctx: CheckContext, expr: RequestExpr): KovaType {
  checkExpression(ctx, expr.path);
  if (expr.body !== null) checkExpression(ctx, expr.body);
  if (expr.headers !== null) {
    const headers = checkExpression(ctx, expr.headers);
    if (headers.kind !== "object" && headers.kind !== "unknown") {
      ctx.diagnostics.report("InvalidRequestPart", expr.headers.span, `HEADERS takes an object of header names and values, not ${describe(headers)}`, { suggestion: 'write HEADERS { authorization: "Bearer {token}" }' });
    }
  }
  if (ctx.test === undefined) {
    ctx.diagnostics.report("RequestOutsideTest", expr.span, `${expr.method} ${pathText(expr.path)} calls the app's own endpoint, which only a TEST does`, {
      suggestion: "to call another service, use fetch_json(…); to test this app, write TEST \"name\" { … } in a *.test.kova file",
    });
    return RESPONSE_TYPE;
  }
  const wanted = segmentsOf(expr.path);
  if (wanted === undefined) return RESPONSE_TYPE;
  const routes = ctx.model.endpoints.map((e) => ({ method: e.decl.method, path: e.version ? `/${e.version.name}${e.decl.path.text === "/" ? "" : e.decl.path.text}` : e.decl.path.text }));
  const matching = routes.filter((r) => matches(r.path, wanted));
  if (matching.some((r) => r.method === expr.method)) return RESPONSE_TYPE;
  const shown = pathText(expr.path);
  if (matching.length > 0) {
    ctx.diagnostics.report("UnknownRoute", expr.path.span, `${shown} answers ${[...new Set(matching.map((r) => r.method))].join(", ")}, not ${expr.method}`, {
      suggestion: `write ${matching[0].method} ${shown}, or declare ${expr.method} ${matching[0].path} { … } in the app`,
    });
    return RESPONSE_TYPE;
  }
  const candidates = routes.filter((r) => r.method === expr.method).map((r) => r.path);
  const guess = closestName(shown, candidates);
  ctx.diagnostics.report("UnknownRoute", expr.path.span, `the app declares no ${expr.method} ${shown}`, {
    suggestion: guess !== undefined ? `did you mean ${expr.method} ${guess}?` : candidates.length > 0 ? `${expr.method} routes: ${candidates.join(", ")}` : `declare ${expr.method} ${shown} { … } in the app`,
  });
  return RESPONSE_TYPE;
}

/** The request path's segments before any `?query`; null marks a segment with a `{…}` hole (matches any value). */
function segmentsOf(path: RequestExpr["path"]): Array<string | null> | undefined {
  let text = "";
  if (path.kind === "String") text = path.value;
  else for (const part of path.parts) text += part.kind === "String" ? part.value : "\u0000";
  const question = text.indexOf("?");
  if (question !== -1) text = text.slice(0, question);
  if (!text.startsWith("/")) return undefined;
  if (text === "/") return [];
  return text.slice(1).split("/").map((s) => (s.includes("\u0000") ? null : s));
}

function matches(route: string, wanted: Array<string | null>): boolean {
  const segments = route === "/" ? [] : route.slice(1).split("/");
  if (segments.length !== wanted.length) return false;
  return segments.every((s, i) => s.startsWith(":") || wanted[i] === null || s === decodeSegment(wanted[i]!));
}

function decodeSegment(segment: string): string {
  try {
    return decodeURIComponent(segment);
  } catch {
    return segment;
  }
}

function pathText(path: RequestExpr["path"]): string {
  if (path.kind === "String") return path.value.split("?")[0];
  return path.parts.map((p: Expression) => (p.kind === "String" ? p.value : "{…}")).join("").split("?")[0];
}
