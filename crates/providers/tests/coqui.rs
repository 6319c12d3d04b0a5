//! The Coqui provider against a local double of tts-server's documented API.

mod support;

use futures::StreamExt;
use std::time::Duration;
use support::coqui_double::CoquiDouble;
use tts_core::{Provider, ProviderErrorKind, SynthesisRequest};
use tts_providers::coqui::{Coqui, CoquiConfig};

fn provider(url: &str, timeout_ms: u64) -> Coqui {
    Coqui::new(&CoquiConfig {
        url: Some(url.parse().unwrap()),
        timeout: Duration::from_millis(timeout_ms),
        speaker_id: Some("p225".into()),
        language_id: Some("en".into()),
        ..Default::default()
    })
    .unwrap()
}

fn request(p: &Coqui, text: &str) -> SynthesisRequest {
    SynthesisRequest {
        text: text.into(),
        voice: p.voices()[0].id.clone(),
        ..Default::default()
    }
}

async fn first_error(p: &Coqui, text: &str) -> tts_core::ProviderError {
    let mut s = p.synthesize(request(p, text));
    loop {
        match s.next().await.expect("an error before the end") {
            Ok(_) => continue,
            Err(e) => return e,
        }
    }
}

#[tokio::test]
async fn audio_streams_while_the_body_is_still_arriving() {
    let double = CoquiDouble::start(22_050).await;
    let p = provider(&double.url, 5_000);
    let mut s = p.synthesize(request(
        &p,
        "[gated] Hello there, this is the remote voice.",
    ));
    // The server holds the body after its header: no audio yet, nothing failed.
    let early = tokio::time::timeout(Duration::from_millis(200), s.next()).await;
    assert!(early.is_err(), "audio before any sample was sent");
    double.observed.gate.add_permits(1);
    let first = s.next().await.unwrap().unwrap();
    let sent_then = double
        .observed
        .pieces_sent
        .load(std::sync::atomic::Ordering::SeqCst);
    assert!(!first.samples.is_empty() && first.sample_rate == 22_050);
    let rest: Vec<_> = s.collect().await;
    assert!(rest.len() > 1, "the body came as one chunk");
    assert!(
        sent_then
            < double
                .observed
                .pieces_sent
                .load(std::sync::atomic::Ordering::SeqCst)
    );
}

#[tokio::test]
async fn the_documented_query_is_sent() {
    let double = CoquiDouble::start(22_050).await;
    let p = provider(&double.url, 5_000);
    let _: Vec<_> = p.synthesize(request(&p, "Hi & bye?")).collect().await;
    let q = double.observed.last_query.lock().clone();
    assert_eq!(q.get("text").map(String::as_str), Some("Hi & bye?"));
    assert_eq!(q.get("speaker_id").map(String::as_str), Some("p225"));
    assert_eq!(q.get("language_id").map(String::as_str), Some("en"));
    assert_eq!(q.get("style_wav").map(String::as_str), Some(""));
}

#[tokio::test]
async fn the_wav_header_corrects_the_declared_rate() {
    let double = CoquiDouble::start(16_000).await;
    let p = provider(&double.url, 5_000);
    assert_eq!(p.voices()[0].sample_rate_hz, 22_050);
    let chunks: Vec<_> = p.synthesize(request(&p, "Hello.")).collect().await;
    assert!(chunks
        .iter()
        .all(|c| c.as_ref().unwrap().sample_rate == 16_000));
    assert_eq!(p.voices()[0].sample_rate_hz, 16_000);
}

#[tokio::test]
async fn voice_metadata_shows_the_model_and_language() {
    let double = CoquiDouble::start(22_050).await;
    let v = provider(&double.url, 5_000).voices().remove(0);
    assert_eq!(v.language, "en-US");
    assert_eq!(
        v.extra["model_name"],
        "tts_models/en/ljspeech/tacotron2-DDC"
    );
    assert_eq!(v.extra["language"], "en-US");
    assert_eq!(v.id, "coqui-en-ljspeech-tacotron2-DDC#p225");
}

#[tokio::test]
async fn a_slow_server_is_a_timeout() {
    let double = CoquiDouble::start(22_050).await;
    let p = provider(&double.url, 300);
    assert_eq!(
        first_error(&p, "[slow] hello").await.kind,
        ProviderErrorKind::Timeout
    );
    assert_eq!(
        first_error(&p, "[stall] hello").await.kind,
        ProviderErrorKind::Timeout
    );
}

#[tokio::test]
async fn a_failing_server_is_unavailable_and_says_nothing_of_its_internals() {
    let double = CoquiDouble::start(22_050).await;
    let p = provider(&double.url, 5_000);
    let e = first_error(&p, "[fail] hello").await;
    assert_eq!(e.kind, ProviderErrorKind::Unavailable);
    assert!(e.is_retryable());
    assert!(!e.message.contains("Traceback"));
}

#[tokio::test]
async fn a_malformed_body_is_internal() {
    let double = CoquiDouble::start(22_050).await;
    let p = provider(&double.url, 5_000);
    assert_eq!(
        first_error(&p, "[malformed] hello").await.kind,
        ProviderErrorKind::Internal
    );
}

#[tokio::test]
async fn no_server_is_unavailable() {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    drop(listener);
    let p = provider(&url, 2_000);
    assert_eq!(
        first_error(&p, "hello").await.kind,
        ProviderErrorKind::Unavailable
    );
}

#[tokio::test]
async fn an_unknown_voice_is_a_bad_request() {
    let double = CoquiDouble::start(22_050).await;
    let p = provider(&double.url, 5_000);
    let mut s = p.synthesize(SynthesisRequest {
        text: "hi".into(),
        voice: "nope".into(),
        ..Default::default()
    });
    assert_eq!(
        s.next().await.unwrap().unwrap_err().kind,
        ProviderErrorKind::BadRequest
    );
}

/// `path` in the system's temporary directory, holding `contents`.
fn temp_file(name: &str, contents: &str) -> std::path::PathBuf {
    let path = std::env::temp_dir().join(format!("{}-{name}", std::process::id()));
    std::fs::write(&path, contents).unwrap();
    path
}

#[tokio::test]
async fn an_https_server_is_trusted_through_coqui_ca_file_and_refused_without_it() {
    let (double, ca) = CoquiDouble::start_tls(16_000).await;
    let ca_file = temp_file("coqui-ca.pem", &ca);
    let trusting = Coqui::new(&CoquiConfig {
        url: Some(double.url.parse().unwrap()),
        ca_file: Some(ca_file.clone()),
        ..Default::default()
    })
    .unwrap();
    let text = "Over TLS.";
    let chunks: Vec<_> = trusting
        .synthesize(request(&trusting, text))
        .collect()
        .await;
    let samples: usize = chunks
        .into_iter()
        .map(|c| c.expect("audio over https").samples.len())
        .sum();
    let expected =
        (text.chars().count() as f64 * support::coqui_double::SECONDS_PER_CHAR * 16_000.0) as usize;
    assert_eq!(samples, expected);
    assert_eq!(
        double
            .observed
            .last_query
            .lock()
            .get("text")
            .map(String::as_str),
        Some(text)
    );

    // The built-in roots alone do not vouch for a self-signed certificate.
    let untrusting = Coqui::new(&CoquiConfig {
        url: Some(double.url.parse().unwrap()),
        ..Default::default()
    })
    .unwrap();
    let e = first_error(&untrusting, "hello").await;
    assert_eq!(e.kind, ProviderErrorKind::Unavailable);
    assert!(e.message.contains("certificate"), "{}", e.message);
    let _ = std::fs::remove_file(ca_file);
}

#[test]
fn a_coqui_ca_file_without_certificates_is_refused_naming_it() {
    let config = |path: std::path::PathBuf| CoquiConfig {
        url: Some("https://127.0.0.1:1".parse().unwrap()),
        ca_file: Some(path),
        ..Default::default()
    };
    let missing = std::env::temp_dir().join("no-such-coqui-ca.pem");
    let e = Coqui::new(&config(missing)).err().unwrap();
    assert!(
        e.contains("COQUI_CA_FILE") && e.contains("no-such-coqui-ca.pem"),
        "{e}"
    );
    let not_pem = temp_file("not-a-ca.pem", "hello");
    let e = Coqui::new(&config(not_pem.clone())).err().unwrap();
    assert!(
        e.contains("COQUI_CA_FILE") && e.contains("certificate"),
        "{e}"
    );
    let _ = std::fs::remove_file(not_pem);
}
