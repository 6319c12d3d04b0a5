//! Command-line flags.

use clap::Parser;

/// 41 characters: 41 tones of 100 ms from mock_tone, 4.1 s of audio, 41 frames.
pub const DEFAULT_TEXT: &str = "The quick brown fox jumps over a lazy dog";

/// The gateway door a session uses.
#[derive(clap::ValueEnum, Debug, Clone, Copy, PartialEq, Eq)]
pub enum Door {
    Session,
    Openai,
}

#[derive(Parser, Debug, Clone)]
#[command(
    name = "tts-bench",
    version,
    about = "Load generator for the TTS gateway: sessions/s, time to first audio, failures by cause, server CPU and memory.",
    long_about = "Load generator for the TTS gateway.\n\n\
Runs --sessions sessions (after --warmup uncounted ones) with --concurrency of them at a time. \
Each session is what a client of the wire contract does: POST /v1/tts/sessions, connect the \
returned ws_url, read frames until eos, an error frame or a close, checking that seq runs \
1, 2, 3 … and that pcm16 frames hold whole samples. Time to first audio counts from just \
before the POST to the first audio frame.\n\n\
Give the server's --pid to get its CPU time per session and its memory. The generator reports \
its own CPU too: near 100 % of a core means it, not the server, was the limit.\n\n\
--hold N instead opens N streams that read slowly (or not at all) for --hold-secs and reports \
the server's memory before, during and after, and how many streams it closed as slow.\n\n\
Start the gateway with RATE_LIMIT_MAX_REQUESTS_PER_WINDOW=100000000 (every session comes from \
one address), and for --hold with SESSION_QUEUE_WORKER_COUNT and SESSION_QUEUE_MAXSIZE at least N.\n\n\
Example (server on core 0, generator on core 1):\n  \
taskset -c 1 tts-bench --pid $(pgrep -n tts-gateway) --sessions 20000 --warmup 2000 --concurrency 50",
    after_help = "Failures are reported, not fatal: the exit code is 0 unless --fail-on-error or \
--max-failure-ratio says otherwise (1), or the run could not start (2)."
)]
pub struct Args {
    /// Base URL of the gateway.
    #[arg(long, env = "TTS_BENCH_URL", default_value = "http://127.0.0.1:8080")]
    pub url: String,

    /// Sessions in the measured phase.
    #[arg(short = 'n', long, default_value_t = 2000)]
    pub sessions: u64,

    /// Sessions in flight at once: closed loop, each of these workers starts its next session
    /// when one ends (with --arrival-rate: the most that may be in flight).
    #[arg(short = 'c', long, default_value_t = 50, value_parser = clap::value_parser!(u64).range(1..))]
    pub concurrency: u64,

    /// Open loop: start sessions at this many per second (at most --concurrency at once)
    /// instead of starting the next as soon as one ends. Latency is then measured at a
    /// chosen throughput; sessions that could not start on time show as start lag.
    #[arg(long)]
    pub arrival_rate: Option<f64>,

    /// Sessions run first and not counted (connections, caches and allocators warm up).
    #[arg(long, default_value_t = 200)]
    pub warmup: u64,

    /// Which door each session goes through: `session` (POST /v1/tts/sessions, then the
    /// WebSocket) or `openai` (POST /v1/audio/speech, the audio read as the body streams;
    /// --provider is sent as `model`, --format pcm16 as `pcm`, --rate as `sample_rate`).
    #[arg(long, value_enum, default_value_t = Door::Session)]
    pub api: Door,

    #[arg(long, default_value = "mock_tone")]
    pub provider: String,

    #[arg(long, default_value = "en-US-mock-1")]
    pub voice: String,

    /// target_format: pcm16, wav, mp3, opus, mulaw, alaw, flac, aac.
    #[arg(short = 'f', long, default_value = "pcm16")]
    pub format: String,

    /// sample_rate_hz of the requested audio.
    #[arg(short = 'r', long, default_value_t = 16000)]
    pub rate: u32,

    /// Text to synthesise (default: 41 characters, 4.1 s of mock_tone audio).
    #[arg(short = 't', long, default_value = DEFAULT_TEXT)]
    pub text: String,

    /// Texts to synthesise instead of --text, one per non-empty line: the sessions take
    /// them in turn, warm-up included. With --cache and a file of distinct texts, a run
    /// measures the phrase cache's way for text it has not heard: each sentence its own
    /// synthesis.
    #[arg(long, conflicts_with = "text")]
    pub texts_file: Option<std::path::PathBuf>,

    /// Optional language field of the request (e.g. en-US).
    #[arg(long)]
    pub language: Option<String>,

    /// bitrate_kbps for lossy formats (mp3, opus, aac).
    #[arg(long)]
    pub bitrate_kbps: Option<u32>,

    /// Seconds of audio in one session, to report audio seconds per second for formats whose
    /// duration does not follow from their size (pcm16, mulaw and alaw need no hint).
    #[arg(long)]
    pub audio_secs_per_session: Option<f64>,

    /// The server's process id: report its CPU per session and its memory.
    #[arg(long)]
    pub pid: Option<u32>,

    /// Decode every frame's base64 (and check the container header) instead of trusting the
    /// length of the base64 text. Costs generator CPU.
    #[arg(long)]
    pub verify: bool,

    /// Let the gateway's phrase cache serve the sessions. Without it every request carries
    /// `"cache": false`, so a run with one repeated text measures synthesis, as it did
    /// before the cache; with it, all but the first session are cache hits.
    #[arg(long)]
    pub cache: bool,
    /// An API key for a gateway with API_KEYS_FILE, sent as `Authorization: Bearer` on
    /// every request and WebSocket handshake.
    #[arg(long, env = "TTS_BENCH_API_KEY")]
    pub api_key: Option<String>,

    /// A session that has not ended after this long fails as "timeout".
    #[arg(long, default_value_t = 30.0)]
    pub timeout_secs: f64,

    /// Runtime threads of the generator: 1 runs everything on one thread (pin it with taskset).
    #[arg(long, default_value_t = 1, value_parser = clap::value_parser!(u64).range(1..))]
    pub threads: u64,

    /// SO_RCVBUF of WebSocket sockets, in bytes (small values make slow readers felt sooner).
    #[arg(long)]
    pub rcvbuf: Option<u32>,

    /// Slow-readers mode: open this many streams that read slowly, instead of a load run.
    #[arg(long)]
    pub hold: Option<u64>,

    /// How long --hold keeps its streams open before reading them to the end.
    #[arg(long, default_value_t = 30.0)]
    pub hold_secs: f64,

    /// During --hold, read one message per this many milliseconds; 0 reads nothing until the end.
    #[arg(long, default_value_t = 1000)]
    pub hold_read_ms: u64,

    /// Wait after the last --hold stream ended before reading the server's memory "after".
    #[arg(long, default_value_t = 2000)]
    pub settle_ms: u64,

    /// Print one JSON object instead of the table.
    #[arg(long)]
    pub json: bool,

    /// No progress lines on stderr.
    #[arg(short, long)]
    pub quiet: bool,

    /// Exit 1 if any session failed.
    #[arg(long)]
    pub fail_on_error: bool,

    /// Exit 1 if more than this share of sessions failed (0.01 = 1 %).
    #[arg(long)]
    pub max_failure_ratio: Option<f64>,
}

impl Args {
    /// The failure ratio above which the run exits 1, if any.
    pub fn failure_threshold(&self) -> Option<f64> {
        match (self.fail_on_error, self.max_failure_ratio) {
            (true, _) => Some(0.0),
            (false, ratio) => ratio,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::CommandFactory;

    #[test]
    fn the_default_text_is_41_characters() {
        assert_eq!(DEFAULT_TEXT.chars().count(), 41);
    }

    #[test]
    fn flags_are_consistent() {
        Args::command().debug_assert();
    }

    #[test]
    fn failures_are_fatal_only_when_asked() {
        let args = Args::parse_from(["tts-bench"]);
        assert_eq!(args.failure_threshold(), None);
        let args = Args::parse_from(["tts-bench", "--fail-on-error"]);
        assert_eq!(args.failure_threshold(), Some(0.0));
        let args = Args::parse_from(["tts-bench", "--max-failure-ratio", "0.01"]);
        assert_eq!(args.failure_threshold(), Some(0.01));
    }
}
