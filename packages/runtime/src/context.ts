/**
 * Request ids and paths. (The per-request context handed to handlers is the pipeline's Exchange,
 * in exchange.ts.)
 */
import { randomUUID } from "node:crypto";

// Printable ASCII without spaces or quotes, at most 128 characters: safe to log and echo back.
const SANE_REQUEST_ID = /^[A-Za-z0-9._:\-/+=@]{1,128}$/;

/** The caller's `x-request-id` when it is safe to echo, otherwise a fresh UUID. */
export function requestIdFor(incoming: string | string[] | undefined): string {
  return typeof incoming === "string" && SANE_REQUEST_ID.test(incoming) ? incoming : randomUUID();
}

/** The path part of a request URL (the router gives params and query, not the path). */
export function pathOf(url: string): string {
  const q = url.indexOf("?");
  return q === -1 ? url : url.slice(0, q);
}
