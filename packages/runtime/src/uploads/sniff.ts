/**
 * A file's media type from its first bytes (its "magic number"), never from its name or the
 * Content-Type the client sent: a PNG renamed `cat.jpg` is a PNG, and a script renamed
 * `avatar.png` is refused. The list is the compiler's RECOGNISED_FILE_TYPES (a test keeps them equal).
 */

/** How many leading bytes sniffing needs at most (text is judged on this much). */
export const SNIFF_BYTES = 512;

interface Signature {
  type: string;
  /** Bytes at `offset`; null is any byte. */
  bytes: ReadonlyArray<number | null>;
  offset?: number;
}

const SIGNATURES: readonly Signature[] = [
  { type: "image/png", bytes: [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a] },
  { type: "image/jpeg", bytes: [0xff, 0xd8, 0xff] },
  { type: "image/gif", bytes: [0x47, 0x49, 0x46, 0x38, null, 0x61] }, // GIF87a, GIF89a
  { type: "image/webp", bytes: [0x52, 0x49, 0x46, 0x46, null, null, null, null, 0x57, 0x45, 0x42, 0x50] }, // RIFF....WEBP
  { type: "application/pdf", bytes: [0x25, 0x50, 0x44, 0x46, 0x2d] }, // %PDF-
  { type: "application/zip", bytes: [0x50, 0x4b, 0x03, 0x04] },
  { type: "application/zip", bytes: [0x50, 0x4b, 0x05, 0x06] }, // an empty archive
  { type: "application/gzip", bytes: [0x1f, 0x8b, 0x08] },
];

/** Every type `sniff` can answer, `application/octet-stream` (anything) included. */
export const SNIFFABLE_TYPES: readonly string[] = [...new Set([...SIGNATURES.map((s) => s.type), "text/plain", "application/octet-stream"])];

/** The media type of content starting with `head` (up to SNIFF_BYTES; all of it when shorter). */
export function sniff(head: Uint8Array, complete: boolean): string {
  for (const signature of SIGNATURES) {
    const offset = signature.offset ?? 0;
    if (head.length < offset + signature.bytes.length) continue;
    if (signature.bytes.every((b, i) => b === null || head[offset + i] === b)) return signature.type;
  }
  return looksLikeText(head, complete) ? "text/plain" : "application/octet-stream";
}

/** Is the content allowed by `types` (null: anything)? `application/octet-stream` in the list allows anything. */
export function allowedType(detected: string, types: readonly string[] | null): boolean {
  return types === null || types.includes(detected) || types.includes("application/octet-stream");
}

/**
 * UTF-8 without control characters other than tab, line feed, form feed and carriage return. A
 * multi-byte character cut by the end of the sniffed head is not held against it.
 */
function looksLikeText(head: Uint8Array, complete: boolean): boolean {
  if (head.length === 0) return false;
  let i = 0;
  while (i < head.length) {
    const b = head[i];
    if (b < 0x80) {
      if (b < 0x20 && b !== 0x09 && b !== 0x0a && b !== 0x0c && b !== 0x0d) return false;
      if (b === 0x7f) return false;
      i++;
      continue;
    }
    const length = b >= 0xf0 && b <= 0xf4 ? 4 : b >= 0xe0 ? 3 : b >= 0xc2 && b < 0xe0 ? 2 : 0;
    if (length === 0) return false;
    if (i + length > head.length) return !complete;
    for (let k = 1; k < length; k++) if ((head[i + k] & 0xc0) !== 0x80) return false;
    i += length;
  }
  return true;
}
