/**
 * Rate-limit state shared by every process through Redis: the same GCRA as the memory store, run
 * as one Lua script so that reading and updating a key is atomic across processes and hosts. The
 * script reads the clock of Redis (TIME), so hosts with skewed clocks still share one budget.
 */
import { decisionAfter, type Decision } from "./gcra.js";

/** Runs a Lua script atomically (a Redis driver's `evalScript`). */
export type ScriptRunner = (script: string, keys: readonly string[], args: ReadonlyArray<string | number>) => Promise<unknown>;

// KEYS[1]: the key. ARGV: limit, window (ms). Returns { allowed (0/1), now, tat, retry ms } in whole ms.
export const GCRA_SCRIPT = `
-- Redis < 7 replicates scripts verbatim unless told otherwise, which forbids a write after TIME.
if redis.replicate_commands then redis.replicate_commands() end
local limit = tonumber(ARGV[1])
local window = tonumber(ARGV[2])
local interval = window / limit
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local tat = tonumber(redis.call('GET', KEYS[1]) or now)
if tat < now then tat = now end
local nextTat = tat + interval
if nextTat - now > window then
  return { 0, now, math.ceil(tat), math.ceil(nextTat - window - now) }
end
redis.call('SET', KEYS[1], string.format('%.3f', nextTat), 'PX', math.ceil(nextTat - now))
return { 1, now, math.ceil(nextTat), 0 }
`;

export class RedisRateStore {
  constructor(private readonly run: ScriptRunner) {}

  async take(key: string, limit: number, windowMs: number): Promise<Decision> {
    const reply = (await this.run(GCRA_SCRIPT, [key], [limit, windowMs])) as number[];
    const [allowed, now, tat, retryMs] = reply.map(Number);
    return decisionAfter(allowed === 1, now, tat, limit, windowMs, retryMs);
  }
}
