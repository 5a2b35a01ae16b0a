/**
 * Records, codec caches and save ids are dialect-neutral (MongoDB and Redis use them too), so they
 * live in @kova/query; the SQL kernel re-exports them for its drivers.
 */
export { CodecCache, saveId } from "@kova/query";
