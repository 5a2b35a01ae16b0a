/**
 * The table of rich types in docs/entities.md, written from the registry (scripts/gen-entities-doc.mjs)
 * so the documentation cannot drift from the definitions; a test compares the committed table.
 */
import { RICH_TYPES } from "./registry.js";
import type { RichType } from "./rich-type.js";

const STORED: Record<RichType["storage"], { embedded: string; postgres: string; mysql: string }> = {
  string: { embedded: "TEXT", postgres: "text", mysql: "VARCHAR / LONGTEXT" },
  int: { embedded: "INTEGER", postgres: "bigint", mysql: "BIGINT" },
  float: { embedded: "REAL", postgres: "double precision", mysql: "DOUBLE" },
  decimal: { embedded: "REAL", postgres: "numeric", mysql: "DOUBLE" },
};

const cell = (s: string) => s.replace(/\|/g, "\\|").replace(/\n/g, "\\n");

export function richTypesMarkdownTable(): string {
  const rows = [
    "| type | holds (canonical form) | example | embedded · PostgreSQL · MariaDB | GraphQL · TypeScript | ordered |",
    "|---|---|---|---|---|---|",
  ];
  for (const type of RICH_TYPES.values()) {
    const args = type.arity === 2 ? [10, 2] : [];
    const native = type.columns?.(args) ?? {};
    const stored = STORED[type.storage];
    const columns = `${stored.embedded} · ${native.postgres ?? stored.postgres} · ${native.mysql ?? stored.mysql}`;
    const name = type.arity === 2 ? "`decimal(p, s)`" : `\`${type.name}\``;
    rows.push(`| ${name} | ${cell(type.description)} | \`${cell(JSON.stringify(type.example))}\` | ${columns} | ${type.graphql} · ${type.ts} | ${type.orderable ? "yes" : "no (KV2800)"} |`);
  }
  return rows.join("\n");
}
