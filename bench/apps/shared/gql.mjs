// The GraphQL workload written by hand (bench/graphql.mjs), shared by the mercurius and
// graphql-yoga apps: the schema a developer would write for the query the benchmark sends, and
// resolvers on better-sqlite3 over the tables the Kova app (kova-gql) created. Relations are
// batched per request (one IN query per relation and request), as each library's docs advise.
import Database from "better-sqlite3";

export const SCHEMA = /* GraphQL */ `
  enum SortDirection { ASC DESC }
  enum PostField { id title author }
  input PostOrder { field: PostField!, direction: SortDirection = ASC }
  type User { id: Int!, name: String! }
  type Comment { id: Int!, body: String!, postId: Int! }
  type Post { id: Int!, title: String!, authorId: Int!, author: User!, comments: [Comment!]! }
  type Query { posts(limit: Int, orderBy: [PostOrder!]): [Post!]! }
`;

const COLUMNS = { id: "id", title: "title", author: "author" };

export function openData(file) {
  const db = new Database(file, { readonly: true });
  const usersByIds = (ids) => db.prepare(`SELECT id, name FROM "user" WHERE id IN (${ids.map(() => "?").join(",")})`).all(...ids);
  const commentsByPosts = (ids) =>
    db.prepare(`SELECT id, body, post AS postId FROM "comment" WHERE post IN (${ids.map(() => "?").join(",")}) ORDER BY id`).all(...ids);
  return {
    db,
    posts({ limit, orderBy }) {
      const order = (orderBy ?? []).map((o) => `${COLUMNS[o.field]} ${o.direction === "DESC" ? "DESC" : "ASC"}`);
      order.push("id");
      return db.prepare(`SELECT id, title, author AS authorId FROM "post" ORDER BY ${order.join(", ")} LIMIT ?`).all(Math.min(limit ?? 100, 100));
    },
    /** Authors for many posts, in the posts' order (one query). */
    authorsOf(authorIds) {
      const byId = new Map(usersByIds([...new Set(authorIds)]).map((u) => [u.id, u]));
      return authorIds.map((id) => byId.get(id));
    },
    /** Comments of many posts, in the posts' order (one query). */
    commentsOf(postIds) {
      const byPost = new Map(postIds.map((id) => [id, []]));
      for (const c of commentsByPosts([...new Set(postIds)])) byPost.get(c.postId).push(c);
      return postIds.map((id) => byPost.get(id));
    },
  };
}
