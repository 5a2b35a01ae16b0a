/**
 * Keyset-pagination cursors: the last row's ORDER_BY keys (and id), as opaque text a client hands
 * back (`AFTER $query.cursor`). The text is base64url JSON with a checksum, so a cursor that was
 * edited, cut or made up is a 400 naming the parameter rather than a wrong page. It is not a
 * secret: it holds values of the row the client was already sent.
 */
import { createHash } from "node:crypto";
import { QueryError } from "./driver.js";

function checksum(payload: string): string {
  return createHash("sha256").update(`kova-cursor:${payload}`).digest("base64url").slice(0, 10);
}

export function encodeCursor(keys: readonly unknown[]): string {
  const payload = Buffer.from(JSON.stringify(keys), "utf8").toString("base64url");
  return `${payload}.${checksum(payload)}`;
}

/** The keys a cursor holds; null for no cursor (the first page). Anything malformed is a 400 naming `field`. */
export function decodeCursor(value: unknown, count: number, field: string): unknown[] | null {
  if (value === null || value === undefined || value === "") return null;
  const bad = (why: string) => new QueryError(`${field} is not a cursor this endpoint gave (${why}); leave it out for the first page`, 400, field);
  if (typeof value !== "string") throw bad("not text");
  const [payload, sum, extra] = value.split(".");
  if (extra !== undefined || sum === undefined || checksum(payload) !== sum) throw bad("its checksum does not match");
  let keys: unknown;
  try {
    keys = JSON.parse(Buffer.from(payload, "base64url").toString("utf8"));
  } catch {
    throw bad("not readable");
  }
  if (!Array.isArray(keys) || keys.length !== count || keys.some((k) => k === null || (typeof k !== "string" && typeof k !== "number" && typeof k !== "boolean"))) {
    throw bad(`it does not hold ${count} key${count === 1 ? "" : "s"}`);
  }
  return keys;
}

/** Key `position` of the cursor in `value` (null when there is none), for a statement's parameter. */
export function cursorKey(value: unknown, position: number, count: number, field: string): unknown {
  return decodeCursor(value, count, field)?.[position] ?? null;
}
