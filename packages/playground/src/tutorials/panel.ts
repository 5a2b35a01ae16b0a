/**
 * The tutorial panel: pick a tutorial, read the current step, and see whether the program in the
 * editor does it. The page calls `programChecked` with every check of the program (the editor's
 * checks are already debounced), so the step's result follows the typing; the app's answers
 * arrive as `kova:response` events (responses.ts). Next, Back and Show solution are buttons; the
 * result is a live region, so a screen reader hears "Done" or the next hint; progress is kept in
 * localStorage (progress.ts).
 */
import type { Diagnostic } from "@kova/compiler/browser";
import { TUTORIALS } from "./index.js";
import { checkStep, programBefore, type Tutorial, type Verdict } from "./model.js";
import type { ProgramOutline } from "./outline.js";
import { browserStorage, loadProgress, saveProgress, type Progress } from "./progress.js";
import { readResponse, RESPONSE_EVENT, type ObservedResponse } from "./responses.js";

/** What the panel needs from the page's editor. */
export interface TutorialHost {
  /** The editor's program now. */
  program(): string;
  /** Replaces the editor's program (one undoable change: Ctrl+Z brings the reader's back). */
  replaceProgram(text: string): void;
}

/** One check of the program, as the page got it from the compiler worker. */
export interface CheckedProgram {
  text: string;
  diagnostics: readonly Diagnostic[];
  outline: ProgramOutline | undefined;
}

/** Answers kept for the checks: enough for any step, bounded however long the page stays open. */
const KEPT_RESPONSES = 50;

export class TutorialPanel {
  private readonly progress: Progress;
  private readonly responses: ObservedResponse[] = [];
  private last: CheckedProgram | undefined;
  private shownResult = "";
  private readonly picker: HTMLSelectElement;
  private readonly body: HTMLDivElement;
  private readonly position: HTMLParagraphElement;
  private readonly stepList: HTMLOListElement;
  private readonly title: HTMLHeadingElement;
  private readonly text: HTMLParagraphElement;
  private readonly tryIt: HTMLParagraphElement;
  private readonly result: HTMLParagraphElement;
  private readonly back: HTMLButtonElement;
  private readonly next: HTMLButtonElement;

  constructor(
    root: HTMLElement,
    private readonly host: TutorialHost,
    private readonly tutorials: readonly Tutorial[] = TUTORIALS,
    private readonly storage = browserStorage(),
  ) {
    this.progress = loadProgress(storage);
    if (this.tutorial() === undefined) this.progress.active = null;

    const heading = make("h2", { id: "tutorial-heading", text: "Tutorials" });
    const label = make("label", { text: "Tutorial" });
    label.htmlFor = "tutorial-pick";
    this.picker = make("select", { id: "tutorial-pick" });
    this.picker.append(make("option", { text: "None: free play", value: "" }), ...tutorials.map((t) => make("option", { text: `${t.title} (${t.duration})`, value: t.id })));
    this.position = make("p", { id: "tutorial-position" });
    this.stepList = make("ol", { id: "tutorial-steps" });
    this.stepList.setAttribute("aria-label", "Steps");
    // Focused (from script only) when the step changes, so a screen reader starts reading there.
    this.title = make("h3", { id: "tutorial-title" });
    this.title.tabIndex = -1;
    this.text = make("p", { id: "tutorial-text" });
    this.tryIt = make("p", { id: "tutorial-try" });
    this.result = make("p", { id: "tutorial-result" });
    this.result.setAttribute("role", "status");
    this.result.setAttribute("aria-live", "polite");
    this.back = make("button", { id: "tutorial-back", text: "Back" });
    this.next = make("button", { id: "tutorial-next", text: "Next" });
    const solution = make("button", { id: "tutorial-solution", text: "Show solution" });
    const buttons = make("div", { id: "tutorial-buttons" });
    buttons.append(this.back, this.next, solution);
    this.body = make("div", { id: "tutorial-body" });
    this.body.append(this.position, this.stepList, this.title, this.text, this.tryIt, this.result, buttons);
    root.append(heading, label, " ", this.picker, this.body);

    this.picker.addEventListener("change", () => this.open(this.picker.value));
    this.back.addEventListener("click", () => this.go(-1));
    this.next.addEventListener("click", () => this.go(1));
    solution.addEventListener("click", () => this.showSolution());
    window.addEventListener(RESPONSE_EVENT, (event) => this.responded((event as CustomEvent).detail));
    this.render();
  }

  /** The program to open the editor with: the open tutorial's, as the reader left it. */
  savedProgram(): string | undefined {
    const tutorial = this.tutorial();
    return tutorial === undefined ? undefined : (this.progress.program[tutorial.id] ?? programBefore(tutorial, this.stepIndex(tutorial)));
  }

  /** A check of the program finished: the current step is checked against it. */
  programChecked(checked: CheckedProgram): void {
    // A check of a program the editor no longer holds (it changed while checking) says nothing.
    if (checked.text !== this.host.program()) return;
    this.last = checked;
    const tutorial = this.tutorial();
    if (tutorial !== undefined) {
      this.progress.program[tutorial.id] = checked.text;
      this.save();
    }
    this.showVerdict();
  }

  private tutorial(): Tutorial | undefined {
    return this.tutorials.find((t) => t.id === this.progress.active);
  }

  private stepIndex(tutorial: Tutorial): number {
    return Math.min(this.progress.step[tutorial.id] ?? 0, tutorial.steps.length - 1);
  }

  private open(id: string): void {
    this.progress.active = id === "" ? null : id;
    const tutorial = this.tutorial();
    if (tutorial !== undefined) this.replaceProgram(this.progress.program[tutorial.id] ?? programBefore(tutorial, this.stepIndex(tutorial)));
    this.save();
    this.render();
  }

  private go(delta: number): void {
    const tutorial = this.tutorial();
    if (tutorial === undefined) return;
    const index = Math.max(0, Math.min(this.stepIndex(tutorial) + delta, tutorial.steps.length - 1));
    this.progress.step[tutorial.id] = index;
    const start = tutorial.steps[index].start;
    if (delta > 0 && start !== undefined) this.replaceProgram(start);
    this.save();
    this.render();
    this.title.focus();
  }

  private showSolution(): void {
    const tutorial = this.tutorial();
    if (tutorial === undefined) return;
    this.replaceProgram(tutorial.steps[this.stepIndex(tutorial)].solution);
    this.setResult("The solution is in the editor (Ctrl+Z brings your program back). Checking it…", undefined);
  }

  private replaceProgram(text: string): void {
    if (text === this.host.program()) return;
    // The check that follows the change brings the next verdict; until then there is none.
    this.last = undefined;
    this.host.replaceProgram(text);
  }

  private responded(detail: unknown): void {
    const response = readResponse(detail);
    if ("problem" in response) {
      console.warn(response.problem);
      return;
    }
    this.responses.push(response);
    if (this.responses.length > KEPT_RESPONSES) this.responses.shift();
    this.showVerdict();
  }

  private render(): void {
    const tutorial = this.tutorial();
    this.picker.value = tutorial?.id ?? "";
    this.body.hidden = tutorial === undefined;
    if (tutorial === undefined) return;
    const index = this.stepIndex(tutorial);
    const step = tutorial.steps[index];
    const done = new Set(this.progress.done[tutorial.id] ?? []);
    this.position.textContent = `Step ${index + 1} of ${tutorial.steps.length}`;
    this.stepList.replaceChildren(
      ...tutorial.steps.map((s, i) => {
        const item = make("li", { text: `${s.title}${done.has(i) ? " (done)" : ""}` });
        if (i === index) item.setAttribute("aria-current", "step");
        return item;
      }),
    );
    this.title.textContent = step.title;
    this.text.replaceChildren(...withCode(step.text));
    this.tryIt.hidden = step.tryIt === undefined;
    this.tryIt.replaceChildren(...(step.tryIt === undefined ? [] : [make("strong", { text: "Try it in the request panel: " }), ...withCode(step.tryIt)]));
    this.back.disabled = index === 0;
    this.next.disabled = index === tutorial.steps.length - 1;
    this.showVerdict();
  }

  private showVerdict(): void {
    const tutorial = this.tutorial();
    if (tutorial === undefined) return;
    if (this.last === undefined) {
      this.setResult("Checking your program…", undefined);
      return;
    }
    const index = this.stepIndex(tutorial);
    const verdict = checkStep(tutorial, index, { diagnostics: this.last.diagnostics, outline: this.last.outline, responses: this.responses });
    if (verdict.done) this.markDone(tutorial, index);
    this.setResult(describe(verdict, index, tutorial), verdict.done);
  }

  private markDone(tutorial: Tutorial, index: number): void {
    const done = this.progress.done[tutorial.id] ?? [];
    if (done.includes(index)) return;
    this.progress.done[tutorial.id] = [...done, index].sort((a, b) => a - b);
    this.save();
    this.stepList.children[index].textContent = `${tutorial.steps[index].title} (done)`;
  }

  /** Only a changed result is written, so the live region speaks once per change, not per check. */
  private setResult(text: string, done: boolean | undefined): void {
    if (this.shownResult !== text) {
      this.shownResult = text;
      this.result.replaceChildren(...withCode(text));
    }
    this.result.dataset.done = done === undefined ? "" : String(done);
  }

  private save(): void {
    saveProgress(this.storage, this.progress);
  }
}

function describe(verdict: Verdict, index: number, tutorial: Tutorial): string {
  if (!verdict.done) return `Not yet: ${verdict.hint}`;
  return index === tutorial.steps.length - 1 ? `Done: that was the last step of “${tutorial.title}”.` : `Done. Next: ${tutorial.steps[index + 1].title}.`;
}

/** Text with `code` in backticks, as text and <code> nodes (never parsed as HTML). */
function withCode(text: string): Node[] {
  return text.split("`").map((part, i) => (i % 2 === 1 ? make("code", { text: part }) : document.createTextNode(part)));
}

function make<K extends keyof HTMLElementTagNameMap>(tag: K, options: { id?: string; text?: string; value?: string } = {}): HTMLElementTagNameMap[K] {
  const node = document.createElement(tag);
  if (options.id !== undefined) node.id = options.id;
  if (options.text !== undefined) node.textContent = options.text;
  if (options.value !== undefined) (node as HTMLOptionElement).value = options.value;
  return node;
}
