export { registerTests } from "./register.js";
export { TestContext, type TestResponse } from "./context.js";
export { expectHolds, expectation, type ExpectOperator, type ExpectPlace } from "./expect.js";
