/**
 * The app the `kova db` tests run: one entity with a field of most types, routes to write it and to
 * read it now and AS OF an instant, on the embedded store (or on PostgreSQL with `connect`).
 */
import { spawn } from "node:child_process";
import { createHash } from "node:crypto";
import { readFileSync } from "node:fs";
import { KOVA_BIN } from "../e2e/harness.js";

export function notesApp(connect = ""): string {
  return `${connect}
ENTITY Note {
  title: text
  body: text?
  pinned: bool DEFAULT false
  score: float?
  price: decimal?
  count: int?
  tags: json?
  due: date?
  seen: datetime?
}

VALIDATE NoteIn {
  title: string
  body: string?
  pinned: boolean?
  score: number?
  price: number?
  count: int?
  tags: any?
  due: date?
  seen: datetime?
}

VALIDATE NoteChange {
  title: string?
  body: string?
  pinned: boolean?
  count: int?
}

GET /notes {
  RESPOND SELECT * FROM Note ORDER_BY id LIMIT 100000
}

GET /notes/as-of/:when {
  RESPOND SELECT * FROM Note AS OF $when ORDER_BY id LIMIT 100000
}

POST /notes VALIDATE NoteIn {
  RESPOND 201 INSERT INTO Note $body
}

PATCH /notes/:id VALIDATE NoteChange {
  RESPOND UPDATE Note SET $body WHERE id = $id
}

DELETE /notes/:id {
  removed = DELETE FROM Note WHERE id = $id
  RESPOND
}
`;
}

export interface Run {
  status: number | null;
  stdout: string;
  stderr: string;
}

/** `kova ARGS…` as a child process, without blocking this process (which may be sending load). */
export function kovaAsync(args: string[], options: { cwd?: string; env?: Record<string, string | undefined> } = {}): Promise<Run> {
  return new Promise((resolve) => {
    const env: Record<string, string | undefined> = { ...process.env, NO_COLOR: "1", ...options.env };
    for (const key of Object.keys(env)) if (env[key] === undefined) delete env[key];
    const child = spawn(process.execPath, [KOVA_BIN, ...args], { cwd: options.cwd, env: env as NodeJS.ProcessEnv, stdio: ["ignore", "pipe", "pipe"] });
    let stdout = "";
    let stderr = "";
    child.stdout.setEncoding("utf8").on("data", (s: string) => (stdout += s));
    child.stderr.setEncoding("utf8").on("data", (s: string) => (stderr += s));
    child.once("close", (status) => resolve({ status, stdout, stderr }));
  });
}

export function sha256(file: string): string {
  return createHash("sha256").update(readFileSync(file)).digest("hex");
}

/** A note with every field set, different for each `i`. */
export function note(i: number): Record<string, unknown> {
  return {
    title: `note ${i}`,
    body: i % 3 === 0 ? null : `body ${i} ✓ "quoted"`,
    pinned: i % 2 === 0,
    score: i + 0.25,
    price: i * 10 + 0.5,
    count: i,
    tags: { n: i, list: ["a", i], nested: { ok: true } },
    due: `2026-0${(i % 9) + 1}-1${i % 10}`,
    seen: new Date(Date.UTC(2026, 0, 1) + i * 60_000).toISOString(),
  };
}
