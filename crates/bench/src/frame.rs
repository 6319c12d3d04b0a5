//! Reading the gateway's server → client frames cheaply.
//!
//! Audio frames are most of the traffic (41 frames of ~4.3 kB per default session, a
//! thousand sessions a second), so the gateway's own compact form
//! `{"type":"audio","seq":N,"data":"…"}` is recognised without a JSON parser and without
//! decoding the base64: its length gives the byte count. Anything else — control frames,
//! or audio written in another key order or with spaces — goes through `serde_json`.

use serde::Deserialize;

/// One server message, as far as the benchmark cares.
#[derive(Debug, PartialEq, Eq)]
pub enum Frame<'a> {
    /// `data` is the base64 text, still encoded.
    Audio {
        seq: u64,
        data: &'a [u8],
    },
    Eos,
    Error {
        code: i64,
    },
}

/// A message that is not a frame of the contract.
#[derive(Debug, PartialEq, Eq)]
pub struct BadFrame(pub String);

const AUDIO_PREFIX: &[u8] = br#"{"type":"audio","seq":"#;
const DATA_KEY: &[u8] = br#","data":""#;

pub fn parse(msg: &[u8]) -> Result<Frame<'_>, BadFrame> {
    if let Some(frame) = parse_compact_audio(msg) {
        return Ok(frame);
    }
    parse_json(msg)
}

/// The fast path: exactly the gateway's layout, or `None` to let the JSON path decide.
fn parse_compact_audio(msg: &[u8]) -> Option<Frame<'_>> {
    let rest = msg.strip_prefix(AUDIO_PREFIX)?;
    let digits = rest.iter().take_while(|b| b.is_ascii_digit()).count();
    if digits == 0 || digits > 19 {
        return None;
    }
    let seq = std::str::from_utf8(&rest[..digits]).ok()?.parse().ok()?;
    let data = rest[digits..].strip_prefix(DATA_KEY)?;
    // Base64 never contains a quote, so the first one closes the string.
    let end = memchr::memchr(b'"', data)?;
    (&data[end..] == br#""}"#).then_some(Frame::Audio {
        seq,
        data: &data[..end],
    })
}

#[derive(Deserialize)]
struct Any<'a> {
    #[serde(rename = "type", borrow)]
    kind: &'a str,
    seq: Option<u64>,
    #[serde(borrow)]
    data: Option<&'a str>,
    code: Option<i64>,
}

fn parse_json(msg: &[u8]) -> Result<Frame<'_>, BadFrame> {
    let any: Any<'_> = serde_json::from_slice(msg).map_err(|e| BadFrame(bad(msg, &e)))?;
    match (any.kind, any.seq, any.data, any.code) {
        ("audio", Some(seq), Some(data), _) => Ok(Frame::Audio {
            seq,
            data: data.as_bytes(),
        }),
        ("eos", ..) => Ok(Frame::Eos),
        ("error", _, _, Some(code)) => Ok(Frame::Error { code }),
        _ => Err(BadFrame(bad(msg, &"not an audio, eos or error frame"))),
    }
}

fn bad(msg: &[u8], why: &dyn std::fmt::Display) -> String {
    let head = String::from_utf8_lossy(&msg[..msg.len().min(80)]);
    format!("{why}: {head}")
}

/// How many bytes standard, padded base64 text of this length and ending decodes to, or
/// `None` if no valid base64 has this length.
pub fn decoded_len(b64: &[u8]) -> Option<usize> {
    if !b64.len().is_multiple_of(4) {
        return None;
    }
    let padding = b64.iter().rev().take(2).filter(|&&b| b == b'=').count();
    Some(b64.len() / 4 * 3 - padding)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_gateways_audio_frames_take_the_fast_path() {
        let msg = br#"{"type":"audio","seq":17,"data":"AQID"}"#;
        assert_eq!(
            parse_compact_audio(msg),
            Some(Frame::Audio {
                seq: 17,
                data: b"AQID"
            })
        );
    }

    #[test]
    fn other_layouts_of_audio_frames_are_still_understood() {
        let msg = br#"{"seq": 2, "data": "AQI=", "type": "audio"}"#;
        assert_eq!(parse_compact_audio(msg), None);
        assert_eq!(
            parse(msg),
            Ok(Frame::Audio {
                seq: 2,
                data: b"AQI="
            })
        );
    }

    #[test]
    fn control_frames_are_parsed() {
        assert_eq!(parse(br#"{"type":"eos"}"#), Ok(Frame::Eos));
        let err = br#"{"type":"error","code":503,"message":"streaming queue is full"}"#;
        assert_eq!(parse(err), Ok(Frame::Error { code: 503 }));
    }

    #[test]
    fn anything_else_is_a_bad_frame() {
        assert!(parse(b"not json").is_err());
        assert!(parse(br#"{"type":"audio","seq":1}"#).is_err());
        assert!(parse(br#"{"type":"hello"}"#).is_err());
        // Text after the data string: not the compact form, and not valid JSON either.
        assert!(parse(br#"{"type":"audio","seq":1,"data":"AQID"}x"#).is_err());
    }

    #[test]
    fn base64_length_gives_the_byte_count() {
        assert_eq!(decoded_len(b""), Some(0));
        assert_eq!(decoded_len(b"AQID"), Some(3));
        assert_eq!(decoded_len(b"AQI="), Some(2));
        assert_eq!(decoded_len(b"AQ=="), Some(1));
        assert_eq!(decoded_len(b"AQI"), None);
        let pcm = vec![0u8; 3200];
        use base64::Engine;
        let b64 = base64::engine::general_purpose::STANDARD.encode(&pcm);
        assert_eq!(decoded_len(b64.as_bytes()), Some(3200));
    }
}
