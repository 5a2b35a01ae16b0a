/**
 * Programs shared in the URL: `#code=` + the program deflated (the browser's CompressionStream)
 * and base64url-encoded, so a link holds the program itself and no server keeps anything.
 */
async function pipe(bytes: Uint8Array, stream: CompressionStream | DecompressionStream): Promise<Uint8Array> {
  const out = new Blob([bytes as BlobPart]).stream().pipeThrough(stream);
  return new Uint8Array(await new Response(out).arrayBuffer());
}

function toBase64url(bytes: Uint8Array): string {
  let binary = "";
  for (const byte of bytes) binary += String.fromCharCode(byte);
  return btoa(binary).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
}

export async function encodeProgram(text: string): Promise<string> {
  return `code=${toBase64url(await pipe(new TextEncoder().encode(text), new CompressionStream("deflate-raw")))}`;
}

/** The program in a URL hash, or undefined when the hash holds none (or one that does not decode). */
export async function decodeProgram(hash: string): Promise<string | undefined> {
  const match = /^#?code=([A-Za-z0-9_-]+)$/.exec(hash);
  if (match === null) return undefined;
  try {
    const binary = atob(match[1].replace(/-/g, "+").replace(/_/g, "/"));
    const bytes = Uint8Array.from(binary, (c) => c.charCodeAt(0));
    return new TextDecoder().decode(await pipe(bytes, new DecompressionStream("deflate-raw")));
  } catch {
    return undefined;
  }
}
