//! Wyoming's framing: a JSON header line (`type`, `data_length`, `payload_length`, and
//! inline `data` in older peers), then `data_length` bytes of JSON data merged into it,
//! then `payload_length` bytes of binary payload.

use serde_json::{json, Map, Value};
use std::io;
use tokio::io::{AsyncBufRead, AsyncBufReadExt, AsyncReadExt};

/// The protocol version this door speaks (the `wyoming` package it was written against).
pub const VERSION: &str = "1.10.2";
/// Longest header line accepted.
const MAX_HEADER: u64 = 64 * 1024;
/// Largest `data` or `payload` accepted (a TTS client sends text, never audio).
const MAX_BODY: usize = 1024 * 1024;

#[derive(Debug, PartialEq)]
pub struct Event {
    pub kind: String,
    pub data: Map<String, Value>,
    pub payload: Vec<u8>,
}

fn bad(message: impl Into<String>) -> io::Error {
    io::Error::new(io::ErrorKind::InvalidData, message.into())
}

/// Reads one event; `None` at the end of the stream.
pub async fn read<R: AsyncBufRead + Unpin>(r: &mut R) -> io::Result<Option<Event>> {
    let mut line = Vec::new();
    (&mut *r)
        .take(MAX_HEADER)
        .read_until(b'\n', &mut line)
        .await?;
    if line.is_empty() {
        return Ok(None);
    }
    if !line.ends_with(b"\n") && line.len() as u64 >= MAX_HEADER {
        return Err(bad(format!("header line over {MAX_HEADER} bytes")));
    }
    let header: Value =
        serde_json::from_slice(&line).map_err(|e| bad(format!("header is not JSON: {e}")))?;
    let kind = header["type"]
        .as_str()
        .ok_or_else(|| bad("header has no \"type\""))?
        .to_string();
    let mut data = match &header["data"] {
        Value::Object(m) => m.clone(),
        _ => Map::new(),
    };
    let length = |key: &str| -> io::Result<usize> {
        let n = header[key].as_u64().unwrap_or(0) as usize;
        if n > MAX_BODY {
            return Err(bad(format!("{key} {n} is over {MAX_BODY}")));
        }
        Ok(n)
    };
    let (data_length, payload_length) = (length("data_length")?, length("payload_length")?);
    if data_length > 0 {
        let mut bytes = vec![0; data_length];
        r.read_exact(&mut bytes).await?;
        match serde_json::from_slice(&bytes) {
            Ok(Value::Object(m)) => data.extend(m),
            _ => return Err(bad("data is not a JSON object")),
        }
    }
    let mut payload = vec![0; payload_length];
    r.read_exact(&mut payload).await?;
    Ok(Some(Event {
        kind,
        data,
        payload,
    }))
}

/// One event, framed.
pub fn encode(kind: &str, data: &Value, payload: &[u8]) -> Vec<u8> {
    let data = data.to_string();
    let mut header = json!({"type": kind, "version": VERSION, "data_length": data.len()});
    if !payload.is_empty() {
        header["payload_length"] = json!(payload.len());
    }
    let mut out = header.to_string().into_bytes();
    out.push(b'\n');
    out.extend_from_slice(data.as_bytes());
    out.extend_from_slice(payload);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn an_event_reads_back_as_written_with_inline_data_merged() {
        let mut bytes = encode("audio-chunk", &json!({"rate": 16000}), &[1, 2, 3]);
        bytes.extend_from_slice(b"{\"type\":\"describe\",\"data\":{\"a\":1}}\n");
        let mut r = tokio::io::BufReader::new(&bytes[..]);
        let e = read(&mut r).await.unwrap().unwrap();
        assert_eq!(e.kind, "audio-chunk");
        assert_eq!(e.data["rate"], 16000);
        assert_eq!(e.payload, [1, 2, 3]);
        let e = read(&mut r).await.unwrap().unwrap();
        assert_eq!((e.kind.as_str(), &e.data["a"]), ("describe", &json!(1)));
        assert!(read(&mut r).await.unwrap().is_none());
    }

    #[tokio::test]
    async fn a_bad_header_is_an_error() {
        let mut r = tokio::io::BufReader::new(&b"{\"data\":{}}\n"[..]);
        assert!(read(&mut r).await.is_err());
        let mut r = tokio::io::BufReader::new(&b"nope\n"[..]);
        assert!(read(&mut r).await.is_err());
    }
}
