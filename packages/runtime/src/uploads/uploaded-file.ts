/**
 * A file a request uploaded (a multipart part streamed to the file store), as the handler sees it
 * in `$body.avatar`, and as an entity's `file` field stores it: `{ id, name, type, size }`.
 * `type` is what its content is (uploads/sniff.ts), not what the client claimed.
 */
export interface FileRef {
  /** The store's key: random, never derived from the client's file name. */
  id: string;
  /** The client's file name, checked to be a plain name (no path). */
  name: string;
  type: string;
  size: number;
}

export class UploadedFile implements FileRef {
  constructor(
    readonly id: string,
    readonly name: string,
    readonly type: string,
    readonly size: number,
  ) {}

  /** Stored (a json field) and sent as the plain reference. */
  toJSON(): FileRef {
    return { id: this.id, name: this.name, type: this.type, size: this.size };
  }
}

/** Only a part the runtime streamed is a file: a JSON body cannot forge one with `{ "id": … }`. */
export function isUploadedFile(value: unknown): value is UploadedFile {
  return value instanceof UploadedFile;
}

/** A stored reference read back from a row (or an UploadedFile): checks its shape before it names a key. */
export function fileRefOf(value: unknown): FileRef | undefined {
  if (typeof value !== "object" || value === null) return undefined;
  const v = value as Record<string, unknown>;
  if (typeof v.id !== "string" || typeof v.name !== "string" || typeof v.type !== "string" || typeof v.size !== "number") return undefined;
  return { id: v.id, name: v.name, type: v.type, size: v.size };
}

/** `RESPOND download(p.avatar)`: the reply's body is the file's bytes, streamed from the store (download.ts). */
export class FileDownload {
  constructor(readonly file: FileRef) {}
}
