//! The producing half of a stream: engine → resampler/encoder → numbered JSON frames in a
//! bounded buffer. It runs while holding a worker, independently of how fast the client
//! reads, until the buffer stays full for `SLOW_CLIENT_TIMEOUT_MS`.

use super::failure::StreamFailure;
use super::source::Source;
use crate::admission::Admission;
use crate::sessions::{RetainedAudio, Session};
use crate::state::AppState;
use base64::engine::general_purpose::STANDARD;
use base64::Engine;
use std::fmt::Write as _;
use std::sync::Arc;
use std::time::Instant;
use tokio::sync::{mpsc, OwnedSemaphorePermit};
use tokio_util::sync::CancellationToken;
use tts_audio::Transcoder;
use tts_core::SynthesisRequest;

/// One audio frame, serialised, with the size of the audio it carries (for metrics).
pub struct Frame {
    pub json: String,
    pub audio_bytes: usize,
}

/// Audio is fed to the encoder in pieces of at most this long, so frames stay small
/// and leave early even when an engine hands over a whole sentence at once.
const PIECE_MS: u32 = 100;

pub fn synthesis_request(session: &Session) -> SynthesisRequest {
    let r = &session.request;
    SynthesisRequest {
        text: r.text.clone(),
        voice: r.voice.clone(),
        language: r.language.clone(),
        speed: r.speed,
        pitch: r.pitch,
    }
}

/// Synthesises `session`, sending frames into `tx`; on success stores the audio for
/// `/file` *before* returning, so a client that fetches the file right after `eos` finds it.
pub async fn produce(
    state: Arc<AppState>,
    session: Session,
    tx: mpsc::Sender<Frame>,
    cancel: CancellationToken,
    worker: OwnedSemaphorePermit,
) -> Result<(), StreamFailure> {
    let r = &session.request;
    let options = state.settings.encoder_options(r.format(), r.bitrate_kbps);
    let started = Instant::now();
    let mut source = tokio::select! {
        _ = cancel.cancelled() => return Err(StreamFailure::ClientGone),
        s = Source::open(&state, synthesis_request(&session), &r.provider) => s?,
    };
    let mut sender = FrameSender {
        tx,
        seq: 0,
        cancel: &cancel,
        slow_after: state.settings.slow_client_timeout,
        worker: Some(worker),
        admission: &state.admission,
    };
    // The encoder is made for the rate the engine really produces, known from its first
    // chunk: a remote engine (Coqui) may differ from the rate its voice declared.
    let mut transcoder: Option<Transcoder> = None;
    let mut rate = r.native_rate_hz;
    let mut retained: Vec<i16> = Vec::new();
    let mut bytes = Vec::with_capacity(8192);
    loop {
        let chunk = tokio::select! {
            _ = cancel.cancelled() => return Err(StreamFailure::ClientGone),
            c = source.next() => c?,
        };
        let Some(chunk) = chunk else { break };
        let t = match transcoder.as_mut() {
            Some(t) if chunk.sample_rate == rate => t,
            Some(_) => {
                return Err(StreamFailure::Provider {
                    provider: r.provider.clone(),
                    error: tts_core::ProviderError::internal(format!(
                        "engine changed its sample rate mid-stream ({rate} Hz, then {} Hz)",
                        chunk.sample_rate
                    )),
                })
            }
            None => {
                rate = chunk.sample_rate;
                transcoder.insert(Transcoder::new(
                    &state.codecs,
                    r.format(),
                    rate,
                    r.sample_rate_hz,
                    options,
                )?)
            }
        };
        retained.extend_from_slice(&chunk.samples);
        let piece = (rate * PIECE_MS / 1000).max(1) as usize;
        for part in chunk.samples.chunks(piece) {
            bytes.clear();
            t.push_samples(part, &mut bytes)?;
            sender.send(&bytes).await?;
        }
    }
    let mut transcoder = match transcoder {
        Some(t) => t,
        None => Transcoder::new(&state.codecs, r.format(), rate, r.sample_rate_hz, options)?,
    };
    bytes.clear();
    transcoder.finish(&mut bytes)?;
    sender.send(&bytes).await?;
    let audio_secs = retained.len() as f64 / f64::from(rate.max(1));
    if audio_secs > 0.0 {
        state
            .metrics
            .synthesis_rtf
            .get_or_create(&crate::metrics::ProviderLabels {
                provider: r.provider.clone(),
            })
            .observe(started.elapsed().as_secs_f64() / audio_secs);
    }
    // Kept for the TTL and counted by length against the audio budget: drop the spare
    // capacity that growing by doubling left (up to half as much again).
    retained.shrink_to_fit();
    let audio = RetainedAudio {
        sample_rate: rate,
        samples: retained,
    };
    // The client has every frame by now: a store that cannot record the completion
    // costs the `/file` copy, not the stream, so it is logged rather than reported.
    if let Err(e) = state.store.complete(session.id, Arc::new(audio)).await {
        tracing::warn!(session = %session.id, error = %e, "could not record the completed session");
    }
    Ok(())
}

/// Synthesises a whole session without streaming it (for `/file` on a session that was
/// never streamed), with the same timeouts, retries and breaker as a stream.
pub async fn synthesize_all(
    state: &Arc<AppState>,
    session: &Session,
) -> Result<RetainedAudio, StreamFailure> {
    let r = &session.request;
    let mut source = Source::open(state, synthesis_request(session), &r.provider).await?;
    let mut audio = RetainedAudio {
        sample_rate: r.native_rate_hz,
        samples: Vec::new(),
    };
    while let Some(chunk) = source.next().await? {
        if audio.samples.is_empty() {
            audio.sample_rate = chunk.sample_rate;
        } else if chunk.sample_rate != audio.sample_rate {
            return Err(StreamFailure::Provider {
                provider: r.provider.clone(),
                error: tts_core::ProviderError::internal(
                    "engine changed its sample rate mid-stream",
                ),
            });
        }
        audio.samples.extend_from_slice(&chunk.samples);
    }
    Ok(audio)
}

struct FrameSender<'a> {
    tx: mpsc::Sender<Frame>,
    seq: u64,
    cancel: &'a CancellationToken,
    slow_after: std::time::Duration,
    /// The stream's worker; given back while the buffer is full (see `wait_for_reader`).
    worker: Option<OwnedSemaphorePermit>,
    admission: &'a Admission,
}

impl FrameSender<'_> {
    async fn send(&mut self, audio: &[u8]) -> Result<(), StreamFailure> {
        if audio.is_empty() {
            return Ok(());
        }
        self.seq += 1;
        let frame = Frame {
            json: audio_frame(self.seq, audio),
            audio_bytes: audio.len(),
        };
        match self.tx.try_send(frame) {
            Ok(()) => {}
            Err(mpsc::error::TrySendError::Closed(_)) => return Err(StreamFailure::ClientGone),
            Err(mpsc::error::TrySendError::Full(frame)) => self.wait_for_reader(frame).await?,
        }
        if self.seq == 1 {
            // Let the writer send the first frame now. An engine that hands over a lot of
            // audio at once (mock_tone, a long sentence) would otherwise have all of it
            // encoded before the first frame leaves. Only once: a yield per frame doubles
            // the CPU cost of a pcm16 stream.
            tokio::task::yield_now().await;
        }
        Ok(())
    }

    /// The reader is a whole buffer behind. Waits for it without a worker, so that slow
    /// readers hold no synthesis capacity (eight clients that stop reading would
    /// otherwise stall every stream for the slow-client timeout), then takes a worker
    /// again before synthesising more.
    async fn wait_for_reader(&mut self, frame: Frame) -> Result<(), StreamFailure> {
        self.worker = None;
        tokio::select! {
            _ = self.cancel.cancelled() => return Err(StreamFailure::ClientGone),
            sent = self.tx.send_timeout(frame, self.slow_after) => match sent {
                Ok(()) => {}
                Err(mpsc::error::SendTimeoutError::Timeout(_)) => return Err(StreamFailure::SlowClient(self.slow_after.as_millis())),
                Err(mpsc::error::SendTimeoutError::Closed(_)) => return Err(StreamFailure::ClientGone),
            },
        }
        self.worker = tokio::select! {
            _ = self.cancel.cancelled() => return Err(StreamFailure::ClientGone),
            worker = self.admission.resume() => Some(worker),
        };
        Ok(())
    }
}

/// `{"type":"audio","seq":N,"data":"<base64>"}`, written directly: this runs for every
/// frame of every stream, and a generic serialiser would add a copy and an allocation.
pub fn audio_frame(seq: u64, data: &[u8]) -> String {
    let mut s = String::with_capacity(48 + data.len().div_ceil(3) * 4);
    s.push_str(r#"{"type":"audio","seq":"#);
    let _ = write!(s, "{seq}");
    s.push_str(r#","data":""#);
    STANDARD.encode_string(data, &mut s);
    s.push_str(r#""}"#);
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn frames_are_the_contract_json() {
        let f = audio_frame(7, &[1, 2, 3]);
        let v: serde_json::Value = serde_json::from_str(&f).unwrap();
        assert_eq!(v["type"], "audio");
        assert_eq!(v["seq"], 7);
        assert_eq!(v["data"], "AQID");
    }
}
