/**
 * Keyset-pagination cursors: the last row's ORDER_BY keys (and id), as opaque text a client hands
 * back (`AFTER $query.cursor`). The text is base64url JSON with a checksum, so a cursor that was
 * edited, cut or made up is a 400 naming the parameter rather than a wrong page. It is not a
 * secret: it holds values of the row the client was already sent.
 */
// Portable (the playground runs the store in the browser): @noble/hashes' SHA-256 and btoa/atob
// give the same text node:crypto and Buffer gave, so existing cursors stay valid.
import { sha256 } from "@noble/hashes/sha2.js";
import { QueryError } from "./driver.js";

const utf8 = new TextEncoder();

function toBase64url(bytes: Uint8Array): string {
  let binary = "";
  for (const byte of bytes) binary += String.fromCharCode(byte);
  return btoa(binary).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
}

function fromBase64url(text: string): string {
  const binary = atob(text.replace(/-/g, "+").replace(/_/g, "/"));
  return new TextDecoder().decode(Uint8Array.from(binary, (c) => c.charCodeAt(0)));
}

function checksum(payload: string): string {
  return toBase64url(sha256(utf8.encode(`kova-cursor:${payload}`))).slice(0, 10);
}

export function encodeCursor(keys: readonly unknown[]): string {
  const payload = toBase64url(utf8.encode(JSON.stringify(keys)));
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
    keys = JSON.parse(fromBase64url(payload));
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
