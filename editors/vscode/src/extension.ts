import { existsSync } from "node:fs";
import { isAbsolute, join } from "node:path";
import * as vscode from "vscode";
import { LanguageClient, type Executable, type LanguageClientOptions, type ServerOptions } from "vscode-languageclient/node";

let client: LanguageClient | undefined;

/**
 * Which executable runs the server. The `kova.server.path` setting wins; with the default ("kova"),
 * a project-local install (node_modules/.bin/kova) is preferred over whatever is on PATH, so the
 * server matches the compiler version the project builds with. A `.js` path (bin/kova.js of a
 * checkout) is run with node.
 */
function serverExecutable(): Executable {
  const config = vscode.workspace.getConfiguration("kova");
  let path = config.get<string>("server.path", "kova").trim() || "kova";
  const args = config.get<string[]>("server.args", ["lsp", "--stdio"]);
  const folder = vscode.workspace.workspaceFolders?.[0]?.uri.fsPath;
  if (path === "kova" && folder) {
    const local = join(folder, "node_modules", ".bin", process.platform === "win32" ? "kova.cmd" : "kova");
    if (existsSync(local)) path = local;
  } else if (folder && !isAbsolute(path) && (path.includes("/") || path.includes("\\"))) {
    path = join(folder, path);
  }
  if (path.endsWith(".js")) return { command: "node", args: [path, ...args] };
  // .cmd shims on Windows need a shell to run.
  return { command: path, args, options: { shell: process.platform === "win32" } };
}

async function start(context: vscode.ExtensionContext): Promise<void> {
  const executable = serverExecutable();
  const serverOptions: ServerOptions = { run: executable, debug: executable };
  const clientOptions: LanguageClientOptions = {
    documentSelector: [
      { scheme: "file", language: "kova" },
      { scheme: "untitled", language: "kova" },
    ],
    synchronize: {
      // Imports and sibling files change on disk too: the server re-checks open documents.
      fileEvents: vscode.workspace.createFileSystemWatcher("**/{*.kova,.env}"),
    },
  };
  client = new LanguageClient("kova", "Kova", serverOptions, clientOptions);
  try {
    await client.start();
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    void vscode.window.showErrorMessage(
      `Kova: could not start the language server (${executable.command} ${(executable.args ?? []).join(" ")}): ${message}. ` +
        "Install kova in the project or set 'kova.server.path'.",
    );
  }
  context.subscriptions.push({ dispose: () => void client?.stop() });
}

export async function activate(context: vscode.ExtensionContext): Promise<void> {
  context.subscriptions.push(
    vscode.commands.registerCommand("kova.restartServer", async () => {
      if (client) await client.stop().catch(() => undefined);
      await start(context);
    }),
    vscode.workspace.onDidChangeConfiguration(async (event) => {
      if (event.affectsConfiguration("kova.server")) await vscode.commands.executeCommand("kova.restartServer");
    }),
  );
  await start(context);
}

export async function deactivate(): Promise<void> {
  if (client) await client.stop();
}
