/**
 * What the execution pool's threads say to each other (pool.ts ↔ pool-worker.ts). Everything here
 * crosses a thread by structured clone, so it is plain data: an error travels as its status,
 * detail and problem members and is made an HttpError (or QuotaExceeded) again on arrival.
 */
import { HttpError, type Reply } from "@kova/runtime/serve";
import type { ReadyProgram } from "./load.js";
import { QuotaExceeded, type QuotaName, type Quotas } from "./quotas.js";

/** The parts of the request an execution may read (ExecutionContext without `db`, which stays on the main thread). */
export interface RequestInputs {
  params: unknown;
  query: unknown;
  headers: unknown;
  cookies: unknown;
  body: unknown;
  auth: unknown;
  env: Record<string, string>;
}

export type ToWorker =
  /** Keep this program (sent once per worker, before its first execution there). */
  | { kind: "program"; program: ReadyProgram }
  /** The main thread no longer sends executions of this program to this worker. */
  | { kind: "forget"; hash: string }
  | { kind: "run"; id: number; hash: string; fn: number; quotas: Quotas; inputs: RequestInputs }
  /** A query's answer (or its failure), for the query call `call`. */
  | { kind: "rows"; call: number; rows?: unknown; error?: WireError };

export type FromWorker =
  /** The worker's modules are loaded: from now on its silence counts against its executions' deadlines. */
  | { kind: "ready"; id?: undefined }
  | { kind: "query"; id: number; call: number; query: number; args: unknown[] }
  /** `serialize`: the query whose row serialiser writes the body (-1: JSON). */
  | { kind: "done"; id: number; reply: Omit<Reply, "serialize" | "stream">; serialize: number }
  | { kind: "failed"; id: number; error: WireError };

export interface WireError {
  name: string;
  message: string;
  /** An HttpError's status and problem members. */
  status?: number;
  extra?: Record<string, unknown>;
  /** A QuotaExceeded's quota and limit. */
  quota?: QuotaName;
  limit?: number;
}

export function toWire(error: unknown): WireError {
  if (error instanceof QuotaExceeded) return { name: error.name, message: error.message, status: error.status, quota: error.quota, limit: error.limit };
  if (error instanceof HttpError) return { name: error.name, message: error.detail, status: error.status, ...(error.extra === undefined ? {} : { extra: error.extra }) };
  if (error instanceof Error) return { name: error.name, message: error.message };
  return { name: "Error", message: String(error) };
}

export function fromWire(wire: WireError): Error {
  if (wire.quota !== undefined && wire.limit !== undefined) return new QuotaExceeded(wire.quota, wire.limit);
  if (wire.status !== undefined) {
    const error = new HttpError(wire.status, wire.message, wire.extra);
    error.name = wire.name;
    return error;
  }
  const error = new Error(wire.message);
  error.name = wire.name;
  return error;
}
