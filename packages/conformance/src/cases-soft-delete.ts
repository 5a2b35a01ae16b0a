/**
 * SOFT DELETE (issue 21 item 3) on every driver that runs filters: `DELETE FROM Ticket` keeps the
 * record, stamped with deleted_at/deleted_by (the caller's `$auth.sub`); every read hides it — a
 * list, by id, by a UNIQUE field, a count, a related selection, a condition through a relation —
 * unless the SELECT says WITH DELETED (or ONLY DELETED); RESTORE brings it back; both are versions
 * in HISTORY, and AS OF an instant before the delete sees the record live.
 */
import type { Api, Case, OwnProgram } from "./cases.js";

const pause = (ms: number) => new Promise((r) => setTimeout(r, ms));

const PROGRAM: OwnProgram = {
  name: "soft-delete",
  source: `
ENTITY Team SOFT DELETE {
  tag: text INDEX
  name: text
  tickets: Ticket[] BY team
}

ENTITY Ticket AUDIT SOFT DELETE {
  tag: text INDEX
  code: text UNIQUE
  title: text
  team: Team?
}

VALIDATE Claims { sub: string }
VALIDATE SignIn { name: string }

AUTH jwt USING secret(env("KOVA_CONFORMANCE_JWT_KEY")) {
  claims: Claims
}

POST /sign-in VALIDATE SignIn { RESPOND { token: sign_token({ sub: $body.name }) } }
POST /teams { RESPOND 201 INSERT INTO Team $body }
POST /tickets AUTH optional { RESPOND 201 INSERT INTO Ticket $body }
PATCH /tickets/:id { RESPOND UPDATE Ticket SET $body WHERE id = $id }
DELETE /tickets/:id AUTH optional {
  gone = DELETE FROM Ticket WHERE id = $id
  IF gone IS NULL { ERROR 404 "no ticket {$id}" }
  RESPOND gone
}
DELETE /teams/:id {
  gone = DELETE FROM Team WHERE id = $id
  IF gone IS NULL { ERROR 404 "no team {$id}" }
  RESPOND 204
}
POST /tickets/:id/restore AUTH optional {
  back = RESTORE Ticket WHERE id = $id
  IF back IS NULL { ERROR 404 "no deleted ticket {$id}" }
  RESPOND back
}
GET /tickets/:id { RESPOND SELECT * FROM Ticket WHERE id = $id }
GET /tickets/:id/any { RESPOND SELECT * FROM Ticket WHERE id = $id WITH DELETED }
GET /tickets/by-code/:code { RESPOND SELECT id, title FROM Ticket WHERE code = $code }
GET /tags/:tag/tickets { RESPOND SELECT id, title FROM Ticket WHERE tag = $tag ORDER_BY id }
GET /tags/:tag/tickets/all { RESPOND SELECT title, deleted_by FROM Ticket WHERE tag = $tag ORDER_BY id WITH DELETED }
GET /tags/:tag/tickets/deleted { RESPOND SELECT title FROM Ticket WHERE tag = $tag ORDER_BY id ONLY DELETED }
GET /tags/:tag/count { RESPOND { n: SELECT COUNT(*) FROM Ticket WHERE tag = $tag, all: SELECT COUNT(*) FROM Ticket WHERE tag = $tag WITH DELETED } }
GET /tags/:tag/teams { RESPOND SELECT name, tickets { title ORDER_BY id }, COUNT(tickets) FROM Team WHERE tag = $tag ORDER_BY id }
GET /tags/:tag/tickets/with-team { RESPOND SELECT title, team { name } FROM Ticket WHERE tag = $tag ORDER_BY id }
GET /tags/:tag/tickets/of-team/:name { RESPOND SELECT title FROM Ticket WHERE tag = $tag AND team.name = $name ORDER_BY id }
GET /tickets/:id/history { RESPOND HISTORY Ticket WHERE id = $id }
GET /tickets/:id/as-of/:t { RESPOND SELECT title, deleted_at FROM Ticket AS OF $t WHERE id = $id }
GET /tickets/:id/as-of/:t/any { RESPOND SELECT title, deleted_at FROM Ticket AS OF $t WHERE id = $id WITH DELETED }
`,
};

async function bearer(api: Api, name: string): Promise<Record<string, string>> {
  const signed = await api.request("POST", "/sign-in", { name });
  return { authorization: `Bearer ${signed.body.token as string}` };
}

async function ticket(api: Api, tag: string, title: string, extra: Record<string, unknown> = {}): Promise<number> {
  const made = await api.request("POST", "/tickets", { tag, code: `${tag}-${title}`, title, ...extra });
  if (made.status !== 201) throw new Error(`insert failed: ${made.status} ${JSON.stringify(made.body)}`);
  return made.body.id as number;
}

const ISO = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;

export const SOFT_DELETE_CASES: Case[] = [
  {
    name: "SOFT DELETE: a delete stamps deleted_at/by and hides the record from lists, by id (404), UNIQUE lookups and counts",
    program: PROGRAM,
    async run(api, check) {
      const a = await ticket(api, "sd1", "a");
      const b = await ticket(api, "sd1", "b", { deleted_at: "2000-01-01T00:00:00.000Z", deleted_by: "mallory" });
      check("a body's deleted_at/by are ignored", (await api.request("GET", `/tickets/${b}`)).body.deleted_by, null);
      const gone = await api.request("DELETE", `/tickets/${a}`, undefined, await bearer(api, "ada"));
      check("the delete answers the stamped record", [gone.status, gone.body.title, gone.body.deleted_by, ISO.test(gone.body.deleted_at)], [200, "a", "ada", true]);
      check("hidden from a list", (await api.request("GET", "/tags/sd1/tickets")).body, [{ id: b, title: "b" }]);
      check("by id: 404", (await api.request("GET", `/tickets/${a}`)).status, 404);
      check("by a UNIQUE field: 404", (await api.request("GET", "/tickets/by-code/sd1-a")).status, 404);
      check("counted out", (await api.request("GET", "/tags/sd1/count")).body, { n: 1, all: 2 });
      check("deleting it again: 404", (await api.request("DELETE", `/tickets/${a}`)).status, 404);
      check("an update does not reach it", (await api.request("PATCH", `/tickets/${a}`, { title: "x" })).status, 404);
      check("a body cannot undelete", (await api.request("PATCH", `/tickets/${b}`, { deleted_at: "2000-01-01T00:00:00.000Z" })).body.deleted_at, null);
    },
  },
  {
    name: "SOFT DELETE: WITH DELETED and ONLY DELETED read deleted records; RESTORE brings one back",
    program: PROGRAM,
    async run(api, check) {
      const a = await ticket(api, "sd2", "a");
      await ticket(api, "sd2", "b");
      await api.request("DELETE", `/tickets/${a}`);
      const all = (await api.request("GET", "/tags/sd2/tickets/all")).body as Array<{ title: string; deleted_by: unknown }>;
      check("WITH DELETED lists both", all.map((t) => [t.title, t.deleted_by]), [["a", null], ["b", null]]);
      check("ONLY DELETED", (await api.request("GET", "/tags/sd2/tickets/deleted")).body.map((t: { title: string }) => t.title), ["a"]);
      const any = await api.request("GET", `/tickets/${a}/any`);
      check("by id WITH DELETED", [any.status, any.body.title, ISO.test(any.body.deleted_at)], [200, "a", true]);
      const back = await api.request("POST", `/tickets/${a}/restore`, undefined, await bearer(api, "grace"));
      check("RESTORE clears the stamps (and AUDIT records who)", [back.status, back.body.deleted_at, back.body.deleted_by, back.body.updated_by], [200, null, null, "grace"]);
      check("live again", (await api.request("GET", "/tags/sd2/tickets")).body.map((t: { title: string }) => t.title), ["a", "b"]);
      check("restoring a live record: 404", (await api.request("POST", `/tickets/${a}/restore`)).status, 404);
    },
  },
  {
    name: "SOFT DELETE: HISTORY lists the delete and the restore as updates; AS OF before the delete sees the record",
    program: PROGRAM,
    async run(api, check) {
      const id = await ticket(api, "sd3", "a");
      await pause(15);
      const before = new Date().toISOString();
      await pause(15);
      await api.request("DELETE", `/tickets/${id}`, undefined, await bearer(api, "ada"));
      await pause(15);
      const during = new Date().toISOString();
      await pause(15);
      await api.request("POST", `/tickets/${id}/restore`);
      const history = (await api.request("GET", `/tickets/${id}/history`)).body as Array<{ operation: string; data: Record<string, unknown> }>;
      check("versions", history.map((h) => [h.operation, h.data.deleted_by, h.data.deleted_at === null]), [
        ["insert", null, true],
        ["update", "ada", false],
        ["update", null, true],
      ]);
      check("AS OF before the delete", (await api.request("GET", `/tickets/${id}/as-of/${encodeURIComponent(before)}`)).body, { id, title: "a", deleted_at: null });
      check("AS OF while deleted: hidden", (await api.request("GET", `/tickets/${id}/as-of/${encodeURIComponent(during)}`)).status, 404);
      const then = (await api.request("GET", `/tickets/${id}/as-of/${encodeURIComponent(during)}/any`)).body;
      check("AS OF while deleted, WITH DELETED", [then.title, ISO.test(then.deleted_at)], ["a", true]);
    },
  },
  {
    name: "SOFT DELETE: related selections, counts and conditions through a relation skip deleted records",
    program: PROGRAM,
    async run(api, check) {
      const red = (await api.request("POST", "/teams", { tag: "sd4", name: "red" })).body.id as number;
      const blue = (await api.request("POST", "/teams", { tag: "sd4", name: "blue" })).body.id as number;
      const a = await ticket(api, "sd4", "a", { team: red });
      await ticket(api, "sd4", "b", { team: red });
      await ticket(api, "sd4", "c", { team: blue });
      await api.request("DELETE", `/tickets/${a}`);
      check("a list and a count of related rows", (await api.request("GET", "/tags/sd4/teams")).body, [
        { id: red, name: "red", tickets: [{ id: a + 1, title: "b" }], tickets_count: 1 },
        { id: blue, name: "blue", tickets: [{ id: a + 2, title: "c" }], tickets_count: 1 },
      ]);
      check("deleting a team its tickets refer to", (await api.request("DELETE", `/teams/${blue}`)).status, 204);
      check("a deleted referenced record reads as null", (await api.request("GET", "/tags/sd4/tickets/with-team")).body.map((t: { title: string; team: unknown }) => [t.title, t.team === null ? null : (t.team as { name: string }).name]), [
        ["b", "red"],
        ["c", null],
      ]);
      check("a condition through the relation", (await api.request("GET", "/tags/sd4/tickets/of-team/blue")).body, []);
      check("… holds for a live one", (await api.request("GET", "/tags/sd4/tickets/of-team/red")).body.map((t: { title: string }) => t.title), ["b"]);
    },
  },
  {
    name: "SOFT DELETE: a deleted record keeps its UNIQUE value: a new record cannot take it (409)",
    program: PROGRAM,
    async run(api, check) {
      const a = await ticket(api, "sd5", "a");
      await api.request("DELETE", `/tickets/${a}`);
      const again = await api.request("POST", "/tickets", { tag: "sd5", code: "sd5-a", title: "a2" });
      check("the value is still held: 409", again.status, 409);
    },
  },
];
