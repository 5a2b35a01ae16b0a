import type { Literal, Shape, ShapeField, ShapeType } from "../../ir/nodes.js";
import { CodeWriter, jsName } from "./code-writer.js";
import { richType, type RichTypeRef } from "@kova/query";

/**
 * Compiles VALIDATE shapes into straight-line JavaScript: one function per shape (and per inline
 * nested shape) that pushes `{ field, message }` for every failing check — all of them, not just
 * the first — so a 400 response can list every problem at once. Unknown fields are rejected, which
 * also keeps `SAVE $body INTO …` from writing fields the shape does not allow.
 */
export function emitValidators(out: CodeWriter, shapes: readonly Shape[]): void {
  const emitter = new ValidatorEmitter(out, new Set(shapes.map((s) => s.name)));
  for (const shape of shapes) emitter.shape(validatorFunction(shape.name), shape.fields, shape);
  emitter.flushPatterns();
}

export function validatorFunction(shape: string): string {
  return jsName("validate", shape);
}

class ValidatorEmitter {
  private inlineCount = 0;
  private readonly patterns: string[] = [];
  private readonly pending: Array<() => void> = [];

  constructor(
    private readonly out: CodeWriter,
    /** Names of the declared shapes (a field typed with one calls its validator). */
    private readonly shapes: ReadonlySet<string>,
  ) {}

  /** `function name(value, path, issues)`; the path prefixes field names (`address.zip`, `items[2]`). */
  shape(fnName: string, fields: ShapeField[], decl?: Shape): void {
    const out = this.out;
    const known = JSON.stringify(Object.fromEntries(fields.map((f) => [f.name, true])));
    out.line(`// VALIDATE ${decl ? decl.name : "(inline shape)"}`);
    out.block(`function ${fnName}(value, path, issues)`, () => {
      out.block(`if (typeof value !== "object" || value === null || Array.isArray(value))`, () => {
        out.line(`issues.push({ field: path, message: "must be a JSON object" });`);
        out.line("return issues;");
      });
      // Module-level constants (the allowed fields, enum values, patterns): built once, not per request.
      const knownFields = this.constant("known", known);
      out.block("for (const key in value)", () => {
        // (unknown: "drop"): the handler never sees a field the shape does not declare.
        if (decl?.unknown === "drop") out.line(`if (${knownFields}[key] !== true) delete value[key];`);
        else out.line(`if (${knownFields}[key] !== true) issues.push({ field: at(path, key), message: "is not an allowed field" });`);
      });
      for (const field of fields) this.field(field);
      out.line("return issues;");
    });
    while (this.pending.length > 0) this.pending.shift()!();
  }

  private field(field: ShapeField): void {
    const out = this.out;
    const name = field.name;
    const v = jsName("f", name);
    const where = `at(path, ${JSON.stringify(name)})`;
    out.line(`const ${v} = value[${JSON.stringify(name)}];`);
    if (field.type.optional) {
      out.block(`if (${v} !== undefined && ${v} !== null)`, () => this.value(field.type, v, where));
    } else {
      out.block(`if (${v} === undefined || ${v} === null)`, () => out.line(`issues.push({ field: ${where}, message: "is required" });`), "} else {");
      out.indent(() => this.value(field.type, v, where));
      out.line("}");
    }
  }

  /** Checks a present (non-null) value against a type, arrays included. */
  private value(type: ShapeType, v: string, where: string): void {
    const out = this.out;
    if (!type.array) {
      this.scalar(type, v, where);
      return;
    }
    out.block(`if (!Array.isArray(${v}))`, () => out.line(`issues.push({ field: ${where}, message: "must be a list" });`), "} else {");
    out.indent(() => {
      const min = option(type, "min");
      const max = option(type, "max");
      if (typeof min === "number") out.line(`if (${v}.length < ${min}) issues.push({ field: ${where}, message: "must have at least ${min} item${min === 1 ? "" : "s"}" });`);
      if (typeof max === "number") out.line(`if (${v}.length > ${max}) issues.push({ field: ${where}, message: "must have at most ${max} item${max === 1 ? "" : "s"}" });`);
      out.block(`for (let i = 0; i < ${v}.length; i++)`, () => {
        out.line(`const item = ${v}[i];`);
        const itemWhere = `${where} + "[" + i + "]"`;
        out.block("if (item === null || item === undefined)", () => out.line(`issues.push({ field: ${itemWhere}, message: "must not be null" });`), "} else {");
        out.indent(() => this.scalar({ ...type, array: false, options: {} }, "item", itemWhere));
        out.line("}");
      });
    });
    out.line("}");
  }

  private scalar(type: ShapeType, v: string, where: string): void {
    const out = this.out;
    const name = type.name;
    const issue = (message: string) => `issues.push({ field: ${where}, message: ${JSON.stringify(message)} });`;
    if (type.fields.length > 0 || (name === "object" && !this.shapes.has("object"))) {
      const fn = `validate_inline_${++this.inlineCount}`;
      this.pending.push(() => this.shape(fn, type.fields));
      out.line(`${fn}(${v}, ${where}, issues);`);
      return;
    }
    if (this.shapes.has(name)) {
      out.line(`${validatorFunction(name)}(${v}, ${where}, issues);`);
      return;
    }
    // A text's `pattern` and `length` options: the same checks for plain and rich text types.
    const textOptions = (): void => {
      const pattern = option(type, "pattern");
      if (typeof pattern === "string") {
        const re = this.constant("pattern", `new RegExp(${JSON.stringify(pattern)}, "u")`);
        out.line(`if (!${re}.test(${v})) ${issue(`must match the pattern ${pattern}`)}`);
      }
      const length = option(type, "length");
      if (typeof length === "number") out.line(`if (${v}.length !== ${length}) ${issue(`must be exactly ${length} characters long`)}`);
    };
    const rich = richRef(type);
    if (rich !== undefined) {
      // The registry's check (the same entity writes run); string options still apply to text.
      const result = `rich_${++this.inlineCount}`;
      out.line(`const ${result} = kb.checkRich(${JSON.stringify(rich)}, ${v});`);
      out.block(`if (!${result}.ok)`, () => out.line(`issues.push({ field: ${where}, message: ${result}.message });`), "} else {");
      out.indent(textOptions);
      this.bounds(type, v, where, ".length");
      return;
    }
    switch (name) {
      case "int":
      case "integer":
        out.block(`if (!Number.isInteger(${v}))`, () => out.line(issue("must be a whole number")), "} else {");
        this.bounds(type, v, where, "");
        return;
      case "number":
      case "float":
      case "decimal":
        out.block(`if (typeof ${v} !== "number" || !Number.isFinite(${v}))`, () => out.line(issue("must be a number")), "} else {");
        this.bounds(type, v, where, "");
        return;
      case "boolean":
      case "bool":
        out.line(`if (typeof ${v} !== "boolean") ${issue("must be true or false")}`);
        return;
      case "any":
      case "json":
        return;
      case "file":
        // Size and type were checked while the part streamed; here: it is a streamed part at all.
        out.line(`if (!kb.isUploadedFile(${v})) ${issue("must be a file, sent as a multipart/form-data part with a filename")}`);
        return;
      case "enum": {
        const values = type.args.filter((x): x is string => typeof x === "string");
        out.line(`if (!${this.constant("oneOf", `new Set(${JSON.stringify(values)})`)}.has(${v})) ${issue(`must be one of ${values.map((x) => JSON.stringify(x)).join(", ")}`)}`);
        return;
      }
      default: {
        out.block(`if (typeof ${v} !== "string")`, () => out.line(issue("must be a string")), "} else {");
        out.indent(() => {
          const format = FORMATS[name];
          if (format) out.line(`if (!${format.test}(${v})) ${issue(format.message)}`);
          textOptions();
        });
        this.bounds(type, v, where, ".length");
      }
    }
  }

  /** min / max, closing the `else {` its caller opened. For strings the bounds are on length. */
  private bounds(type: ShapeType, v: string, where: string, measure: string): void {
    const out = this.out;
    const min = option(type, "min");
    const max = option(type, "max");
    const unit = (n: unknown) => (measure ? (n === 1 ? " character" : " characters") : "");
    out.indent(() => {
      if (typeof min === "number") out.line(`if (${v}${measure} < ${min}) issues.push({ field: ${where}, message: ${JSON.stringify(`must be at least ${min}${unit(min)}`)} });`);
      if (typeof max === "number") out.line(`if (${v}${measure} > ${max}) issues.push({ field: ${where}, message: ${JSON.stringify(`must be at most ${max}${unit(max)}`)} });`);
    });
    out.line("}");
  }

  /** A module-level constant (printed after the validators by flushPatterns); returns its name. */
  private constant(prefix: string, code: string): string {
    const name = `${prefix}_${this.patterns.length}`;
    this.patterns.push(`const ${name} = ${code};`);
    return name;
  }

  flushPatterns(): void {
    for (const p of this.patterns) this.out.line(p);
  }
}

/** The rich type a shape field names (decimal only with its (p, s)), as the registry takes it. */
function richRef(type: ShapeType): RichTypeRef | undefined {
  const rich = richType(type.name);
  if (rich === undefined) return undefined;
  if (rich.arity === undefined) return { name: rich.name };
  const args = type.args.filter((a): a is number => typeof a === "number");
  return args.length === rich.arity ? { name: rich.name, args } : undefined;
}

function option(type: ShapeType, name: string): Literal | undefined {
  return Object.hasOwn(type.options, name) ? type.options[name] : undefined;
}

/** String formats, checked by helpers the generated module defines (see RUNTIME_HELPERS). */
const FORMATS: Readonly<Record<string, { test: string; message: string }>> = {
  email: { test: "isEmail", message: "must be an email address" },
  url: { test: "isUrl", message: "must be an absolute URL" },
  uuid: { test: "isUuid", message: "must be a UUID" },
  date: { test: "isDate", message: "must be a date (YYYY-MM-DD)" },
  datetime: { test: "isDateTime", message: "must be an ISO-8601 date-time" },
};
