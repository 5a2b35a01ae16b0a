/**
 * @kova/sql: the SQL kernel every relational driver shares (SQLite, PostgreSQL, CockroachDB,
 * MySQL/MariaDB). A driver brings its flavour (how its SQL is spelt), its runner (how statements
 * reach its client library) and its options; filters, placeholders, IN lists, LIKE, null-safe
 * equality, parameter encoding, records, clocks, dispatch and the migration ledger live here.
 */
export * from "./sql-compiled.js";
export * from "./sql-flavour.js";
export * from "./sql-filter.js";
export * from "./sql-params.js";
export * from "./sql-record.js";
export * from "./sql-dispatch.js";
export * from "./sql-clock.js";
export * from "./sql-ledger.js";
export * from "./sql-bind.js";
export * from "./sql-write.js";
export * from "./sql-transaction.js";
export * from "./sql-guard.js";
export * from "./sql-graph.js";
export * from "./sql-graph-decode.js";
export * from "./sql-references.js";
export * from "./sql-shape.js";
