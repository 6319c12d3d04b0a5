//! tts-gateway: one service in front of many speech engines. Text comes in over REST;
//! audio streams back over a WebSocket (or as one file), encoded on the fly into the
//! format and rate each client asks for.
//!
//! `main.rs` is thin: everything is reachable from [`Application`] so that tests drive
//! the real server on port 0.

pub mod admission;
pub mod app;
pub mod auth;
pub mod breaker;
pub mod cache;
pub mod client_ip;
pub mod config;
pub mod doors;
pub mod error;
pub mod guard;
pub mod metrics;
pub mod pipeline;
pub mod rate_limit;
pub mod redis_backend;
pub mod routes;
pub mod scheduler;
pub mod sessions;
pub mod state;
pub mod telemetry;
pub mod validation;

#[cfg(test)]
mod fuzz;

pub use app::{Application, Components};
pub use config::Settings;
