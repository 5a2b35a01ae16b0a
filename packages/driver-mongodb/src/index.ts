/**
 * @kova/driver-mongodb: Kova on MongoDB, with every write versioned in `<table>__history`.
 * Importing it registers the driver as "mongodb".
 */
import { registerDriver } from "@kova/query";
import { createMongoDriver } from "./mongo-driver.js";
import { mongoDialect } from "./mongo-dialect.js";

export { mongoDialect } from "./mongo-dialect.js";
export { compileMongo } from "./mongo-query-compiler.js";
export { createMongoDriver, MongoDriver } from "./mongo-driver.js";
export { commandsFor, ddlFor, liveIndexes, historyIndexes, migrateSchema } from "./mongo-schema.js";
export { likeToRegex, encodeSlotValue, encodeFieldValue, decodeValue } from "./mongo-values.js";
export { fillSlots, historyDocument, liveDocument, counterCommand, rowFromDocument, historyEntryFrom } from "./mongo-documents.js";
export { translateDuplicateKey } from "./mongo-runner.js";
export { resolveOptions, type MongoOptions } from "./mongo-options.js";
export type { MongoCompiledQuery, CompiledRead, CompiledWrite, Slot, Source, Encoding } from "./mongo-compiled.js";

registerDriver("mongodb", createMongoDriver);

/** The dialects `kova build` uses for the driver names this package serves. */
export const dialects = { mongodb: mongoDialect };
