// The language server bundled into the extension (scripts/build-vsix.mjs bundles this file with
// @kova/lsp and the compiler into out/server.mjs). It is used when the project has no kova installed.
import { startServer } from "@kova/lsp";

startServer(process.stdin, process.stdout);
