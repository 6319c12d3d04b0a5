//! The socket and body parsers of every door: arbitrary and near-valid messages are
//! parsed, or refused with a typed error whose message says what was wrong.

use super::{budget, message, texty};
use crate::doors::http::VendorError;
use crate::doors::{cartesia, deepgram, elevenlabs, openai, realtime};
use proptest::prelude::*;
use serde_json::json;

fn refused_well(e: &VendorError) -> Result<(), TestCaseError> {
    prop_assert!(e.status.is_client_error(), "{} for {}", e.status, e.message);
    prop_assert!(!e.message.trim().is_empty());
    Ok(())
}

proptest! {
    #![proptest_config(budget(512))]

    #[test]
    fn realtime_messages_parse_or_say_what_is_wrong(text in message(vec![
        json!({"type": "speak", "context_id": "c1", "text": "Hi, ", "voice": "en-US-mock-1",
               "format": "pcm16", "sample_rate_hz": 16000, "word_timestamps": true,
               "max_buffer_delay_ms": 100, "speed": 1.0, "text_type": "plain",
               "lexicon": {"a": "b"}, "normalize": false}),
        json!({"type": "flush", "context_id": "c1"}),
        json!({"type": "close", "context_id": "c1"}),
        json!({"type": "cancel", "context_id": "c1"}),
    ])) {
        use realtime::wire::{parse, Command, MAX_CONTEXT_ID};
        match parse(&text) {
            Ok(c) => {
                let (Command::Speak { context_id, .. } | Command::Flush { context_id }
                | Command::Close { context_id } | Command::Cancel { context_id }) = &c;
                prop_assert!((1..=MAX_CONTEXT_ID).contains(&context_id.len()));
                if let Command::Speak { settings, .. } = c {
                    // The settings' own checks (text_type) answer with a message too.
                    if let Err((code, m)) = settings.reading() {
                        prop_assert_eq!(code, 400);
                        prop_assert!(m.contains("text_type"), "{}", m);
                    }
                }
            }
            Err(bad) => {
                prop_assert!(!bad.message.trim().is_empty());
                if let Some(id) = &bad.context_id {
                    prop_assert!((1..=MAX_CONTEXT_ID).contains(&id.len()));
                }
            }
        }
    }

    #[test]
    fn elevenlabs_messages_parse_or_say_what_is_wrong(text in message(vec![
        json!({"text": "Hello ", "context_id": "c1", "flush": true, "close_context": false,
               "close_socket": false, "immediate": false, "voice_settings": {"speed": 1.1}}),
    ])) {
        match elevenlabs::wire::parse(&text) {
            Ok(_) => {}
            Err(e) => prop_assert!(e.starts_with("message is not a valid message: ")),
        }
    }

    #[test]
    fn elevenlabs_output_formats_parse_or_name_the_format(name in prop_oneof![
        texty(),
        "(mp3|pcm|wav|opus|ulaw|alaw|flac|x)?(_[0-9]{0,12}){0,4}",
    ]) {
        match elevenlabs::wire::output(Some(&name)) {
            Ok(o) => {
                let rate = name.split('_').nth(1).and_then(|r| r.parse::<u32>().ok());
                prop_assert_eq!(rate, Some(o.sample_rate));
            }
            Err(e) => {
                refused_well(&e)?;
                prop_assert!(e.message.contains("output_format"), "{}", e.message);
            }
        }
    }

    #[test]
    fn cartesia_inputs_parse_or_say_what_is_wrong(text in message(vec![
        json!({"context_id": "c1", "transcript": "Hello ", "continue": true, "flush": false,
               "cancel": false, "add_timestamps": true, "max_buffer_delay_ms": 100,
               "model_id": "sonic-2", "language": "en", "speed": "fast",
               "voice": {"mode": "id", "id": "en-US-mock-1"},
               "generation_config": {"speed": 1.2},
               "output_format": {"container": "raw", "encoding": "pcm_s16le",
                                 "sample_rate": 16000, "bit_rate": 128000}}),
    ])) {
        let Ok(g) = serde_json::from_str::<cartesia::wire::Generation>(&text) else {
            return Ok(()); // The socket answers the serde error itself (see the sequences).
        };
        match g.settings() {
            Ok(s) => match cartesia::wire::format(&s.output_format) {
                Ok(_) => {}
                Err(e) => {
                    refused_well(&e)?;
                    prop_assert!(e.message.contains("output_format"), "{}", e.message);
                }
            },
            Err(e) => {
                refused_well(&e)?;
                let named = ["voice", "output_format", "speed"].iter().any(|f| e.message.contains(f));
                prop_assert!(named, "{}", e.message);
            }
        }
    }

    #[test]
    fn deepgram_messages_parse_or_say_what_is_wrong(text in message(vec![
        json!({"type": "Speak", "text": "Hello"}),
        json!({"type": "Flush"}),
        json!({"type": "Clear"}),
        json!({"type": "Close"}),
    ])) {
        if let Err(e) = deepgram::wire::parse(&text) {
            prop_assert!(!e.trim().is_empty());
        }
    }

    #[test]
    fn openai_bodies_parse_or_name_the_parameter(text in message(vec![
        json!({"model": "tts-1", "input": "Hello", "voice": "alloy", "response_format": "wav",
               "speed": 1.0, "instructions": "calm", "stream_format": "audio",
               "sample_rate": 24000}),
        json!({"model": "mock_tone", "input": "Hello", "voice": {"id": "en-US-mock-1"},
               "stream_format": "sse"}),
    ])) {
        match openai::wire::parse(text.as_bytes()) {
            Ok(body) => {
                for checked in [openai::wire::stream_format(&body).err(), openai::wire::format(&body).err()]
                    .into_iter()
                    .flatten()
                {
                    prop_assert_eq!(checked.status.as_u16(), 400);
                    prop_assert!(checked.param.is_some(), "{}", checked.message);
                }
            }
            Err(e) => {
                prop_assert_eq!(e.status.as_u16(), 400);
                prop_assert!(e.message.starts_with("invalid request body: "));
            }
        }
    }
}
