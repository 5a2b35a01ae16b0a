/**
 * multipart/form-data bodies for endpoints whose VALIDATE shape has file fields. Parsed by busboy
 * as the bytes arrive; each file part is streamed through a guard (size limit, type by content)
 * into the file store, so a 1 GB upload costs a few chunks of memory, not 1 GB.
 *
 * Whatever goes wrong — a file over its `max`, content of a type the field does not allow, a body
 * cut short, a file name that is a path, the client going away — every file this request already
 * stored is removed before the problem is answered: nothing half-written is left behind. Files
 * that were stored are removed again if validation or the handler fails (see stages.ts).
 */
import type { IncomingMessage } from "node:http";
import { Transform, type Readable, type TransformCallback } from "node:stream";
import { createRequire } from "node:module";
import type busboyModule from "busboy";

// Required on the first multipart body, not at start: an app without uploads never loads busboy.
let busboy: typeof busboyModule | undefined;
const requireBusboy = (): typeof busboyModule => (busboy ??= createRequire(import.meta.url)("busboy") as typeof busboyModule);
import type { MultipartDefinition, UploadDefinition } from "../app.js";
import { BodyError, ClientGoneError, discardRest } from "../body.js";
import { ProblemType } from "../problem.js";
import { allowedType, sniff, SNIFF_BYTES } from "./sniff.js";
import { newFileKey, type FileStore } from "./store.js";
import { UploadedFile } from "./uploaded-file.js";

/** Room for the parts' headers and boundaries beyond the declared limits, before Content-Length alone is a 413. */
const ENVELOPE_BYTES = 64 * 1024;

export { isMultipart } from "./content-type.js";

function refused(status: number, type: string, field: string, message: string, closeConnection = false): BodyError {
  return new BodyError(status, type, `invalid body field ${field || "(whole body)"}: ${message}`, closeConnection, [{ field, message }]);
}

/**
 * Reads the whole multipart body. Resolves with the body object (text fields converted as the
 * shape declares, file fields as UploadedFile) and the files stored; rejects with a BodyError
 * (or ClientGoneError) after removing every file it stored.
 */
export function readMultipart(req: IncomingMessage, def: MultipartDefinition, store: FileStore, fieldLimit: number): Promise<{ body: Record<string, unknown>; files: UploadedFile[] }> {
  const declared = Number(req.headers["content-length"] ?? NaN);
  const ceiling = def.files.reduce((sum, f) => sum + f.maxBytes, 0) + fieldLimit + ENVELOPE_BYTES;
  if (declared > ceiling) {
    discardRest(req, fieldLimit);
    return Promise.reject(new BodyError(413, ProblemType.payloadTooLarge, `the request body (${declared} bytes) exceeds what its fields allow (${ceiling} bytes)`));
  }
  let parser: busboyModule.Busboy;
  try {
    parser = requireBusboy()({
      headers: req.headers,
      // Keep the name as sent: a name with a path in it is refused, not silently shortened.
      preservePath: true,
      limits: { fieldSize: fieldLimit, fieldNameSize: 200, fields: 200, files: def.files.length, parts: 200 + def.files.length },
    });
  } catch (error) {
    req.resume();
    return Promise.reject(new BodyError(400, ProblemType.malformedMultipart, `not a readable multipart/form-data body: ${(error as Error).message}`));
  }
  return new MultipartRead(req, def, store, fieldLimit, parser).done;
}

class MultipartRead {
  readonly done: Promise<{ body: Record<string, unknown>; files: UploadedFile[] }>;
  private readonly body: Record<string, unknown> = Object.create(null) as Record<string, unknown>;
  private readonly stored: UploadedFile[] = [];
  private readonly writing = new Set<Promise<void>>();
  private readonly keys: string[] = [];
  private readonly guards = new Set<Readable>();
  private failure: Error | undefined;
  private settled = false;
  private resolve!: (value: { body: Record<string, unknown>; files: UploadedFile[] }) => void;
  private reject!: (error: Error) => void;
  /** The part being read when the body ended early: the field a truncation problem names. */
  private current = "";

  constructor(
    private readonly req: IncomingMessage,
    private readonly def: MultipartDefinition,
    private readonly store: FileStore,
    private readonly fieldLimit: number,
    private readonly parser: busboyModule.Busboy,
  ) {
    this.done = new Promise((resolve, reject) => {
      this.resolve = resolve;
      this.reject = reject;
    });
    parser.on("field", (name, value, info) => this.field(name, value, info.valueTruncated));
    parser.on("file", (name, stream, info) => this.file(name, stream, info.filename));
    parser.on("filesLimit", () => this.fail(refused(400, ProblemType.malformedMultipart, "", `the body has more files than the ${def.files.length} file field(s) of the shape`)));
    parser.on("fieldsLimit", () => this.fail(refused(413, ProblemType.payloadTooLarge, "", "the body has too many fields")));
    parser.on("partsLimit", () => this.fail(refused(413, ProblemType.payloadTooLarge, "", "the body has too many parts")));
    parser.on("error", (error: Error) => this.fail(this.malformed(error)));
    parser.on("close", () => void this.finish());
    req.on("aborted", () => this.fail(new ClientGoneError("the client closed the connection before its body arrived")));
    req.on("error", () => this.fail(new ClientGoneError("the client closed the connection before its body arrived")));
    req.pipe(parser);
  }

  private upload(name: string): UploadDefinition | undefined {
    return this.def.files.find((f) => f.name === name);
  }

  private field(name: string, value: string, truncated: boolean): void {
    if (this.failure !== undefined) return;
    this.current = name;
    if (truncated) return this.fail(refused(413, ProblemType.payloadTooLarge, name, `is longer than ${this.fieldLimit} bytes`));
    if (this.upload(name) !== undefined) return this.fail(refused(400, ProblemType.malformedMultipart, name, "must be a file (a part with a filename)"));
    if (name in this.body) return this.fail(refused(400, ProblemType.malformedMultipart, name, "is sent twice"));
    this.body[name] = convert(value, this.def.convert?.[name]);
  }

  private file(name: string, stream: Readable, filename: string | undefined): void {
    this.current = name;
    if (this.failure !== undefined) {
      stream.resume();
      return;
    }
    const upload = this.upload(name);
    if (upload === undefined) {
      stream.resume();
      return this.fail(refused(400, ProblemType.malformedMultipart, name, "is not a file field of this endpoint"));
    }
    if (name in this.body) {
      stream.resume();
      return this.fail(refused(400, ProblemType.malformedMultipart, name, "is sent twice"));
    }
    // A browser sends an empty part with an empty name for a file input left empty: absent.
    if (filename === undefined || filename === "") {
      stream.resume();
      return;
    }
    const badName = fileNameProblem(filename);
    if (badName !== undefined) {
      stream.resume();
      return this.fail(refused(400, ProblemType.malformedMultipart, name, badName));
    }
    this.body[name] = null; // taken; replaced by the UploadedFile once stored
    const key = newFileKey();
    this.keys.push(key);
    const guard = new FileGuard(upload);
    this.guards.add(guard);
    stream.on("error", (error) => guard.destroy(error));
    // The store's pipeline reports the guard's error; this keeps one raised before it is attached
    // (the store may still be opening its folder) from being an unhandled 'error' event.
    guard.on("error", () => {});
    stream.pipe(guard);
    const writing = this.store.put(key, guard).then(
      () => {
        this.body[name] = new UploadedFile(key, filename, guard.detected!, guard.received);
        this.stored.push(this.body[name] as UploadedFile);
      },
      (error: unknown) => this.fail(error instanceof BodyError || error instanceof ClientGoneError ? error : this.malformed(error as Error)),
    );
    this.writing.add(writing);
    void writing.finally(() => {
      this.writing.delete(writing);
      this.guards.delete(guard);
    });
  }

  private malformed(error: Error): BodyError {
    const message = /unexpected end/i.test(error.message)
      ? "the multipart body ended before this part was complete"
      : `the multipart body cannot be read: ${error.message}`;
    return refused(400, ProblemType.malformedMultipart, this.current, message);
  }

  /** The first failure wins: stop reading, drop what the client still sends, remove every stored file. */
  private fail(error: Error): void {
    if (this.failure !== undefined || this.settled) return;
    this.failure = error;
    this.req.unpipe(this.parser);
    if (!(error instanceof ClientGoneError)) discardRest(this.req, this.fieldLimit);
    for (const guard of this.guards) guard.destroy(error);
    void this.cleanUp().then(() => this.reject(error));
  }

  private async cleanUp(): Promise<void> {
    while (this.writing.size > 0) await Promise.allSettled([...this.writing]);
    await Promise.all(this.keys.map((key) => this.store.remove(key)));
  }

  private async finish(): Promise<void> {
    while (this.writing.size > 0) await Promise.allSettled([...this.writing]);
    if (this.failure !== undefined) return;
    for (const key of Object.keys(this.body)) if (this.body[key] === null) delete this.body[key];
    this.settled = true;
    this.resolve({ body: { ...this.body }, files: this.stored });
  }
}

/**
 * Counts bytes (a 413 past `max`) and holds back the first SNIFF_BYTES until the content's type is
 * known (a 415 if the field does not allow it), so no refused byte reaches the store's final name.
 */
class FileGuard extends Transform {
  received = 0;
  detected: string | undefined;
  private head: Buffer[] = [];
  private headLength = 0;

  constructor(private readonly upload: UploadDefinition) {
    super();
  }

  override _transform(chunk: Buffer, _encoding: BufferEncoding, callback: TransformCallback): void {
    this.received += chunk.length;
    if (this.received > this.upload.maxBytes) return callback(refused(413, ProblemType.payloadTooLarge, this.upload.name, `is larger than ${describeSize(this.upload.maxBytes)}`));
    if (this.detected !== undefined) return callback(null, chunk);
    this.head.push(chunk);
    this.headLength += chunk.length;
    if (this.headLength < SNIFF_BYTES) return callback();
    this.release(false, callback);
  }

  override _flush(callback: TransformCallback): void {
    if (this.detected !== undefined) return callback();
    this.release(true, callback);
  }

  private release(complete: boolean, callback: TransformCallback): void {
    const head = Buffer.concat(this.head, this.headLength);
    this.head = [];
    this.detected = sniff(head, complete);
    if (!allowedType(this.detected, this.upload.types)) {
      return callback(refused(415, ProblemType.fileType, this.upload.name, `its content is ${this.detected}, not ${this.upload.types!.join(" or ")} (judged by its first bytes, not its name)`));
    }
    callback(null, head);
  }
}

/** A file name is a name: no directories, no `..`, no control characters (undefined: fine). */
export function fileNameProblem(name: string): string | undefined {
  if (name.length > 255) return "its file name is longer than 255 characters";
  if (/[\u0000-\u001f\u007f]/.test(name)) return "its file name holds control characters";
  if (name.includes("/") || name.includes("\\")) return `its file name ${JSON.stringify(name)} is a path; send a plain name`;
  if (name === "." || name === "..") return `its file name ${JSON.stringify(name)} is not a name`;
  return undefined;
}

/** Text parts are text; a field the shape declares as a number, a boolean or JSON is converted first. */
function convert(value: string, kind: "number" | "boolean" | "json" | undefined): unknown {
  switch (kind) {
    case "number":
      return /^-?\d+(\.\d+)?([eE][+-]?\d+)?$/.test(value.trim()) ? Number(value) : value;
    case "boolean":
      return value === "true" ? true : value === "false" ? false : value;
    case "json":
      try {
        return JSON.parse(value);
      } catch {
        return value;
      }
    default:
      return value;
  }
}

export function describeSize(bytes: number): string {
  for (const [unit, size] of [["GB", 1024 ** 3], ["MB", 1024 ** 2], ["KB", 1024]] as const) {
    if (bytes >= size && bytes % size === 0) return `${bytes / size} ${unit}`;
  }
  return `${bytes} bytes`;
}
