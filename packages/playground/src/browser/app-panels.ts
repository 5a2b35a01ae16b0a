/**
 * The running program's panels: the request panel (the route list from the program, method, path,
 * JSON body, Send or Ctrl+Enter, the response's status, headers, body and log) and the data panel
 * (each entity's rows, a row's versions, and the time slider that re-reads every entity AS OF an
 * instant). Every read and write goes through the app worker: the program's own endpoints, and the
 * data panel's endpoints compiled beside them (compiler.ts dataPanelSource).
 */
import type { BrowserBuild } from "./compiler.js";
import { DATA_PREFIX } from "./data-routes.js";
import { AppClient, type RequestOutcome } from "./app-client.js";
import type { HostResponse } from "./app-runtime.js";
import { RESPONSE_EVENT } from "../tutorials/responses.js";

const element = <T extends HTMLElement>(id: string) => document.getElementById(id) as T;
const make = <K extends keyof HTMLElementTagNameMap>(tag: K, text?: string, attributes: Record<string, string> = {}) => {
  const node = document.createElement(tag);
  if (text !== undefined) node.textContent = text;
  for (const [name, value] of Object.entries(attributes)) node.setAttribute(name, value);
  return node;
};

interface Version {
  version: number;
  operation: string;
  at: string;
  data: Record<string, unknown>;
}

export class AppPanels {
  private readonly client: AppClient;
  private build: BrowserBuild | undefined;
  /** The module running in the worker, so an unchanged program is not loaded again. */
  private loadedCode: string | undefined;
  private running = false;
  /** The instants of every write, oldest first: the slider's stops (its last stop is "now"). */
  private instants: { at: string; label: string }[] = [];

  constructor(workerUrl: URL, limitMs: number) {
    this.client = new AppClient(workerUrl, limitMs);
    element<HTMLFormElement>("request-form").addEventListener("submit", (event) => {
      event.preventDefault();
      void this.send();
    });
    element<HTMLFormElement>("request-form").addEventListener("keydown", (event) => {
      if (event.key === "Enter" && (event.ctrlKey || event.metaKey)) {
        event.preventDefault();
        void this.send();
      }
    });
    const slider = element<HTMLInputElement>("as-of");
    slider.addEventListener("input", () => void this.refreshData());
    element<HTMLButtonElement>("now").addEventListener("click", () => {
      slider.value = slider.max;
      void this.refreshData();
    });
  }

  /** The store's status (OPFS or in memory, and why), once the worker has opened it. */
  get status() {
    return this.client.status;
  }

  /** After each check: a clean program's build is loaded and served; a broken one leaves the last one running. */
  async checked(build: BrowserBuild | undefined): Promise<void> {
    const status = element<HTMLParagraphElement>("app-status");
    if (build === undefined) {
      status.textContent = this.running ? "The program has errors: the last version that checked is still answering." : "Fix the problems to run the program.";
      return;
    }
    if (build.code === this.loadedCode) return;
    this.loadedCode = build.code;
    this.build = build;
    this.showRoutes(build);
    element<HTMLElement>("history").hidden = true;
    const outcome = await this.client.load(build.code).catch((error: Error) => ({ ok: false as const, problem: error.message, features: undefined }));
    if (build !== this.build) return; // a newer build arrived meanwhile
    this.running = outcome.ok;
    if (!outcome.ok) {
      status.textContent = `Not running: ${outcome.features === undefined ? outcome.problem : `this program uses what the playground cannot run: ${outcome.features.join("; ")}`}.`;
      element<HTMLDivElement>("tables").replaceChildren();
      return;
    }
    status.textContent = `Running: ${build.routes.length} endpoint${build.routes.length === 1 ? "" : "s"}, answered in this page.`;
    await this.refreshData(true);
  }

  private showRoutes(build: BrowserBuild): void {
    const list = element<HTMLUListElement>("routes");
    list.replaceChildren(
      ...build.routes.map((route) => {
        const button = make("button", `${route.method} ${route.path}`, { type: "button", "aria-label": `Fill the form with ${route.method} ${route.path} (line ${route.line})` });
        button.addEventListener("click", () => this.fill(route.method, route.path));
        const item = make("li");
        item.append(button);
        return item;
      }),
    );
  }

  /** A route clicked: its method and path in the form, the first :param selected so typing replaces it. */
  private fill(method: string, path: string): void {
    element<HTMLSelectElement>("method").value = method;
    const input = element<HTMLInputElement>("path");
    input.value = path;
    input.focus();
    const param = /:[A-Za-z_][A-Za-z0-9_]*/.exec(path);
    if (param !== null) input.setSelectionRange(param.index, param.index + param[0].length);
    const body = element<HTMLTextAreaElement>("body");
    if (["POST", "PUT", "PATCH"].includes(method) && body.value.trim() === "") body.value = "{}";
    if (!["POST", "PUT", "PATCH"].includes(method)) body.value = "";
  }

  private async send(): Promise<void> {
    const method = element<HTMLSelectElement>("method").value;
    const path = element<HTMLInputElement>("path").value.trim() || "/";
    const body = element<HTMLTextAreaElement>("body").value;
    const statusLine = element<HTMLParagraphElement>("response-status");
    // Sent even while a program is loading: the worker answers in order, so it runs once the load is done.
    statusLine.textContent = `Sending ${method} ${path}…`;
    const outcome = await this.client.request({ method, path, body: body.trim() === "" ? undefined : body });
    this.showResponse(method, path, outcome);
    await this.refreshData(true);
  }

  private showResponse(method: string, path: string, outcome: RequestOutcome): void {
    const statusLine = element<HTMLParagraphElement>("response-status");
    const headers = element<HTMLPreElement>("response-headers");
    const body = element<HTMLPreElement>("response-body");
    const log = element<HTMLPreElement>("response-log");
    if (outcome.kind !== "answered") {
      statusLine.textContent = `${method} ${path}: ${outcome.kind === "stopped" ? "stopped" : "failed"} — ${outcome.message}`;
      statusLine.className = "error";
      headers.textContent = body.textContent = log.textContent = "";
      return;
    }
    const response = outcome.response;
    statusLine.textContent = `${method} ${path} → ${response.status} (${response.ms} ms)`;
    statusLine.className = response.status >= 400 ? "error" : "";
    headers.textContent = Object.entries(response.headers).map(([name, value]) => `${name}: ${value}`).join("\n");
    body.textContent = pretty(response.body);
    log.textContent = response.log.join("\n");
    // The tutorials' steps that ask the reader to try the app listen for each answer (tutorials/responses.ts).
    window.dispatchEvent(new CustomEvent(RESPONSE_EVENT, { detail: { method, path, status: response.status, body: parsedOrUndefined(response.body) } }));
  }

  /** A data panel read: one of its own endpoints, through the same pipeline as the program's. */
  private async read(path: string): Promise<HostResponse | undefined> {
    const outcome = await this.client.request({ method: "GET", path });
    return outcome.kind === "answered" && outcome.response.status === 200 ? outcome.response : undefined;
  }

  /**
   * Re-reads every entity: now, or AS OF the slider's instant. `reset`: after a write or a new program,
   * the instants are read again and the slider goes back to "now".
   */
  private async refreshData(reset = false): Promise<void> {
    const build = this.build;
    const tables = element<HTMLDivElement>("tables");
    if (build === undefined || !this.running) return;
    if (build.dataProblem !== undefined) {
      tables.replaceChildren(make("p", `The data panel cannot read this program's store: ${build.dataProblem}`));
      return;
    }
    const slider = element<HTMLInputElement>("as-of");
    if (reset) {
      await this.readInstants(build);
      slider.max = String(this.instants.length);
      slider.value = slider.max;
    }
    const stop = Number(slider.value);
    const asOf = stop < this.instants.length ? this.instants[stop] : undefined;
    const label = asOf === undefined ? "now" : asOf.label;
    element<HTMLOutputElement>("as-of-label").textContent = label;
    slider.setAttribute("aria-valuetext", label);
    const sections = await Promise.all(
      build.entities.map(async (entity) => {
        const path = asOf === undefined || !entity.history ? `${DATA_PREFIX}/${entity.name}` : `${DATA_PREFIX}/${entity.name}/as-of/${encodeURIComponent(asOf.at)}`;
        const response = await this.read(path);
        return this.entityTable(entity.name, entity.history, response === undefined ? undefined : (JSON.parse(response.body) as Record<string, unknown>[]));
      }),
    );
    if (build !== this.build) return;
    tables.replaceChildren(...(sections.length > 0 ? sections : [make("p", "The program declares no entity.")]));
  }

  /** Every version of every entity, for the slider: one stop per instant something was written. */
  private async readInstants(build: BrowserBuild): Promise<void> {
    const versions: { at: string; label: string }[] = [];
    for (const entity of build.entities.filter((e) => e.history)) {
      const response = await this.read(`${DATA_PREFIX}/${entity.name}/versions`);
      for (const v of response === undefined ? [] : (JSON.parse(response.body) as Version[])) {
        versions.push({ at: v.at, label: `${v.at} — ${entity.name} ${String(v.data.id)} ${v.operation} (version ${v.version})` });
      }
    }
    versions.sort((a, b) => (a.at < b.at ? -1 : a.at > b.at ? 1 : 0));
    // Writes in the same millisecond are one instant: the last of them names it.
    this.instants = versions.filter((v, i) => versions[i + 1]?.at !== v.at);
  }

  private entityTable(name: string, history: boolean, rows: Record<string, unknown>[] | undefined): HTMLElement {
    const section = make("section", undefined, { "aria-label": `${name} rows` });
    section.append(make("h3", name));
    if (rows === undefined) {
      section.append(make("p", "Could not read the rows."));
      return section;
    }
    if (rows.length === 0) {
      section.append(make("p", "No rows."));
      return section;
    }
    const columns = [...new Set(rows.flatMap((row) => Object.keys(row)))];
    const table = make("table");
    table.append(make("caption", `${name}: ${rows.length} row${rows.length === 1 ? "" : "s"}`, { class: "visually-hidden" }));
    const head = make("tr");
    for (const column of columns) head.append(make("th", column, { scope: "col" }));
    if (history) head.append(make("th", "versions", { scope: "col" }));
    table.append(make("thead"), make("tbody"));
    table.tHead!.append(head);
    for (const row of rows) {
      const tr = make("tr");
      for (const column of columns) tr.append(make("td", cell(row[column])));
      if (history) {
        const td = make("td");
        const button = make("button", "History", { type: "button", "aria-label": `History of ${name} ${String(row.id)}` });
        button.addEventListener("click", () => void this.showHistory(name, row.id));
        td.append(button);
        tr.append(td);
      }
      table.tBodies[0].append(tr);
    }
    section.append(table);
    return section;
  }

  /** A row's versions, oldest first, in the history region (focused, so a screen reader reads it). */
  private async showHistory(entity: string, id: unknown): Promise<void> {
    const region = element<HTMLElement>("history");
    const response = await this.read(`${DATA_PREFIX}/${entity}/${encodeURIComponent(String(id))}/history`);
    const versions = response === undefined ? [] : (JSON.parse(response.body) as Version[]);
    const heading = make("h3", `History of ${entity} ${String(id)}`, { tabindex: "-1", id: "history-heading" });
    const table = make("table");
    const head = make("tr");
    for (const column of ["version", "operation", "at", "data"]) head.append(make("th", column, { scope: "col" }));
    table.append(make("thead"), make("tbody"));
    table.tHead!.append(head);
    for (const v of versions) {
      const tr = make("tr");
      for (const value of [String(v.version), v.operation, v.at, JSON.stringify(v.data)]) tr.append(make("td", value));
      table.tBodies[0].append(tr);
    }
    region.replaceChildren(heading, versions.length > 0 ? table : make("p", "No versions."));
    region.hidden = false;
    heading.focus();
  }
}

function cell(value: unknown): string {
  return value === null || value === undefined ? "" : typeof value === "object" ? JSON.stringify(value) : String(value);
}

function pretty(body: string): string {
  try {
    return JSON.stringify(JSON.parse(body), null, 2);
  } catch {
    return body;
  }
}

function parsedOrUndefined(body: string): unknown {
  if (body === "") return undefined;
  try {
    return JSON.parse(body);
  } catch {
    return undefined;
  }
}
