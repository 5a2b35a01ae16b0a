/**
 * Query plans: what a Kova query means, independent of any database.
 *
 * The compiler turns each query in a `.kova` file into a plan; a dialect compiles the plan (at build
 * time) into its own statement form; a driver runs that statement with the request's argument values.
 * Plans are plain JSON so they can be written into generated code and compared in tests.
 *
 * Values never reach statement text: anything that is not a constant written in the source is an
 * `arg`, an index into the argument array the generated handler passes at run time.
 */
import type { ReadModelSchema } from "./read-model.js";

/** The scalar types a field can have, after the checker resolves aliases (text → string, …). */
export type ScalarType = "string" | "int" | "float" | "decimal" | "boolean" | "datetime" | "date" | "uuid" | "json";

export interface FieldSchema {
  name: string;
  type: ScalarType;
  /** The value may be null or left out. */
  optional: boolean;
  unique: boolean;
  index: boolean;
  /** A constant default, or `now` for the current time. */
  default?: { value: string | number | boolean | null } | { now: true };
  /**
   * A default computed per record when a write leaves the field out (values/computed-defaults.ts):
   * `DEFAULT uuid()` (a new UUID; kept by a SAVE, as `now` is) or `DEFAULT slug(title)` (the slug
   * of that text field of the same record), or the record's human-readable identifier
   * (`ENTITY … IDENTIFIER slug(title)`, identifier.ts): the slug of those fields (`empty` when
   * they give none), with `-2`, `-3`… on a collision, made on insert and kept afterwards — or,
   * `versioned`, made again when those fields change, the old ones still finding the record.
   */
  computed?: { uuid: true } | { publicId: "uuid7" | "ulid" } | { slug: string } | { identifier: string[]; empty: string; versioned?: true };
  /**
   * A rich type (phone, money, ipv4, decimal(10, 2), … — rich-types/registry.ts): every write is
   * checked and put in the type's canonical form by that one definition before `type`'s own rules.
   */
  rich?: { name: string; args?: number[] };
  /** For enum fields: the allowed values. */
  enumValues?: string[];
  /** A reference to another entity: the field holds that entity's id. */
  references?: string;
  /** The field's `///` doc comment: the column's COMMENT in SQL DDL (absent when it has none). */
  doc?: string;
  /**
   * For a reference: what deleting the referenced record does to this one — refuse (`restrict`,
   * the default, a 409), delete it too (`cascade`) or set this field to null (`setNull`). Absent
   * on a reference means `restrict`. SQL drivers enforce references; a cascade writes versions.
   */
  onDelete?: OnDelete;
  /**
   * A list field (`tags: text[]`): `type` is `json` and every element has this type (never null),
   * kept in the order written. PostgreSQL (and CockroachDB) store it as a native array (`text[]`,
   * `bigint[]`, `double precision[]`); SQLite, MariaDB and MongoDB as a JSON array. `contains`
   * tests whether an element equals a value (`contains(tags, $tag)`, `$tag IN tags`).
   */
  items?: ListItemType;
  /**
   * A json field declared with a shape (`meta: { kind: text, size: { w: int }? }`): every write is
   * checked against it (a 400 naming `meta.size.w`), and a path into it has the declared type, so
   * `meta.size.w > 3` compares numbers. Absent: any JSON value.
   */
  shape?: JsonType;
  /**
   * `SECRET` (password hashes, tokens): left out of `SELECT *` and of the rows a write returns,
   * and never written to history (its versions hold no value for it; see history-control.ts).
   */
  secret?: boolean;
  /**
   * `ENCRYPTED` (secrets/encrypted-driver.ts): stored as AES-256-GCM ciphertext under a data key of
   * the record's own, in its rows and its history alike; the runtime encrypts writes and decrypts
   * reads, and a value whose key `kova db forget` destroyed reads as null. A text field only; never
   * compared, ordered or UNIQUE (the database holds no plaintext to compare).
   */
  encrypted?: true;
  /**
   * `MASKED` (masks/masking.ts): shown partially in every response — the last 4 characters of a
   * text, the first letter and the domain of an e-mail, the last 4 digits of a phone — unless the
   * caller holds one of `unless` (roles, checked as `AUTH role` checks them); never quoted by a
   * 400 or a log. Handlers read and write the real value: only what leaves the server is masked.
   */
  masked?: MaskRule;
  /**
   * An uploaded file's reference (`avatar: file?`): `type` is `json`, `shape` its { id, name,
   * type, size }; the bytes live in the app's file store, not in the data source.
   */
  file?: boolean;
  /**
   * A field `ENTITY … AUDIT` adds (values/audit-fields.ts): who made and last changed the record
   * and when. A write plan that carries `audit` stamps them (a client's value for them is ignored,
   * as an insert ignores `id`); an import (values without `audit`) keeps the values it brings.
   */
  audit?: AuditRole;
  /**
   * A field `ENTITY … SOFT DELETE` adds (soft-delete.ts): when the record was deleted and by whom
   * (null while it is live). Only a soft delete or a RESTORE sets them (a write plan carrying
   * `softDelete`); a client's value for them is ignored; an import keeps the values it brings.
   */
  softDelete?: SoftDeleteRole;
  /**
   * The column `ENTITY … TENANT BY <claim>` adds (tenant-scope.ts): the tenant that owns the
   * record. A write plan carrying `tenant` stamps it from the caller's claim on insert and save and
   * ignores a client's value for it; every plan of the entity is scoped to the caller's tenant.
   */
  tenant?: { claim: string };
  /**
   * The field `ENTITY … PUBLIC ID uuid` adds (public-id.ts): `public_id`, the record's public id,
   * made on insert and never changed. Responses show it as `id`; the integer key stays inside.
   */
  publicId?: "uuid" | "uuid7" | "ulid";
  /**
   * A reference to a `PUBLIC ID` entity (public-references.ts): stored as the integer key, as every
   * reference is, but read and written as the referenced record's public id.
   */
  publicReference?: true;
}

/** How a MASKED field is shown (masks/masking.ts): its kind of mask and who may see it whole. */
export interface MaskRule {
  /** `email`: first letter and domain; `phone`: the last 4 digits; `text`: the last 4 characters (none when shorter than 8). */
  kind: "text" | "email" | "phone";
  /** Roles that see the value whole (`MASKED UNLESS admin, dpo`); empty: everyone sees it masked. */
  unless: string[];
}

/** What a soft-delete field holds: the instant of the delete, or its caller (`$auth.sub`). */
export type SoftDeleteRole = "deletedAt" | "deletedBy";

/** What an audit field holds: the instant or the caller (`$auth.sub`) of the first or the latest write. */
export type AuditRole = "createdAt" | "updatedAt" | "createdBy" | "updatedBy";

/** A declared JSON value's type (see FieldSchema.shape). */
export type JsonType =
  | { kind: "string"; enumValues?: string[] }
  | { kind: "int" }
  | { kind: "float" }
  | { kind: "boolean" }
  /** Any JSON value. */
  | { kind: "any" }
  | { kind: "list"; items: JsonType }
  | { kind: "object"; fields: Array<{ name: string; type: JsonType; optional: boolean }> };

/** The declared type at `path` inside a shaped json value (undefined: not declared, or inside `any`). */
export function jsonTypeAt(shape: JsonType | undefined, path: readonly string[]): JsonType | undefined {
  let at = shape;
  for (const key of path) {
    if (at?.kind !== "object") return undefined;
    at = at.fields.find((f) => f.name === key)?.type;
  }
  return at;
}

/** The element types a list field may hold. */
export type ListItemType = "string" | "int" | "float";

export type OnDelete = "restrict" | "cascade" | "setNull";

/**
 * An entity as stored. Every entity has an implicit integer `id` (assigned by the store, never
 * listed in `fields`).
 */
export interface EntitySchema {
  name: string;
  /** Table or collection name (snake_case of the entity name, e.g. `blog_post`). */
  table: string;
  fields: FieldSchema[];
  /** Composite `UNIQUE (a, b)` constraints: no two records share all these values. */
  uniques?: string[][];
  /** Composite `INDEX (a, b)` declarations. */
  indexes?: string[][];
  /**
   * Inverse relations declared on this entity (`posts: Post[] BY author`): the rows of `entity`
   * whose reference field `by` holds this row's id. Not stored: a way to read related rows.
   */
  relations?: InverseRelation[];
  /** `ENTITY Session NO HISTORY`: false when writes record no versions (absent: they do). */
  history?: boolean;
  /** The entity's `///` doc comment: the table's COMMENT in SQL DDL (absent when it has none). */
  doc?: string;
  /**
   * `READ MODEL … FROM Source GROUP_BY …` (read-model.ts): the table holds one row per group of
   * the source's live rows, recomputed by every write of the source in its transaction; programs
   * only read it. Its fields are the grouped fields, then the aggregates.
   */
  readModel?: ReadModelSchema;
  /**
   * `ENTITY Person SUBJECT`: its records are data subjects — people whose personal data can be
   * forgotten (`kova db forget Person 42`). The ENCRYPTED values of the record and of every record
   * that is `personalDataOf` it are encrypted under data keys linked to it (secrets/data-keys.ts).
   */
  subject?: true;
  /**
   * `ENTITY Order PERSONAL DATA OF customer`: the reference field naming the SUBJECT record whose
   * personal data this record is; its ENCRYPTED values are encrypted under data keys linked to
   * that subject (to the record itself while the reference is null), so forgetting the subject
   * erases them too.
   */
  personalDataOf?: { field: string; entity: string };
}

export interface InverseRelation {
  name: string;
  entity: string;
  by: string;
}

/**
 * One step from a row to related rows. `one`: this row's reference field `field` holds the
 * target's id (at most one row). `many`: the target's reference field `field` holds this row's id.
 */
export interface RelationStep {
  kind: "one" | "many";
  /** The name as written (the reference field, or the inverse relation's name). */
  name: string;
  /** The target entity. */
  entity: string;
  field: string;
}

/**
 * A related selection in a SELECT (`author { name }`, `comments { body } ORDER_BY id LIMIT 3`,
 * `COUNT(comments)`), returned under `name`: an object (or null) for a `one` step, a list for a
 * `many` step, a number for a count. Every dialect compiles the whole graph into one statement.
 */
export interface NestedSelection {
  name: string;
  relation: RelationStep;
  shape: "object" | "list" | "count";
  /** The related rows' selected fields (null: all); `id` is always returned. Empty for a count. */
  fields: string[] | null;
  nested: NestedSelection[];
  /** For lists and counts: which related rows, in which order, how many. */
  where: Filter | null;
  orderBy: OrderTerm[];
  limit: Operand | null;
  /**
   * The related entity is `PUBLIC ID` (public-id.ts, added by the compiler's rewrite): its rows
   * also read public_id, and the runtime answers them with `id` as the public id.
   */
  publicId?: true;
  /** The related rows' references to `PUBLIC ID` entities, answered as public ids (public-references.ts). */
  publicRefs?: PublicRef[];
}

/**
 * A key of a plan's rows holding the integer key of a `PUBLIC ID` entity's record (a reference
 * field, or a shaped column reading one): the runtime answers the record's public id there, and a
 * write's public id given for it is replaced by the integer key (public-references.ts).
 */
export interface PublicRef {
  key: string;
  entity: string;
}

export type Operand =
  | { kind: "field"; field: string }
  | { kind: "arg"; index: number }
  | { kind: "literal"; value: string | number | boolean | null }
  /**
   * Arithmetic the database does on the row itself, as in `SET hits = hits + 1`: atomic, whatever
   * runs concurrently (never a read in the handler and a write back). The planner produces it for
   * SET values that read fields; a dialect that cannot do it refuses the plan at build time.
   */
  | { kind: "arith"; op: ArithOp; left: Operand; right: Operand }
  /** Text joined by the database (`first + " " + last` on text fields, in a selected column). */
  | { kind: "concat"; parts: Operand[] }
  /**
   * An aggregate over the matching rows (or each group): only in a shaped SELECT's columns, its
   * HAVING and its ORDER BY. `field` null is `COUNT(*)`; `distinct` counts/sums distinct values.
   */
  | { kind: "aggregate"; fn: AggregateFn; field: string | null; distinct: boolean }
  /**
   * A value inside a `json` field (`meta.kind`, `meta.size.w`): `text` in a WHERE (compared as
   * text: strings as written, numbers and booleans as JSON writes them), `number` in a WHERE when
   * the field's shape declares a number there (compared as numbers; a value that is no number is
   * null), `json` in a selected column (the JSON value itself). A missing key is null.
   */
  | { kind: "jsonPath"; field: string; path: string[]; as: "text" | "json" | "number" };

export type ArithOp = "+" | "-" | "*";

export type AggregateFn = "count" | "sum" | "avg" | "min" | "max";

/** An operand whose value the handler supplies (an argument) or the source wrote (a literal). */
export type ValueOperand = Extract<Operand, { kind: "arg" | "literal" }>;

/** Whether the operand is a value the handler or the source supplies (not computed by the database). */
export function isValueOperand(operand: Operand): operand is ValueOperand {
  return operand.kind === "arg" || operand.kind === "literal";
}

/** Whether the database computes the operand from the row (a field, or arithmetic on fields). */
export function readsRow(operand: Operand): boolean {
  switch (operand.kind) {
    case "field":
    case "aggregate":
    case "jsonPath":
      return true;
    case "arith":
      return readsRow(operand.left) || readsRow(operand.right);
    case "concat":
      return operand.parts.some(readsRow);
    default:
      return false;
  }
}

/** The entity fields an operand reads (none for an argument or a literal). */
export function operandFields(operand: Operand): string[] {
  switch (operand.kind) {
    case "field":
    case "jsonPath":
      return [operand.field];
    case "aggregate":
      return operand.field === null ? [] : [operand.field];
    case "arith":
      return [...operandFields(operand.left), ...operandFields(operand.right)];
    case "concat":
      return operand.parts.flatMap(operandFields);
    default:
      return [];
  }
}

export type CompareOp = "==" | "!=" | "<" | "<=" | ">" | ">=";

/**
 * A WHERE condition. `==` and `!=` are null-safe: `x == null` holds when x is null, and a null
 * argument compares equal to a null field (as `IS NOT DISTINCT FROM` in SQL).
 */
export type Filter =
  | { kind: "and"; items: Filter[] }
  | { kind: "or"; items: Filter[] }
  | { kind: "not"; item: Filter }
  | { kind: "compare"; op: CompareOp; left: Operand; right: Operand }
  /** `left IN right`, where right is an array argument or literal list. */
  | { kind: "in"; left: Operand; right: Operand }
  /** SQL LIKE with `%` and `_` wildcards, case-sensitive. */
  | { kind: "like"; left: Operand; right: Operand }
  | { kind: "isNull"; operand: Operand; negated: boolean }
  /** A boolean operand used as a condition (`WHERE done`), or a constant. */
  | { kind: "truthy"; operand: Operand }
  /**
   * A related row exists for which `filter` holds (null: any related row): `EXISTS comments(…)`,
   * and `author.name = $n` (the author exists and its name is $n). The filter's fields are the
   * related entity's.
   */
  | { kind: "related"; relation: RelationStep; filter: Filter | null }
  /**
   * The list field `field` (see FieldSchema.items) holds an element equal to `item` (a value, of
   * the element type): `contains(tags, $tag)` or `$tag IN tags`. A null list contains nothing.
   */
  | { kind: "contains"; field: string; item: Operand };

export interface OrderTerm {
  field: string;
  direction: "ASC" | "DESC";
  /** `ORDER_BY author.name`: the `one` steps leading to the entity whose field it is. */
  via?: RelationStep[];
  /**
   * `ORDER_BY meta.size.w`: `field` is a json field and the rows sort by the value at this path in
   * it — as a number where the shape declares one (`as: "number"`), else as text. Null sorts first.
   */
  path?: string[];
  as?: "text" | "number";
}

/** The values to write: one object argument (`$body`), or fields set one by one. */
export type WriteValues = (
  | { kind: "object"; operand: Operand }
  | { kind: "fields"; fields: Array<{ field: string; value: Operand }> }
) & {
  /**
   * On a write to an `AUDIT` entity (the compiler adds it to every INSERT, UPDATE and SAVE of
   * one): `by` is the caller's `$auth.sub` (null or absent when anonymous). The record codec then
   * stamps updated_at/updated_by on every write and created_at/created_by on a new record, and
   * ignores values a client gives them.
   */
  audit?: { by: Operand };
  /**
   * On a write to a `SOFT DELETE` entity (the compiler adds it to every write of one; see
   * soft-delete.ts): `write` ignores a client's deleted_at/deleted_by, `delete` stamps them with
   * the write's instant and `by` (the caller's `$auth.sub`), `restore` clears them.
   */
  softDelete?: { action: "write" } | { action: "delete"; by: Operand } | { action: "restore" };
  /**
   * On a write to a `TENANT BY` entity (tenant-scope.ts adds it): a client's value for the tenant
   * column is ignored, and an insert or save stores `value` (the caller's tenant) there; an update
   * (`value` null) leaves the column as it is.
   */
  tenant?: { value: Operand | null };
  /** On a write to a `PUBLIC ID` entity (public-id.ts): a client's public_id is ignored (made on insert, never changed). */
  publicId?: true;
  /**
   * On a write to an `IDENTIFIER` entity (identifier.ts): a client's identifier is ignored (made on
   * insert, kept afterwards); an insert makes it with suffix `-<attempt>` (none for attempt 1). The
   * runtime's identifierDriver tries the next attempt when another record holds the identifier.
   * `value` is set only by the runtime (a VERSIONED identifier made again by an update, or one
   * made for a record that had none): the update stores that identifier.
   */
  identifier?: { attempt: number; value?: Operand };
};

/**
 * The caller's tenant a plan is scoped to (tenant-scope.ts sets it on every plan that reads or
 * writes a `TENANT BY` entity, its own or through relations). Its WHERE already holds the scope;
 * PostgreSQL also sets `kova.tenant` to this value in the statement's transaction, so row-level
 * security enforces the same scope in the database.
 */
export interface TenantScoped {
  tenant?: Operand;
}

/**
 * On a plan of a `PUBLIC ID` entity (public-id.ts, added by the compiler's rewrite): the runtime
 * answers its rows with `id` as the public id, without the integer key.
 */
interface PublicIdMark {
  publicId?: true;
  /** The plan's own rows' references to `PUBLIC ID` entities (public-references.ts). */
  publicRefs?: PublicRef[];
}

export type QueryPlan = SelectPlan | InsertPlan | UpdatePlan | DeletePlan | SavePlan | HistoryPlan;

export interface SelectPlan extends TenantScoped, PublicIdMark {
  kind: "select";
  /**
   * A nested selection (at any depth) reads a `PUBLIC ID` entity's rows or references to one
   * (public-id.ts): the runtime answers those with public ids.
   */
  publicNested?: true;
  entity: string;
  /** null for `*`; `id` is always returned. Ignored when `shape` is set. */
  fields: string[] | null;
  /**
   * A shaped result (aliases, computed columns, aggregates, DISTINCT, GROUP BY, a count, a page
   * with its total): its columns are exactly `shape.columns`, no implicit id. Absent: the rows'
   * own fields (`fields`).
   */
  shape?: SelectShape;
  where: Filter | null;
  orderBy: OrderTerm[];
  limit: Operand | null;
  offset: Operand | null;
  /** Read the rows as they were at this instant (ISO string or epoch milliseconds). */
  asOf: Operand | null;
  /** The WHERE pins one row by id or a UNIQUE field: the result is one row or null, not a list. */
  single: boolean;
  /** Related rows selected with each row (absent: none). */
  nested?: NestedSelection[];
}

/** Result: the stored row, id included. */
export interface InsertPlan extends TenantScoped, PublicIdMark {
  kind: "insert";
  entity: string;
  values: WriteValues;
}

/** Result: the updated rows (or the one row / null when `single`). */
export interface UpdatePlan extends TenantScoped, PublicIdMark {
  kind: "update";
  entity: string;
  values: WriteValues;
  where: Filter | null;
  single: boolean;
}

/** Result: the deleted rows as they were (or the one row / null when `single`). */
export interface DeletePlan extends TenantScoped, PublicIdMark {
  kind: "delete";
  entity: string;
  where: Filter | null;
  single: boolean;
}

/** Replace the row whose id the value carries (a 404 when none has it), or insert when it carries none. Result: the stored row. */
export interface SavePlan extends TenantScoped, PublicIdMark {
  kind: "save";
  entity: string;
  values: WriteValues;
  /** Only a record for which this holds may be replaced (a tenant's scope); any other id is a 404. */
  where?: Filter | null;
}

/**
 * Every version of the matching rows, oldest first unless ordered otherwise. Each result is a
 * `HistoryEntry`. The WHERE applies to the versions' data, so deleted rows' history is found too.
 */
/** One column of a shaped result: the key it has in each row and what the database computes. */
export interface ProjectedColumn {
  name: string;
  value: Operand;
}

export interface SelectShape {
  columns: ProjectedColumn[];
  distinct: boolean;
  /** Fields the rows are grouped by (each also a column, or the checker refused the query). */
  groupBy: string[];
  /** A condition on each group; its operands may be aggregates. */
  having: Filter | null;
  /**
   * What the query returns: `rows` (a list), `row` (aggregates without GROUP BY: one object),
   * `value` (the one column of that one row: a count, a sum, … computed without reading rows),
   * `page` (`{ items, total }`: the rows and how many match in all, LIMIT/OFFSET aside),
   * `cursor` (`{ items, next }`, see `after`).
   */
  result: "rows" | "row" | "value" | "page" | "cursor";
  /**
   * Keyset pagination (`AFTER $query.cursor`, result `cursor`: `{ items, next }`): the rows after
   * the one the cursor names in the order of `keys` (the ORDER_BY, then the id), stable whatever
   * is inserted meanwhile. A null cursor is the first page.
   */
  after?: { cursor: Operand; keys: OrderTerm[]; label: string };
}

export interface HistoryPlan extends TenantScoped, PublicIdMark {
  kind: "history";
  entity: string;
  where: Filter | null;
  /** Terms may name `version` or `at` (the entry's own) or a field of the entity (its data). */
  orderBy: OrderTerm[];
  limit: Operand | null;
  offset: Operand | null;
}

export interface HistoryEntry {
  /** Increases with every write to the entity (across rows), so it orders versions exactly. */
  version: number;
  operation: "insert" | "update" | "delete";
  /** When the write committed, as an ISO-8601 UTC string with milliseconds. */
  at: string;
  /** The row after the write; for a delete, the row as it was just before. */
  data: Record<string, unknown>;
}
