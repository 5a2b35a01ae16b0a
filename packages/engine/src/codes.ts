/**
 * The engine's problem codes (KV2905–2949, the bytecode tier's range). Each is the `code` member
 * of a JSON problem the engine answers with; docs/engine.md lists them.
 */
export const EngineCodes = {
  /** The program does not build: `problems` lists each error with file:line:col and a code frame. */
  buildFailed: "KV2905",
  /** A tenant program declares CONNECT: its data lives in the engine's store for it. */
  connectRefused: "KV2906",
  /** The deploy's body is not a source or a bundle of .kova files within the limits. */
  badBundle: "KV2907",
  /** A stored program failed verification (bytecode signature, hash or pipeline binding). */
  programRefused: "KV2908",
  /** Rollback to a hash the tenant never deployed. */
  unknownVersion: "KV2909",
  /** A request without a valid admin or tenant key. */
  unauthorized: "KV2910",
  /** A tenant name that is taken or not a plain name. */
  badTenant: "KV2911",
  /** On PostgreSQL: the tenant's database role or schema cannot be prepared (tenant-role.ts); the engine's log says why. */
  tenantRole: "KV2940",
} as const;

export type EngineCode = (typeof EngineCodes)[keyof typeof EngineCodes];
