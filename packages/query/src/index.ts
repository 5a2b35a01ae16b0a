export * from "./plan.js";
export * from "./driver.js";
export * from "./schema-diff.js";
