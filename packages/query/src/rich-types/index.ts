export * from "./rich-type.js";
export * from "./registry.js";
export { MAX_DECIMAL_PRECISION } from "./quantity-types.js";
export { richTypesMarkdownTable } from "./doc-table.js";
