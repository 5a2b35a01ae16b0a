// One upload server in its own process, so its peak RSS is its own: `kova` (the compiled
// apps/uploads/app.kova on @kova/runtime) or `fastify` (@fastify/multipart streaming the part to a
// file, as Kova does). Sends its URL on IPC; samples its RSS while the uploads run (see below).
import { createWriteStream } from "node:fs";
import { join } from "node:path";
import { pipeline } from "node:stream/promises";
import { pathToFileURL } from "node:url";
import { randomUUID } from "node:crypto";

const [kind, dir] = process.argv.slice(2);
let url;
if (kind === "kova") {
  const { startApp } = await import("@kova/runtime");
  const { app } = await import(pathToFileURL(join(dir, "dist", "app.js")).href);
  const running = await startApp(app, { port: 0, host: "127.0.0.1", appDir: dir, manageProcess: false, logLevel: "warn" });
  url = running.url;
} else {
  const { default: Fastify } = await import("fastify");
  const { default: multipart } = await import("@fastify/multipart");
  const fastify = Fastify({ logger: false });
  await fastify.register(multipart, { limits: { fileSize: 20 * 1024 * 1024, files: 1 } });
  fastify.post("/upload", async (request, reply) => {
    let title;
    let saved;
    for await (const part of request.parts()) {
      if (part.type === "file") {
        const id = randomUUID();
        await pipeline(part.file, createWriteStream(join(dir, id)));
        if (part.file.truncated) return reply.code(413).send({ error: "too large" });
        saved = { id, size: part.file.bytesRead };
      } else {
        title = part.value;
      }
    }
    return reply.code(201).send({ title, id: saved.id, size: saved.size });
  });
  url = await fastify.listen({ port: 0, host: "127.0.0.1" });
}
// The process's peak RSS at start-up (loading modules, opening the store) is not the upload's cost:
// RSS is sampled every 5 ms from "start" on, and "rss" answers the RSS then and the highest sample since.
let peak = 0;
let sampler;
process.on("message", (m) => {
  if (m === "start") {
    peak = process.memoryUsage().rss;
    sampler = setInterval(() => (peak = Math.max(peak, process.memoryUsage().rss)), 5);
  } else if (m === "rss") {
    clearInterval(sampler);
    process.send({ rssKb: Math.round(process.memoryUsage().rss / 1024), peakKb: Math.round(peak / 1024) });
  }
});
process.send({ url });
