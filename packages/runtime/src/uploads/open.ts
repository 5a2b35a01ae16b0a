/**
 * The app's file store from kova.config.json's "uploads": the local folder (`dir`, default
 * `.kova/uploads`) or an S3-compatible bucket (`s3`), checked at start.
 */
import { join, resolve } from "node:path";
import type { S3Settings } from "./s3-store.js";
import { LocalFileStore, type FileStore } from "./store.js";

export interface UploadsConfig {
  /** A folder, relative to the app folder. */
  dir?: string;
  s3?: S3Settings;
}

export async function openFileStore(appDir: string, config: UploadsConfig | undefined): Promise<FileStore> {
  if (config?.s3 === undefined) return new LocalFileStore(resolve(appDir, config?.dir ?? join(".kova", "uploads")));
  // Loaded only here: an app on the local folder never loads the AWS SDK.
  const { S3FileStore } = await import("./s3-store.js");
  const store = await S3FileStore.open(config.s3);
  await store.check();
  return store;
}
