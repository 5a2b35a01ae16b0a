// The route table's matcher against find-my-way, which it replaced: the same routes, the same
// request targets (hand-picked edge cases and generated ones), the same answers. find-my-way stays a
// devDependency for this comparison only.
import { test } from "node:test";
import assert from "node:assert/strict";
import FindMyWay from "find-my-way";
import { Router } from "../src/router.js";

const ROUTES: [string, string][] = [
  ["GET", "/"],
  ["GET", "/json"],
  ["GET", "/users"],
  ["POST", "/users"],
  ["GET", "/users/:id"],
  ["DELETE", "/users/:id"],
  ["GET", "/users/me"],
  ["GET", "/users/:id/posts"],
  ["GET", "/users/:id/posts/:post"],
  ["POST", "/todos/:id/done"],
  ["GET", "/a/:x/b"],
  ["GET", "/a/c/:y"],
  ["GET", "/a/c/d/e"],
  ["GET", "/typed/:u/:t/:b/:f"],
  ["GET", "/_kova/health"],
  ["HEAD", "/json"],
  ["PUT", "/files/:name"],
];

function both(): { ours: Router<string>; theirs: FindMyWay.Instance<FindMyWay.HTTPVersion.V1> } {
  const ours = new Router<string>();
  const theirs = FindMyWay({ maxParamLength: 4096, onBadUrl: () => {} });
  for (const [method, path] of ROUTES) {
    const store = `${method} ${path}`;
    ours.on(method, path, store);
    theirs.on(method as FindMyWay.HTTPMethod, path, () => {}, store);
  }
  return { ours, theirs };
}

const { ours, theirs } = both();

function answer(match: { store: unknown; params: unknown; searchParams?: unknown } | null): unknown {
  if (match === null) return null;
  if (match.store === null) return { badUrl: true };
  return { store: match.store, params: { ...(match.params as object) }, query: { ...(match.searchParams as object) } };
}

function agree(method: string, url: string): void {
  assert.deepEqual(answer(ours.find(method, url)), answer(theirs.find(method as FindMyWay.HTTPMethod, url)), `${method} ${url}`);
}

const EDGE_CASES = [
  "/", "/json", "/json/", "/JSON", "//json", "/json?", "/json?a=1&a=2&b", "/json#frag", "/json?x=%zz&y=a+b",
  "/users", "/users/", "/users/me", "/users/meX", "/users/5", "/users/5?x=1", "/users/a%2Fb", "/users/%61",
  "/users/%E0%A4%A", "/users/%", "/users/%zz", "/%75sers/1", "/users/a+b", "/users/1;x", "/users/1/", "/users//",
  "/users/1/posts", "/users/1/posts/2", "/users/1/posts/2/", "/users/1/posts/%C3%A9", "/users/%F0%9F%98%80",
  "/a/c/b", "/a/c/d", "/a/x/b", "/a/c/d/e", "/a/c/d/f", "/a/c/b/", "/typed/1/2/3/4", "/typed/1/2/3",
  "/_kova/health", "/_kova/health?full=1", "/todos/9/done", "/files/report.pdf",
  `/users/${"x".repeat(4096)}`, `/users/${"x".repeat(4097)}`,
  "http://example.com/users/7?q=1", "https://example.com", "http://example.com?a=1", "HTTP://h/json",
  "http://h#x/json", "http:///json", "ftp://h/json", "http://[::1]:80/json", "http://h:99999/json",
];

test("router: every edge-case request target is answered as find-my-way answers it", () => {
  for (const [method] of ROUTES) for (const url of EDGE_CASES) agree(method, url);
  for (const url of EDGE_CASES) agree("PATCH", url); // a method no route has
});

test("router: generated request targets are answered as find-my-way answers them", () => {
  // A small alphabet that hits literals, separators, encodings and query syntax often.
  const pieces = ["/", "/", "/", "users", "me", "a", "c", "b", "d", "e", "1", "42", "posts", "json", "%2F", "%41", "%", "%E2%82%AC", "?", "#", "&", "=", "+", ";", "x", "_kova", "health", "..", "."];
  let seed = 12345;
  const next = (n: number): number => {
    seed = (seed * 1103515245 + 12345) % 2147483648;
    return seed % n;
  };
  for (let i = 0; i < 20_000; i++) {
    let url = "/";
    const length = 1 + next(8);
    for (let j = 0; j < length; j++) url += pieces[next(pieces.length)];
    agree(["GET", "POST", "DELETE", "HEAD"][next(4)]!, url);
  }
});

test("router: a target that is neither origin-form nor absolute-form matches no route (find-my-way matched it as '/')", () => {
  assert.equal(ours.find("GET", "*"), null);
  assert.equal(ours.find("GET", "json"), null);
  assert.notEqual(theirs.find("GET", "*"), null); // the difference is deliberate: `*` is not a path
});

test("router: a route declared twice for one method is refused; parameter names are per route", () => {
  const router = new Router<string>();
  router.on("GET", "/items/:id", "get");
  router.on("DELETE", "/items/:key", "delete");
  assert.throws(() => router.on("GET", "/items/:other", "again"), /already declared/);
  assert.deepEqual({ ...router.find("GET", "/items/3")!.params }, { id: "3" });
  assert.deepEqual({ ...router.find("DELETE", "/items/3")!.params }, { key: "3" });
  assert.throws(() => router.on("GET", "items", "x"), /must start with/);
  assert.throws(() => router.on("GET", "/files/*", "x"), /not a literal path segment/);
});
