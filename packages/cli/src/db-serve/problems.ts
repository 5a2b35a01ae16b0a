/**
 * The store's refusals as RFC 9457 problems: the runtime turns an HttpError into the problem
 * response, so the store's message (naming the input) and its hint (the fix) reach the client
 * unchanged, with a `type` per refusal that the Python and Go clients map to exception types.
 */
import { HttpError } from "@kova/runtime";
import { CollectionNotFoundError, InvalidCollectionError, InvalidInstantError, InvalidKeyError, InvalidValueError, KeyNotFoundError, StoreError } from "@kova/store";

export const STORE_PROBLEM_PREFIX = "urn:kova:problem:store:";

const TITLES: Record<string, string> = {
  "invalid-key": "Invalid key",
  "invalid-collection": "Invalid collection name",
  "invalid-value": "Invalid value",
  "value-too-large": "Value too large",
  "invalid-instant": "Invalid instant",
  "collection-not-found": "Collection not found",
  "key-not-found": "Key not found",
  "read-only-collection": "Read-only collection",
  "invalid-limit": "Invalid limit",
  "invalid-cursor": "Invalid cursor",
  "invalid-batch": "Invalid batch",
  "missing-value": "Missing value",
  closed: "Store closed",
};

/** The next step for an HTTP client, where the store's own hint names a CLI command. */
function httpHint(error: StoreError): string | undefined {
  if (error instanceof KeyNotFoundError && error.hint?.startsWith("to list keys")) return `to list keys: GET /v1/kv/${error.collection}`;
  if (error instanceof CollectionNotFoundError) return "to list collections: GET /v1/collections";
  return error.hint;
}

/** An HttpError for `error` (a StoreError), with the input it names as a member; others unchanged. */
export function toProblem(error: unknown, field?: string): unknown {
  if (!(error instanceof StoreError)) return error;
  const hintText = httpHint(error);
  const extra: Record<string, unknown> = { type: `${STORE_PROBLEM_PREFIX}${error.code}`, title: TITLES[error.code] ?? "Store error", code: error.code };
  if (hintText !== undefined) extra.hint = hintText;
  if (field !== undefined) extra.field = field;
  if (error instanceof InvalidKeyError) extra.key = error.key;
  if (error instanceof InvalidCollectionError) extra.collection = error.collection;
  if (error instanceof InvalidInstantError) extra.instant = error.instant;
  if (error instanceof InvalidValueError) extra.key = error.key;
  if (error instanceof CollectionNotFoundError) {
    extra.collection = error.collection;
    if (error.suggestion !== undefined) extra.suggestion = error.suggestion;
  }
  if (error instanceof KeyNotFoundError) {
    extra.collection = error.collection;
    extra.key = error.key;
    if (error.suggestion !== undefined) extra.suggestion = error.suggestion;
  }
  const hint = hintText === undefined ? "" : ` ${hintText[0].toUpperCase()}${hintText.slice(1)}.`;
  const sentence = /[.?!]$/.test(error.message) ? error.message : `${error.message}.`;
  return new HttpError(error.status, `${sentence}${hint}`, extra);
}

/** A request the store cannot take, refused before the store sees it (a missing body, a bad batch item). */
export function badRequest(code: string, detail: string, field: string, hint?: string): HttpError {
  return new HttpError(400, detail, { type: `${STORE_PROBLEM_PREFIX}${code}`, title: TITLES[code] ?? "Bad request", code, field, ...(hint === undefined ? {} : { hint }) });
}
