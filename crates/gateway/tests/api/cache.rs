//! The phrase cache: a hit is the miss's audio, keys keep apart what sounds different,
//! the memory budget holds, concurrent misses synthesise once, and a client that asks is
//! told which sentences came from the cache.

use crate::helpers::{body, metric_value, spawn_with, TestApp};
use base64::Engine as _;
use futures::StreamExt;
use serde_json::{json, Value};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use tokio::sync::Semaphore;
use tokio_tungstenite::tungstenite::Message;
use tts_core::{AudioChunk, AudioStream, Provider, SynthesisRequest, Voice};
use tts_gateway::{Components, Settings};
use tts_providers::Registry;

const RATE: u32 = 16_000;
/// The double's pause between sentences.
const PAUSE_MS: u32 = 50;

/// An engine whose every synthesis sounds different (its samples carry the call's
/// number), so a hit is told from a new synthesis by its audio; with a fingerprint the
/// test can change, and optionally a gate before its first chunk.
struct Counted {
    calls: AtomicUsize,
    fingerprint: parking_lot::Mutex<String>,
    gate: Option<Arc<Semaphore>>,
}

impl Counted {
    fn new(gated: bool) -> Arc<Self> {
        Arc::new(Self {
            calls: AtomicUsize::new(0),
            fingerprint: parking_lot::Mutex::new("model-1".into()),
            gate: gated.then(|| Arc::new(Semaphore::new(0))),
        })
    }

    fn calls(&self) -> usize {
        self.calls.load(Ordering::SeqCst)
    }
}

impl Provider for Counted {
    fn id(&self) -> &str {
        "counted"
    }

    fn voices(&self) -> Vec<Voice> {
        vec![
            Voice::new("v1", "One", "en-US", "counted", RATE),
            Voice::new("v2", "Two", "en-US", "counted", RATE),
        ]
    }

    fn fingerprint(&self, _voice: &str) -> Option<String> {
        Some(self.fingerprint.lock().clone())
    }

    fn sentence_pause_ms(&self) -> Option<u32> {
        Some(PAUSE_MS)
    }

    fn synthesize(&self, request: SynthesisRequest) -> AudioStream {
        let call = self.calls.fetch_add(1, Ordering::SeqCst) + 1;
        let len = 1600 + 160 * request.text.len();
        let chunk = move |k: usize| Ok(AudioChunk::new(vec![(call * 100 + k) as i16; len], RATE));
        let gate = self.gate.clone();
        futures::stream::once(async move {
            if let Some(gate) = gate {
                gate.acquire().await.unwrap().forget();
            }
            chunk(0)
        })
        .chain(futures::stream::iter((1..3).map(chunk)))
        .boxed()
    }
}

async fn spawn_counted(engine: &Arc<Counted>, configure: impl FnOnce(&mut Settings)) -> TestApp {
    let mut providers = Registry::build(&tts_providers::ProvidersConfig::mock_tone_only());
    providers.insert(engine.clone());
    let parts = Components {
        providers: Some(providers),
        ..Default::default()
    };
    spawn_with(
        |s| {
            s.cache.budget_bytes = 8 << 20;
            configure(s);
        },
        parts,
    )
    .await
}

fn counted(text: &str) -> Value {
    json!({"provider": "counted", "voice": "v1", "text": text,
           "target_format": "pcm16", "sample_rate_hz": RATE})
}

/// Every frame of one session stream: the audio, and the JSON frames that are not audio.
struct Frames {
    audio: Vec<u8>,
    others: Vec<Value>,
}

async fn frames(app: &TestApp, body: &Value) -> Frames {
    let (id, _) = app.create(body).await;
    let (mut ws, _) = tokio_tungstenite::connect_async(app.ws_url(&id))
        .await
        .unwrap();
    let mut out = Frames {
        audio: Vec::new(),
        others: Vec::new(),
    };
    while let Some(Ok(msg)) = ws.next().await {
        let Message::Text(t) = msg else { break };
        let v: Value = serde_json::from_str(&t).unwrap();
        if v["type"] == "audio" {
            let data = base64::engine::general_purpose::STANDARD
                .decode(v["data"].as_str().unwrap())
                .unwrap();
            out.audio.extend_from_slice(&data);
        } else {
            out.others.push(v);
        }
    }
    assert_eq!(
        out.others.last().map(|v| v["type"].clone()),
        Some(json!("eos")),
        "the stream ends well: {:?}",
        out.others
    );
    out
}

async fn cache_metric(app: &TestApp, name: &str, labels: &[(&str, &str)]) -> f64 {
    metric_value(&app.metrics().await, name, labels)
}

#[tokio::test]
async fn a_hit_returns_the_same_pcm_as_the_miss_that_filled_it_without_the_engine() {
    let engine = Counted::new(false);
    let app = spawn_counted(&engine, |_| {}).await;
    let miss = frames(&app, &counted("Your table is booked.")).await;
    let hit = frames(&app, &counted("Your table is booked.")).await;
    assert_eq!(
        engine.calls(),
        1,
        "the second request did not reach the engine"
    );
    assert!(!miss.audio.is_empty());
    assert_eq!(hit.audio, miss.audio);
    let labels = [("provider", "counted")];
    assert_eq!(
        cache_metric(&app, "tts_cache_misses_total", &labels).await,
        1.0
    );
    let memory = [("provider", "counted"), ("tier", "memory")];
    assert_eq!(
        cache_metric(&app, "tts_cache_hits_total", &memory).await,
        1.0
    );
    assert_eq!(cache_metric(&app, "tts_cache_entries", &labels).await, 1.0);
    // The same entry serves another format and rate.
    let mut wav = counted("Your table is booked.");
    wav["target_format"] = json!("wav");
    wav["sample_rate_hz"] = json!(8000);
    assert!(!frames(&app, &wav).await.audio.is_empty());
    assert_eq!(engine.calls(), 1);
}

#[tokio::test]
async fn a_sentence_shared_by_two_texts_is_synthesised_once() {
    let engine = Counted::new(false);
    let app = spawn_counted(&engine, |_| {}).await;
    let first = frames(&app, &counted("Welcome to Acme. Press one for sales.")).await;
    assert_eq!(engine.calls(), 2, "one call per sentence");
    // Three chunks per sentence (its text with the space after it), and the engine's
    // pause between the two sentences put back.
    let sentence = |chars: usize| 3 * (1600 + 160 * chars);
    let pause = (RATE * PAUSE_MS / 1000) as usize;
    assert_eq!(first.audio.len() / 2, sentence(17) + pause + sentence(20));
    frames(&app, &counted("Welcome to Acme. Press two for support.")).await;
    assert_eq!(engine.calls(), 3, "the greeting came from the cache");
}

#[tokio::test]
async fn another_speed_voice_model_or_an_opt_out_never_hits() {
    let engine = Counted::new(false);
    let app = spawn_counted(&engine, |_| {}).await;
    let text = "Thanks for calling.";
    let first = frames(&app, &counted(text)).await;
    let mut faster = counted(text);
    faster["speed"] = json!(1.5);
    frames(&app, &faster).await;
    assert_eq!(engine.calls(), 2, "another speed is another entry");
    let mut other_voice = counted(text);
    other_voice["voice"] = json!("v2");
    frames(&app, &other_voice).await;
    assert_eq!(engine.calls(), 3, "another voice is another entry");
    let mut opted_out = counted(text);
    opted_out["cache"] = json!(false);
    let fresh = frames(&app, &opted_out).await;
    assert_eq!(engine.calls(), 4, "\"cache\": false synthesises");
    assert_ne!(fresh.audio, first.audio);
    *engine.fingerprint.lock() = "model-2".into();
    let new_model = frames(&app, &counted(text)).await;
    assert_eq!(engine.calls(), 5, "a new model never serves the old audio");
    assert_ne!(new_model.audio, first.audio);
    assert_eq!(frames(&app, &counted(text)).await.audio, new_model.audio);
    assert_eq!(engine.calls(), 5);
}

#[tokio::test]
async fn the_memory_budget_holds_under_churn_and_the_recent_stay() {
    let engine = Counted::new(false);
    // Each sentence is about 15 KB of PCM: a 64 KB budget holds four.
    let budget = 64 << 10;
    let app = spawn_counted(&engine, |s| s.cache.budget_bytes = budget).await;
    let labels = [("provider", "counted")];
    for i in 0..30 {
        frames(&app, &counted(&format!("Sentence number {i:02}."))).await;
        let bytes = cache_metric(&app, "tts_cache_bytes", &labels).await;
        assert!(bytes > 0.0 && bytes <= budget as f64, "{bytes} bytes held");
    }
    assert!(cache_metric(&app, "tts_cache_evictions_total", &labels).await >= 25.0);
    assert!(cache_metric(&app, "tts_cache_entries", &labels).await <= 4.0);
    frames(&app, &counted("Sentence number 29.")).await;
    assert_eq!(
        engine.calls(),
        30,
        "the most recent sentence is still there"
    );
    frames(&app, &counted("Sentence number 00.")).await;
    assert_eq!(engine.calls(), 31, "the oldest was evicted");
}

#[tokio::test]
async fn concurrent_misses_synthesise_once_and_all_hear_it() {
    let engine = Counted::new(true);
    let app = Arc::new(spawn_counted(&engine, |_| {}).await);
    let streams: Vec<_> = (0..4)
        .map(|_| {
            let app = Arc::clone(&app);
            tokio::spawn(async move { frames(&app, &counted("One moment please.")).await })
        })
        .collect();
    app.eventually(
        "three requests joined the first one's synthesis",
        || async {
            cache_metric(&app, "tts_cache_joined_total", &[("provider", "counted")]).await == 3.0
        },
    )
    .await;
    engine.gate.as_ref().unwrap().add_permits(10);
    let mut heard = Vec::new();
    for s in streams {
        heard.push(s.await.unwrap().audio);
    }
    assert_eq!(engine.calls(), 1);
    assert!(!heard[0].is_empty());
    assert!(heard.iter().all(|a| *a == heard[0]));
}

#[tokio::test]
async fn a_follower_still_gets_its_audio_when_the_first_request_leaves() {
    let engine = Counted::new(true);
    let app = Arc::new(spawn_counted(&engine, |_| {}).await);
    let (id, _) = app.create(&counted("Hold the line.")).await;
    let (leader, _) = tokio_tungstenite::connect_async(app.ws_url(&id))
        .await
        .unwrap();
    app.eventually("the first request reached the engine", || async {
        engine.calls() == 1
    })
    .await;
    let follower = {
        let app = Arc::clone(&app);
        tokio::spawn(async move { frames(&app, &counted("Hold the line.")).await })
    };
    app.eventually("the second request joined", || async {
        cache_metric(&app, "tts_cache_joined_total", &[("provider", "counted")]).await == 1.0
    })
    .await;
    drop(leader);
    engine.gate.as_ref().unwrap().add_permits(10);
    let heard = follower.await.unwrap();
    assert!(
        !heard.audio.is_empty(),
        "the follower took the synthesis over"
    );
}

#[tokio::test]
async fn a_client_that_asks_is_told_which_sentences_came_from_the_cache() {
    let app = spawn_with(|s| s.cache.budget_bytes = 8 << 20, Components::default()).await;
    let mut asked = body("Good morning. How can I help?", "pcm16", 16000);
    asked["cache_info"] = json!(true);
    let marks = |f: &Frames| -> Vec<(bool, u64, u64)> {
        f.others
            .iter()
            .filter(|v| v["type"] == "cache")
            .map(|v| {
                (
                    v["hit"].as_bool().unwrap(),
                    v["text_start"].as_u64().unwrap(),
                    v["text_end"].as_u64().unwrap(),
                )
            })
            .collect()
    };
    let first = frames(&app, &asked).await;
    assert_eq!(marks(&first), [(false, 0, 13), (false, 14, 29)]);
    asked["text"] = json!("Good morning. Goodbye.");
    let second = frames(&app, &asked).await;
    assert_eq!(marks(&second), [(true, 0, 13), (false, 14, 22)]);
    // Clients that do not ask see no new frame.
    let old = frames(&app, &body("Good morning.", "pcm16", 16000)).await;
    assert_eq!(old.others, [json!({"type": "eos"})]);
}

#[tokio::test]
async fn cached_sentences_sound_and_time_their_words_as_an_uncached_text_does() {
    let app = spawn_with(|s| s.cache.budget_bytes = 8 << 20, Components::default()).await;
    let text = "It costs $3.50 today. Dr. Smith agrees!";
    let mut asked = body(text, "pcm16", 16000);
    asked["word_timestamps"] = json!(true);
    let mut uncached = asked.clone();
    uncached["cache"] = json!(false);
    let words = |f: &Frames| -> Vec<Value> {
        f.others
            .iter()
            .filter(|v| v["type"] == "timestamps")
            .flat_map(|v| v["words"].as_array().unwrap().clone())
            .collect()
    };
    let plain = frames(&app, &uncached).await;
    let miss = frames(&app, &asked).await;
    let hit = frames(&app, &asked).await;
    let expected = words(&plain);
    let spoken: Vec<&str> = expected
        .iter()
        .map(|w| w["word"].as_str().unwrap())
        .collect();
    assert_eq!(
        spoken,
        ["It", "costs", "$3.50", "today.", "Dr.", "Smith", "agrees!"]
    );
    assert_eq!(words(&miss), expected);
    assert_eq!(words(&hit), expected);
    assert_eq!(miss.audio, plain.audio);
    assert_eq!(hit.audio, plain.audio);
}

/// One synthesis of `text` by the counted engine through `door`, with the door's own
/// cache opt-out when `cached` is false; its audio is asserted to come back.
async fn speak_through(app: &TestApp, door: &str, text: &str, cached: bool) {
    let voice = json!({"mode": "id", "id": "v1"});
    let opt_out = if cached { "" } else { "&cache=false" };
    let req = match door {
        "elevenlabs" => app
            .client
            .post(app.url(&format!(
                "/elevenlabs/v1/text-to-speech/v1/stream?output_format=pcm_16000{opt_out}"
            )))
            .json(&json!({"text": text})),
        "deepgram" => app
            .client
            .post(app.url(&format!(
                "/v1/speak?model=v1&encoding=linear16&container=none&sample_rate=16000{opt_out}"
            )))
            .json(&json!({"text": text})),
        "cartesia" => {
            let mut body = json!({"model_id": "sonic-2", "transcript": text, "voice": voice,
                "output_format": {"container": "raw", "encoding": "pcm_s16le", "sample_rate": RATE}});
            if !cached {
                body["cache"] = json!(false);
            }
            app.client.post(app.url("/cartesia/tts/bytes")).json(&body)
        }
        "wyoming" => return wyoming_speak(app, text, cached).await,
        other => unreachable!("{other}"),
    };
    let resp = req.send().await.unwrap();
    assert_eq!(resp.status(), 200, "{door}");
    assert!(!resp.bytes().await.unwrap().is_empty(), "{door}");
}

async fn wyoming_speak(app: &TestApp, text: &str, cached: bool) {
    use crate::wyoming::{read, send};
    let port = app.wyoming_port.expect("WYOMING_PORT is on");
    let tcp = tokio::net::TcpStream::connect(("127.0.0.1", port))
        .await
        .unwrap();
    let mut r = tokio::io::BufReader::new(tcp);
    let mut data = json!({"text": text, "voice": {"name": "v1"}});
    if !cached {
        data["cache"] = json!(false);
    }
    send(&mut r, json!({"type": "synthesize", "data": data})).await;
    let mut audio = 0;
    loop {
        let (kind, data, payload) = read(&mut r).await.expect("events until audio-stop");
        assert_ne!(kind, "error", "{data}");
        audio += payload.len();
        if kind == "audio-stop" {
            break;
        }
    }
    assert!(audio > 0);
}

#[tokio::test]
async fn the_vendor_doors_opt_out_of_the_cache_in_their_own_place() {
    let engine = Counted::new(false);
    let app = spawn_counted(&engine, |s| s.wyoming_port = Some(0)).await;
    for (n, door) in ["elevenlabs", "deepgram", "cartesia", "wyoming"]
        .into_iter()
        .enumerate()
    {
        let text = format!("Through the {door} door.");
        speak_through(&app, door, &text, true).await;
        speak_through(&app, door, &text, true).await;
        assert_eq!(engine.calls(), 2 * n + 1, "{door}: the repeat was a hit");
        speak_through(&app, door, &text, false).await;
        assert_eq!(
            engine.calls(),
            2 * n + 2,
            "{door}: the opted-out repeat synthesised"
        );
    }
}
