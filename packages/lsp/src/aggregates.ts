/**
 * What the language server says about aggregate functions (`COUNT`, `SUM`, `AVG`, `MIN`, `MAX`):
 * one description each, used by hover (on an aggregate in a query) and completion (in a query).
 */
import { describeType, type Node } from "@kova/compiler";
import { CompletionItemKind, InsertTextFormat, type CompletionItem } from "vscode-languageserver";
import type { Analysis } from "./workspace.js";

const AGGREGATES: ReadonlyArray<{ name: string; snippet: string; doc: string }> = [
  { name: "COUNT", snippet: "COUNT(${1:*})", doc: "How many rows (`COUNT(*)`), rows where a field is not null (`COUNT(field)`), or distinct values (`COUNT(DISTINCT field)`). An int; 0 over no rows." },
  { name: "SUM", snippet: "SUM(${1:field})", doc: "The sum of a number field, with the field's type; null over no rows." },
  { name: "AVG", snippet: "AVG(${1:field})", doc: "The mean of a number field, always a float; null over no rows." },
  { name: "MIN", snippet: "MIN(${1:field})", doc: "The smallest value of a number, text, date or time field, with the field's type; null over no rows." },
  { name: "MAX", snippet: "MAX(${1:field})", doc: "The largest value of a number, text, date or time field, with the field's type; null over no rows." },
];

const FOOTER = "Computed by the database over the query's rows, or each group's with `GROUP_BY`; allowed in the SELECT list, `HAVING` and (by its `AS` name) `ORDER_BY`, not in `WHERE`.";

/** Hover for an aggregate: what it computes and its type here. */
export function aggregateHover(analysis: Analysis, node: Node): string | undefined {
  if (node.kind !== "Aggregate") return undefined;
  const info = AGGREGATES.find((a) => a.name === node.function);
  if (!info) return undefined;
  const type = analysis.types.get(node);
  const written = `${node.function}(${node.distinct ? "DISTINCT " : ""}${node.field?.name ?? "*"})`;
  return "```kova\n" + `(aggregate) ${written}${type ? `: ${describeType(type)}` : ""}` + "\n```\n" + `${info.doc}\n\n${FOOTER}`;
}

/** The aggregates, as snippets, for completion inside a query. */
export function aggregateCompletions(): CompletionItem[] {
  return AGGREGATES.map((a) => ({
    label: a.name,
    kind: CompletionItemKind.Function,
    detail: "aggregate",
    documentation: { kind: "markdown", value: `${a.doc}\n\n${FOOTER}` },
    insertText: a.snippet,
    insertTextFormat: InsertTextFormat.Snippet,
    sortText: `2${a.name}`,
  }));
}
