/**
 * gRPC beside HTTP: the service `kova build` described in `dist/app.proto` (compiler
 * emit/proto), served on @grpc/grpc-js when kova.config.json has `"grpc": { "port": … }`. Each rpc
 * is an HTTP endpoint reached another way: its request fields become the path parameters, the
 * declared query parameters and the body, and it runs through the same pipeline — auth (the
 * `authorization` metadata), rate limits, validation, the handler in its transaction — so the
 * answers are the same; a problem becomes a gRPC status (status.ts) with the problem's detail, and
 * the whole problem JSON in the `kova-problem-bin` trailer.
 *
 * @grpc/grpc-js and @grpc/proto-loader are optional peers, loaded here on first use: an app that
 * does not turn gRPC on never installs or loads them.
 */
import type { IncomingHttpHeaders } from "node:http";
import { fileURLToPath } from "node:url";
import type { AppDefinition, QueryValues } from "../app.js";
import { StartupError } from "../data-sources.js";
import { Exchange, type Serving, type StageOutcome } from "../exchange.js";
import type { Pipeline } from "../pipeline.js";
import { CompiledRoute, type SerializedReply } from "../route.js";
import { grpcCodeFor } from "./status.js";
import { fromProtoValue, toProtoValue } from "./value.js";

/** What the compiled app says about its gRPC service (emitted beside `openapi`). */
export interface GrpcDefinition {
  proto: string | URL;
  package: string;
  service: string;
  /** Each rpc and the index of the route it runs. */
  methods: ReadonlyArray<{ name: string; route: number }>;
}

export interface GrpcServerOptions {
  port: number;
  host: string;
}

export interface RunningGrpc {
  port: number;
  close(): Promise<void>;
}

type GrpcJs = typeof import("@grpc/grpc-js");
type ServerUnaryCall = import("@grpc/grpc-js").ServerUnaryCall<Record<string, unknown>, unknown>;
type SendUnaryData = import("@grpc/grpc-js").sendUnaryData<unknown>;

async function loadGrpc(): Promise<{ grpc: GrpcJs; loader: typeof import("@grpc/proto-loader") }> {
  try {
    return { grpc: await import("@grpc/grpc-js"), loader: await import("@grpc/proto-loader") };
  } catch {
    throw new StartupError('kova.config.json turns gRPC on ("grpc"), but @grpc/grpc-js and @grpc/proto-loader are not installed; run: npm install @grpc/grpc-js @grpc/proto-loader');
  }
}

export async function startGrpcServer(app: AppDefinition, serving: Serving, pipeline: Pipeline, options: GrpcServerOptions): Promise<RunningGrpc> {
  const definition = app.grpc;
  if (definition === undefined) throw new StartupError('kova.config.json turns gRPC on ("grpc"), but this app was built without a gRPC description: rebuild it with kova build');
  const { grpc, loader } = await loadGrpc();
  const file = definition.proto instanceof URL ? fileURLToPath(definition.proto) : definition.proto;
  const packageDefinition = loader.loadSync(file, { keepCase: true, longs: Number, enums: String, defaults: false, oneofs: true });
  const loaded = grpc.loadPackageDefinition(packageDefinition) as Record<string, unknown>;
  let node: unknown = loaded;
  for (const part of [...definition.package.split("."), definition.service]) node = (node as Record<string, unknown>)[part];
  const service = (node as { service: import("@grpc/grpc-js").ServiceDefinition }).service;
  const implementation: Record<string, (call: ServerUnaryCall, callback: SendUnaryData) => void> = {};
  for (const method of definition.methods) {
    const route = new CompiledRoute(app.routes[method.route]);
    const path = `/${definition.package}.${definition.service}/${method.name}`;
    implementation[method.name] = (call, callback) => {
      const exchange = GrpcExchange.create(grpc, call, callback, route, path, serving);
      if (exchange !== undefined) pipeline.run(exchange);
    };
  }
  const server = new grpc.Server();
  server.addService(service, implementation);
  const port = await new Promise<number>((resolve, reject) => {
    server.bindAsync(`${options.host.includes(":") ? `[${options.host}]` : options.host}:${options.port}`, grpc.ServerCredentials.createInsecure(), (error, bound) => (error ? reject(new StartupError(`cannot serve gRPC on ${options.host}:${options.port}: ${error.message}`)) : resolve(bound)));
  });
  serving.log.info(`gRPC service ${definition.package}.${definition.service} listening on ${options.host}:${port}`);
  return {
    port,
    close: () => new Promise<void>((resolve) => server.tryShutdown(() => resolve())),
  };
}

/** One rpc call as it moves through the pipeline: answers with the callback instead of a socket. */
class GrpcExchange extends Exchange {
  private answered = false;

  private constructor(
    private readonly grpc: GrpcJs,
    private readonly call: ServerUnaryCall,
    private readonly callback: SendUnaryData,
    headers: IncomingHttpHeaders,
    route: CompiledRoute,
    path: string,
    params: Record<string, string>,
    query: QueryValues,
    serving: Serving,
  ) {
    super(route.definition.method, path, headers, requestId(headers), route, params, query, serving);
  }

  /** Reads the request message into params, query and body; undefined when it already answered (a path parameter missing). */
  static create(grpc: GrpcJs, call: ServerUnaryCall, callback: SendUnaryData, route: CompiledRoute, path: string, serving: Serving): GrpcExchange | undefined {
    const request = call.request ?? {};
    const params: Record<string, string> = {};
    for (const p of route.definition.params) {
      const value = request[p.name];
      if (value === undefined || value === null) {
        callback({ code: grpc.status.INVALID_ARGUMENT, details: `invalid path parameter ${p.name}: is required` });
        return undefined;
      }
      params[p.name] = String(value);
    }
    const query: Record<string, string> = {};
    for (const q of route.definition.query ?? []) {
      const value = request[q.name];
      if (value !== undefined && value !== null) query[q.name] = String(value);
    }
    const headers: IncomingHttpHeaders = {};
    for (const [key, value] of Object.entries(call.metadata.getMap())) if (typeof value === "string") headers[key] = value;
    const exchange = new GrpcExchange(grpc, call, callback, headers, route, path, params, query as QueryValues, serving);
    exchange.body = request.body === undefined ? undefined : jsonOf(request.body);
    return exchange;
  }

  get peerAddress(): string | undefined {
    // "ipv4:127.0.0.1:5000", "ipv6:[::1]:5000"
    const peer = this.call.getPeer();
    const match = /^ipv[46]:\[?([^\]]+?)\]?:\d+$/.exec(peer);
    return match === null ? undefined : match[1];
  }

  protected get encrypted(): boolean {
    return false;
  }

  override clientGone(): boolean {
    return this.call.cancelled;
  }

  /** The body came with the request message. */
  readBody(): StageOutcome {
    return undefined;
  }

  send(reply: SerializedReply): void {
    if (this.answered) return;
    this.answered = true;
    if (reply.file !== undefined) {
      this.callback({ code: this.grpc.status.UNIMPLEMENTED, details: "this endpoint answers with a file: download it over HTTP" });
      return;
    }
    const body = reply.payload === undefined ? null : parse(typeof reply.payload === "string" ? reply.payload : reply.payload.toString("utf8"));
    if (reply.status >= 400) {
      const metadata = new this.grpc.Metadata();
      if (reply.payload !== undefined) metadata.set("kova-problem-bin", Buffer.from(reply.payload));
      const detail = typeof body === "object" && body !== null && typeof (body as { detail?: unknown }).detail === "string" ? (body as { detail: string }).detail : `HTTP ${reply.status}`;
      this.callback({ code: grpcCodeFor(reply.status), details: detail, metadata });
      return;
    }
    this.callback(null, { status: reply.status, body: toProtoValue(body) });
  }
}

function requestId(headers: IncomingHttpHeaders): string {
  const given = headers["x-request-id"];
  return typeof given === "string" && /^[\w.-]{1,128}$/.test(given) ? given : crypto.randomUUID();
}

function parse(payload: string): unknown {
  try {
    return JSON.parse(payload);
  } catch {
    return payload;
  }
}

const VALUE_KINDS = new Set(["nullValue", "numberValue", "stringValue", "boolValue", "structValue", "listValue"]);

/** A decoded message as plain JSON: `google.protobuf.Value` fields (their `kind` names the set member) become their JSON value. */
function jsonOf(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(jsonOf);
  if (typeof value !== "object" || value === null || Buffer.isBuffer(value)) return value;
  const v = value as Record<string, unknown>;
  if (typeof v.kind === "string" && VALUE_KINDS.has(v.kind) && v.kind in v) return fromProtoValue(v);
  const out: Record<string, unknown> = {};
  for (const [key, field] of Object.entries(v)) {
    if (field === undefined || field === null) continue;
    // proto3 `optional x` is a one-member oneof `_x`, which the decoder reports as `_x: "x"`: not a field.
    if (key.startsWith("_") && field === key.slice(1)) continue;
    out[key] = jsonOf(field);
  }
  return out;
}
