package review

import "github.com/redis/go-redis/v9"

// The Lua scripts that change the store. Each runs atomically, so any number of API
// processes can share one Redis. Keys not known before the script runs (the queue an item
// returns to) are built from the prefix; on Redis Cluster the prefix carries a hash tag.
//
// Item hash fields: item, verdict (JSON), queue, priority, score, created (ms the item entered
// its current queue round), state, token, owner, until (lease ms), round, appealed, decision
// (JSON DecisionRecord of the last decision).

// requeueLua returns an expired claim to its queue; shared by claim and reap.
const requeueLua = `
local function requeue(P, k, now)
  local ik = P .. 'item:' .. k
  local f = redis.call('HMGET', ik, 'state', 'until', 'queue', 'score', 'created')
  redis.call('ZREM', P .. 'leases', k)
  if f[1] ~= 'claimed' or tonumber(f[2]) > now then return 0 end
  redis.call('HSET', ik, 'state', 'pending', 'token', '', 'owner', '', 'until', '0')
  redis.call('ZADD', P .. 'q:' .. f[3], f[4], k)
  redis.call('ZADD', P .. 'age:' .. f[3], f[5], k)
  return 1
end
local function reap(P, now, limit)
  local n = 0
  local exp = redis.call('ZRANGEBYSCORE', P .. 'leases', '-inf', now, 'LIMIT', 0, limit)
  for _, k in ipairs(exp) do n = n + requeue(P, k, now) end
  return n
end
`

// KEYS: item, queue, age, author, content. ARGV: key, queue, priority, score, created,
// item JSON, verdict JSON, author history, round, appealed, retention ms.
var submitScript = redis.NewScript(`
if redis.call('EXISTS', KEYS[1]) == 1 then return 0 end
redis.call('HSET', KEYS[1], 'item', ARGV[6], 'verdict', ARGV[7], 'queue', ARGV[2], 'priority', ARGV[3],
  'score', ARGV[4], 'created', ARGV[5], 'state', 'pending', 'token', '', 'owner', '', 'until', '0',
  'round', ARGV[9], 'appealed', ARGV[10])
redis.call('ZADD', KEYS[2], ARGV[4], ARGV[1])
redis.call('ZADD', KEYS[3], ARGV[5], ARGV[1])
redis.call('ZADD', KEYS[4], ARGV[5], ARGV[1])
local n = redis.call('ZCARD', KEYS[4])
local cap = tonumber(ARGV[8])
if n > cap then redis.call('ZREMRANGEBYRANK', KEYS[4], 0, n - cap - 1) end
redis.call('SET', KEYS[5], ARGV[1], 'PX', ARGV[11])
redis.call('PEXPIRE', KEYS[4], ARGV[11])
return 1
`)

// KEYS: queue, age, leases. ARGV: prefix, now, until, token, owner.
var claimScript = redis.NewScript(requeueLua + `
local P, now = ARGV[1], tonumber(ARGV[2])
reap(P, now, 100)
local popped = redis.call('ZPOPMIN', KEYS[1])
if #popped == 0 then return false end
local k = popped[1]
redis.call('ZREM', KEYS[2], k)
redis.call('HSET', P .. 'item:' .. k, 'state', 'claimed', 'token', ARGV[4], 'owner', ARGV[5], 'until', ARGV[3])
redis.call('ZADD', KEYS[3], ARGV[3], k)
return k
`)

// KEYS: leases. ARGV: prefix, now, limit.
var reapScript = redis.NewScript(requeueLua + `
return reap(ARGV[1], tonumber(ARGV[2]), tonumber(ARGV[3]))
`)

// leaseCheckLua checks that token holds the item at now; it returns nil when it does.
const leaseCheckLua = `
local function leasecheck(f, token, now)
  if not f[1] then return 'notfound' end
  if f[1] == 'decided' then return 'decided' end
  if f[1] ~= 'claimed' or f[2] ~= token or token == '' then return 'lost' end
  if tonumber(f[3]) <= now then return 'expired' end
  return nil
end
`

// KEYS: item, leases. ARGV: key, token, now, until.
var heartbeatScript = redis.NewScript(leaseCheckLua + `
local f = redis.call('HMGET', KEYS[1], 'state', 'token', 'until')
local bad = leasecheck(f, ARGV[2], tonumber(ARGV[3]))
if bad then return bad end
redis.call('HSET', KEYS[1], 'until', ARGV[4])
redis.call('ZADD', KEYS[2], ARGV[4], ARGV[1])
return 'ok'
`)

// KEYS: item, leases. ARGV: prefix, key, token, now.
var releaseScript = redis.NewScript(leaseCheckLua + `
local f = redis.call('HMGET', KEYS[1], 'state', 'token', 'until', 'queue', 'score', 'created')
local bad = leasecheck(f, ARGV[3], tonumber(ARGV[4]))
if bad then return bad end
redis.call('HSET', KEYS[1], 'state', 'pending', 'token', '', 'owner', '', 'until', '0')
redis.call('ZREM', KEYS[2], ARGV[2])
redis.call('ZADD', ARGV[1] .. 'q:' .. f[4], f[5], ARGV[2])
redis.call('ZADD', ARGV[1] .. 'age:' .. f[4], f[6], ARGV[2])
return 'ok'
`)

// KEYS: item, leases, audit, outbox, outbox:due.
// ARGV: 1 prefix, 2 key, 3 mode (lease|bulk), 4 token, 5 now, 6 round, 7 decision JSON,
// 8 audit JSON, 9 event id, 10 verdict JSON (final) or ”, 11 new queue (” when final),
// 12 new priority, 13 audit maxlen, 14 retention ms of decided items.
// Returns {status, stored decision JSON or ”, audit id or ”}.
var decideScript = redis.NewScript(leaseCheckLua + `
local P, key, now = ARGV[1], ARGV[2], tonumber(ARGV[5])
local f = redis.call('HMGET', KEYS[1], 'state', 'token', 'until', 'queue', 'score', 'created', 'round', 'decision')
if not f[1] then return {'notfound', '', ''} end
if f[1] == 'decided' then return {'decided', f[8] or '', ''} end
if tostring(f[7]) ~= ARGV[6] then return {'lost', '', ''} end
if ARGV[3] == 'lease' then
  local bad = leasecheck(f, ARGV[4], now)
  if bad then return {bad, '', ''} end
else
  if f[1] == 'claimed' and tonumber(f[3]) > now then return {'claimed', '', ''} end
  redis.call('ZREM', P .. 'q:' .. f[4], key)
  redis.call('ZREM', P .. 'age:' .. f[4], key)
end
redis.call('ZREM', KEYS[2], key)
if ARGV[11] == '' then
  redis.call('HSET', KEYS[1], 'state', 'decided', 'token', '', 'owner', '', 'until', '0', 'decision', ARGV[7])
  redis.call('PEXPIRE', KEYS[1], ARGV[14])
  if ARGV[10] ~= '' then
    redis.call('HSET', KEYS[4], ARGV[9], ARGV[10])
    redis.call('ZADD', KEYS[5], now, ARGV[9])
  end
else
  local prio = tonumber(ARGV[12])
  local sc = (99 - prio) * 1e13 + tonumber(f[6])
  redis.call('HSET', KEYS[1], 'state', 'pending', 'token', '', 'owner', '', 'until', '0', 'decision', ARGV[7],
    'queue', ARGV[11], 'priority', ARGV[12], 'score', string.format('%.0f', sc))
  redis.call('ZADD', P .. 'q:' .. ARGV[11], string.format('%.0f', sc), key)
  redis.call('ZADD', P .. 'age:' .. ARGV[11], f[6], key)
end
local id = redis.call('XADD', KEYS[3], 'MAXLEN', '~', ARGV[13], '*', 'entry', ARGV[8])
return {'ok', '', id}
`)

// KEYS: item, audit. ARGV: 1 prefix, 2 key, 3 now, 4 priority, 5 audit JSON, 6 audit maxlen.
// Returns {status, round}.
var appealScript = redis.NewScript(`
local P, key = ARGV[1], ARGV[2]
local f = redis.call('HMGET', KEYS[1], 'state', 'appealed', 'round')
if not f[1] then return {'notfound', 0} end
if f[1] ~= 'decided' or f[2] == '1' then return {'open', 0} end
local round = tonumber(f[3]) + 1
local prio = tonumber(ARGV[4])
local sc = string.format('%.0f', (99 - prio) * 1e13 + tonumber(ARGV[3]))
redis.call('PERSIST', KEYS[1])
redis.call('HSET', KEYS[1], 'state', 'pending', 'appealed', '1', 'round', round, 'queue', 'appeals',
  'priority', ARGV[4], 'score', sc, 'created', ARGV[3])
redis.call('ZADD', P .. 'q:appeals', sc, key)
redis.call('ZADD', P .. 'age:appeals', ARGV[3], key)
redis.call('XADD', KEYS[2], 'MAXLEN', '~', ARGV[6], '*', 'entry', ARGV[5])
return {'ok', round}
`)
