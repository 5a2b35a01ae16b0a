import { existsSync } from "node:fs";
import { isAbsolute, join } from "node:path";
import * as vscode from "vscode";
import { LanguageClient, TransportKind, type Executable, type LanguageClientOptions, type NodeModule, type ServerOptions } from "vscode-languageclient/node";

let client: LanguageClient | undefined;

/**
 * Which server to start. The `kova.server.path` setting wins when set; with the default ("kova"),
 * the project's installed CLI (node_modules/@kova/cli/bin/kova.js, run with node; not .bin/kova,
 * which the unrelated npm package named `kova` could provide) is used, so the server matches the
 * compiler the project builds with; without one, the copy of the server bundled in this extension runs
 * (out/server.mjs, on VS Code's own Node.js). A `.js` path (bin/kova.js of a checkout) is run with node.
 */
function serverOptions(context: vscode.ExtensionContext): { options: ServerOptions; describe: string } {
  const config = vscode.workspace.getConfiguration("kova");
  let path = config.get<string>("server.path", "kova").trim() || "kova";
  const args = config.get<string[]>("server.args", ["lsp", "--stdio"]);
  const folder = vscode.workspace.workspaceFolders?.[0]?.uri.fsPath;
  if (path === "kova") {
    const local = folder && join(folder, "node_modules", "@kova", "cli", "bin", "kova.js");
    if (!local || !existsSync(local)) {
      const module = context.asAbsolutePath(join("out", "server.mjs"));
      const bundled: NodeModule = { module, transport: TransportKind.stdio };
      return { options: { run: bundled, debug: bundled }, describe: `the bundled server (${module})` };
    }
    path = local;
  } else if (folder && !isAbsolute(path) && (path.includes("/") || path.includes("\\"))) {
    path = join(folder, path);
  }
  // .cmd shims on Windows need a shell to run.
  const executable: Executable = path.endsWith(".js") ? { command: "node", args: [path, ...args] } : { command: path, args, options: { shell: process.platform === "win32" } };
  return { options: { run: executable, debug: executable }, describe: `${executable.command} ${(executable.args ?? []).join(" ")}` };
}

async function start(context: vscode.ExtensionContext): Promise<void> {
  const server = serverOptions(context);
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
  client = new LanguageClient("kova", "Kova", server.options, clientOptions);
  try {
    await client.start();
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    void vscode.window.showErrorMessage(
      `Kova: could not start the language server (${server.describe}): ${message}. ` +
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
