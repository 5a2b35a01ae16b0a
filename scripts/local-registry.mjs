#!/usr/bin/env node
// A tiny npm registry for tests: serves the tarballs `npm run pack` wrote (packed/packed.json) and
// passes every other request through to the upstream registry (default https://registry.npmjs.org,
// or $KOVA_UPSTREAM_REGISTRY). With `npm_config_registry` pointed at it, a user's own commands —
// `npm create kova@latest`, `npm install` — run unchanged, yet create-kova and @kova/* come only from
// the tarballs: a request for one of those names never reaches the upstream. Nor does `kova`: on the
// public registry that name is an unrelated package, which no test may fetch or run.
//
//   node scripts/local-registry.mjs [--dir packed] [--port 0]
// Prints "registry listening on http://127.0.0.1:PORT/" once ready; stops on SIGTERM/SIGINT.
import { createHash } from "node:crypto";
import { readFileSync } from "node:fs";
import { createServer } from "node:http";
import { join, resolve } from "node:path";
import { Readable } from "node:stream";
import { gunzipSync } from "node:zlib";

export function startRegistry({ dir, port = 0, upstream = process.env.KOVA_UPSTREAM_REGISTRY ?? "https://registry.npmjs.org" }) {
  const packed = JSON.parse(readFileSync(join(dir, "packed.json"), "utf8"));
  const local = new Map();
  for (const entry of packed) {
    const bytes = readFileSync(join(dir, entry.file));
    const manifest = JSON.parse(readPackageJson(bytes));
    local.set(entry.name, { entry, bytes, manifest });
  }
  let base = "";
  const packument = ({ entry, bytes, manifest }) => ({
    _id: entry.name,
    name: entry.name,
    "dist-tags": { latest: entry.version },
    versions: {
      [entry.version]: {
        ...manifest,
        _id: `${entry.name}@${entry.version}`,
        dist: {
          tarball: `${base}tarballs/${entry.file}`,
          shasum: createHash("sha1").update(bytes).digest("hex"),
          integrity: `sha512-${createHash("sha512").update(bytes).digest("base64")}`,
        },
      },
    },
    time: { [entry.version]: new Date(0).toISOString() },
  });
  const server = createServer(async (req, res) => {
    try {
      const path = decodeURIComponent((req.url ?? "/").split("?")[0]);
      if (path.startsWith("/tarballs/")) {
        const hit = [...local.values()].find((l) => `/tarballs/${l.entry.file}` === path);
        if (!hit) return send(res, 404, { error: "not found" });
        res.writeHead(200, { "content-type": "application/octet-stream", "content-length": hit.bytes.length });
        return res.end(hit.bytes);
      }
      const name = path.slice(1);
      const hit = local.get(name);
      if (hit) return send(res, 200, packument(hit));
      // A Kova package we did not pack must not come from the public registry either; nor may the
      // unrelated package that owns the name `kova` there (a mistaken `npx kova` outside a project).
      if (name === "kova") return send(res, 404, { error: "kova is not Kova's package (the CLI is @kova/cli); no test may fetch it" });
      if (name === "create-kova" || name.startsWith("@kova/")) return send(res, 404, { error: `${name} is not among the packed tarballs` });
      const upstreamResponse = await fetch(upstream + (req.url ?? "/"), { headers: { accept: req.headers.accept ?? "application/json" } });
      const headers = {};
      for (const h of ["content-type", "etag", "last-modified", "cache-control"]) {
        const v = upstreamResponse.headers.get(h);
        if (v) headers[h] = v;
      }
      res.writeHead(upstreamResponse.status, headers);
      if (upstreamResponse.body) Readable.fromWeb(upstreamResponse.body).pipe(res);
      else res.end();
    } catch (error) {
      if (!res.headersSent) send(res, 502, { error: String(error?.message ?? error) });
      else res.destroy();
    }
  });
  return new Promise((done) => {
    server.listen(port, "127.0.0.1", () => {
      base = `http://127.0.0.1:${server.address().port}/`;
      done({ url: base, close: () => new Promise((closed) => server.close(() => closed())) });
    });
  });
}

function send(res, status, body) {
  const text = JSON.stringify(body);
  res.writeHead(status, { "content-type": "application/json" });
  res.end(text);
}

/** package/package.json out of a .tgz, without a tar dependency (ustar: 512-byte headers). */
function readPackageJson(tgz) {
  const tar = gunzipSync(tgz);
  for (let at = 0; at + 512 <= tar.length; ) {
    const header = tar.subarray(at, at + 512);
    if (header.every((b) => b === 0)) break;
    const prefix = header.subarray(345, 500).toString("utf8").replace(/\0.*$/s, "");
    const shortName = header.subarray(0, 100).toString("utf8").replace(/\0.*$/s, "");
    const name = prefix ? `${prefix}/${shortName}` : shortName;
    const size = parseInt(header.subarray(124, 136).toString("utf8").replace(/\0.*$/s, "").trim() || "0", 8);
    if (name === "package/package.json") return tar.subarray(at + 512, at + 512 + size).toString("utf8");
    at += 512 + Math.ceil(size / 512) * 512;
  }
  throw new Error("no package/package.json in the tarball");
}

if (process.argv[1] && resolve(process.argv[1]) === new URL(import.meta.url).pathname) {
  const args = process.argv.slice(2);
  const opt = (flag, fallback) => (args.includes(flag) ? args[args.indexOf(flag) + 1] : fallback);
  const registry = await startRegistry({ dir: resolve(opt("--dir", "packed")), port: Number(opt("--port", "0")) });
  console.log(`registry listening on ${registry.url}`);
  const stop = () => registry.close().then(() => process.exit(0));
  process.on("SIGTERM", stop);
  process.on("SIGINT", stop);
}
