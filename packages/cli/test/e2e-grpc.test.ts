// gRPC beside HTTP (issue 22 item 5): `kova build --emit proto` writes the service, the app serves
// it on @grpc/grpc-js when kova.config.json says so, and a client generated from that .proto with
// @grpc/proto-loader gets the same validation, auth and problems (as gRPC statuses) as HTTP. A
// malformed frame on the gRPC port gets a gRPC status, and the server keeps serving.
import { test, type TestContext } from "node:test";
import assert from "node:assert/strict";
import { connect } from "node:http2";
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import * as grpc from "@grpc/grpc-js";
import * as loader from "@grpc/proto-loader";
import { fromProtoValue, startApp, toProtoValue } from "@kova/runtime";
import "@kova/driver-embedded";
import { build, REPO_ROOT, tempApp } from "./e2e/harness.js";
import { kova } from "./helpers.js";

const KEY = "grpc-test-secret-of-at-least-32-bytes!!";

// The example of docs/grpc.md: the test serves what the guide shows.
const APP = /```kova\n([\s\S]*?)```/.exec(readFileSync(join(REPO_ROOT, "docs", "grpc.md"), "utf8"))![1];

type Unary = (request: unknown, metadata: grpc.Metadata, callback: (error: grpc.ServiceError | null, reply?: { status: number; body: unknown }) => void) => void;

function call(client: Record<string, Unary>, method: string, request: unknown, metadata = new grpc.Metadata()): Promise<{ status: number; body: unknown }> {
  return new Promise((resolve, reject) => {
    client[method].call(client, request, metadata, (error, reply) => (error ? reject(error) : resolve({ status: reply!.status, body: fromProtoValue(reply!.body) })));
  });
}

async function serve(t: TestContext, appDir: string): Promise<{ url: string; grpcPort: number }> {
  const { app } = (await import(pathToFileURL(join(appDir, "dist", "app.js")).href)) as { app: Parameters<typeof startApp>[0] };
  const running = await startApp(app, { port: 0, host: "127.0.0.1", appDir, manageProcess: false, logLevel: "silent", env: { JWT_KEY: KEY } });
  t.after(() => running.close());
  return { url: running.url, grpcPort: running.grpcPort! };
}

test("kova build --emit proto writes the service; a generated client gets HTTP's validation, auth and problems as gRPC statuses", async (t) => {
  const dir = tempApp(t, { "app.kova": APP });
  const emitted = kova(["build", "--emit", "proto", dir]);
  assert.equal(emitted.status, 0, emitted.stderr);
  assert.match(emitted.stdout, /app\.proto: service kova\.\w+\.\w+, 4 rpcs/);
  const protoFile = join(dir, "dist", "app.proto");
  const proto = readFileSync(protoFile, "utf8");
  assert.match(proto, /message NewTodo \{\n  optional string title = 1;\n  optional bool done = 2;\n  optional google\.protobuf\.Value meta = 3;\n\}/);
  assert.match(proto, /message Todo \{\n  optional int64 id = 1;\n  optional string title = 2;/);
  assert.match(proto, /rpc PostTodos\(PostTodosRequest\) returns \(KovaReply\);/);
  assert.ok(!existsSync(join(dir, "dist", "app.js")), "--emit proto writes only the .proto");

  await build(dir);
  writeFileSync(join(dir, "kova.config.json"), JSON.stringify({ grpc: { port: 0 } }));
  const { url, grpcPort } = await serve(t, dir);
  // The client is generated from the emitted file, not from anything the server shares in memory.
  const definition = loader.loadSync(protoFile, { keepCase: true, longs: Number, defaults: false, oneofs: true });
  const pkg = grpc.loadPackageDefinition(definition) as any;
  const serviceName = /service (\w+) \{/.exec(proto)![1];
  const packageName = /package ([\w.]+);/.exec(proto)![1];
  const Service = packageName.split(".").reduce((o: any, k) => o[k], pkg)[serviceName];
  const client = new Service(`127.0.0.1:${grpcPort}`, grpc.credentials.createInsecure()) as Record<string, Unary> & grpc.Client;
  t.after(() => client.close());

  // Auth: the same AUTH as HTTP, from the authorization metadata.
  await assert.rejects(call(client, "PostTodos", { body: { title: "milk" } }), (e: grpc.ServiceError) => e.code === grpc.status.UNAUTHENTICATED);
  const token = ((await (await fetch(`${url}/token`, { method: "POST" })).json()) as { token: string }).token;
  const auth = new grpc.Metadata();
  auth.set("authorization", `Bearer ${token}`);
  const created = await call(client, "PostTodos", { body: { title: "milk", meta: toProtoValue({ aisle: 3, tags: ["dairy"] }) } }, auth);
  assert.deepEqual(created, { status: 201, body: { id: 1, title: "milk", done: false, meta: { aisle: 3, tags: ["dairy"] } } });

  // Validation: the VALIDATE shape's issues, as INVALID_ARGUMENT with the problem in the trailer.
  await assert.rejects(call(client, "PostTodos", { body: { title: "" } }, auth), (e: grpc.ServiceError) => {
    assert.equal(e.code, grpc.status.INVALID_ARGUMENT);
    assert.match(e.details, /title/);
    const problem = JSON.parse(e.metadata.get("kova-problem-bin")[0].toString());
    assert.deepEqual(problem.errors, [{ field: "title", message: "must be at least 1 character" }]);
    return true;
  });
  // Typed path and query parameters, and a 404 as NOT_FOUND.
  assert.deepEqual(await call(client, "GetTodosById", { id: 1 }), { status: 200, body: created.body });
  assert.equal(((await call(client, "GetTodos", { limit: 1 })).body as unknown[]).length, 1);
  await assert.rejects(call(client, "GetTodos", { limit: 50 }), (e: grpc.ServiceError) => e.code === grpc.status.INVALID_ARGUMENT && /limit/.test(e.details));
  await assert.rejects(call(client, "GetTodosById", { id: 99 }), (e: grpc.ServiceError) => e.code === grpc.status.NOT_FOUND);
  await assert.rejects(call(client, "GetTodosById", {}), (e: grpc.ServiceError) => e.code === grpc.status.INVALID_ARGUMENT && /id/.test(e.details));
  // HTTP sees what gRPC wrote.
  assert.equal((await (await fetch(`${url}/todos/1`)).json() as { title: string }).title, "milk");

  // A malformed frame: a gRPC message whose length prefix promises more than is sent, then bytes that are no protobuf.
  const session = connect(`http://127.0.0.1:${grpcPort}`);
  t.after(() => session.close());
  const answer = await new Promise<{ status: string | undefined }>((resolve) => {
    const stream = session.request({ ":method": "POST", ":path": `/${packageName}.${serviceName}/PostTodos`, "content-type": "application/grpc", te: "trailers" });
    let status: string | undefined;
    stream.on("response", (headers) => (status ??= headers["grpc-status"] as string | undefined));
    stream.on("trailers", (trailers) => (status = trailers["grpc-status"] as string | undefined));
    stream.on("close", () => resolve({ status }));
    stream.on("error", () => resolve({ status }));
    stream.end(Buffer.from([0, 0, 0, 0, 5, 0xff, 0xff, 0xff, 0xff, 0xff]));
  });
  assert.ok(answer.status !== undefined && answer.status !== "0", `a malformed message gets a gRPC error status, got ${answer.status}`);
  // Still serving.
  assert.equal((await call(client, "GetTodosById", { id: 1 })).status, 200);
});

test("@grpc/grpc-js is an optional peer, loaded only by the gRPC server on first use", () => {
  // The runtime's entry must not import it: only grpc/server.ts does, on first use.
  const runtimeIndex = readFileSync(new URL("../../../runtime/dist/src/index.js", import.meta.url), "utf8");
  const serverModule = readFileSync(new URL("../../../runtime/dist/src/grpc/server.js", import.meta.url), "utf8");
  assert.doesNotMatch(runtimeIndex, /@grpc\//);
  assert.doesNotMatch(serverModule, /^import .*@grpc\//m);
  const manifest = JSON.parse(readFileSync(new URL("../../../runtime/package.json", import.meta.url), "utf8"));
  assert.equal(manifest.peerDependenciesMeta["@grpc/grpc-js"].optional, true);
  assert.equal(manifest.dependencies["@grpc/grpc-js"], undefined);
});
