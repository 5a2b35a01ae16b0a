// The request pipeline: built-in stage order, placing stages by name, and one test stage working
// in both servers (node:http and the Fastify plugin) with no change to either.
import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { HttpError, Pipeline, STAGES, type Exchange, type PipelineStage } from "../src/index.js";
import { serveOnBoth, type BothServers } from "./both-servers.js";
import { captureLog } from "./test-app.js";

/** An auth-like stage: no `authorization` header, a 401 problem before the body is even read. */
const requireToken: PipelineStage = {
  name: "testAuth",
  run: (ex: Exchange) => (ex.headers.authorization === "Bearer let-me-in" ? undefined : ex.problem(401, "send a bearer token")),
};

/** A stage after the handler: sees every answer (problems too) and adds a header. */
const stampStatus: PipelineStage = {
  name: "testStamp",
  run: (ex: Exchange) => ex.setHeader("X-Test-Stage", `saw ${ex.reply?.status}`),
};

/** An async stage before the handler: awaited, and can read the typed inputs. */
const asyncPeek: PipelineStage = {
  name: "testPeek",
  run: async (ex: Exchange) => {
    await new Promise((resolve) => setImmediate(resolve));
    ex.setHeader("x-typed-id", typeof ex.params.id);
  },
};

/** A rate-limit-like stage that throws: thrown HttpErrors become their problem, like a handler's. */
const throttle: PipelineStage = {
  name: "testThrottle",
  run: (ex: Exchange) => {
    if (ex.headers["x-test-throttle"] !== undefined) throw new HttpError(429, "slow down", { retryAfter: 1 });
  },
};

const pipeline = new Pipeline()
  .with(throttle, { after: "typeInputs" })
  .with(requireToken, { before: "readBody" })
  .with(asyncPeek, { after: "validate" })
  .with(stampStatus, { after: "handler" });

describe("Pipeline", () => {
  test("the built-in stages run in the documented order; stages are placed by name", () => {
    assert.deepEqual(new Pipeline().names, [...STAGES]);
    assert.deepEqual(STAGES, ["typeInputs", "auth", "readBody", "validate", "cache", "handler"]);
    assert.deepEqual(pipeline.names, ["typeInputs", "testThrottle", "auth", "testAuth", "readBody", "validate", "testPeek", "cache", "handler", "testStamp"]);
  });

  test("placing next to a missing stage or reusing a name is an error naming it", () => {
    assert.throws(() => new Pipeline().with(requireToken, { before: "noSuchStage" }), /no stage named "noSuchStage"/);
    assert.throws(() => pipeline.with(requireToken, { after: "handler" }), /already has a stage named "testAuth"/);
  });
});

const log = captureLog();
let servers: BothServers;
const bases: BothServers["bases"] = { "node:http": "", fast: "", fastify: "" };

before(async () => {
  servers = await serveOnBoth({ logger: log.logger, pipeline });
  Object.assign(bases, servers.bases);
});
after(() => servers.close());

for (const server of ["node:http", "fast", "fastify"] as const) {
  describe(`a test stage in the ${server} server`, () => {
    test("short-circuits with a 401 problem; the stage after the handler still runs", async () => {
      const res = await fetch(`${bases[server]}/users/1`, { headers: { "x-request-id": "stage-401" } });
      assert.equal(res.status, 401);
      assert.equal(res.headers.get("content-type"), "application/problem+json");
      assert.equal(res.headers.get("x-test-stage"), "saw 401");
      assert.equal(res.headers.get("x-request-id"), "stage-401");
      const problem = (await res.json()) as Record<string, unknown>;
      assert.equal(problem.detail, "send a bearer token");
      assert.equal(problem.requestId, "stage-401");
    });

    test("lets the request through; typed inputs reach later stages; headers are added", async () => {
      const res = await fetch(`${bases[server]}/users/987`, { headers: { authorization: "Bearer let-me-in" } });
      assert.equal(res.status, 404);
      assert.equal(res.headers.get("x-typed-id"), "number");
      assert.equal(res.headers.get("x-test-stage"), "saw 404");
      const ok = await fetch(`${bases[server]}/env`, { headers: { authorization: "Bearer let-me-in" } });
      assert.equal(ok.status, 200);
      assert.equal(ok.headers.get("x-test-stage"), "saw 200");
      assert.equal(ok.headers.get("content-type"), "application/json; charset=utf-8");
    });

    test("an error thrown in a stage is its problem (here a 429), and later stages still see it", async () => {
      const res = await fetch(`${bases[server]}/users/1`, { headers: { "x-test-throttle": "1" } });
      assert.equal(res.status, 429);
      assert.equal(res.headers.get("x-test-stage"), "saw 429");
      const problem = (await res.json()) as Record<string, unknown>;
      assert.equal(problem.detail, "slow down");
      assert.equal(problem.retryAfter, 1);
    });

    test("a body is not read for a request the stage refuses", async () => {
      const res = await fetch(`${bases[server]}/echo`, { method: "POST", body: "{not json", headers: { "content-type": "application/json" } });
      // Fastify parses bodies before any handler runs, so there the malformed body answers first.
      assert.equal(res.status, server === "fastify" ? 400 : 401);
    });
  });
}
