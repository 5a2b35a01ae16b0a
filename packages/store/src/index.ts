/**
 * @kova/store: Kova's versioned store on its own — put/get/delete, AS OF reads, history, lists,
 * batches, a change feed, filters and aggregates — on the embedded store's file format, so a
 * collection written here is an entity a Kova app reads, and an app's entities read here.
 */
export { openStore, storeFile, Store, DEFAULT_LIST_LIMIT, MAX_LIST_LIMIT, type StoreOptions, type Json, type Schema, type Written, type Version, type Entry, type Page, type ListOptions, type BatchItem, type Where } from "./store.js";
export { Watcher, type Change, type WatchOptions } from "./watch.js";
export { KV_FIELDS, type CollectionInfo } from "./collections.js";
export { checkKey, checkCollection, toEpochMs, parseValueText, MAX_KEY_BYTES, DEFAULT_MAX_VALUE_BYTES, type Instant } from "./validate.js";
export {
  StoreError,
  InvalidKeyError,
  InvalidCollectionError,
  InvalidValueError,
  ValueTooLargeError,
  InvalidInstantError,
  CollectionNotFoundError,
  KeyNotFoundError,
  ReadOnlyCollectionError,
  InvalidFieldError,
  StoreClosedError,
  nearest,
} from "./errors.js";
