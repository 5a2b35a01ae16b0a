// The typed TypeScript client (issue 16): `kova client --ts DIR` for each example, compiled with
// tsc --strict (and code misusing it refused), then used against the running example app.
import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import ts from "typescript";
import { EXAMPLES, build, kovaSync, startServer, tempApp } from "./e2e/harness.js";

const JWT_KEY = "client-e2e-key-0123456789-0123456789-0123456789";

function writeClient(t: Parameters<typeof tempApp>[0], example: string): string {
  const dir = mkdtempSync(join(tmpdir(), "kova-client-"));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const result = kovaSync(["client", "--ts", join(dir, "client"), join(EXAMPLES, example)]);
  assert.equal(result.status, 0, result.stderr);
  assert.match(result.stdout, /wrote .*client\.ts and .*openapi\.json/);
  return dir;
}

/** tsc --strict over the files; returns each error as `file(line): message`. */
function typeErrors(files: string[]): string[] {
  const program = ts.createProgram(files, {
    strict: true,
    noEmit: true,
    target: ts.ScriptTarget.ES2022,
    module: ts.ModuleKind.NodeNext,
    moduleResolution: ts.ModuleResolutionKind.NodeNext,
    lib: ["lib.es2022.d.ts", "lib.dom.d.ts"],
    types: [],
    skipLibCheck: true,
  });
  return ts.getPreEmitDiagnostics(program).map((d) => {
    const where = d.file ? `${d.file.fileName.split("/").pop()}(${d.file.getLineAndCharacterOfPosition(d.start ?? 0).line + 1})` : "";
    return `${where}: ${ts.flattenDiagnosticMessageText(d.messageText, "\n")}`;
  });
}

/** The client as an ES module next to it, to import in this test. */
async function loadClient(dir: string): Promise<any> {
  const source = readFileSync(join(dir, "client", "client.ts"), "utf8");
  const js = ts.transpileModule(source, { compilerOptions: { target: ts.ScriptTarget.ES2022, module: ts.ModuleKind.ES2022 } }).outputText;
  const file = join(dir, "client", "client.mjs");
  writeFileSync(file, js);
  return import(pathToFileURL(file).href);
}

test("ts client: the todo client compiles with --strict, refuses misuse, and drives the running app", async (t) => {
  const dir = writeClient(t, "todo");
  writeFileSync(join(dir, "good.ts"), `import { TodoClient, KovaApiError, type Todo } from "./client/client.js";
export async function use(api: TodoClient): Promise<string> {
  const todo: Todo = await api.postTodos({ body: { title: "Buy milk", due: "2025-03-01" } });
  const list: Todo[] = await api.getTodos({ query: { done: false, limit: 10 } });
  const changed = await api.patchTodosById({ path: { id: todo.id }, body: { done: true } });
  const removed: void = await api.deleteTodosById({ path: { id: todo.id } });
  try {
    await api.getTodosById({ path: { id: 999 } });
  } catch (error) {
    if (error instanceof KovaApiError) return error.problem.detail;
  }
  return String(list.length + (changed.done ? 1 : 0)) + String(removed);
}
`);
  writeFileSync(join(dir, "bad.ts"), `import { TodoClient } from "./client/client.js";
export async function misuse(api: TodoClient): Promise<void> {
  await api.postTodos({ body: { notes: "no title" } });
  await api.getTodosById({ path: { id: "one" } });
  const todo = await api.getTodosById({ path: { id: 1 } });
  const title: number = todo.title;
  await api.nothingLikeThis();
}
`);
  assert.deepEqual(typeErrors([join(dir, "client", "client.ts"), join(dir, "good.ts")]), []);
  const errors = typeErrors([join(dir, "bad.ts")]);
  assert.equal(errors.length, 4, errors.join("\n"));
  assert.match(errors[0], /bad\.ts\(3\).*title/);
  assert.match(errors[1], /bad\.ts\(4\).*string.*number/);
  assert.match(errors[2], /bad\.ts\(6\).*string.*number/);
  assert.match(errors[3], /bad\.ts\(7\).*nothingLikeThis/);

  const app = tempApp(t, join(EXAMPLES, "todo"));
  await build(app);
  const server = await startServer(t, app);
  const { TodoClient, KovaApiError } = await loadClient(dir);
  const api = new TodoClient({ baseUrl: server.url });
  const todo = await api.postTodos({ body: { title: "Buy milk", due: "2025-03-01" } });
  assert.deepEqual(todo, { id: 1, title: "Buy milk", notes: null, done: false, due: "2025-03-01" });
  await api.postTodos({ body: { title: "Walk the dog" } });
  assert.deepEqual((await api.getTodos({ query: { limit: 1, offset: 1 } })).map((x: { id: number }) => x.id), [2]);
  assert.equal((await api.postTodosByIdDone({ path: { id: 1 } })).done, true);
  assert.deepEqual((await api.getTodos({ query: { done: true } })).map((x: { id: number }) => x.id), [1]);
  assert.equal((await api.patchTodosById({ path: { id: 1 }, body: { notes: "oat" } })).notes, "oat");
  assert.equal((await api.getTodosByIdHistory({ path: { id: 1 } })).length, 3);
  assert.equal(await api.deleteTodosById({ path: { id: 1 } }), undefined);
  await assert.rejects(api.getTodosById({ path: { id: 1 } }), (error: any) => {
    assert.ok(error instanceof KovaApiError);
    assert.equal(error.status, 404);
    assert.equal(error.problem.status, 404);
    assert.equal(typeof error.problem.requestId, "string");
    return true;
  });
  await assert.rejects(api.postTodos({ body: { title: "" } }), (error: any) => {
    assert.equal(error.status, 400);
    assert.deepEqual(error.problem.errors.map((e: { field: string }) => e.field), ["title"]);
    return true;
  });
});

test("ts client: the blog client signs in and calls AUTH endpoints with its token", async (t) => {
  const dir = writeClient(t, "blog");
  assert.deepEqual(typeErrors([join(dir, "client", "client.ts")]), []);
  const app = tempApp(t, join(EXAMPLES, "blog"));
  await build(app);
  const server = await startServer(t, app, { env: { JWT_KEY } });
  const { BlogClient, KovaApiError } = await loadClient(dir);
  let token: string | undefined;
  const api = new BlogClient({ baseUrl: server.url, token: () => token });
  const ada = await api.postSignup({ body: { name: "Ada", email: "ada@example.com", password: "analytical engine" } });
  await assert.rejects(api.getMe(), (error: any) => error instanceof KovaApiError && error.status === 401);
  token = (await api.postLogin({ body: { email: "ada@example.com", password: "analytical engine" } })).access_token;
  assert.equal((await api.getMe()).email, "ada@example.com");
  const post = await api.postPosts({ body: { author: ada.id, title: "Hello, World!", body: "First." } });
  assert.equal(post.slug, "hello-world");
  assert.equal((await api.patchPostsById({ path: { id: post.id }, body: { title: "Hello again" } })).title, "Hello again");
  await api.postPostsByIdPublish({ path: { id: post.id } });
  const feed = await api.getFeed({ query: { limit: 5 } });
  assert.deepEqual(feed, [{ id: post.id, title: "Hello again", slug: "hello-world", author: { id: ada.id, name: "Ada" }, comments_count: 0 }]);
  assert.equal((await api.getPostsBySlugBySlug({ path: { slug: "hello-world" } })).id, post.id);
});
