//! The two ElevenLabs sockets, inside `doors::socket`:
//!
//! - `stream-input`: one context. The first message (`text: " "`) may carry
//!   `voice_settings`; text follows, `flush: true` has what is buffered spoken, and
//!   `text: ""` ends the input: the rest is spoken, `{"isFinal": true}` is sent and the
//!   socket closes.
//! - `multi-stream-input`: contexts named by `context_id`, each opened by its first
//!   message with text; `flush: true`; `close_context: true` speaks what the context
//!   holds, then sends its `isFinal`; with `immediate: true` (a gateway extension) it
//!   stops the context at once (barge-in: nothing of it is written after its `isFinal`);
//!   `text: ""` keeps a context alive (nothing to do here); `close_socket: true` speaks
//!   what every context holds, then closes.
//!
//! With keys on, a socket opened without a key (no header, no query) is accepted
//! provisionally: its first message must carry one (`xi_api_key`, as ElevenLabs allows,
//! or `authorization`), checked by the same hook as a header's, or the socket is closed
//! with 1008 and the reason before anything else is done.

use super::handler::speed;
use super::wire::{self, ElevenLabsWire, Incoming};
use crate::doors::socket::{Contexts, Door, Reply};
use crate::guard;
use crate::pipeline::{close, Api, SpeechRequest};
use std::sync::Arc;

/// The context of the single-context socket, and of messages without a `context_id`.
const DEFAULT_CONTEXT: &str = "default";

pub struct ElevenLabs {
    /// The voice and format of the handshake; each context may set its speed.
    base: SpeechRequest,
    multi: bool,
    /// `close_socket` was asked for: the socket closes when its last context ends.
    closing: bool,
    /// The socket was opened without a key: its first message must carry one.
    credential_due: bool,
}

impl ElevenLabs {
    /// `credential_due`: see [`guard::identify_socket_or_later`].
    pub fn new(base: SpeechRequest, multi: bool, credential_due: bool) -> Self {
        Self {
            base,
            multi,
            closing: false,
            credential_due,
        }
    }

    /// Authenticates the socket by its first message's credential (parsed, or not);
    /// on refusal, the close that answers it.
    fn authenticate(
        &mut self,
        cx: &mut Contexts<()>,
        m: Option<&Incoming>,
    ) -> Result<(), Vec<Reply>> {
        let credential = m.and_then(Incoming::credential);
        match guard::identify_message(&cx.state, cx.client.ip, credential, Self::API) {
            Ok(client) => {
                cx.client = client;
                self.credential_due = false;
                Ok(())
            }
            Err(refusal) => {
                let (code, reason) = refusal.close_reason();
                Err(vec![Reply::Close(code, reason)])
            }
        }
    }

    fn fail(&self, id: Option<&str>, code: u16, message: &str) -> Vec<Reply> {
        let id = id.filter(|_| self.multi);
        vec![Reply::text(wire::error(id, code, message))]
    }

    /// Opens context `id` for its first message.
    async fn open(
        &mut self,
        cx: &mut Contexts<()>,
        id: &str,
        m: &Incoming,
    ) -> Result<(), (u16, String)> {
        if self.closing {
            return Err((409, "the socket is closing (close_socket)".into()));
        }
        let mut request = self.base.clone();
        request.speed = speed(m.voice_settings.as_ref()).map_err(|e| (400, e))?;
        cx.admit().await?;
        let delay = cx.limits.max_buffer_delay;
        let wire = Arc::new(ElevenLabsWire::new(self.multi));
        cx.start(id, request, (), delay, wire);
        Ok(())
    }

    /// The socket closes once its input ended and its last context is done.
    fn close_when_done(&self, cx: &Contexts<()>) -> Vec<Reply> {
        if (self.closing || !self.multi) && cx.is_empty() {
            vec![Reply::Close(close::NORMAL, String::new())]
        } else {
            Vec::new()
        }
    }
}

impl Door for ElevenLabs {
    const API: Api = Api::ElevenLabs;
    type Settings = ();

    fn credential_due(&self) -> bool {
        self.credential_due
    }

    async fn on_text(&mut self, cx: &mut Contexts<()>, text: &str) -> Vec<Reply> {
        let parsed = wire::parse(text);
        if self.credential_due {
            if let Err(close) = self.authenticate(cx, parsed.as_ref().ok()) {
                return close;
            }
        }
        let m = match parsed {
            Ok(m) => m,
            Err(e) => return self.fail(None, 400, &e),
        };
        if self.multi && m.close_socket {
            self.closing = true;
            cx.close_all();
            return self.close_when_done(cx);
        }
        let id = match (&m.context_id, self.multi) {
            (Some(id), true) => id.clone(),
            _ => DEFAULT_CONTEXT.to_string(),
        };
        if m.close_context {
            if !self.multi {
                return self.fail(None, 400, "close_context is for multi-stream-input");
            }
            // ElevenLabs closes a context after its audio (the agent frameworks send
            // close_context right after their last flush and wait for isFinal);
            // `immediate: true` stops it at once instead (barge-in).
            if m.immediate {
                return if cx.cancel(&id) {
                    vec![Reply::text(wire::final_message(Some(&id)))]
                } else {
                    self.fail(Some(&id), 404, &format!("unknown context {id:?}"))
                };
            }
            return match cx.get_mut(&id) {
                Some(context) => {
                    let _ = context.close(); // Closed already: its isFinal comes anyway.
                    Vec::new()
                }
                None => self.fail(Some(&id), 404, &format!("unknown context {id:?}")),
            };
        }
        let text = m.text.as_deref().unwrap_or_default();
        if self.multi && text.is_empty() && (!m.flush || cx.get_mut(&id).is_none()) {
            // A keep-alive (`text: ""`, with or without a context), or a flush of a
            // context that holds nothing: nothing to do here.
            return Vec::new();
        }
        // `text: ""` ends the single socket's input.
        let end = !self.multi && m.text.is_some() && text.is_empty();
        if cx.get_mut(&id).is_none() {
            if end {
                return vec![
                    Reply::text(wire::final_message(None)),
                    Reply::Close(close::NORMAL, String::new()),
                ];
            }
            if let Err((code, message)) = self.open(cx, &id, &m).await {
                return self.fail(Some(&id), code, &message);
            }
        }
        let limit = cx.limits.max_buffered_bytes;
        let Some(context) = cx.get_mut(&id) else {
            return Vec::new();
        };
        let mut result = context.push(text, limit).await;
        if result.is_ok() && m.flush {
            result = context.flush();
        }
        if result.is_ok() && end {
            result = context.close();
        }
        match result {
            Ok(()) => Vec::new(),
            Err(refused) => {
                let (code, message) = refused.answer(&id);
                self.fail(Some(&id), code, &message)
            }
        }
    }

    fn ended(&mut self, cx: &mut Contexts<()>, _id: &str) -> Vec<Reply> {
        self.close_when_done(cx)
    }

    fn error(&self, code: u16, message: &str) -> Reply {
        Reply::text(wire::error(None, code, message))
    }
}
