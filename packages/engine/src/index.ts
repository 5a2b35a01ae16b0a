export { Engine } from "./engine.js";
export { engineConfig, EngineConfigError, type EngineConfig } from "./config.js";
export { EngineCodes } from "./codes.js";
export { compileProgram, bundleProblem, BUNDLE_LIMITS, type BuildProblem, type CompileOutcome } from "./compile-program.js";
export { runEngine } from "./main.js";
