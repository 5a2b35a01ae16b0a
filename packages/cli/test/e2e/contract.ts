/**
 * A contract checker: every response a test receives is checked against the app's OpenAPI
 * document — the status must be declared for that operation, and the body must match the schema
 * declared for its status and content type. At the end, `assertEveryOperationCalled` proves the
 * test exercised every route of the document with a successful answer.
 */
import assert from "node:assert/strict";
import { Ajv2020, type ValidateFunction } from "ajv/dist/2020.js";
import addFormatsModule from "ajv-formats";
import { request, type JsonResponse } from "./harness.js";

const addFormats = addFormatsModule as unknown as (ajv: Ajv2020) => void;

interface Operation {
  method: string;
  template: string;
  pattern: RegExp;
  responses: Record<string, { content?: Record<string, { schema: object }> }>;
}

export class Contract {
  private readonly ajv = new Ajv2020({ strict: false, allErrors: true });
  private readonly operations: Operation[] = [];
  private readonly validators = new Map<string, ValidateFunction>();
  /** `GET /todos/{id}` → the statuses seen. */
  readonly seen = new Map<string, Set<number>>();

  constructor(readonly document: { paths: Record<string, Record<string, { responses: Operation["responses"] }>>; components: object }, readonly baseUrl: string) {
    addFormats(this.ajv);
    this.ajv.addSchema({ $id: "kova:api", components: document.components });
    for (const [template, methods] of Object.entries(document.paths)) {
      const pattern = new RegExp(`^${template.replace(/[.*+?^$()|[\]\\]/g, "\\$&").replace(/\\?\{[^}]+\\?\}/g, "[^/]+")}$`);
      for (const [method, op] of Object.entries(methods)) this.operations.push({ method: method.toUpperCase(), template, pattern, responses: op.responses });
    }
    // A literal segment wins over a parameter (as the router does): `/posts/by-slug/x` is not `/posts/{id}/…`.
    const params = (o: Operation) => o.template.match(/\{/g)?.length ?? 0;
    this.operations.sort((a, b) => params(a) - params(b));
  }

  /** Sends the request and checks the answer against the document. */
  async call(method: string, path: string, init: { json?: unknown; body?: string; headers?: Record<string, string> } = {}): Promise<JsonResponse> {
    const response = await request(`${this.baseUrl}${path}`, { ...init, method });
    this.check(method, path, response);
    return response;
  }

  check(method: string, path: string, response: JsonResponse): void {
    const pathname = path.split("?")[0];
    const op = this.operations.find((o) => o.method === method && o.pattern.test(pathname));
    assert.ok(op, `${method} ${pathname} matches no operation of the OpenAPI document`);
    const where = `${method} ${op.template} answered ${response.status}`;
    const declared = op.responses[String(response.status)];
    assert.ok(declared, `${where}, a status the document does not declare (declared: ${Object.keys(op.responses).join(", ")}): ${response.text}`);
    const key = `${method} ${op.template}`;
    if (!this.seen.has(key)) this.seen.set(key, new Set());
    this.seen.get(key)!.add(response.status);
    if (response.text === "") {
      assert.ok(declared.content === undefined || response.status === 204, `${where} with no body, but the document declares one`);
      return;
    }
    const type = (response.headers.get("content-type") ?? "").split(";")[0].trim();
    const media = declared.content?.[type];
    assert.ok(media, `${where} with ${type}, which the document does not declare for it (declared: ${Object.keys(declared.content ?? {}).join(", ") || "no body"})`);
    const id = `${key} ${response.status} ${type}`;
    let validate = this.validators.get(id);
    if (validate === undefined) {
      const schema = JSON.parse(JSON.stringify(media.schema).replaceAll('"#/components/', '"kova:api#/components/')) as object;
      validate = this.ajv.compile(schema);
      this.validators.set(id, validate);
    }
    const body: unknown = JSON.parse(response.text);
    assert.ok(validate(body), `${where}: the body does not match the document: ${this.ajv.errorsText(validate.errors)}\n${response.text.slice(0, 500)}`);
  }

  /** Every operation of the document was called and answered with a 2xx or 3xx at least once. */
  assertEveryOperationCalled(): void {
    const missing = this.operations
      .map((o) => `${o.method} ${o.template}`)
      .filter((key) => ![...(this.seen.get(key) ?? [])].some((s) => s < 400));
    assert.deepEqual(missing, [], "operations never answered successfully in this test");
  }
}
