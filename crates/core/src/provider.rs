//! The [`Provider`] trait: the one boundary every speech engine implements.

use crate::{AudioChunk, ProviderError, Voice};
use futures::stream::BoxStream;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::Duration;

/// A stream of PCM chunks. Dropping it MUST stop the engine's work promptly (before the
/// next sentence for sentence-level engines, immediately for remote calls): that is how a
/// client disconnect reaches the engine.
pub type AudioStream = BoxStream<'static, Result<AudioChunk, ProviderError>>;

/// What to synthesise. The gateway has already checked that `voice` is one of the
/// provider's voices and that `text` is non-empty and within limits.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct SynthesisRequest {
    pub text: String,
    /// A voice id from the provider's [`Provider::voices`].
    pub voice: String,
    /// Canonical BCP-47 tag the client asked for, if any.
    pub language: Option<String>,
    /// Speaking rate relative to the voice's default (1.0 = normal, 2.0 = twice as fast).
    pub speed: Option<f32>,
    /// Pitch relative to the voice's default (1.0 = normal).
    pub pitch: Option<f32>,
    /// Words of `text` to be said as given in IPA instead of as spelled (SSML
    /// `<phoneme>`, IPA lexicon entries). In text order, not overlapping, each on
    /// character boundaries of `text`. Empty unless the gateway checked each with
    /// [`Provider::check_phonemes`] first.
    pub phonemes: Vec<PhonemeSpan>,
    /// How long the engine's next step may take, set by the gateway before it pulls
    /// each chunk of an engine with a fixed pool ([`Provider::concurrency`]).
    pub budget: StepBudget,
}

/// How long an engine's next step may hold its pool, so that the streams waiting for the
/// pool still get their turns before their listeners run out of audio: set by the
/// gateway's scheduler (which knows who waits, and until when) before each chunk it
/// pulls, read by an engine that can size its steps (Piper's chunks of frames). Shared by
/// the clones of one request. No limit until set; not part of what is said (every budget
/// compares equal).
#[derive(Clone, Debug, Default)]
pub struct StepBudget(Arc<(AtomicU64, AtomicU64, AtomicU64)>);

impl StepBudget {
    /// `budget`: `None` for no limit (nobody waits, or only streams already late);
    /// `waiting`: how many streams wait for the pool behind this step; `lead`: the audio
    /// the stream's listener has yet to hear when the step starts (none before its first
    /// audio). A request that continues a stream (the next sentence through the phrase
    /// cache, a realtime context's next segment) starts with the stream's lead, not from
    /// silence.
    pub fn set(&self, budget: Option<Duration>, waiting: usize, lead: Duration) {
        let nanos = budget.map_or(0, |b| (b.as_nanos() as u64).max(1));
        self.0 .0.store(nanos, Ordering::Relaxed);
        self.0 .1.store(waiting as u64, Ordering::Relaxed);
        self.0 .2.store(
            lead.as_nanos().min(u128::from(u64::MAX)) as u64,
            Ordering::Relaxed,
        );
    }

    /// The listener's lead when the step starts (zero until set).
    pub fn lead(&self) -> Duration {
        Duration::from_nanos(self.0 .2.load(Ordering::Relaxed))
    }

    pub fn get(&self) -> Option<Duration> {
        match self.0 .0.load(Ordering::Relaxed) {
            0 => None,
            n => Some(Duration::from_nanos(n)),
        }
    }

    /// Streams waiting behind the step (0 until set).
    pub fn waiting(&self) -> usize {
        self.0 .1.load(Ordering::Relaxed) as usize
    }
}

impl PartialEq for StepBudget {
    fn eq(&self, _: &Self) -> bool {
        true
    }
}

/// Bytes `text` of [`SynthesisRequest::text`] (the written words, which word marks
/// report) are to be said as `ipa`. `text` may be empty: the phonemes are then said at
/// that point with no word of their own.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PhonemeSpan {
    pub text: std::ops::Range<usize>,
    pub ipa: String,
}

/// A speech engine.
///
/// Invariants every implementation keeps (checked by the providers' conformance suite):
/// chunks are mono PCM16 at the voice's `sample_rate_hz`; non-empty text yields non-silent
/// audio; errors are reported as stream items, never as panics.
pub trait Provider: Send + Sync + 'static {
    /// Stable identifier, e.g. `mock_tone`; used in URLs, metrics and voice metadata.
    fn id(&self) -> &str;

    /// The voices this provider offers now. Cheap: called on every `/v1/voices` request.
    fn voices(&self) -> Vec<Voice>;

    /// Checks that `voice` can say the IPA string `ipa` (before any synthesis starts).
    /// Engines that take no phoneme input keep this default, which refuses. The error is
    /// a bad request naming the symbol (or the engine) that cannot be said.
    fn check_phonemes(&self, voice: &str, ipa: &str) -> Result<(), ProviderError> {
        let _ = (voice, ipa);
        Err(ProviderError::bad_request(format!(
            "{} does not take phoneme input (SSML <phoneme> or an IPA lexicon entry); \
             use <sub alias=\"…\"> or a respelling in the lexicon",
            self.id()
        )))
    }

    /// Starts synthesis and returns the audio as it is produced. Failures to even start
    /// (engine down, unknown voice) come out as the stream's first item.
    fn synthesize(&self, request: SynthesisRequest) -> AudioStream;

    /// What, besides the request, decides the audio of `voice`: the model file's hash,
    /// the engine's version. Two calls with equal requests and equal fingerprints must
    /// sound the same, so the gateway's phrase cache may answer the second with the
    /// first's audio; a new model or engine version MUST change it, so old audio is never
    /// served for a new model.
    ///
    /// `None` (the default) means the audio may not be reused: the engine is remote,
    /// changes without the gateway knowing, or does not say.
    fn fingerprint(&self, _voice: &str) -> Option<String> {
        None
    }

    /// How many streams the engine makes progress on at once, if that is a fixed number
    /// (a pool of inference threads), where pulling a stream's next chunk is what sets
    /// the engine to work on it. The gateway then hands out that many turns, one per chunk
    /// pulled, ordered by which stream needs audio soonest. `None` (the default): the
    /// engine has no such limit, or its chunks are not produced on demand.
    fn concurrency(&self) -> Option<usize> {
        None
    }

    /// The silence, in milliseconds, this engine puts between two sentences of one text
    /// (and not after the last), if it reads a text sentence by sentence. The phrase cache
    /// then caches each sentence on its own, so a sentence shared by two texts is
    /// synthesised once, and puts this silence back between them: the text sounds the
    /// same cached or not.
    ///
    /// `None` (the default): the cache keeps whole pieces of text, never split.
    fn sentence_pause_ms(&self) -> Option<u32> {
        None
    }
}
