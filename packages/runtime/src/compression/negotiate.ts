/**
 * Which encoding a response gets: the client's Accept-Encoding (RFC 9110 §12.5.3, q-values and
 * `*` included) against the server's list, and whether the content is worth compressing at all.
 */
import type { Encoding } from "./options.js";

/**
 * The first of `offered` (server order) the client accepts with q > 0; undefined for none.
 * `identity` is always acceptable, so refusing every coding here just means "send it plain".
 */
export function pickEncoding(acceptEncoding: string | undefined, offered: readonly Encoding[]): Encoding | undefined {
  if (acceptEncoding === undefined || acceptEncoding === "") return undefined;
  const weights = new Map<string, number>();
  for (const part of acceptEncoding.split(",")) {
    const [name, ...params] = part.split(";");
    const coding = name.trim().toLowerCase();
    if (coding === "") continue;
    let q = 1;
    for (const param of params) {
      const match = /^\s*q\s*=\s*([0-9.]+)\s*$/i.exec(param);
      if (match !== null) q = Number(match[1]);
    }
    weights.set(coding, Number.isFinite(q) ? q : 0);
  }
  const star = weights.get("*");
  let best: Encoding | undefined;
  let bestQ = 0;
  for (const encoding of offered) {
    // `x-gzip` is gzip's old name (RFC 9110 §8.4.1.3).
    const q = weights.get(encoding) ?? (encoding === "gzip" ? weights.get("x-gzip") : undefined) ?? star ?? 0;
    if (q > bestQ) {
      best = encoding;
      bestQ = q;
    }
  }
  return best;
}

/**
 * Media types that are compressed already (images, audio, video, archives, woff fonts): gzip on
 * top only costs CPU. SVG and other +xml/+json types are text and do compress.
 */
const COMPRESSED = /^(?:image\/(?!svg\+xml)|audio\/|video\/|font\/woff2?$|application\/(?:zip|gzip|x-gzip|x-bzip2|x-xz|x-7z-compressed|x-rar-compressed|zstd|pdf|octet-stream)$)/;

export function worthCompressing(contentType: string | undefined): boolean {
  if (contentType === undefined) return true;
  const semicolon = contentType.indexOf(";");
  const media = (semicolon === -1 ? contentType : contentType.slice(0, semicolon)).trim().toLowerCase();
  return !COMPRESSED.test(media);
}
