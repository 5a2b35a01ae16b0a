// The GraphQL workload by hand on Fastify 5 + mercurius (graphql-jit on, loaders for the
// relations: mercurius's own batching), reading a copy of the Kova app's database.
import Fastify from "fastify";
import mercurius from "mercurius";
import { SCHEMA, openData } from "./shared/gql.mjs";

const data = openData(process.env.DB_FILE);
const app = Fastify({ logger: false });
await app.register(mercurius, {
  schema: SCHEMA,
  jit: 1,
  resolvers: { Query: { posts: (_root, args) => data.posts(args) } },
  loaders: {
    Post: {
      author: async (queries) => data.authorsOf(queries.map((q) => q.obj.authorId)),
      comments: async (queries) => data.commentsOf(queries.map((q) => q.obj.id)),
    },
  },
});
await app.listen({ port: Number(process.env.PORT ?? 3000), host: "127.0.0.1" });
process.on("SIGTERM", () => app.close().then(() => data.db.close()).then(() => process.exit(0)));
