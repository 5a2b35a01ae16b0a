// PORT and kova.config.json's port: decimal 0–65535 only (issue 23 item 14).
import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { loadFileConfig, parsePort, portFromEnv } from "../src/config.js";

test("parsePort takes decimal digits from 0 to 65535 and nothing else", () => {
  for (const [text, port] of [["0", 0], ["80", 80], ["65535", 65535], ["08080", 8080]] as const) assert.equal(parsePort(text), port, text);
  for (const text of ["0x10", "1e3", "65536", "-1", "8.0", " 80", "80 ", "", "+80", "0b1", "99999"]) assert.equal(parsePort(text), undefined, text);
});

test("PORT=0x10 or 1e3 is a start-up error, not port 16 or 1000", () => {
  assert.throws(() => portFromEnv({ PORT: "0x10" }), /PORT must be a whole number from 0 to 65535, got "0x10"/);
  assert.throws(() => portFromEnv({ PORT: "1e3" }), /got "1e3"/);
  assert.equal(portFromEnv({ PORT: "8080" }), 8080);
  assert.equal(portFromEnv({ PORT: "" }), undefined);
});

test("kova.config.json's port must be at most 65535", (t) => {
  const dir = mkdtempSync(join(tmpdir(), "kova-config-"));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  writeFileSync(join(dir, "kova.config.json"), JSON.stringify({ port: 70000 }));
  assert.throws(() => loadFileConfig(dir), /"port" must be from 0 to 65535, got 70000/);
});
