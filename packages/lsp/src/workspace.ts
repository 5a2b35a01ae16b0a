import { readdirSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { checkFiles, nodeHost, type CheckResult, type CheckedFile, type CompilerHost, type EndpointInfo, type KovaType, type Node, type SemanticModel } from "@kova/compiler";
import type { TextDocument } from "vscode-languageserver-textdocument";

/** What the checker knows about the files around the open documents, merged across programs. */
export interface Analysis {
  result: CheckResult;
  file(path: string): CheckedFile | undefined;
  /** Every model whose program includes the file (a file imported by two roots is in two). */
  models(path: string): SemanticModel[];
  /** Use → declaration, as the checker resolved them (names, fields, member reads, INSERT keys, type names). */
  resolutions: Map<Node, Node>;
  types: Map<Node, KovaType>;
  endpoints: EndpointInfo[];
}

/**
 * The documents the editor has open, and the analysis of them. Open documents are read from
 * memory (so diagnostics follow typing); every other file from disk. Sibling `.kova` files of an
 * open document are checked with it, so an entity declared in `models.kova` is known in `app.kova`
 * and a rename reaches both.
 */
export class KovaWorkspace {
  private readonly documents = new Map<string, TextDocument>();
  private cached: Analysis | undefined;

  open(doc: TextDocument): void {
    this.documents.set(doc.uri, doc);
    this.cached = undefined;
  }

  close(uri: string): void {
    this.documents.delete(uri);
    this.cached = undefined;
  }

  document(uri: string): TextDocument | undefined {
    return this.documents.get(uri);
  }

  openDocuments(): TextDocument[] {
    return [...this.documents.values()];
  }

  /** The compiler works with paths; untitled buffers keep their URI as their "path". */
  pathOf(uri: string): string {
    if (uri.startsWith("file:")) {
      try {
        return fileURLToPath(uri);
      } catch {
        return uri;
      }
    }
    return uri;
  }

  /** The URI the editor used for an open file, or a file URI for a file on disk. */
  uriOf(path: string): string {
    for (const doc of this.documents.values()) if (this.pathOf(doc.uri) === path) return doc.uri;
    return path.includes(":") && !/^[A-Za-z]:[\\/]/.test(path) ? path : pathToFileURL(path).href;
  }

  /** The text of a file: the editor's buffer when open, else the disk. */
  readFile(path: string): string | undefined {
    for (const doc of this.documents.values()) if (this.pathOf(doc.uri) === path) return doc.getText();
    return nodeHost.readFile(path);
  }

  private isOpen(path: string): boolean {
    for (const doc of this.documents.values()) if (this.pathOf(doc.uri) === path) return true;
    return false;
  }

  analysis(): Analysis {
    if (!this.cached) this.cached = this.analyse();
    return this.cached;
  }

  private analyse(): Analysis {
    // Files not open in the editor are read as bytes, so one that is not UTF-8 shows KV1008 as in `kova check`.
    const host: CompilerHost = {
      readFile: (path) => this.readFile(path),
      readSource: (path) => (this.isOpen(path) ? { text: this.readFile(path) ?? "" } : nodeHost.readSource(path)),
    };
    const paths = new Set<string>();
    for (const doc of this.documents.values()) {
      const path = this.pathOf(doc.uri);
      paths.add(path);
      if (doc.uri.startsWith("file:")) for (const sibling of siblingKovaFiles(path)) paths.add(sibling);
    }
    const result = checkFiles([...paths].sort(), host);
    const resolutions = new Map<Node, Node>();
    const types = new Map<Node, KovaType>();
    const endpoints: EndpointInfo[] = [];
    for (const program of result.programs) {
      for (const [use, target] of program.model.resolutions) resolutions.set(use, target);
      for (const [expr, type] of program.model.types) types.set(expr, type);
      for (const endpoint of program.model.endpoints) if (!endpoints.some((e) => e.decl === endpoint.decl)) endpoints.push(endpoint);
    }
    const files = new Map(result.files.map((f) => [f.file, f]));
    return {
      result,
      file: (path) => files.get(path),
      models: (path) => result.programs.filter((p) => p.files.includes(path)).map((p) => p.model),
      resolutions,
      types,
      endpoints,
    };
  }
}

function siblingKovaFiles(path: string): string[] {
  try {
    const dir = dirname(path);
    return readdirSync(dir)
      .filter((name) => name.endsWith(".kova"))
      .map((name) => join(dir, name));
  } catch {
    return [];
  }
}
