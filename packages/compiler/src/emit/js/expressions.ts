import { BUILTINS, OPERATOR_HELPERS } from "../../checker/builtins.js";
import type { Expr, ObjectEntry } from "../../ir/nodes.js";

/** The emitted constant holding the app's AUTH jwt scheme (see auth.ts). */
export const AUTH_SCHEME_CONST = "auth_jwt";

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
        // A cookie not sent, a query key or a header absent, is null (docs/language.md, "Request
        // values"); only a body field keeps absent (undefined) apart from null, for PATCH semantics.
        if (e.from === "cookies" && e.name !== null) return `(ctx.cookies[${JSON.stringify(e.name)}] ?? null)`;
        if ((e.from === "query" || e.from === "headers") && e.name !== null) return `(ctx.${e.from}?.[${JSON.stringify(e.name)}] ?? null)`;
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
        return this.object(e.entries);
      case "array":
        return `[${e.elements.map((x) => (x.spread ? `...(${this.print(x.value)} ?? [])` : this.print(x.value))).join(", ")}]`;
      case "conditional":
        return `(${this.print(e.test)} ? ${this.print(e.then)} : ${this.print(e.otherwise)})`;
      case "between":
        return `${e.negated ? "!" : ""}between(${this.print(e.value)}, ${this.print(e.low)}, ${this.print(e.high)})`;
      case "comprehension": {
        const v = `v_${e.variable}`;
        const list = `(${this.print(e.list)} ?? [])`;
        const element = this.print(e.element);
        const condition = e.condition ? this.print(e.condition) : null;
        // Without an await inside, a plain filter/map; with one (a query, an FN call), a loop that runs them in order.
        if (!/\bawait\b/.test(element + (condition ?? ""))) {
          return `${list}${condition ? `.filter((${v}) => ${condition})` : ""}.map((${v}) => ${element})`;
        }
        return `(await (async () => { const out = []; for (const ${v} of ${list}) { ${condition ? `if (${condition}) ` : ""}out.push(${element}); } return out; })())`;
      }
      case "callFunction":
        return `(await ${functionName(e.function)}(ctx${e.args.map((a) => `, ${this.print(a)}`).join("")}))`;
      case "spawn":
        // The FN's promise, started now; a task never awaited must not be an unhandled rejection.
        return `((task) => (task.catch(() => {}), task))(${functionName(e.function)}(ctx${e.args.map((a) => `, ${this.print(a)}`).join("")}))`;
      case "await":
        return `(await ${this.print(e.task)})`;
      case "view":
        return `${viewName(e.view)}(${this.print(e.value)})`;
      case "orderChoice": {
        const runs = e.options.map((o) => `async () => ${this.print(o.query)}`).join(", ");
        return `(await [${runs}][orderIndex(${this.print(e.value)}, ${JSON.stringify(e.label)}, ${JSON.stringify(e.options.map((o) => o.field))})]())`;
      }
      case "request":
        // In a TEST: the runner's context sends it to the app and resolves to { status, body, headers, text }.
        return `(await ctx.request(${JSON.stringify(e.method)}, str(${this.print(e.path)}), ${e.body ? this.print(e.body) : "undefined"}, ${e.headers ? this.print(e.headers) : "undefined"}))`;
      case "query": {
        const args = e.args.map((arg) => {
          const value = this.print(arg.value);
          const converted = arg.convert === null ? value : `coerce(${value}, ${JSON.stringify(arg.convert)}, ${JSON.stringify(arg.label)})`;
          return arg.canonical === undefined ? converted : `canonical(${converted}, ${JSON.stringify(arg.canonical)}, ${JSON.stringify(arg.label)})`;
        });
        return `(await ctx.db(${JSON.stringify(this.sourceOfQuery.get(e.query))}).execute(${e.query}, [${args.join(", ")}]))`;
      }
    }
  }

  /**
   * An object literal. A removal (`{ ...row, -password }`) applies to what the entries before it
   * made: those become one object, passed through without_fields, and spread into the rest.
   */
  private object(entries: readonly ObjectEntry[]): string {
    const inner = (part: readonly ObjectEntry[]) =>
      part.map((entry) => (entry.kind === "spread" ? `...${this.print(entry.value)}` : entry.kind === "property" ? `${JSON.stringify(entry.key)}: ${this.print(entry.value)}` : "")).join(", ");
    let out: string | null = null;
    let part: ObjectEntry[] = [];
    const merged = (): string => (out === null ? `{ ${inner(part)} }` : part.length === 0 ? out : `{ ...${out}, ${inner(part)} }`);
    for (let i = 0; i < entries.length; i++) {
      const entry = entries[i];
      if (entry.kind !== "remove") {
        part.push(entry);
        continue;
      }
      const removed = [JSON.stringify(entry.key)];
      while (i + 1 < entries.length && entries[i + 1].kind === "remove") removed.push(JSON.stringify((entries[++i] as { key: string }).key));
      out = `kb.without_fields(${merged()}, ${removed.join(", ")})`;
      part = [];
    }
    return merged();
  }

  private call(name: string, imported: boolean, a: string[]): string {
    if (imported) return `(await fn_${name}(${a.join(", ")}))`;
    const js = BUILTINS.get(name)?.js ?? OPERATOR_HELPERS[name as keyof typeof OPERATOR_HELPERS];
    if (!js) throw new Error(`internal: no JavaScript for the built-in ${name}()`);
    return js(a);
  }
}

/** The JavaScript name of a Kova FN (functions take the request context first, for their queries). */
export function functionName(name: string): string {
  return `kf_${name}`;
}

/** The JavaScript name of a VIEW's shaping function. */
export function viewName(name: string): string {
  return `view_${name}`;
}

function escapeTemplate(text: string): string {
  return text.replace(/\\/g, "\\\\").replace(/`/g, "\\`").replace(/\$\{/g, "\\${");
}
