/**
 * Change events (issue 15): every driver with an outbox records one event per committed write —
 * insert, update, delete, the deletes a cascade makes — with the record before and after (no SECRET
 * field) and its history version, and none for a write that rolled back. Seen here through ON
 * handlers that log each event they get into an entity of their own, read back over HTTP. (Entity
 * names are the cases' own: every program of a target shares one database.)
 */
import { Mismatch, type Case } from "./cases.js";

export const CHANGES_PROGRAM = `
ENTITY EvPost {
  title: text
  token: text? SECRET
}

ENTITY EvNote {
  post: EvPost ON DELETE CASCADE
  body: text
}

ENTITY EvSeen {
  post: int
  op: text
  version: int?
  before: text?
  after: text?
  payload: json?
}

VALIDATE NewPost { title: string  fail: boolean? }
VALIDATE NewNote { post: int  body: string }

ON INSERT EvPost {
  INSERT INTO EvSeen { post: event.id, op: "insert", version: event.version, after: event.after.title, payload: event.after }
}

ON UPDATE EvPost {
  INSERT INTO EvSeen { post: event.id, op: "update", version: event.version, before: event.before.title, after: event.after.title, payload: event.after }
}

ON DELETE EvPost {
  INSERT INTO EvSeen { post: event.id, op: "delete", version: event.version, before: event.before.title, payload: event.before }
}

ON DELETE EvNote {
  INSERT INTO EvSeen { post: event.before.post, op: "delete note", version: event.version, before: event.before.body }
}

POST /posts VALIDATE NewPost {
  post = INSERT INTO EvPost { title: $body.title, token: "hush" }
  IF $body.fail ?? false {
    ERROR 409 "refused after the insert"
  }
  RESPOND 201 post
}

PATCH /posts/:id {
  RESPOND UPDATE EvPost SET title = $body.title WHERE id = $id
}

DELETE /posts/:id {
  RESPOND DELETE FROM EvPost WHERE id = $id
}

POST /notes VALIDATE NewNote {
  RESPOND 201 INSERT INTO EvNote $body
}

GET /seen/:post {
  RESPOND SELECT op, version, before, after, payload FROM EvSeen WHERE post = $post ORDER_BY id
}

GET /seen-all {
  RESPOND SELECT post, op, after FROM EvSeen ORDER_BY id
}
`;

const own = { program: { name: "changes", source: CHANGES_PROGRAM } };

type Api = Parameters<Case["run"]>[0];

/** Polls GET `path` until `done` holds (handlers run after the commit, in the task queue). */
async function until(api: Api, path: string, done: (body: any) => boolean, what: string): Promise<any> {
  const deadline = Date.now() + 15_000;
  let last: unknown;
  for (;;) {
    const r = await api.request("GET", path);
    last = r.body;
    if (r.status === 200 && done(r.body)) return r.body;
    if (Date.now() > deadline) throw new Mismatch(`${what}: gave up waiting; last ${JSON.stringify(last)}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

async function created(api: Api, path: string, body: unknown): Promise<number> {
  const r = await api.request("POST", path, body);
  if (r.status !== 201) throw new Mismatch(`POST ${path} ${JSON.stringify(body)}: status ${r.status} ${JSON.stringify(r.body)}`);
  return r.body.id;
}

/** Why a case of change events does not apply to a driver: those without an outbox refuse `what` at build time with `code`. */
export function withoutOutbox(what: string, code: string): Record<"redis" | "mongodb" | "cockroach", string> {
  const reason = (driver: string) => `${driver} keeps no change outbox: the build refuses ${what} on it (${code})`;
  return { redis: reason("Redis"), mongodb: reason("MongoDB"), cockroach: reason("CockroachDB") };
}

const unsupported = withoutOutbox("ON handlers", "KV2502");

export const CHANGE_CASES: Case[] = [
  {
    name: "changes: insert, update, delete each give one event with before/after and version",
    ...own,
    unsupported,
    async run(api, check) {
      const id = await created(api, "/posts", { title: "first" });
      check("update", (await api.request("PATCH", `/posts/${id}`, { title: "second" })).status, 200);
      check("delete", (await api.request("DELETE", `/posts/${id}`)).status, 200);
      const seen = await until(api, `/seen/${id}`, (b) => b.length >= 3, "three events");
      await new Promise((resolve) => setTimeout(resolve, 300));
      const again = (await api.request("GET", `/seen/${id}`)).body;
      check("events", again.map((s: Record<string, unknown>) => ({ ...s, id: undefined, payload: undefined })), [
        { op: "insert", version: seen[0].version, before: null, after: "first" },
        { op: "update", version: seen[0].version + 1, before: "first", after: "second" },
        { op: "delete", version: seen[0].version + 2, before: "second", after: null },
      ]);
      const payloads = again.map((s: { payload: Record<string, unknown> }) => s.payload);
      check("the record in each event, without its SECRET field", payloads.map((p: Record<string, unknown>) => [p.id, p.title, "token" in p]), [
        [id, "first", false],
        [id, "second", false],
        [id, "second", false],
      ]);
      check("versions are the history's", typeof seen[0].version, "number");
    },
  },
  {
    name: "changes: a rolled-back write gives no event",
    ...own,
    unsupported,
    async run(api, check) {
      const r = await api.request("POST", "/posts", { title: "rolled back", fail: true });
      check("status", r.status, 409);
      // A committed write after it: once its event is handled, an event of the rolled-back one would have been too.
      const marker = await created(api, "/posts", { title: "marker" });
      await until(api, `/seen/${marker}`, (b) => b.length === 1, "the marker's event");
      const all = (await api.request("GET", "/seen-all")).body as Array<{ post: number; op: string; after: string | null }>;
      check("no event of the rolled-back insert", all.filter((s) => s.after === "rolled back"), []);
    },
  },
  {
    name: "changes: a cascade gives an event per deleted record",
    ...own,
    unsupported,
    async run(api, check) {
      const post = await created(api, "/posts", { title: "with notes" });
      await created(api, "/notes", { post, body: "n1" });
      await created(api, "/notes", { post, body: "n2" });
      check("delete", (await api.request("DELETE", `/posts/${post}`)).status, 200);
      const seen = await until(api, `/seen/${post}`, (b) => b.length >= 4, "the post's and its notes' events");
      check(
        "events",
        seen.map((s: { op: string; before: string | null }) => `${s.op}:${s.before ?? ""}`).sort(),
        ["delete note:n1", "delete note:n2", "delete:with notes", "insert:"],
      );
    },
  },
];

