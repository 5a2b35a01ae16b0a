/**
 * `createServer` for library users: every optional layer linked in, so any ServerOptions work.
 * A compiled app starts through startApp instead, which loads only the layers it uses.
 */
import type { AppDefinition } from "./app.js";
import { FastServer } from "./http-fast/server.js";
import { createTlsServer } from "./ops/tls.js";
import { createServerWith, type KovaServer, type ServerOptions } from "./server.js";

export function createServer(app: AppDefinition, options: ServerOptions = {}): KovaServer {
  return createServerWith(app, options, { FastServer, createTlsServer });
}
