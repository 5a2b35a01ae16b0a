/**
 * Where the data panel's endpoints live (compiler.ts writes them, app-panels.ts calls them): a file
 * that IMPORTs the program, served beside its own endpoints. Its own module, so the page's bundle
 * does not take the compiler in with it.
 */
export const DATA_FILE = "playground-data.kova";
export const DATA_PREFIX = "/_playground/data";
