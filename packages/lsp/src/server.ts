import {
  CodeActionKind,
  createConnection,
  ResponseError,
  StreamMessageReader,
  StreamMessageWriter,
  TextDocuments,
  TextDocumentSyncKind,
  type CodeAction,
  type CodeLens,
  type Connection,
  type InitializeResult,
  type Location,
  type TextEdit,
  type WorkspaceEdit,
} from "vscode-languageserver/node";
import { TextDocument } from "vscode-languageserver-textdocument";
import { resolveKovaImport } from "@kova/compiler";
import { dirname, join } from "node:path";
import { nodePathAt } from "./ast-walk.js";
import { completionsAt } from "./completion.js";
import { rangesOverlap, toLspDiagnostic, toRange } from "./convert.js";
import { formatDocument } from "./formatting.js";
import { hoverText } from "./hover.js";
import { checkNewName, declarationNameSpan, referencesTo, renameable, renameEdits, symbolAt, nameSpan, spelledName } from "./navigation.js";
import { documentSymbols, foldingRanges } from "./symbols.js";
import { KovaWorkspace } from "./workspace.js";
import { isTestFile, runTests, RUN_TESTS_COMMAND, testDiagnostics, testLenses, type TestRun } from "./tests.js";

export interface ServerOptions {
  /** Milliseconds to wait after the last keystroke before re-checking (default 80). */
  debounceMs?: number;
  /**
   * How to run `kova test` (program and arguments before the options), for the "Run test" lenses;
   * `kova lsp` passes its own executable. Absent: the server offers no lenses.
   */
  testCommand?: readonly string[];
}

/** Starts the Kova language server on a pair of streams (stdin/stdout for `kova lsp --stdio`). */
export function startServer(input: NodeJS.ReadableStream, output: NodeJS.WritableStream, options: ServerOptions = {}): Connection {
  const connection = createConnection(new StreamMessageReader(input), new StreamMessageWriter(output));
  const documents = new TextDocuments(TextDocument);
  const workspace = new KovaWorkspace();
  const debounceMs = options.debounceMs ?? 80;
  let pending: NodeJS.Timeout | undefined;
  const published = new Set<string>();
  /** The last test run of each *.test.kova file, until it is edited (then the results are stale). */
  const testRuns = new Map<string, TestRun>();

  /**
   * Wraps a request handler so that a bug in the server answers with an empty result (and a log
   * line) instead of an error popup on every keystroke. Deliberate refusals (ResponseError) pass.
   */
  const safe =
    <P, R>(name: string, empty: R, handler: (params: P) => R) =>
    (params: P): R => {
      try {
        return handler(params);
      } catch (error) {
        if (error instanceof ResponseError) throw error;
        connection.console.error(`kova lsp: ${name} failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
        return empty;
      }
    };

  const publishAll = safe("diagnostics", undefined, (_: void) => {
    const analysis = workspace.analysis();
    for (const doc of workspace.openDocuments()) {
      const path = workspace.pathOf(doc.uri);
      const file = analysis.file(path);
      const diagnostics = analysis.result.diagnostics.filter((d) => d.span.file === path).map(toLspDiagnostic);
      if (file !== undefined) diagnostics.push(...testDiagnostics(file.program, testRuns.get(doc.uri)));
      void connection.sendDiagnostics({ uri: doc.uri, version: doc.version, diagnostics });
      published.add(doc.uri);
    }
  });
  const schedule = () => {
    if (pending) clearTimeout(pending);
    pending = setTimeout(() => {
      pending = undefined;
      publishAll();
    }, debounceMs);
  };

  documents.onDidOpen((e) => {
    workspace.open(e.document);
    schedule();
  });
  documents.onDidChangeContent((e) => {
    if (testRuns.delete(e.document.uri)) void connection.sendRequest("workspace/codeLens/refresh").catch(() => {});
    workspace.open(e.document);
    schedule();
  });
  documents.onDidClose((e) => {
    workspace.close(e.document.uri);
    if (published.delete(e.document.uri)) void connection.sendDiagnostics({ uri: e.document.uri, diagnostics: [] });
    schedule();
  });
  // A file changed on disk (a sibling or an import): re-check what is open.
  connection.onDidChangeWatchedFiles(() => {
    for (const doc of workspace.openDocuments()) workspace.open(doc);
    schedule();
  });

  /** The open document and the offset of a position in it. */
  const at = (uri: string, position: { line: number; character: number }) => {
    const doc = workspace.document(uri);
    if (!doc) return undefined;
    return { doc, path: workspace.pathOf(uri), offset: doc.offsetAt(position), analysis: workspace.analysis() };
  };

  connection.onInitialize(
    (): InitializeResult => ({
      capabilities: {
        textDocumentSync: TextDocumentSyncKind.Incremental,
        hoverProvider: true,
        completionProvider: { triggerCharacters: ["$", '"'] },
        definitionProvider: true,
        referencesProvider: true,
        documentSymbolProvider: true,
        foldingRangeProvider: true,
        documentFormattingProvider: true,
        renameProvider: { prepareProvider: true },
        codeActionProvider: { codeActionKinds: [CodeActionKind.QuickFix] },
        ...(options.testCommand === undefined ? {} : { codeLensProvider: {}, executeCommandProvider: { commands: [RUN_TESTS_COMMAND] } }),
      },
      serverInfo: { name: "kova", version: "0.1.0" },
    }),
  );

  connection.onCodeAction(
    safe("codeAction", [] as CodeAction[], (params) => {
      const doc = workspace.document(params.textDocument.uri);
      if (!doc) return [];
      const path = workspace.pathOf(doc.uri);
      const actions: CodeAction[] = [];
      for (const d of workspace.analysis().result.diagnostics) {
        if (d.span.file !== path || d.replacement === undefined) continue;
        const range = toRange(d.span);
        if (!rangesOverlap(range, params.range)) continue;
        actions.push({
          title: `Replace with '${d.replacement}'`,
          kind: CodeActionKind.QuickFix,
          diagnostics: [toLspDiagnostic(d)],
          isPreferred: true,
          edit: { changes: { [doc.uri]: [{ range, newText: d.replacement }] } },
        });
      }
      return actions;
    }),
  );

  connection.onHover(
    safe("hover", null, (params) => {
      const here = at(params.textDocument.uri, params.position);
      if (!here) return null;
      const hover = hoverText(here.analysis, here.path, here.offset);
      return hover ? { contents: { kind: "markdown" as const, value: hover.markdown }, range: toRange(hover.node.span) } : null;
    }),
  );

  connection.onCompletion(
    safe("completion", [], (params) => {
      const here = at(params.textDocument.uri, params.position);
      if (!here) return [];
      const items = completionsAt({ analysis: here.analysis, path: here.path, text: here.doc.getText(), offset: here.offset });
      return items.map(({ replaceFrom, ...item }) =>
        replaceFrom === undefined
          ? item
          : { ...item, textEdit: { range: { start: here.doc.positionAt(replaceFrom), end: params.position }, newText: item.label } },
      );
    }),
  );

  connection.onDefinition(
    safe("definition", null as Location | null, (params) => {
      const here = at(params.textDocument.uri, params.position);
      if (!here) return null;
      const found = symbolAt(here.analysis, here.path, here.offset);
      if (found) return { uri: workspace.uriOf(found.target.span.file), range: toRange(declarationNameSpan(found.target)) };
      // IMPORT "./models.kova": the imported file.
      const file = here.analysis.file(here.path);
      const imported = file && nodePathAt(file.program, here.offset).find((n) => n.kind === "Import");
      if (imported?.kind === "Import" && imported.source !== "") {
        // A .kova import resolves as the checker resolves it (a library from node_modules too).
        const target = imported.source.endsWith(".kova")
          ? resolveKovaImport({ readFile: (path) => workspace.readFile(path) }, here.path, imported.source)
          : join(dirname(here.path), imported.source);
        if (target !== undefined && workspace.readFile(target) !== undefined) {
          return { uri: workspace.uriOf(target), range: { start: { line: 0, character: 0 }, end: { line: 0, character: 0 } } };
        }
      }
      return null;
    }),
  );

  connection.onReferences(
    safe("references", [] as Location[], (params) => {
      const here = at(params.textDocument.uri, params.position);
      if (!here) return [];
      const found = symbolAt(here.analysis, here.path, here.offset);
      if (!found) return [];
      const declaration = declarationNameSpan(found.target);
      return referencesTo(here.analysis, found.target)
        .filter((use) => params.context.includeDeclaration || use.span.start.offset !== declaration.start.offset || use.span.file !== declaration.file)
        .map((use) => ({ uri: workspace.uriOf(use.span.file), range: toRange(nameSpan(use)) }));
    }),
  );

  connection.onDocumentSymbol(
    safe("documentSymbol", [], (params) => {
      const doc = workspace.document(params.textDocument.uri);
      const file = doc && workspace.analysis().file(workspace.pathOf(doc.uri));
      return file ? documentSymbols(file.program) : [];
    }),
  );

  connection.onFoldingRanges(
    safe("foldingRange", [], (params) => {
      const doc = workspace.document(params.textDocument.uri);
      const file = doc && workspace.analysis().file(workspace.pathOf(doc.uri));
      return file ? foldingRanges(file.program) : [];
    }),
  );

  connection.onDocumentFormatting(
    safe("formatting", [] as TextEdit[], (params) => {
      const doc = workspace.document(params.textDocument.uri);
      if (!doc) return [];
      const text = doc.getText();
      return formatDocument(text, workspace.pathOf(doc.uri), { start: { line: 0, character: 0 }, end: doc.positionAt(text.length) });
    }),
  );

  connection.onPrepareRename(
    safe("prepareRename", null, (params) => {
      const here = at(params.textDocument.uri, params.position);
      if (!here) return null;
      const found = symbolAt(here.analysis, here.path, here.offset);
      if (!found || !renameable(found.target)) throw new ResponseError(0, "only entities, shapes, fields, variables and path parameters can be renamed");
      return { range: toRange(nameSpan(found.use)), placeholder: spelledName(found.use) ?? "" };
    }),
  );

  connection.onRenameRequest(
    safe("rename", null as WorkspaceEdit | null, (params) => {
      const here = at(params.textDocument.uri, params.position);
      if (!here) return null;
      const found = symbolAt(here.analysis, here.path, here.offset);
      if (!found || !renameable(found.target)) throw new ResponseError(0, "only entities, shapes, fields, variables and path parameters can be renamed");
      const newName = params.newName.replace(/^[$:]/, "");
      const problem = checkNewName(newName);
      if (problem) throw new ResponseError(0, problem);
      const changes: Record<string, TextEdit[]> = {};
      for (const edit of renameEdits(here.analysis, found.target, newName)) {
        (changes[workspace.uriOf(edit.file)] ??= []).push({ range: toRange(edit.span), newText: edit.newText });
      }
      return { changes };
    }),
  );

  connection.onCodeLens(
    safe("codeLens", [] as CodeLens[], (params) => {
      const doc = workspace.document(params.textDocument.uri);
      if (!doc || options.testCommand === undefined) return [];
      const path = workspace.pathOf(doc.uri);
      const file = isTestFile(path) ? workspace.analysis().file(path) : undefined;
      return file ? testLenses(file.program, doc.uri, testRuns.get(doc.uri)) : [];
    }),
  );

  // "Run test": kova test on the file (one test, or all), then results as lenses and diagnostics.
  connection.onExecuteCommand(async (params) => {
    const [uri, name] = (params.arguments ?? []) as [string, string | undefined];
    if (params.command !== RUN_TESTS_COMMAND || options.testCommand === undefined || typeof uri !== "string") return null;
    const run = await runTests(options.testCommand, workspace.pathOf(uri), name);
    const earlier = testRuns.get(uri);
    // Running one test keeps the others' last results.
    const outcomes = name === undefined || earlier === undefined ? run.outcomes : [...earlier.outcomes.filter((o) => o.name !== name), ...run.outcomes];
    testRuns.set(uri, { ...run, outcomes });
    publishAll();
    void connection.sendRequest("workspace/codeLens/refresh").catch(() => {});
    const failed = run.outcomes.filter((o) => !o.ok).length;
    const summary = run.problem !== undefined && run.outcomes.length === 0 ? `kova test: ${run.problem}` : `kova test: ${run.outcomes.length - failed} passed, ${failed} failed`;
    void connection.sendNotification("window/showMessage", { type: failed > 0 || run.problem !== undefined ? 1 : 3, message: summary });
    return { passed: run.outcomes.length - failed, failed, problem: run.problem ?? null };
  });

  documents.listen(connection);
  connection.listen();
  return connection;
}
