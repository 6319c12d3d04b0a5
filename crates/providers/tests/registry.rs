//! `Registry::build`: engines that cannot start are left out, and the rest still run.

use tts_providers::{ProvidersConfig, Registry};

fn config(pairs: &[(&str, &str)]) -> ProvidersConfig {
    let map: std::collections::HashMap<String, String> = pairs
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
    ProvidersConfig::from_env(&move |k: &str| map.get(k).cloned()).unwrap()
}

#[test]
fn an_engine_that_cannot_start_is_left_out_and_the_others_run() {
    let registry = Registry::build(&config(&[
        ("PIPER_VOICES_DIR", "/nonexistent/voices"),
        ("COQUI_URL", "http://127.0.0.1:9"),
    ]));
    assert_eq!(registry.ids(), ["coqui_tts", "espeak", "mock_tone"]);
    assert!(registry.piper().is_none());
    assert!(registry.espeak().is_some());
}

#[test]
fn a_missing_onnx_runtime_leaves_piper_out() {
    let voices = concat!(env!("CARGO_MANIFEST_DIR"), "/../../.local/voices");
    let registry = Registry::build(&config(&[
        ("PIPER_VOICES_DIR", voices),
        ("ORT_DYLIB_PATH", "/nonexistent/libonnxruntime.so"),
        ("ESPEAK_ENABLED", "0"),
        ("MOCK_TONE_ENABLED", "0"),
    ]));
    assert!(registry.ids().is_empty(), "{:?}", registry.ids());
}

#[test]
fn coqui_needs_a_url() {
    let registry = Registry::build(&config(&[("PIPER_ENABLED", "0"), ("ESPEAK_ENABLED", "0")]));
    assert_eq!(registry.ids(), ["mock_tone"]);
}

#[test]
fn mock_tone_only_starts_no_real_engine() {
    let registry = Registry::build(&ProvidersConfig::mock_tone_only());
    assert_eq!(registry.ids(), ["mock_tone"]);
}
