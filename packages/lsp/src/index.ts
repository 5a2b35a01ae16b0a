export { startServer, type ServerOptions } from "./server.js";
export { KovaWorkspace, type Analysis } from "./workspace.js";
