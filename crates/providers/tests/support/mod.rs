//! Shared test helpers: the engines under test, built once per test binary, and the
//! local double of Coqui's tts-server.
#![allow(dead_code)] // each test binary uses a different subset

pub mod coqui_double;

use std::path::PathBuf;
use std::sync::{Arc, OnceLock};
use std::time::{Duration, Instant};
use tts_providers::espeak::{EspeakConfig, EspeakProvider};
use tts_providers::piper::{Piper, PiperConfig};

/// `var` if set, else `.local/<rest>` of the repository.
fn local_path(var: &str, rest: &str) -> PathBuf {
    std::env::var_os(var).map(PathBuf::from).unwrap_or_else(|| {
        PathBuf::from(env!("CARGO_MANIFEST_DIR"))
            .join("../../.local")
            .join(rest)
    })
}

/// Piper's configuration for tests. Panics (fails the test, never skips it) when the
/// ONNX Runtime library or the voice is missing.
pub fn piper_config() -> PiperConfig {
    let ort = local_path("ORT_DYLIB_PATH", "lib/libonnxruntime.so");
    let voices = local_path("PIPER_VOICES_DIR", "voices");
    assert!(
        ort.is_file(),
        "ONNX Runtime not found at {} (ORT_DYLIB_PATH): run scripts/setup.sh",
        ort.display()
    );
    let has_voice = std::fs::read_dir(&voices)
        .map(|d| {
            d.flatten()
                .any(|e| e.path().extension().is_some_and(|x| x == "onnx"))
        })
        .unwrap_or(false);
    assert!(
        has_voice,
        "no Piper voice in {} (PIPER_VOICES_DIR): run scripts/setup.sh",
        voices.display()
    );
    PiperConfig {
        enabled: true,
        voices_dir: voices,
        ort_dylib_path: ort,
        intra_op_threads: 1,
        max_concurrent: 2,
    }
}

/// The test binary's Piper (models load once per process).
pub fn piper() -> Arc<Piper> {
    static PIPER: OnceLock<Arc<Piper>> = OnceLock::new();
    PIPER
        .get_or_init(|| {
            let engine = espeak().engine().clone();
            Arc::new(Piper::start(&piper_config(), engine).expect("piper starts"))
        })
        .clone()
}

/// The test binary's espeak provider. Fails the test if libespeak-ng or its data is
/// missing (Debian: libespeak-ng1 espeak-ng-data; scripts/setup.sh installs them).
pub fn espeak() -> Arc<EspeakProvider> {
    static ESPEAK: OnceLock<Arc<EspeakProvider>> = OnceLock::new();
    ESPEAK
        .get_or_init(|| {
            let p = EspeakProvider::start(&EspeakConfig::default())
                .unwrap_or_else(|e| panic!("espeak does not start ({e}): run scripts/setup.sh"));
            Arc::new(p)
        })
        .clone()
}

/// Polls `condition` until it holds or `within` passes; returns whether it held. For
/// waiting on another thread's counters, where no event can be awaited.
pub async fn eventually(within: Duration, mut condition: impl FnMut() -> bool) -> bool {
    let deadline = Instant::now() + within;
    loop {
        if condition() {
            return true;
        }
        if Instant::now() > deadline {
            return false;
        }
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
}
