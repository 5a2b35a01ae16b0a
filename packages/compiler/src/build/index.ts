export { buildApp, OPENAPI_FILE, PROTO_FILE, type BuildOptions, type BuildResult } from "./build-app.js";
export { checkWithDrivers } from "./check-drivers.js";
export { compilePlans, type CompiledPlans } from "./compile-plans.js";
export { describeMissing, loadDialects } from "./dialects.js";
export { modulePathInDist } from "./write-modules.js";
