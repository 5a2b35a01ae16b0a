// `///` doc comments: which declaration or field each documents, and how they reach the app model.
import { test } from "node:test";
import assert from "node:assert/strict";
import { checkText, formatSource, lower, parse, type EndpointDecl, type EntityDecl, type ValidateDecl } from "../src/index.js";

test("doc comments: /// lines before an endpoint, ENTITY, VALIDATE or field are its doc; // and //// are not", () => {
  const { program, diagnostics } = parse(`/// A user.
/// Has a name.
ENTITY User {
  /// The name shown.
  name: text
  // not a doc
  bio: text?
  //// not a doc either
  age: int?
}

/// Ignored: a blank line follows.

VALIDATE NewUser {
  ///Who.
  name: string
}

// An ordinary comment.
/// Lists users.
GET /users {
  RESPOND SELECT * FROM User
}
`);
  assert.deepEqual(diagnostics, []);
  const [user, shape, route] = program.declarations as [EntityDecl, ValidateDecl, EndpointDecl];
  assert.equal(user.doc, "A user.\nHas a name.");
  assert.deepEqual(user.fields.map((f) => f.doc), ["The name shown.", null, null]);
  assert.equal(shape.doc, null);
  assert.equal(shape.fields[0].doc, "Who.");
  assert.equal(route.doc, "Lists users.");
});

test("doc comments: they reach the app model (routes, shapes, shape fields, entities) and survive kova fmt", () => {
  const text = `/// A todo.
ENTITY Todo {
  /// What to do.
  title: text
}

/// A new todo.
VALIDATE NewTodo {
  /// At least one character.
  title: string(min: 1)
}

/// Adds a todo.
POST /todos VALIDATE NewTodo {
  RESPOND 201 INSERT INTO Todo $body
}
`;
  const result = checkText(text, "/app/app.kova", { readFile: () => undefined });
  assert.deepEqual(result.diagnostics, []);
  const app = lower(result.programs[0].model, { name: "app" });
  assert.equal(app.entryPoints[0].doc, "Adds a todo.");
  assert.equal(app.shapes[0].doc, "A new todo.");
  assert.equal(app.shapes[0].fields[0].doc, "At least one character.");
  assert.deepEqual(app.entityDocs, { Todo: { doc: "A todo.", fields: { title: "What to do." } } });
  const formatted = formatSource(text, "app.kova");
  assert.equal(formatted.text, text, "the formatter keeps doc comments where they are");
});

test("doc comments: a program without any keeps its app model as it was (no doc keys)", () => {
  const result = checkText(`ENTITY T {\n  a: text\n}\nGET /t {\n  RESPOND SELECT * FROM T\n}\n`, "/app/app.kova", { readFile: () => undefined });
  const app = lower(result.programs[0].model, { name: "app" });
  assert.equal("doc" in app.entryPoints[0], false);
  assert.equal(app.entityDocs, undefined);
});
