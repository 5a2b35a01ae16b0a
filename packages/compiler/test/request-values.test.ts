// Request values (issue 13 item 5): an absent $query key or header is null; a request value plus
// or minus a duration is an instant, typed as a datetime input — checker, IR inputs, emitted code.
import assert from "node:assert/strict";
import { test } from "node:test";
import { checkText, emitApp, lower } from "../src/index.js";

const APP = `ENTITY Visit {
  at: datetime
}

GET /recent {
  RESPOND SELECT * FROM Visit WHERE at > $query.since - 1d
}

GET /echo {
  RESPOND { q: $query.q, agent: $headers["x-agent"] }
}
`;

function lowered(text: string) {
  const result = checkText(text, "/app/app.kova", { readFile: () => undefined });
  assert.deepEqual(result.diagnostics.map((d) => `${d.code} ${d.message}`), []);
  return lower(result.programs[0].model, { name: "app" });
}

test("checker: $query.x ± a duration is an instant, so comparing it with a datetime field is clean", () => {
  lowered(APP);
  const bad = checkText(`ENTITY Visit {\n  at: datetime\n}\nGET /r {\n  RESPOND SELECT * FROM Visit WHERE at > $query.n * 2\n}\n`, "/app/app.kova", { readFile: () => undefined });
  assert.deepEqual(bad.diagnostics.map((d) => d.code), ["KV3001"], "arithmetic other than ± a duration is still a number");
});

test("IR: the input is declared a datetime (parsed before the handler, 400 naming it otherwise)", () => {
  const app = lowered(APP);
  assert.deepEqual(app.entryPoints[0].inputs.query, [{ name: "since", type: "datetime", from: "field" }]);
});

test("emit: the duration is added to the instant; absent query keys and headers read as null", () => {
  const app = lowered(APP);
  const compiled = new Map(app.queries.map((q) => [q.id, { sql: `-- ${q.id}` } as never]));
  const code = emitApp(app, compiled, { sourcePath: () => "app.kova", sourceText: () => APP, moduleSpecifier: (_f, m) => m, outputFile: "/app/dist/app.js" }).code;
  assert.ok(code.includes(`execute(Q0, [kb.date_add((ctx.query?.["since"] ?? null), -(86400000))])`), code);
  assert.ok(code.includes(`{ "q": (ctx.query?.["q"] ?? null), "agent": (ctx.headers?.["x-agent"] ?? null) }`), code);
});
