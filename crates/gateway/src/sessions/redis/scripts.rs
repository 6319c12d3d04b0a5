//! The Lua scripts of [`super::RedisStore`]: every state change that reads before it
//! writes runs as one script, so it is atomic across all gateways sharing the Redis.

use redis::Script;
use std::sync::LazyLock;

/// KEYS[1] session, KEYS[2] its claim lease. ARGV[1] TTL ms, ARGV[2] a token naming this
/// claim, ARGV[3] the lease in ms, ARGV[4] "1" if a lapsed claim may be taken over. A
/// `streaming` session whose lease has lapsed was abandoned (its gateway died
/// mid-stream) or its gateway could not reach Redis for a while (it may still hold the
/// audio and retry its completion): the caller decides when it has waited long enough.
/// Returns {"claimed", data} | {"taken", status} | {"lapsed"} | {"missing"}.
pub static CLAIM: LazyLock<Script> = LazyLock::new(|| {
    Script::new(
        r"
        local v = redis.call('HMGET', KEYS[1], 'data', 'status')
        if not v[1] then return {'missing'} end
        local lapsed = v[2] == 'streaming' and redis.call('EXISTS', KEYS[2]) == 0
        if lapsed and ARGV[4] ~= '1' then return {'lapsed'} end
        if v[2] ~= 'pending' and not lapsed then return {'taken', v[2]} end
        redis.call('HSET', KEYS[1], 'status', 'streaming', 'claimant', ARGV[2])
        redis.call('PEXPIRE', KEYS[1], ARGV[1])
        redis.call('SET', KEYS[2], ARGV[2], 'PX', ARGV[3])
        return {'claimed', v[1]}
        ",
    )
});

/// KEYS: pairs of a claim lease and its session; ARGV[1] the lease in ms, then each
/// lease's claim token. Extends each lease still held by that token. A lease that lapsed
/// (Redis was frozen, or out of reach, for longer than it) is taken again if the session
/// is still streaming under that token: nobody else claimed it meanwhile (one that this
/// claim completed meanwhile needs no lease). Returns how many were lost to another claim.
pub static RENEW: LazyLock<Script> = LazyLock::new(|| {
    Script::new(
        r"
        local lost = 0
        for i = 1, #KEYS, 2 do
          local token = ARGV[(i + 1) / 2 + 1]
          local held = redis.call('GET', KEYS[i])
          if held == token then
            redis.call('PEXPIRE', KEYS[i], ARGV[1])
          elseif held then
            lost = lost + 1
          else
            local v = redis.call('HMGET', KEYS[i + 1], 'status', 'claimant')
            if v[2] ~= token then
              lost = lost + 1
            elseif v[1] == 'streaming' then
              redis.call('SET', KEYS[i], token, 'PX', ARGV[1])
            end
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
/// KEYS[5] the session's claim lease (ended here if still this claim's), KEYS[6] the
/// audio as staged by this MULTI, KEYS[7] the audio's word timings.
/// ARGV[1] TTL ms, ARGV[2] the audio's rate ("" when not retained), ARGV[3] its bytes,
/// ARGV[4] the audio budget in bytes, ARGV[5] the session id, ARGV[6] the audio key
/// prefix, ARGV[7] the claim's token, ARGV[8] the word timings as JSON ("" for none).
///
/// Runs in one MULTI after the audio was SET under the staging key: the PCM never passes
/// through Lua, which would copy it twice, and is renamed into place only if this claim
/// may complete the session. It may not when another claim took the session over (its
/// lease had lapsed) or completed it: the staged audio is dropped, and 2 returned. A
/// session completed by this very claim (an earlier attempt whose answer was lost)
/// returns 1 unchanged. 0: the session expired meanwhile.
///
/// Then drops the oldest audio until the total fits `SESSION_AUDIO_BUDGET_MB`, shared by
/// every gateway, as the in-memory store does; every audio key has the same TTL, so the
/// index is also in expiry order and entries whose key has expired leave from its head.
/// Sent as EVAL, not EVALSHA: inside MULTI a missing script cannot be loaded and retried.
pub const COMPLETE: &str = r"
    if redis.call('GET', KEYS[5]) == ARGV[7] then redis.call('DEL', KEYS[5]) end
    local v = redis.call('HMGET', KEYS[1], 'status', 'claimant')
    if not v[1] then
      redis.call('DEL', KEYS[6])
      return 0
    end
    if v[2] == ARGV[7] and v[1] == 'completed' then
      redis.call('DEL', KEYS[6])
      return 1
    end
    if (v[2] and v[2] ~= ARGV[7]) or v[1] == 'completed' then
      redis.call('DEL', KEYS[6])
      return 2
    end
    redis.call('HSET', KEYS[1], 'status', 'completed', 'claimant', ARGV[7])
    redis.call('HDEL', KEYS[1], 'error')
    redis.call('PEXPIRE', KEYS[1], ARGV[1])
    if ARGV[2] == '' then
      redis.call('HDEL', KEYS[1], 'audio_rate')
      redis.call('DEL', KEYS[2], KEYS[7])
      return 1
    end
    redis.call('RENAME', KEYS[6], KEYS[2])
    if ARGV[8] == '' then
      redis.call('DEL', KEYS[7])
    else
      redis.call('SET', KEYS[7], ARGV[8], 'PX', ARGV[1])
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
