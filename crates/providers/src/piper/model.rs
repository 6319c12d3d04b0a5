//! A Piper voice model: its `.onnx.json` configuration, and the ONNX Runtime session
//! that runs it.
//!
//! ONNX Runtime is loaded at run time from `ORT_DYLIB_PATH` (never downloaded), once per
//! process: `ort` allows a single environment, so it lives in a global. Sessions are
//! built with explicit thread counts, because ONNX Runtime's default intra-op pool sizes
//! itself to the physical cores and pins its threads, fighting every other session.

use super::phonemize::PhonemeIds;
use ort::environment::Environment;
use ort::session::builder::GraphOptimizationLevel;
use ort::session::{RunOptions, Session};
use ort::value::Tensor;
use parking_lot::Mutex;
use serde::Deserialize;
use std::collections::{BTreeMap, HashMap};
use std::path::{Path, PathBuf};

/// One `*.onnx` + `*.onnx.json` pair.
#[derive(Clone, Debug)]
pub struct VoiceModel {
    /// The file stem, e.g. `en_US-joe-medium`: the voice id.
    pub name: String,
    pub onnx_path: PathBuf,
    pub sample_rate: u32,
    /// The espeak voice that phonemizes for it, e.g. `en-us`.
    pub espeak_voice: String,
    /// Canonical BCP-47 tag.
    pub language: String,
    pub quality: Option<String>,
    pub noise_scale: f32,
    pub length_scale: f32,
    pub noise_w: f32,
    pub phoneme_ids: PhonemeIds,
    /// Speaker name → id; empty for single-speaker models.
    pub speakers: BTreeMap<String, i64>,
}

#[derive(Deserialize)]
struct RawConfig {
    audio: RawAudio,
    espeak: Option<RawEspeak>,
    #[serde(default)]
    inference: RawInference,
    phoneme_type: Option<String>,
    phoneme_id_map: HashMap<String, Vec<i64>>,
    #[serde(default)]
    phoneme_map: HashMap<String, Vec<String>>,
    #[serde(default)]
    speaker_id_map: BTreeMap<String, i64>,
    language: Option<RawLanguage>,
}

#[derive(Deserialize)]
struct RawAudio {
    sample_rate: u32,
    quality: Option<String>,
}

#[derive(Deserialize)]
struct RawEspeak {
    voice: String,
}

#[derive(Deserialize)]
#[serde(default)]
struct RawInference {
    noise_scale: f32,
    length_scale: f32,
    noise_w: f32,
}

impl Default for RawInference {
    fn default() -> Self {
        // Piper's own defaults.
        Self {
            noise_scale: 0.667,
            length_scale: 1.0,
            noise_w: 0.8,
        }
    }
}

#[derive(Deserialize)]
struct RawLanguage {
    code: String,
}

impl VoiceModel {
    /// Reads `<onnx>.json` next to `onnx`.
    pub fn load(onnx: &Path) -> Result<Self, String> {
        let json_path = PathBuf::from(format!("{}.json", onnx.display()));
        let text = std::fs::read_to_string(&json_path)
            .map_err(|e| format!("cannot read {}: {e}", json_path.display()))?;
        let raw: RawConfig =
            serde_json::from_str(&text).map_err(|e| format!("{}: {e}", json_path.display()))?;
        if let Some(t) = raw.phoneme_type.as_deref().filter(|t| *t != "espeak") {
            return Err(format!(
                "{}: phoneme_type {t:?} is not supported (only espeak)",
                json_path.display()
            ));
        }
        let espeak_voice = raw
            .espeak
            .map(|e| e.voice)
            .ok_or_else(|| format!("{}: no espeak.voice", json_path.display()))?;
        let language = raw
            .language
            .map_or_else(|| espeak_voice.clone(), |l| l.code);
        let name = onnx
            .file_stem()
            .map(|s| s.to_string_lossy().into_owned())
            .unwrap_or_default();
        Ok(Self {
            name,
            onnx_path: onnx.to_path_buf(),
            sample_rate: raw.audio.sample_rate,
            espeak_voice,
            language: tts_core::canonicalize_language(&language),
            quality: raw.audio.quality,
            noise_scale: raw.inference.noise_scale,
            length_scale: raw.inference.length_scale,
            noise_w: raw.inference.noise_w,
            phoneme_ids: PhonemeIds::new(&raw.phoneme_id_map, &raw.phoneme_map)
                .map_err(|e| format!("{}: {e}", json_path.display()))?,
            speakers: raw.speaker_id_map,
        })
    }
}

/// Every model in `dir` (sorted by name). A pair that cannot be read is logged and
/// skipped; no usable pair at all is an error.
pub fn discover(dir: &Path) -> Result<Vec<VoiceModel>, String> {
    let entries = std::fs::read_dir(dir)
        .map_err(|e| format!("cannot read voices directory {}: {e}", dir.display()))?;
    let mut models = Vec::new();
    for entry in entries.flatten() {
        let path = entry.path();
        if path.extension().is_none_or(|e| e != "onnx") {
            continue;
        }
        match VoiceModel::load(&path) {
            Ok(m) => models.push(m),
            Err(e) => tracing::warn!(provider = "piper", error = %e, "skipping a voice"),
        }
    }
    if models.is_empty() {
        return Err(format!(
            "no *.onnx + *.onnx.json voice in {} (run scripts/setup.sh)",
            dir.display()
        ));
    }
    models.sort_by(|a, b| a.name.cmp(&b.name));
    Ok(models)
}

static ENVIRONMENT: Mutex<Option<Environment>> = Mutex::new(None);

/// The process's ONNX Runtime environment, loading the library from `dylib` on first
/// use. A missing or incompatible library is an error (never a panic, never a download).
pub fn environment(dylib: &Path) -> Result<Environment, String> {
    let mut env = ENVIRONMENT.lock();
    if let Some(e) = env.as_ref() {
        return Ok(e.clone());
    }
    if !dylib.is_file() {
        return Err(format!(
            "ONNX Runtime library {} not found (set ORT_DYLIB_PATH or run scripts/setup.sh)",
            dylib.display()
        ));
    }
    let built = ort::init_from(dylib)
        .map_err(|e| format!("cannot load ONNX Runtime: {e}"))?
        .with_name("tts-piper")
        .with_telemetry(false)
        .build()
        .map_err(|e| format!("cannot create the ONNX Runtime environment: {e}"))?;
    *env = Some(built.clone());
    Ok(built)
}

/// A loaded model, ready to run on the thread that owns it.
pub struct LoadedModel {
    session: Session,
    /// Whether the graph takes a `sid` (speaker id) input.
    takes_speaker: bool,
}

impl LoadedModel {
    pub fn load(
        env: &Environment,
        model: &VoiceModel,
        intra_op_threads: usize,
    ) -> Result<Self, String> {
        let err = |e: ort::Error<_>| format!("{}: {e}", model.onnx_path.display());
        let session = Session::builder(env)
            .map_err(|e| format!("{}: {e}", model.onnx_path.display()))?
            .with_optimization_level(GraphOptimizationLevel::Level3)
            .map_err(err)?
            .with_intra_threads(intra_op_threads)
            .map_err(err)?
            .with_inter_threads(1)
            .map_err(err)?
            .with_parallel_execution(false)
            .map_err(err)?
            .commit_from_file(&model.onnx_path)
            .map_err(|e| format!("{}: {e}", model.onnx_path.display()))?;
        let takes_speaker = session.inputs().iter().any(|i| i.name() == "sid");
        Ok(Self {
            session,
            takes_speaker,
        })
    }

    /// Runs the model on one unit's phoneme ids; returns float samples in [-1, 1].
    /// `options` lets another thread stop the run (`RunOptions::terminate`).
    pub fn infer(
        &mut self,
        ids: &[i64],
        scales: [f32; 3],
        speaker: Option<i64>,
        options: &RunOptions,
    ) -> Result<Vec<f32>, ort::Error> {
        let n = ids.len();
        let mut inputs = vec![
            (
                "input",
                Tensor::from_array(([1usize, n], ids.to_vec()))?.into_dyn(),
            ),
            (
                "input_lengths",
                Tensor::from_array(([1usize], vec![n as i64]))?.into_dyn(),
            ),
            (
                "scales",
                Tensor::from_array(([3usize], scales.to_vec()))?.into_dyn(),
            ),
        ];
        if self.takes_speaker {
            let sid = speaker.unwrap_or(0);
            inputs.push(("sid", Tensor::from_array(([1usize], vec![sid]))?.into_dyn()));
        }
        let outputs = self.session.run_with_options(inputs, options)?;
        let (_, audio) = outputs[0].try_extract_tensor::<f32>()?;
        Ok(audio.to_vec())
    }
}
