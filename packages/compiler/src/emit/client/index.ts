export { typescriptClient, className } from "./typescript-client.js";
