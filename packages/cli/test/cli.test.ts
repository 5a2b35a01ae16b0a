import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { allCommands } from "../src/registry.js";
import { kova, KOVA_BIN } from "./helpers.js";

test("the bin is an executable node script", () => {
  assert.ok(readFileSync(KOVA_BIN, "utf8").startsWith("#!/usr/bin/env node\n"));
});

test("--version prints the package version", () => {
  const pkg = JSON.parse(readFileSync(new URL("../../package.json", import.meta.url), "utf8")) as { version: string };
  const r = kova(["--version"]);
  assert.equal(r.status, 0);
  assert.equal(r.stdout, `kova ${pkg.version}\n`);
});

test("no arguments, --help and `help` print the list of every command", async () => {
  const commands = await allCommands();
  for (const args of [[], ["--help"], ["help"]]) {
    const r = kova(args);
    assert.equal(r.status, 0, `kova ${args.join(" ")}`);
    const escape = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
    for (const command of commands) assert.match(r.stdout, new RegExp(`^  ${command.name} +${escape(command.summary)}$`, "m"));
  }
});

test("every command has --help and `kova help NAME`, printing its usage", async () => {
  for (const command of await allCommands()) {
    for (const args of [[command.name, "--help"], [command.name, "-h"], ["help", command.name]]) {
      const r = kova(args);
      assert.equal(r.status, 0, `kova ${args.join(" ")}: ${r.stderr}`);
      assert.equal(r.stdout, command.usage.trimEnd() + "\n");
      assert.match(r.stdout, new RegExp(`^Usage: kova ${command.name}`));
    }
  }
});

test("an unknown command gets a suggestion and exit 2", () => {
  const r = kova(["chek", "."]);
  assert.equal(r.status, 2);
  assert.equal(r.stdout, "");
  assert.match(r.stderr, /unknown command 'chek'; did you mean 'check'\?/);
});

test("an unknown command with nothing close gets no suggestion, still exit 2", () => {
  const r = kova(["frobnicate"]);
  assert.equal(r.status, 2);
  assert.match(r.stderr, /unknown command 'frobnicate'/);
  assert.doesNotMatch(r.stderr, /did you mean/);
});

test("`kova help` with an unknown command suggests one", () => {
  const r = kova(["help", "asr"]);
  assert.equal(r.status, 2);
  assert.match(r.stderr, /did you mean 'ast'\?/);
});

test("unknown flags get a suggestion and exit 2, globally and per command", () => {
  const global = kova(["--verison"]);
  assert.equal(global.status, 2);
  assert.match(global.stderr, /unknown option '--verison'; did you mean '--version'\?/);

  const check = kova(["check", "--fromat", "json"]);
  assert.equal(check.status, 2);
  assert.match(check.stderr, /unknown option '--fromat'; did you mean '--format'\?/);
  assert.match(check.stderr, /kova check --help/);

  const ast = kova(["ast", "--no-span", "x.kova"]);
  assert.equal(ast.status, 2);
  assert.match(ast.stderr, /did you mean '--no-spans'\?/);
});

test("a flag missing its value is a usage error, not a stack trace", () => {
  const r = kova(["check", "--format"]);
  assert.equal(r.status, 2);
  assert.match(r.stderr, /--format/);
  assert.doesNotMatch(r.stderr, /\n\s+at /);
});
