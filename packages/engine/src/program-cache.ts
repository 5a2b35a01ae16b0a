/**
 * Verified programs, ready to serve, by hash. Three levels: L1, an LRU in this process of programs
 * already verified and loaded; L2, the stored rows in Redis (when configured) so a node does not
 * go to PostgreSQL for a program another node has just read; then the store itself. Whatever level
 * a program comes from, it is verified again before it is used: the bytecode (version, SHA-256,
 * a trusted key, its signature, every instruction) and the signature binding its pipeline to it.
 */
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import type { KeyObject } from "node:crypto";
import type { AppDefinition } from "@kova/runtime";
import { BytecodeLoadError, loadBytecode, type ReadyProgram } from "@kova/vm";
import { EngineCodes } from "./codes.js";
import { pipelineSignedBy } from "./signing.js";
import type { EngineStore, StoredProgram } from "./store/store.js";

export interface LoadedProgram {
  hash: string;
  ready: ReadyProgram;
  /** The compiled pipeline (routes, inputs, validators); its handlers are replaced by the VM's. */
  app: AppDefinition;
}

/** Where a program was found: counted in the engine's metrics. */
export type CacheLevel = "l1" | "l2" | "store";

export interface SecondLevel {
  get(hash: string): Promise<StoredProgram | undefined>;
  put(program: StoredProgram): Promise<void>;
}

export class ProgramRefused extends Error {
  readonly code = EngineCodes.programRefused;
}

export class ProgramCache {
  private readonly l1 = new Map<string, Promise<LoadedProgram>>();
  onLookup: (level: CacheLevel) => void = () => {};

  constructor(
    private readonly store: EngineStore,
    private readonly trusted: readonly KeyObject[],
    private readonly modulesDir: string,
    private readonly l2: SecondLevel | undefined,
    private readonly capacity = 256,
  ) {
    mkdirSync(modulesDir, { recursive: true });
  }

  get(hash: string): Promise<LoadedProgram> {
    const hit = this.l1.get(hash);
    if (hit !== undefined) {
      // Most recently used goes last: a Map keeps insertion order, so the first key is the LRU.
      this.l1.delete(hash);
      this.l1.set(hash, hit);
      this.onLookup("l1");
      return hit;
    }
    const loading = this.fetch(hash);
    this.l1.set(hash, loading);
    loading.catch(() => this.l1.delete(hash));
    while (this.l1.size > this.capacity) this.l1.delete(this.l1.keys().next().value!);
    return loading;
  }

  /** Puts a freshly deployed program in L2, so other nodes find it there. */
  async published(program: StoredProgram): Promise<void> {
    await this.l2?.put(program).catch(() => undefined);
  }

  private async fetch(hash: string): Promise<LoadedProgram> {
    let stored = await this.l2?.get(hash).catch(() => undefined);
    if (stored !== undefined) this.onLookup("l2");
    else {
      stored = await this.store.program(hash);
      if (stored === undefined) throw new ProgramRefused(`no program with hash ${hash}`);
      this.onLookup("store");
      await this.l2?.put(stored).catch(() => undefined);
    }
    return this.verify(stored, hash);
  }

  private async verify(stored: StoredProgram, hash: string): Promise<LoadedProgram> {
    let ready: ReadyProgram;
    try {
      ready = loadBytecode(stored.bytecode, this.trusted);
    } catch (error) {
      if (error instanceof BytecodeLoadError) throw new ProgramRefused(`program ${hash.slice(0, 12)}… refused: ${error.message}`);
      throw error;
    }
    if (ready.hash !== hash) throw new ProgramRefused(`program stored as ${hash.slice(0, 12)}… is ${ready.hash.slice(0, 12)}…`);
    if (!pipelineSignedBy(ready.hash, stored.pipeline, stored.pipelineSignature, this.trusted)) throw new ProgramRefused(`program ${hash.slice(0, 12)}… refused: its pipeline is not the one signed with its bytecode`);
    return { hash, ready, app: await this.importPipeline(hash, stored.pipeline) };
  }

  /**
   * The pipeline is an ES module the compiler wrote; it imports the runtime by its package name,
   * which resolves here, not from the engine's data folder, so that one import is pointed at this
   * engine's runtime. Any other import (never in compiler output for the VM tier) is refused.
   */
  private async importPipeline(hash: string, code: string): Promise<AppDefinition> {
    const runtime = import.meta.resolve("@kova/runtime/serve");
    let refused: string | undefined;
    const linked = code.replace(/^(import\s[^;]*?\sfrom\s|import\s)"([^"]+)";/gm, (all, head: string, specifier: string) => {
      if (specifier === "@kova/runtime/serve") return `${head}${JSON.stringify(runtime)};`;
      if (specifier === "node:crypto") return all;
      refused = specifier;
      return all;
    });
    if (refused !== undefined) throw new ProgramRefused(`program ${hash.slice(0, 12)}… refused: its pipeline imports '${refused}'`);
    const file = join(this.modulesDir, `${hash}.mjs`);
    writeFileSync(file, linked);
    const module = (await import(pathToFileURL(file).href)) as { default?: AppDefinition; app?: AppDefinition };
    const app = module.default ?? module.app;
    if (app === undefined) throw new ProgramRefused(`program ${hash.slice(0, 12)}… refused: its pipeline exports no app`);
    // The engine serves no OpenAPI or gRPC files from a tenant's program folder (there is none).
    return { ...app, openapi: undefined, grpc: undefined } as AppDefinition;
  }
}
