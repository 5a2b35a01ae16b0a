import type { Identifier, Node, PathSegment, Span } from "../ast/nodes.js";
import type { CodeName } from "../diagnostics/codes.js";
import type { DiagnosticBag } from "../diagnostics/diagnostic.js";
import { closestName } from "../diagnostics/suggest.js";
import type { EndpointInfo, EntityInfo, SemanticModel } from "./model.js";
import type { KovaType } from "./types.js";
import type { FunctionScope } from "./functions.js";
import type { TaskInfo } from "./tasks.js";
import type { SocketScope } from "./realtime.js";

export interface Variable {
  name: string;
  /** Where it is first assigned (go-to-definition, the unused warning). */
  declaration: Identifier;
  type: KovaType;
  used: boolean;
}

/**
 * Variables of one handler. Kova has one scope per handler, like a Python function: a variable
 * exists from its first assignment (in source order) to the end of the handler, IF blocks included.
 */
export class VariableScope {
  readonly variables = new Map<string, Variable>();

  /**
   * A loop's or a comprehension's scope has the handler's as parent: it holds only the loop
   * variable; any other assignment inside the loop belongs to the handler, as in Python.
   */
  constructor(readonly parent: VariableScope | null = null) {}

  lookup(name: string): Variable | undefined {
    return this.variables.get(name) ?? this.parent?.lookup(name);
  }

  assign(target: Identifier, type: KovaType): Variable {
    const existing = this.variables.get(target.name);
    if (existing) {
      if (existing.type.kind === "unknown" || existing.type.kind === "null") existing.type = type;
      return existing;
    }
    if (this.parent) return this.parent.assign(target, type);
    return this.define(target, type);
  }

  /** A name of this scope alone: a loop variable, a function parameter. */
  define(target: Identifier, type: KovaType): Variable {
    const variable: Variable = { name: target.name, declaration: target, type, used: false };
    this.variables.set(target.name, variable);
    return variable;
  }
}

export interface EndpointScope {
  info: EndpointInfo;
  params: Map<string, PathSegment>;
  /** The VALIDATE shape's type, or null without VALIDATE. */
  bodyType: KovaType | null;
  /** `$query`'s type: the declared QUERY parameters, or an open object when the route declares none. */
  queryType: KovaType;
  /** `$body` was read without VALIDATE and has been warned about (once per endpoint). */
  warnedBody: boolean;
  /** `$auth` was read without AUTH and has been reported (once per endpoint). */
  warnedAuth: boolean;
}

/** Everything an expression check needs to know about where it is. */
export interface CheckContext {
  model: SemanticModel;
  diagnostics: DiagnosticBag;
  file: string;
  scope: VariableScope | null;
  endpoint: EndpointScope | null;
  /** Inside a query's WHERE / ORDER_BY / SET: the queried entity, whose fields bare names mean. */
  entity: EntityInfo | null;
  /**
   * Where aggregates may go: `allowed` in a SELECT's columns and HAVING, `where` in a WHERE (they
   * belong in HAVING); absent: anywhere else (they belong in a SELECT).
   */
  aggregates?: "allowed" | "where";
  /** The queried entity is unknown (already reported): stay quiet about names inside the query. */
  entityUnresolved: boolean;
  /** Names already reported as ambiguous in this query (KV2018 once per name and query). */
  ambiguousNames?: Set<string>;
  /** Inside an FN's body: its RETURNs are collected here. */
  function?: FunctionScope;
  /** Inside a TASK's body (RESPOND and REDIRECT have no request to answer there). */
  task?: TaskInfo;
  /** Inside a SOCKET's ON handler (SEND, JOIN, LEAVE and a plain BROADCAST belong there). */
  socket?: SocketScope;
  /** Inside a TEST's body: requests to the app and EXPECT are allowed; RESPOND, REDIRECT and ERROR are not. */
  test?: import("./tests.js").TestInfo;
}

export function report(
  ctx: CheckContext,
  name: CodeName,
  span: Span,
  message: string,
  candidates?: Iterable<string>,
  wrongName?: string,
): void {
  const guess = candidates && wrongName !== undefined ? closestName(wrongName, candidates) : undefined;
  if (guess !== undefined) {
    ctx.diagnostics.report(name, span, message, { suggestion: `did you mean '${guess}'?`, replacement: guess });
  } else {
    ctx.diagnostics.report(name, span, message);
  }
}

export function resolve(ctx: CheckContext, use: Node, target: Node): void {
  ctx.model.resolutions.set(use, target);
}
