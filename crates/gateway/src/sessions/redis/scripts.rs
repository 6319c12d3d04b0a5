//! The Lua scripts of [`super::RedisStore`]: every state change that reads before it
//! writes runs as one script, so it is atomic across all gateways sharing the Redis.

use redis::Script;
use std::sync::LazyLock;

/// KEYS[1] session, KEYS[2] its claim lease. ARGV[1] TTL ms, ARGV[2] a token naming this
/// claim, ARGV[3] the lease in ms. A `streaming` session whose lease has expired was
/// abandoned (its gateway died mid-stream) and is claimed like a pending one.
/// Returns {"claimed", data} | {"taken", status} | {"missing"}.
pub static CLAIM: LazyLock<Script> = LazyLock::new(|| {
    Script::new(
        r"
        local v = redis.call('HMGET', KEYS[1], 'data', 'status')
        if not v[1] then return {'missing'} end
        local abandoned = v[2] == 'streaming' and redis.call('EXISTS', KEYS[2]) == 0
        if v[2] ~= 'pending' and not abandoned then return {'taken', v[2]} end
        redis.call('HSET', KEYS[1], 'status', 'streaming', 'claimant', ARGV[2])
        redis.call('PEXPIRE', KEYS[1], ARGV[1])
        redis.call('SET', KEYS[2], ARGV[2], 'PX', ARGV[3])
        return {'claimed', v[1]}
        ",
    )
});

/// KEYS: claim leases; ARGV[1] the lease in ms, then each lease's claim token. Extends
/// each lease still held by that token; returns how many were not (lost to a reclaim
/// after this gateway could not renew in time).
pub static RENEW: LazyLock<Script> = LazyLock::new(|| {
    Script::new(
        r"
        local lost = 0
        for i, key in ipairs(KEYS) do
          if redis.call('GET', key) == ARGV[i + 1] then
            redis.call('PEXPIRE', key, ARGV[1])
          else
            lost = lost + 1
          end
        end
        return lost
        ",
    )
});

/// KEYS[1] session, KEYS[2] its lease. ARGV[1] the session's `streamed` channel. Back to
/// pending only if it is streaming.
pub static RELEASE: LazyLock<Script> = LazyLock::new(|| {
    Script::new(
        r"
        if redis.call('HGET', KEYS[1], 'status') == 'streaming' then
          redis.call('HSET', KEYS[1], 'status', 'pending')
          redis.call('HDEL', KEYS[1], 'claimant')
          redis.call('DEL', KEYS[2])
          redis.call('PUBLISH', ARGV[1], 'pending')
        end
        return 0
        ",
    )
});

/// KEYS[1] session, KEYS[2] its lease. ARGV[1] a claim token, ARGV[2] the session's
/// `streamed` channel. Undoes that claim, and only that one.
pub static UNCLAIM: LazyLock<Script> = LazyLock::new(|| {
    Script::new(
        r"
        local v = redis.call('HMGET', KEYS[1], 'status', 'claimant')
        if v[1] == 'streaming' and v[2] == ARGV[1] then
          redis.call('HSET', KEYS[1], 'status', 'pending')
          redis.call('HDEL', KEYS[1], 'claimant')
          redis.call('DEL', KEYS[2])
          redis.call('PUBLISH', ARGV[2], 'pending')
        end
        return 0
        ",
    )
});

/// KEYS[1] session, KEYS[2] its audio, KEYS[3] the audio index (a list of
/// "<id> <bytes> <expiry ms>", oldest first), KEYS[4] the bytes of audio retained,
/// KEYS[5] the session's claim lease (ended here).
/// ARGV[1] TTL ms, ARGV[2] the audio's rate ("" when not retained), ARGV[3] its bytes,
/// ARGV[4] the audio budget in bytes, ARGV[5] the session id, ARGV[6] the audio key prefix.
///
/// Runs in one MULTI after the audio was SET: the PCM never passes through Lua, which
/// would copy it twice. Removes that audio if the session expired meanwhile. Then drops
/// the oldest audio until the total fits `SESSION_AUDIO_BUDGET_MB`, shared by every
/// gateway, as the in-memory store does; every audio key has the same TTL, so the index
/// is also in expiry order and entries whose key has expired leave from its head.
/// Sent as EVAL, not EVALSHA: inside MULTI a missing script cannot be loaded and retried.
pub const COMPLETE: &str = r"
    redis.call('DEL', KEYS[5])
    if redis.call('EXISTS', KEYS[1]) == 0 then
      redis.call('DEL', KEYS[2])
      return 0
    end
    redis.call('HSET', KEYS[1], 'status', 'completed')
    redis.call('HDEL', KEYS[1], 'error', 'claimant')
    redis.call('PEXPIRE', KEYS[1], ARGV[1])
    if ARGV[2] == '' then
      redis.call('HDEL', KEYS[1], 'audio_rate')
      return 1
    end
    redis.call('HSET', KEYS[1], 'audio_rate', ARGV[2])
    local t = redis.call('TIME')
    local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
    local ttl, budget = tonumber(ARGV[1]), tonumber(ARGV[4])
    redis.call('RPUSH', KEYS[3], ARGV[5] .. ' ' .. ARGV[3] .. ' ' .. (now + ttl))
    local total = redis.call('INCRBY', KEYS[4], ARGV[3])
    while true do
      local head = redis.call('LINDEX', KEYS[3], 0)
      if not head then break end
      local id, size, expiry = string.match(head, '(%S+) (%d+) (%d+)')
      local live = tonumber(expiry) > now
      if live and total <= budget then break end
      redis.call('LPOP', KEYS[3])
      if live then redis.call('DEL', ARGV[6] .. id) end
      total = redis.call('DECRBY', KEYS[4], size)
    end
    redis.call('PEXPIRE', KEYS[3], ttl)
    redis.call('PEXPIRE', KEYS[4], ttl)
    return 1
";

/// KEYS[1] session, KEYS[2] its lease (ended here). ARGV[1] TTL ms, ARGV[2] the reason,
/// ARGV[3] the session's `streamed` channel.
pub static FAIL: LazyLock<Script> = LazyLock::new(|| {
    Script::new(
        r"
        redis.call('DEL', KEYS[2])
        if redis.call('EXISTS', KEYS[1]) == 0 then return 0 end
        redis.call('HSET', KEYS[1], 'status', 'failed', 'error', ARGV[2])
        redis.call('PEXPIRE', KEYS[1], ARGV[1])
        redis.call('PUBLISH', ARGV[3], 'failed')
        return 1
        ",
    )
});
