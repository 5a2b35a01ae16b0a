/**
 * Relation cases (program `relations`, see relations-program.ts): nested many-to-one, one-to-many
 * and many-to-many selections, filters and orders through a reference, EXISTS, relation counts,
 * and each of them AS OF an earlier instant. SQL drivers compile each query into one statement;
 * MongoDB and Redis refuse the program at build time (KV9006), so the cases are n/a there.
 */
import { canonicalJson, type Api, type Case } from "./cases.js";

const REFUSED = {
  mongodb: "the build refuses nested selections and conditions through relations on MongoDB (KV9006): no one-command $lookup for them yet",
  redis: "the build refuses relations on Redis (KV9006): a key-value store has no joins",
};

const pause = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function post(api: Api, path: string, body: unknown): Promise<any> {
  const r = await api.request("POST", path, body);
  if (r.status !== 201) throw new Error(`POST ${path} ${JSON.stringify(body)}: status ${r.status} ${JSON.stringify(r.body)}`);
  return r.body;
}

/** Two users, three posts (one without comments, one without an author), comments and favourites, all under `tag`. */
async function blog(api: Api, tag: string) {
  const ada = await post(api, "/users", { tag, name: "Ada", admin: true, joined: "2024-01-02T03:04:05.678Z" });
  const bob = await post(api, "/users", { tag, name: "Bob" });
  const hello = await post(api, "/posts", { tag, title: "Hello", author: ada.id, meta: { lang: "en", n: 1 } });
  const second = await post(api, "/posts", { tag, title: "Second", author: bob.id, published: false });
  const orphan = await post(api, "/posts", { tag, title: "Orphan" });
  const c1 = await post(api, "/comments", { post: hello.id, author: bob.id, body: "first!" });
  const c2 = await post(api, "/comments", { post: hello.id, author: ada.id, body: "thanks", approved: false });
  const c3 = await post(api, "/comments", { post: hello.id, author: bob.id, body: "more" });
  const c4 = await post(api, "/comments", { post: second.id, author: ada.id, body: "nice" });
  await post(api, "/favourites", { user: bob.id, post: hello.id });
  await post(api, "/favourites", { user: bob.id, post: second.id });
  return { ada, bob, hello, second, orphan, c1, c2, c3, c4 };
}

const titles = (rows: Array<{ title: string }>) => rows.map((r) => r.title);

export const RELATION_CASES: Case[] = [
  {
    name: "relations: nested many-to-one, typed like a flat select, with a relation count",
    program: "relations",
    unsupported: REFUSED,
    async run(api, check) {
      const { ada, bob, hello, second, orphan } = await blog(api, "n1");
      // jsonb keeps no key order (PostgreSQL), so the json field is compared as JSON.
      const feed = (await api.request("GET", "/feed/n1")).body.map((p: { meta: unknown }) => ({ ...p, meta: canonicalJson(p.meta) }));
      check("feed", feed, [
        { id: hello.id, title: "Hello", published: true, meta: canonicalJson({ lang: "en", n: 1 }), author: { id: ada.id, name: "Ada", admin: true, joined: "2024-01-02T03:04:05.678Z" }, comments_count: 3 },
        { id: second.id, title: "Second", published: false, meta: null, author: { id: bob.id, name: "Bob", admin: false, joined: null }, comments_count: 1 },
        { id: orphan.id, title: "Orphan", published: true, meta: null, author: null, comments_count: 0 },
      ]);
    },
  },
  {
    name: "relations: nested one-to-many with WHERE, ORDER_BY and LIMIT, two levels deep",
    program: "relations",
    unsupported: REFUSED,
    async run(api, check) {
      const { ada, hello, c1, c3, orphan } = await blog(api, "n2");
      const one = (await api.request("GET", `/posts/${hello.id}`)).body;
      check("post with its latest approved comments", one, {
        id: hello.id,
        title: "Hello",
        author: { id: ada.id, name: "Ada" },
        comments: [
          { id: c3.id, body: "more", author: { id: c3.author, name: "Bob" } },
          { id: c1.id, body: "first!", author: { id: c1.author, name: "Bob" } },
        ],
      });
      check("no related rows: an empty list and a null reference", (await api.request("GET", `/posts/${orphan.id}`)).body, { id: orphan.id, title: "Orphan", author: null, comments: [] });
      check("a missing row is still a 404", (await api.request("GET", "/posts/999999")).status, 404);
    },
  },
  {
    name: "relations: many-to-many through a join entity",
    program: "relations",
    unsupported: REFUSED,
    async run(api, check) {
      const { ada, bob, hello, second } = await blog(api, "mm");
      const favs = (await api.request("GET", `/users/${bob.id}/favourites`)).body;
      check("favourites", { ...favs, favourites: favs.favourites.map((f: { post: unknown }) => f.post) }, {
        id: bob.id,
        name: "Bob",
        favourites: [
          { id: hello.id, title: "Hello", author: { id: ada.id, name: "Ada" } },
          { id: second.id, title: "Second", author: { id: bob.id, name: "Bob" } },
        ],
      });
      check("none", (await api.request("GET", `/users/${ada.id}/favourites`)).body.favourites, []);
    },
  },
  {
    name: "relations: filter and order through a reference, EXISTS, counts",
    program: "relations",
    unsupported: REFUSED,
    async run(api, check) {
      const { bob } = await blog(api, "f");
      check("WHERE author.name", titles((await api.request("GET", "/tags/f/by-author/Ada")).body), ["Hello"]);
      check("WHERE author.name (none)", titles((await api.request("GET", "/tags/f/by-author/Zed")).body), []);
      check("WHERE author.joined > value", titles((await api.request("GET", "/tags/f/joined-after?since=2024-01-01T00:00:00Z")).body), ["Hello"]);
      const bad = await api.request("GET", "/tags/f/joined-after?since=yesterday");
      check("a wrong-type value for a related field is a 400 naming it", [bad.status, /since/.test(JSON.stringify(bad.body))], [400, true]);
      check("ORDER_BY author.name DESC (no author sorts last descending)", titles((await api.request("GET", "/tags/f/ordered-by-author")).body), ["Second", "Hello", "Orphan"]);
      check("EXISTS favourites(user = $me)", titles((await api.request("GET", `/tags/f/favourited-by/${bob.id}`)).body), ["Hello", "Second"]);
      check("NOT EXISTS comments", titles((await api.request("GET", "/tags/f/uncommented")).body), ["Orphan"]);
      const users = (await api.request("GET", "/tags/f/users")).body.map((u: { name: string; posts_count: number; favs: number }) => [u.name, u.posts_count, u.favs]);
      check("COUNT(posts), COUNT(favourites) AS favs", users, [["Ada", 1, 0], ["Bob", 1, 2]]);
    },
  },
  {
    name: "relations: the whole graph AS OF an instant",
    program: "relations",
    unsupported: REFUSED,
    async run(api, check) {
      const { ada, bob, hello, second, orphan, c1, c2, c3, c4 } = await blog(api, "t");
      await pause(20);
      const t1 = new Date().toISOString();
      await pause(20);
      // After t1: a rename, a deleted comment, a new favourite, a new post.
      await api.request("PUT", `/users/${ada.id}/name`, { name: "Ada L." });
      check("delete a comment", (await api.request("DELETE", `/comments/${c2.id}`)).status, 200);
      await post(api, "/favourites", { user: ada.id, post: hello.id });
      await post(api, "/posts", { tag: "t", title: "Later", author: bob.id });
      const now = (await api.request("GET", "/feed/t")).body.map((p: { title: string; author: { name: string } | null; comments_count: number }) => [p.title, p.author?.name ?? null, p.comments_count]);
      check("now", now, [["Hello", "Ada L.", 2], ["Second", "Bob", 1], ["Orphan", null, 0], ["Later", "Bob", 0]]);
      const then = (await api.request("GET", `/feed/t/as-of/${t1}`)).body;
      check("nested one and many as of t1", then, [
        { id: hello.id, title: "Hello", author: { id: ada.id, name: "Ada" }, comments: [{ id: c1.id, body: "first!" }, { id: c2.id, body: "thanks" }, { id: c3.id, body: "more" }], comments_count: 3 },
        { id: second.id, title: "Second", author: { id: bob.id, name: "Bob" }, comments: [{ id: c4.id, body: "nice" }], comments_count: 1 },
        { id: orphan.id, title: "Orphan", author: null, comments: [], comments_count: 0 },
      ]);
      const single = (await api.request("GET", `/posts/${hello.id}/as-of/${Date.parse(t1)}`)).body;
      check("one row as of t1 (epoch ms), two levels", [single.author.name, single.comments.map((c: { body: string; author: { name: string } }) => [c.body, c.author.name])], ["Ada", [["more", "Bob"], ["thanks", "Ada"], ["first!", "Bob"]]]);
      check("many-to-many as of t1", (await api.request("GET", `/users/${ada.id}/favourites/as-of/${t1}`)).body.favourites, []);
      check("many-to-many now", (await api.request("GET", `/users/${ada.id}/favourites`)).body.favourites.length, 1);
      check("filter through a reference as of t1", titles((await api.request("GET", `/tags/t/by-author/Ada/as-of/${t1}`)).body), ["Hello"]);
      check("filter through a reference now", titles((await api.request("GET", "/tags/t/by-author/Ada")).body), []);
      check("order through a reference as of t1", titles((await api.request("GET", `/tags/t/ordered-by-author/as-of/${t1}`)).body), ["Second", "Hello", "Orphan"]);
      check("EXISTS as of t1", titles((await api.request("GET", `/tags/t/favourited-by/${ada.id}/as-of/${t1}`)).body), []);
      check("EXISTS now", titles((await api.request("GET", `/tags/t/favourited-by/${ada.id}`)).body), ["Hello"]);
      const counts = (await api.request("GET", `/tags/t/users/as-of/${t1}`)).body.map((u: { name: string; posts_count: number; favs: number }) => [u.name, u.posts_count, u.favs]);
      check("counts as of t1", counts, [["Ada", 1, 0], ["Bob", 1, 2]]);
    },
  },
  {
    name: "relations: related rows in pages, keyset pages, counts, groups and computed columns, and AS OF",
    program: "relations",
    unsupported: REFUSED,
    async run(api, check) {
      const { ada, bob, hello, second, orphan } = await blog(api, "sh");
      await pause(20);
      const t1 = new Date().toISOString();
      await pause(20);
      await api.request("PUT", `/users/${ada.id}/name`, { name: "Zed" });
      check("a page with its total, ordered through a reference, with nested rows and counts", (await api.request("GET", "/tags/sh/page")).body, {
        items: [
          { id: hello.id, title: "Hello", author: { id: ada.id, name: "Zed" }, comments_count: 3 },
          { id: second.id, title: "Second", author: { id: bob.id, name: "Bob" }, comments_count: 1 },
        ],
        total: 3,
      });
      check("the same page AS OF t1", (await api.request("GET", `/tags/sh/page/as-of/${t1}`)).body, {
        items: [
          { id: second.id, title: "Second", author: { id: bob.id, name: "Bob" }, comments_count: 1 },
          { id: hello.id, title: "Hello", author: { id: ada.id, name: "Ada" }, comments_count: 3 },
        ],
        total: 3,
      });
      const first = (await api.request("GET", "/tags/sh/pages")).body;
      check("a keyset page with nested lists", [first.items.map((p: { title: string; comments: Array<{ body: string }> }) => [p.title, p.comments.map((c) => c.body)]), typeof first.next], [
        [["Hello", ["first!", "thanks", "more"]], ["Second", ["nice"]]],
        "string",
      ]);
      const next = (await api.request("GET", `/tags/sh/pages?cursor=${encodeURIComponent(first.next)}`)).body;
      check("the next keyset page", next, { items: [{ id: orphan.id, title: "Orphan", comments: [] }], next: null });
      check("a count filtered through a reference", (await api.request("GET", "/tags/sh/count-by/Bob")).body, { n: 1 });
      check("groups of rows that have related rows (EXISTS)", (await api.request("GET", "/tags/sh/commented")).body, [{ published: false, n: 1 }, { published: true, n: 1 }]);
      check("a computed column beside a nested row", (await api.request("GET", "/tags/sh/labels")).body, [
        { label: "Hello!", author: { id: ada.id, name: "Zed" } },
        { label: "Second!", author: { id: bob.id, name: "Bob" } },
        { label: "Orphan!", author: null },
      ]);
    },
  },
];
