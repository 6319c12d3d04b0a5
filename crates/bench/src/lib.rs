//! `tts-bench`: a load generator for the TTS gateway.
//!
//! It drives the gateway the way real clients do (create a session over HTTP, then read
//! its WebSocket) and measures what users feel — sessions per second and time to first
//! audio — along with what the server pays in CPU and memory. It is built to stay out of
//! the way: one thread, one keep-alive HTTP client, audio frames recognised without a JSON
//! parser or base64 decoding, and its own CPU use reported so a saturated generator shows.

pub mod app;
pub mod cli;
pub mod frame;
pub mod gateway_metrics;
pub mod hold;
pub mod load;
pub mod monitor;
pub mod procfs;
pub mod report;
pub mod session;
pub mod soak;
pub mod stats;
