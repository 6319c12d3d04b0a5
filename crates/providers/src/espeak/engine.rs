//! The one thread that owns libespeak-ng, shared by the espeak provider (speech) and
//! Piper (phonemization), since the library keeps global state and is not thread-safe.
//!
//! Work arrives on a bounded command queue. Phonemization requests are tiny (< 1 ms) and
//! are served as soon as they are read. Speech jobs advance one sentence at a time,
//! round-robin, so a long text does not hold the engine: a phonemization or another
//! client's first sentence waits for at most one sentence. Audio leaves the synthesis
//! callback as it is produced, into a bounded channel per job; a job whose channel is
//! more than half full waits (the engine serves others) until its reader catches up, and
//! a reader that went away makes the callback abort the synthesis.

use super::ffi::{Espeak, EspeakError, Event, Param, SynthEnd, VoiceInfo};
use super::timeline::{SentenceWord, Timeline, HOLD_MS};
use futures::Stream;
use parking_lot::Mutex;
use std::collections::VecDeque;
use std::path::{Path, PathBuf};
use std::pin::Pin;
use std::sync::atomic::{AtomicU64, Ordering::Relaxed};
use std::sync::{mpsc, Arc};
use std::task::{Context, Poll};
use std::time::{Duration, Instant};
use tokio::sync::mpsc::error::TrySendError;
use tts_core::{AudioChunk, AudioStream, ProviderError};

/// Milliseconds of audio per synthesis callback (and so per chunk).
const BUFFER_MS: u32 = 100;
/// Chunks a job may have in flight to its reader (25.6 s of audio).
const CHANNEL_CHUNKS: usize = 256;
/// A waiting job resumes once this many chunks are free again.
const RESUME_FREE_CHUNKS: usize = CHANNEL_CHUNKS / 2;
/// Commands waiting for the engine; more is "busy" (Unavailable).
const COMMAND_QUEUE: usize = 256;
/// How often waiting jobs are re-checked when nothing else arrives.
const READER_POLL: Duration = Duration::from_millis(10);
/// A reader that neither reads nor goes away for this long fails its stream (Timeout),
/// so it cannot hold the engine that every other client shares.
const STALL_LIMIT: Duration = Duration::from_secs(5);

/// Counters of the engine's work, for metrics and tests.
#[derive(Debug, Default)]
pub struct EngineStats {
    sentences_synthesized: AtomicU64,
    syntheses_aborted: AtomicU64,
    jobs_cancelled: AtomicU64,
    samples_delivered: AtomicU64,
    phonemize_calls: AtomicU64,
    jobs_running: AtomicU64,
}

/// A copy of [`EngineStats`] at one moment.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct EngineStatsSnapshot {
    /// Sentences spoken to their end.
    pub sentences_synthesized: u64,
    /// Syntheses stopped by the callback because the reader went away (or stalled).
    pub syntheses_aborted: u64,
    /// Jobs dropped before their next sentence because the reader went away.
    pub jobs_cancelled: u64,
    /// Samples handed to readers.
    pub samples_delivered: u64,
    /// Phonemization requests served (Piper).
    pub phonemize_calls: u64,
    /// Speech jobs accepted and not yet finished or dropped.
    pub jobs_running: u64,
}

impl EngineStats {
    pub fn snapshot(&self) -> EngineStatsSnapshot {
        EngineStatsSnapshot {
            sentences_synthesized: self.sentences_synthesized.load(Relaxed),
            syntheses_aborted: self.syntheses_aborted.load(Relaxed),
            jobs_cancelled: self.jobs_cancelled.load(Relaxed),
            samples_delivered: self.samples_delivered.load(Relaxed),
            phonemize_calls: self.phonemize_calls.load(Relaxed),
            jobs_running: self.jobs_running.load(Relaxed),
        }
    }
}

/// What to speak: sentences in order, with an espeak voice identifier and parameters.
pub struct SpeakRequest {
    pub voice: String,
    /// Each sentence's text and its words, which get marks.
    pub sentences: Vec<(String, Vec<SentenceWord>)>,
    /// Words per minute (80–450).
    pub rate: i32,
    /// Base pitch (0–100).
    pub pitch: i32,
    /// Whether `[[…]]` in the sentences is phoneme input (see [`crate::ipa::espeak`]).
    pub phoneme_input: bool,
}

type PhonemeReply = mpsc::SyncSender<Result<Vec<Vec<String>>, String>>;

enum Command {
    Phonemize {
        voice: String,
        texts: Vec<String>,
        reply: PhonemeReply,
    },
    Speak(Box<Job>),
}

/// Handle to the engine thread. Cheap to share.
pub struct Engine {
    commands: mpsc::SyncSender<Command>,
    sample_rate: u32,
    voices: Vec<VoiceInfo>,
    stats: Arc<EngineStats>,
    data_path: Option<PathBuf>,
    /// The library's version and data directory ([`Espeak::version`]).
    version: String,
}

static GLOBAL: Mutex<Option<Arc<Engine>>> = Mutex::new(None);

impl Engine {
    /// The process's engine, started on first use. Later callers get the same engine
    /// whatever `data_path` they pass (the library can be initialised once).
    pub fn global(data_path: Option<&Path>) -> Result<Arc<Engine>, EspeakError> {
        let mut global = GLOBAL.lock();
        if let Some(engine) = global.as_ref() {
            if engine.data_path.as_deref() != data_path {
                tracing::warn!(
                    requested = ?data_path,
                    running = ?engine.data_path,
                    "espeak is already running with another data path; keeping it"
                );
            }
            return Ok(Arc::clone(engine));
        }
        let engine = Arc::new(Self::start(data_path)?);
        *global = Some(Arc::clone(&engine));
        Ok(engine)
    }

    fn start(data_path: Option<&Path>) -> Result<Engine, EspeakError> {
        let (commands, receiver) = mpsc::sync_channel(COMMAND_QUEUE);
        let (ready_tx, ready_rx) = mpsc::sync_channel(1);
        let stats = Arc::new(EngineStats::default());
        let thread_stats = Arc::clone(&stats);
        let path = data_path.map(Path::to_path_buf);
        let thread_path = path.clone();
        std::thread::Builder::new()
            .name("espeak-engine".into())
            .spawn(move || {
                let mut espeak = match Espeak::initialize(thread_path.as_deref(), BUFFER_MS) {
                    Ok(e) => e,
                    Err(e) => {
                        let _ = ready_tx.send(Err(e));
                        return;
                    }
                };
                let voices = espeak.list_voices();
                let _ = ready_tx.send(Ok((espeak.sample_rate(), voices, espeak.version())));
                run(espeak, receiver, &thread_stats);
            })
            .map_err(|e| EspeakError::Load(format!("cannot start the engine thread: {e}")))?;
        let (sample_rate, voices, version) = ready_rx
            .recv()
            .map_err(|_| EspeakError::Load("the engine thread died while starting".into()))??;
        Ok(Engine {
            commands,
            sample_rate,
            voices,
            stats,
            data_path: path,
            version,
        })
    }

    /// The library's version and data directory: part of every fingerprint of audio
    /// that espeak speaks or phonemizes.
    pub fn version(&self) -> &str {
        &self.version
    }

    pub fn sample_rate(&self) -> u32 {
        self.sample_rate
    }

    /// espeak's voices, as listed when the engine started.
    pub fn voices(&self) -> &[VoiceInfo] {
        &self.voices
    }

    pub fn stats(&self) -> &Arc<EngineStats> {
        &self.stats
    }

    /// IPA phonemes of each text with espeak voice `voice` (e.g. `en-us`): for each text,
    /// the clauses espeak found in it. Blocks until the engine answers: call it from a
    /// worker thread, never from the async runtime.
    pub fn phonemize(&self, voice: &str, texts: Vec<String>) -> Result<Vec<Vec<String>>, String> {
        let (reply, answer) = mpsc::sync_channel(1);
        self.commands
            .send(Command::Phonemize {
                voice: voice.to_string(),
                texts,
                reply,
            })
            .map_err(|_| "the espeak engine has stopped".to_string())?;
        answer
            .recv()
            .map_err(|_| "the espeak engine has stopped".to_string())?
    }

    /// Starts speaking; the audio arrives on the returned stream as espeak produces it.
    /// Dropping the stream aborts the synthesis at the next callback.
    pub fn speak(&self, request: SpeakRequest) -> AudioStream {
        let (tx, rx) = tokio::sync::mpsc::channel(CHANNEL_CHUNKS);
        let failure = Arc::new(Mutex::new(None));
        let job = Job {
            request_voice: request.voice,
            sentences: request.sentences.into(),
            rate: request.rate,
            pitch: request.pitch,
            phoneme_input: request.phoneme_input,
            timeline: Timeline::new(crate::pcm::samples_for_ms(HOLD_MS, self.sample_rate)),
            tx,
            failure: Arc::clone(&failure),
            sample_rate: self.sample_rate,
            stats: Arc::clone(&self.stats),
        };
        self.stats.jobs_running.fetch_add(1, Relaxed);
        if let Err(e) = self.commands.try_send(Command::Speak(Box::new(job))) {
            let message = match e {
                mpsc::TrySendError::Full(_) => "espeak is busy; try again shortly",
                mpsc::TrySendError::Disconnected(_) => "the espeak engine has stopped",
            };
            let err = ProviderError::unavailable(message);
            return Box::pin(futures::stream::once(async move { Err(err) }));
        }
        Box::pin(SpeechStream { rx, failure })
    }
}

/// One speech request inside the engine.
struct Job {
    request_voice: String,
    sentences: VecDeque<(String, Vec<SentenceWord>)>,
    rate: i32,
    pitch: i32,
    phoneme_input: bool,
    timeline: Timeline,
    tx: tokio::sync::mpsc::Sender<AudioChunk>,
    failure: Arc<Mutex<Option<ProviderError>>>,
    sample_rate: u32,
    stats: Arc<EngineStats>,
}

impl Job {
    fn ready(&self) -> bool {
        self.tx.is_closed() || self.tx.capacity() >= RESUME_FREE_CHUNKS
    }

    fn fail(&self, err: ProviderError) {
        *self.failure.lock() = Some(err);
    }

    /// Speaks the next sentence. Returns true if and only if the job has more to say.
    fn speak_next(&mut self, espeak: &mut Espeak, voice: &mut Option<String>) -> bool {
        let Some((sentence, words)) = self.sentences.pop_front() else {
            return false;
        };
        if let Err(e) = select_voice(espeak, voice, &self.request_voice)
            .and_then(|()| espeak.set_parameter(Param::Rate, self.rate))
            .and_then(|()| espeak.set_parameter(Param::Pitch, self.pitch))
        {
            self.fail(ProviderError::internal(format!("espeak: {e}")));
            return false;
        }
        let end_pause = !self.sentences.is_empty();
        let (tx, failure, rate, stats) = (&self.tx, &self.failure, self.sample_rate, &*self.stats);
        let timeline = &mut self.timeline;
        timeline.start_sentence(&sentence, words);
        let mut sink = |samples: &[i16], events: &[Event]| match timeline.push(samples, events) {
            Some(chunk) => deliver(tx, failure, rate, chunk, stats),
            None => !tx.is_closed(),
        };
        match espeak.synthesize(&sentence, end_pause, self.phoneme_input, &mut sink) {
            Ok(SynthEnd::Finished) => {
                stats.sentences_synthesized.fetch_add(1, Relaxed);
                let delivered = match self.timeline.end_sentence() {
                    Some(chunk) => deliver(tx, failure, rate, chunk, stats),
                    None => true,
                };
                delivered && !self.sentences.is_empty()
            }
            Ok(SynthEnd::Aborted) => {
                stats.syntheses_aborted.fetch_add(1, Relaxed);
                false
            }
            Err(e) => {
                self.fail(ProviderError::internal(format!("espeak: {e}")));
                false
            }
        }
    }
}

impl Drop for Job {
    fn drop(&mut self) {
        // The only place a job ends, however it ends. One that ends with sentences left
        // and no reason given (the engine thread unwinding) must not look complete.
        self.stats.jobs_running.fetch_sub(1, Relaxed);
        if !self.sentences.is_empty() && !self.tx.is_closed() {
            let mut failure = self.failure.lock();
            if failure.is_none() {
                *failure = Some(ProviderError::internal("espeak: synthesis stopped early"));
            }
        }
    }
}

/// Hands one callback buffer to the reader. Returns false to abort the synthesis.
fn deliver(
    tx: &tokio::sync::mpsc::Sender<AudioChunk>,
    failure: &Mutex<Option<ProviderError>>,
    rate: u32,
    (samples, words): (Vec<i16>, Vec<tts_core::WordMark>),
    stats: &EngineStats,
) -> bool {
    let count = samples.len() as u64;
    let mut chunk = AudioChunk::new(samples, rate).with_words(words);
    let mut stalled_since: Option<Instant> = None;
    loop {
        match tx.try_send(chunk) {
            Ok(()) => {
                stats.samples_delivered.fetch_add(count, Relaxed);
                return true;
            }
            Err(TrySendError::Closed(_)) => return false,
            Err(TrySendError::Full(back)) => {
                // Rare: one sentence longer than the free half of the channel. Wait for
                // the reader in short naps (the library cannot pause), within a limit.
                let since = *stalled_since.get_or_insert_with(Instant::now);
                if since.elapsed() > STALL_LIMIT {
                    *failure.lock() = Some(ProviderError::timeout(
                        "espeak: the reader stopped reading the audio",
                    ));
                    return false;
                }
                std::thread::sleep(Duration::from_millis(2));
                chunk = back;
            }
        }
    }
}

fn select_voice(
    espeak: &mut Espeak,
    current: &mut Option<String>,
    wanted: &str,
) -> Result<(), EspeakError> {
    if current.as_deref() != Some(wanted) {
        *current = None;
        espeak.set_voice(wanted)?;
        *current = Some(wanted.to_string());
    }
    Ok(())
}

/// The engine thread's loop; returns when every [`Engine`] handle is gone.
fn run(mut espeak: Espeak, commands: mpsc::Receiver<Command>, stats: &EngineStats) {
    let mut jobs: VecDeque<Job> = VecDeque::new();
    let mut voice: Option<String> = None;
    loop {
        let first = if jobs.is_empty() {
            match commands.recv() {
                Ok(c) => Some(c),
                Err(_) => return,
            }
        } else if !jobs.iter().any(Job::ready) {
            match commands.recv_timeout(READER_POLL) {
                Ok(c) => Some(c),
                Err(mpsc::RecvTimeoutError::Timeout) => None,
                Err(mpsc::RecvTimeoutError::Disconnected) => return,
            }
        } else {
            None
        };
        for command in first
            .into_iter()
            .chain(std::iter::from_fn(|| commands.try_recv().ok()))
        {
            match command {
                Command::Phonemize {
                    voice: v,
                    texts,
                    reply,
                } => {
                    stats.phonemize_calls.fetch_add(1, Relaxed);
                    let result = select_voice(&mut espeak, &mut voice, &v)
                        .and_then(|()| texts.iter().map(|t| espeak.text_to_phonemes(t)).collect())
                        .map_err(|e| format!("espeak phonemization with voice {v:?}: {e}"));
                    let _ = reply.send(result);
                }
                Command::Speak(job) => jobs.push_back(*job),
            }
        }
        // One sentence of the first job that can take audio, round-robin.
        for _ in 0..jobs.len() {
            let Some(mut job) = jobs.pop_front() else {
                break;
            };
            if job.tx.is_closed() {
                stats.jobs_cancelled.fetch_add(1, Relaxed);
                continue;
            }
            if !job.ready() {
                jobs.push_back(job);
                continue;
            }
            if job.speak_next(&mut espeak, &mut voice) {
                jobs.push_back(job);
            }
            break;
        }
    }
}

/// The reader's side of a job: chunks, then the job's failure (if any) as a last item.
struct SpeechStream {
    rx: tokio::sync::mpsc::Receiver<AudioChunk>,
    failure: Arc<Mutex<Option<ProviderError>>>,
}

impl Stream for SpeechStream {
    type Item = Result<AudioChunk, ProviderError>;

    fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        match self.rx.poll_recv(cx) {
            Poll::Ready(Some(chunk)) => Poll::Ready(Some(Ok(chunk))),
            Poll::Ready(None) => Poll::Ready(self.failure.lock().take().map(Err)),
            Poll::Pending => Poll::Pending,
        }
    }
}
