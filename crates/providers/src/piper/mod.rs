//! `piper`: Piper neural voices (VITS models exported to ONNX), run with ONNX Runtime.
//!
//! Pipeline: text → units (sentences; long sentences cut between clauses, see
//! [`crate::text::units`]) → espeak IPA phonemes (the shared espeak engine) → phoneme ids
//! → the encoder, then the flow and decoder chunk by chunk ([`unit`]), on the [`pool`] →
//! PCM16 with faded unit edges and a short pause between units, and word timings from
//! the encoder's durations ([`words`]).
//!
//! The key decision: the stream takes the next step (one chunk of audio) only when its
//! reader asks for more, so the first audio costs one window of the encoder and one small
//! chunk, whatever the length of the text or the sentence, and a reader that goes away
//! stops synthesis before the next chunk (its in-flight run is also terminated). The
//! voice's graph is cut into encoder, flow and decoder at load ([`graph_cut`]), and the
//! decoder's 1-D convolutions are written as 2-D ones, which ONNX Runtime runs faster
//! ([`conv2d`]).

mod conv2d;
pub mod graph_cut;
pub mod model;
pub mod phonemize;
mod pool;
pub mod stats;
pub mod unit;
mod wire;
pub mod words;

use crate::config::{parse_bool, parse_number, ConfigError, Getter};
use crate::espeak::engine::Engine;
use crate::ipa::{canonical, Marked};
use crate::pcm;
use crate::text::Sentence;
use model::VoiceModel;
use ort::session::RunOptions;
use pool::{Job, Pool, Work};
use stats::{PiperStats, PiperStatsSnapshot};
use std::collections::VecDeque;
use std::path::PathBuf;
use std::sync::atomic::Ordering::Relaxed;
use std::sync::Arc;
use tts_core::{
    AudioChunk, AudioStream, Provider, ProviderError, StepBudget, SynthesisRequest, Voice,
};
use unit::UnitSynthesis;
use words::SpokenWord;

pub const PROVIDER_ID: &str = "piper";

/// A sentence up to this many characters is one unit, spoken with one prosody; a longer
/// one is cut between clauses. Streaming within a unit makes the first audio fast
/// whatever the unit's length, so units no longer need to be short; the bound only keeps
/// one unit's latent (3 KB per frame of 11.6 ms) small.
pub const UNIT_CHARS: usize = 1000;
/// Silence after a unit that ends a sentence, and after one that ends a clause.
const SENTENCE_PAUSE_MS: u32 = 200;
const CLAUSE_PAUSE_MS: u32 = 100;
/// Fade at both edges of every unit.
const FADE_MS: u32 = 4;
/// Speed factors beyond this range are clamped.
const SPEED_RANGE: (f32, f32) = (0.25, 4.0);

/// `PIPER_*` and `ORT_DYLIB_PATH` settings.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PiperConfig {
    /// `PIPER_ENABLED` (default on).
    pub enabled: bool,
    /// `PIPER_VOICES_DIR` (default `.local/voices`): every `*.onnx` + `*.onnx.json` pair.
    pub voices_dir: PathBuf,
    /// `ORT_DYLIB_PATH` (default `.local/lib/libonnxruntime.so`).
    pub ort_dylib_path: PathBuf,
    /// `PIPER_INTRA_OP_THREADS` (default 1): threads one inference uses.
    pub intra_op_threads: usize,
    /// `PIPER_MAX_CONCURRENT` (default: the number of cores): inferences running at once,
    /// i.e. worker threads, each with its own session of every voice.
    pub max_concurrent: usize,
}

impl Default for PiperConfig {
    fn default() -> Self {
        Self {
            enabled: true,
            voices_dir: PathBuf::from(".local/voices"),
            ort_dylib_path: PathBuf::from(".local/lib/libonnxruntime.so"),
            intra_op_threads: 1,
            max_concurrent: std::thread::available_parallelism().map_or(1, usize::from),
        }
    }
}

impl PiperConfig {
    pub fn from_env(get: Getter<'_>) -> Result<Self, ConfigError> {
        let d = Self::default();
        let path = |var: &str, default: PathBuf| {
            crate::config::parse_string(get, var).map_or(default, PathBuf::from)
        };
        Ok(Self {
            enabled: parse_bool(get, "PIPER_ENABLED", d.enabled)?,
            voices_dir: path("PIPER_VOICES_DIR", d.voices_dir),
            ort_dylib_path: path("ORT_DYLIB_PATH", d.ort_dylib_path),
            intra_op_threads: parse_number(
                get,
                "PIPER_INTRA_OP_THREADS",
                d.intra_op_threads,
                1,
                64,
            )?,
            max_concurrent: parse_number(get, "PIPER_MAX_CONCURRENT", d.max_concurrent, 1, 64)?,
        })
    }
}

/// One listed voice: a model, and a speaker for multi-speaker models.
struct PiperVoice {
    voice: Voice,
    model: usize,
    speaker: Option<i64>,
}

/// The Piper provider.
pub struct Piper {
    voices: Vec<PiperVoice>,
    models: Arc<[VoiceModel]>,
    pool: Arc<Pool>,
    stats: Arc<PiperStats>,
    /// The phonemizer's version ([`Engine::version`]): part of every fingerprint.
    espeak_version: String,
    /// Inference threads in the pool.
    workers: usize,
}

impl Piper {
    /// Loads ONNX Runtime and every voice of `config.voices_dir`, and warms each session
    /// up. Blocks for about half a second per model; fails if the library or voices are
    /// missing.
    pub fn start(config: &PiperConfig, espeak: Arc<Engine>) -> Result<Self, String> {
        let models: Arc<[VoiceModel]> = model::discover(&absolute(&config.voices_dir))?.into();
        let env = model::environment(&absolute(&config.ort_dylib_path))?;
        let stats = Arc::new(PiperStats::default());
        let espeak_version = espeak.version().to_string();
        let pool = Pool::start(
            &env,
            Arc::clone(&models),
            espeak,
            Arc::clone(&stats),
            config.max_concurrent,
            config.intra_op_threads,
        )?;
        Ok(Self {
            voices: list_voices(&models, &pool.cut),
            models,
            pool: Arc::new(pool),
            stats,
            espeak_version,
            workers: config.max_concurrent,
        })
    }

    /// Counters of the inference pool.
    pub fn stats(&self) -> PiperStatsSnapshot {
        self.stats.snapshot()
    }

    /// Units completed so far: stops growing once readers go away.
    pub fn inference_count(&self) -> u64 {
        self.stats.snapshot().units_synthesized
    }
}

fn absolute(p: &std::path::Path) -> PathBuf {
    std::path::absolute(p).unwrap_or_else(|_| p.to_path_buf())
}

/// The voices of `models`; `cut[i]` says whether model `i` marks words.
fn list_voices(models: &[VoiceModel], cut: &[bool]) -> Vec<PiperVoice> {
    let mut out = Vec::new();
    for (i, m) in models.iter().enumerate() {
        let marks = cut.get(i).copied().unwrap_or(false);
        let base = |id: String, name: String| {
            let mut v = Voice::new(id, name, &m.language, PROVIDER_ID, m.sample_rate)
                .with_extra("model", m.name.clone())
                .with_extra("espeak_voice", m.espeak_voice.clone())
                .with_extra("word_timestamps", marks.to_string());
            if let Some(q) = &m.quality {
                v = v.with_extra("quality", q.clone());
            }
            v
        };
        if m.speakers.is_empty() {
            out.push(PiperVoice {
                voice: base(m.name.clone(), format!("Piper {}", m.name)),
                model: i,
                speaker: None,
            });
        }
        for (speaker, id) in &m.speakers {
            out.push(PiperVoice {
                voice: base(
                    format!("{}#{speaker}", m.name),
                    format!("Piper {} ({speaker})", m.name),
                )
                .with_extra("speaker", speaker.clone()),
                model: i,
                speaker: Some(*id),
            });
        }
    }
    out
}

impl Provider for Piper {
    fn id(&self) -> &str {
        PROVIDER_ID
    }

    fn voices(&self) -> Vec<Voice> {
        self.voices.iter().map(|v| v.voice.clone()).collect()
    }

    /// The model's hash (computed once at load), whether its graph runs cut (streamed
    /// audio differs from the whole graph's by a little), and the phonemizer's version.
    /// VITS draws noise, so two syntheses differ slightly, but either is the voice's
    /// reading of the text: reusing one is what the phrase cache is for.
    fn fingerprint(&self, voice: &str) -> Option<String> {
        let v = self.voices.iter().find(|v| v.voice.id == voice)?;
        let cut = self.pool.cut.get(v.model).copied().unwrap_or(false);
        Some(format!(
            "piper {} cut={cut} espeak-ng {}",
            self.models[v.model].fingerprint, self.espeak_version
        ))
    }

    /// Piper voices take IPA: every symbol must be in the voice's `phoneme_id_map`.
    fn check_phonemes(&self, voice: &str, ipa: &str) -> Result<(), ProviderError> {
        let v = self.voice(voice)?;
        let model = &self.models[v.model];
        match model.phoneme_ids.unknown_symbol(&canonical(ipa)) {
            Some(c) => Err(crate::ipa::unknown_symbol(c, ipa, voice, PROVIDER_ID)),
            None => Ok(()),
        }
    }

    /// Piper reads sentence by sentence and puts a pause between them.
    fn sentence_pause_ms(&self) -> Option<u32> {
        Some(SENTENCE_PAUSE_MS)
    }

    fn synthesize(&self, request: SynthesisRequest) -> AudioStream {
        match self.start_stream(&request) {
            Ok(stream) => stream,
            Err(err) => Box::pin(futures::stream::once(async move { Err(err) })),
        }
    }

    /// One inference job per chunk pulled, run by `PIPER_MAX_CONCURRENT` threads.
    fn concurrency(&self) -> Option<usize> {
        Some(self.workers)
    }
}

impl Piper {
    fn voice(&self, id: &str) -> Result<&PiperVoice, ProviderError> {
        self.voices
            .iter()
            .find(|v| v.voice.id == id)
            .ok_or_else(|| {
                ProviderError::bad_request(format!("voice {id:?} is not offered by {PROVIDER_ID}"))
            })
    }

    fn start_stream(&self, request: &SynthesisRequest) -> Result<AudioStream, ProviderError> {
        let voice = self.voice(&request.voice)?;
        let model = &self.models[voice.model];
        let marked = Marked::new(&request.text, &request.phonemes)?;
        let ipa: Arc<[String]> = request.phonemes.iter().map(|p| canonical(&p.ipa)).collect();
        let units: VecDeque<Sentence> =
            crate::text::units(&marked.text, UNIT_CHARS, UNIT_CHARS).into();
        if units.is_empty() {
            return Err(ProviderError::bad_request("the text has nothing to speak"));
        }
        let speed = request
            .speed
            .filter(|s| s.is_finite() && *s > 0.0)
            .unwrap_or(1.0)
            .clamp(SPEED_RANGE.0, SPEED_RANGE.1);
        let options = Arc::new(
            RunOptions::new().map_err(|e| ProviderError::internal(format!("piper: {e}")))?,
        );
        let state = StreamState {
            pool: Arc::clone(&self.pool),
            units,
            model: voice.model,
            speaker: voice.speaker,
            length_scale: model.length_scale / speed,
            sample_rate: model.sample_rate,
            text: request.text.clone(),
            marked,
            ipa,
            cursor: 0,
            current: None,
            sent: 0,
            unit_start: 0,
            pause_ms: 0,
            _terminate: TerminateOnDrop(Arc::clone(&options)),
            options,
            budget: request.budget.clone(),
            starting: Starting::new(&self.stats),
        };
        Ok(Box::pin(futures::stream::unfold(Some(state), next_chunk)))
    }
}

/// A stream between two units.
struct StreamState {
    pool: Arc<Pool>,
    units: VecDeque<Sentence>,
    model: usize,
    speaker: Option<i64>,
    length_scale: f32,
    sample_rate: u32,
    /// The request's text, the same with phoneme spans marked (what units are cut
    /// from), how far (in `marked`) its words have been handed to units, and the
    /// canonical IPA of each span.
    text: String,
    marked: Marked,
    cursor: usize,
    ipa: Arc<[String]>,
    /// The unit being synthesised, between two of its steps.
    current: Option<Box<UnitSynthesis>>,
    /// Samples sent so far, and where the current unit began.
    sent: u64,
    unit_start: u64,
    /// Silence after the current unit.
    pause_ms: u32,
    options: Arc<RunOptions>,
    _terminate: TerminateOnDrop,
    /// How long the next step may take (set by the gateway before each pull).
    budget: StepBudget,
    /// Counted among the streams starting until its first audio.
    starting: Starting,
}

/// A stream counted in [`PiperStats`]' `streams_starting` until it has its first audio
/// or is dropped: the streams about to take their first turns, which a first chunk must
/// last through.
struct Starting(Option<Arc<PiperStats>>);

impl Starting {
    fn new(stats: &Arc<PiperStats>) -> Self {
        stats.streams_starting.fetch_add(1, Relaxed);
        Self(Some(Arc::clone(stats)))
    }

    fn started(&mut self) {
        if let Some(stats) = self.0.take() {
            stats.streams_starting.fetch_sub(1, Relaxed);
        }
    }
}

impl Drop for Starting {
    fn drop(&mut self) {
        self.started();
    }
}

/// Stops the stream's in-flight inference when the stream is dropped.
struct TerminateOnDrop(Arc<RunOptions>);

impl Drop for TerminateOnDrop {
    fn drop(&mut self) {
        let _ = self.0.terminate();
    }
}

type Step = Option<(Result<AudioChunk, ProviderError>, Option<StreamState>)>;

/// Takes the next step of the current unit, or starts the next unit that has something
/// to say.
async fn next_chunk(state: Option<StreamState>) -> Step {
    let mut st = state?;
    loop {
        let first = st.current.is_none();
        let work = match st.current.take() {
            Some(unit) => Work::Continue(unit),
            None => {
                let unit = st.units.pop_front()?;
                st.pause_ms = match (
                    st.units.is_empty(),
                    unit.clauses.last().and_then(|c| c.punct),
                ) {
                    (true, _) => 0,
                    (false, Some(p)) if !p.ends_sentence() => CLAUSE_PAUSE_MS,
                    (false, _) => SENTENCE_PAUSE_MS,
                };
                st.unit_start = st.sent;
                let words = unit
                    .clauses
                    .iter()
                    .map(|c| spoken_words(&c.text, &st.marked, &st.text, &st.ipa, &mut st.cursor))
                    .collect();
                Work::Start {
                    unit,
                    words,
                    ipa: Arc::clone(&st.ipa),
                    sent: st.sent,
                }
            }
        };
        let (reply, answer) = tokio::sync::oneshot::channel();
        let job = Job {
            model: st.model,
            speaker: st.speaker,
            work,
            length_scale: st.length_scale,
            options: Arc::clone(&st.options),
            budget: st.budget.get(),
            waiting: st.budget.waiting(),
            lead: st.budget.lead(),
            reply,
        };
        if let Err(e) = st.pool.submit(job) {
            return Some((Err(e), None));
        }
        let step = match answer.await {
            Ok(Ok(step)) => step,
            Ok(Err(e)) => return Some((Err(e), None)),
            Err(_) => {
                return Some((
                    Err(ProviderError::internal("piper: a worker stopped")),
                    None,
                ))
            }
        };
        st.current = step.rest;
        let piece = step.piece;
        if piece.samples.is_empty() {
            continue;
        }
        st.starting.started();
        let mut samples = pcm::f32_to_i16(&piece.samples);
        let fade = pcm::samples_for_ms(FADE_MS, st.sample_rate);
        if first {
            pcm::fade_in(&mut samples, fade);
        }
        if piece.last {
            pcm::fade_out(&mut samples, fade);
            samples.resize(
                samples.len() + pcm::samples_for_ms(st.pause_ms, st.sample_rate),
                0,
            );
        }
        let words = piece
            .words
            .into_iter()
            .map(|mut w| {
                w.start += st.unit_start;
                w.end += st.unit_start;
                w
            })
            .collect();
        st.sent += samples.len() as u64;
        let chunk = AudioChunk::new(samples, st.sample_rate).with_words(words);
        return Some((Ok(chunk), Some(st)));
    }
}

/// The request's words in `piece`, found in the marked text from `cursor` on; a phoneme
/// span's stand-in is its written words, said as its IPA.
fn spoken_words(
    piece: &str,
    marked: &Marked,
    text: &str,
    ipa: &[String],
    cursor: &mut usize,
) -> Vec<SpokenWord> {
    crate::text::words_in(piece, &marked.text, cursor)
        .into_iter()
        .map(|w| {
            let span_ipa = marked.text[w.original.clone()]
                .chars()
                .find_map(crate::ipa::span_of)
                .and_then(|k| ipa.get(k).cloned());
            let range = marked.original(w.original);
            SpokenWord {
                word: text.get(range.clone()).unwrap_or_default().to_string(),
                text: range,
                ipa: span_ipa,
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::{BTreeMap, HashMap};

    fn model(name: &str, speakers: &[(&str, i64)]) -> VoiceModel {
        let ids: HashMap<String, Vec<i64>> = [("_", 0), ("^", 1), ("$", 2)]
            .into_iter()
            .map(|(k, v)| (k.to_string(), vec![v]))
            .collect();
        VoiceModel {
            name: name.into(),
            onnx_path: PathBuf::from(format!("{name}.onnx")),
            sample_rate: 22_050,
            espeak_voice: "en-us".into(),
            language: "en-US".into(),
            quality: Some("medium".into()),
            noise_scale: 0.667,
            length_scale: 1.0,
            noise_w: 0.8,
            phoneme_ids: phonemize::PhonemeIds::new(&ids, &HashMap::new()).unwrap(),
            speakers: speakers
                .iter()
                .map(|(s, i)| (s.to_string(), *i))
                .collect::<BTreeMap<_, _>>(),
            fingerprint: format!("hash of {name}"),
        }
    }

    #[test]
    fn a_multi_speaker_model_lists_one_voice_per_speaker() {
        let models = [
            model("en_US-joe-medium", &[]),
            model("en_US-libritts-high", &[("p1", 0), ("p2", 7)]),
        ];
        let voices = list_voices(&models, &[true, false]);
        let ids: Vec<_> = voices.iter().map(|v| v.voice.id.as_str()).collect();
        assert_eq!(
            ids,
            [
                "en_US-joe-medium",
                "en_US-libritts-high#p1",
                "en_US-libritts-high#p2"
            ]
        );
        assert_eq!(voices[2].speaker, Some(7));
        assert_eq!(voices[2].model, 1);
        assert_eq!(voices[0].voice.language, "en-US");
        assert_eq!(voices[0].voice.extra["quality"], "medium");
        assert_eq!(voices[0].voice.extra["word_timestamps"], "true");
        assert_eq!(voices[2].voice.extra["word_timestamps"], "false");
    }
}
