// Where `kova run` and `kova dev` listen: flags > environment > .env > kova.config.json > default,
// the same rule `node dist/server.js` follows, and ports are decimal 0–65535 only (issue 23 items 12, 14).
import { test } from "node:test";
import assert from "node:assert/strict";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { KOVA_BIN, freePort, request, spawnNode, tempApp, waitForHealth, type Child } from "./e2e/harness.js";

const APP = `GET /hello {\n  RESPOND { hello: "world" }\n}\n`;
// PORT and HOST unset, whatever the test runner's environment says (children inherit this one).
delete process.env.PORT;
delete process.env.HOST;
const NO_ENV = {};

/**
 * Waits for the CLI's own "Kova app … on URL" / "Kova dev server on URL" line (printed as the app
 * starts listening), then until the app answers there; returns the URL.
 */
async function announcedUrl(child: Child): Promise<string> {
  const match = await child.waitForOutput(/^Kova (?:app .* |dev server )on (http:\/\/127\.0\.0\.1:\d+)/m, 15_000);
  await waitForHealth(match[1], child);
  return match[1];
}

test("kova run takes its port from flag, then PORT, then .env, then kova.config.json", async (t) => {
  const dir = tempApp(t, { "app.kova": APP });
  const [fromConfig, fromDotenv, fromEnv, fromFlag] = await Promise.all([freePort(), freePort(), freePort(), freePort()]);
  const runOnce = async (env: Record<string, string>, args: string[] = []) => {
    const run = spawnNode(t, [KOVA_BIN, "run", dir, ...args], { env: { ...NO_ENV, ...env } });
    const url = await announcedUrl(run);
    assert.deepEqual((await request(`${url}/hello`)).body, { hello: "world" });
    await run.stop();
    return Number(new URL(url).port);
  };
  writeFileSync(join(dir, "kova.config.json"), JSON.stringify({ port: fromConfig, host: "127.0.0.1" }));
  assert.equal(await runOnce({}), fromConfig, "kova.config.json's port (was: always 3000)");
  writeFileSync(join(dir, ".env"), `PORT=${fromDotenv}\n`);
  assert.equal(await runOnce({}), fromDotenv, ".env over kova.config.json");
  assert.equal(await runOnce({ PORT: String(fromEnv) }), fromEnv, "the environment over .env");
  assert.equal(await runOnce({ PORT: String(fromEnv) }, ["--port", String(fromFlag)]), fromFlag, "the flag over everything");
});

test("kova dev honours kova.config.json's port", async (t) => {
  const dir = tempApp(t, { "app.kova": APP });
  const port = await freePort();
  writeFileSync(join(dir, "kova.config.json"), JSON.stringify({ port }));
  const dev = spawnNode(t, [KOVA_BIN, "dev", dir], { env: NO_ENV });
  assert.equal(await announcedUrl(dev), `http://127.0.0.1:${port}`);
  assert.equal((await request(`http://127.0.0.1:${port}/hello`)).status, 200);
});

test("--port 0 prints the routes with the port the app really got", async (t) => {
  const dir = tempApp(t, { "app.kova": APP });
  const run = spawnNode(t, [KOVA_BIN, "run", dir, "--port", "0"], { env: NO_ENV });
  const url = await announcedUrl(run);
  const port = Number(new URL(url).port);
  assert.ok(port > 0, url);
  assert.match(run.stdout, new RegExp(`GET\\s+http://127\\.0\\.0\\.1:${port}/hello`));
  assert.doesNotMatch(run.stdout, /:0\//);
  assert.equal((await request(`${url}/hello`)).status, 200);
});

for (const bad of ["0x10", "1e3", "65536", "-1", "8.0", " 80"]) {
  test(`--port '${bad}' is refused as a usage error`, async (t) => {
    const dir = tempApp(t, { "app.kova": APP });
    const run = spawnNode(t, [KOVA_BIN, "run", dir, `--port=${bad}`], { env: NO_ENV });
    assert.equal((await run.exited).code, 2);
    assert.match(run.stderr, /--port takes a whole number from 0 to 65535/);
  });
}

for (const bad of ["0x10", "1e3"]) {
  test(`PORT=${bad} is refused at start with the rule`, async (t) => {
    const dir = tempApp(t, { "app.kova": APP });
    const run = spawnNode(t, [KOVA_BIN, "run", dir], { env: { ...NO_ENV, PORT: bad } });
    assert.equal((await run.exited).code, 1);
    assert.match(run.stderr, new RegExp(`PORT must be a whole number from 0 to 65535, got "${bad}"`));
  });
}
