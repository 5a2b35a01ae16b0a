// The `kova` process entry point (bin/kova.js imports this). Everything testable is in cli.ts;
// this file only connects it to the real process and exits with the code it returns.
import { runCli } from "./cli.js";

// A reader that stops early (`kova ast app.kova | head`) closes the pipe: stop quietly, as Unix
// tools do, instead of crashing with an EPIPE stack trace. Other write failures get one line.
for (const stream of [process.stdout, process.stderr]) {
  stream.on("error", (error: NodeJS.ErrnoException) => {
    if (error.code !== "EPIPE") process.stderr.write(`kova: cannot write output: ${error.message}\n`);
    process.exit(error.code === "EPIPE" ? 0 : 70);
  });
}

const code = await runCli(process.argv.slice(2));
// Let buffered output reach a pipe before exiting, so `kova ast big.kova > out.json` loses nothing.
await Promise.all([process.stdout, process.stderr].map((s) => new Promise<void>((done) => s.write("", () => done()))));
process.exit(code);
