/**
 * Issue 9 item 5: the checker's resolutions cover every spelling of a field or entity, so the
 * language server reads them from the SemanticModel instead of doing lookups of its own.
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import { checkText, type Node, type SemanticModel } from "../src/index.js";

const APP = `ENTITY User {
  name: text
}

ENTITY Post {
  title: text
  author: User
}

VALIDATE PostIn {
  title: text
}

POST /posts/:id VALIDATE PostIn {
  user = SELECT * FROM User WHERE id = 1
  post = INSERT INTO Post { title: $body.title, author: user.id }
  SAVE { title: post.title, author: 1, id: $id } INTO Post
  UPDATE Post SET { title: user.name } WHERE id = post.id
  RESPOND 201 post
}
`;

function analyse(): { model: SemanticModel; at: (needle: string, nth?: number) => Node[] } {
  const result = checkText(APP, "app.kova");
  assert.deepEqual(result.diagnostics, []);
  const model = result.programs[0].model;
  /** The resolved uses whose text is `needle`, in source order. */
  const at = (needle: string) =>
    [...model.resolutions.keys()]
      .filter((use) => APP.slice(use.span.start.offset, use.span.end.offset) === needle)
      .sort((a, b) => a.span.start.offset - b.span.start.offset);
  return { model, at };
}

function declName(node: Node | undefined): string {
  assert.ok(node, "not resolved");
  return "name" in node && typeof node.name === "object" && node.name !== null && "name" in node.name ? `${node.kind} ${String(node.name.name)}` : node.kind;
}

test("a field read from a row (post.title, user.name) and from a shape ($body.title) resolves to the declared field", () => {
  const { model, at } = analyse();
  const titles = at("title");
  // Declarations first (Post.title, PostIn.title), then $body.title, the INSERT key, post.title, the SAVE key, the UPDATE key.
  const bodyTitle = titles.find((n) => APP.slice(n.span.start.offset - 6, n.span.start.offset) === "$body.");
  assert.equal(declName(model.resolutions.get(bodyTitle!)), "Field title");
  const validate = model.validators.get("PostIn")!.decl;
  assert.equal(model.resolutions.get(bodyTitle!), validate.fields[0]);
  const postTitle = titles.find((n) => APP.slice(n.span.start.offset - 5, n.span.start.offset) === "post.");
  assert.equal(model.resolutions.get(postTitle!), model.entities.get("Post")!.decl.fields[0]);
  const userName = at("name").find((n) => APP.slice(n.span.start.offset - 5, n.span.start.offset) === "user.");
  assert.equal(model.resolutions.get(userName!), model.entities.get("User")!.decl.fields[0]);
});

test("the keys of INSERT, SAVE and UPDATE … SET { … } resolve to the entity's fields", () => {
  const { model, at } = analyse();
  const postTitle = model.entities.get("Post")!.decl.fields[0];
  const postAuthor = model.entities.get("Post")!.decl.fields[1];
  const keys = at("title").filter((n) => APP.slice(n.span.end.offset, n.span.end.offset + 1) === ":" && n.span.start.line >= 16);
  assert.equal(keys.length, 3, "INSERT, SAVE and UPDATE keys");
  for (const key of keys) assert.equal(model.resolutions.get(key), postTitle);
  const authorKeys = at("author").filter((n) => n.span.start.line >= 16);
  assert.equal(authorKeys.length, 2);
  for (const key of authorKeys) assert.equal(model.resolutions.get(key), postAuthor);
});

test("declared names resolve to their declarations, and a field type names its entity", () => {
  const { model, at } = analyse();
  const user = model.entities.get("User")!.decl;
  const [declared, asType] = at("User");
  assert.equal(model.resolutions.get(declared), user);
  assert.equal(model.resolutions.get(asType), user, "author: User");
  const id = at(":id")[0];
  assert.equal(model.resolutions.get(id), id, "a :param segment is its own declaration");
});
