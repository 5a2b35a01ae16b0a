export * from "./plan.js";
export * from "./driver.js";
export * from "./schema-diff.js";
export * from "./plan-columns.js";
export * from "./values/instants.js";
export * from "./values/write-values.js";
export * from "./values/write-record.js";
export * from "./server-options.js";
