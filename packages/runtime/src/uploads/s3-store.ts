/**
 * Uploads kept in an S3-compatible object store (AWS S3, MinIO, Ceph, R2, …), chosen by
 * kova.config.json's `"uploads": { "s3": { "bucket": … } }`. The AWS SDK (`@aws-sdk/client-s3`,
 * `@aws-sdk/lib-storage`) is an optional peer, loaded only by an app that configures S3;
 * credentials come from the SDK's usual chain (AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY, a
 * profile, an instance role), never from the config file.
 *
 * The FileStore promise holds: an upload is streamed as a multipart upload, and S3 shows an object
 * only once the upload completes; a failed or refused upload is aborted, so no part of it can be
 * downloaded. Memory per upload is the SDK's part buffer (5 MiB × queue size), whatever the size.
 */
import { PassThrough, type Readable } from "node:stream";
import { StartupError } from "../data-sources.js";
import { isFileKey, type ByteRange, type FileStore } from "./store.js";

export interface S3Settings {
  bucket: string;
  /** A non-AWS server's URL (`http://127.0.0.1:9000`); AWS's own endpoint when absent. */
  endpoint?: string;
  /** Default "us-east-1" (what most S3-compatible servers expect). */
  region?: string;
  /** Prepended to every key (`"uploads/"`), so one bucket can serve several apps. */
  prefix?: string;
  /** Path-style URLs (`<endpoint>/<bucket>/<key>`), which most self-hosted servers need. Default: true with an endpoint. */
  forcePathStyle?: boolean;
}

type S3Module = typeof import("@aws-sdk/client-s3");
type StorageModule = typeof import("@aws-sdk/lib-storage");

async function loadSdk(): Promise<{ s3: S3Module; storage: StorageModule }> {
  try {
    return { s3: await import("@aws-sdk/client-s3"), storage: await import("@aws-sdk/lib-storage") };
  } catch {
    throw new StartupError('kova.config.json keeps uploads in S3 ("uploads": { "s3": … }), but the AWS SDK is not installed; run: npm install @aws-sdk/client-s3 @aws-sdk/lib-storage');
  }
}

/** Whether an SDK error means "no such object" (HEAD answers a bare 404, GET a NoSuchKey). */
function isMissing(error: unknown): boolean {
  const e = error as { name?: string; $metadata?: { httpStatusCode?: number } };
  return e.name === "NotFound" || e.name === "NoSuchKey" || e.$metadata?.httpStatusCode === 404;
}

export class S3FileStore implements FileStore {
  private constructor(
    private readonly sdk: { s3: S3Module; storage: StorageModule },
    private readonly client: import("@aws-sdk/client-s3").S3Client,
    readonly settings: S3Settings,
  ) {}

  static async open(settings: S3Settings): Promise<S3FileStore> {
    const sdk = await loadSdk();
    const client = new sdk.s3.S3Client({
      region: settings.region ?? "us-east-1",
      ...(settings.endpoint === undefined ? {} : { endpoint: settings.endpoint }),
      forcePathStyle: settings.forcePathStyle ?? settings.endpoint !== undefined,
    });
    return new S3FileStore(sdk, client, settings);
  }

  /** Checks at start that the bucket exists and the credentials reach it, so a typo is one line at start, not a 500 at the first upload. */
  async check(): Promise<void> {
    try {
      await this.client.send(new this.sdk.s3.HeadBucketCommand({ Bucket: this.settings.bucket }));
    } catch (error) {
      const status = (error as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode;
      const why = status === 404 ? "it does not exist" : status === 403 ? "the credentials may not use it (403)" : (error as Error).message || String(error);
      throw new StartupError(`kova.config.json: uploads.s3: bucket "${this.settings.bucket}"${this.settings.endpoint === undefined ? "" : ` at ${this.settings.endpoint}`} cannot be used: ${why}`);
    }
  }

  private objectKey(key: string): string {
    if (!isFileKey(key)) throw new Error(`not a file key: ${key}`);
    return `${this.settings.prefix ?? ""}${key}`;
  }

  async put(key: string, source: Readable): Promise<void> {
    const upload = new this.sdk.storage.Upload({
      client: this.client,
      params: { Bucket: this.settings.bucket, Key: this.objectKey(key), Body: source },
      leavePartsOnError: false,
    });
    // A source that fails (a refused or truncated upload) must abort the multipart upload, or S3
    // would wait for parts that never come.
    const failed = new Promise<never>((_, reject) => source.once("error", reject));
    try {
      await Promise.race([upload.done(), failed]);
    } catch (error) {
      await upload.abort().catch(() => {});
      throw error;
    }
  }

  async size(key: string): Promise<number | undefined> {
    if (!isFileKey(key)) return undefined;
    try {
      const head = await this.client.send(new this.sdk.s3.HeadObjectCommand({ Bucket: this.settings.bucket, Key: this.objectKey(key) }));
      return head.ContentLength;
    } catch (error) {
      if (isMissing(error)) return undefined;
      throw error;
    }
  }

  read(key: string, range?: ByteRange): Readable {
    const out = new PassThrough();
    const command = new this.sdk.s3.GetObjectCommand({
      Bucket: this.settings.bucket,
      Key: this.objectKey(key),
      ...(range === undefined ? {} : { Range: `bytes=${range.start}-${range.end}` }),
    });
    this.client.send(command).then(
      (object) => {
        const body = object.Body as Readable | undefined;
        if (body === undefined) return out.end();
        body.once("error", (error) => out.destroy(error));
        body.pipe(out);
      },
      (error: unknown) => out.destroy(error as Error),
    );
    return out;
  }

  async remove(key: string): Promise<void> {
    if (!isFileKey(key)) return;
    await this.client.send(new this.sdk.s3.DeleteObjectCommand({ Bucket: this.settings.bucket, Key: this.objectKey(key) })).catch((error: unknown) => {
      if (!isMissing(error)) throw error;
    });
  }

  close(): void {
    this.client.destroy();
  }
}
