// Issue 13 items 1–4 and 7 over real HTTP: FN, VIEW, FOR, comprehensions, ? :, BETWEEN, ?.,
// instants and durations, text/number/list built-ins; and a 500 for a run-time type error whose
// log names the .kova line. Built as `kova build` builds, served in-process.
import { test, type TestContext } from "node:test";
import assert from "node:assert/strict";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { pino } from "pino";
import { startApp } from "@kova/runtime";
import "@kova/driver-embedded";
import { build, tempApp } from "./e2e/harness.js";

async function serve(t: TestContext, appDir: string, logs?: string[]): Promise<string> {
  const { app } = (await import(pathToFileURL(join(appDir, "dist", "app.js")).href)) as { app: Parameters<typeof startApp>[0] };
  const logger = logs ? pino({ level: "error" }, { write: (line: string) => void logs.push(line) }) : undefined;
  const running = await startApp(app, { port: 0, host: "127.0.0.1", appDir, manageProcess: false, logLevel: "silent", ...(logger ? { logger } : {}) });
  t.after(() => running.close());
  return running.url;
}

async function call(url: string, method = "GET"): Promise<{ status: number; body: any }> {
  const response = await fetch(url, { method });
  const text = await response.text();
  return { status: response.status, body: text === "" ? null : JSON.parse(text) };
}

const BLOG = `
ENTITY Article {
  title: text
  body: text
  published: bool DEFAULT false
  views: int DEFAULT 0
  created_at: datetime DEFAULT now()
}

VIEW ArticleOut OF Article { title, views }

FN excerpt(text: text, size: int) {
  IF len(text) <= size {
    RETURN text
  }
  RETURN substring(text, 0, size) + "…"
}

FN total_views(articles: Article[]) {
  total = 0
  FOR a IN articles {
    total = total + a.views
  }
  RETURN total
}

FN popular(min_views: int) {
  RETURN SELECT ArticleOut FROM Article WHERE views >= min_views ORDER_BY views DESC
}

POST /articles/:title {
  RESPOND 201 INSERT INTO Article { title: $title, body: "Body of {$title}", published: len($title) > 3, views: len($title) }
}

GET /articles {
  articles = SELECT * FROM Article ORDER_BY id
  recent = SELECT ArticleOut FROM Article WHERE created_at > now() - 7d AND views BETWEEN 3 AND 100 ORDER_BY id
  RESPOND {
    titles: [slug(a.title) FOR a IN articles IF a.published],
    excerpts: [excerpt(a.body, 10) FOR a IN articles],
    total: total_views(articles),
    top: sort(articles, "views", "desc")[0]?.title,
    shaped: ArticleOut(articles),
    recent,
    popular: popular(5),
    kind: len(articles) > 1 ? "many" : "few",
    first: omit(articles[0], "body", "created_at", "id"),
    fresh: articles[0].created_at > now() - 1h,
    between: 5 BETWEEN 1 AND 10,
  }
}

GET /text/:t {
  RESPOND {
    slug: slug($t), upper: upper($t), starts: starts_with($t, "He"), ends: ends_with($t, "!"),
    replaced: replace($t, "l", "L"), padded: pad(7, 3, "0"), right: pad_end("ab", 4, "."),
    digits: matches($t, '^[0-9]+$'), parts: split("a,b,c", ","), joined: join(unique([3, 1, 3, 2]), "-"),
    has: contains(["x", "y"], "y"), keys: keys({ a: 1, b: 2 }), values: values({ a: 1, b: 2 }),
    formatted: format('Hi {name}, {n}', { name: $t, n: 2 }),
    numbers: [round(2.345, 2), round(-2.5), floor(2.7), ceil(2.1), abs(-3), min(4, 2, 9), max([4, 2, 9]), sum([1, 2, 3])],
  }
}

GET /time {
  at = iso("2025-03-30T00:30:00Z")
  RESPOND {
    later: at + 2h,
    diff: iso("2025-03-02T00:00:00Z") - at,
    paris_day: date_trunc("day", at, "Europe/Paris"),
    month: date_trunc("month", at),
    week: date_trunc("week", at),
    paris: format_date(at, "Europe/Paris"),
    parts: [year(at), month(at), day(at), hour(at, "Europe/Paris"), weekday(at)],
    iso: iso("2025-03-30T02:30:00+02:00"),
    ago: at - days(2),
  }
}

FN shout(name: text) {
  RETURN upper(name) + slug(name)
}

GET /shout {
  RESPOND { loud: shout($query.name) }
}
`;

test("functions e2e: FN, VIEW, FOR, comprehensions, ? :, BETWEEN, ?. and built-ins answer over HTTP", async (t) => {
  const dir = tempApp(t, { "app.kova": BLOG });
  await build(dir);
  const url = await serve(t, dir);
  for (const title of ["Hello", "First-Post", "Ab"]) assert.equal((await call(`${url}/articles/${title}`, "POST")).status, 201);
  const { status, body } = await call(`${url}/articles`);
  assert.equal(status, 200);
  assert.deepEqual(body.titles, ["hello", "first-post"]);
  assert.deepEqual(body.excerpts, ["Body of He…", "Body of Fi…", "Body of Ab"]);
  assert.equal(body.total, 5 + 10 + 2);
  assert.equal(body.top, "First-Post");
  assert.deepEqual(body.shaped, [{ title: "Hello", views: 5 }, { title: "First-Post", views: 10 }, { title: "Ab", views: 2 }]);
  assert.deepEqual(body.recent, [{ title: "Hello", views: 5 }, { title: "First-Post", views: 10 }]);
  assert.deepEqual(body.popular, [{ title: "First-Post", views: 10 }, { title: "Hello", views: 5 }]);
  assert.equal(body.kind, "many");
  assert.deepEqual(body.first, { title: "Hello", published: true, views: 5 });
  assert.equal(body.fresh, true);
  assert.equal(body.between, true);
});

test("functions e2e: text and number built-ins", async (t) => {
  const dir = tempApp(t, { "app.kova": BLOG });
  await build(dir);
  const url = await serve(t, dir);
  const { status, body } = await call(`${url}/text/Hello%2C%20World!`);
  assert.equal(status, 200);
  assert.deepEqual(body, {
    slug: "hello-world", upper: "HELLO, WORLD!", starts: true, ends: true, replaced: "HeLLo, WorLd!", padded: "007", right: "ab..",
    digits: false, parts: ["a", "b", "c"], joined: "3-1-2", has: true, keys: ["a", "b"], values: [1, 2],
    formatted: "Hi Hello, World!, 2", numbers: [2.35, -3, 2, 3, 3, 2, 9, 6],
  });
});

test("functions e2e: instants, durations and time zones", async (t) => {
  const dir = tempApp(t, { "app.kova": BLOG });
  await build(dir);
  const url = await serve(t, dir);
  const { status, body } = await call(`${url}/time`);
  assert.equal(status, 200);
  assert.deepEqual(body, {
    later: "2025-03-30T02:30:00.000Z",
    diff: -(28 * 86_400_000 + 30 * 60_000),
    paris_day: "2025-03-29T23:00:00.000Z", // midnight in Paris, still winter time (UTC+1)
    month: "2025-03-01T00:00:00.000Z",
    week: "2025-03-24T00:00:00.000Z",
    paris: "2025-03-30T01:30:00+01:00",
    parts: [2025, 3, 30, 1, 7],
    iso: "2025-03-30T00:30:00.000Z",
    ago: "2025-03-28T00:30:00.000Z",
  });
});

test("functions e2e: null where text is required is a 500 problem, and the log names the .kova line of the call", async (t) => {
  const dir = tempApp(t, { "app.kova": BLOG });
  await build(dir);
  const logs: string[] = [];
  const url = await serve(t, dir, logs);
  assert.equal((await call(`${url}/shout?name=Ada`)).body.loud, "ADAada");
  const { status, body } = await call(`${url}/shout`);
  assert.equal(status, 500);
  assert.equal(body.status, 500);
  const log = logs.join("\n");
  assert.match(log, /slug\(\) needs text, got null/);
  const line = BLOG.split("\n").findIndex((l) => l.includes("RETURN upper(name) + slug(name)")) + 1;
  assert.match(log, new RegExp(`app\\.kova:${line}:`), log);
});
