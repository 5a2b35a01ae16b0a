/**
 * `ACTION … IN DATABASE` as one PL/pgSQL function: a back end reading the action's IR and the
 * statements the PostgreSQL dialect compiled for its queries (the same text the JS form runs, so a
 * write records its history version in the same statement, and the outbox triggers see it).
 *
 * Every Kova value is a `jsonb` in the function (SQL NULL for null, never a jsonb `null`):
 * variables, inputs (passed as one jsonb array, already checked and loaded by the JS caller),
 * query results (rows as objects; a list as an array). A query is run with EXECUTE … USING, each
 * `$n` bound as text and cast by the compiled statement itself ($1::bigint), as the driver binds.
 *
 * Failures: `ERROR 409 "…"` raises SQLSTATE `KV409` with the detail as its message; any failure of
 * step N is re-raised with the hint `kova step N` (and the table and constraint kept, so a UNIQUE
 * violation maps to the same 409 as in JS). The exception block also undoes what the steps wrote
 * before the failure, as the caller's rollback would.
 *
 * What the function cannot express is refused by `Unsupported`, naming the step (KV2916).
 */
import { isPublicIdEntity, isSoftDeleteEntity, type CompiledQuery, type EntitySchema, type Operand, type QueryPlan } from "@kova/query";
import type { AppModel, Expr, KovaFunction, QueryExpr, Stmt } from "../../ir/nodes.js";
import { forEachNode } from "../../ir/writes.js";

/** The part of the PostgreSQL dialect's compiled form read here (driver-postgres pg-compiled.ts). */
interface PgStatementJson {
  text: string;
  params: Array<{ from: string; index?: number; field?: string; value?: unknown; encoding?: { kind: string } }>;
}
interface PgCompiledJson extends CompiledQuery {
  kind: string;
  single: boolean;
  columns: Array<{ name: string; nested?: unknown }>;
  read?: PgStatementJson;
  write?: PgStatementJson;
  total?: PgStatementJson;
}

/** Why a step cannot run in the database; the caller reports it at the step. */
export class Unsupported extends Error {}

export interface Routine {
  /** The ACTION's name. */
  action: string;
  /** The data source it runs on (a PostgreSQL one). */
  source: string;
  /** `kova_action_<name>_<hash>`: a changed body is a new function, so a migration replaces it. */
  name: string;
  /** CREATE OR REPLACE FUNCTION … (no trailing semicolon). */
  ddl: string;
}

const OUTBOX = "_kova_changes";

/** A value as text, for binding and templates: a string as itself, anything else as JSON writes it. */
const text = (v: string) => `(${v} #>> '{}')`;
const sqlString = (s: string) => `'${s.replaceAll("'", "''")}'`;
const jsonLiteral = (value: unknown) => (value === null || value === undefined ? "NULL::jsonb" : `${sqlString(JSON.stringify(value))}::jsonb`);
const quoteIdent = (name: string) => `"${name.replaceAll('"', '""')}"`;

export function compileRoutine(app: AppModel, fn: KovaFunction, source: string, compiled: ReadonlyMap<string, CompiledQuery>, stepAt: (i: number) => string): Routine {
  const writer = new RoutineWriter(app, compiled);
  const body: string[] = [];
  fn.body.forEach((statement, i) => {
    try {
      body.push(`kova_step := ${i + 1};  -- ${stepAt(i)}`, ...writer.statement(statement));
    } catch (error) {
      if (error instanceof Unsupported) throw Object.assign(error, { step: i });
      throw error;
    }
  });
  const declared = [
    ...fn.params.map((p, i) => `v_${p} jsonb := nullif(kova_args -> ${i}, 'null'::jsonb);`),
    ...[...new Set([...fn.variables, ...loopVariables(fn.body)])].filter((v) => !fn.params.includes(v)).map((v) => `v_${v} jsonb;`),
    ...writer.temporaries.map((t) => `${t} jsonb;`),
    "kova_step int := 0;",
    "kova_row record;",
    "kova_rows jsonb;",
    "kova_state text; kova_message text; kova_detail text; kova_table text; kova_constraint text; kova_column text;",
  ];
  const code = [
    "DECLARE",
    ...declared.map((d) => `  ${d}`),
    "BEGIN",
    "  BEGIN",
    ...body.map((l) => `    ${l}`),
    "    RETURN NULL;",
    "  EXCEPTION WHEN OTHERS THEN",
    "    -- The step that failed travels in the hint; the rest of the error as PostgreSQL raised it.",
    "    GET STACKED DIAGNOSTICS kova_state = RETURNED_SQLSTATE, kova_message = MESSAGE_TEXT, kova_detail = PG_EXCEPTION_DETAIL,",
    "      kova_table = TABLE_NAME, kova_constraint = CONSTRAINT_NAME, kova_column = COLUMN_NAME;",
    "    RAISE EXCEPTION USING ERRCODE = kova_state, MESSAGE = kova_message, DETAIL = kova_detail, HINT = 'kova step ' || kova_step,",
    "      TABLE = kova_table, CONSTRAINT = kova_constraint, COLUMN = kova_column;",
    "  END;",
    "END",
  ].join("\n");
  const hash = fingerprint(`${fn.params.length}\n${code}`);
  const name = `kova_action_${fn.name.toLowerCase().replace(/[^a-z0-9_]/g, "_").slice(0, 30)}_${hash}`;
  const ddl = `CREATE OR REPLACE FUNCTION ${quoteIdent(name)}(kova_args jsonb) RETURNS jsonb LANGUAGE plpgsql AS $kova$\n${code}\n$kova$`;
  return { action: fn.name, source, name, ddl };
}

class RoutineWriter {
  /** jsonb variables holding query results (`kova_q1`, …) and loop lists. */
  readonly temporaries: string[] = [];
  private readonly entities: Map<string, EntitySchema>;

  constructor(
    private readonly app: AppModel,
    private readonly compiled: ReadonlyMap<string, CompiledQuery>,
  ) {
    this.entities = new Map(app.entities.map((e) => [e.name, e]));
  }

  private temporary(): string {
    const name = `kova_t${this.temporaries.length + 1}`;
    this.temporaries.push(name);
    return name;
  }

  statement(s: Stmt): string[] {
    const pre: string[] = [];
    switch (s.kind) {
      case "assign": {
        const value = this.value(s.value, pre);
        return [...pre, `v_${s.variable} := ${value};`];
      }
      case "eval": {
        const value = this.value(s.value, pre);
        // A query run for its effect is already run by `pre`; anything else has none to keep.
        return value.startsWith("kova_t") ? pre : [...pre, `PERFORM ${value};`];
      }
      case "return": {
        if (s.value === null) return ["RETURN NULL;"];
        const value = this.value(s.value, pre);
        return [...pre, `RETURN ${value};`];
      }
      case "fail": {
        if (s.status < 100 || s.status > 999) throw new Unsupported(`ERROR ${s.status}`);
        const detail = `coalesce(${this.text(s.detail, pre)}, '')`;
        return [...pre, `RAISE EXCEPTION USING ERRCODE = 'KV${s.status}', MESSAGE = ${detail};`];
      }
      case "if": {
        const out: string[] = [];
        s.branches.forEach((branch, i) => {
          // A later branch's test runs only when the earlier ones failed: no query may run ahead of it.
          const before: string[] = [];
          const condition = this.condition(branch.condition, i === 0 ? out : before);
          if (before.length > 0) throw new Unsupported("a query in the test of ELSE IF");
          out.push(`${i === 0 ? "IF" : "ELSIF"} ${condition} THEN`);
          for (const inner of branch.body) out.push(...this.statement(inner).map((l) => `  ${l}`));
        });
        if (s.otherwise !== null) {
          out.push("ELSE");
          for (const inner of s.otherwise) out.push(...this.statement(inner).map((l) => `  ${l}`));
        }
        out.push("END IF;");
        return out;
      }
      case "for": {
        const list = this.value(s.list, pre);
        const item = this.temporary();
        return [
          ...pre,
          `FOR ${item} IN SELECT value FROM jsonb_array_elements(coalesce(${list}, '[]'::jsonb)) LOOP`,
          `  v_${s.variable} := nullif(${item}, 'null'::jsonb);`,
          ...s.body.flatMap((inner) => this.statement(inner)).map((l) => `  ${l}`),
          "END LOOP;",
        ];
      }
      case "emit": {
        if (this.app.dataSources[0]?.name !== s.source) throw new Unsupported(`EMIT ${s.event} records in data source '${s.source}'`);
        const payload = this.value(s.payload, pre);
        // The row Driver.emit writes (driver-postgres pg-outbox.ts emitStatement), in this transaction.
        return [
          ...pre,
          `INSERT INTO ${OUTBOX} (tx, entity, record_id, op, version, at, before, after) VALUES (txid_current(), ${sqlString(s.event)}, '', 'emit', NULL, date_trunc('milliseconds', clock_timestamp()), NULL, coalesce(${payload}, '{}'::jsonb));`,
        ];
      }
      default:
        throw new Unsupported(statementName(s));
    }
  }

  /** A condition as SQL boolean (NULL counts as false, as JS's null does). */
  condition(e: Expr, pre: string[]): string {
    switch (e.kind) {
      case "binary":
        switch (e.operator) {
          case "AND":
          case "OR":
            if (hasQuery(e.right)) throw new Unsupported("a query on the right of AND/OR (it may not run)");
            return `(coalesce(${this.condition(e.left, pre)}, false) ${e.operator} coalesce(${this.condition(e.right, pre)}, false))`;
          case "==":
            return `(${this.value(e.left, pre)} IS NOT DISTINCT FROM ${this.value(e.right, pre)})`;
          case "!=":
            return `(${this.value(e.left, pre)} IS DISTINCT FROM ${this.value(e.right, pre)})`;
          case "<":
          case "<=":
          case ">":
          case ">=": {
            const l = this.value(e.left, pre);
            const r = this.value(e.right, pre);
            return `(CASE WHEN jsonb_typeof(${l}) = 'number' AND jsonb_typeof(${r}) = 'number' THEN (${l})::float8 ${e.operator} (${r})::float8 ELSE ${text(l)} COLLATE "C" ${e.operator} ${text(r)} COLLATE "C" END)`;
          }
          default:
            break;
        }
        break;
      case "unary":
        if (e.operator === "NOT") return `(NOT coalesce(${this.condition(e.operand, pre)}, false))`;
        break;
      case "isNull":
        return `(${this.value(e.operand, pre)} IS ${e.negated ? "NOT " : ""}NULL)`;
      default:
        break;
    }
    // A value used as a condition: JS truthiness of booleans (anything else is refused by the checker).
    return `coalesce((${this.value(e, pre)})::boolean, false)`;
  }

  /** An expression as SQL text (a template's parts joined, null as ''), as JS's str() makes it. */
  text(e: Expr, pre: string[]): string {
    if (e.kind === "literal" && typeof e.value === "string") return sqlString(e.value);
    if (e.kind === "template") return `(${e.parts.map((p) => (p.kind === "literal" && typeof p.value === "string" ? sqlString(p.value) : `coalesce(${this.text(p, pre)}, '')`)).join(" || ") || "''"})`;
    return text(this.value(e, pre));
  }

  /** An expression as a jsonb value (SQL NULL for null). */
  value(e: Expr, pre: string[]): string {
    switch (e.kind) {
      case "literal":
        if (e.infinite === true) throw new Unsupported("an infinite number");
        return jsonLiteral(e.value);
      case "variable":
        return `v_${e.name}`;
      case "member":
        return `nullif((${this.value(e.object, pre)}) -> ${sqlString(e.property)}, 'null'::jsonb)`;
      case "template":
        return `to_jsonb(${this.text(e, pre)})`;
      case "object": {
        const parts: string[] = [];
        for (const entry of e.entries) {
          if (entry.kind !== "property") throw new Unsupported("an object with ...spread or -key");
          parts.push(`${sqlString(entry.key)}, coalesce(${this.value(entry.value, pre)}, 'null'::jsonb)`);
        }
        return `jsonb_build_object(${parts.join(", ")})`;
      }
      case "array":
        if (e.elements.some((x) => x.spread)) throw new Unsupported("a list with ...spread");
        return `jsonb_build_array(${e.elements.map((x) => `coalesce(${this.value(x.value, pre)}, 'null'::jsonb)`).join(", ")})`;
      case "conditional":
        if (hasQuery(e.then) || hasQuery(e.otherwise)) throw new Unsupported("a query in a branch of ? :");
        return `(CASE WHEN ${this.condition(e.test, pre)} THEN ${this.value(e.then, pre)} ELSE ${this.value(e.otherwise, pre)} END)`;
      case "unary":
        if (e.operator === "NOT") return `to_jsonb(${this.condition(e, pre)})`;
        return `to_jsonb(-(${this.value(e.operand, pre)})::float8)`;
      case "isNull":
        return `to_jsonb(${this.condition(e, pre)})`;
      case "binary": {
        switch (e.operator) {
          case "+": {
            const l = this.value(e.left, pre);
            const r = this.value(e.right, pre);
            // JS's +: text when either side is text, else a number.
            return `(CASE WHEN jsonb_typeof(${l}) = 'string' OR jsonb_typeof(${r}) = 'string' THEN to_jsonb(coalesce(${text(l)}, 'null') || coalesce(${text(r)}, 'null')) ELSE to_jsonb(coalesce((${l})::float8, 0) + coalesce((${r})::float8, 0)) END)`;
          }
          case "-":
          case "*":
            return `to_jsonb(coalesce((${this.value(e.left, pre)})::float8, 0) ${e.operator} coalesce((${this.value(e.right, pre)})::float8, 0))`;
          case "??": {
            if (hasQuery(e.right)) throw new Unsupported("a query on the right of ??");
            return `coalesce(${this.value(e.left, pre)}, ${this.value(e.right, pre)})`;
          }
          case "AND":
          case "OR":
          case "==":
          case "!=":
          case "<":
          case "<=":
          case ">":
          case ">=":
            return `to_jsonb(${this.condition(e, pre)})`;
          default:
            throw new Unsupported(`the operator ${e.operator}`);
        }
      }
      case "query":
        return this.query(e, pre);
      case "call":
        throw new Unsupported(e.imported ? `the imported JavaScript function ${e.function}()` : `the built-in ${e.function}()`);
      case "callFunction":
        throw new Unsupported(`a call of ${e.function}()`);
      default:
        throw new Unsupported(expressionName(e));
    }
  }

  /** Runs the query's compiled statement; its result (row, null or list of rows) in a temporary. */
  private query(e: QueryExpr, pre: string[]): string {
    const compiled = this.compiled.get(e.query) as PgCompiledJson | undefined;
    if (compiled === undefined) throw new Unsupported("a query the dialect did not compile");
    const plan = compiled.plan;
    this.checkPlan(plan, compiled);
    const statement = compiled.kind === "select" ? compiled.read : compiled.write;
    if (statement === undefined) throw new Unsupported(`a ${compiled.kind} query`);
    const args = e.args.map((arg) => {
      if (arg.canonical !== undefined) throw new Unsupported(`a value compared with a ${arg.canonical.name} field`);
      return this.value(arg.value, pre);
    });
    const values = statement.params.map((p) => this.param(p, plan, args));
    const result = this.temporary();
    pre.push(
      "kova_rows := '[]'::jsonb;",
      `FOR kova_row IN EXECUTE ${sqlString(statement.text)}${values.length > 0 ? ` USING ${values.join(", ")}` : ""} LOOP`,
      "  kova_rows := kova_rows || jsonb_build_array(to_jsonb(kova_row));",
      "END LOOP;",
      `${result} := ${compiled.single ? "kova_rows -> 0" : "kova_rows"};`,
    );
    return result;
  }

  private checkPlan(plan: QueryPlan, compiled: PgCompiledJson): void {
    const entity = this.entities.get(plan.entity);
    if (entity === undefined) throw new Unsupported(`a query of ${plan.entity}`);
    const kind = plan.kind;
    if (kind !== "select" && kind !== "insert" && kind !== "update" && kind !== "delete") throw new Unsupported(`a ${kind.toUpperCase()} query`);
    // The JS form gets the caller's tenant from its request (and sets kova.tenant for row-level
    // security per statement); the function is given neither, so a tenant query stays in JS.
    if (plan.tenant !== undefined) throw new Unsupported(`a query of ${entity.name}, which is TENANT BY (scoped to the caller's tenant, which the function is not given)`);
    if (isSoftDeleteEntity(entity) || isPublicIdEntity(entity)) throw new Unsupported(`a query of ${entity.name} (SOFT DELETE and PUBLIC ID entities are kept by the JS form)`);
    const odd = entity.fields.find((f) => !["string", "int", "float", "boolean"].includes(f.type) || f.computed !== undefined || f.rich !== undefined || f.items !== undefined || f.audit !== undefined || f.file === true || f.secret === true);
    if (odd !== undefined) throw new Unsupported(`a query of ${entity.name}, whose field ${odd.name} (${odd.type}) the function does not convert as JS does`);
    if (kind === "select" && (plan.shape !== undefined || plan.asOf !== null || compiled.columns.some((c) => c.nested !== undefined) || compiled.total !== undefined)) {
      throw new Unsupported(`a shaped, paged, related or AS OF SELECT of ${entity.name}`);
    }
    if (kind === "delete" && this.app.entities.some((other) => other.fields.some((f) => f.references === entity.name))) {
      throw new Unsupported(`a DELETE of ${entity.name}, which other entities refer to (the driver applies ON DELETE in JS)`);
    }
    if ((kind === "insert" || kind === "update") && plan.values.kind !== "fields") throw new Unsupported(`an ${kind.toUpperCase()} of a whole object (write the fields: { a: …, b: … })`);
  }

  /** One `$n` of a compiled statement, as text (the statement casts it). */
  private param(p: PgStatementJson["params"][number], plan: QueryPlan, args: string[]): string {
    switch (p.from) {
      case "arg": {
        const kind = p.encoding?.kind;
        if (kind !== "scalar" && kind !== "any" && kind !== "count") throw new Unsupported(`a query value bound as ${kind}`);
        return text(args[p.index!]);
      }
      case "literal":
        return p.value === null || p.value === undefined ? "NULL::text" : sqlString(typeof p.value === "string" ? p.value : JSON.stringify(p.value));
      case "value": {
        const values = (plan as { values?: { kind: string; fields?: Array<{ field: string; value: Operand }> } }).values;
        const given = values?.fields?.find((f) => f.field === p.field);
        if (given !== undefined) return this.operand(given.value, args);
        const field = this.entities.get(plan.entity)!.fields.find((f) => f.name === p.field);
        const dflt = field?.default;
        if (dflt !== undefined && "now" in dflt) throw new Unsupported(`DEFAULT now() of ${plan.entity}.${p.field}`);
        return dflt === undefined || dflt.value === null ? "NULL::text" : sqlString(String(dflt.value));
      }
      case "present": {
        const values = (plan as { values?: { fields?: Array<{ field: string }> } }).values;
        return values?.fields?.some((f) => f.field === p.field) === true ? "'true'" : "'false'";
      }
      case "changes":
        return "'true'";
      default:
        throw new Unsupported(`a statement bound with '${p.from}'`);
    }
  }

  private operand(o: Operand, args: string[]): string {
    if (o.kind === "arg") return text(args[o.index]);
    if (o.kind === "literal") return o.value === null ? "NULL::text" : sqlString(String(o.value));
    throw new Unsupported(`a written value computed from the row (${o.kind})`);
  }
}

/** `FOR item IN …` names its variable apart from the body's assigned ones. */
function loopVariables(body: readonly Stmt[]): string[] {
  const names: string[] = [];
  forEachNode(body, (node) => {
    if (node.kind === "for") names.push(node.variable as string);
  });
  return names;
}

function hasQuery(e: Expr): boolean {
  return JSON.stringify(e).includes('"kind":"query"');
}

function statementName(s: Stmt): string {
  const names: Partial<Record<Stmt["kind"], string>> = { respond: "RESPOND", enqueue: "ENQUEUE", broadcast: "BROADCAST", send: "SEND", join: "JOIN", leave: "LEAVE", stream: "STREAM", live: "STREAM LIVE", expect: "EXPECT" };
  return names[s.kind] ?? s.kind;
}

function expressionName(e: Expr): string {
  const names: Partial<Record<Expr["kind"], string>> = {
    input: "a request value ($…)",
    env: "env()",
    index: "an index [ … ]",
    has: "has()",
    between: "BETWEEN",
    comprehension: "a list comprehension",
    view: "a VIEW",
    orderChoice: "ORDER_BY … IN",
    spawn: "SPAWN",
    await: "AWAIT",
    request: "a request",
  };
  return names[e.kind] ?? e.kind;
}

/**
 * 64 bits of the function's text (two FNV-1a passes), in hex: tells one version of the body from
 * the next in its name, not a secret (the compiler also runs in the browser: no node:crypto).
 */
function fingerprint(textToHash: string): string {
  let a = 0x811c9dc5;
  let b = 0x01000193 ^ textToHash.length;
  for (let i = 0; i < textToHash.length; i++) {
    const c = textToHash.charCodeAt(i);
    a = Math.imul(a ^ c, 0x01000193) >>> 0;
    b = Math.imul(b ^ c ^ (a >>> 7), 0x5bd1e995) >>> 0;
  }
  return a.toString(16).padStart(8, "0") + b.toString(16).padStart(8, "0");
}
