// The authenticated-JSON benchmark on Fastify 5 + @fastify/jwt: the same token checks as the Kova
// app (HS256 only, issuer, audience, expiry) and the same answer, with a response schema.
import Fastify from "fastify";
import fastifyJwt from "@fastify/jwt";

const app = Fastify({ logger: false });
await app.register(fastifyJwt, {
  secret: process.env.JWT_KEY,
  verify: { algorithms: ["HS256"], allowedIss: "https://bench.kova", allowedAud: "bench", requiredClaims: ["exp", "sub"] },
});
app.get("/me", {
  onRequest: async (request, reply) => {
    try {
      await request.jwtVerify();
    } catch {
      reply.code(401).header("www-authenticate", 'Bearer realm="bench"').type("application/problem+json").send('{"status":401}');
    }
  },
  schema: { response: { 200: { type: "object", properties: { sub: { type: "string" }, role: { type: "string" } } } } },
}, async (request) => ({ sub: request.user.sub, role: request.user.role }));
await app.listen({ port: Number(process.env.PORT), host: "127.0.0.1" });
