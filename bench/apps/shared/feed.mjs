// The hand-written feed's response: what the Kova app's `SELECT title, author { name }, COUNT(comments)` returns.
export const FEED_SCHEMA = {
  type: "array",
  items: {
    type: "object",
    properties: {
      id: { type: "integer" },
      title: { type: "string" },
      author: { type: ["object", "null"], properties: { id: { type: "integer" }, name: { type: "string" } } },
      comments_count: { type: "integer" },
    },
  },
};

export function shapeFeed(rows) {
  return rows.map((r) => ({
    id: r.id,
    title: r.title,
    author: r.author_id === null ? null : { id: r.author_id, name: r.author_name },
    comments_count: Number(r.comments_count),
  }));
}
