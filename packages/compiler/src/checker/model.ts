import type { EntitySchema, ScalarType } from "@kova/query";
import type { DeclaredParam } from "./route-params.js";
import type {
  ConnectDecl,
  EndpointDecl,
  EntityDecl,
  Expression,
  ImportName,
  Node,
  Program,
  Query,
  SelectQuery,
  ValidateDecl,
} from "../ast/nodes.js";
import type { AuthInfo } from "./auth.js";
import type { KovaType } from "./types.js";
import type { KovaFunctionInfo, ViewInfo } from "./functions.js";

export interface EntityInfo {
  decl: EntityDecl;
  file: string;
  schema: EntitySchema;
  /** The row type (`id` plus every field). */
  rowType: KovaType;
}

export interface ValidatorInfo {
  decl: ValidateDecl;
  file: string;
  type: KovaType;
}

export interface FunctionInfo {
  /** The module as written in the IMPORT (resolved by the emitter relative to `file`). */
  module: string;
  imported: string;
  file: string;
  decl: ImportName;
}

export interface EndpointInfo {
  decl: EndpointDecl;
  file: string;
  /**
   * Path parameter types: declared (`:id(int)`), else inferred from how each `$param` is compared
   * with fields (default string); `slug` when compared with an IDENTIFIER entity's identifier.
   */
  paramTypes: Map<string, ScalarType | "slug" | "ulid">;
  /** `:id(int)`: the path parameters declared with a type. */
  declaredPath: Map<string, DeclaredParam>;
  /** `QUERY { … }`: the declared query parameters; null when the route declares none (typed by use). */
  declaredQuery: Map<string, DeclaredParam> | null;
  /** Every variable assigned in the handler, in first-assignment order. */
  variables: string[];
  /** `API v2 { … }`: the version the endpoint belongs to (its path is served under `/v2`); absent at the top level. */
  version?: import("./api-versions.js").ApiVersionInfo;
}

/**
 * What the checker learned about a program, for the emitters and the language server. Keyed by
 * AST node identity, so it belongs to exactly the ASTs it was computed from.
 */
import type { TaskInfo } from "./tasks.js";
import type { CacheInfo } from "./caches.js";
import type { SocketInfo } from "./realtime.js";

export interface SemanticModel {
  programs: Program[];
  entities: Map<string, EntityInfo>;
  /** `ENTITY ABSTRACT Name { … }`: fields for others to EXTEND, with no table (checker/extends.ts). */
  abstractEntities: Map<string, { decl: import("../ast/nodes.js").EntityDecl; file: string }>;
  validators: Map<string, ValidatorInfo>;
  connections: Map<string, ConnectDecl>;
  /** Imported JS functions, per importing file. */
  functions: Map<string, Map<string, FunctionInfo>>;
  endpoints: EndpointInfo[];
  /** The type of each checked expression. */
  types: Map<Expression, KovaType>;
  /** Queries that return one row (or null) rather than a list. */
  singleRow: Set<Query>;
  /** For names: the declaration or field they resolve to (hover, go-to-definition). */
  resolutions: Map<Node, Node>;
  /** The program's AUTH scheme; null when it declares none (or it was refused). */
  auth: AuthInfo | null;
  /** The program's FNs and VIEWs, by name (names are program-wide, like entities). */
  kovaFunctions: Map<string, KovaFunctionInfo>;
  views: Map<string, ViewInfo>;
  /** `SELECT ViewName FROM Entity`: the VIEW each such query selects. */
  selectViews: Map<Query, string>;
  /** Shaped SELECTs (aggregates, aliases, DISTINCT, GROUP_BY, WITH TOTAL): their columns and result. */
  selectShapes: Map<SelectQuery, SelectShapeInfo>;
  /** The program's TASKs, by name (checker/tasks.ts). */
  tasks: Map<string, TaskInfo>;
  /** The program's CACHEs, by name (checker/caches.ts). */
  caches: Map<string, CacheInfo>;
  /** The program's SOCKETs, in source order (checker/realtime.ts). */
  sockets: SocketInfo[];
  /** The program's TESTs, in source order (checker/tests.ts). */
  tests: import("./tests.js").TestInfo[];
  /** The program's EVENTs, by name (checker/actions.ts). */
  events: Map<string, import("./actions.js").EventInfo>;
}

/** A shaped SELECT as the checker resolved it (see checker/aggregates.ts). */
export interface SelectShapeInfo {
  /** Every result column in order: its key and the expression the database computes. */
  columns: Array<{ name: string; value: Expression }>;
  groupBy: string[];
  result: "rows" | "row" | "value" | "page" | "cursor";
}

export function emptyModel(programs: Program[]): SemanticModel {
  return {
    programs,
    entities: new Map(),
    abstractEntities: new Map(),
    validators: new Map(),
    connections: new Map(),
    functions: new Map(),
    endpoints: [],
    types: new Map(),
    singleRow: new Set(),
    resolutions: new Map(),
    auth: null,
    kovaFunctions: new Map(),
    views: new Map(),
    selectViews: new Map(),
    selectShapes: new Map(),
    tasks: new Map(),
    caches: new Map(),
    sockets: [],
    tests: [],
    events: new Map(),
  };
}
