import type { Expr } from "../../ir/nodes.js";

/**
 * Prints IR expressions as JavaScript (inside an async handler with `ctx` in scope, or inside the
 * data sources' `options(env)` with `env` in scope). Nothing is decided here: the IR says which
 * query runs, on which data source, with which values converted.
 */
export class ExpressionPrinter {
  constructor(
    /** The JS expression holding the resolved environment: `ctx.env` in handlers, `env` in options. */
    private readonly envRef: string,
    /** The data source each query runs on, by query id. */
    private readonly sourceOfQuery: ReadonlyMap<string, string>,
  ) {}

  print(e: Expr): string {
    switch (e.kind) {
      case "literal":
        if (e.infinite) return String(e.value);
        return e.value === null ? "null" : JSON.stringify(e.value);
      case "template":
        return "`" + e.parts.map((p) => (p.kind === "literal" && typeof p.value === "string" ? escapeTemplate(p.value) : "${str(" + this.print(p) + ")}")).join("") + "`";
      case "variable":
        return `v_${e.name}`;
      case "input":
        if (e.from === "path") return `ctx.params[${JSON.stringify(e.name)}]`;
        // A cookie not sent is null, as an absent query key is.
        if (e.from === "cookies" && e.name !== null) return `(ctx.cookies[${JSON.stringify(e.name)}] ?? null)`;
        return e.name === null ? `ctx.${e.from}` : `ctx.${e.from}?.[${JSON.stringify(e.name)}]`;
      case "member":
        return `${this.print(e.object)}?.[${JSON.stringify(e.property)}]`;
      case "index":
        return `${this.print(e.object)}?.[${this.print(e.index)}]`;
      case "call":
        return this.call(e.function, e.imported, e.args.map((a) => this.print(a)));
      case "env":
        return `envValue(${this.envRef}, ${this.print(e.name)}, ${e.default ? this.print(e.default) : "undefined"})`;
      case "unary":
        return e.operator === "NOT" ? `!(${this.print(e.operand)})` : `-(${this.print(e.operand)})`;
      case "has":
        // Object(null) is {}: a missing object holds no key.
        return `Object.hasOwn(Object(${this.print(e.object)}), ${this.print(e.key)})`;
      case "isNull":
        return `(${this.print(e.operand)} ${e.negated ? "!=" : "=="} null)`;
      case "binary": {
        const l = this.print(e.left);
        const r = this.print(e.right);
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
      case "object":
        return `{ ${e.entries.map((entry) => (entry.kind === "spread" ? `...${this.print(entry.value)}` : `${JSON.stringify(entry.key)}: ${this.print(entry.value)}`)).join(", ")} }`;
      case "array":
        return `[${e.elements.map((x) => (x.spread ? `...(${this.print(x.value)} ?? [])` : this.print(x.value))).join(", ")}]`;
      case "orderChoice": {
        const runs = e.options.map((o) => `async () => ${this.print(o.query)}`).join(", ");
        return `(await [${runs}][orderIndex(${this.print(e.value)}, ${JSON.stringify(e.label)}, ${JSON.stringify(e.options.map((o) => o.field))})]())`;
      }
      case "query": {
        const args = e.args.map((arg) => {
          const value = this.print(arg.value);
          return arg.convert === null ? value : `coerce(${value}, ${JSON.stringify(arg.convert)}, ${JSON.stringify(arg.label)})`;
        });
        return `(await ctx.db(${JSON.stringify(this.sourceOfQuery.get(e.query))}).execute(${e.query}, [${args.join(", ")}]))`;
      }
    }
  }

  private call(name: string, imported: boolean, a: string[]): string {
    if (imported) return `(await fn_${name}(${a.join(", ")}))`;
    switch (name) {
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
      default:
        return `str(${a[0]})`;
    }
  }
}

function escapeTemplate(text: string): string {
  return text.replace(/\\/g, "\\\\").replace(/`/g, "\\`").replace(/\$\{/g, "\\${");
}
