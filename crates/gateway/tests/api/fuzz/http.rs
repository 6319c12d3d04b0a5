//! The HTTP side over the real server: create-session bodies, and the query strings of
//! `/file` and of the adapters. Whatever comes in, the answer is a success or a 4xx in
//! the door's error shape whose message says what was wrong; never a 5xx, never a panic.

use super::fail;
use crate::helpers::{body, spawn_with, TestApp};
use proptest::prelude::*;
use proptest::test_runner::TestCaseError;
use serde_json::{json, Map, Value};
use tts_gateway::validation::FIELDS;

/// Query strings: known keys with edge values, unknown keys, repeats, stray `&`, `=`, `%`.
fn query(keys: &'static [&'static str]) -> impl Strategy<Value = String> {
    let key = prop_oneof![
        4 => prop::sample::select(keys).prop_map(str::to_string),
        1 => "[a-z_]{0,8}",
    ];
    let value = prop_oneof![
        prop::sample::select(vec![
            "",
            "en-US-mock-1",
            "mock_tone",
            "linear16",
            "mulaw",
            "alaw",
            "mp3",
            "opus",
            "flac",
            "aac",
            "wav",
            "pcm16",
            "none",
            "ogg",
            "pcm_16000",
            "mp3_44100_128",
            "mp3_8000_128",
            "opus_48000_64",
            "ulaw_8000",
            "pcm_x",
            "NaN",
            "inf",
            "-inf",
            "1e400",
            "-1",
            "0",
            "8000",
            "16000",
            "44100",
            "48000",
            "4294967296",
            "128000",
            "0.1",
            "4.5",
            "%zz",
            "%",
            "a&b",
            "=",
            "\u{e9}",
            "en-US",
        ])
        .prop_map(str::to_string),
        "-?[0-9]{0,12}(\\.[0-9]{0,3})?",
        "\\PC{0,8}",
    ];
    let pair = (key, prop::option::of(value)).prop_map(|(k, v)| match v {
        None => k,
        Some(v) => format!("{k}={}", encode(&v)),
    });
    prop_oneof![
        4 => prop::collection::vec(pair, 0..5).prop_map(|p| p.join("&")),
        1 => "[a-zA-Z0-9_=&%+.;-]{0,40}",
    ]
}

/// Percent-encodes what a URL cannot carry raw, and leaves `%`, `+`, `&` and `=` as
/// they are, so malformed escapes reach the server.
fn encode(v: &str) -> String {
    v.bytes()
        .map(|b| match b {
            b'a'..=b'z'
            | b'A'..=b'Z'
            | b'0'..=b'9'
            | b'-'
            | b'_'
            | b'.'
            | b'~'
            | b'%'
            | b'+'
            | b'&'
            | b'=' => (b as char).to_string(),
            _ => format!("%{b:02X}"),
        })
        .collect()
}

/// Checks an answer: success, or a 4xx whose body (JSON) has a message at `message`.
async fn answered(
    what: &str,
    resp: reqwest::Response,
    message: fn(&Value) -> Option<&str>,
) -> Result<(u16, Value), TestCaseError> {
    let status = resp.status().as_u16();
    let bytes = resp
        .bytes()
        .await
        .map_err(|e| fail(format!("{what}: {e}")))?;
    if status < 300 {
        return Ok((status, Value::Null));
    }
    let text = String::from_utf8_lossy(&bytes).to_string();
    if status >= 500 {
        return Err(fail(format!("{what}: {status} {text}")));
    }
    let v: Value = serde_json::from_str(&text)
        .map_err(|_| fail(format!("{what}: {status} is not JSON: {text}")))?;
    if message(&v).is_none_or(|m| m.trim().is_empty()) {
        return Err(fail(format!("{what}: {status} has no message: {text}")));
    }
    Ok((status, v))
}

fn native(v: &Value) -> Option<&str> {
    match &v["detail"] {
        Value::String(s) => Some(s),
        Value::Array(items) => items.first()?["msg"].as_str(),
        _ => None,
    }
}

fn quiet_app() -> impl std::future::Future<Output = TestApp> {
    spawn_with(|s| s.rate_limit_max_requests = u32::MAX, Default::default())
}

/// Each field of a valid body kept, dropped, or given a value from its edge cases or of
/// another type.
fn create_body() -> impl Strategy<Value = Value> {
    let edge = |valid: Vec<Value>| {
        prop_oneof![
            3 => prop::sample::select(valid).prop_map(Some),
            1 => Just(None),
            1 => prop::sample::select(vec![
                Value::Null, json!(true), json!(-1), json!(1e300), json!(""), json!([]),
                json!({}), json!("x"), json!(16000.5), json!(u64::MAX),
            ])
            .prop_map(Some),
        ]
    };
    (
        edge(vec![json!("mock_tone"), json!("nope")]),
        edge(vec![json!("en-US-mock-1"), json!("v9")]),
        edge(vec![
            json!("Hello."),
            json!("  "),
            json!("<speak>Hi</speak>"),
            json!("<speak><oops>"),
            json!("<speak><phoneme ph=\"a\">a</phoneme></speak>"),
        ]),
        edge(vec![
            json!("pcm16"),
            json!("mp3"),
            json!("opus"),
            json!("aac"),
            json!("vorbis"),
        ]),
        edge(vec![
            json!(16000),
            json!(44100),
            json!(12345),
            json!(8000),
            json!(384000),
        ]),
        (
            edge(vec![json!("en-US"), json!("de"), json!(" ")]),
            edge(vec![json!(128), json!(320), json!(6), json!(7)]),
            edge(vec![json!(1.0), json!(0.25), json!(4.0), json!(0.1)]),
            edge(vec![
                json!("plain"),
                json!("ssml"),
                json!("auto"),
                json!("xml"),
            ]),
            edge(vec![
                json!({"GW": "gateway"}),
                json!({"a": "/ə/"}),
                json!({"": ""}),
                json!({"a": 1}),
            ]),
        ),
    )
        .prop_map(|(p, v, t, f, r, (l, b, s, tt, lx))| {
            let mut m = Map::new();
            for (k, val) in [
                ("provider", p),
                ("voice", v),
                ("text", t),
                ("target_format", f),
                ("sample_rate_hz", r),
                ("language", l),
                ("bitrate_kbps", b),
                ("speed", s),
                ("text_type", tt),
                ("lexicon", lx),
            ] {
                if let Some(val) = val {
                    m.insert(k.to_string(), val);
                }
            }
            Value::Object(m)
        })
}

#[test]
fn create_session_bodies_are_accepted_or_refused_naming_the_field() {
    super::run(
        file!(),
        64,
        quiet_app(),
        create_body(),
        |app, body| async move {
            let resp = app.post_session(&body).await;
            let (status, v) = answered("create", resp, native).await?;
            match status {
                201 => {}
                422 => {
                    for e in v["detail"].as_array().into_iter().flatten() {
                        let field = e["loc"][1].as_str().unwrap_or_default();
                        if !FIELDS.contains(&field) || e["msg"].as_str().is_none_or(str::is_empty) {
                            return Err(fail(format!("{body}: 422 names no field: {e}")));
                        }
                    }
                }
                400 => {
                    let detail = v["detail"].as_str().unwrap_or_default();
                    if !FIELDS.iter().any(|f| detail.contains(f)) {
                        return Err(fail(format!("{body}: 400 names no field: {detail}")));
                    }
                }
                other => return Err(fail(format!("{body}: unexpected {other} {v}"))),
            }
            Ok(())
        },
    );
}

#[test]
fn file_queries_answer_the_audio_or_a_4xx_that_says_why() {
    super::run(
        file!(),
        64,
        quiet_app(),
        (
            query(&["format", "sample_rate_hz"]),
            any::<bool>(),
            prop::option::of(prop::sample::select(vec![
                "%FF", "%", "..", "x", "%00", "%E2%82",
            ])),
        ),
        |app, (q, mp3, other_id)| async move {
            let created = if mp3 {
                let mut b = body("Hi.", "mp3", 44_100);
                b["bitrate_kbps"] = json!(128);
                b
            } else {
                body("Hi.", "pcm16", 16_000)
            };
            let (mut id, _) = app.create(&created).await;
            if let Some(other) = other_id {
                id = other.to_string();
            }
            let resp = app.get(&format!("/v1/tts/sessions/{id}/file?{q}")).await;
            answered(&format!("/file?{q}"), resp, native)
                .await
                .map(drop)
        },
    );
}

#[test]
fn adapter_queries_answer_speech_or_a_4xx_in_the_vendors_shape() {
    fn deepgram(v: &Value) -> Option<&str> {
        v["err_msg"].as_str()
    }
    fn elevenlabs(v: &Value) -> Option<&str> {
        v["detail"]["message"].as_str()
    }
    fn cartesia(v: &Value) -> Option<&str> {
        v["message"].as_str()
    }
    let deepgram_q = query(&[
        "model",
        "encoding",
        "container",
        "sample_rate",
        "bit_rate",
        "speed",
        "callback",
        "tag",
    ]);
    let elevenlabs_q = query(&[
        "output_format",
        "model_id",
        "language_code",
        "enable_logging",
    ]);
    let cartesia_q = query(&[
        "starting_after",
        "ending_before",
        "limit",
        "cartesia_version",
    ]);
    let voices_q = query(&["provider", "language"]);
    let strategy = prop_oneof![
        deepgram_q.prop_map(|q| (0, q)),
        elevenlabs_q.prop_map(|q| (1, q)),
        cartesia_q.prop_map(|q| (2, q)),
        voices_q.prop_map(|q| (3, q)),
    ];
    super::run(
        file!(),
        96,
        quiet_app(),
        strategy,
        |app, (door, q)| async move {
            let hi = json!({"text": "Hi."});
            match door {
                0 => {
                    let url = app.url(&format!("/v1/speak?{q}"));
                    let resp = app
                        .client
                        .post(url)
                        .json(&hi)
                        .send()
                        .await
                        .map_err(|e| fail(e.to_string()))?;
                    answered(&format!("deepgram ?{q}"), resp, deepgram).await?;
                    handshake(&app, &format!("/v1/speak?{q}"), deepgram).await
                }
                1 => {
                    let path = format!("/elevenlabs/v1/text-to-speech/en-US-mock-1/stream?{q}");
                    let resp = app
                        .client
                        .post(app.url(&path))
                        .json(&hi)
                        .send()
                        .await
                        .map_err(|e| fail(e.to_string()))?;
                    answered(&format!("elevenlabs ?{q}"), resp, elevenlabs).await?;
                    let socket = format!(
                        "/elevenlabs/v1/text-to-speech/en-US-mock-1/multi-stream-input?{q}"
                    );
                    handshake(&app, &socket, elevenlabs).await
                }
                2 => {
                    let resp = app.get(&format!("/cartesia/voices?{q}")).await;
                    answered(&format!("cartesia ?{q}"), resp, cartesia)
                        .await
                        .map(drop)
                }
                _ => {
                    let resp = app.get(&format!("/v1/voices?{q}")).await;
                    answered(&format!("voices ?{q}"), resp, native)
                        .await
                        .map(drop)
                }
            }
        },
    );
}

/// A socket handshake: upgraded (then closed at once), or refused with a 4xx in shape.
async fn handshake(
    app: &TestApp,
    path: &str,
    message: fn(&Value) -> Option<&str>,
) -> Result<(), TestCaseError> {
    use tokio_tungstenite::tungstenite::Error;
    let url = super::ws_url(app, path);
    match tokio_tungstenite::connect_async(&url).await {
        Ok((mut ws, _)) => {
            let _ = ws.close(None).await;
            Ok(())
        }
        Err(Error::Http(resp)) => {
            let status = resp.status().as_u16();
            let body = resp
                .body()
                .as_deref()
                .map(String::from_utf8_lossy)
                .unwrap_or_default();
            let v: Value = serde_json::from_str(&body).unwrap_or(Value::Null);
            if !(400..500).contains(&status) || message(&v).is_none_or(str::is_empty) {
                return Err(fail(format!("handshake {path}: {status} {body}")));
            }
            Ok(())
        }
        Err(e) => Err(fail(format!("handshake {path}: {e}"))),
    }
}

#[tokio::test]
async fn a_repeated_query_parameter_is_a_422_naming_it_in_the_apis_shape() {
    let app = crate::helpers::spawn_app().await;
    let (id, _) = app.create(&body("Hi.", "pcm16", 16_000)).await;
    for path in [
        format!("/v1/tts/sessions/{id}/file?format=wav&format=mp3"),
        "/v1/voices?provider=a&provider=b".to_string(),
    ] {
        let resp = app.get(&path).await;
        assert_eq!(resp.status(), 422, "{path}");
        let v: Value = resp.json().await.unwrap();
        assert_eq!(v["detail"][0]["loc"][0], "query", "{path}: {v}");
        assert!(
            v["detail"][0]["msg"]
                .as_str()
                .unwrap()
                .contains("duplicate field"),
            "{v}"
        );
    }
    let resp = app
        .get("/cartesia/voices?limit=1&ending_before=a&ending_before=b")
        .await;
    assert_eq!(resp.status(), 400);
    let v: Value = resp.json().await.unwrap();
    assert!(
        v["message"].as_str().unwrap().contains("ending_before"),
        "{v}"
    );
}

#[tokio::test]
async fn a_path_segment_that_is_not_text_is_a_404_in_the_doors_shape() {
    let app = crate::helpers::spawn_app().await;
    for path in ["/v1/tts/sessions/%FF", "/v1/tts/sessions/%FF/file"] {
        let resp = app.get(path).await;
        assert_eq!(resp.status(), 404, "{path}");
        let v: Value = resp.json().await.unwrap();
        assert!(
            v["detail"].as_str().unwrap().contains("UTF-8"),
            "{path}: {v}"
        );
    }
    let resp = app
        .client
        .post(app.url("/elevenlabs/v1/text-to-speech/%FF/stream"))
        .json(&json!({"text": "Hi."}))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 404);
    let v: Value = resp.json().await.unwrap();
    assert_eq!(v["detail"]["status"], "voice_not_found", "{v}");
}

#[tokio::test]
async fn file_in_another_rate_keeps_a_bitrate_that_rate_allows() {
    let app = crate::helpers::spawn_app().await;
    let mut created = body("Hi.", "mp3", 44_100);
    created["bitrate_kbps"] = json!(128);
    let (id, _) = app.create(&created).await;
    let resp = app
        .get(&format!(
            "/v1/tts/sessions/{id}/file?format=mp3&sample_rate_hz=8000"
        ))
        .await;
    let status = resp.status();
    let text = resp.text().await.unwrap();
    assert!(
        status.is_success() || status.is_client_error(),
        "{status} {text}"
    );
}

#[tokio::test]
async fn text_that_cannot_be_read_is_refused_naming_the_text() {
    let app = crate::helpers::spawn_app().await;
    for text in [
        "<speak><oops/></speak>",
        "<speak><phoneme alphabet=\"x-sampa\" ph=\"a\">a</phoneme></speak>",
    ] {
        let resp = app.post_session(&body(text, "pcm16", 16_000)).await;
        assert_eq!(resp.status(), 400, "{text}");
        let v: Value = resp.json().await.unwrap();
        assert!(
            v["detail"].as_str().unwrap().contains("text"),
            "{text}: {v}"
        );
    }
}
