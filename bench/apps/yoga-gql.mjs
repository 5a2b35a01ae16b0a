// The GraphQL workload by hand on graphql-yoga 5 (on node:http) with DataLoader for the relations
// (one loader per request, as Yoga's docs do it), reading a copy of the Kova app's database.
import { createServer } from "node:http";
import DataLoader from "dataloader";
import { createSchema, createYoga } from "graphql-yoga";
import { SCHEMA, openData } from "./shared/gql.mjs";

const data = openData(process.env.DB_FILE);
const yoga = createYoga({
  schema: createSchema({
    typeDefs: SCHEMA,
    resolvers: {
      Query: { posts: (_root, args) => data.posts(args) },
      Post: {
        author: (post, _args, context) => context.authors.load(post.authorId),
        comments: (post, _args, context) => context.comments.load(post.id),
      },
    },
  }),
  context: () => ({
    authors: new DataLoader(async (ids) => data.authorsOf(ids)),
    comments: new DataLoader(async (ids) => data.commentsOf(ids)),
  }),
  logging: false,
  graphiql: false,
});
const server = createServer(yoga);
server.listen(Number(process.env.PORT ?? 3000), "127.0.0.1");
process.on("SIGTERM", () => server.close(() => (data.db.close(), process.exit(0))));
