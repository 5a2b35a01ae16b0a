// Runs the Kova language server on stdin/stdout (the same server as `kova lsp --stdio`).
import { startServer } from "./server.js";

startServer(process.stdin, process.stdout);
// An editor that goes away without `shutdown`/`exit` closes our stdin: stop rather than linger.
process.stdin.once("end", () => process.exit(1));
