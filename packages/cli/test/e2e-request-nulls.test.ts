// An absent query key or header is null, as docs/language.md says (issue 13 item 5): it shows in a
// reply as null (not a missing key), IS NULL holds, ?? supplies the fallback; a body field still
// keeps absent apart from null (has()). Over real HTTP on the embedded store.
import { test, type TestContext } from "node:test";
import assert from "node:assert/strict";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { startApp } from "@kova/runtime";
import "@kova/driver-embedded";
import { build, tempApp } from "./e2e/harness.js";

async function serve(t: TestContext, appDir: string): Promise<string> {
  const { app } = (await import(pathToFileURL(join(appDir, "dist", "app.js")).href)) as { app: Parameters<typeof startApp>[0] };
  const running = await startApp(app, { port: 0, host: "127.0.0.1", appDir, manageProcess: false, logLevel: "silent" });
  t.after(() => running.close());
  return running.url;
}

const APP = `
ENTITY Visit {
  at: datetime
  page: text
}

VALIDATE VisitIn { at: datetime  page: string }

POST /visits VALIDATE VisitIn { RESPOND 201 INSERT INTO Visit $body }

GET /visits/around {
  RESPOND SELECT page FROM Visit WHERE at > $query.since - 1d AND at < $query.since + 1d ORDER_BY at
}

GET /echo {
  RESPOND {
    q: $query.q,
    missing: $query.q IS NULL,
    fallback: $query.q ?? "none",
    agent: $headers["x-agent"],
  }
}
`;

test("absent $query keys and headers are null in replies and conditions", async (t) => {
  const dir = tempApp(t, { "app.kova": APP });
  await build(dir);
  const url = await serve(t, dir);
  const absent = await fetch(`${url}/echo`);
  assert.deepEqual(await absent.json(), { q: null, missing: true, fallback: "none", agent: null });
  const present = await fetch(`${url}/echo?q=hi`, { headers: { "x-agent": "k" } });
  assert.deepEqual(await present.json(), { q: "hi", missing: false, fallback: "hi", agent: "k" });
});

test("a request value plus or minus a duration is an instant: compared in WHERE, a 400 naming it when it is no instant", async (t) => {
  const dir = tempApp(t, { "app.kova": APP });
  await build(dir);
  const url = await serve(t, dir);
  for (const [at, page] of [["2025-03-01T12:00:00Z", "before"], ["2025-03-05T12:00:00Z", "inside"], ["2025-03-09T12:00:00Z", "after"]]) {
    const r = await fetch(`${url}/visits`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ at, page }) });
    assert.equal(r.status, 201);
  }
  const around = await fetch(`${url}/visits/around?since=2025-03-05T00:00:00Z`);
  assert.deepEqual(await around.json(), [{ id: 2, page: "inside" }]);
  const bad = await fetch(`${url}/visits/around?since=yesterday`);
  assert.equal(bad.status, 400);
  const problem = (await bad.json()) as { errors?: Array<{ field: string }> };
  assert.equal(problem.errors?.[0]?.field, "since");
});
