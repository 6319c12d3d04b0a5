//! The inference pool: `PIPER_MAX_CONCURRENT` worker threads, each owning one loaded
//! session per model (`ort` runs a session from one thread at a time), fed from one
//! bounded FIFO of jobs. A job is one step of one unit (a sentence or clause) of one
//! stream: the unit's state travels with the job, so any worker can take the next step.
//! A stream submits its next step only when its reader asks for more audio, so concurrent
//! streams take turns step by step and a reader that went away costs at most the step in
//! flight — which its `RunOptions` can also stop mid-run.

use super::model::{LoadedModel, VoiceModel};
use super::phonemize::UnitIds;
use super::stats::PiperStats;
use super::unit::{Limit, Piece, UnitSynthesis};
use super::words::{self, Said, SpokenWord};
use crate::espeak::engine::Engine;
use crate::ipa::{parts, Part};
use crate::text::Sentence;
use ort::environment::Environment;
use ort::session::RunOptions;
use parking_lot::Mutex;
use std::sync::atomic::Ordering::Relaxed;
use std::sync::{mpsc, Arc};
use std::time::{Duration, Instant};
use tokio::sync::oneshot;
use tts_core::ProviderError;

/// Jobs waiting for a worker; beyond this the pool answers Unavailable.
const QUEUE: usize = 256;
/// Phonemized and synthesised by every session at start, step by step as streams are, so
/// that the first request does not pay ONNX Runtime's lazy initialisation, and so that
/// ONNX Runtime's memory arena grows to its working size at load, not under load later.
/// Steps are bounded (the encoder reads at most a window of about 79 words, the decoder
/// at most a 256-frame chunk with its context, the flow a chunk ahead), and this sentence
/// of 79 words reaches those largest shapes. The arena keeps what it grew to, so with a
/// short warm-up a gateway's memory rose in one step the first time a long sentence came
/// (docs/RELIABILITY.md, "Memory with Piper").
const WARM_UP_TEXT: &str = "the old lighthouse keeper climbed the narrow stairs every \
    evening before the sun went down and lit the great lamp that guided the fishing boats \
    home across the dark and restless water while his daughter sat below in the small \
    stone kitchen mending nets and listening to the wind as it howled around the tower and \
    rattled the windows until the first grey light of morning crept over the distant hills \
    and the boats came back into the harbour.";

/// One step of a unit's synthesis.
pub struct Job {
    pub model: usize,
    pub speaker: Option<i64>,
    pub work: Work,
    pub length_scale: f32,
    pub options: Arc<RunOptions>,
    /// How long the step may take, if the gateway said, how many streams wait behind
    /// it, and how much audio the stream's listener has yet to hear.
    pub budget: Option<Duration>,
    pub waiting: usize,
    pub lead: Duration,
    pub reply: oneshot::Sender<Result<Step, ProviderError>>,
}

/// What a job does.
pub enum Work {
    /// A unit's first step; `words[c]` are the request's words in its clause `c`;
    /// `ipa[k]`: the canonical IPA of the request's phoneme span `k`; `sent`: samples
    /// the stream has sent before this unit.
    Start {
        unit: Sentence,
        words: Vec<Vec<SpokenWord>>,
        ipa: Arc<[String]>,
        sent: u64,
    },
    /// A later step.
    Continue(Box<UnitSynthesis>),
}

/// A step's result: a piece of audio (empty and last if the unit had no phoneme the
/// voice knows), and the unit's state unless that was its last piece.
pub struct Step {
    pub piece: Piece,
    pub rest: Option<Box<UnitSynthesis>>,
}

/// Handle to the workers; they stop when it is dropped.
pub struct Pool {
    jobs: mpsc::SyncSender<Job>,
    /// For each model, whether its graph was cut (it streams within a unit and marks
    /// words).
    pub cut: Vec<bool>,
}

/// What each worker needs, shared.
struct Shared {
    models: Arc<[VoiceModel]>,
    espeak: Arc<Engine>,
    stats: Arc<PiperStats>,
    queue: Mutex<mpsc::Receiver<Job>>,
    workers: usize,
}

impl Pool {
    /// Starts `workers` threads, each loading and warming up every model with
    /// `intra_op_threads` threads; returns when all are ready or one failed.
    pub fn start(
        env: &Environment,
        models: Arc<[VoiceModel]>,
        espeak: Arc<Engine>,
        stats: Arc<PiperStats>,
        workers: usize,
        intra_op_threads: usize,
    ) -> Result<Self, String> {
        let (jobs, queue) = mpsc::sync_channel(QUEUE);
        let shared = Arc::new(Shared {
            models,
            espeak,
            stats,
            queue: Mutex::new(queue),
            workers: workers.max(1),
        });
        let (ready_tx, ready_rx) = mpsc::channel();
        for i in 0..workers {
            let (shared, env, ready) = (Arc::clone(&shared), env.clone(), ready_tx.clone());
            std::thread::Builder::new()
                .name(format!("piper-infer-{i}"))
                .spawn(move || {
                    let sessions = load_and_warm_up(&env, &shared, intra_op_threads);
                    let ok = sessions
                        .as_ref()
                        .map(|s| {
                            s.iter()
                                .map(|m| matches!(m, LoadedModel::Split(_)))
                                .collect()
                        })
                        .map_err(Clone::clone);
                    let _ = ready.send(ok);
                    if let Ok(sessions) = sessions {
                        work(&shared, sessions);
                    }
                })
                .map_err(|e| format!("cannot start an inference thread: {e}"))?;
        }
        drop(ready_tx);
        let mut cut = Vec::new();
        for _ in 0..workers {
            cut = ready_rx
                .recv()
                .map_err(|_| "an inference thread died while loading".to_string())??;
        }
        Ok(Self { jobs, cut })
    }

    /// Queues a job; a full queue is Unavailable (retry later), not a wait.
    pub fn submit(&self, job: Job) -> Result<(), ProviderError> {
        self.jobs.try_send(job).map_err(|e| match e {
            mpsc::TrySendError::Full(_) => {
                ProviderError::unavailable("piper is busy; try again shortly")
            }
            mpsc::TrySendError::Disconnected(_) => ProviderError::unavailable("piper has stopped"),
        })
    }
}

fn load_and_warm_up(
    env: &Environment,
    shared: &Shared,
    intra: usize,
) -> Result<Vec<LoadedModel>, String> {
    let mut sessions = Vec::with_capacity(shared.models.len());
    for model in shared.models.iter() {
        let started = Instant::now();
        let mut loaded = LoadedModel::load(env, model, intra)?;
        let unit = crate::text::sentences(WARM_UP_TEXT).remove(0);
        let ids = phoneme_ids(shared, model, &unit, &[])?;
        let options = RunOptions::new().map_err(|e| e.to_string())?;
        let scales = scales(model, model.length_scale);
        let failed = |e: ort::Error| format!("{}: warm-up inference failed: {e}", model.name);
        match &mut loaded {
            LoadedModel::Split(parts) => {
                let starts = ids.words.iter().map(|w| w.ids.start).collect();
                let mut unit = UnitSynthesis::new(ids.ids, starts, Vec::new());
                let stats = PiperStats::default();
                while !unit
                    .next_piece(parts, scales, None, &options, &stats)
                    .map_err(failed)?
                    .last
                {}
            }
            whole @ LoadedModel::Whole(_) => {
                whole
                    .infer(&ids.ids, scales, None, &options)
                    .map_err(failed)?;
            }
        }
        tracing::debug!(provider = "piper", voice = %model.name, elapsed = ?started.elapsed(), "model loaded");
        sessions.push(loaded);
    }
    Ok(sessions)
}

/// The unit's ids: each clause phonemized by espeak, except the stand-ins of phoneme
/// spans, which are replaced by their IPA (`ipa[k]`, canonical) in the same sequence, so
/// the unit stays one utterance.
fn phoneme_ids(
    shared: &Shared,
    model: &VoiceModel,
    unit: &Sentence,
    ipa: &[String],
) -> Result<UnitIds, String> {
    let clauses: Vec<Vec<Part>> = unit.clauses.iter().map(|c| parts(&c.text)).collect();
    let texts = clauses
        .iter()
        .flatten()
        .filter_map(|p| match p {
            Part::Text(t) => Some(t.to_string()),
            Part::Span(_) => None,
        })
        .collect();
    let mut said = shared
        .espeak
        .phonemize(&model.espeak_voice, texts)?
        .into_iter();
    let espeak: Vec<Vec<String>> = clauses
        .iter()
        .map(|clause| {
            let mut pieces = Vec::new();
            for part in clause {
                match part {
                    Part::Text(_) => pieces.extend(said.next().unwrap_or_default()),
                    Part::Span(k) => pieces.extend(ipa.get(*k).cloned()),
                }
            }
            pieces
        })
        .collect();
    Ok(model.phoneme_ids.unit(unit, &espeak))
}

/// How espeak says each word of each clause alone (a phoneme span: its IPA); empty if
/// espeak fails (the words are then timed by their letters).
fn words_said_alone(
    shared: &Shared,
    model: &VoiceModel,
    clauses: &[Vec<SpokenWord>],
) -> Vec<Vec<Said>> {
    let texts = clauses
        .iter()
        .flatten()
        .filter(|w| w.ipa.is_none())
        .map(|w| w.word.clone())
        .collect();
    let Ok(said) = shared.espeak.phonemize(&model.espeak_voice, texts) else {
        return Vec::new();
    };
    let mut said = said.iter().map(|p| Said::from_espeak(p));
    clauses
        .iter()
        .map(|c| {
            c.iter()
                .map(|w| match &w.ipa {
                    Some(ipa) => Said::from_espeak(std::slice::from_ref(ipa)),
                    None => said.next().unwrap_or_default(),
                })
                .collect()
        })
        .collect()
}

fn scales(model: &VoiceModel, length_scale: f32) -> [f32; 3] {
    [model.noise_scale, length_scale, model.noise_w]
}

/// A worker's loop: returns when the pool is dropped.
fn work(shared: &Shared, mut sessions: Vec<LoadedModel>) {
    loop {
        let job = shared.queue.lock().recv();
        let Ok(job) = job else { return };
        // A panic inside ONNX Runtime's bindings fails this job (its reply is dropped,
        // which the stream reports), not the worker: the pool keeps its size.
        let ran = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
            run(shared, &mut sessions, job)
        }));
        if ran.is_err() {
            shared.stats.failures.fetch_add(1, Relaxed);
            tracing::error!(provider = "piper", "an inference job panicked");
        }
    }
}

fn run(shared: &Shared, sessions: &mut [LoadedModel], job: Job) {
    let stats = &shared.stats;
    if job.reply.is_closed() {
        stats.jobs_skipped.fetch_add(1, Relaxed);
        return;
    }
    let model = &shared.models[job.model];
    let scales = scales(model, job.length_scale);
    let state = match job.work {
        Work::Continue(state) => state,
        Work::Start {
            unit,
            words,
            ipa,
            sent,
        } => {
            let unit_ids = match phoneme_ids(shared, model, &unit, &ipa) {
                Ok(ids) => ids,
                Err(e) => {
                    stats.failures.fetch_add(1, Relaxed);
                    let _ = job
                        .reply
                        .send(Err(ProviderError::internal(format!("piper: {e}"))));
                    return;
                }
            };
            if unit_ids.ids.is_empty() {
                let piece = Piece {
                    samples: Vec::new(),
                    words: Vec::new(),
                    last: true,
                };
                let _ = job.reply.send(Ok(Step { piece, rest: None }));
                return;
            }
            let said = words_said_alone(shared, model, &words);
            let aligned = words::align(&words, &said, &unit_ids.words);
            let starts = unit_ids.words.iter().map(|w| w.ids.start).collect();
            Box::new(UnitSynthesis::new(unit_ids.ids, starts, aligned).after(sent))
        }
    };
    if job.reply.is_closed() {
        stats.jobs_skipped.fetch_add(1, Relaxed);
        return;
    }
    let mut state = state;
    if let LoadedModel::Split(parts) = &sessions[job.model] {
        state.within(Limit {
            frames: job
                .budget
                .and_then(|b| frames_within(stats, b, parts.hop))
                .unwrap_or(usize::MAX),
            waiting: job.waiting,
            workers: shared.workers,
            lead: (job.lead.as_secs_f64() * f64::from(model.sample_rate) / parts.hop.max(1) as f64)
                as usize,
        });
    }
    let running = Running::start(stats);
    let started = Instant::now();
    let result = match &mut sessions[job.model] {
        LoadedModel::Split(parts) => {
            state.next_piece(parts, scales, job.speaker, &job.options, stats)
        }
        whole @ LoadedModel::Whole(_) => whole
            .infer(state.ids(), scales, job.speaker, &job.options)
            .map(|samples| Piece {
                samples,
                words: Vec::new(),
                last: true,
            }),
    };
    drop(running);
    match result {
        Ok(piece) => {
            if piece.last {
                stats.units_synthesized.fetch_add(1, Relaxed);
            }
            stats
                .inference_nanos
                .fetch_add(started.elapsed().as_nanos() as u64, Relaxed);
            stats
                .audio_samples
                .fetch_add(piece.samples.len() as u64, Relaxed);
            let rest = (!piece.last).then_some(state);
            let _ = job.reply.send(Ok(Step { piece, rest }));
        }
        Err(_) if job.reply.is_closed() => {
            // The reader went away and terminated the run.
            stats.inferences_terminated.fetch_add(1, Relaxed);
        }
        Err(e) => {
            stats.failures.fetch_add(1, Relaxed);
            tracing::warn!(provider = "piper", voice = %model.name, error = %e, "inference failed");
            let _ = job
                .reply
                .send(Err(ProviderError::internal("piper: inference failed")));
        }
    }
}

/// The frames a step can make in `budget` at twice the cost per frame measured so far
/// (all steps' time over all their audio, encoder runs included): a unit's first step
/// also runs its encoder, steps vary, and the streams served before a waiter may take
/// their own budgets. `None` before any cost is known. With the cost taken once, 8
/// paragraphs starting together still waited up to 0.26 s (docs/BENCHMARKS.md).
fn frames_within(stats: &PiperStats, budget: Duration, hop: usize) -> Option<usize> {
    let (nanos, samples) = (
        stats.inference_nanos.load(Relaxed),
        stats.audio_samples.load(Relaxed),
    );
    if samples == 0 || nanos == 0 {
        return None;
    }
    let per_frame = 2.0 * nanos as f64 * hop as f64 / samples as f64;
    Some((budget.as_nanos() as f64 / per_frame) as usize)
}

/// Counts one running inference for as long as it lives, unwinding included.
struct Running<'a>(&'a PiperStats);

impl<'a> Running<'a> {
    fn start(stats: &'a PiperStats) -> Self {
        stats.inferences_running.fetch_add(1, Relaxed);
        Self(stats)
    }
}

impl Drop for Running<'_> {
    fn drop(&mut self) {
        self.0.inferences_running.fetch_sub(1, Relaxed);
    }
}
