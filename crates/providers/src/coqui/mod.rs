//! `coqui_tts`: a remote Coqui TTS `tts-server`, over its HTTP API.
//!
//! Coqui TTS is Python/PyTorch with no Rust runtime, so deployments run Coqui's own
//! server (`tts-server --model_name …`) and we call `GET /api/tts?text=&speaker_id=
//! &style_wav=&language_id=`, which answers `audio/wav`. The WAV is parsed as its bytes
//! arrive ([`wav_stream`]) and PCM leaves as chunks at once; dropping the stream drops
//! the response and so closes the connection. Errors say whether retrying makes sense:
//! connection failures and 5xx are Unavailable, silence past `COQUI_TIMEOUT_MS` is
//! Timeout, a body that is not a WAV we can read is Internal.
//!
//! `https` URLs are verified with rustls against the Mozilla roots built into the binary
//! (no CA store needed in the image, nothing fetched at run time), plus the CA certificates
//! of `COQUI_CA_FILE` for a server with a private or self-signed certificate.

pub mod wav_stream;

use crate::config::{parse_bool, parse_number, parse_string, ConfigError, Getter};
use bytes::Bytes;
use futures::stream::BoxStream;
use futures::StreamExt;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU32, Ordering::Relaxed};
use std::sync::Arc;
use std::time::Duration;
use tts_core::{AudioChunk, AudioStream, Provider, ProviderError, SynthesisRequest, Voice};
use wav_stream::WavStream;

pub const PROVIDER_ID: &str = "coqui_tts";

/// `COQUI_*` settings.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CoquiConfig {
    /// `COQUI_ENABLED` (default on); the provider runs only if `url` is set too.
    pub enabled: bool,
    /// `COQUI_URL`: the tts-server's base URL, e.g. `http://127.0.0.1:5002` or
    /// `https://tts.internal:5002` (no default).
    pub url: Option<reqwest::Url>,
    /// `COQUI_CA_FILE`: PEM file of CA certificates trusted for an `https` `COQUI_URL`,
    /// besides the built-in Mozilla roots (a private CA, or the server's self-signed
    /// certificate).
    pub ca_file: Option<PathBuf>,
    /// `COQUI_MODEL_NAME` (default `tts_models/en/ljspeech/tacotron2-DDC`): what the
    /// server was started with; shown in the voice metadata and id.
    pub model_name: String,
    /// `COQUI_LANGUAGE` (default `en-US`): the voice's language, canonical BCP-47.
    pub language: String,
    /// `COQUI_SPEAKER_ID`: sent as `speaker_id` (multi-speaker models).
    pub speaker_id: Option<String>,
    /// `COQUI_LANGUAGE_ID`: sent as `language_id` (multilingual models' own ids, e.g. `en`).
    pub language_id: Option<String>,
    /// `COQUI_TIMEOUT_MS` (default 30000): longest wait to connect, for the response,
    /// and between two pieces of its body.
    pub timeout: Duration,
    /// `COQUI_SAMPLE_RATE` (default 22050): the rate voices declare until the first WAV
    /// header tells the real one.
    pub sample_rate: u32,
}

impl Default for CoquiConfig {
    fn default() -> Self {
        Self {
            enabled: true,
            url: None,
            ca_file: None,
            model_name: "tts_models/en/ljspeech/tacotron2-DDC".into(),
            language: "en-US".into(),
            speaker_id: None,
            language_id: None,
            timeout: Duration::from_millis(30_000),
            sample_rate: 22_050,
        }
    }
}

impl CoquiConfig {
    pub fn from_env(get: Getter<'_>) -> Result<Self, ConfigError> {
        let d = Self::default();
        let url = match parse_string(get, "COQUI_URL") {
            None => None,
            Some(raw) => Some(parse_url(&raw).map_err(|m| ConfigError::new("COQUI_URL", m))?),
        };
        let timeout_ms = parse_number(get, "COQUI_TIMEOUT_MS", 30_000u64, 1, 600_000)?;
        Ok(Self {
            enabled: parse_bool(get, "COQUI_ENABLED", d.enabled)?,
            url,
            ca_file: parse_string(get, "COQUI_CA_FILE").map(PathBuf::from),
            model_name: parse_string(get, "COQUI_MODEL_NAME").unwrap_or(d.model_name),
            language: tts_core::canonicalize_language(
                &parse_string(get, "COQUI_LANGUAGE").unwrap_or(d.language),
            ),
            speaker_id: parse_string(get, "COQUI_SPEAKER_ID"),
            language_id: parse_string(get, "COQUI_LANGUAGE_ID"),
            timeout: Duration::from_millis(timeout_ms),
            sample_rate: parse_number(get, "COQUI_SAMPLE_RATE", d.sample_rate, 8_000, 192_000)?,
        })
    }

    /// Returns true if and only if the provider should run: enabled and given a URL.
    pub fn is_active(&self) -> bool {
        self.enabled && self.url.is_some()
    }
}

fn parse_url(raw: &str) -> Result<reqwest::Url, String> {
    let url = reqwest::Url::parse(raw).map_err(|e| format!("not a URL ({e}): {raw:?}"))?;
    match url.scheme() {
        "http" | "https" => Ok(url),
        other => Err(format!(
            "expected an http:// or https:// URL, got scheme {other:?}"
        )),
    }
}

/// The Coqui provider: one voice, the server's model.
pub struct Coqui {
    client: reqwest::Client,
    endpoint: reqwest::Url,
    config: CoquiConfig,
    voice_id: String,
    /// The rate voices declare: the configured one until a WAV header says otherwise.
    sample_rate: Arc<AtomicU32>,
}

impl Coqui {
    /// Builds the client; does not contact the server (it may start later).
    pub fn new(config: &CoquiConfig) -> Result<Self, String> {
        let base = config.url.clone().ok_or("COQUI_URL is not set")?;
        let endpoint = if base.path().trim_end_matches('/').ends_with("/api/tts") {
            base
        } else {
            let mut b = base;
            if !b.path().ends_with('/') {
                b.set_path(&format!("{}/", b.path()));
            }
            b.join("api/tts").map_err(|e| e.to_string())?
        };
        let mut client = reqwest::Client::builder().connect_timeout(config.timeout);
        if let Some(path) = &config.ca_file {
            for ca in trusted(path)? {
                client = client.add_root_certificate(ca);
            }
        }
        let client = client
            .build()
            .map_err(|e| format!("cannot build the HTTP client: {e}"))?;
        let model = config
            .model_name
            .trim_start_matches("tts_models/")
            .replace('/', "-");
        let mut voice_id = format!("coqui-{model}");
        if let Some(s) = &config.speaker_id {
            voice_id = format!("{voice_id}#{s}");
        }
        Ok(Self {
            client,
            endpoint,
            config: config.clone(),
            voice_id,
            sample_rate: Arc::new(AtomicU32::new(config.sample_rate)),
        })
    }
}

/// The CA certificates in the PEM file `COQUI_CA_FILE`.
fn trusted(path: &Path) -> Result<Vec<reqwest::Certificate>, String> {
    let shown = path.display();
    let pem = std::fs::read(path).map_err(|e| format!("COQUI_CA_FILE {shown}: {e}"))?;
    let certs = reqwest::Certificate::from_pem_bundle(&pem)
        .map_err(|e| format!("COQUI_CA_FILE {shown}: not PEM certificates ({e})"))?;
    if certs.is_empty() {
        return Err(format!(
            "COQUI_CA_FILE {shown}: no certificate in it (expected PEM \"BEGIN CERTIFICATE\" blocks)"
        ));
    }
    Ok(certs)
}

impl Provider for Coqui {
    fn id(&self) -> &str {
        PROVIDER_ID
    }

    fn voices(&self) -> Vec<Voice> {
        let c = &self.config;
        let mut v = Voice::new(
            self.voice_id.clone(),
            format!("Coqui TTS {}", c.model_name),
            &c.language,
            PROVIDER_ID,
            self.sample_rate.load(Relaxed),
        )
        .with_extra("model_name", c.model_name.clone())
        .with_extra("language", c.language.clone())
        .with_extra("word_timestamps", "false");
        if let Some(s) = &c.speaker_id {
            v = v.with_extra("speaker_id", s.clone());
        }
        vec![v]
    }

    fn synthesize(&self, request: SynthesisRequest) -> AudioStream {
        if request.voice != self.voice_id {
            let err = ProviderError::bad_request(format!(
                "voice {:?} is not offered by {PROVIDER_ID}",
                request.voice
            ));
            return Box::pin(futures::stream::once(async move { Err(err) }));
        }
        let c = &self.config;
        let query = [
            ("text", request.text.as_str()),
            ("speaker_id", c.speaker_id.as_deref().unwrap_or("")),
            ("style_wav", ""),
            ("language_id", c.language_id.as_deref().unwrap_or("")),
        ];
        let request = self.client.get(self.endpoint.clone()).query(&query);
        let fetch = Fetch {
            timeout: c.timeout,
            declared_rate: Arc::clone(&self.sample_rate),
        };
        Box::pin(futures::stream::unfold(State::Start(request, fetch), step))
    }
}

/// What every step of a request needs.
struct Fetch {
    timeout: Duration,
    declared_rate: Arc<AtomicU32>,
}

enum State {
    Start(reqwest::RequestBuilder, Fetch),
    Body {
        body: BoxStream<'static, reqwest::Result<Bytes>>,
        wav: WavStream,
        fetch: Fetch,
    },
    Done,
}

type Step = Option<(Result<AudioChunk, ProviderError>, State)>;

fn fail(err: ProviderError) -> Step {
    Some((Err(err), State::Done))
}

async fn step(state: State) -> Step {
    let (mut body, mut wav, fetch) = match state {
        State::Done => return None,
        State::Body { body, wav, fetch } => (body, wav, fetch),
        State::Start(request, fetch) => {
            let response = match tokio::time::timeout(fetch.timeout, request.send()).await {
                Err(_) => return fail(timed_out(fetch.timeout)),
                Ok(Err(e)) => return fail(request_error(&e)),
                Ok(Ok(r)) => r,
            };
            let status = response.status();
            if !status.is_success() {
                let message = format!("{PROVIDER_ID}: the server answered {status}");
                return fail(if status.is_server_error() || status.as_u16() == 429 {
                    ProviderError::unavailable(message)
                } else {
                    ProviderError::internal(format!("{message}; check COQUI_URL"))
                });
            }
            (response.bytes_stream().boxed(), WavStream::new(), fetch)
        }
    };
    loop {
        let piece = match tokio::time::timeout(fetch.timeout, body.next()).await {
            Err(_) => return fail(timed_out(fetch.timeout)),
            Ok(piece) => piece,
        };
        let bytes = match piece {
            None => {
                return match wav.finish() {
                    Ok(()) => None,
                    Err(wav_stream::WavError::Truncated) => fail(ProviderError::unavailable(
                        format!("{PROVIDER_ID}: the connection closed before the end of the audio"),
                    )),
                    Err(e) => fail(ProviderError::internal(format!("{PROVIDER_ID}: {e}"))),
                };
            }
            Some(Err(e)) => return fail(request_error(&e)),
            Some(Ok(bytes)) => bytes,
        };
        let samples = match wav.push(&bytes) {
            Ok(s) => s,
            Err(e) => return fail(ProviderError::internal(format!("{PROVIDER_ID}: {e}"))),
        };
        let Some(format) = wav.format() else { continue };
        fetch.declared_rate.store(format.sample_rate, Relaxed);
        if samples.is_empty() {
            continue;
        }
        let chunk = AudioChunk::new(samples, format.sample_rate);
        return Some((Ok(chunk), State::Body { body, wav, fetch }));
    }
}

fn timed_out(timeout: Duration) -> ProviderError {
    ProviderError::timeout(format!(
        "{PROVIDER_ID}: no answer within {} ms",
        timeout.as_millis()
    ))
}

fn request_error(e: &reqwest::Error) -> ProviderError {
    if e.is_timeout() {
        ProviderError::timeout(format!("{PROVIDER_ID}: the request timed out"))
    } else if e.is_connect() {
        // The innermost cause says what to fix: refused, unknown host, or a certificate
        // that is not trusted (see COQUI_CA_FILE).
        let mut cause: &dyn std::error::Error = e;
        while let Some(inner) = cause.source() {
            cause = inner;
        }
        ProviderError::unavailable(format!(
            "{PROVIDER_ID}: cannot connect to the server: {cause}"
        ))
    } else {
        ProviderError::unavailable(format!("{PROVIDER_ID}: the request failed: {e}"))
    }
}
