//! Integration tests: the real server on port 0, spoken to over HTTP and WebSocket.

mod admission;
mod auth;
mod cache;
mod doubles;
mod elevenlabs;
mod engines;
mod file;
mod formats;
mod fuzz;
mod helpers;
mod http;
mod phonemes;
mod rate_limit;
mod reading;
mod realtime;
mod resilience;
mod scheduler;
mod sockets;
mod stream;
mod validation;
mod wyoming;
