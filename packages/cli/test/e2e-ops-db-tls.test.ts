// Issue 17 item 5, the database side: TLS from the PostgreSQL, MariaDB/MySQL and Redis drivers to
// real servers, with a CA the test makes. The shared servers run without TLS: PostgreSQL and Redis
// are reached through TLS terminators; MariaDB negotiates TLS inside its own handshake, which no
// terminator can do for it, so the test starts a MariaDB server of its own with TLS on. The certificate is verified by default: the test CA passes, the system CAs or
// another CA do not, and `verify: false` is the only way around it.
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { connect as netConnect, createServer as createNetServer, type Server, type Socket } from "node:net";
import { createServer as createTlsServer, TLSSocket } from "node:tls";
import { spawn, spawnSync } from "node:child_process";
import mysql from "mysql2/promise";
import { createMysqlDriver as createMysql } from "@kova/driver-mysql";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test, type TestContext } from "node:test";
import { createPostgresDriver as createPostgres } from "@kova/driver-postgres";
import { createRedisDriver as createRedis } from "@kova/driver-redis";
import type { Driver } from "@kova/query";
import { makeTestCa, type TestCa } from "./e2e/test-ca.js";

const PG = { host: "127.0.0.1", port: 5432 };
const REDIS = { host: "127.0.0.1", port: 6379 };

function reachable(target: { host: string; port: number }): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = netConnect(target.port, target.host);
    socket.once("connect", () => (socket.destroy(), resolve(true)));
    socket.once("error", () => resolve(false));
  });
}

async function needs(t: TestContext, name: string, target: { host: string; port: number }): Promise<boolean> {
  if (await reachable(target)) return true;
  if (process.env.CI === "true") assert.fail(`${name} is not reachable at ${target.host}:${target.port}`);
  t.skip(`SKIPPED: no ${name} at ${target.host}:${target.port}`);
  return false;
}

interface Terminator {
  port: number;
  /** TLS handshakes completed: proof the driver spoke TLS. */
  handshakes: number;
}

async function listen(t: TestContext, server: Server, sockets: Set<Socket>): Promise<number> {
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  t.after(() => {
    for (const s of sockets) s.destroy();
    return new Promise<void>((resolve) => server.close(() => resolve()));
  });
  return (server.address() as { port: number }).port;
}

function relay(secure: Socket, target: { host: string; port: number }, sockets: Set<Socket>): void {
  const upstream = netConnect(target.port, target.host);
  for (const s of [secure, upstream]) {
    sockets.add(s);
    s.on("error", () => s.destroy());
    s.on("close", () => (secure.destroy(), upstream.destroy()));
  }
  secure.pipe(upstream).pipe(secure);
}

/**
 * PostgreSQL negotiates TLS inside its protocol: the client sends SSLRequest, the server answers
 * "S", then the TLS handshake runs on the same socket. This does the server's half and relays the
 * decrypted stream to the real server. A client that does not ask for TLS is cut off.
 */
async function postgresTls(t: TestContext, pair: { cert: string; key: string }): Promise<Terminator> {
  const sockets = new Set<Socket>();
  const state: Terminator = { port: 0, handshakes: 0 };
  const server = createNetServer((client) => {
    sockets.add(client);
    client.on("error", () => client.destroy());
    client.once("data", (first: Buffer) => {
      if (first.length !== 8 || first.readInt32BE(4) !== 80877103) return client.destroy();
      client.write("S");
      const secure = new TLSSocket(client, { isServer: true, cert: readFileSync(pair.cert), key: readFileSync(pair.key) });
      secure.once("secure", () => state.handshakes++);
      relay(secure, PG, sockets);
    });
  });
  state.port = await listen(t, server, sockets);
  return state;
}

/** Redis speaks TLS from the first byte (rediss://): a plain TLS terminator. */
async function redisTls(t: TestContext, pair: { cert: string; key: string }): Promise<Terminator> {
  const sockets = new Set<Socket>();
  const state: Terminator = { port: 0, handshakes: 0 };
  const server = createTlsServer({ cert: readFileSync(pair.cert), key: readFileSync(pair.key) }, (secure) => {
    state.handshakes++;
    relay(secure, REDIS, sockets);
  });
  state.port = await listen(t, server, sockets);
  return state;
}

function caFolder(t: TestContext): { ca: TestCa; other: TestCa } {
  const dir = mkdtempSync(join(tmpdir(), "kova-db-tls-"));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  return { ca: makeTestCa(dir, "Kova DB CA"), other: makeTestCa(dir, "Some Other CA") };
}

async function opens(driver: Driver): Promise<string> {
  try {
    await driver.connect();
    const health = await driver.health();
    assert.equal(health.ok, true, health.detail);
    return "ok";
  } catch (error) {
    return (error as Error).message;
  } finally {
    await driver.close();
  }
}

test("PostgreSQL over TLS: verified against the configured CA by default", async (t) => {
  if (!(await needs(t, "PostgreSQL", PG))) return;
  const { ca, other } = caFolder(t);
  const terminator = await postgresTls(t, ca.issue("pg"));
  const url = `postgresql://postgres@127.0.0.1:${terminator.port}/test`;
  const driver = (tls: unknown, u = url) => createPostgres({ name: "db", appDir: tmpdir(), options: { url: u, tls, connectRetries: 1 } });

  assert.equal(await opens(driver({ caFile: ca.caCert })), "ok");
  assert.ok(terminator.handshakes >= 1, "the driver spoke TLS");
  assert.equal(await opens(driver({ ca: ca.caPem })), "ok");
  // libpq's URL form (sslmode, sslrootcert) verifies too.
  assert.equal(await opens(driver(undefined, `${url}?sslmode=verify-full&sslrootcert=${encodeURIComponent(ca.caCert)}`)), "ok");

  // tls: true trusts the system CAs, which did not sign this server: refused.
  assert.match(await opens(driver(true)), /cannot connect data source "db".*(unable to verify|self.signed|local issuer)/i);
  assert.match(await opens(driver({ caFile: other.caCert })), /cannot connect data source "db".*(unable to verify|self.signed|local issuer|signature)/i);
  // Only an explicit verify: false skips the check.
  assert.equal(await opens(driver({ verify: false })), "ok");
  assert.match(await opens(driver({ caFile: "/no/such/ca.pem" })), /data source "db": cannot read tls\.caFile \/no\/such\/ca\.pem: ENOENT/);
});

test("Redis over TLS (rediss://): verified against the configured CA by default", async (t) => {
  if (!(await needs(t, "Redis", REDIS))) return;
  const { ca, other } = caFolder(t);
  const terminator = await redisTls(t, ca.issue("redis"));
  const url = `rediss://127.0.0.1:${terminator.port}/0`;
  const driver = (tls: unknown) => createRedis({ name: "cache", appDir: tmpdir(), options: { url, tls, connectRetries: 1 } });

  assert.equal(await opens(driver({ caFile: ca.caCert })), "ok");
  assert.ok(terminator.handshakes >= 1, "the driver spoke TLS");
  // rediss:// alone: TLS against the system CAs, which did not sign this server.
  assert.notEqual(await opens(driver(undefined)), "ok");
  assert.notEqual(await opens(driver({ caFile: other.caCert })), "ok");
  assert.equal(await opens(driver({ verify: false })), "ok");
});

/** The MariaDB server binaries, or undefined when this machine has none (a loud skip; a failure with CI=true). */
function mariadbBinaries(t: TestContext): { server: string; install: string } | undefined {
  const find = (name: string) => ["/usr/sbin", "/usr/bin", "/usr/local/bin", "/usr/local/sbin"].map((d) => join(d, name)).find((p) => spawnSync(p, ["--version"]).status === 0);
  const server = find("mariadbd") ?? find("mysqld");
  const install = find("mariadb-install-db") ?? find("mysql_install_db");
  if (server !== undefined && install !== undefined) return { server, install };
  if (process.env.CI === "true") assert.fail("no mariadbd / mariadb-install-db on this machine");
  t.skip("SKIPPED: no mariadbd / mariadb-install-db on this machine");
  return undefined;
}

/**
 * A MariaDB server of the test's own: a fresh data folder, TLS on with the given certificate, on a
 * free loopback port; stopped and deleted after the test. Grant tables are skipped (any user, no
 * password): the test is about the channel, not accounts.
 */
async function mariadbTls(t: TestContext, binaries: { server: string; install: string }, pair: { cert: string; key: string }, caCert: string): Promise<number> {
  const dir = mkdtempSync(join(tmpdir(), "kova-mariadb-tls-"));
  const installed = spawnSync(binaries.install, ["--no-defaults", `--datadir=${join(dir, "data")}`, "--user=root", "--skip-test-db", "--auth-root-authentication-method=normal"], { encoding: "utf8" });
  assert.equal(installed.status, 0, installed.stderr);
  const port = await new Promise<number>((resolve) => {
    const probe = createNetServer().listen(0, "127.0.0.1", () => {
      const { port: free } = probe.address() as { port: number };
      probe.close(() => resolve(free));
    });
  });
  const server = spawn(
    binaries.server,
    [
      "--no-defaults", `--datadir=${join(dir, "data")}`, `--port=${port}`, "--bind-address=127.0.0.1", `--socket=${join(dir, "sock")}`, "--user=root",
      "--skip-grant-tables", "--skip-log-bin", "--innodb-buffer-pool-size=16M", `--log-error=${join(dir, "error.log")}`, `--pid-file=${join(dir, "pid")}`,
      `--ssl-cert=${pair.cert}`, `--ssl-key=${pair.key}`, `--ssl-ca=${caCert}`,
    ],
    { stdio: "ignore" },
  );
  t.after(async () => {
    const exited = new Promise((resolve) => server.once("exit", resolve));
    server.kill("SIGTERM");
    await exited;
    rmSync(dir, { recursive: true, force: true });
  });
  for (let waited = 0; !(await reachable({ host: "127.0.0.1", port })); waited += 100) {
    if (waited > 30_000 || server.exitCode !== null) assert.fail(`the test's MariaDB did not start: ${readFileSync(join(dir, "error.log"), "utf8").slice(-2000)}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  return port;
}

/** TLS handshakes the server has accepted so far (asked over a plain connection). */
async function tlsAccepts(port: number): Promise<number> {
  const connection = await mysql.createConnection({ host: "127.0.0.1", port, user: "root" });
  try {
    const [rows] = await connection.query("SHOW GLOBAL STATUS LIKE 'Ssl_accepts'");
    return Number((rows as Array<{ Value: string }>)[0]!.Value);
  } finally {
    await connection.end();
  }
}

test("MariaDB/MySQL over TLS: verified against the configured CA by default", async (t) => {
  const binaries = mariadbBinaries(t);
  if (binaries === undefined) return;
  const { ca, other } = caFolder(t);
  const port = await mariadbTls(t, binaries, ca.issue("mariadb"), ca.caCert);
  const url = `mysql://root@127.0.0.1:${port}/mysql`;
  const driver = (tls: unknown, u = url) => createMysql({ name: "db", appDir: tmpdir(), options: { url: u, tls, connectRetries: 1 } });

  const before = await tlsAccepts(port);
  assert.equal(await opens(driver({ caFile: ca.caCert })), "ok");
  assert.ok((await tlsAccepts(port)) > before, "the driver spoke TLS");
  assert.equal(await opens(driver({ ca: ca.caPem })), "ok");

  // tls: true (and ?tls=true in the URL) trusts the system CAs, which did not sign this server: refused.
  assert.match(await opens(driver(true)), /cannot connect data source "db".*(unable to verify|self.signed|local issuer)/i);
  assert.match(await opens(driver(undefined, `${url}?tls=true`)), /cannot connect data source "db".*(unable to verify|self.signed|local issuer)/i);
  assert.match(await opens(driver({ caFile: other.caCert })), /cannot connect data source "db".*(unable to verify|self.signed|local issuer|signature)/i);
  // Only an explicit verify: false skips the check.
  assert.equal(await opens(driver({ verify: false })), "ok");
});
