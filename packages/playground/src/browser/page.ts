/**
 * The playground page, first cut: the program in an editor, checked by the real compiler (the
 * compiler bundle) as you type, its problems listed with line:col, code and suggestion; the store
 * opened in its worker, the page saying whether data survives a reload (OPFS) or lives in memory.
 * Not yet here (see the package README): CodeMirror, requests to the program, the data panel.
 */
import { checkProject } from "./compiler.js";

const FILE = "app.kova";
const STARTER = `/// Something to do. Every change is kept.
ENTITY Todo {
  title: text
  done: bool DEFAULT false
}

VALIDATE NewTodo {
  title: string(min: 1, max: 200)
}

GET /todos/:id {
  RESPOND SELECT * FROM Todo WHERE id = $id
}

POST /todos VALIDATE NewTodo {
  RESPOND 201 INSERT INTO Todo $body
}
`;

const element = <T extends HTMLElement>(id: string) => document.getElementById(id) as T;
const source = element<HTMLTextAreaElement>("source");
const summary = element<HTMLParagraphElement>("summary");
const list = element<HTMLUListElement>("diagnostics");
const storage = element<HTMLParagraphElement>("storage");

let generation = 0;
async function check(): Promise<void> {
  const mine = ++generation;
  const result = await checkProject([FILE], { [FILE]: source.value });
  if (mine !== generation) return; // A newer edit is being checked.
  list.replaceChildren(
    ...result.diagnostics.map((d) => {
      const item = document.createElement("li");
      item.className = d.severity;
      const at = `${d.span.start.line}:${d.span.start.column}`;
      item.textContent = `${d.span.file}:${at} ${d.severity} ${d.code}: ${d.message}${d.suggestion ? `\n  ${d.suggestion}` : ""}`;
      return item;
    }),
  );
  const errors = result.diagnostics.filter((d) => d.severity === "error").length;
  const warnings = result.diagnostics.length - errors;
  summary.textContent = errors + warnings === 0 ? "No problems." : `${errors} error${errors === 1 ? "" : "s"}, ${warnings} warning${warnings === 1 ? "" : "s"}.`;
}

let timer: ReturnType<typeof setTimeout> | undefined;
source.addEventListener("input", () => {
  clearTimeout(timer);
  timer = setTimeout(() => void check(), 150);
});
source.value = STARTER;
void check();

const worker = new Worker(new URL("./store-worker.js", import.meta.url), { type: "module" });
worker.onmessage = (event: MessageEvent<{ ok: boolean; value?: { persistence: string; problem?: string }; error?: string }>) => {
  const { ok, value, error } = event.data;
  storage.textContent = !ok
    ? `The store did not open: ${error}`
    : value!.persistence === "opfs"
      ? "Data is stored in this browser (OPFS): a reload keeps it."
      : `Data is kept in memory: ${value!.problem}`;
};
worker.postMessage({ id: 1, op: "open" });
