//! [`Pcm`]: samples written straight into a Redis command as 16-bit little-endian bytes,
//! without an intermediate buffer: a session's audio is the largest thing the gateway
//! sends to Redis, and every copy of it costs CPU on the path that limits throughput.

use redis::{RedisWrite, ToRedisArgs};
use std::io::Write;

pub struct Pcm<'a>(pub &'a [i16]);

impl ToRedisArgs for Pcm<'_> {
    fn write_redis_args<W: ?Sized + RedisWrite>(&self, out: &mut W) {
        out.reserve_space_for_args([self.0.len() * 2]);
        let mut arg = out.writer_for_next_arg();
        let mut buf = [0u8; 8192];
        for samples in self.0.chunks(buf.len() / 2) {
            for (bytes, s) in buf.chunks_exact_mut(2).zip(samples) {
                bytes.copy_from_slice(&s.to_le_bytes());
            }
            arg.write_all(&buf[..samples.len() * 2])
                .expect("writing to a command buffer cannot fail");
        }
    }
}

/// The samples of 16-bit little-endian PCM bytes (an odd trailing byte is ignored).
pub fn samples(bytes: &[u8]) -> Vec<i16> {
    bytes
        .chunks_exact(2)
        .map(|b| i16::from_le_bytes([b[0], b[1]]))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn samples_survive_the_round_trip_in_any_length() {
        for n in [0, 1, 4095, 4096, 4097, 10_000] {
            let s: Vec<i16> = (0..n).map(|i| (i as i16).wrapping_mul(7919)).collect();
            let cmd = redis::cmd("SET").arg(Pcm(&s)).clone();
            let arg = cmd.args_iter().nth(1).unwrap();
            let redis::Arg::Simple(bytes) = arg else {
                panic!("a plain argument")
            };
            assert_eq!(samples(bytes), s);
        }
    }
}
