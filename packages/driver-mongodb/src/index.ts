/**
 * @kova/driver-mongodb: Kova on MongoDB, with every write versioned in `<table>__history`.
 * Its one entry for the toolchain is `driverPackage` (name "mongodb").
 */
import type { DriverPackage } from "@kova/query";
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

export const driverPackage: DriverPackage = {
  names: ["mongodb"],
  dialect: mongoDialect,
  createDriver: createMongoDriver,
};
