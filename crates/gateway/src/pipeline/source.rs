//! [`Source`]: a provider's audio with the gateway's protections around it: a timeout for
//! the first chunk and between chunks, retries only while no audio has been produced, and
//! the provider's circuit breaker. Each chunk pulled from an engine with a fixed pool
//! waits for a turn of that pool, in deadline order ([`crate::scheduler`]).

use super::failure::StreamFailure;
use super::job::Due;
use crate::metrics::ProviderLabels;
use crate::state::AppState;
use futures::StreamExt;
use std::sync::Arc;
use std::time::{Duration, Instant};
use tokio::time::error::Elapsed;
use tokio::time::timeout;
use tts_core::{AudioChunk, AudioStream, ProviderError, StepBudget, SynthesisRequest};

pub struct Source {
    state: Arc<AppState>,
    provider: String,
    stream: AudioStream,
    budget: StepBudget,
    first: Option<AudioChunk>,
    done: bool,
}

impl Source {
    /// Starts synthesis and waits for the first chunk, retrying retryable failures.
    /// `due`: when the stream's audio so far runs out at real time (shortly after its
    /// start, for its first audio), which orders it among the streams waiting for the
    /// engine.
    pub async fn open(
        state: &Arc<AppState>,
        request: SynthesisRequest,
        provider_id: &str,
        due: Due,
    ) -> Result<Self, StreamFailure> {
        let provider = state
            .provider(provider_id)
            .ok_or_else(|| StreamFailure::UnknownProvider(provider_id.to_string()))?;
        let breaker = state.breaker(provider_id);
        let settings = &state.settings;
        let budget = request.budget.clone();
        let mut attempt = 0;
        loop {
            if !breaker.allow() {
                return Err(StreamFailure::CircuitOpen(provider_id.to_string()));
            }
            let mut stream = provider.synthesize(request.clone());
            let first = pull(
                state,
                provider_id,
                due,
                &mut stream,
                &budget,
                settings.first_chunk_timeout,
            );
            let error = match first.await {
                Ok(Some(Ok(chunk))) => {
                    return Ok(Self {
                        state: Arc::clone(state),
                        provider: provider_id.to_string(),
                        stream,
                        budget,
                        first: Some(chunk),
                        done: false,
                    })
                }
                Ok(None) => {
                    breaker.record_success();
                    return Ok(Self {
                        state: Arc::clone(state),
                        provider: provider_id.to_string(),
                        stream,
                        budget,
                        first: None,
                        done: true,
                    });
                }
                Ok(Some(Err(e))) => e,
                Err(_) => ProviderError::timeout(format!(
                    "no audio within {} ms",
                    settings.first_chunk_timeout.as_millis()
                )),
            };
            drop(stream);
            let failure = StreamFailure::Provider {
                provider: provider_id.to_string(),
                error: error.clone(),
            };
            if !failure.is_provider_failure() {
                // The request itself is wrong: not the engine's health, and not retryable.
                breaker.abandon_trial();
                return Err(failure);
            }
            state.metrics.provider_failure(provider_id);
            breaker.record_failure();
            if !error.is_retryable() || attempt >= settings.provider_retries {
                return Err(failure);
            }
            attempt += 1;
            tracing::warn!(provider = provider_id, attempt, %error, "retrying before first audio");
            tokio::time::sleep(Duration::from_millis(50 << attempt.min(5))).await;
        }
    }

    /// The next chunk, `None` at the end. No retry here: audio has already gone out.
    /// `due` as for [`Source::open`].
    pub async fn next(&mut self, due: Due) -> Result<Option<AudioChunk>, StreamFailure> {
        if let Some(chunk) = self.first.take() {
            return Ok(Some(chunk));
        }
        if self.done {
            return Ok(None);
        }
        let limit = self.state.settings.chunk_timeout;
        let next = pull(
            &self.state,
            &self.provider,
            due,
            &mut self.stream,
            &self.budget,
            limit,
        );
        let error = match next.await {
            Ok(Some(Ok(chunk))) => return Ok(Some(chunk)),
            Ok(None) => {
                self.done = true;
                self.state.breaker(&self.provider).record_success();
                return Ok(None);
            }
            Ok(Some(Err(e))) => e,
            Err(_) => {
                ProviderError::timeout(format!("no audio for {} ms mid-stream", limit.as_millis()))
            }
        };
        self.done = true;
        let failure = StreamFailure::Provider {
            provider: self.provider.clone(),
            error,
        };
        if failure.is_provider_failure() {
            self.state.metrics.provider_failure(&self.provider);
            self.state.breaker(&self.provider).record_failure();
        } else {
            self.state.breaker(&self.provider).abandon_trial();
        }
        Err(failure)
    }
}

impl Drop for Source {
    /// A stream left before its end (the client went away, a cancel) says nothing of the
    /// engine's health; if it was the breaker's half-open trial, another call may be.
    fn drop(&mut self) {
        if !self.done {
            self.state.breaker(&self.provider).abandon_trial();
        }
    }
}

/// The engine's next chunk within `limit`, pulled in the stream's turn when the engine has
/// a fixed pool. The wait for the turn is not part of `limit`: the limit is on the engine,
/// and a stream ahead of real time may rightly wait long under load. In its turn, the
/// engine is told how long the step may take ([`crate::scheduler::Scheduler::budget`]),
/// and how much audio the stream's listener has left ([`StepBudget::set`]).
/// Records how far ahead of playback the stream was, and how long it waited.
async fn pull(
    state: &AppState,
    provider: &str,
    due: Due,
    stream: &mut AudioStream,
    budget: &StepBudget,
    limit: Duration,
) -> Result<Option<Result<AudioChunk, ProviderError>>, Elapsed> {
    let labels = ProviderLabels {
        provider: provider.to_string(),
    };
    let now = Instant::now();
    let lead = match due.at.checked_duration_since(now) {
        Some(ahead) => ahead.as_secs_f64(),
        None => -now.duration_since(due.at).as_secs_f64(),
    };
    let metrics = &state.metrics;
    metrics.stream_lead.get_or_create(&labels).observe(lead);
    let Some(scheduler) = state.scheduler(provider) else {
        return timeout(limit, stream.next()).await;
    };
    let turn = scheduler.turn(due.at).await;
    metrics
        .engine_queue_wait
        .get_or_create(&labels)
        .observe(now.elapsed().as_secs_f64());
    let now = Instant::now();
    budget.set(scheduler.budget(now), scheduler.waiting(), due.lead(now));
    let chunk = timeout(limit, stream.next()).await;
    drop(turn);
    chunk
}
