/**
 * The store's exceptions. Each names the input it refuses and says how to fix it, so the CLI, the
 * HTTP server and the clients can pass the message on unchanged. `code` is stable (scripts and the
 * server's problem `type` use it); `status` is the HTTP status the server answers with.
 */
export class StoreError extends Error {
  constructor(
    message: string,
    readonly code: string,
    readonly status: number,
    /** What to try next (a command, a corrected input), when there is one. */
    readonly hint?: string,
  ) {
    super(message);
    this.name = new.target.name;
  }
}

/** A key that is empty, too long, holds control characters or a `..` segment. */
export class InvalidKeyError extends StoreError {
  constructor(readonly key: unknown, why: string) {
    super(`invalid key ${printable(key)}: ${why}`, "invalid-key", 400, "keys are 1–1024 bytes of printable text, segments separated by '/', no '..' segment");
  }
}

/** A collection name that cannot name a table (or names the store's own bookkeeping). */
export class InvalidCollectionError extends StoreError {
  constructor(readonly collection: unknown, why: string) {
    super(`invalid collection ${printable(collection)}: ${why}`, "invalid-collection", 400, "collection names are letters, digits and '_', starting with a letter, at most 63 characters");
  }
}

/** A value that is not JSON, or is larger than the limit. */
export class InvalidValueError extends StoreError {
  constructor(readonly key: string, why: string, code = "invalid-value", status = 400) {
    super(`invalid value for ${key}: ${why}`, code, status, "values are JSON (an object, array, string, number, boolean or null)");
  }
}

export class ValueTooLargeError extends InvalidValueError {
  constructor(key: string, readonly bytes: number, readonly limit: number) {
    super(key, `${bytes} bytes of JSON is over the limit of ${limit} bytes (maxValueBytes)`, "value-too-large", 413);
  }
}

/** An instant that is not an ISO 8601 timestamp, epoch milliseconds or a valid Date. */
export class InvalidInstantError extends StoreError {
  constructor(readonly instant: unknown) {
    super(`invalid instant ${printable(instant)}: not an instant`, "invalid-instant", 400, "give an ISO 8601 instant like 2026-01-31T12:00:00Z, or epoch milliseconds");
  }
}

/** A read of a collection that was never written. */
export class CollectionNotFoundError extends StoreError {
  constructor(readonly collection: string, readonly suggestion: string | undefined) {
    super(
      `Collection '${collection}' not found.${suggestion === undefined ? "" : ` Did you mean ${suggestion}?`}`,
      "collection-not-found",
      404,
      "to list collections: kova db list",
    );
  }
}

/** A key with no current value (the API's get returns undefined instead; the CLI and server use this). */
export class KeyNotFoundError extends StoreError {
  constructor(readonly collection: string, readonly key: string, readonly suggestion: string | undefined) {
    super(
      `Key '${collection}/${key}' not found.${suggestion === undefined ? "" : ` Did you mean ${collection}/${suggestion}?`}`,
      "key-not-found",
      404,
      `to list keys: kova db list ${collection}`,
    );
  }
}

/** A write to a Kova app's typed entity: its fields are checked by the app, so write through the app. */
export class ReadOnlyCollectionError extends StoreError {
  constructor(readonly collection: string) {
    super(
      `collection '${collection}' is a Kova app's entity with typed fields; the store reads it but does not write it`,
      "read-only-collection",
      409,
      "write it through the app's API, or use a key/value collection",
    );
  }
}

/** A filter or aggregate naming a field path that cannot be one. */
export class InvalidFieldError extends StoreError {
  constructor(readonly field: unknown, why: string) {
    super(`invalid field ${printable(field)}: ${why}`, "invalid-field", 400, "a field is a name or a dotted path into the value, like address.city");
  }
}

export class StoreClosedError extends StoreError {
  constructor() {
    super("the store is closed", "closed", 503);
  }
}

/** An input quoted for a message: strings in quotes with control characters escaped. */
export function printable(value: unknown): string {
  if (typeof value === "string") {
    const shown = value.length > 80 ? `${value.slice(0, 77)}...` : value;
    return JSON.stringify(shown).replace(/^"|"$/g, "'");
  }
  if (value === undefined) return "undefined";
  try {
    return JSON.stringify(value) ?? String(value);
  } catch {
    return String(value);
  }
}

/** The closest of `names` to `input` by edit distance (about a third of its length), for "Did you mean". */
export function nearest(input: string, names: Iterable<string>): string | undefined {
  let best: string | undefined;
  let bestDistance = (input.length <= 3 ? 1 : Math.max(2, Math.ceil(input.length / 3))) + 1;
  for (const name of names) {
    const d = distance(input, name);
    if (d < bestDistance) {
      best = name;
      bestDistance = d;
    }
  }
  return best;
}

function distance(a: string, b: string): number {
  if (Math.abs(a.length - b.length) > 8) return Number.POSITIVE_INFINITY;
  let previous = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    const current = [i];
    for (let j = 1; j <= b.length; j++) {
      current[j] = Math.min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (a[i - 1] === b[j - 1] ? 0 : 1));
    }
    previous = current;
  }
  return previous[b.length];
}
