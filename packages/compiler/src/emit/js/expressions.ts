import type { QueryPlan } from "@kova/query";
import type { Expression, Query } from "../../ast/nodes.js";
import { foldExpression } from "../../checker/fold.js";
import type { EndpointInfo, SemanticModel } from "../../checker/model.js";
import { planQuery, type PlanArg } from "./plans.js";

export interface EmitScope {
  model: SemanticModel;
  endpoint: EndpointInfo | null;
  /** The source file as the source map names it (for messages). */
  sourcePath: string;
}

type CompileFn = (plan: QueryPlan, entity: string) => { constant: string; source: string };

const QUERY_KINDS = new Set(["SelectQuery", "InsertQuery", "UpdateQuery", "DeleteQuery", "SaveQuery", "HistoryQuery"]);

/** Emits Kova expressions as JavaScript expressions (inside an async handler with `ctx` in scope). */
export class ExpressionEmitter {
  constructor(
    private readonly scope: EmitScope,
    private readonly compile: CompileFn,
  ) {}

  /**
   * Folding copies only nodes it changes; query nodes are never copied, so the checker's facts about
   * them (keyed by node) still apply to the folded tree.
   */
  emit(expr: Expression): string {
    return this.js(foldExpression(expr));
  }

  private js(e: Expression): string {
    switch (e.kind) {
      case "String":
        return JSON.stringify(e.value);
      case "Number":
      case "Duration":
        return Number.isFinite(e.value) ? String(e.value) : e.value > 0 ? "Infinity" : "-Infinity";
      case "Boolean":
        return String(e.value);
      case "Null":
      case "Missing":
        return "null";
      case "Template":
        return "`" + e.parts.map((p) => (p.kind === "String" ? escapeTemplate(p.value) : "${str(" + this.js(p) + ")}")).join("") + "`";
      case "Name":
        return `v_${e.name}`;
      case "Param":
        if (e.name === "query" || e.name === "headers" || e.name === "body") return `ctx.${e.name}`;
        return `ctx.params[${JSON.stringify(e.name)}]`;
      case "Member":
        if (e.property.name === "length") return `len(${this.js(e.object)})`;
        return `${this.js(e.object)}?.[${JSON.stringify(e.property.name)}]`;
      case "Index":
        return `${this.js(e.object)}?.[${this.js(e.index)}]`;
      case "Call":
        return this.call(e.callee.name, e.args);
      case "Unary":
        return e.operator === "NOT" ? `!(${this.js(e.operand)})` : `-(${this.js(e.operand)})`;
      case "IsNull":
        return `(${this.js(e.operand)} ${e.negated ? "!=" : "=="} null)`;
      case "Binary": {
        const l = this.js(e.left);
        const r = this.js(e.right);
        switch (e.operator) {
          case "AND":
            return `(${l} && ${r})`;
          case "OR":
            return `(${l} || ${r})`;
          case "==":
            return `eq(${l}, ${r})`;
          case "!=":
            return `!eq(${l}, ${r})`;
          case "IN":
            return `inList(${l}, ${r})`;
          case "LIKE":
            return `like(${l}, ${r})`;
          default:
            return `(${l} ${e.operator} ${r})`;
        }
      }
      case "Object":
        return `{ ${e.entries.map((entry) => (entry.kind === "Spread" ? `...${this.js(entry.argument)}` : `${JSON.stringify(entry.key.name)}: ${this.js(entry.value)}`)).join(", ")} }`;
      case "Array":
        return `[${e.elements.map((x) => (x.kind === "Spread" ? `...(${this.js(x.argument)} ?? [])` : this.js(x))).join(", ")}]`;
      default:
        if (QUERY_KINDS.has(e.kind)) return this.query(e as Query);
        return "null";
    }
  }

  /** A query: plan it, compile it at build time, and call the driver with the handler's values. */
  query(query: Query): string {
    const planned = planQuery(query, this.scope.model);
    const { constant, source } = this.compile(planned.plan, planned.entity.schema.name);
    const args = planned.args.map((arg) => {
      const value = this.emit(arg.expression);
      return needsCoercion(arg, this.scope.endpoint) ? `coerce(${value}, ${JSON.stringify(arg.coerce)}, ${JSON.stringify(arg.label)})` : value;
    });
    return `(await ctx.db(${JSON.stringify(source)}).execute(${constant}, [${args.join(", ")}]))`;
  }

  private call(name: string, args: Expression[]): string {
    const a = args.map((x) => this.emit(x));
    switch (name) {
      case "env":
        return `envValue(ctx.env, ${a[0]}, ${a[1] ?? "undefined"})`;
      case "now":
        return "new Date().toISOString()";
      case "uuid":
        return "randomUUID()";
      case "len":
        return `len(${a[0]})`;
      case "lower":
        return `str(${a[0]}).toLowerCase()`;
      case "upper":
        return `str(${a[0]}).toUpperCase()`;
      case "trim":
        return `str(${a[0]}).trim()`;
      case "number":
        return `Number(${a[0]})`;
      case "string":
        return `str(${a[0]})`;
      default:
        return `(await fn_${name}(${a.join(", ")}))`;
    }
  }

  /** CONNECT's arguments become the driver options, built from the resolved environment at start. */
  connectOptions(args: Expression[]): string {
    const inner = new ExpressionEmitter(this.scope, this.compile);
    const parts = args.map((a) => inner.emit(a).replace(/ctx\.env/g, "env"));
    return parts.length === 1 ? parts[0] : `[${parts.join(", ")}]`;
  }
}

/** Only numbers and booleans need converting, and not a path parameter the runtime already parsed to that type. */
function needsCoercion(arg: PlanArg, endpoint: EndpointInfo | null): boolean {
  if (arg.coerce !== "int" && arg.coerce !== "float" && arg.coerce !== "decimal" && arg.coerce !== "boolean" && arg.coerce !== "count") return false;
  const e = arg.expression;
  if (e.kind === "Param" && endpoint?.decl.path.segments.some((seg) => seg.param && seg.value === e.name)) {
    const parsed = endpoint.paramTypes.get(e.name);
    return !(parsed === arg.coerce || (parsed === "decimal" && arg.coerce === "float") || (parsed === "float" && arg.coerce === "decimal"));
  }
  return true;
}

function escapeTemplate(text: string): string {
  return text.replace(/\\/g, "\\\\").replace(/`/g, "\\`").replace(/\$\{/g, "\\${");
}

/** Is this node's static type a single entity row (so RESPOND of null means 404)? */
export function isSingleRow(model: SemanticModel, expr: Expression): string | undefined {
  if (QUERY_KINDS.has(expr.kind) && model.singleRow.has(expr as Query)) return (expr as Query).entity.name;
  const type = model.types.get(expr);
  if (type?.kind === "object" && type.entity && (expr.kind === "Name" || QUERY_KINDS.has(expr.kind))) return type.entity;
  return undefined;
}
