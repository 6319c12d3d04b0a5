//! Integration tests of the Redis backend: real `redis-server` processes started by the
//! tests on free loopback ports, and several gateways in this process sharing one of them.

#[path = "../api/helpers.rs"]
#[allow(dead_code)]
mod helpers;

mod cache;
mod cluster;
mod completion;
mod gated;
mod keys;
mod layout;
mod lease;
mod outage;
mod server;

use helpers::{spawn_with, TestApp};
use server::RedisServer;
use tts_gateway::{Components, Settings};

/// A gateway on port 0 that keeps its sessions in `redis`.
pub async fn gateway(redis: &RedisServer, configure: impl FnOnce(&mut Settings)) -> TestApp {
    gateway_with(redis, configure, Components::default()).await
}

pub async fn gateway_with(
    redis: &RedisServer,
    configure: impl FnOnce(&mut Settings),
    parts: Components,
) -> TestApp {
    let url = redis.url();
    spawn_with(
        move |s| {
            s.redis_url = Some(url);
            configure(s);
        },
        parts,
    )
    .await
}
