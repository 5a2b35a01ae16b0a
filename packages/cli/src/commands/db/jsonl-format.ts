/**
 * The export file (`--format jsonl`): one JSON value a line, the same from every driver.
 *
 *   line 1     {"kova": "export", "format": 1, "createdAt", "driver", "source", "history", "at"?, "entities": [{name, fields}]}
 *   a row      {"entity": "Todo", "id": 1, "fields": {...}}
 *   a version  {"entity": "Todo", "version": 3, "id": 1, "op": "update", "at": "2026-02-06T14:30:00.000Z", "fields": {...}}
 *
 * Values are Kova values, as the API returns them. Each entity's rows come before its versions.
 */
import type { FieldSchema } from "@kova/query";

export const EXPORT_FORMAT = 1;

export interface ExportHeader {
  kova: "export";
  format: number;
  createdAt: string;
  driver: string;
  source: string;
  /** Whether the file holds each entity's versions (--with-history). */
  history: boolean;
  /** The instant the rows are as of (--at), if any. */
  at?: string;
  entities: Array<{ name: string; fields: FieldSchema[] }>;
}

export interface RowLine {
  entity: string;
  id: number;
  fields: Record<string, unknown>;
}

export interface VersionLine extends RowLine {
  version: number;
  op: "insert" | "update" | "delete";
  at: string;
}
