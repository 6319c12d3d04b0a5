//! The [`Provider`] trait: the one boundary every speech engine implements.

use crate::{AudioChunk, ProviderError, Voice};
use futures::stream::BoxStream;

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

    /// Starts synthesis and returns the audio as it is produced. Failures to even start
    /// (engine down, unknown voice) come out as the stream's first item.
    fn synthesize(&self, request: SynthesisRequest) -> AudioStream;

    /// How many streams the engine makes progress on at once, if that is a fixed number
    /// (a pool of inference threads), where pulling a stream's next chunk is what sets
    /// the engine to work on it. The gateway then hands out that many turns, one per chunk
    /// pulled, ordered by which stream needs audio soonest. `None` (the default): the
    /// engine has no such limit, or its chunks are not produced on demand.
    fn concurrency(&self) -> Option<usize> {
        None
    }
}
