import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync, mkdirSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { after } from "node:test";

/** The real executable, as `npx kova` runs it (compiled tests live in dist/test/). */
export const KOVA_BIN = fileURLToPath(new URL("../../bin/kova.js", import.meta.url));

export interface RunResult {
  status: number | null;
  stdout: string;
  stderr: string;
}

/** Spawns `node bin/kova.js ARGS…` in `cwd`; output is piped, so not a TTY. */
export function kova(args: readonly string[], options: { cwd?: string; env?: Record<string, string | undefined> } = {}): RunResult {
  const env: Record<string, string | undefined> = { ...process.env, NO_COLOR: undefined, FORCE_COLOR: undefined, ...options.env };
  for (const key of Object.keys(env)) if (env[key] === undefined) delete env[key];
  const result = spawnSync(process.execPath, [KOVA_BIN, ...args], { cwd: options.cwd, env, encoding: "utf8" });
  return { status: result.status, stdout: result.stdout, stderr: result.stderr };
}

/** A fresh temp folder holding `files` (path → text), removed when the test file ends. */
export function tempProject(files: Record<string, string>): string {
  const dir = mkdtempSync(join(tmpdir(), "kova-cli-"));
  for (const [path, text] of Object.entries(files)) {
    mkdirSync(dirname(join(dir, path)), { recursive: true });
    writeFileSync(join(dir, path), text);
  }
  after(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

export const VALID_PROGRAM = `ENTITY User {
  name: text
  email: email UNIQUE
}

GET /users/:id {
  user = SELECT * FROM User WHERE id = $id
  RESPOND user
}
`;

/** Two parse errors: a misspelt FROM (line 2, column 16) and a lower-case keyword (line 5). */
export const BROKEN_PROGRAM = `GET /x {
  x = SELECT * FORM User
  RESPOND 200 x
}
entity Foo {}
`;
