/**
 * The `rateLimit` pipeline stage: the app-wide budget (`RATE_LIMIT` at the top level) and the
 * endpoint's own, each per key. A request over either gets a 429 problem with `Retry-After`; every
 * limited response carries the IETF draft headers `RateLimit-Limit`, `RateLimit-Remaining`,
 * `RateLimit-Reset` (seconds) and `RateLimit-Policy`, for the tighter of the two budgets.
 *
 * With a Redis store the budgets are shared by every process; if Redis fails, this process's own
 * memory store answers instead (logged, at most every 10 s), so an outage neither takes the API
 * down nor removes the limit.
 */
import { createHash } from "node:crypto";
import { isIP } from "node:net";
import type { Logger } from "pino";
import type { RateLimitDefinition, RateLimitKey } from "../../app.js";
import type { Exchange, StageOutcome } from "../../exchange.js";
import type { PipelineStage } from "../../pipeline.js";
import type { Decision } from "./gcra.js";
import { MemoryRateStore } from "./memory-store.js";
import type { RedisRateStore } from "./redis-store.js";

export const RATE_LIMITED = "urn:kova:problem:rate-limited";

interface Budget {
  /** `app` or the route id: budgets of different scopes never share a key. */
  scope: string;
  rule: RateLimitDefinition;
}

export class RateLimiter {
  private lastWarning = 0;
  private readonly budgetsByRoute = new WeakMap<object, Budget[]>();

  constructor(
    private readonly appRule: RateLimitDefinition | undefined,
    private readonly memory: MemoryRateStore,
    private readonly shared: RedisRateStore | undefined,
    private readonly log: Logger,
  ) {}

  readonly stage: PipelineStage = {
    name: "rateLimit",
    run: (ex: Exchange): StageOutcome | Promise<StageOutcome> => {
      const budgets = this.budgets(ex);
      if (budgets.length === 0) return undefined;
      if (this.shared === undefined) return this.answer(ex, budgets, budgets.map((b) => this.memory.take(this.keyOf(ex, b), b.rule.limit, b.rule.windowMs)));
      return Promise.all(budgets.map((b) => this.takeShared(this.keyOf(ex, b), b.rule))).then((decisions) => this.answer(ex, budgets, decisions));
    },
  };

  private budgets(ex: Exchange): Budget[] {
    const definition = ex.route.definition;
    let budgets = this.budgetsByRoute.get(definition);
    if (budgets === undefined) {
      budgets = [];
      if (this.appRule !== undefined) budgets.push({ scope: "app", rule: this.appRule });
      if (definition.rateLimit !== undefined) budgets.push({ scope: `${definition.method} ${definition.path}`, rule: definition.rateLimit });
      this.budgetsByRoute.set(definition, budgets);
    }
    return budgets;
  }

  private async takeShared(key: string, rule: RateLimitDefinition): Promise<Decision> {
    try {
      return await this.shared!.take(key, rule.limit, rule.windowMs);
    } catch (error) {
      const now = Date.now();
      if (now - this.lastWarning > 10_000) {
        this.lastWarning = now;
        this.log.warn({ err: error }, "rate limit store (Redis) failed; counting in this process until it is back");
      }
      return this.memory.take(key, rule.limit, rule.windowMs);
    }
  }

  private answer(ex: Exchange, budgets: Budget[], decisions: Decision[]): StageOutcome {
    let tightest = 0;
    for (let i = 1; i < decisions.length; i++) {
      const d = decisions[i];
      const t = decisions[tightest];
      if (!d.allowed && t.allowed) tightest = i;
      else if (d.allowed === t.allowed && d.remaining < t.remaining) tightest = i;
    }
    const decision = decisions[tightest];
    const rule = budgets[tightest].rule;
    ex.setHeader("ratelimit-limit", String(decision.limit));
    ex.setHeader("ratelimit-remaining", String(decision.remaining));
    ex.setHeader("ratelimit-reset", String(decision.resetSeconds));
    ex.setHeader("ratelimit-policy", `${rule.limit};w=${Math.ceil(rule.windowMs / 1000)}`);
    if (decision.allowed) return undefined;
    ex.setHeader("retry-after", String(decision.retryAfterSeconds));
    return ex.problem(429, `too many requests: the limit is ${rule.limit} per ${describeWindow(rule.windowMs)}; retry in ${decision.retryAfterSeconds} s`, RATE_LIMITED);
  }

  private keyOf(ex: Exchange, budget: Budget): string {
    return `${budget.scope}|${clientKey(ex, budget.rule.key)}`;
  }
}

/** The value that names one client's budget; a client without the header or claim is counted by address. */
export function clientKey(ex: Exchange, key: RateLimitKey): string {
  if (key.by === "header") {
    const value = ex.headers[key.name];
    const text = Array.isArray(value) ? value.join(",") : value;
    if (text !== undefined && text !== "") return `h:${text.length > 64 ? createHash("sha256").update(text).digest("base64url") : text}`;
  } else if (key.by === "auth") {
    // `$auth` is set by the AUTH stage (it runs before this one); an anonymous request has none.
    const claims = (ex as unknown as { auth?: Record<string, unknown> | null }).auth;
    const value = claims?.[key.claim];
    if (typeof value === "string" || typeof value === "number") return `a:${String(value)}`;
  }
  return `ip:${addressKey(ex.clientAddress)}`;
}

/** IPv6 clients are counted per /64: one host usually holds a whole /64 and could rotate through it. */
function addressKey(address: string): string {
  if (isIP(address) !== 6) return address;
  const [head] = address.split("::");
  const groups = address.includes("::") ? head.split(":").filter((g) => g !== "") : address.split(":");
  return `${groups.slice(0, 4).concat(["0", "0", "0", "0"]).slice(0, 4).join(":")}::/64`;
}

function describeWindow(ms: number): string {
  const units: Array<[number, string]> = [[86_400_000, "d"], [3_600_000, "h"], [60_000, "min"], [1000, "s"]];
  for (const [size, unit] of units) if (ms % size === 0) return `${ms / size} ${unit}`;
  return `${ms} ms`;
}
