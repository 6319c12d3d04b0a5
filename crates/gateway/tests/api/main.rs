//! Integration tests: the real server on port 0, spoken to over HTTP and WebSocket.

mod admission;
mod doubles;
mod engines;
mod file;
mod formats;
mod helpers;
mod http;
mod rate_limit;
mod reading;
mod realtime;
mod resilience;
mod stream;
mod validation;
