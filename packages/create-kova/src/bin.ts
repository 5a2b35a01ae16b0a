#!/usr/bin/env node
// The create-kova command. scripts/bundle-create-kova.mjs bundles this file (with kova's init code)
// into the package's index.js, so the package folder is the one next to the bundle.
import { fileURLToPath } from "node:url";
import { createKova } from "./main.js";

process.exitCode = createKova(process.argv.slice(2), fileURLToPath(new URL(".", import.meta.url)));
