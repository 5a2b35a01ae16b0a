/**
 * The request pipeline both servers run (node:http and the Fastify plugin). Each server decodes
 * the request and routes it with its own router, wraps it in an Exchange and calls `run`; from
 * there on everything is here, as named stages:
 *
 *   typeInputs → auth → readBody → validate → cache → handler → (encode)
 *
 * A new concern (auth, rate limits, caching, metrics) is a stage placed by name with `with()`,
 * and needs no change to either server. Stages run in order; a stage answers early by returning
 * a Reply, and then the stages up to and including `handler` are skipped while the stages after
 * `handler` still run (they see `exchange.reply`, e.g. to add a header or store it in a cache).
 * An error thrown (or rejected) in a stage becomes the problem reply `problemFromError` gives.
 *
 * Cost: the loop is synchronous; a stage that returns a promise costs one async continuation.
 * No closure is created per request.
 */
import type { Reply } from "./app.js";
import { BodyError, ClientGoneError } from "./body.js";
import type { Exchange, StageOutcome } from "./exchange.js";
import { makeProblem, problemFromError } from "./problem.js";
import { type SerializedReply, serializeReply, problemReply, withCookies } from "./route.js";
import { coreStages } from "./stages.js";
import { maskedReply } from "./masked-reply.js";

export interface PipelineStage {
  /** Unique in a pipeline; other stages are placed relative to it. */
  readonly name: string;
  /** Returns nothing to go on, or a Reply to answer the request now; may be async. */
  run(exchange: Exchange): StageOutcome | PromiseLike<StageOutcome>;
}

/** The names of the built-in stages, in order. */
export const STAGES = ["typeInputs", "auth", "readBody", "validate", "cache", "handler"] as const;
export type CoreStageName = (typeof STAGES)[number];

export type StagePlacement = { before: string } | { after: string };

/** The request was abandoned (the client went away mid-body): nothing is written. */
export const NO_ANSWER: SerializedReply = Object.freeze({ status: 0, payload: undefined, headers: undefined });

export class Pipeline {
  private readonly handlerIndex: number;

  constructor(private readonly stages: readonly PipelineStage[] = coreStages) {
    const names = new Set<string>();
    for (const stage of stages) {
      if (names.has(stage.name)) throw new Error(`the pipeline already has a stage named "${stage.name}"`);
      names.add(stage.name);
    }
    this.handlerIndex = stages.findIndex((s) => s.name === "handler");
    if (this.handlerIndex === -1) throw new Error('a pipeline needs the "handler" stage');
  }

  /** The stage names in the order they run. */
  get names(): string[] {
    return this.stages.map((s) => s.name);
  }

  /** A new pipeline with `stage` placed before or after the named stage. */
  with(stage: PipelineStage, placement: StagePlacement): Pipeline {
    const anchor = "before" in placement ? placement.before : placement.after;
    const at = this.stages.findIndex((s) => s.name === anchor);
    if (at === -1) throw new Error(`no stage named "${anchor}" to place "${stage.name}" next to (stages: ${this.names.join(", ")})`);
    const stages = [...this.stages];
    stages.splice("before" in placement ? at : at + 1, 0, stage);
    return new Pipeline(stages);
  }

  /** Runs the request to its end: the exchange's `send` is called exactly once (unless abandoned). */
  run(exchange: Exchange): void {
    this.runFrom(exchange, 0);
  }

  private runFrom(exchange: Exchange, first: number): void {
    const stages = this.stages;
    for (let i = first; i < stages.length; i++) {
      // Answered already: skip to the stages after the handler.
      if (exchange.reply !== undefined && i <= this.handlerIndex) continue;
      let outcome: StageOutcome | PromiseLike<StageOutcome>;
      try {
        outcome = stages[i].run(exchange);
      } catch (error) {
        this.fail(exchange, error);
        continue;
      }
      if (outcome !== undefined && typeof (outcome as PromiseLike<StageOutcome>).then === "function") {
        void this.resume(exchange, i, outcome as PromiseLike<StageOutcome>);
        return;
      }
      this.settle(exchange, i, outcome as StageOutcome);
    }
    this.encode(exchange);
  }

  private async resume(exchange: Exchange, index: number, pending: PromiseLike<StageOutcome>): Promise<void> {
    let outcome: StageOutcome;
    try {
      outcome = await pending;
    } catch (error) {
      this.fail(exchange, error);
      return this.runFrom(exchange, index + 1);
    }
    this.settle(exchange, index, outcome);
    this.runFrom(exchange, index + 1);
  }

  /** A stage's Reply answers the request; the handler's result always does (undefined is 204). */
  private settle(exchange: Exchange, index: number, outcome: StageOutcome): void {
    if (outcome === undefined && index !== this.handlerIndex) return;
    try {
      exchange.reply = serializeReply(outcome as Reply | undefined);
      // MASKED values the handler read are masked in what it answers, wherever it put them.
      if (exchange.masked !== undefined || exchange.reply.stream !== undefined) exchange.reply = maskedReply(exchange, exchange.reply);
    } catch (error) {
      // A compiled serializer (or JSON.stringify on a BigInt) failed: a 500 like any handler error.
      this.fail(exchange, error);
    }
  }

  private fail(exchange: Exchange, error: unknown): void {
    if (error instanceof ClientGoneError) {
      exchange.reply = NO_ANSWER;
      return;
    }
    if (error instanceof BodyError) {
      if (error.closeConnection) exchange.closeConnection = true;
      const problem = makeProblem(error.status, error.type, error.message, exchange.path, exchange.requestId, error.issues);
      exchange.reply = problemReply(problem, exchange.serving.errors);
      return;
    }
    const problem = problemFromError(error, exchange.route.definition, exchange.path, exchange.requestId, exchange.serving.log);
    exchange.reply = problemReply(problem, exchange.serving.errors);
    // An ERROR message may quote a MASKED value the handler read: masked like any answer.
    if (exchange.masked !== undefined) exchange.reply = maskedReply(exchange, exchange.reply);
  }

  private encode(exchange: Exchange): void {
    let reply = exchange.reply;
    if (reply === undefined || reply === NO_ANSWER) return;
    // Cookies stages set (a session) go out with any answer, a problem included.
    if (exchange.responseCookies !== undefined) reply = exchange.reply = { ...reply, headers: withCookies(reply.headers, exchange.responseCookies) };
    try {
      exchange.send(reply);
    } catch (error) {
      // E.g. a reply header with a character HTTP forbids: answer with the 500 instead.
      this.fail(exchange, error);
      try {
        exchange.responseHeaders = undefined;
        exchange.send(exchange.reply!);
      } catch (again) {
        exchange.serving.log.error({ reqId: exchange.requestId, err: again }, "cannot write the response");
      }
    }
  }
}
