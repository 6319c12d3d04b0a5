//! The one synthesis loop every door shares: text (whole, or segments as they arrive) →
//! engine (with the timeouts, retries and breaker of [`Source`]) → resampler/encoder →
//! frames of the door's wire format in a bounded buffer that the door drains.
//!
//! The key decisions:
//! - The door supplies a [`Framer`], run here on the producing side, so each frame is
//!   serialised once, straight from the encoder's bytes.
//! - A worker (admission permit) is held only while synthesising. It is taken before a
//!   segment, given back while the reader is a whole buffer behind, and given back
//!   between the segments of incremental text, so a context waiting for an LLM's next
//!   tokens holds no synthesis capacity. The first segment goes through the bounded queue
//!   (a full queue refuses); later ones wait their turn outside the bound.
//! - One transcoder lives as long as the stream, so the concatenated audio of all
//!   segments is one valid stream of its format.

use super::failure::StreamFailure;
use super::request::SpeechRequest;
use super::segmenter::Segment;
use super::speak::{cache_plan, CacheMark, Stream};
use super::speakable::{self, Spoken, Utterance};
use crate::metrics::{ApiLabels, ProviderLabels};
use crate::sessions::RetainedAudio;
use crate::state::AppState;
use serde::{Deserialize, Serialize};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};
use tokio::sync::{mpsc, OwnedSemaphorePermit};
use tokio_util::sync::CancellationToken;
use tts_audio::Transcoder;
use tts_core::WordMark;

/// Audio is fed to the encoder in pieces of at most this long, so frames stay small
/// and leave early even when an engine hands over a whole sentence at once.
const PIECE_MS: u32 = 100;

/// The fixed set of doors, for the `api` metric label.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Api {
    Session,
    File,
    OpenAi,
    Realtime,
    Deepgram,
    ElevenLabs,
    Cartesia,
    Wyoming,
}

impl Api {
    pub const ALL: [Api; 8] = [
        Api::Session,
        Api::File,
        Api::OpenAi,
        Api::Realtime,
        Api::Deepgram,
        Api::ElevenLabs,
        Api::Cartesia,
        Api::Wyoming,
    ];

    pub fn name(self) -> &'static str {
        match self {
            Api::Session => "session",
            Api::File => "file",
            Api::OpenAi => "openai",
            Api::Realtime => "realtime",
            Api::Deepgram => "deepgram",
            Api::ElevenLabs => "elevenlabs",
            Api::Cartesia => "cartesia",
            Api::Wyoming => "wyoming",
        }
    }
}

/// The text of one stream.
pub enum Text {
    /// Known in full: one segment (engines split it into sentences themselves).
    Whole(String),
    /// Released by a context's segmenter as text arrives. The stream ends when the
    /// [`SegmentSender`] is dropped.
    Incremental(SegmentReceiver),
}

/// A context's segments on their way to its job.
pub fn segment_queue() -> (SegmentSender, SegmentReceiver) {
    let (tx, rx) = mpsc::unbounded_channel();
    let pending = Arc::new(AtomicUsize::new(0));
    (
        SegmentSender {
            tx,
            pending: Arc::clone(&pending),
        },
        SegmentReceiver { rx, pending },
    )
}

/// The door's end. Unbounded in count; the door bounds it by [`SegmentSender::pending`].
pub struct SegmentSender {
    tx: mpsc::UnboundedSender<Segment>,
    pending: Arc<AtomicUsize>,
}

impl SegmentSender {
    /// Queues `segment`; false if the job has ended.
    pub fn send(&self, segment: Segment) -> bool {
        let len = segment.text.len();
        self.pending.fetch_add(len, Ordering::AcqRel);
        let sent = self.tx.send(segment).is_ok();
        if !sent {
            self.pending.fetch_sub(len, Ordering::AcqRel);
        }
        sent
    }

    /// Bytes of text queued and not yet taken up by the job.
    pub fn pending(&self) -> usize {
        self.pending.load(Ordering::Acquire)
    }
}

/// The job's end.
pub struct SegmentReceiver {
    rx: mpsc::UnboundedReceiver<Segment>,
    pending: Arc<AtomicUsize>,
}

impl SegmentReceiver {
    async fn recv(&mut self) -> Option<Segment> {
        let segment = self.rx.recv().await?;
        self.pending.fetch_sub(segment.text.len(), Ordering::AcqRel);
        Some(segment)
    }
}

impl Text {
    async fn next(&mut self) -> Option<Segment> {
        match self {
            Text::Whole(text) if text.is_empty() => None,
            Text::Whole(text) => Some(Segment {
                text: std::mem::take(text),
                offset: 0,
                flush: false,
            }),
            Text::Incremental(rx) => rx.recv().await,
        }
    }

    fn incremental(&self) -> bool {
        matches!(self, Text::Incremental(_))
    }
}

/// When one word is heard, on the output stream's timeline (after speed, resampling and
/// the pauses between segments), with its place in the text the stream received.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct WordTiming {
    pub word: String,
    pub start_ms: f64,
    pub end_ms: f64,
    /// Byte range of the word in the whole text of the stream.
    pub text_start: usize,
    pub text_end: usize,
}

/// A door's wire format for what the pipeline produces. Runs on the producing side.
pub trait Framer: Send + 'static {
    type Frame: Send + 'static;
    /// A piece of encoded audio; `seq` counts the stream's audio frames from 1, gapless.
    fn audio(&mut self, seq: u64, data: &[u8]) -> Self::Frame;
    /// Word timings (only called when the request asked for them and the engine has
    /// them); `None` where the door's protocol has no place for them.
    fn words(&mut self, _words: &[WordTiming]) -> Option<Self::Frame> {
        None
    }
    /// Every byte of audio of a flushed segment has been framed before this.
    fn flushed(&mut self) -> Option<Self::Frame> {
        None
    }
    /// Whether the audio of the sentence that follows came from the phrase cache (only
    /// called when the request asked, with `cache_info`); `None` where the door's
    /// protocol has no place for it.
    fn cache(&mut self, _mark: &CacheMark) -> Option<Self::Frame> {
        None
    }
}

/// A frame and the audio bytes it carries (for metrics).
pub struct Framed<T> {
    pub frame: T,
    pub audio_bytes: usize,
}

/// One stream to produce.
pub struct Job<F: Framer> {
    pub request: Arc<SpeechRequest>,
    pub text: Text,
    pub framer: F,
    pub api: Api,
    /// `false` for `/file`, which wants only the PCM.
    pub encode: bool,
    /// Keep the stream's PCM (for `/file`).
    pub retain: bool,
    /// The key's stream slot (`crate::guard::rate_limit`), given back when the job ends,
    /// however it ends.
    pub hold: crate::auth::Slot,
}

/// What a finished stream produced.
#[derive(Debug, Default)]
pub struct Produced {
    /// The PCM at the engine's rate, when the job asked to retain it.
    pub audio: Option<RetainedAudio>,
    /// Samples produced, at `rate`.
    pub samples: u64,
    pub rate: u32,
}

/// A running job: its frames, and its outcome.
pub type Spawned<T> = (
    mpsc::Receiver<Framed<T>>,
    tokio::task::JoinHandle<Result<Produced, StreamFailure>>,
);

/// Spawns `job` on the gateway's stream tracker; its frames arrive on the returned
/// receiver (bounded by `buffer`), its outcome from the handle. The outcome is also
/// counted under the job's door (`tts_api_streams_total`).
pub fn spawn<F: Framer>(
    state: &Arc<AppState>,
    job: Job<F>,
    cancel: CancellationToken,
    buffer: usize,
) -> Spawned<F::Frame> {
    let (tx, rx) = mpsc::channel(buffer.max(1));
    let (api, st) = (job.api, Arc::clone(state));
    let handle = state.streams.spawn(async move {
        let outcome = run(Arc::clone(&st), job, tx, cancel).await;
        super::record_outcome(&st, api, &outcome);
        outcome
    });
    (rx, handle)
}

/// Runs `job` to its end, sending frames into `tx`. Ends with `ClientGone` when `tx`'s
/// receiver is dropped or `cancel` fires, `LeftQueue` if that happened before the first
/// worker was had.
pub async fn run<F: Framer>(
    state: Arc<AppState>,
    mut job: Job<F>,
    tx: mpsc::Sender<Framed<F::Frame>>,
    cancel: CancellationToken,
) -> Result<Produced, StreamFailure> {
    let r = Arc::clone(&job.request);
    let started = Instant::now();
    let mut out = Out {
        tx,
        seq: 0,
        cancel: &cancel,
        slow_after: state.settings.slow_client_timeout,
        worker: Worker {
            state: &state,
            permit: None,
            admitted: false,
        },
        framer: &mut job.framer,
    };
    // The encoder is made for the rate the engine really produces, known from its first
    // chunk: a remote engine (Coqui) may differ from the rate its voice declared.
    let mut tape = Tape {
        transcoder: None,
        rate: r.native_rate_hz,
        retained: Vec::new(),
        words: Vec::new(),
        samples: 0,
        first_at: None,
        bytes: Vec::with_capacity(8192),
        encode: job.encode,
        retain: job.retain,
    };
    let incremental = job.text.incremental();
    loop {
        let segment = tokio::select! {
            _ = cancel.cancelled() => return Err(out.gone()),
            s = job.text.next() => s,
        };
        let Some(segment) = segment else { break };
        let pieces = if segment.text.is_empty() {
            Vec::new()
        } else {
            speakable::prepare(&state, &r, &segment.text)?
        };
        for spoken in speakable::utterances(pieces) {
            match spoken {
                Spoken::Say(Utterance {
                    text,
                    phonemes,
                    rate: factor,
                }) => {
                    let mut synthesis = r.synthesis_at(text.clone(), factor);
                    synthesis.phonemes = phonemes;
                    // Where this piece's words were in what the client sent: worked out when
                    // the client asked for timings or cache marks, or when the stream is
                    // kept (for `/file?alignment=json`).
                    let mut written = (r.word_timestamps || r.cache.marks || tape.retain)
                        .then(|| WrittenWords::new(&segment, &text));
                    let mut stream = Stream {
                        state: &state,
                        r: &r,
                        cancel: &cancel,
                        tape: &mut tape,
                        out: &mut out,
                        written: written.as_mut(),
                        started,
                    };
                    match cache_plan(&state, &r, &synthesis)? {
                        Some(sentences) => {
                            for sentence in sentences {
                                stream.speak_cached(sentence).await?;
                            }
                        }
                        None => stream.speak(synthesis).await?,
                    }
                    if let Some(last) = written.as_mut().and_then(WrittenWords::finish) {
                        tape.words(&r, &[last], &mut out).await?;
                    }
                }
                Spoken::Pause { ms } => {
                    let silence =
                        vec![0i16; (u64::from(tape.rate) * u64::from(ms) / 1000) as usize];
                    tape.push(&state, &r, &silence, &mut out).await?;
                }
            }
        }
        if segment.flush {
            out.flushed().await?;
        }
        if incremental {
            // Waiting for more text costs no worker.
            out.worker.release();
        }
    }
    let Tape {
        transcoder,
        rate,
        mut retained,
        samples,
        mut bytes,
        words,
        ..
    } = tape;
    if job.encode {
        let mut transcoder = match transcoder {
            Some(t) => t,
            None => new_transcoder(&state, &r, rate)?,
        };
        bytes.clear();
        transcoder.finish(&mut bytes)?;
        out.audio(&bytes).await?;
    }
    let audio_secs = samples as f64 / f64::from(rate.max(1));
    if audio_secs > 0.0 && !incremental {
        state
            .metrics
            .synthesis_rtf
            .get_or_create(&ProviderLabels {
                provider: r.provider.clone(),
            })
            .observe(started.elapsed().as_secs_f64() / audio_secs);
    }
    let audio = job.retain.then(|| {
        // Kept for the TTL and counted by length against the audio budget: drop the
        // spare capacity that growing by doubling left (up to half as much again).
        retained.shrink_to_fit();
        RetainedAudio {
            sample_rate: rate,
            samples: retained,
            words,
        }
    });
    Ok(Produced {
        audio,
        samples,
        rate,
    })
}

/// A new stream's first audio is due this long after it starts. A stream already playing
/// whose audio runs out sooner takes its turn first: when a group of streams starts
/// together, the first of them to play would otherwise run dry waiting behind the others'
/// first chunks. A stream further ahead than this still waits behind a new one.
pub(super) const FIRST_AUDIO_DUE: Duration = Duration::from_millis(250);

/// The stream's audio so far: its encoder (made at the first audio), its rate, and the
/// PCM kept for `/file`.
pub(super) struct Tape {
    transcoder: Option<Transcoder>,
    pub(super) rate: u32,
    retained: Vec<i16>,
    /// The word timings kept with `retained`.
    words: Vec<WordTiming>,
    pub(super) samples: u64,
    /// When the first samples went out: a listener's playback starts there.
    first_at: Option<Instant>,
    bytes: Vec<u8>,
    encode: bool,
    pub(super) retain: bool,
}

/// When a stream needs its next chunk ([`Tape::due`]), and whether its listener has
/// begun to play (before that, the deadline is [`FIRST_AUDIO_DUE`] after the start, and
/// the listener has nothing in hand).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Due {
    pub at: Instant,
    pub playing: bool,
}

impl Due {
    /// The audio the listener has yet to hear at `now`.
    pub fn lead(&self, now: Instant) -> Duration {
        if self.playing {
            self.at.saturating_duration_since(now)
        } else {
            Duration::ZERO
        }
    }
}

impl Tape {
    /// The deadline of the stream's next chunk, which orders the engine's turns
    /// ([`crate::scheduler`]): when the audio produced so far runs out for a listener who
    /// started playing at the first audio; before any audio, [`FIRST_AUDIO_DUE`] after
    /// the stream started.
    ///
    /// Counting from the stream's start instead of its first audio made a stream whose
    /// first audio came late (behind other streams' first chunks) look more urgent by
    /// that delay than it was, and the streams that had started on time fell behind real
    /// time waiting for it: at 8 paragraphs on one core, 16 of 32 streams fell behind
    /// (worst 1.6 s), against 5 of 32 (worst 0.27 s) counted from the first audio
    /// (docs/BENCHMARKS.md, issue 12).
    pub(super) fn due(&self, started: Instant) -> Due {
        match self.first_at {
            Some(first) => Due {
                at: first + self.played(),
                playing: true,
            },
            None => Due {
                at: started + FIRST_AUDIO_DUE,
                playing: false,
            },
        }
    }

    fn played(&self) -> Duration {
        Duration::from_secs_f64(self.samples as f64 / f64::from(self.rate.max(1)))
    }

    /// Counts `n` samples onto the tape; the first ones start the listener's clock.
    fn count(&mut self, n: usize) {
        self.samples += n as u64;
        if self.first_at.is_none() && n > 0 {
            self.first_at = Some(Instant::now());
        }
    }

    /// Word timings: kept with the PCM, and framed if the client asked for them.
    pub(super) async fn words<F: Framer>(
        &mut self,
        r: &SpeechRequest,
        words: &[WordTiming],
        out: &mut Out<'_, F>,
    ) -> Result<(), StreamFailure> {
        if words.is_empty() {
            return Ok(());
        }
        if self.retain {
            self.words.extend_from_slice(words);
        }
        if r.word_timestamps {
            out.words(words).await?;
        }
        Ok(())
    }

    /// Appends engine samples (at `self.rate`) to the stream: kept, encoded, framed.
    pub(super) async fn push<F: Framer>(
        &mut self,
        state: &AppState,
        r: &SpeechRequest,
        samples: &[i16],
        out: &mut Out<'_, F>,
    ) -> Result<(), StreamFailure> {
        self.count(samples.len());
        if self.retain {
            self.retained.extend_from_slice(samples);
        }
        if !self.encode {
            return Ok(());
        }
        let t = match self.transcoder.as_mut() {
            Some(t) => t,
            None => self.transcoder.insert(new_transcoder(state, r, self.rate)?),
        };
        let piece = (self.rate * PIECE_MS / 1000).max(1) as usize;
        for part in samples.chunks(piece) {
            self.bytes.clear();
            t.push_samples(part, &mut self.bytes)?;
            out.audio(&self.bytes).await?;
        }
        Ok(())
    }
}

fn new_transcoder(
    state: &AppState,
    r: &SpeechRequest,
    rate: u32,
) -> Result<Transcoder, StreamFailure> {
    let options = state.settings.encoder_options(r.format, r.bitrate_kbps);
    Ok(Transcoder::new(
        &state.codecs,
        r.format,
        rate,
        r.sample_rate_hz,
        options,
    )?)
}

/// Where the words an engine speaks for one piece of text were in what the client sent.
pub(super) struct WrittenWords {
    /// Byte offset of the segment in the stream's text.
    offset: usize,
    /// Byte ranges of the spoken piece's words.
    spoken: Vec<std::ops::Range<usize>>,
    /// For each of them, its range in the segment as written.
    written: Vec<std::ops::Range<usize>>,
    segment: String,
    /// The last timing, held until a mark of another written token (or the end of the
    /// piece) shows it is complete.
    pending: Option<WordTiming>,
}

impl WrittenWords {
    fn new(segment: &Segment, spoken: &str) -> Self {
        let written = speakable::align(&segment.text, spoken);
        let ranges = speakable::words(spoken);
        Self {
            offset: segment.offset,
            spoken: ranges,
            written,
            segment: segment.text.clone(),
            pending: None,
        }
    }

    /// The timing held back, at the end of the piece.
    fn finish(&mut self) -> Option<WordTiming> {
        self.pending.take()
    }

    /// Where the words spoken in `spoken` (a byte range of the piece) were in the
    /// stream's text, as (start, end).
    pub(super) fn span(&self, spoken: std::ops::Range<usize>) -> (usize, usize) {
        let inside: Vec<&std::ops::Range<usize>> = self
            .spoken
            .iter()
            .zip(&self.written)
            .filter(|(s, _)| s.start < spoken.end && spoken.start < s.end)
            .map(|(_, w)| w)
            .collect();
        match (inside.first(), inside.last()) {
            (Some(first), Some(last)) => (self.offset + first.start, self.offset + last.end),
            _ => (self.offset, self.offset + self.segment.len()),
        }
    }

    /// The engine's marks (samples from `piece_start`, text offsets from byte `shift` of
    /// the piece: a sentence of it, when the cache split it) on the stream's timeline,
    /// each named by the words the client wrote; several spoken words for one written
    /// token ("$3.50") become one timing.
    pub(super) fn timings(
        &mut self,
        marks: &[WordMark],
        piece_start: u64,
        shift: usize,
        rate: u32,
    ) -> Vec<WordTiming> {
        let ms = |s: u64| (piece_start + s) as f64 * 1000.0 / f64::from(rate.max(1));
        let mut out: Vec<WordTiming> = Vec::with_capacity(marks.len());
        let mut last_k = 0;
        for m in marks {
            let k = self
                .spoken
                .iter()
                .position(|r| m.text_start + shift < r.end)
                .unwrap_or(self.spoken.len().saturating_sub(1));
            last_k = k;
            let range = self
                .written
                .get(k)
                .cloned()
                .unwrap_or(0..self.segment.len());
            let (text_start, text_end) = (self.offset + range.start, self.offset + range.end);
            if let Some(last) = self.pending.as_mut() {
                if last.text_start == text_start && last.text_end == text_end {
                    last.end_ms = ms(m.end);
                    continue;
                }
            }
            let next = WordTiming {
                word: self.segment.get(range).unwrap_or(&m.word).to_string(),
                start_ms: ms(m.start),
                end_ms: ms(m.end),
                text_start,
                text_end,
            };
            out.extend(self.pending.replace(next));
        }
        // The held timing is complete once no later spoken word belongs to its token:
        // send it with this chunk rather than after the piece's audio.
        let continues = self
            .written
            .get(last_k + 1)
            .is_some_and(|next| Some(next) == self.written.get(last_k));
        if !continues {
            out.extend(self.pending.take());
        }
        out
    }
}

/// The stream's worker: taken before synthesis, given back while idle.
pub(super) struct Worker<'a> {
    state: &'a AppState,
    permit: Option<OwnedSemaphorePermit>,
    /// Whether the stream went through the queue once already.
    admitted: bool,
}

impl Worker<'_> {
    pub(super) async fn acquire(
        &mut self,
        cancel: &CancellationToken,
    ) -> Result<(), StreamFailure> {
        if self.permit.is_some() {
            return Ok(());
        }
        let admission = &self.state.admission;
        if self.admitted {
            self.permit = tokio::select! {
                _ = cancel.cancelled() => return Err(StreamFailure::ClientGone),
                p = admission.resume() => Some(p),
            };
            return Ok(());
        }
        let admit = admission.admit().map_err(|_| {
            self.state.metrics.queue_full.inc();
            StreamFailure::QueueFull
        })?;
        let queued = Instant::now();
        self.permit = tokio::select! {
            _ = cancel.cancelled() => return Err(StreamFailure::LeftQueue),
            _ = self.state.shutdown_deadline.cancelled() => return Err(StreamFailure::ShuttingDown),
            p = admit.worker() => Some(p),
        };
        self.admitted = true;
        self.state
            .metrics
            .queue_wait
            .observe(queued.elapsed().as_secs_f64());
        Ok(())
    }

    fn release(&mut self) {
        self.permit = None;
    }
}

/// Frames into the door's buffer, minding a reader that falls behind.
pub(super) struct Out<'a, F: Framer> {
    tx: mpsc::Sender<Framed<F::Frame>>,
    seq: u64,
    cancel: &'a CancellationToken,
    slow_after: Duration,
    pub(super) worker: Worker<'a>,
    framer: &'a mut F,
}

impl<F: Framer> Out<'_, F> {
    /// The failure for a stream whose reader went away: `LeftQueue` while nothing was
    /// admitted or sent yet (audio from the cache needs no admission).
    pub(super) fn gone(&self) -> StreamFailure {
        if self.worker.admitted || self.seq > 0 {
            StreamFailure::ClientGone
        } else {
            StreamFailure::LeftQueue
        }
    }

    async fn audio(&mut self, audio: &[u8]) -> Result<(), StreamFailure> {
        if audio.is_empty() {
            return Ok(());
        }
        self.seq += 1;
        let frame = self.framer.audio(self.seq, audio);
        self.send(Framed {
            frame,
            audio_bytes: audio.len(),
        })
        .await?;
        if self.seq == 1 {
            // Let the writer send the first frame now. An engine that hands over a lot of
            // audio at once (mock_tone, a long sentence) would otherwise have all of it
            // encoded before the first frame leaves. Only once: a yield per frame doubles
            // the CPU cost of a pcm16 stream.
            tokio::task::yield_now().await;
        }
        Ok(())
    }

    pub(super) async fn words(&mut self, words: &[WordTiming]) -> Result<(), StreamFailure> {
        let frame = self.framer.words(words);
        self.control(frame).await
    }

    async fn flushed(&mut self) -> Result<(), StreamFailure> {
        let frame = self.framer.flushed();
        self.control(frame).await
    }

    pub(super) async fn cache_mark(&mut self, mark: &CacheMark) -> Result<(), StreamFailure> {
        let frame = self.framer.cache(mark);
        self.control(frame).await
    }

    /// Sends a frame that carries no audio, if the door has one for the event.
    async fn control(&mut self, frame: Option<F::Frame>) -> Result<(), StreamFailure> {
        match frame {
            Some(frame) => {
                self.send(Framed {
                    frame,
                    audio_bytes: 0,
                })
                .await
            }
            None => Ok(()),
        }
    }

    async fn send(&mut self, frame: Framed<F::Frame>) -> Result<(), StreamFailure> {
        match self.tx.try_send(frame) {
            Ok(()) => Ok(()),
            Err(mpsc::error::TrySendError::Closed(_)) => Err(StreamFailure::ClientGone),
            Err(mpsc::error::TrySendError::Full(frame)) => self.wait_for_reader(frame).await,
        }
    }

    /// The reader is a whole buffer behind. Waits for it without a worker, so that slow
    /// readers hold no synthesis capacity (eight clients that stop reading would
    /// otherwise stall every stream for the slow-client timeout), then takes a worker
    /// again before synthesising more.
    async fn wait_for_reader(&mut self, frame: Framed<F::Frame>) -> Result<(), StreamFailure> {
        let had_worker = self.worker.permit.is_some();
        self.worker.release();
        tokio::select! {
            _ = self.cancel.cancelled() => return Err(StreamFailure::ClientGone),
            sent = self.tx.send_timeout(frame, self.slow_after) => match sent {
                Ok(()) => {}
                Err(mpsc::error::SendTimeoutError::Timeout(_)) => return Err(StreamFailure::SlowClient(self.slow_after.as_millis())),
                Err(mpsc::error::SendTimeoutError::Closed(_)) => return Err(StreamFailure::ClientGone),
            },
        }
        if had_worker {
            self.worker.acquire(self.cancel).await?;
        }
        Ok(())
    }
}

/// Records the first audio a door handed to its client, and the stream's outcome, under
/// the door's `api` label.
pub fn first_audio(state: &AppState, api: Api, since: Instant) {
    state
        .metrics
        .api_first_audio
        .get_or_create(&ApiLabels { api: api.name() })
        .observe(since.elapsed().as_secs_f64());
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tape(rate: u32) -> Tape {
        Tape {
            transcoder: None,
            rate,
            retained: Vec::new(),
            words: Vec::new(),
            samples: 0,
            first_at: None,
            bytes: Vec::new(),
            encode: false,
            retain: false,
        }
    }

    #[test]
    fn a_streams_deadline_counts_from_its_first_audio_not_its_start() {
        let started = Instant::now() - Duration::from_secs(5);
        let mut t = tape(1000);
        assert_eq!(
            t.due(started).at,
            started + FIRST_AUDIO_DUE,
            "before any audio"
        );
        assert_eq!(
            t.due(started).lead(started),
            Duration::ZERO,
            "nothing in hand"
        );
        t.count(0);
        assert_eq!(
            t.due(started).at,
            started + FIRST_AUDIO_DUE,
            "nothing taped yet"
        );
        let before = Instant::now();
        t.count(1500);
        let after = Instant::now();
        let due = t.due(started).at;
        let playing = t.due(started);
        let second = Duration::from_secs(1);
        assert_eq!(
            playing.lead(playing.at - second),
            second,
            "what is left to hear"
        );
        assert_eq!(playing.lead(playing.at + second), Duration::ZERO, "ran dry");
        // The listener started at the first audio, 5 s after the stream: 1.5 s from then.
        assert!(due >= before + Duration::from_millis(1500), "{due:?}");
        assert!(due <= after + Duration::from_millis(1500), "{due:?}");
        t.count(500);
        assert!(t.due(started).at >= before + Duration::from_secs(2));
    }
}
