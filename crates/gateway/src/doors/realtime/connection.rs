//! One realtime connection's messages: `speak`, `flush`, `close` and `cancel` on its
//! contexts. The loop around them, and the one writer that makes "no audio of a context
//! after its `cancelled`" hold, is `doors::socket`.

use super::wire::{self, Command, RealtimeWire, Settings};
use crate::doors::context::{Context, Refused};
use crate::doors::socket::{Contexts, Door, Reply};
use crate::pipeline::{resolve, Api, Wanted};
use std::sync::Arc;
use std::time::Duration;

/// Longest accepted `max_buffer_delay_ms`.
const MAX_BUFFER_DELAY_MS: u64 = 30_000;

#[derive(Default)]
pub struct Realtime;

impl Door for Realtime {
    const API: Api = Api::Realtime;
    type Settings = Settings;

    async fn on_text(&mut self, cx: &mut Contexts<Settings>, text: &str) -> Vec<Reply> {
        let command = match wire::parse(text) {
            Ok(c) => c,
            Err(bad) => {
                return vec![Reply::text(wire::error(
                    bad.context_id.as_deref(),
                    400,
                    &bad.message,
                ))]
            }
        };
        match command {
            Command::Speak {
                context_id,
                text,
                settings,
            } => speak(cx, context_id, &text, *settings).await,
            Command::Flush { context_id } => {
                let result = context(cx, &context_id).map(Context::flush);
                answer(&context_id, result)
            }
            Command::Close { context_id } => {
                let result = context(cx, &context_id).map(Context::close);
                answer(&context_id, result)
            }
            Command::Cancel { context_id } => {
                if cx.cancel(&context_id) {
                    vec![Reply::text(wire::event("cancelled", &context_id))]
                } else {
                    answer(&context_id, Err(unknown(&context_id)))
                }
            }
        }
    }

    fn error(&self, code: u16, message: &str) -> Reply {
        Reply::text(wire::error(None, code, message))
    }
}

fn unknown(id: &str) -> (u16, String) {
    (
        404,
        format!("unknown context {id:?}: it never started, or already ended"),
    )
}

fn context<'a>(
    cx: &'a mut Contexts<Settings>,
    id: &str,
) -> Result<&'a mut Context<Settings>, (u16, String)> {
    cx.get_mut(id).ok_or_else(|| unknown(id))
}

/// Answers the outcome of a command on a context: nothing when it worked.
fn answer(id: &str, result: Result<Result<(), Refused>, (u16, String)>) -> Vec<Reply> {
    let (code, message) = match result {
        Ok(Ok(())) => return Vec::new(),
        Err(e) => e,
        Ok(Err(refused)) => refused.answer(id),
    };
    vec![Reply::text(wire::error(Some(id), code, &message))]
}

async fn speak(
    cx: &mut Contexts<Settings>,
    id: String,
    text: &str,
    settings: Settings,
) -> Vec<Reply> {
    let limit = cx.limits.max_buffered_bytes;
    if let Some(context) = cx.get_mut(&id) {
        let result = if settings.is_empty() || settings == context.settings {
            Ok(context.push(text, limit).await)
        } else {
            Err((
                409,
                format!(
                    "context {id:?} keeps the settings of its first speak; send text only, \
                     or start a new context for other settings"
                ),
            ))
        };
        return answer(&id, result);
    }
    let result = match open(cx, &id, settings).await {
        Ok(context) => Ok(context.push(text, limit).await),
        Err(e) => Err(e),
    };
    answer(&id, result)
}

/// A new context from its first `speak`.
async fn open<'a>(
    cx: &'a mut Contexts<Settings>,
    id: &str,
    settings: Settings,
) -> Result<&'a mut Context<Settings>, (u16, String)> {
    let Some(voice) = settings.voice.as_deref() else {
        return Err((
            400,
            "the first speak of a context needs its settings: at least a voice".into(),
        ));
    };
    let format = match settings.format.as_deref().unwrap_or("pcm16").parse() {
        Ok(f) => f,
        Err(_) => {
            let names: Vec<&str> = tts_core::AudioFormat::ALL
                .iter()
                .map(|f| f.name())
                .collect();
            return Err((400, format!("format must be one of {}", names.join(", "))));
        }
    };
    let delay = match settings.max_buffer_delay_ms {
        None => cx.limits.max_buffer_delay,
        Some(ms) if (1..=MAX_BUFFER_DELAY_MS).contains(&ms) => Duration::from_millis(ms),
        Some(ms) => {
            return Err((
                400,
                format!("max_buffer_delay_ms must be 1 to {MAX_BUFFER_DELAY_MS} (got {ms})"),
            ))
        }
    };
    for (name, factor) in [("speed", settings.speed), ("pitch", settings.pitch)] {
        if factor.is_some_and(|f| !(0.25..=4.0).contains(&f)) {
            return Err((400, format!("{name} must be between 0.25 and 4.0")));
        }
    }
    let provider = settings.provider.as_deref();
    let native = match provider {
        Some(p) => cx.state.catalog.find(p, voice),
        None => cx.state.catalog.find_any(voice),
    }
    .map(|v| v.sample_rate_hz);
    let mut request = resolve(
        &cx.state,
        Wanted {
            provider,
            voice,
            language: settings.language.as_deref(),
            format,
            sample_rate_hz: settings.sample_rate_hz.or(native).unwrap_or(16_000),
            bitrate_kbps: settings.bitrate_kbps,
            speed: settings.speed,
            pitch: settings.pitch,
            word_timestamps: settings.word_timestamps.unwrap_or(false),
            reading: settings.reading()?,
        },
    )
    .map_err(|u| (400, u.message))?;
    request.cache = crate::cache::CacheUse {
        enabled: settings.cache.unwrap_or(true),
        marks: settings.cache_info.unwrap_or(false),
    };
    cx.admit().await?;
    Ok(cx.start(id, request, settings, delay, Arc::new(RealtimeWire)))
}
