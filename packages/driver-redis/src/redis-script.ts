/**
 * The one Lua script every write runs. Redis runs a script atomically (no other command runs in
 * between), so the row, its id, the UNIQUE lookups and the history version change together or not
 * at all. MULTI/EXEC alone cannot do this: it cannot read inside the transaction (the current row
 * for a partial update, the owner of a UNIQUE value), and WATCH-based retries need a connection of
 * their own per write, which ioredis's single multiplexed connection does not give.
 *
 * Keys (base = <keyPrefix><table>):
 *   base:<id>           hash: "__id" → id, then field → JSON text of the value
 *   base:ids            sorted set of ids (score = id)
 *   base:seq            INCR counter: the last id handed out
 *   base:version        INCR counter: the last history version of the entity
 *   base:<id>:history   list of JSON versions {"version","operation","at","data":{"id",…}}
 *   base:unique:<f>     hash: JSON text of a UNIQUE field's value → id
 *
 * Field values arrive as JSON text and are stored and spliced into the history JSON unchanged:
 * the script never decodes them (Lua's cjson would round numbers to 14 digits).
 *
 * ARGV: base, op (insert|update|delete), id ("" for none), at (epoch ms), n, n field names,
 * n values (JSON text, or "" when the write does not set the field), m, m UNIQUE field names,
 * "1" when the entity keeps history ("0": NO HISTORY, no version is pushed), s, s SECRET field
 * names (kept out of the version's data: @kova/query history-control.ts).
 * Returns { id, operation, version, value1 … valueN } or nil when update/delete finds no row;
 * a UNIQUE conflict is the error "KOVA_UNIQUE <field>".
 */
export const WRITE_SCRIPT = `
local base, op, id, at = ARGV[1], ARGV[2], ARGV[3], ARGV[4]
local n = tonumber(ARGV[5])
local names, values = {}, {}
for i = 1, n do names[i] = ARGV[5 + i]; values[i] = ARGV[5 + n + i] end
local m = tonumber(ARGV[6 + 2 * n])
local unique = {}
for i = 1, m do unique[ARGV[6 + 2 * n + i]] = true end
local keep = ARGV[7 + 2 * n + m] ~= '0'
local s = tonumber(ARGV[8 + 2 * n + m] or '0')
local secret = {}
for i = 1, s do secret[ARGV[8 + 2 * n + m + i]] = true end

local key = nil
local exists = false
if op ~= 'insert' and id ~= '' then
  key = base .. ':' .. id
  exists = redis.call('EXISTS', key) == 1
end
local operation = op
if (operation == 'update' or operation == 'delete') and not exists then return nil end

local old = {}
if operation ~= 'insert' and n > 0 then
  local current = redis.call('HMGET', key, unpack(names))
  for i = 1, n do old[i] = current[i] or 'null' end
end
local new = {}
for i = 1, n do
  if operation == 'delete' then new[i] = old[i]
  elseif values[i] ~= '' then new[i] = values[i]
  elseif operation == 'insert' then new[i] = 'null'
  else new[i] = old[i] end
end

if operation ~= 'delete' then
  for i = 1, n do
    if unique[names[i]] and new[i] ~= 'null' then
      local owner = redis.call('HGET', base .. ':unique:' .. names[i], new[i])
      if owner and owner ~= id then return redis.error_reply('KOVA_UNIQUE ' .. names[i]) end
    end
  end
end
-- The id is taken only once the write is sure to happen, so a refused insert uses up no id
-- (as SQL's AUTOINCREMENT, whose counter rolls back with the failed statement).
if operation == 'insert' then
  id = tostring(redis.call('INCR', base .. ':seq'))
  key = base .. ':' .. id
end
for i = 1, n do
  if unique[names[i]] then
    local index = base .. ':unique:' .. names[i]
    if old[i] and old[i] ~= 'null' and (operation == 'delete' or old[i] ~= new[i]) then redis.call('HDEL', index, old[i]) end
    if operation ~= 'delete' and new[i] ~= 'null' then redis.call('HSET', index, new[i], id) end
  end
end

if operation == 'delete' then
  redis.call('DEL', key)
  redis.call('ZREM', base .. ':ids', id)
else
  local hash = { '__id', id }
  for i = 1, n do hash[#hash + 1] = names[i]; hash[#hash + 1] = new[i] end
  redis.call('HSET', key, unpack(hash))
  redis.call('ZADD', base .. ':ids', id, id)
end

local version = redis.call('INCR', base .. ':version')
if keep then
  local data = { '"id":' .. id }
  for i = 1, n do
    if not secret[names[i]] then data[#data + 1] = cjson.encode(names[i]) .. ':' .. new[i] end
  end
  redis.call('RPUSH', key .. ':history',
    '{"version":' .. version .. ',"operation":"' .. operation .. '","at":' .. at .. ',"data":{' .. table.concat(data, ',') .. '}}')
end

local reply = { id, operation, version }
for i = 1, n do reply[#reply + 1] = new[i] end
return reply
`;

/** The script's arguments for one write (see the ARGV layout above). */
export function writeArguments(
  base: string,
  op: "insert" | "update" | "delete",
  id: number | undefined,
  at: number,
  names: readonly string[],
  values: ReadonlyArray<unknown>,
  unique: readonly string[],
  history: { keep: boolean; secret: readonly string[] } = { keep: true, secret: [] },
): string[] {
  const texts = names.map((_, i) => (values[i] === undefined ? "" : JSON.stringify(values[i])));
  return [
    base, op, id === undefined ? "" : String(id), String(at), String(names.length), ...names, ...texts, String(unique.length), ...unique,
    history.keep ? "1" : "0", String(history.secret.length), ...history.secret,
  ];
}
