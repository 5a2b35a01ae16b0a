/**
 * The versioned store on its own. Every write records a version in the collection's history table
 * (the embedded driver's format, see collections.ts), so any key reads as of any instant.
 *
 * Operations are synchronous (better-sqlite3 is): a point read is one indexed lookup with no event
 * loop turn. Writes take SQLite's write lock first (BEGIN IMMEDIATE) and stamp their instant no
 * earlier than the collection's last version, so writers in several processes never lose an update
 * and versions are strictly ordered, with instants following version order.
 */
import { EventEmitter } from "node:events";
import { mkdirSync } from "node:fs";
import { dirname, resolve } from "node:path";
import type Database from "better-sqlite3";
import { decodeValue, historyColumn, lastRecordedInstant, openStore as openFile, quoteIdent } from "@kova/driver-embedded";
import { InstantClock } from "@kova/query";
import { Collections, type CollectionInfo } from "./collections.js";
import { InvalidFieldError, KeyNotFoundError, nearest, ReadOnlyCollectionError, StoreClosedError, StoreError } from "./errors.js";
import { checkCollection, checkField, checkKey, DEFAULT_MAX_VALUE_BYTES, encodeValue, toEpochMs, type Instant } from "./validate.js";
import { Watcher, type Change, type WatchOptions } from "./watch.js";

/** Any JSON value. */
export type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

/** Collection name → the type of its values; `openStore<{ users: User }>(…)`. */
export type Schema = Record<string, unknown>;

export interface StoreOptions {
  /** The key of an encrypted store (default: KOVA_DB_KEY and friends, as for an app). */
  key?: string;
  /** Largest value accepted, in bytes of JSON (default 1 MiB). */
  maxValueBytes?: number;
  /** "normal" (default): a commit survives a crash of the process; "full": also a power loss. */
  durability?: "normal" | "full";
  /** How long a write waits for another process's write lock, in ms (default 5000). */
  busyTimeout?: number;
}

export interface Written {
  version: number;
  at: string;
}

export interface Version<V> {
  version: number;
  operation: "insert" | "update" | "delete";
  at: string;
  /** The value this version holds (for a delete: the value it removed). */
  value: V | null;
}

export interface Entry<V> {
  key: string;
  value: V;
}

export interface Page<V> {
  items: Entry<V>[];
  /** Pass back as `cursor` for the next page; absent on the last page. */
  cursor?: string;
}

export interface ListOptions {
  prefix?: string;
  limit?: number;
  cursor?: string;
}

/** One item of putMany: a value to store, or `delete: true`. */
export type BatchItem<S extends Schema> = { [C in keyof S & string]: { collection: C; key: string; value: S[C] } | { collection: C; key: string; delete: true } }[keyof S & string];

/** Equality filter on fields of the value (dotted paths; `key` is the key). */
export type Where = Record<string, string | number | boolean | null>;

export const DEFAULT_LIST_LIMIT = 100;
export const MAX_LIST_LIMIT = 10_000;

/**
 * Opens the store at `path`: a `.db` file, or a folder whose `.kova/data.db` it uses (the file an
 * embedded Kova app in that folder keeps its data in). Created when missing.
 */
export async function openStore<S extends Schema = Record<string, Json>>(path: string, options: StoreOptions = {}): Promise<Store<S>> {
  const file = storeFile(path);
  if (file !== ":memory:") mkdirSync(dirname(file), { recursive: true });
  const db = openFile(file, { key: options.key ?? keyFromEnv(), timeout: options.busyTimeout ?? 5000 });
  return new Store<S>(db, file, options);
}

export function storeFile(path: string): string {
  if (path === ":memory:" || /\.(db|sqlite3?)$/i.test(path)) return path === ":memory:" ? path : resolve(path);
  return resolve(path, ".kova", "data.db");
}

function keyFromEnv(): string | undefined {
  const value = process.env.KOVA_DB_KEY;
  return value === undefined || value === "" ? undefined : value;
}

interface KvStatements {
  insert: Database.Statement;
  update: Database.Statement;
  remove: Database.Statement;
  version: Database.Statement;
  lastAt: Database.Statement;
  get: Database.Statement;
  at: Database.Statement;
  history: Database.Statement;
}

export class Store<S extends Schema = Record<string, Json>> {
  readonly collections: Collections;
  private readonly clock: InstantClock;
  private readonly maxValueBytes: number;
  private readonly statements = new Map<string, KvStatements>();
  private readonly sql = new Map<string, Database.Statement>();
  private readonly writes = new EventEmitter();
  private readonly watchers = new Set<Watcher<unknown>>();
  private closed = false;

  constructor(
    readonly db: Database.Database,
    /** The file's absolute path (or ":memory:"). */
    readonly file: string,
    options: StoreOptions = {},
  ) {
    // Shared locking (not the app's EXCLUSIVE): other processes may read and write the file too.
    db.pragma("journal_mode = WAL");
    db.pragma(`synchronous = ${options.durability === "full" ? "FULL" : "NORMAL"}`);
    this.collections = new Collections(db);
    this.clock = new InstantClock(lastRecordedInstant(db));
    this.maxValueBytes = options.maxValueBytes ?? DEFAULT_MAX_VALUE_BYTES;
    this.writes.setMaxListeners(0);
  }

  // ---- writes ----------------------------------------------------------------------------------

  put<C extends keyof S & string>(collection: C, key: string, value: S[C]): Written {
    const name = checkCollection(collection);
    checkKey(key);
    const text = encodeValue(`${name}/${key}`, value, this.maxValueBytes);
    return this.writeTransaction(() => this.putOne(this.kv(name, true), key, text, new Map()));
  }

  /** Deletes the key's value (recording a "delete" version); false when it had none. */
  delete<C extends keyof S & string>(collection: C, key: string): boolean {
    const name = checkCollection(collection);
    checkKey(key);
    const info = this.kv(name, false);
    if (info === undefined) return false;
    return this.writeTransaction(() => this.deleteOne(info, key, new Map())) !== undefined;
  }

  /** Writes all items in one transaction, with one sync: all of them, or none. */
  putMany(items: Iterable<BatchItem<S>>): { written: number; lastVersion: number | undefined } {
    const prepared: Array<{ collection: string; key: string; text?: string }> = [];
    for (const item of items) {
      const name = checkCollection(item.collection);
      checkKey(item.key);
      if ("delete" in item && item.delete === true) prepared.push({ collection: name, key: item.key });
      else prepared.push({ collection: name, key: item.key, text: encodeValue(`${name}/${item.key}`, (item as { value: unknown }).value, this.maxValueBytes) });
    }
    return this.writeTransaction(() => {
      const stamps = new Map<string, number>();
      let lastVersion: number | undefined;
      let written = 0;
      for (const item of prepared) {
        if (item.text === undefined) {
          const info = this.kv(item.collection, false);
          const done = info === undefined ? undefined : this.deleteOne(info, item.key, stamps);
          if (done !== undefined) {
            lastVersion = done.version;
            written++;
          }
        } else {
          lastVersion = this.putOne(this.kv(item.collection, true), item.key, item.text, stamps).version;
          written++;
        }
      }
      return { written, lastVersion };
    });
  }

  private writeTransaction<T>(work: () => T): T {
    this.open();
    const result = this.db.transaction(work).immediate();
    // Watchers in this process hear of the write at once; other processes' writes by polling.
    this.writes.emit("write");
    return result;
  }

  /** The write's instant: now, but never before the collection's last version (another process's). */
  private stamp(info: CollectionInfo, statements: KvStatements, stamps: Map<string, number>): number {
    const known = stamps.get(info.table);
    if (known !== undefined) return known;
    let at = this.clock.next();
    const last = statements.lastAt.get() as number | undefined;
    if (last !== undefined && last > at) {
      this.clock.note(last);
      at = last;
    }
    stamps.set(info.table, at);
    return at;
  }

  private putOne(info: CollectionInfo, key: string, text: string, stamps: Map<string, number>): Written {
    const s = this.kvStatements(info);
    const at = this.stamp(info, s, stamps);
    // An existing key is updated in one statement; only a new one takes a second (the insert).
    const id = s.update.get(text, key) as number | undefined;
    const rowId = id ?? Number(s.insert.run(key, text).lastInsertRowid);
    const version = Number(s.version.run(rowId, id === undefined ? "insert" : "update", at, key, text).lastInsertRowid);
    return { version, at: new Date(at).toISOString() };
  }

  private deleteOne(info: CollectionInfo, key: string, stamps: Map<string, number>): Written | undefined {
    const s = this.kvStatements(info);
    const row = s.remove.get(key) as { id: number; value: string | null } | undefined;
    if (row === undefined) return undefined;
    const at = this.stamp(info, s, stamps);
    const version = Number(s.version.run(row.id, "delete", at, key, row.value).lastInsertRowid);
    return { version, at: new Date(at).toISOString() };
  }

  // ---- reads -----------------------------------------------------------------------------------

  /** The key's current value, or undefined. */
  get<C extends keyof S & string>(collection: C, key: string): S[C] | undefined {
    // The input is checked before the collection is looked up: a bad key is a 400 wherever it goes.
    checkKey(key);
    const info = this.readable(collection);
    if (info.kind === "entity") return this.entityRow(info, key) as S[C] | undefined;
    const text = this.kvStatements(info).get.get(key) as string | null | undefined;
    return text === undefined ? undefined : parse(text);
  }

  /** The key's current value, or KeyNotFoundError naming the nearest key (for the CLI and server). */
  require<C extends keyof S & string>(collection: C, key: string): S[C] {
    const value = this.get(collection, key);
    if (value === undefined) throw new KeyNotFoundError(collection, key, this.nearestKey(collection, key));
    return value;
  }

  /** The value the key held at `instant` (undefined: none yet, or deleted by then). */
  getAt<C extends keyof S & string>(collection: C, key: string, instant: Instant): S[C] | undefined {
    checkKey(key);
    const at = toEpochMs(instant);
    const info = this.readable(collection);
    if (info.kind === "entity") {
      const id = entityId(key);
      if (id === undefined || !info.versioned) return undefined;
      const row = this.statement(`SELECT * FROM ${quoteIdent(info.history)} WHERE "id" = ? AND "at" <= ? ORDER BY "version" DESC LIMIT 1`).get(id, at) as Record<string, unknown> | undefined;
      return row === undefined || row.op === "delete" ? undefined : (this.entityValue(info, row, true) as S[C]);
    }
    const row = this.kvStatements(info).at.get(key, at) as { op: string; value: string | null } | undefined;
    return row === undefined || row.op === "delete" ? undefined : parse(row.value);
  }

  /** Every version of the key, oldest first (across deletes and re-creations). */
  history<C extends keyof S & string>(collection: C, key: string, options: { limit?: number } = {}): Version<S[C]>[] {
    checkKey(key);
    const info = this.readable(collection);
    const limit = pageLimit(options.limit, Number.MAX_SAFE_INTEGER);
    if (info.kind === "entity") {
      const id = entityId(key);
      if (id === undefined || !info.versioned) return [];
      const rows = this.statement(`SELECT * FROM ${quoteIdent(info.history)} WHERE "id" = ? ORDER BY "version" LIMIT ?`).all(id, limit) as Array<Record<string, unknown>>;
      return rows.map((row) => ({ version: row.version as number, operation: row.op as Version<unknown>["operation"], at: iso(row.at as number), value: this.entityValue(info, row, true) as S[C] }));
    }
    const rows = this.kvStatements(info).history.all(key, limit) as Array<{ version: number; op: Version<unknown>["operation"]; at: number; value: string | null }>;
    return rows.map((row) => ({ version: row.version, operation: row.op, at: iso(row.at), value: parse(row.value) }));
  }

  /** Keys in order, a page at a time: `{ items, cursor }`; pass `cursor` back for the next page. */
  list<C extends keyof S & string>(collection: C, options: ListOptions = {}): Page<S[C]> {
    const info = this.readable(collection);
    const limit = pageLimit(options.limit, DEFAULT_LIST_LIMIT);
    const after = options.cursor === undefined ? undefined : decodeCursor(options.cursor);
    if (info.kind === "entity") {
      const start = after === undefined ? 0 : (entityId(after) ?? 0);
      const rows = this.statement(`SELECT * FROM ${quoteIdent(info.table)} WHERE "id" > ? ORDER BY "id" LIMIT ?`).all(start, limit + 1) as Array<Record<string, unknown>>;
      const items = rows.slice(0, limit).map((row) => ({ key: String(row.id), value: this.entityValue(info, row, false) as S[C] }));
      return page(items, rows.length > limit);
    }
    const prefix = options.prefix ?? "";
    if (prefix !== "") checkKey(prefix);
    const from = after !== undefined && after >= prefix ? after : prefix;
    const rows = this.statement(
      `SELECT "key", "value" FROM ${quoteIdent(info.table)} WHERE "key" ${after !== undefined && after >= prefix ? ">" : ">="} ? AND substr("key", 1, ?) = ? ORDER BY "key" LIMIT ?`,
    ).all(from, prefix.length, prefix, limit + 1) as Array<{ key: string; value: string | null }>;
    const items = rows.slice(0, limit).map((row) => ({ key: row.key, value: parse(row.value) as S[C] }));
    return page(items, rows.length > limit);
  }

  /** Current entries whose value matches every `where` field (equality), in key order. */
  find<C extends keyof S & string>(collection: C, where: Where = {}, options: { limit?: number } = {}): Entry<S[C]>[] {
    const info = this.readable(collection);
    const { clause, params } = this.whereClause(info, where, "");
    const limit = pageLimit(options.limit, MAX_LIST_LIMIT);
    const keyColumn = info.kind === "kv" ? `"key"` : `"id"`;
    const rows = this.statement(`SELECT * FROM ${quoteIdent(info.table)}${clause} ORDER BY ${keyColumn} LIMIT ?`).all(...params, limit) as Array<Record<string, unknown>>;
    return rows.map((row) => this.entry(info, row) as Entry<S[C]>);
  }

  /** How many current entries match `where`. */
  count<C extends keyof S & string>(collection: C, where: Where = {}): number {
    const info = this.readable(collection);
    const { clause, params } = this.whereClause(info, where, "");
    return this.statement(`SELECT count(*) FROM ${quoteIdent(info.table)}${clause}`).pluck().get(...params) as number;
  }

  /** min / max / sum of a numeric field over the entries matching `where` (null over none). */
  aggregate<C extends keyof S & string>(collection: C, fn: "min" | "max" | "sum", field: string, where: Where = {}): number | null {
    if (fn !== "min" && fn !== "max" && fn !== "sum") throw new StoreError(`unknown aggregate '${String(fn)}'`, "invalid-aggregate", 400, "use min, max or sum");
    const info = this.readable(collection);
    const expression = this.fieldExpression(info, checkField(field), "");
    const { clause, params } = this.whereClause(info, where, "");
    const value = this.statement(`SELECT ${fn}(${expression}) FROM ${quoteIdent(info.table)}${clause}`).pluck().get(...params);
    return value === null || value === undefined ? null : Number(value);
  }

  /** Pairs of current entries whose `on` fields are equal: `join("orders", "users", ["user", "key"])`. */
  join<L extends keyof S & string, R extends keyof S & string>(
    left: L,
    right: R,
    on: [string, string],
    options: { where?: Where; limit?: number } = {},
  ): Array<{ left: Entry<S[L]>; right: Entry<S[R]> }> {
    const l = this.readable(left);
    const r = this.readable(right);
    const leftExpression = this.fieldExpression(l, checkField(on[0]), "l.");
    const rightExpression = this.fieldExpression(r, checkField(on[1]), "r.");
    const { clause, params } = this.whereClause(l, options.where ?? {}, "l.");
    const limit = pageLimit(options.limit, MAX_LIST_LIMIT);
    const leftCols = l.kind === "kv" ? [`"key"`, `"value"`] : ["id", ...l.fields.map((f) => quoteIdent(f.name))];
    const rightCols = r.kind === "kv" ? [`"key"`, `"value"`] : ["id", ...r.fields.map((f) => quoteIdent(f.name))];
    const rows = this.statement(
      `SELECT ${leftCols.map((c) => `l.${c}`).join(", ")}, ${rightCols.map((c) => `r.${c}`).join(", ")} FROM ${quoteIdent(l.table)} l ` +
        `JOIN ${quoteIdent(r.table)} r ON ${leftExpression} = ${rightExpression}${clause} ORDER BY l.${leftCols[0]}, r.${rightCols[0]} LIMIT ?`,
    )
      .raw(true)
      .all(...params, limit) as unknown[][];
    return rows.map((row) => ({ left: this.entryFromRaw(l, row.slice(0, leftCols.length)) as Entry<S[L]>, right: this.entryFromRaw(r, row.slice(leftCols.length)) as Entry<S[R]> }));
  }

  /**
   * Changes to a collection as they commit, from any process (including a Kova app writing the
   * same file): an async iterable; `close()` (or breaking out of `for await`) stops it.
   */
  watch<C extends keyof S & string>(collection: C, options: WatchOptions = {}): Watcher<S[C]> {
    const info = this.readable(collection);
    const watcher = new Watcher<S[C]>(this, info, this.writes, options, () => this.watchers.delete(watcher as Watcher<unknown>));
    this.watchers.add(watcher as Watcher<unknown>);
    return watcher;
  }

  /** The existing collections (store-made, and a Kova app's entities). */
  listCollections(): string[] {
    this.open();
    return this.collections.names();
  }

  /** The nearest current key to `key` in the collection, for "Did you mean". */
  nearestKey(collection: string, key: string): string | undefined {
    const info = this.collections.find(collection);
    if (info === undefined) return undefined;
    const column = info.kind === "kv" ? `"key"` : `CAST("id" AS TEXT)`;
    // Keys sharing the first character (or any, when there are few) are the candidates; bounded.
    const candidates = this.statement(`SELECT ${column} FROM ${quoteIdent(info.table)} WHERE substr(${column}, 1, 1) = ? LIMIT 5000`).pluck().all(key.slice(0, 1)) as string[];
    return nearest(key, candidates);
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    for (const watcher of [...this.watchers]) watcher.close();
    this.db.close();
  }

  // ---- internals -------------------------------------------------------------------------------

  /** @internal the prepared statement for `sql` (cached). */
  statement(sql: string): Database.Statement {
    this.open();
    let statement = this.sql.get(sql);
    if (statement === undefined) {
      statement = this.db.prepare(sql);
      this.sql.set(sql, statement);
    }
    return statement;
  }

  /** @internal a history row of the collection as a change. */
  change(info: CollectionInfo, row: Record<string, unknown>): Change<unknown> {
    const key = info.kind === "kv" ? (row.key as string) : String(row.id);
    const value = info.kind === "kv" ? parse(row.value as string | null) : this.entityValue(info, row, true);
    return { collection: info.name, key, version: row.version as number, operation: row.op as Change<unknown>["operation"], at: iso(row.at as number), value };
  }

  private open(): void {
    if (this.closed) throw new StoreClosedError();
  }

  private readable(collection: string): CollectionInfo {
    this.open();
    // A collection already found was a valid name: the cache answers before the name is checked.
    return this.collections.find(collection, true) ?? this.collections.require(checkCollection(collection));
  }

  private kv(name: string, create: true): CollectionInfo;
  private kv(name: string, create: false): CollectionInfo | undefined;
  private kv(name: string, create: boolean): CollectionInfo | undefined {
    this.open();
    const info = create ? this.collections.ensure(name) : this.collections.find(name);
    if (info !== undefined && info.kind !== "kv") throw new ReadOnlyCollectionError(name);
    return info;
  }

  private kvStatements(info: CollectionInfo): KvStatements {
    let s = this.statements.get(info.table);
    if (s !== undefined) return s;
    const t = quoteIdent(info.table);
    const h = quoteIdent(info.history);
    s = {
      insert: this.db.prepare(`INSERT INTO ${t} ("key", "value") VALUES (?, ?)`),
      update: this.db.prepare(`UPDATE ${t} SET "value" = ? WHERE "key" = ? RETURNING "id"`).pluck(),
      remove: this.db.prepare(`DELETE FROM ${t} WHERE "key" = ? RETURNING "id", "value"`),
      version: this.db.prepare(`INSERT INTO ${h} ("id", "op", "at", "key", "value") VALUES (?, ?, ?, ?, ?)`),
      lastAt: this.db.prepare(`SELECT "at" FROM ${h} ORDER BY "version" DESC LIMIT 1`).pluck(),
      get: this.db.prepare(`SELECT "value" FROM ${t} WHERE "key" = ?`).pluck(),
      at: this.db.prepare(`SELECT "op", "value" FROM ${h} WHERE "key" = ? AND "at" <= ? ORDER BY "version" DESC LIMIT 1`),
      history: this.db.prepare(`SELECT "version", "op", "at", "value" FROM ${h} WHERE "key" = ? ORDER BY "version" LIMIT ?`),
    };
    this.statements.set(info.table, s);
    return s;
  }

  private entityRow(info: CollectionInfo, key: string): unknown {
    const id = entityId(key);
    if (id === undefined) return undefined;
    const row = this.statement(`SELECT * FROM ${quoteIdent(info.table)} WHERE "id" = ?`).get(id) as Record<string, unknown> | undefined;
    return row === undefined ? undefined : this.entityValue(info, row, false);
  }

  /** A Kova entity's row as the value the store shows: its fields, decoded as the app reads them. */
  private entityValue(info: CollectionInfo, row: Record<string, unknown>, history: boolean): Record<string, unknown> {
    const out: Record<string, unknown> = {};
    for (const field of info.fields) {
      const raw = row[history ? historyColumn(field.name) : field.name];
      out[field.name] = raw === undefined ? null : decodeValue(field.type, raw);
    }
    return out;
  }

  private entry(info: CollectionInfo, row: Record<string, unknown>): Entry<unknown> {
    if (info.kind === "kv") return { key: row.key as string, value: parse(row.value as string | null) };
    return { key: String(row.id), value: this.entityValue(info, row, false) };
  }

  private entryFromRaw(info: CollectionInfo, values: unknown[]): Entry<unknown> {
    if (info.kind === "kv") return { key: values[0] as string, value: parse(values[1] as string | null) };
    const row: Record<string, unknown> = { id: values[0] };
    info.fields.forEach((f, i) => (row[f.name] = values[i + 1]));
    return this.entry(info, row);
  }

  /** The SQL for a field: `key`, or a path into a key/value collection's JSON, or an entity's column. */
  private fieldExpression(info: CollectionInfo, field: string, alias: string): string {
    if (info.kind === "kv") return field === "key" ? `${alias}"key"` : `json_extract(${alias}"value", '$.${field}')`;
    if (field === "key" || field === "id") return `${alias}"id"`;
    const [head, ...rest] = field.split(".");
    const declared = info.fields.find((f) => f.name === head);
    if (declared === undefined) throw new InvalidFieldError(field, `${info.name} has no field '${head}'${suggestion(head, info.fields.map((f) => f.name))}`);
    if (rest.length === 0) return `${alias}${quoteIdent(head)}`;
    if (declared.type !== "json") throw new InvalidFieldError(field, `'${head}' is a ${declared.type} field, not json, so it has no sub-fields`);
    return `json_extract(${alias}${quoteIdent(head)}, '$.${rest.join(".")}')`;
  }

  private whereClause(info: CollectionInfo, where: Where, alias: string): { clause: string; params: unknown[] } {
    if (where === null || typeof where !== "object" || Array.isArray(where)) throw new InvalidFieldError(where, "a filter is an object of field: value");
    const parts: string[] = [];
    const params: unknown[] = [];
    for (const [field, value] of Object.entries(where)) {
      const expression = this.fieldExpression(info, checkField(field), alias);
      if (value === null) parts.push(`${expression} IS NULL`);
      else if (typeof value === "string" || typeof value === "number" || typeof value === "boolean") {
        parts.push(`${expression} = ?`);
        params.push(typeof value === "boolean" ? (value ? 1 : 0) : value);
      } else throw new InvalidFieldError(field, "a filter value is a string, number, boolean or null");
    }
    return { clause: parts.length === 0 ? "" : ` WHERE ${parts.join(" AND ")}`, params };
  }
}

function suggestion(name: string, names: string[]): string {
  const near = nearest(name, names);
  return near === undefined ? "" : `; did you mean '${near}'?`;
}

function parse<T>(text: string | null | undefined): T {
  return (text === null || text === undefined ? null : JSON.parse(text)) as T;
}

function iso(ms: number): string {
  return new Date(ms).toISOString();
}

function entityId(key: string): number | undefined {
  return /^[1-9]\d{0,15}$/.test(key) ? Number(key) : undefined;
}

function pageLimit(limit: number | undefined, fallback: number): number {
  if (limit === undefined) return fallback;
  if (!Number.isInteger(limit) || limit < 1) throw new StoreError(`invalid limit ${String(limit)}: a limit is a whole number from 1`, "invalid-limit", 400);
  return Math.min(limit, fallback === Number.MAX_SAFE_INTEGER ? limit : Math.max(fallback, MAX_LIST_LIMIT));
}

function page<V>(items: Entry<V>[], more: boolean): Page<V> {
  return more ? { items, cursor: Buffer.from(items[items.length - 1].key, "utf8").toString("base64url") } : { items };
}

function decodeCursor(cursor: string): string {
  const key = typeof cursor === "string" && /^[A-Za-z0-9_-]+$/.test(cursor) ? Buffer.from(cursor, "base64url").toString("utf8") : "";
  if (key === "") throw new StoreError(`invalid cursor ${JSON.stringify(cursor)}: pass back the cursor a list returned`, "invalid-cursor", 400);
  return key;
}

