//! [`Settings`]: every knob of the gateway, read from the environment and checked once at
//! start-up. A bad value stops the process with a message naming the variable, instead of
//! surfacing later as a confusing runtime error.

use ipnet::IpNet;
use std::net::IpAddr;
use std::path::PathBuf;
use std::str::FromStr;
use std::time::Duration;
use tts_providers::{parse_bool, ConfigError, ProvidersConfig};

/// The gateway's configuration. Field docs name the environment variable and default.
#[derive(Clone, Debug)]
pub struct Settings {
    /// `HOST` (0.0.0.0).
    pub host: String,
    /// `PORT` (8080); 0 picks a free port.
    pub port: u16,
    /// `WYOMING_PORT` (unset: off): the Wyoming protocol's TCP port (Home Assistant), on
    /// `HOST`; 0 picks a free port.
    pub wyoming_port: Option<u16>,
    /// `RATE_LIMIT_MAX_REQUESTS_PER_WINDOW` (50): session creations per client address.
    pub rate_limit_max_requests: u32,
    /// `RATE_LIMIT_WINDOW_SECONDS` (60).
    pub rate_limit_window: Duration,
    /// `RATE_LIMIT_MAX_TRACKED_CLIENTS` (100 000): addresses tracked per window before new
    /// ones share one overflow bucket; bounds memory however many addresses appear.
    pub rate_limit_max_clients: usize,
    /// `SESSION_QUEUE_MAXSIZE` (100): streams that may wait for a worker.
    pub queue_max: usize,
    /// `SESSION_QUEUE_WORKER_COUNT` (8): streams synthesised at once.
    pub workers: usize,
    /// `TTS_MAX_TEXT_CHARS` (5000).
    pub max_text_chars: usize,
    /// `TTS_MAX_BODY_BYTES` (65536): request bodies larger than this get 413.
    pub max_body_bytes: usize,
    /// `SESSION_TTL_SECONDS` (600): how long a session and its audio are kept.
    pub session_ttl: Duration,
    /// `SESSION_MAX_COUNT` (10000): sessions held at once; the oldest are evicted first.
    pub max_sessions: usize,
    /// `SESSION_AUDIO_BUDGET_MB` (256): retained audio across sessions; the oldest goes first.
    pub audio_budget_bytes: usize,
    /// `PROVIDER_FIRST_CHUNK_TIMEOUT_MS` (10000): wait for an engine's first audio.
    pub first_chunk_timeout: Duration,
    /// `PROVIDER_CHUNK_TIMEOUT_MS` (10000): wait between two chunks of audio.
    pub chunk_timeout: Duration,
    /// `PROVIDER_RETRIES` (2): extra attempts, only before any audio was sent.
    pub provider_retries: u32,
    /// `CIRCUIT_BREAKER_FAILURES` (5): consecutive failures that open a provider's circuit.
    pub breaker_failures: u32,
    /// `CIRCUIT_BREAKER_COOLDOWN_SECONDS` (30): how long an open circuit rejects calls.
    pub breaker_cooldown: Duration,
    /// `STREAM_BUFFER_FRAMES` (64): audio frames buffered per stream for a slow reader.
    pub stream_buffer_frames: usize,
    /// `SLOW_CLIENT_TIMEOUT_MS` (10000): a stream whose buffer stays full this long is closed.
    pub slow_client_timeout: Duration,
    /// `CORS_ORIGINS` (http://localhost:5173,http://127.0.0.1:5173); `*` allows any.
    pub cors_origins: Vec<String>,
    /// `TRUSTED_PROXIES` (none): addresses/CIDRs whose X-Forwarded-For/-Proto are believed.
    pub trusted_proxies: Vec<IpNet>,
    /// `SOCKET_SEND_BUFFER_KB` (128): the kernel send buffer of each connection; 0 leaves
    /// the kernel's autotuning (up to 4 MB a socket), which would hide a slow reader's
    /// backlog from the gateway's own per-stream limit.
    pub socket_send_buffer: usize,
    /// `SHUTDOWN_GRACE_SECONDS` (20): how long in-flight streams may finish on SIGTERM.
    pub shutdown_grace: Duration,
    /// `UI_DIR` (frontend/dist): the built web UI served at `/`, if present.
    pub ui_dir: Option<PathBuf>,
    /// `MP3_QUALITY` (standard): `fast` encodes mp3 without LAME's psychoacoustic model,
    /// about 1.7x cheaper per stream at a measurably lower quality (docs/BENCHMARKS.md);
    /// kept here as the encoder complexity it selects (`None` = the codec's default).
    pub mp3_complexity: Option<u8>,
    /// `LOG_FORMAT` (text): `json` for one JSON object per line.
    pub log_json: bool,
    /// `REDIS_URL` (unset): `redis://[:password@]host:port[/db]` keeps sessions, their audio,
    /// rate-limit counters and the stream-once claim in Redis, so several gateways act as
    /// one and sessions survive a restart. Unset: all of it in this process's memory.
    pub redis_url: Option<String>,
    /// `REDIS_TIMEOUT_MS` (500): the longest any one Redis call may take (connecting
    /// included) before the request answers 503.
    pub redis_timeout: Duration,
    /// `REDIS_CLAIM_LEASE_MS` (15000): how long a stream's claim on its session outlives
    /// the gateway that holds it. The holder renews it three times per lease; a gateway
    /// that dies mid-stream stops renewing, and its session becomes pending again (to be
    /// streamed or fetched anew) instead of staying `streaming` until it expires.
    pub redis_claim_lease: Duration,
    /// `REDIS_KEY_PREFIX` (`tts:`): prefix of every key, so deployments can share a Redis.
    pub redis_key_prefix: String,
    /// `LEXICON_FILE` (unset): pronunciations, one `word<TAB>replacement` or
    /// `word<TAB>/ipa/` a line (docs/NORMALIZATION.md); re-read when it changes.
    pub lexicon_file: Option<PathBuf>,
    /// The realtime socket's limits (`REALTIME_*`).
    pub realtime: RealtimeLimits,
    /// `OPENAI_VOICE_MAP` (unset): `alloy=en_US-joe-medium,echo=espeak-en-us,…`, OpenAI's
    /// voice names to this gateway's voice ids. Names not listed take
    /// `OPENAI_DEFAULT_VOICE` (the first of en_US-joe-medium, espeak-en-us,
    /// en-US-mock-1 that runs here).
    pub openai_voice_map: Vec<(String, String)>,
    pub openai_default_voice: Option<String>,
    /// The engines' own variables (MOCK_TONE_ENABLED, PIPER_*, ESPEAK_*, COQUI_* …).
    pub providers: ProvidersConfig,
    /// The phrase cache (`CACHE_*`).
    pub cache: crate::cache::CacheSettings,
    /// API keys, tokens and the metrics address (`API_KEYS_FILE`, `AUTH_TOKEN_SECRET`, …).
    pub auth: AuthSettings,
}

/// Who may use the gateway (docs/AUTH.md).
#[derive(Clone, Debug, Default)]
pub struct AuthSettings {
    /// `API_KEYS_FILE` (unset: keys off, anyone who reaches the port may use it): one key a
    /// line, `name sha256-hex [sessions=N] [streams=N] [chars=N]`; re-read on change.
    pub keys_file: Option<PathBuf>,
    /// `API_KEYS_CHECK_INTERVAL_MS` (1000): how often the keys file is looked at for a
    /// change (0: on every request).
    pub keys_check_interval: Duration,
    /// `AUTH_TOKEN_SECRET` (unset: no tokens): at least 32 bytes; signs the short-lived
    /// tokens of `POST /v1/auth/tokens`, so every gateway with it accepts them.
    pub token_signer: Option<crate::auth::Signer>,
    /// `UI_KEY` (unset: off): the name of a key in the file whose tokens the web UI may
    /// get from `POST /v1/auth/ui-token`, from pages of this gateway's own origin (or
    /// one in `CORS_ORIGINS`) only.
    pub ui_key: Option<String>,
    /// `METRICS_ADDR` (unset: `/metrics` on the public port, behind a key when keys are
    /// on): `host:port` of a separate listener for `/metrics` alone, without a key.
    pub metrics_addr: Option<String>,
    /// `WYOMING_ALLOW_ANONYMOUS` (false): Wyoming has no credentials, so with keys on its
    /// port starts only when this says so.
    pub wyoming_allow_anonymous: bool,
}

/// Limits of one realtime connection; each is answered with an error frame naming it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RealtimeLimits {
    /// `REALTIME_MAX_CONTEXTS` (8): contexts open at once on one connection.
    pub max_contexts: usize,
    /// `REALTIME_MAX_BUFFERED_BYTES` (20000): text (UTF-8 bytes) a context may hold that its engine has not started on.
    pub max_buffered_bytes: usize,
    /// `REALTIME_MAX_MESSAGE_BYTES` (65536): the largest client message.
    pub max_message_bytes: usize,
    /// `REALTIME_IDLE_TIMEOUT_SECONDS` (60): a connection with no message and no open
    /// context for this long is closed.
    pub idle_timeout: Duration,
    /// `REALTIME_MAX_BUFFER_DELAY_MS` (1000): how long buffered text may wait for a
    /// sentence or clause end, unless a context sets `max_buffer_delay_ms`.
    pub max_buffer_delay: Duration,
}

impl Settings {
    /// Reads the process environment.
    pub fn from_env() -> Result<Self, ConfigError> {
        Self::from_lookup(&|k| std::env::var(k).ok())
    }

    /// Reads settings through `get`; unset variables take their defaults.
    pub fn from_lookup(get: &dyn Fn(&str) -> Option<String>) -> Result<Self, ConfigError> {
        let ms = |var: &str, default: u64| -> Result<Duration, ConfigError> {
            Ok(Duration::from_millis(num(get, var, default, 1)?))
        };
        let secs = |var: &str, default: u64| -> Result<Duration, ConfigError> {
            Ok(Duration::from_secs(num(get, var, default, 1)?))
        };
        Ok(Self {
            host: get("HOST").unwrap_or_else(|| "0.0.0.0".into()),
            port: num(get, "PORT", 8080u16, 0)?,
            wyoming_port: match get("WYOMING_PORT").filter(|v| !v.trim().is_empty()) {
                Some(_) => Some(num(get, "WYOMING_PORT", 0u16, 0)?),
                None => None,
            },
            rate_limit_max_requests: num(get, "RATE_LIMIT_MAX_REQUESTS_PER_WINDOW", 50, 1)?,
            rate_limit_window: secs("RATE_LIMIT_WINDOW_SECONDS", 60)?,
            rate_limit_max_clients: num(get, "RATE_LIMIT_MAX_TRACKED_CLIENTS", 100_000, 1)?,
            queue_max: num(get, "SESSION_QUEUE_MAXSIZE", 100, 0)?,
            workers: num(get, "SESSION_QUEUE_WORKER_COUNT", 8, 1)?,
            max_text_chars: num(get, "TTS_MAX_TEXT_CHARS", 5000, 1)?,
            max_body_bytes: num(get, "TTS_MAX_BODY_BYTES", 65_536, 256)?,
            session_ttl: secs("SESSION_TTL_SECONDS", 600)?,
            max_sessions: num(get, "SESSION_MAX_COUNT", 10_000, 1)?,
            audio_budget_bytes: num::<usize>(get, "SESSION_AUDIO_BUDGET_MB", 256, 1)? << 20,
            first_chunk_timeout: ms("PROVIDER_FIRST_CHUNK_TIMEOUT_MS", 10_000)?,
            chunk_timeout: ms("PROVIDER_CHUNK_TIMEOUT_MS", 10_000)?,
            provider_retries: num(get, "PROVIDER_RETRIES", 2, 0)?,
            breaker_failures: num(get, "CIRCUIT_BREAKER_FAILURES", 5, 1)?,
            breaker_cooldown: secs("CIRCUIT_BREAKER_COOLDOWN_SECONDS", 30)?,
            stream_buffer_frames: num(get, "STREAM_BUFFER_FRAMES", 64, 1)?,
            slow_client_timeout: ms("SLOW_CLIENT_TIMEOUT_MS", 10_000)?,
            cors_origins: list(get, "CORS_ORIGINS").unwrap_or_else(|| {
                vec![
                    "http://localhost:5173".into(),
                    "http://127.0.0.1:5173".into(),
                ]
            }),
            trusted_proxies: trusted_proxies(get)?,
            socket_send_buffer: num::<usize>(get, "SOCKET_SEND_BUFFER_KB", 128, 0)? << 10,
            shutdown_grace: secs("SHUTDOWN_GRACE_SECONDS", 20)?,
            ui_dir: Some(get("UI_DIR").unwrap_or_else(|| "frontend/dist".into()))
                .filter(|s| !s.is_empty())
                .map(PathBuf::from),
            mp3_complexity: match get("MP3_QUALITY").as_deref() {
                None | Some("standard") => None,
                Some("fast") => Some(tts_audio::MP3_FAST_COMPLEXITY),
                Some(other) => {
                    return Err(err(
                        "MP3_QUALITY",
                        format!("expected standard or fast, got {other:?}"),
                    ))
                }
            },
            log_json: match get("LOG_FORMAT").as_deref() {
                None | Some("text") => false,
                Some("json") => true,
                Some(other) => {
                    return Err(err(
                        "LOG_FORMAT",
                        format!("expected text or json, got {other:?}"),
                    ))
                }
            },
            redis_url: redis_url(get, "REDIS_URL")?,
            redis_timeout: ms("REDIS_TIMEOUT_MS", 500)?,
            redis_claim_lease: ms("REDIS_CLAIM_LEASE_MS", 15_000)?,
            redis_key_prefix: get("REDIS_KEY_PREFIX").unwrap_or_else(|| "tts:".into()),
            lexicon_file: get("LEXICON_FILE")
                .filter(|v| !v.is_empty())
                .map(PathBuf::from),
            realtime: RealtimeLimits {
                max_contexts: num(get, "REALTIME_MAX_CONTEXTS", 8, 1)?,
                max_buffered_bytes: num(get, "REALTIME_MAX_BUFFERED_BYTES", 20_000, 1)?,
                max_message_bytes: num(get, "REALTIME_MAX_MESSAGE_BYTES", 65_536, 256)?,
                idle_timeout: secs("REALTIME_IDLE_TIMEOUT_SECONDS", 60)?,
                max_buffer_delay: ms("REALTIME_MAX_BUFFER_DELAY_MS", 1000)?,
            },
            openai_voice_map: voice_map(get)?,
            openai_default_voice: get("OPENAI_DEFAULT_VOICE").filter(|v| !v.is_empty()),
            providers: ProvidersConfig::from_env(get)?,
            cache: crate::cache::CacheSettings::from_lookup(get)?,
            auth: auth_settings(get)?,
        })
    }

    /// Settings for tests: port 0 on loopback, no UI, mock_tone only (engines that load
    /// models are switched on by the tests that need them), no phrase cache (a repeated
    /// text would otherwise skip the engine and its admission: the cache's own tests turn
    /// it on), defaults otherwise.
    pub fn for_tests() -> Self {
        Self::from_lookup(&|k| match k {
            "HOST" => Some("127.0.0.1".into()),
            "PORT" => Some("0".into()),
            "UI_DIR" => Some(String::new()),
            "MOCK_TONE_ENABLED" => Some("1".into()),
            "ESPEAK_ENABLED" | "PIPER_ENABLED" | "COQUI_ENABLED" => Some("0".into()),
            "CACHE_BUDGET_MB" => Some("0".into()),
            _ => None,
        })
        .expect("test defaults are valid")
    }

    /// The encoder options of one stream or file: the request's bitrate, and the
    /// operator's effort setting for the format.
    pub fn encoder_options(
        &self,
        format: tts_core::AudioFormat,
        bitrate_kbps: Option<u32>,
    ) -> tts_audio::EncoderOptions {
        tts_audio::EncoderOptions {
            bitrate_kbps,
            complexity: match format {
                tts_core::AudioFormat::Mp3 => self.mp3_complexity,
                _ => None,
            },
        }
    }

    /// Whether `ENABLED`-style flag `var` is set; re-exported for binaries and tests.
    pub fn flag(
        get: &dyn Fn(&str) -> Option<String>,
        var: &str,
        default: bool,
    ) -> Result<bool, ConfigError> {
        parse_bool(get, var, default)
    }
}

pub(crate) fn err(var: &str, message: String) -> ConfigError {
    ConfigError {
        var: var.to_string(),
        message,
    }
}

/// Parses a whole number no smaller than `min`; the error names the variable.
pub(crate) fn num<T>(
    get: &dyn Fn(&str) -> Option<String>,
    var: &str,
    default: T,
    min: T,
) -> Result<T, ConfigError>
where
    T: FromStr + PartialOrd + std::fmt::Display + Copy,
{
    let Some(raw) = get(var) else {
        return Ok(default);
    };
    let v: T = raw
        .trim()
        .parse()
        .map_err(|_| err(var, format!("expected a whole number, got {raw:?}")))?;
    if v < min {
        return Err(err(var, format!("must be at least {min}, got {v}")));
    }
    Ok(v)
}

pub(crate) fn list(get: &dyn Fn(&str) -> Option<String>, var: &str) -> Option<Vec<String>> {
    get(var).map(|v| {
        v.split(',')
            .map(|s| s.trim().trim_end_matches('/').to_string())
            .filter(|s| !s.is_empty())
            .collect()
    })
}

fn voice_map(get: &dyn Fn(&str) -> Option<String>) -> Result<Vec<(String, String)>, ConfigError> {
    let Some(entries) = list(get, "OPENAI_VOICE_MAP") else {
        return Ok(Vec::new());
    };
    entries
        .iter()
        .map(|e| match e.split_once('=') {
            Some((name, voice)) if !name.trim().is_empty() && !voice.trim().is_empty() => {
                Ok((name.trim().to_string(), voice.trim().to_string()))
            }
            _ => Err(err(
                "OPENAI_VOICE_MAP",
                format!("expected name=voice_id entries separated by commas, got {e:?}"),
            )),
        })
        .collect()
}

fn trusted_proxies(get: &dyn Fn(&str) -> Option<String>) -> Result<Vec<IpNet>, ConfigError> {
    list(get, "TRUSTED_PROXIES")
        .unwrap_or_default()
        .iter()
        .map(|s| {
            s.parse::<IpNet>()
                .or_else(|_| s.parse::<IpAddr>().map(IpNet::from))
                .map_err(|_| {
                    err(
                        "TRUSTED_PROXIES",
                        format!("{s:?} is not an IP address or CIDR block"),
                    )
                })
        })
        .collect()
}

fn auth_settings(get: &dyn Fn(&str) -> Option<String>) -> Result<AuthSettings, ConfigError> {
    let set = |var: &str| get(var).filter(|v| !v.trim().is_empty());
    let keys_file = set("API_KEYS_FILE").map(PathBuf::from);
    let token_signer = match set("AUTH_TOKEN_SECRET") {
        None => None,
        Some(secret) => Some(
            crate::auth::Signer::new(secret.as_bytes()).map_err(|m| err("AUTH_TOKEN_SECRET", m))?,
        ),
    };
    let ui_key = set("UI_KEY").map(|k| k.trim().to_string());
    if ui_key.is_some() && (keys_file.is_none() || token_signer.is_none()) {
        return Err(err(
            "UI_KEY",
            "needs API_KEYS_FILE and AUTH_TOKEN_SECRET (the UI gets tokens of that key)".into(),
        ));
    }
    Ok(AuthSettings {
        keys_file,
        keys_check_interval: Duration::from_millis(num(
            get,
            "API_KEYS_CHECK_INTERVAL_MS",
            1000,
            0,
        )?),
        token_signer,
        ui_key,
        metrics_addr: set("METRICS_ADDR").map(|a| a.trim().to_string()),
        wyoming_allow_anonymous: parse_bool(get, "WYOMING_ALLOW_ANONYMOUS", false)?,
    })
}

/// A Redis URL variable (`REDIS_URL`, `CACHE_REDIS_URL`), checked for a scheme this build
/// can connect with (no connection is made).
pub(crate) fn redis_url(
    get: &dyn Fn(&str) -> Option<String>,
    name: &str,
) -> Result<Option<String>, ConfigError> {
    let Some(url) = get(name).filter(|u| !u.trim().is_empty()) else {
        return Ok(None);
    };
    let url = url.trim().to_string();
    redis::Client::open(url.as_str()).map_err(|e| {
        err(
            name,
            format!("expected redis://[:password@]host:port[/db] or redis+unix:///path: {e}"),
        )
    })?;
    Ok(Some(url))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn with(pairs: &[(&str, &str)]) -> Result<Settings, ConfigError> {
        let owned: Vec<(String, String)> = pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        Settings::from_lookup(&move |k| {
            owned.iter().find(|(kk, _)| kk == k).map(|(_, v)| v.clone())
        })
    }

    #[test]
    fn defaults_follow_the_original_service() {
        let s = with(&[]).unwrap();
        assert_eq!(s.port, 8080);
        assert_eq!(s.rate_limit_max_requests, 50);
        assert_eq!(s.rate_limit_window, Duration::from_secs(60));
        assert_eq!(s.queue_max, 100);
        assert_eq!(s.workers, 8);
        assert_eq!(s.max_text_chars, 5000);
    }

    #[test]
    fn bad_values_name_the_variable() {
        let e = with(&[("PORT", "eighty")]).unwrap_err();
        assert_eq!(e.var, "PORT");
        let e = with(&[("SESSION_QUEUE_WORKER_COUNT", "0")]).unwrap_err();
        assert_eq!(e.var, "SESSION_QUEUE_WORKER_COUNT");
        let e = with(&[("TRUSTED_PROXIES", "10.0.0.0/8, nonsense")]).unwrap_err();
        assert!(e.message.contains("nonsense"));
        let e = with(&[("MOCK_TONE_ENABLED", "maybe")]).unwrap_err();
        assert_eq!(e.var, "MOCK_TONE_ENABLED");
    }

    #[test]
    fn wyoming_is_off_unless_a_port_is_given() {
        assert_eq!(with(&[]).unwrap().wyoming_port, None);
        assert_eq!(with(&[("WYOMING_PORT", "")]).unwrap().wyoming_port, None);
        let s = with(&[("WYOMING_PORT", "10200")]).unwrap();
        assert_eq!(s.wyoming_port, Some(10200));
        assert_eq!(
            with(&[("WYOMING_PORT", "x")]).unwrap_err().var,
            "WYOMING_PORT"
        );
    }

    #[test]
    fn redis_is_off_unless_a_url_is_given() {
        assert_eq!(with(&[]).unwrap().redis_url, None);
        assert_eq!(with(&[("REDIS_URL", "")]).unwrap().redis_url, None);
        let s = with(&[("REDIS_URL", "redis://127.0.0.1:6379/0")]).unwrap();
        assert_eq!(s.redis_url.as_deref(), Some("redis://127.0.0.1:6379/0"));
        assert_eq!(s.redis_timeout, Duration::from_millis(500));
        assert_eq!(s.redis_key_prefix, "tts:");
        let e = with(&[("REDIS_URL", "http://cache:6379")]).unwrap_err();
        assert_eq!(e.var, "REDIS_URL");
        let e = with(&[("REDIS_URL", "rediss://cache:6380")]).unwrap_err();
        assert!(e.message.contains("TLS"), "this build has no TLS: {e}");
    }

    #[test]
    fn mp3_quality_selects_the_fast_mode_for_mp3_only() {
        assert_eq!(with(&[]).unwrap().mp3_complexity, None);
        let fast = with(&[("MP3_QUALITY", "fast")]).unwrap();
        assert_eq!(
            fast.encoder_options(tts_core::AudioFormat::Mp3, Some(32)),
            tts_audio::EncoderOptions {
                bitrate_kbps: Some(32),
                complexity: Some(tts_audio::MP3_FAST_COMPLEXITY),
            }
        );
        let opus = fast.encoder_options(tts_core::AudioFormat::Opus, None);
        assert_eq!(opus.complexity, None);
        let e = with(&[("MP3_QUALITY", "best")]).unwrap_err();
        assert_eq!(e.var, "MP3_QUALITY");
        assert!(e.message.contains("standard or fast"), "{e}");
    }

    #[test]
    fn keys_are_off_unless_a_file_is_given_and_secrets_must_be_long() {
        let s = with(&[]).unwrap();
        assert!(s.auth.keys_file.is_none() && s.auth.token_signer.is_none());
        let e = with(&[("AUTH_TOKEN_SECRET", "short")]).unwrap_err();
        assert_eq!(e.var, "AUTH_TOKEN_SECRET");
        assert!(e.message.contains("32 bytes"), "{e}");
        let e = with(&[("UI_KEY", "demo"), ("API_KEYS_FILE", "/k")]).unwrap_err();
        assert_eq!(e.var, "UI_KEY");
        let secret = "x".repeat(32);
        let s = with(&[("API_KEYS_FILE", "/k"), ("AUTH_TOKEN_SECRET", &secret)]).unwrap();
        assert!(s.auth.token_signer.is_some());
        assert!(
            !format!("{s:?}").contains(&secret),
            "the secret is never printed"
        );
    }

    #[test]
    fn proxies_accept_addresses_and_blocks() {
        let s = with(&[("TRUSTED_PROXIES", "127.0.0.1,10.0.0.0/8")]).unwrap();
        assert_eq!(s.trusted_proxies.len(), 2);
    }
}
