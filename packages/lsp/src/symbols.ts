import type { Declaration, FieldDecl, Program } from "@kova/compiler";
import { SymbolKind, type DocumentSymbol, type FoldingRange } from "vscode-languageserver";
import { walk } from "./ast-walk.js";
import { toRange } from "./convert.js";

/** The outline of a file: routes, entities and shapes (with their fields), connections, imports and reserved blocks. */
export function documentSymbols(program: Program): DocumentSymbol[] {
  return program.declarations.map(symbolOf).filter((s): s is DocumentSymbol => s !== undefined);
}

function symbolOf(decl: Declaration): DocumentSymbol | undefined {
  switch (decl.kind) {
    case "Endpoint": {
      const name = `${decl.method} ${decl.path.text}`;
      return symbol(name, SymbolKind.Method, decl, decl.path.span, decl.validate ? `VALIDATE ${decl.validate.name}` : undefined);
    }
    case "Entity":
      return { ...symbol(decl.name.name || "(unnamed)", SymbolKind.Class, decl, decl.name.span, "ENTITY"), children: decl.fields.map(fieldSymbol) };
    case "Validate":
      return { ...symbol(decl.name.name || "(unnamed)", SymbolKind.Interface, decl, decl.name.span, "VALIDATE"), children: decl.fields.map(fieldSymbol) };
    case "Connect":
      return symbol(decl.name.name || "(unnamed)", SymbolKind.Variable, decl, decl.name.span, `CONNECT ${decl.driver.name}`);
    case "Import":
      return symbol(decl.source || "(import)", SymbolKind.Module, decl, decl.sourceSpan, "IMPORT");
    case "Api":
      return { ...symbol(`API ${decl.version.name}`, SymbolKind.Namespace, decl, decl.version.span, decl.deprecated ? `deprecated ${decl.deprecated.value}` : undefined), children: decl.endpoints.map((e) => symbolOf(e)!) };
    case "Test":
      return symbol(decl.title.value || "(unnamed test)", SymbolKind.Event, decl, decl.title.span, "TEST");
    case "Socket":
      return { ...symbol(`SOCKET ${decl.path.text}`, SymbolKind.Event, decl, decl.path.span, decl.validate ? `VALIDATE ${decl.validate.name}` : undefined), children: decl.handlers.map((h) => symbol(`ON ${h.event.name.toUpperCase()}`, SymbolKind.Function, h, h.event.span)) };
    case "Event":
      return { ...symbol(decl.name.name || "(unnamed)", SymbolKind.Event, decl, decl.name.span, "EVENT"), children: decl.fields.map(fieldSymbol) };
    case "ReadModel":
      return symbol(decl.name.name || "(unnamed)", SymbolKind.Class, decl, decl.name.span, `READ MODEL FROM ${decl.source.name}`);
    case "Cache":
    case "Task":
    case "Auth":
    case "Worker":
      return symbol(decl.name.name || "(unnamed)", SymbolKind.Object, decl, decl.name.span, decl.kind.toUpperCase());
  }
}

function fieldSymbol(field: FieldDecl): DocumentSymbol {
  const type = field.type.name.name + (field.type.array ? "[]" : "") + (field.type.optional ? "?" : "");
  const symbolOfField = symbol(field.name.name, SymbolKind.Field, field, field.name.span, type);
  if (field.type.fields.length > 0) symbolOfField.children = field.type.fields.map(fieldSymbol);
  return symbolOfField;
}

function symbol(name: string, kind: SymbolKind, node: { span: Parameters<typeof toRange>[0] }, nameSpan: Parameters<typeof toRange>[0], detail?: string): DocumentSymbol {
  const range = toRange(node.span);
  let selectionRange = toRange(nameSpan);
  // LSP requires the selection to lie inside the range; a recovered node may not guarantee it.
  if (nameSpan.start.offset < node.span.start.offset || nameSpan.end.offset > node.span.end.offset) selectionRange = range;
  const out: DocumentSymbol = { name: name || "(unnamed)", kind, range, selectionRange };
  if (detail) out.detail = detail;
  return out;
}

const FOLDABLE = new Set(["Entity", "Validate", "Block", "Object", "Array", "TypeRef", "Cache", "Socket", "Task", "Auth", "Worker"]);

/** Brace blocks spanning lines fold; the closing brace stays visible. One range per starting line. */
export function foldingRanges(program: Program): FoldingRange[] {
  const byStart = new Map<number, FoldingRange>();
  walk(program, (node) => {
    if (!FOLDABLE.has(node.kind)) return;
    const startLine = node.span.start.line - 1;
    const endLine = node.span.end.line - 2;
    if (endLine <= startLine) return;
    const known = byStart.get(startLine);
    if (!known || known.endLine < endLine) byStart.set(startLine, { startLine, endLine });
  });
  return [...byStart.values()].sort((a, b) => a.startLine - b.startLine);
}
