/**
 * The playground page: the program in CodeMirror (the Kova mode from the TextMate grammar's
 * keywords), checked by the real compiler as you type — problems underlined in the editor with
 * quick fixes where the compiler has a replacement, and listed beside it for screen readers; the
 * program shareable through the URL; a light and a dark theme; the store opened in its worker,
 * the page saying whether the data survives a reload (OPFS) or lives in memory, and why.
 * Tutorials (tutorials/panel.ts) read each check and may put a step's program in the editor.
 * A program that checks clean runs in the page (app-panels.ts): requests to it, its data, AS OF.
 */
import { basicSetup, EditorView } from "codemirror";
import { linter, lintGutter, type Diagnostic as LintDiagnostic } from "@codemirror/lint";
import { HighlightStyle, syntaxHighlighting } from "@codemirror/language";
import { Compartment } from "@codemirror/state";
import { tags } from "@lezer/highlight";
import type { Diagnostic } from "@kova/compiler/browser";
import { AppPanels } from "./app-panels.js";
import { CheckClient } from "./check-client.js";
import { kovaLanguage } from "./kova-mode.js";
import { decodeProgram, encodeProgram } from "./share.js";
import { TutorialPanel } from "../tutorials/panel.js";

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
const summary = element<HTMLParagraphElement>("summary");
const list = element<HTMLUListElement>("diagnostics");
const storage = element<HTMLParagraphElement>("storage");
/** The tutorial panel: every check is passed to it, and it may replace the program (a step's start, a solution). */
const tutorials: TutorialPanel = new TutorialPanel(element<HTMLElement>("tutorial"), {
  program: (): string => view.state.doc.toString(),
  replaceProgram: (text) => view.dispatch({ changes: { from: 0, to: view.state.doc.length, insert: text } }),
});

/** The latest check's problems, listed beside the editor (an aria-live region says the count). */
function listProblems(diagnostics: readonly Diagnostic[]): void {
  list.replaceChildren(
    ...diagnostics.map((d) => {
      const item = document.createElement("li");
      item.className = d.severity;
      const at = `${d.span.start.line}:${d.span.start.column}`;
      item.textContent = `${d.span.file}:${at} ${d.severity} ${d.code}: ${d.message}${d.suggestion ? `\n  ${d.suggestion}` : ""}`;
      return item;
    }),
  );
  const errors = diagnostics.filter((d) => d.severity === "error").length;
  const warnings = diagnostics.length - errors;
  summary.textContent = errors + warnings === 0 ? "No problems." : `${errors} error${errors === 1 ? "" : "s"}, ${warnings} warning${warnings === 1 ? "" : "s"}.`;
}

/** How long a check may run before it is stopped (?check-limit-ms=N overrides the 5 s default). */
const CHECK_LIMIT_MS = Number(new URLSearchParams(location.search).get("check-limit-ms")) || 5000;
/** How long a request may run before its handler is stopped (?request-limit-ms=N overrides the 5 s default). */
const REQUEST_LIMIT_MS = Number(new URLSearchParams(location.search).get("request-limit-ms")) || 5000;
// The compiled program imports the runtime from app-runtime.js, beside this page's modules.
const checker = new CheckClient(new URL("./check-worker.js", import.meta.url), CHECK_LIMIT_MS, new URL("./app-runtime.js", import.meta.url).href);
const panels = new AppPanels(new URL("./app-worker.js", import.meta.url), REQUEST_LIMIT_MS);

/** The compiler's diagnostics as CodeMirror's: underlined spans, a quick fix when there is a replacement. */
const kovaLinter = linter(
  async (view) => {
    const text = view.state.doc.toString();
    const outcome = await checker.check(FILE, { [FILE]: text });
    if (outcome.kind === "superseded") return [];
    if (outcome.kind === "stopped") {
      list.replaceChildren();
      summary.textContent = `Not checked: ${outcome.message}.`;
      return [];
    }
    listProblems(outcome.diagnostics);
    tutorials.programChecked({ text, diagnostics: outcome.diagnostics, outline: outcome.outline });
    void panels.checked(outcome.diagnostics.some((d) => d.severity === "error") ? undefined : outcome.build);
    const length = view.state.doc.length;
    return outcome.diagnostics.map((d): LintDiagnostic => {
      const from = Math.min(d.span.start.offset, length);
      const to = Math.min(Math.max(d.span.end.offset, from), length);
      return {
        from,
        to,
        severity: d.severity === "error" ? "error" : d.severity === "warning" ? "warning" : "info",
        source: d.code,
        message: `${d.message}${d.suggestion ? ` — ${d.suggestion}` : ""}`,
        actions:
          d.replacement === undefined
            ? []
            : [{ name: `Replace with ${d.replacement}`, apply: (v, f, t) => v.dispatch({ changes: { from: f, to: t, insert: d.replacement } }) }],
      };
    });
  },
  { delay: 150 },
);

/** Token colours from the page's CSS variables, so both themes keep readable contrast. */
const kovaHighlight = HighlightStyle.define([
  { tag: [tags.definitionKeyword, tags.controlKeyword, tags.keyword, tags.operatorKeyword, tags.modifier], color: "var(--keyword)", fontWeight: "600" },
  { tag: tags.typeName, color: "var(--type)" },
  { tag: [tags.string, tags.number, tags.bool], color: "var(--literal)" },
  { tag: tags.special(tags.variableName), color: "var(--param)" },
  { tag: tags.comment, color: "var(--muted)", fontStyle: "italic" },
]);

const dark = window.matchMedia?.("(prefers-color-scheme: dark)").matches ?? false;
const theme = new Compartment();
const themeFor = (isDark: boolean) =>
  EditorView.theme(
    {
      "&": { color: "var(--fg)", backgroundColor: "var(--bg)", height: "60vh", fontSize: "14px" },
      ".cm-gutters": { backgroundColor: "var(--panel)", color: "var(--muted)", border: "none" },
      ".cm-content": { caretColor: "var(--fg)" },
    },
    { dark: isDark },
  );

function setTheme(isDark: boolean): void {
  document.documentElement.dataset.theme = isDark ? "dark" : "light";
  element<HTMLButtonElement>("theme").setAttribute("aria-pressed", String(isDark));
  view.dispatch({ effects: theme.reconfigure(themeFor(isDark)) });
}

const view = new EditorView({
  parent: element<HTMLDivElement>("editor"),
  doc: (await decodeProgram(location.hash)) ?? tutorials.savedProgram() ?? STARTER,
  extensions: [
    basicSetup,
    kovaLanguage,
    syntaxHighlighting(kovaHighlight),
    lintGutter(),
    kovaLinter,
    theme.of(themeFor(dark)),
    EditorView.contentAttributes.of({ "aria-label": "Program (app.kova)", "aria-describedby": "summary" }),
  ],
});
setTheme(dark);
element<HTMLButtonElement>("theme").addEventListener("click", () => setTheme(document.documentElement.dataset.theme !== "dark"));
element<HTMLButtonElement>("share").addEventListener("click", async () => {
  const hash = await encodeProgram(view.state.doc.toString());
  history.replaceState(null, "", `#${hash}`);
  element<HTMLParagraphElement>("share-status").textContent = "The link in the address bar now holds this program.";
  await navigator.clipboard?.writeText(location.href).catch(() => undefined);
});

// The program runs in the app worker, on the store it opens (OPFS, or in memory with the reason).
panels.status.then(
  (status) => {
    storage.textContent = status.persistence === "opfs" ? "Data is stored in this browser (OPFS): a reload keeps it." : `Data is kept in memory: ${status.problem}`;
  },
  (error: Error) => {
    storage.textContent = `The store did not open: ${error.message}`;
  },
);
