// `kova build --target bytecode`, `kova bytecode --disasm` and `kova run --vm`, as a user runs them.
import { test } from "node:test";
import assert from "node:assert/strict";
import { existsSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { freePort, KOVA_BIN, kovaSync, request, spawnNode, tempApp, waitForHealth } from "./e2e/harness.js";

const APP = {
  "app.kova": `VALIDATE Greeting {\n  name: string(min: 1)\n}\n\nFN greet(name: text) {\n  RETURN "Hello, {name}!"\n}\n\nPOST /hello VALIDATE Greeting {\n  RESPOND { message: greet($body.name) }\n}\n`,
};

test("kova build --target bytecode writes a signed app.kbc and a key pair; --disasm verifies and prints it; an altered file is refused", (t) => {
  const dir = tempApp(t, APP);
  const built = kovaSync(["build", "--target", "bytecode", dir]);
  assert.equal(built.status, 0, built.stderr);
  assert.match(built.stdout, /wrote .*app\.kbc \(sha256 [0-9a-f]{64}\)/);
  const kbc = join(dir, "dist", "app.kbc");
  assert.ok(existsSync(kbc) && existsSync(`${kbc}.pub.pem`));
  const privateKey = join(dir, ".kova", "keys", "bytecode-signing.pem");
  assert.equal(statSync(privateKey).mode & 0o777, 0o600, "the private key is readable by its owner only");

  const disasm = kovaSync(["bytecode", "--disasm", kbc]);
  assert.equal(disasm.status, 0, disasm.stderr);
  assert.match(disasm.stdout, /^; sha256 [0-9a-f]{64}$/m);
  assert.match(disasm.stdout, /\.route POST \/hello -> fn 1/);
  assert.match(disasm.stdout, /fn 0 FN greet {2}params=1/);
  assert.match(disasm.stdout, /CALL +fn 0 \(greet\)\/1/);

  // A rebuild reuses the key: the same program, the same hash.
  const again = kovaSync(["build", "--target", "bytecode", dir]);
  assert.equal(again.stdout.match(/sha256 (\w+)/)?.[1], built.stdout.match(/sha256 (\w+)/)?.[1]);

  const bytes = readFileSync(kbc);
  bytes[40] ^= 0xff;
  writeFileSync(kbc, bytes);
  const refused = kovaSync(["bytecode", "--disasm", kbc]);
  assert.equal(refused.status, 1);
  assert.match(refused.stderr, /refused \(bad-hash\): .*the file was altered/);
});

test("kova build --target bytecode refuses what the VM tier cannot run, at its line", (t) => {
  const dir = tempApp(t, { "app.kova": `GET /h/:p {\n  RESPOND { h: hash_password($p) }\n}\n` });
  const r = kovaSync(["build", "--target", "bytecode", "--no-color", dir]);
  assert.equal(r.status, 1);
  assert.match(r.stderr, /error\[KV2901\]: the built-in hash_password\(\) is not available on the VM tier/);
  assert.match(r.stderr, /app\.kova:2:3/);
  assert.equal(kovaSync(["build", "--target", "wasm", dir]).status, 2);
});

test("kova run --vm serves the app with its handlers on the VM; a server given a wrong key refuses to start", async (t) => {
  const dir = tempApp(t, APP);
  const port = await freePort();
  const server = spawnNode(t, [KOVA_BIN, "run", "--vm", "--port", String(port), dir]);
  const url = `http://127.0.0.1:${port}`;
  await waitForHealth(url, server, 20_000);
  const ok = await request(`${url}/hello`, { method: "POST", json: { name: "Ada" } });
  assert.equal(ok.status, 200, ok.text);
  assert.deepEqual(ok.body, { message: "Hello, Ada!" });
  const bad = await request(`${url}/hello`, { method: "POST", json: { name: "" } });
  assert.equal(bad.status, 400, "validation stays the runtime's");
  assert.equal(existsSync(join(dir, "dist", "app.kbc")), true);

  // The built server, told to trust another key only, refuses the program before serving anything.
  const other = tempApp(t, APP);
  assert.equal(kovaSync(["build", "--target", "bytecode", other]).status, 0);
  const port2 = await freePort();
  const wrongKey = spawnNode(t, [join(dir, "dist", "server.js")], { env: { PORT: String(port2), KOVA_TRUSTED_KEYS: join(other, "dist", "app.kbc.pub.pem") } });
  const exit = await wrongKey.exited;
  assert.notEqual(exit.code, 0);
  assert.match(wrongKey.output, /app\.kbc refused: the program is signed by key [0-9a-f]{16}…, which is not among the 1 trusted key/);
});
