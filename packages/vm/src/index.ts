export { generateSigningKey, signingKeyFromPem, publicKeyFromPem, keyId, signProgram, verifyBytecode, BytecodeLoadError, type SigningKey, type LoadedProgram, type LoadRefusal } from "./signing.js";
export { loadBytecode, prepareProgram, type ReadyProgram, type ReadyFunction } from "./load.js";
export { Execution, type ExecutionContext } from "./interpreter.js";
export { CHEAP_INSTRUCTIONS, instructionBounds } from "./cost.js";
export { DEFAULT_QUOTAS, QuotaExceeded, type Quotas, type QuotaName } from "./quotas.js";
export { onVm } from "./serve.js";
export { writeKeyPair, readKeyPair, KEY_FILES } from "./key-files.js";
export { ExecutionPool, type PoolOptions, type WorkerLostCause } from "./pool.js";
