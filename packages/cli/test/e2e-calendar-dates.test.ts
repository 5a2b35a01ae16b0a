// VALIDATE's date and datetime checks accept only days that exist: 2025-02-30 used to pass the
// shape (Date.parse rolls it over to March 2nd) and reach the database as another day, or be
// refused there with a different problem type.
import { test } from "node:test";
import assert from "node:assert/strict";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { startApp } from "@kova/runtime";
import "@kova/driver-embedded";
import { build, tempApp } from "./e2e/harness.js";

const APP = `
VALIDATE Event {
  name: string
  day: date
  starts: datetime?
}

POST /check VALIDATE Event { RESPOND { ok: true } }
`;

test("VALIDATE date/datetime: an impossible day is a 400 naming the field; real days pass", async (t) => {
  const dir = tempApp(t, { "app.kova": APP });
  await build(dir);
  const { app } = (await import(pathToFileURL(join(dir, "dist", "app.js")).href)) as { app: Parameters<typeof startApp>[0] };
  const running = await startApp(app, { port: 0, host: "127.0.0.1", appDir: dir, manageProcess: false, logLevel: "silent" });
  t.after(() => running.close());
  const post = async (body: unknown) => {
    const response = await fetch(`${running.url}/check`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(body) });
    return { status: response.status, body: (await response.json()) as { errors?: Array<{ field: string }> } };
  };
  assert.equal((await post({ name: "a", day: "2024-02-29", starts: "2024-02-29T10:00:00Z" })).status, 200);
  for (const [field, body] of [
    ["day", { name: "a", day: "2025-02-30" }],
    ["day", { name: "a", day: "2025-04-31" }],
    ["starts", { name: "a", day: "2025-01-01", starts: "2025-02-31T10:00:00Z" }],
  ] as const) {
    const answer = await post(body);
    assert.equal(answer.status, 400, JSON.stringify(body));
    assert.deepEqual(answer.body.errors?.map((e) => e.field), [field]);
  }
});
