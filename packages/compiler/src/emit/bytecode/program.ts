/** The bytecode program in memory: what the encoder writes and the loader gives the VM (docs/bytecode.md). */
export const BYTECODE_VERSION = 1;

export interface BytecodeFunction {
  /** `GET /todos/:id` for a route's handler, the FN's name for a function. */
  name: string;
  kind: "route" | "fn";
  /** Parameters arrive in the first slots. */
  params: number;
  /** Slots of the frame: parameters, variables, loop variables and iterators. */
  locals: number;
  /** Each slot's name (for the disassembler and problems). */
  localNames: string[];
  code: Uint8Array;
}

export interface BytecodeQuery {
  id: string;
  /** The data source it runs on (`ctx.db(source)`). */
  source: string;
  /** The statement its dialect compiled (`CompiledQuery`), run by the runtime's driver as compiled JS runs it. */
  statement: unknown;
}

export interface BytecodeView {
  name: string;
  fields: string[];
}

export interface BytecodeProgram {
  version: number;
  /** The app's name. */
  app: string;
  /** Constants: JSON values (text, numbers, booleans, null, lists and objects). */
  constants: unknown[];
  functions: BytecodeFunction[];
  /** Each HTTP route's handler, by the route's id; in the app model's order. */
  routes: Array<{ id: string; fn: number }>;
  queries: BytecodeQuery[];
  views: BytecodeView[];
}
