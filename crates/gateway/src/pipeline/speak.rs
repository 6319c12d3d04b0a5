//! One piece of text → audio on the stream: from the engine, or sentence by sentence
//! through the phrase cache (`crate::cache`).
//!
//! Both ways end in [`Stream::deliver`]: the same rate check, word timings and tape, so a
//! cached sentence reaches the client exactly as a synthesised one does. A sentence
//! found in memory needs no worker; one that is missing is synthesised once, for every
//! request that asks for it meanwhile (see `crate::cache::flight`).

use super::failure::StreamFailure;
use super::job::{Framer, Out, Tape, WrittenWords};
use super::request::SpeechRequest;
use super::source::Source;
use crate::cache::{Entry, Lookup, Next, Planned};
use crate::state::AppState;
use serde::Serialize;
use std::sync::Arc;
use std::time::Instant;
use tokio_util::sync::CancellationToken;
use tts_core::{AudioChunk, ProviderError, SynthesisRequest, WordMark};

/// Whether a sentence's audio came from the phrase cache, and where the sentence was in
/// the text the stream received (as `timestamps` frames count it). Sent only to a client
/// that asked (`cache_info`).
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct CacheMark {
    pub hit: bool,
    pub text_start: usize,
    pub text_end: usize,
}

/// The sentences of a piece as the cache will serve them, or `None` when the piece's
/// audio is not cached (see [`crate::cache::PhraseCache::plan`]).
pub fn cache_plan(
    state: &AppState,
    r: &SpeechRequest,
    synthesis: &SynthesisRequest,
) -> Result<Option<Vec<Planned>>, StreamFailure> {
    let provider = state
        .provider(&r.provider)
        .ok_or_else(|| StreamFailure::UnknownProvider(r.provider.clone()))?;
    // "No language given" and the voice's own language are the same audio.
    let language = r.language.as_deref().or_else(|| {
        state
            .catalog
            .find(&r.provider, &r.voice)
            .map(|v| v.language.as_str())
    });
    Ok(state
        .cache
        .plan(provider.as_ref(), language, r.cache, synthesis))
}

/// Audio of one piece, with its place: `start` on the tape (engine samples) and `shift`,
/// the byte offset in the piece's text of the text the marks count from.
struct Heard<'a> {
    samples: &'a [i16],
    rate: u32,
    words: &'a [WordMark],
    start: u64,
    shift: usize,
}

/// The stream, as one piece of text is spoken onto it.
pub struct Stream<'s, 'o, F: Framer> {
    pub state: &'s Arc<AppState>,
    pub r: &'s SpeechRequest,
    pub cancel: &'s CancellationToken,
    pub tape: &'s mut Tape,
    pub out: &'s mut Out<'o, F>,
    pub written: Option<&'s mut WrittenWords>,
    /// When the stream started: with the audio taped so far, when it needs its next
    /// chunk ([`Tape::due`]), which orders the engine's turns.
    pub started: Instant,
}

impl<F: Framer> Stream<'_, '_, F> {
    /// The piece from the engine, uncached.
    pub async fn speak(&mut self, synthesis: SynthesisRequest) -> Result<(), StreamFailure> {
        self.out.worker.acquire(self.cancel).await?;
        let mut source = tokio::select! {
            _ = self.cancel.cancelled() => return Err(self.out.gone()),
            s = Source::open(self.state, synthesis, &self.r.provider, self.tape.due(self.started)) => s?,
        };
        let start = self.tape.samples;
        loop {
            let chunk = tokio::select! {
                _ = self.cancel.cancelled() => return Err(self.out.gone()),
                c = source.next(self.tape.due(self.started)) => c?,
            };
            let Some(chunk) = chunk else { return Ok(()) };
            self.deliver(heard(&chunk, start, 0)).await?;
        }
    }

    /// One sentence through the cache: from memory; else from the sentence's flight,
    /// whose first member looks in Redis and then synthesises, and whose followers hear
    /// the audio as it comes.
    pub async fn speak_cached(&mut self, planned: Planned) -> Result<(), StreamFailure> {
        let (state, r) = (self.state, self.r);
        let cache = &state.cache;
        let start = self.tape.samples;
        let shift = planned.range.start;
        let mut part = match cache.lookup(&r.provider, &planned.key) {
            Lookup::Hit(entry) => {
                self.mark(true, &planned).await?;
                self.deliver(heard_entry(&entry, start, shift)).await?;
                return self.pause(planned.pause_after_ms).await;
            }
            Lookup::Flight(part) => part,
        };
        let mut marked = false;
        loop {
            let next = tokio::select! {
                _ = self.cancel.cancelled() => return Err(self.out.gone()),
                n = part.next() => n,
            };
            match next {
                Next::Chunk(chunk) => {
                    if !marked {
                        self.mark(false, &planned).await?;
                        marked = true;
                    }
                    self.deliver(heard(&chunk, start, shift)).await?;
                }
                Next::End => return self.pause(planned.pause_after_ms).await,
                Next::Failed(why) => {
                    return Err(StreamFailure::Provider {
                        provider: r.provider.clone(),
                        error: ProviderError::unavailable(why),
                    })
                }
                Next::TakeOver(Some(source)) => {
                    // The producer went away: go on with its engine stream.
                    self.out.worker.acquire(self.cancel).await?;
                    part.hold(source);
                }
                Next::TakeOver(None) => {
                    let shared = tokio::select! {
                        _ = self.cancel.cancelled() => return Err(self.out.gone()),
                        e = cache.shared(&r.provider, &planned.key) => e,
                    };
                    if let Some(entry) = shared {
                        self.mark(true, &planned).await?;
                        marked = true;
                        part.publish(to_chunk(&entry));
                        part.finish();
                        continue;
                    }
                    cache.metrics.miss(&r.provider);
                    self.out.worker.acquire(self.cancel).await?;
                    let opened = tokio::select! {
                        _ = self.cancel.cancelled() => return Err(self.out.gone()),
                        s = Source::open(state, planned.request.clone(), &r.provider, self.tape.due(self.started)) => s,
                    };
                    match opened {
                        Ok(source) => part.hold(source),
                        Err(e) => {
                            part.fail(cause(&e));
                            return Err(e);
                        }
                    }
                }
                Next::Produce => {
                    let due = self.tape.due(self.started);
                    let source = part.source().expect("a producer holds its stream");
                    let pulled = tokio::select! {
                        _ = self.cancel.cancelled() => return Err(self.out.gone()),
                        c = source.next(due) => c,
                    };
                    match pulled {
                        Ok(Some(chunk)) => part.publish(chunk),
                        Ok(None) => {
                            if let Some(entry) = to_entry(&part.chunks()) {
                                cache.keep(&r.provider, &planned.key, &Arc::new(entry), true);
                            }
                            part.finish();
                        }
                        Err(e) => {
                            part.fail(cause(&e));
                            return Err(e);
                        }
                    }
                }
            }
        }
    }

    /// The engine's pause between two sentences of a text it was given whole.
    async fn pause(&mut self, ms: u32) -> Result<(), StreamFailure> {
        if ms == 0 {
            return Ok(());
        }
        let silence = vec![0i16; (u64::from(self.tape.rate) * u64::from(ms) / 1000) as usize];
        self.tape.push(self.state, self.r, &silence, self.out).await
    }

    /// Tells a client that asked where a sentence's audio came from.
    async fn mark(&mut self, hit: bool, planned: &Planned) -> Result<(), StreamFailure> {
        if !self.r.cache.marks {
            return Ok(());
        }
        let (text_start, text_end) = match self.written.as_deref() {
            Some(w) => w.span(planned.range.clone()),
            None => (planned.range.start, planned.range.end),
        };
        self.out
            .cache_mark(&CacheMark {
                hit,
                text_start,
                text_end,
            })
            .await
    }

    /// Engine audio onto the stream: the rate checked, word timings sent (when asked),
    /// the samples taped.
    async fn deliver(&mut self, heard: Heard<'_>) -> Result<(), StreamFailure> {
        let tape = &mut *self.tape;
        if tape.samples > 0 && heard.rate != tape.rate {
            return Err(StreamFailure::Provider {
                provider: self.r.provider.clone(),
                error: ProviderError::internal(format!(
                    "engine changed its sample rate mid-stream ({} Hz, then {} Hz)",
                    tape.rate, heard.rate
                )),
            });
        }
        tape.rate = heard.rate;
        if let Some(written) = self
            .written
            .as_deref_mut()
            .filter(|_| (self.r.word_timestamps || tape.retain) && !heard.words.is_empty())
        {
            let words = written.timings(heard.words, heard.start, heard.shift, tape.rate);
            tape.words(self.r, &words, self.out).await?;
        }
        tape.push(self.state, self.r, heard.samples, self.out).await
    }
}

fn heard(chunk: &AudioChunk, start: u64, shift: usize) -> Heard<'_> {
    Heard {
        samples: &chunk.samples,
        rate: chunk.sample_rate,
        words: &chunk.words,
        start,
        shift,
    }
}

fn heard_entry(entry: &Entry, start: u64, shift: usize) -> Heard<'_> {
    Heard {
        samples: &entry.samples,
        rate: entry.rate,
        words: &entry.words,
        start,
        shift,
    }
}

fn to_chunk(entry: &Entry) -> AudioChunk {
    AudioChunk::new(entry.samples.clone(), entry.rate).with_words(entry.words.clone())
}

/// A whole sentence's chunks as one entry; `None` if they changed rate (not kept).
fn to_entry(chunks: &[Arc<AudioChunk>]) -> Option<Entry> {
    let rate = chunks.first()?.sample_rate;
    if chunks.iter().any(|c| c.sample_rate != rate) {
        return None;
    }
    let mut samples = Vec::with_capacity(chunks.iter().map(|c| c.samples.len()).sum());
    let mut words = Vec::new();
    for c in chunks {
        samples.extend_from_slice(&c.samples);
        words.extend(c.words.iter().cloned());
    }
    Some(Entry {
        rate,
        samples,
        words,
    })
}

/// Why a flight's producer failed, for its followers' error.
fn cause(failure: &StreamFailure) -> String {
    match failure {
        StreamFailure::Provider { error, .. } => error.to_string(),
        other => other.to_string(),
    }
}
