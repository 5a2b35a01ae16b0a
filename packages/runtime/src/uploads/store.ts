/**
 * Where uploaded bytes live. The runtime talks to a FileStore only, so an object store (S3 and
 * compatible servers, s3-store.ts) can stand in for the local folder, which is the default.
 *
 * A file appears under its key only once it is complete: the local store writes to a `.partial`
 * file and renames it, so a crash or a refused upload never leaves a half-written file that a
 * download could serve.
 */
import { randomUUID } from "node:crypto";
import { createReadStream, createWriteStream } from "node:fs";
import { mkdir, rename, stat, unlink } from "node:fs/promises";
import { join } from "node:path";
import type { Readable } from "node:stream";
import { pipeline } from "node:stream/promises";

export interface ByteRange {
  /** First byte, inclusive. */
  start: number;
  /** Last byte, inclusive. */
  end: number;
}

export interface FileStore {
  /** Streams `source` into a new object under `key`; on any error nothing is left under `key`. */
  put(key: string, source: Readable): Promise<void>;
  /** The object's size in bytes, or undefined when there is none under `key`. */
  size(key: string): Promise<number | undefined>;
  /** The object's bytes (a range of them); call `size` first. */
  read(key: string, range?: ByteRange): Readable;
  /** Removes the object; no error when it is already gone. */
  remove(key: string): Promise<void>;
}

/** A new random key. Keys never come from the client's file name, so no name can reach a path. */
export function newFileKey(): string {
  return randomUUID();
}

const KEY = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

/** A key read back from a row could have been written by anyone: only our own shape names a stored file. */
export function isFileKey(key: string): boolean {
  return KEY.test(key);
}

/** Files in one folder, one per key (`<dir>/<key>`); `<dir>/.partial` holds uploads in flight. */
export class LocalFileStore implements FileStore {
  private ready: Promise<unknown> | undefined;

  constructor(readonly dir: string) {}

  private path(key: string): string | undefined {
    return isFileKey(key) ? join(this.dir, key) : undefined;
  }

  async put(key: string, source: Readable): Promise<void> {
    const final = this.path(key);
    if (final === undefined) throw new Error(`not a file key: ${key}`);
    this.ready ??= mkdir(join(this.dir, ".partial"), { recursive: true });
    await this.ready;
    const partial = join(this.dir, ".partial", key);
    try {
      await pipeline(source, createWriteStream(partial, { flags: "wx" }));
      await rename(partial, final);
    } catch (error) {
      await unlink(partial).catch(() => {});
      throw error;
    }
  }

  async size(key: string): Promise<number | undefined> {
    const path = this.path(key);
    if (path === undefined) return undefined;
    try {
      const info = await stat(path);
      return info.isFile() ? info.size : undefined;
    } catch {
      return undefined;
    }
  }

  read(key: string, range?: ByteRange): Readable {
    const path = this.path(key);
    if (path === undefined) throw new Error(`not a file key: ${key}`);
    return createReadStream(path, range === undefined ? undefined : { start: range.start, end: range.end });
  }

  async remove(key: string): Promise<void> {
    const path = this.path(key);
    if (path !== undefined) await unlink(path).catch(() => {});
  }
}
