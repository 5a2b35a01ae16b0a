// Issue 17 item 5: the built todo app serving HTTPS with a certificate from a CA made in the test,
// HTTP/2 over ALPN on the same port, a certificate swapped on SIGHUP without dropping an open
// connection, and a plain-HTTP port that redirects (or refuses).
import assert from "node:assert/strict";
import { copyFileSync, writeFileSync } from "node:fs";
import { request as httpsRequest, Agent } from "node:https";
import { connect as http2Connect } from "node:http2";
import type { TLSSocket } from "node:tls";
import { join } from "node:path";
import { test } from "node:test";
import { build, EXAMPLES, freePort, request, spawnNode, tempApp } from "./e2e/harness.js";
import { makeTestCa } from "./e2e/test-ca.js";

interface TlsAnswer {
  status: number;
  body: string;
  fingerprint: string;
  reused: boolean;
  socket: unknown;
}

function get(url: string, options: { ca?: string; agent?: Agent }): Promise<TlsAnswer> {
  return new Promise((resolve, reject) => {
    const req = httpsRequest(url, { ca: options.ca, agent: options.agent ?? false }, (res) => {
      let body = "";
      // Read now: the socket goes back to the agent (or away) once the body ends.
      const socket = res.socket as TLSSocket;
      const fingerprint = socket.getPeerX509Certificate()?.fingerprint256 ?? "";
      res.setEncoding("utf8").on("data", (c: string) => (body += c));
      res.on("end", () => resolve({ status: res.statusCode ?? 0, body, fingerprint, reused: req.reusedSocket, socket }));
    });
    req.on("error", reject);
    req.end();
  });
}

test("HTTPS with a test CA: HTTP/2 by ALPN, SIGHUP reloads the certificate without dropping connections, plain HTTP redirected", async (t) => {
  const dir = tempApp(t, join(EXAMPLES, "todo"));
  await build(dir);
  const ca = makeTestCa(dir);
  const first = ca.issue("server-1");
  // The app reads these two paths; a renewal overwrites them in place, as certbot or cert-manager do.
  const cert = join(dir, "tls.crt");
  const key = join(dir, "tls.key");
  copyFileSync(first.cert, cert);
  copyFileSync(first.key, key);
  const port = await freePort();
  const httpPort = await freePort();
  const server = spawnNode(t, [join(dir, "dist", "server.js")], {
    env: { PORT: String(port), HOST: "127.0.0.1", KOVA_TLS_CERT: cert, KOVA_TLS_KEY: key, KOVA_TLS_HTTP2: "on", KOVA_TLS_HTTP_PORT: String(httpPort), KOVA_TLS_HTTP: "redirect" },
  });
  await server.waitForOutput(/listening on https:\/\/127\.0\.0\.1:\d+/);
  const url = `https://127.0.0.1:${port}`;

  // The test CA's certificate verifies; a client that does not trust the CA refuses the server.
  const health = await get(`${url}/_kova/health`, { ca: ca.caPem });
  assert.equal(health.status, 200);
  assert.equal(health.fingerprint, first.fingerprint);
  await assert.rejects(get(`${url}/_kova/health`, {}), (error: NodeJS.ErrnoException) => /UNABLE_TO_VERIFY_LEAF_SIGNATURE|UNABLE_TO_GET_ISSUER_CERT_LOCALLY|unable to verify the first certificate/i.test(`${error.code} ${error.message}`));

  // HTTP/2: ALPN picks h2, and the app answers over it.
  const session = http2Connect(url, { ca: ca.caPem });
  t.after(() => session.close());
  const h2 = await new Promise<{ alpn: string | false; status: number; body: string }>((resolve, reject) => {
    const stream = session.request({ ":path": "/todos", ":method": "POST", "content-type": "application/json" });
    stream.end(JSON.stringify({ title: "over h2" }));
    let status = 0;
    let body = "";
    stream.on("response", (headers) => (status = Number(headers[":status"])));
    stream.setEncoding("utf8").on("data", (c: string) => (body += c));
    stream.on("end", () => resolve({ alpn: session.alpnProtocol ?? false, status, body }));
    stream.on("error", reject);
  });
  assert.equal(h2.alpn, "h2");
  assert.equal(h2.status, 201, h2.body);
  assert.equal(JSON.parse(h2.body).title, "over h2");

  // A keep-alive connection opened before the reload.
  const agent = new Agent({ keepAlive: true, maxSockets: 1, ca: ca.caPem });
  t.after(() => agent.destroy());
  const before = await get(`${url}/todos`, { agent });
  assert.equal(before.fingerprint, first.fingerprint);

  const second = ca.issue("server-2");
  copyFileSync(second.cert, cert);
  copyFileSync(second.key, key);
  server.signal("SIGHUP");
  await server.waitForOutput(/TLS certificate reloaded/);

  // The open connection carries on (the same TLS socket); a new one gets the new certificate.
  const after = await get(`${url}/todos`, { agent });
  assert.equal(after.status, 200);
  assert.equal(after.reused, true, "the keep-alive connection was not dropped by the reload");
  assert.equal(after.socket, before.socket);
  const fresh = await get(`${url}/todos`, { ca: ca.caPem });
  assert.equal(fresh.fingerprint, second.fingerprint);

  // A broken renewal (a key that does not match) is refused: the server keeps the pair it has.
  copyFileSync(first.key, key);
  server.signal("SIGHUP");
  await server.waitForOutput(/TLS certificate reload failed; still serving the previous one/);
  const still = await get(`${url}/todos`, { ca: ca.caPem });
  assert.equal(still.status, 200);
  assert.equal(still.fingerprint, second.fingerprint);

  // Plain HTTP on its own port: a 308 to the same path over HTTPS.
  const plain = await fetch(`http://127.0.0.1:${httpPort}/todos?done=false`, { redirect: "manual" });
  assert.equal(plain.status, 308);
  assert.equal(plain.headers.get("location"), `https://127.0.0.1:${port}/todos?done=false`);
  assert.equal(server.running, true);
});

test("plain HTTP refused when so configured; a certificate without its key is one clear line at start", async (t) => {
  const dir = tempApp(t, join(EXAMPLES, "todo"));
  await build(dir);
  const ca = makeTestCa(dir);
  const pair = ca.issue("server");
  writeFileSync(join(dir, "kova.config.json"), JSON.stringify({ tls: { cert: "server.crt", key: "server.key", httpPort: 0, http: "refuse" } }));
  const port = await freePort();
  const httpPort = await freePort();
  const server = spawnNode(t, [join(dir, "dist", "server.js")], { cwd: dir, env: { PORT: String(port), HOST: "127.0.0.1", KOVA_TLS_HTTP_PORT: String(httpPort) } });
  await server.waitForOutput(/plain HTTP on http:\/\/127\.0\.0\.1:\d+ \(refused\)/);
  const refused = await request(`http://127.0.0.1:${httpPort}/todos`);
  assert.equal(refused.status, 403);
  assert.equal(refused.body.type, "urn:kova:problem:https-required");
  assert.equal((await get(`https://127.0.0.1:${port}/_kova/health`, { ca: ca.caPem })).fingerprint, pair.fingerprint);

  const broken = spawnNode(t, [join(dir, "dist", "server.js")], { cwd: dir, env: { PORT: "0", KOVA_TLS_CERT: pair.cert, KOVA_TLS_KEY: join(dir, "missing.key") } });
  const exit = await broken.exited;
  assert.equal(exit.code, 1);
  assert.match(broken.stderr, /cannot start: cannot read the TLS key .*missing\.key: ENOENT/);
});
