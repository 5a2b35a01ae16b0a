/**
 * "Build a todo app with history": 10 minutes. A todo API grown one piece at a time (entity,
 * fields, list, create, read, change, delete), then its past: each todo's versions, a todo as it
 * was, and a feed of every change.
 */
import type { Tutorial } from "./model.js";
import { answeredOr, answerOf, endpoint, endpointRunning, entity, field, shape } from "./requirements.js";

/** Each step's solution is the previous one with one more piece; `program` assembles them in order. */
const PIECES = {
  entity: `ENTITY Todo {
  title: text
}`,
  entityDone: `/// Something to do. Every change is kept.
ENTITY Todo {
  title: text
  done: bool DEFAULT false
}`,
  list: `GET /todos {
  RESPOND SELECT * FROM Todo ORDER_BY id
}`,
  create: `VALIDATE NewTodo {
  title: string(min: 1, max: 200)
}

POST /todos VALIDATE NewTodo {
  RESPOND 201 INSERT INTO Todo $body
}`,
  read: `GET /todos/:id {
  RESPOND SELECT * FROM Todo WHERE id = $id
}`,
  change: `VALIDATE TodoChanges {
  title: string(min: 1, max: 200)?
  done: boolean?
}

PATCH /todos/:id VALIDATE TodoChanges {
  RESPOND UPDATE Todo SET $body WHERE id = $id
}`,
  remove: `DELETE /todos/:id {
  RESPOND DELETE FROM Todo WHERE id = $id
}`,
  history: `GET /todos/:id/history {
  RESPOND HISTORY Todo WHERE id = $id
}`,
  asOf: `GET /todos/:id/as-of/:when {
  RESPOND SELECT * FROM Todo AS OF $when WHERE id = $id
}`,
  feed: `GET /changes {
  RESPOND HISTORY Todo ORDER_BY version DESC LIMIT 20
}`,
};

type Piece = keyof typeof PIECES;
const program = (...pieces: Piece[]) => `${pieces.map((p) => PIECES[p]).join("\n\n")}\n`;

export const todoHistory: Tutorial = {
  id: "todo-history",
  title: "Build a todo app with history",
  duration: "10 minutes",
  steps: [
    {
      title: "A Todo entity",
      text: "Start with the data. Declare `ENTITY Todo { title: text }`: the store keeps todos, each with an `id` it assigns.",
      start: "// A todo app, one step at a time.\n",
      requires: [entity("Todo", "ENTITY Todo { title: text }"), field("Todo", "title", "string", "title: text")],
      solution: program("entity"),
    },
    {
      title: "Add a field",
      text: "A todo is done or not. Add a field `done: bool DEFAULT false` to Todo: the default means a new todo need not say. Adding a field later is fine too: the store's schema follows the program.",
      requires: [field("Todo", "done", "boolean", "done: bool DEFAULT false", { withDefault: true })],
      solution: program("entityDone"),
    },
    {
      title: "List the todos",
      text: "Add `GET /todos` answering `SELECT * FROM Todo ORDER_BY id`: every todo, oldest first.",
      requires: [endpoint("GET", "/todos", { runs: { kind: "select", entity: "Todo", single: false }, example: "GET /todos { RESPOND SELECT * FROM Todo ORDER_BY id }" })],
      solution: program("entityDone", "list"),
    },
    {
      title: "Create todos",
      text: "Describe a new todo's body with `VALIDATE NewTodo { title: string(min: 1, max: 200) }`, then `POST /todos VALIDATE NewTodo` answering `201` with `INSERT INTO Todo $body`. A body without a title is refused with a 400 naming the field.",
      requires: [
        shape("NewTodo", ["title"], "VALIDATE NewTodo { title: string(min: 1, max: 200) }"),
        endpoint("POST", "/todos", { validates: "NewTodo", runs: { kind: "insert", entity: "Todo" }, status: 201, example: "POST /todos VALIDATE NewTodo { RESPOND 201 INSERT INTO Todo $body }" }),
      ],
      solution: program("entityDone", "list", "create"),
      tryIt: 'POST /todos { "title": "milk" }, then GET /todos.',
    },
    {
      title: "Read one todo",
      text: "`GET /todos/:id` answering `SELECT * FROM Todo WHERE id = $id`: the WHERE pins one row, so the answer is that todo, or a 404 problem when there is none.",
      requires: [endpoint("GET", "/todos/:id", { runs: { kind: "select", entity: "Todo", single: true }, example: "GET /todos/:id { RESPOND SELECT * FROM Todo WHERE id = $id }" })],
      solution: program("entityDone", "list", "create", "read"),
    },
    {
      title: "Change a todo",
      text: "A PATCH sends only what changes: `VALIDATE TodoChanges { title: string(min: 1, max: 200)?  done: boolean? }` (each field optional), and `PATCH /todos/:id VALIDATE TodoChanges` answering `UPDATE Todo SET $body WHERE id = $id`. The version before the change is kept.",
      requires: [
        shape("TodoChanges", ["done"], "VALIDATE TodoChanges { title: string(min: 1, max: 200)?  done: boolean? }"),
        endpoint("PATCH", "/todos/:id", { validates: "TodoChanges", runs: { kind: "update", entity: "Todo", single: true }, example: "PATCH /todos/:id VALIDATE TodoChanges { RESPOND UPDATE Todo SET $body WHERE id = $id }" }),
      ],
      solution: program("entityDone", "list", "create", "read", "change"),
      tryIt: 'PATCH /todos/1 { "done": true }.',
    },
    {
      title: "Delete a todo",
      text: "`DELETE /todos/:id` answering `DELETE FROM Todo WHERE id = $id`: the todo is gone from every SELECT, but its versions stay, so its history can still be read.",
      requires: [endpoint("DELETE", "/todos/:id", { runs: { kind: "delete", entity: "Todo", single: true }, example: "DELETE /todos/:id { RESPOND DELETE FROM Todo WHERE id = $id }" })],
      solution: program("entityDone", "list", "create", "read", "change", "remove"),
    },
    {
      title: "A todo's history",
      text: "`GET /todos/:id/history` answering `HISTORY Todo WHERE id = $id`: every version of the todo, oldest first, each with its `version`, `operation`, `at` and `data`, a deleted todo's included.",
      requires: [endpointRunning("GET", { kind: "history", entity: "Todo", filtered: true }, "GET /todos/:id/history { RESPOND HISTORY Todo WHERE id = $id }")],
      solution: program("entityDone", "list", "create", "read", "change", "remove", "history"),
    },
    {
      title: "A todo as it was",
      text: "`GET /todos/:id/as-of/:when` answering `SELECT * FROM Todo AS OF $when WHERE id = $id`: the todo as it was at that instant (an ISO-8601 date-time, or milliseconds since 1970).",
      requires: [endpointRunning("GET", { kind: "select", entity: "Todo", single: true, asOf: "input" }, "GET /todos/:id/as-of/:when { RESPOND SELECT * FROM Todo AS OF $when WHERE id = $id }")],
      solution: program("entityDone", "list", "create", "read", "change", "remove", "history", "asOf"),
    },
    {
      title: "Watch it change",
      text: "Use it. With the request panel: add a todo, mark it done, and read its history: two versions, the insert and the update. Without the panel, give the program a feed of every change: `GET /changes` answering `HISTORY Todo ORDER_BY version DESC LIMIT 20`, the latest first.",
      requires: [
        answeredOr(
          (response, outline) =>
            answerOf(response, outline, { kind: "history", entity: "Todo", filtered: true }) &&
            Array.isArray(response.body) &&
            response.body.some((version: { operation?: unknown }) => version?.operation === "update"),
          "Add a todo, change it, and GET /todos/1/history in the request panel.",
          endpointRunning("GET", { kind: "history", entity: "Todo", filtered: false }, "GET /changes { RESPOND HISTORY Todo ORDER_BY version DESC LIMIT 20 }"),
        ),
      ],
      solution: program("entityDone", "list", "create", "read", "change", "remove", "history", "asOf", "feed"),
      tryIt: 'POST /todos { "title": "milk" }, PATCH /todos/1 { "done": true }, then GET /todos/1/history.',
    },
  ],
};
