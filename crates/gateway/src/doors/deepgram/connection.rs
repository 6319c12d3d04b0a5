//! The `/v1/speak` socket: one context per connection. `Speak` adds text, `Flush` has
//! what is buffered spoken and answers `Flushed` after its audio, `Clear` drops the
//! context (nothing of it is written after `Cleared`) and the next `Speak` starts a new
//! one, `Close` closes the socket.

use super::wire::{self, Command, DeepgramWire};
use crate::doors::socket::{Contexts, Door, Reply};
use crate::pipeline::{close, Api, SpeechRequest};
use std::sync::atomic::Ordering;
use std::sync::Arc;

/// The id of the connection's one context.
const CONTEXT: &str = "speak";

pub struct Deepgram {
    request: SpeechRequest,
    model: String,
    wire: Arc<DeepgramWire>,
}

impl Deepgram {
    pub fn new(request: SpeechRequest, model: String) -> Self {
        Self {
            request,
            model,
            wire: Arc::new(DeepgramWire::default()),
        }
    }

    async fn speak(&mut self, cx: &mut Contexts<()>, text: &str) -> Vec<Reply> {
        if cx.get_mut(CONTEXT).is_none() {
            if let Err((code, message)) = cx.admit().await {
                return vec![self.error(code, &message)];
            }
            let delay = cx.limits.max_buffer_delay;
            let wire = Arc::clone(&self.wire);
            cx.start(CONTEXT, self.request.clone(), (), delay, wire);
        }
        let limit = cx.limits.max_buffered_bytes;
        let Some(context) = cx.get_mut(CONTEXT) else {
            return Vec::new();
        };
        match context.push(text, limit).await {
            Ok(()) => Vec::new(),
            Err(refused) => {
                let (code, message) = refused.answer(CONTEXT);
                vec![self.error(code, &message)]
            }
        }
    }
}

impl Door for Deepgram {
    const API: Api = Api::Deepgram;
    type Settings = ();

    fn greeting(&mut self) -> Vec<Reply> {
        let id = uuid::Uuid::new_v4().to_string();
        vec![Reply::text(wire::metadata(
            &id,
            &self.model,
            &self.request.provider,
        ))]
    }

    async fn on_text(&mut self, cx: &mut Contexts<()>, text: &str) -> Vec<Reply> {
        match wire::parse(text) {
            Err(message) => vec![self.error(400, &message)],
            Ok(Command::Speak(text)) => self.speak(cx, &text).await,
            Ok(Command::Flush) => match cx.get_mut(CONTEXT) {
                Some(context) => {
                    let _ = context.flush();
                    Vec::new()
                }
                // Nothing to speak: flushed at once.
                None => vec![Reply::text(wire::flushed(self.wire.next_flush()))],
            },
            Ok(Command::Clear) => {
                cx.cancel(CONTEXT);
                let flushes = self.wire.flushes.load(Ordering::Acquire);
                vec![Reply::text(wire::cleared(flushes))]
            }
            Ok(Command::Close) => vec![Reply::Close(close::NORMAL, String::new())],
        }
    }

    fn error(&self, code: u16, message: &str) -> Reply {
        Reply::text(wire::warning(code, message))
    }
}
