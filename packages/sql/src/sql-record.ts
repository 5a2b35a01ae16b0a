/**
 * Records, codec caches and what a SAVE does (saveTarget) are dialect-neutral (MongoDB and Redis use them too), so they
 * live in @kova/query; the SQL kernel re-exports them for its drivers.
 */
export { CodecCache, noRecordToSave, saveId, saveTarget, type SaveTarget } from "@kova/query";
