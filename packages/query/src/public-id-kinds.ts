/**
 * The kinds of public id `ENTITY … PUBLIC ID <kind>` makes (docs/entities.md, "Public
 * identifiers"), each made on insert by computedDefault (values/computed-defaults.ts):
 * - `uuid`: a random UUID, version 4;
 * - `uuid7`: a time-ordered UUID, version 7 (RFC 9562): 48 bits of Unix milliseconds, then a
 *   12-bit counter (RFC 9562's "method 1") and 62 random bits, so ids made by one process sort in
 *   the order they were made, even within one millisecond;
 * - `ulid`: a ULID (26 Crockford base-32 characters): 48 bits of milliseconds and 80 random bits,
 *   incremented by one within a millisecond (the ULID spec's monotonic mode), so it sorts likewise.
 * Randomness is the Web Crypto global's (node:crypto's webcrypto on Node; the browser's in the
 * playground), as for `DEFAULT uuid()`. A uuid and a uuid7 are stored as UUIDs (native `uuid` on
 * PostgreSQL), a ulid as text; a uuid is read in lower case, a ulid in upper case.
 */
import type { EntitySchema } from "./plan.js";

export type PublicIdKind = "uuid" | "uuid7" | "ulid";

/** The kinds of public id an entity may declare (`PUBLIC ID uuid`). */
export const PUBLIC_ID_KINDS: readonly PublicIdKind[] = ["uuid", "uuid7", "ulid"];

const UUID_FORM = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const ULID_FORM = /^[0-7][0-9A-HJKMNP-TV-Z]{25}$/i;
const CROCKFORD = "0123456789ABCDEFGHJKMNPQRSTVWXYZ";

/** The kind of a PUBLIC ID entity's public id; undefined for an entity that is not PUBLIC ID. */
export function publicIdKindOf(entity: EntitySchema | undefined): PublicIdKind | undefined {
  return entity?.fields.find((f) => f.publicId !== undefined)?.publicId;
}

/** Whether a kind's ids are UUIDs (stored and typed as `uuid`) rather than ULIDs. */
export function isUuidKind(kind: PublicIdKind): boolean {
  return kind !== "ulid";
}

/** How an error names a kind's id: "a UUID" or "a ULID". */
export function publicIdNoun(kind: PublicIdKind): string {
  return isUuidKind(kind) ? "a UUID" : "a ULID";
}

/** The canonical form of a public id of this kind (UUIDs lower case, ULIDs upper case); undefined when the value is not one. */
export function canonicalPublicId(kind: PublicIdKind, value: unknown): string | undefined {
  if (typeof value !== "string") return undefined;
  if (isUuidKind(kind)) return UUID_FORM.test(value) ? value.toLowerCase() : undefined;
  return ULID_FORM.test(value) ? value.toUpperCase() : undefined;
}

/** An id of this kind that no record has (a made id is never all zeros): what a malformed one is compared as. */
export function nilPublicId(kind: PublicIdKind): string {
  return isUuidKind(kind) ? "00000000-0000-0000-0000-000000000000" : "00000000000000000000000000";
}

/** A new public id of this kind. */
export function newPublicId(kind: PublicIdKind, now = Date.now()): string {
  if (kind === "uuid") return globalThis.crypto.randomUUID();
  return kind === "uuid7" ? uuid7(now) : ulid(now);
}

function randomBytes(n: number): Uint8Array {
  return globalThis.crypto.getRandomValues(new Uint8Array(n));
}

// The last UUIDv7 made: its millisecond and 12-bit counter (a clock that steps back keeps the last one).
let lastUuid7 = { ms: -1, counter: 0 };

function uuid7(now: number): string {
  let ms = Math.max(now, lastUuid7.ms);
  let counter: number;
  if (ms === lastUuid7.ms) {
    counter = lastUuid7.counter + 1;
    // 4096 ids in one millisecond: borrow the next one, as RFC 9562 allows.
    if (counter > 0xfff) {
      ms += 1;
      counter = 0;
    }
  } else {
    // A random start in the lower half, leaving room to count up within the millisecond.
    counter = randomBytes(2).reduce((a, b) => (a << 8) | b, 0) & 0x7ff;
  }
  lastUuid7 = { ms, counter };
  const bytes = randomBytes(16);
  for (let i = 0; i < 6; i++) bytes[i] = Math.floor(ms / 2 ** (8 * (5 - i))) & 0xff;
  bytes[6] = 0x70 | (counter >> 8);
  bytes[7] = counter & 0xff;
  bytes[8] = 0x80 | (bytes[8] & 0x3f);
  const hex = [...bytes].map((b) => b.toString(16).padStart(2, "0")).join("");
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

// The last ULID made: its millisecond and its 80 random bits as 16 base-32 digits (values 0–31).
let lastUlid: { ms: number; random: number[] } = { ms: -1, random: [] };

function ulid(now: number): string {
  const ms = Math.max(now, lastUlid.ms);
  let random: number[];
  if (ms === lastUlid.ms) {
    random = [...lastUlid.random];
    // Add one, carrying; 2^80 ids in one millisecond do not happen.
    for (let i = random.length - 1; i >= 0; i--) {
      if (random[i] < 31) {
        random[i] += 1;
        break;
      }
      random[i] = 0;
    }
  } else {
    const bytes = randomBytes(16);
    random = [...bytes].map((b) => b & 31);
    // The top bit clear, so counting up within the millisecond never overflows.
    random[0] &= 15;
  }
  lastUlid = { ms, random };
  let time = "";
  for (let i = 9, t = ms; i >= 0; i--, t = Math.floor(t / 32)) time = CROCKFORD[t % 32] + time;
  return time + random.map((d) => CROCKFORD[d]).join("");
}
