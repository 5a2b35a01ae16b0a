export * from "./plan.js";
export * from "./driver.js";
