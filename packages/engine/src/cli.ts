#!/usr/bin/env node
// `node packages/engine/dist/src/cli.js`: the engine without the kova CLI (tests and containers).
import { runEngine } from "./main.js";

process.exitCode = await runEngine(process.env);
