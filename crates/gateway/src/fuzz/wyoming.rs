//! Wyoming's framing (a JSON header line, then data and payload): arbitrary byte
//! streams are read as events until their end, or refused with an error that says why;
//! what `encode` writes reads back unchanged.

use super::{budget, json_value, texty};
use crate::doors::wyoming::wire::{encode, read};
use proptest::prelude::*;
use serde_json::{json, Value};
use std::io::ErrorKind;

/// Reads every event of `bytes`; returns them and how the stream ended.
fn read_all(bytes: &[u8]) -> (Vec<crate::doors::wyoming::wire::Event>, std::io::Result<()>) {
    let rt = tokio::runtime::Builder::new_current_thread()
        .build()
        .expect("runtime");
    rt.block_on(async {
        let mut r = tokio::io::BufReader::with_capacity(7, bytes);
        let mut events = Vec::new();
        loop {
            match read(&mut r).await {
                Ok(Some(e)) => events.push(e),
                Ok(None) => return (events, Ok(())),
                Err(e) => return (events, Err(e)),
            }
        }
    })
}

/// Byte streams made of header lines (valid, near-valid and garbage), data and payloads.
fn stream() -> impl Strategy<Value = Vec<u8>> {
    let header = prop_oneof![
        (
            texty(),
            json_value(),
            prop::collection::vec(any::<u8>(), 0..8)
        )
            .prop_map(|(k, d, p)| encode(&k, &d, &p)),
        (
            json_value(),
            prop::option::of(0u64..64),
            prop::option::of(0u64..64)
        )
            .prop_map(|(v, dl, pl)| {
                let mut h = json!({"type": "synthesize", "data": v});
                if let Some(n) = dl {
                    h["data_length"] = json!(n);
                }
                if let Some(n) = pl {
                    h["payload_length"] = json!(n);
                }
                let mut line = h.to_string().into_bytes();
                line.push(b'\n');
                line
            }),
        json_value().prop_map(|v| format!("{v}\n").into_bytes()),
        prop::collection::vec(any::<u8>(), 0..48),
    ];
    prop::collection::vec(header, 0..5).prop_map(|parts| parts.concat())
}

proptest! {
    #![proptest_config(budget(256))]

    #[test]
    fn any_byte_stream_is_read_as_events_or_refused_with_a_reason(bytes in stream()) {
        let (events, end) = read_all(&bytes);
        for e in &events {
            prop_assert!(e.payload.len() <= bytes.len());
        }
        if let Err(e) = end {
            prop_assert!(
                matches!(e.kind(), ErrorKind::InvalidData | ErrorKind::UnexpectedEof),
                "{e:?}"
            );
            prop_assert!(!e.to_string().trim().is_empty());
        }
    }

    #[test]
    fn what_is_encoded_reads_back(kind in texty(), data in json_value(), payload in prop::collection::vec(any::<u8>(), 0..64)) {
        let (events, end) = read_all(&encode(&kind, &data, &payload));
        match &data {
            Value::Object(_) => {
                // As serde_json reads it back (its float parsing is not exact).
                let m: serde_json::Map<String, Value> = serde_json::from_str(&data.to_string()).expect("JSON");
                prop_assert!(end.is_ok(), "{end:?}");
                prop_assert_eq!(events.len(), 1);
                prop_assert_eq!(&events[0].kind, &kind);
                prop_assert_eq!(&events[0].payload, &payload);
                prop_assert_eq!(&events[0].data, &m);
            }
            _ => prop_assert_eq!(end.map_err(|e| e.kind()), Err(ErrorKind::InvalidData)),
        }
    }
}
