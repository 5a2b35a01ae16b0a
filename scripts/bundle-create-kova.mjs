#!/usr/bin/env node
// create-kova's prepack: bundles packages/create-kova/src/bin.ts with the kova init code it uses
// into packages/create-kova/index.js (one file, no dependencies), and copies the todo and blog
// examples into its templates/. Run by `npm pack` (so by `npm run pack`); safe to run by hand.
import { build } from "esbuild";
import { rmSync } from "node:fs";
import { copyTemplates } from "./copy-templates.mjs";

const root = new URL("..", import.meta.url);
const pkg = new URL("packages/create-kova/", root);
await build({
  entryPoints: [new URL("src/bin.ts", pkg).pathname],
  outfile: new URL("index.js", pkg).pathname,
  bundle: true,
  platform: "node",
  format: "esm",
  target: "node20",
  // @kova/cli's init-project.ts is bundled from source, so create-kova needs no build of the CLI.
  alias: { "@kova/cli/dist/src/init-project.js": new URL("packages/cli/src/init-project.ts", root).pathname },
  legalComments: "none",
  logLevel: "warning",
});
rmSync(new URL("templates", pkg), { recursive: true, force: true });
copyTemplates(new URL("templates", pkg).pathname);
