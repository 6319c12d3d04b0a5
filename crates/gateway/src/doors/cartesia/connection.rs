//! The `/tts/websocket` contexts, inside `doors::socket`. Each input names its
//! `context_id`; the first opens the context with its voice and `output_format` (later
//! inputs must repeat them unchanged, or leave them out). `continue: false` ends the
//! input: the rest is spoken and `done` follows. `flush: true` speaks what is buffered
//! and answers `flush_done` after its audio. `cancel: true` stops the context at once:
//! nothing of it is written after the cancel is read (Cartesia sends no acknowledgement).

use super::handler::request;
use super::wire::{self, CartesiaWire, Generation, Settings};
use crate::doors::http::VendorError;
use crate::doors::socket::{Contexts, Door, Reply};
use crate::pipeline::Api;
use std::sync::Arc;
use std::time::Duration;

/// Longest accepted `max_buffer_delay_ms`.
const MAX_BUFFER_DELAY_MS: u64 = 30_000;

#[derive(Default)]
pub struct Cartesia;

fn fail(id: Option<&str>, e: VendorError) -> Vec<Reply> {
    vec![Reply::text(wire::error(
        id,
        e.status.as_u16(),
        &e.message,
        false,
    ))]
}

fn refuse(id: Option<&str>, code: u16, message: &str) -> Vec<Reply> {
    vec![Reply::text(wire::error(id, code, message, false))]
}

impl Cartesia {
    async fn open(
        &mut self,
        cx: &mut Contexts<Settings>,
        id: &str,
        g: &Generation,
    ) -> Result<(), Vec<Reply>> {
        let settings = g.settings().map_err(|e| fail(Some(id), e))?;
        let mut request =
            request(&cx.state, &settings, g.add_timestamps).map_err(|e| fail(Some(id), e))?;
        request.cache.enabled = g.cache.unwrap_or(true);
        let delay = match g.max_buffer_delay_ms {
            None => cx.limits.max_buffer_delay,
            Some(ms) if (1..=MAX_BUFFER_DELAY_MS).contains(&ms) => Duration::from_millis(ms),
            Some(ms) => {
                let m =
                    format!("max_buffer_delay_ms must be 1 to {MAX_BUFFER_DELAY_MS} (got {ms})");
                return Err(refuse(Some(id), 400, &m));
            }
        };
        cx.admit()
            .await
            .map_err(|(code, m)| refuse(Some(id), code, &m))?;
        cx.start(
            id,
            request,
            settings,
            delay,
            Arc::new(CartesiaWire::default()),
        );
        Ok(())
    }
}

impl Door for Cartesia {
    const API: Api = Api::Cartesia;
    type Settings = Settings;

    async fn on_text(&mut self, cx: &mut Contexts<Settings>, text: &str) -> Vec<Reply> {
        let g: Generation = match serde_json::from_str(text) {
            Ok(g) => g,
            Err(e) => return refuse(None, 400, &format!("message is not a valid request: {e}")),
        };
        let Some(id) = g.context_id.clone().filter(|id| !id.is_empty()) else {
            return refuse(None, 400, "every message needs a context_id");
        };
        if g.cancel {
            // Unknown or ended contexts need nothing either: there is nothing to stop.
            cx.cancel(&id);
            return Vec::new();
        }
        match cx.get_mut(&id) {
            Some(context) => {
                let changed = (g.voice.is_some()
                    && g.voice_id().ok() != Some(context.settings.voice.clone()))
                    || g.output_format
                        .as_ref()
                        .is_some_and(|o| *o != context.settings.output_format);
                if changed {
                    let m = format!("context {id:?} keeps the voice and output_format of its first input; start a new context for others");
                    return refuse(Some(&id), 400, &m);
                }
            }
            None => {
                if let Err(replies) = self.open(cx, &id, &g).await {
                    return replies;
                }
            }
        }
        let limit = cx.limits.max_buffered_bytes;
        let Some(context) = cx.get_mut(&id) else {
            return Vec::new();
        };
        let mut result = context.push(&g.transcript, limit).await;
        if result.is_ok() && g.flush {
            result = context.flush();
        }
        if result.is_ok() && !g.more {
            result = context.close();
        }
        match result {
            Ok(()) => Vec::new(),
            Err(refused) => {
                let (code, message) = refused.answer(&id);
                refuse(Some(&id), code, &message)
            }
        }
    }

    fn error(&self, code: u16, message: &str) -> Reply {
        Reply::text(wire::error(None, code, message, false))
    }
}
