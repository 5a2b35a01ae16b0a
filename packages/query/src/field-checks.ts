/**
 * The CHECK constraint a SQL database can enforce for a field, in one dialect-neutral form that
 * each driver's DDL builder writes in its own SQL (pg-schema.ts, mysql-schema.ts). The app checks
 * every write itself first, with messages that name the field; these constraints are the
 * database's own guard against SQL written outside Kova (production DDL, `kova sql`).
 *
 * Derived from the one definition of each type (rich-types/): an enum's values, a rich type's
 * JSON Schema `minimum`/`maximum`, `enum` and `pattern`. A pattern is used only when it is plain
 * ASCII with no backslash escape or `(?…)` group left after rewriting, so PostgreSQL's `~` (ARE)
 * and MariaDB's `REGEXP` (PCRE, case-sensitive under the tables' binary collation) read it alike.
 * Every constraint lets null through (SQL's CHECK does), so an optional field needs nothing more.
 */
import type { FieldSchema } from "./plan.js";
import { richColumn, richType } from "./rich-types/registry.js";
import type { NativeDriver } from "./rich-types/rich-type.js";

export interface FieldCheck {
  /** The field (column) it constrains. */
  field: string;
  /** Inclusive numeric bounds. */
  min?: number;
  max?: number;
  /** The only values allowed. */
  values?: string[];
  /** A whole-string regular expression (anchored with ^ and $). */
  pattern?: string;
}

/**
 * Rich types whose JSON Schema pattern does not hold for every canonical value: coordinates are
 * printed with `String(number)`, which writes a tiny component as `1e-7`.
 */
const NO_PATTERN = new Set(["coordinates"]);

/**
 * The check of `field` on `driver`'s DDL, or undefined when it has none. A rich type stored in a
 * native column (`inet`, `macaddr`, `numeric(p, s)`) is already checked by that type, so only
 * numeric bounds are added to it; list, json and history columns get none.
 */
export function fieldCheck(field: FieldSchema, driver: NativeDriver): FieldCheck | undefined {
  if (field.items !== undefined || field.type === "json") return undefined;
  if (field.enumValues !== undefined && field.enumValues.length > 0) return { field: field.name, values: [...field.enumValues] };
  const type = field.rich === undefined ? undefined : richType(field.rich.name);
  if (type === undefined) return undefined;
  const schema = type.jsonSchema as { minimum?: unknown; maximum?: unknown; enum?: unknown; pattern?: unknown };
  const check: FieldCheck = { field: field.name };
  if (typeof schema.minimum === "number") check.min = schema.minimum;
  if (typeof schema.maximum === "number") check.max = schema.maximum;
  const native = richColumn(field.rich, driver) !== undefined;
  if (!native && Array.isArray(schema.enum) && schema.enum.every((v) => typeof v === "string")) check.values = [...(schema.enum as string[])];
  else if (!native && typeof schema.pattern === "string" && !NO_PATTERN.has(type.name)) {
    const pattern = portablePattern(schema.pattern);
    if (pattern !== undefined) check.pattern = pattern;
  }
  return Object.keys(check).length > 1 ? check : undefined;
}

/**
 * An ECMAScript pattern as one both databases read the same way, or undefined: `(?:` becomes a
 * plain group and the escapes `\.` `\+` a bracket; anything else escaped is left out.
 */
export function portablePattern(source: string): string | undefined {
  const pattern = source.replaceAll("(?:", "(").replaceAll("\\.", "[.]").replaceAll("\\+", "[+]");
  if (pattern.includes("\\") || pattern.includes("(?") || !/^[\x20-\x7e]*$/.test(pattern)) return undefined;
  if (!pattern.startsWith("^") || !pattern.endsWith("$")) return undefined;
  return pattern;
}

/**
 * `<table>__check_<field>_<hash>`: deterministic, the same on every database, and different when
 * the rule changes, so a migration sees a changed rule as one constraint to drop and one to add.
 */
export function fieldCheckName(table: string, check: FieldCheck): string {
  const { field, ...rule } = check;
  return `${table}__check_${field}_${fnv1a(JSON.stringify(rule))}`;
}

/** FNV-1a, 32 bits, as 8 hex digits: a short stable tag (no node:crypto, so browsers can build DDL too). */
function fnv1a(text: string): string {
  let hash = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) hash = Math.imul(hash ^ text.charCodeAt(i), 0x01000193);
  return (hash >>> 0).toString(16).padStart(8, "0");
}

/** The prefix of every check constraint Kova names on `table` (the ones a migration may drop). */
export function fieldCheckPrefix(table: string): string {
  return `${table}__check_`;
}

/**
 * The constraint's condition, given how a dialect quotes a column and a string and writes a
 * regular-expression match.
 */
export function fieldCheckSql(check: FieldCheck, column: string, literal: (s: string) => string, matches: (column: string, pattern: string) => string): string {
  const parts: string[] = [];
  if (check.min !== undefined) parts.push(`${column} >= ${check.min}`);
  if (check.max !== undefined) parts.push(`${column} <= ${check.max}`);
  if (check.values !== undefined) parts.push(`${column} IN (${check.values.map(literal).join(", ")})`);
  if (check.pattern !== undefined) parts.push(matches(column, literal(check.pattern)));
  return parts.join(" AND ");
}

/** What the rule asks, as a message says it: "from 1 to 65535", "one of 'a', 'b'", "matching ^[A-Z]{2}$". */
export function describeFieldCheck(check: FieldCheck): string {
  const parts: string[] = [];
  if (check.min !== undefined && check.max !== undefined) parts.push(`from ${check.min} to ${check.max}`);
  else if (check.min !== undefined) parts.push(`at least ${check.min}`);
  else if (check.max !== undefined) parts.push(`at most ${check.max}`);
  if (check.values !== undefined) parts.push(`one of ${check.values.map((v) => `'${v}'`).join(", ")}`);
  if (check.pattern !== undefined) parts.push(`matching ${check.pattern}`);
  return parts.join(" and ");
}

/**
 * When a database refused a new CHECK because stored rows break it, the message every migration
 * path gives: which field, which rule, what to do. `reason` is the database's message, which
 * names the constraint; undefined when it names none of `entities`' checks.
 */
export function checkViolationMessage(reason: string, entities: readonly { name: string; table: string; fields: readonly FieldSchema[] }[], driver: NativeDriver): string | undefined {
  for (const entity of entities) {
    for (const field of entity.fields) {
      const check = fieldCheck(field, driver);
      if (check === undefined) continue;
      const name = fieldCheckName(entity.table, check);
      // PostgreSQL shortens names past 63 bytes; the field's prefix still identifies it then.
      if (!reason.includes(name) && !reason.includes(name.slice(0, 50))) continue;
      return (
        `cannot add the CHECK on ${entity.name}.${field.name} (${describeFieldCheck(check)}): stored rows hold values that break it; ` +
        `find them with SELECT ... WHERE NOT (${fieldCheckSql(check, field.name, (s) => `'${s.replaceAll("'", "''")}'`, (c, p) => (driver === "mysql" ? `${c} REGEXP ${p}` : `${c} ~ ${p}`))}), fix or delete them, then migrate again (the database said: ${reason})`
      );
    }
  }
  return undefined;
}
