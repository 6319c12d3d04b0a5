//! A Piper voice model: its `.onnx.json` configuration, and the ONNX Runtime sessions
//! that run it: its graph cut into encoder, flow and decoder at load ([`super::graph_cut`],
//! in memory, no file written, no Python), or the whole graph for a voice whose graph
//! lacks the cut points (logged; it then streams unit by unit, without word marks).
//!
//! ONNX Runtime is loaded at run time from `ORT_DYLIB_PATH` (never downloaded), once per
//! process: `ort` allows a single environment, so it lives in a global. Sessions are
//! built with explicit thread counts, because ONNX Runtime's default intra-op pool sizes
//! itself to the physical cores and pins its threads, fighting every other session.

use super::graph_cut::{Convs, Graph};
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
    /// SHA-256 of the `.onnx` and its `.onnx.json`, hex: a new model (or a changed
    /// configuration) has a new one, so the phrase cache never serves the old audio.
    pub fingerprint: String,
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
        let fingerprint = {
            use sha2::{Digest, Sha256};
            let mut hash = Sha256::new();
            let mut file = std::fs::File::open(onnx)
                .map_err(|e| format!("cannot read {}: {e}", onnx.display()))?;
            std::io::copy(&mut file, &mut hash)
                .map_err(|e| format!("cannot read {}: {e}", onnx.display()))?;
            hash.update(text.as_bytes());
            hash.finalize()
                .iter()
                .map(|b| format!("{b:02x}"))
                .collect::<String>()
        };
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
            fingerprint,
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

/// Tensors where Piper's VITS graphs are cut (names of the onnx export Piper uses):
/// the prior z_p = m_p + noise · exp(logs_p) · noise_scale (the noise is drawn inside
/// the encoder), the frame mask, the frames each phoneme id lasts, and the flow's output.
pub const PRIOR: &str = "/Add_output_0";
pub const MASK: &str = "/Cast_2_output_0";
pub const DURATIONS: &str = "/Ceil_output_0";
pub const LATENT: &str = "/Mul_7_output_0";
const AUDIO: &str = "output";

/// A loaded model, ready to run on the thread that owns it: cut into its three parts,
/// or whole for a voice whose graph lacks the cut points.
pub enum LoadedModel {
    Split(Parts),
    Whole(Part),
}

/// One ONNX Runtime session.
pub struct Part {
    session: Session,
    /// Whether the graph takes a `sid` (speaker id) input.
    takes_speaker: bool,
}

/// The encoder, flow and decoder of one voice.
pub struct Parts {
    encoder: Part,
    flow: Part,
    decoder: Part,
    /// Rows of the latent (192 for Piper's voices).
    pub channels: usize,
    /// Audio samples per latent frame (256 for Piper's voices), found at load.
    pub hop: usize,
}

/// What the encoder says about a run of phoneme ids.
pub struct Encoded {
    /// The prior, `channels` rows of `durations.sum()` frames (row-major, as [1, C, T]).
    pub prior: Vec<f32>,
    /// Frames each phoneme id lasts (whole numbers), after `length_scale`.
    pub durations: Vec<f32>,
}

impl LoadedModel {
    /// Loads `model`, cut into parts if its graph has the cut points (a voice without
    /// them runs whole, without streaming within a unit or word timings; logged).
    pub fn load(
        env: &Environment,
        model: &VoiceModel,
        intra_op_threads: usize,
    ) -> Result<Self, String> {
        Self::open(env, model, intra_op_threads, true)
    }

    /// Loads `model`'s graph as it is, uncut (the baseline chunked inference is measured
    /// against).
    pub fn load_whole(
        env: &Environment,
        model: &VoiceModel,
        intra_op_threads: usize,
    ) -> Result<Self, String> {
        Self::open(env, model, intra_op_threads, false)
    }

    fn open(
        env: &Environment,
        model: &VoiceModel,
        intra_op_threads: usize,
        cut: bool,
    ) -> Result<Self, String> {
        let path = model.onnx_path.display();
        let bytes = std::fs::read(&model.onnx_path).map_err(|e| format!("{path}: {e}"))?;
        let load = |bytes: &[u8]| Part::load(env, bytes, intra_op_threads);
        let parts = if cut {
            split(&bytes, Convs::As2d)
        } else {
            Err(String::new())
        };
        let load_parts = |[encoder, flow, decoder]: [Vec<u8>; 3]| -> Result<Parts, String> {
            let mut parts = Parts {
                encoder: load(&encoder).map_err(|e| format!("{path} (encoder): {e}"))?,
                flow: load(&flow).map_err(|e| format!("{path} (flow): {e}"))?,
                decoder: load(&decoder).map_err(|e| format!("{path} (decoder): {e}"))?,
                channels: 0,
                hop: 0,
            };
            parts
                .measure(model)
                .map_err(|e| format!("{path}: measuring the parts: {e}"))?;
            Ok(parts)
        };
        match parts {
            Ok(rewritten) => match load_parts(rewritten) {
                Ok(parts) => Ok(Self::Split(parts)),
                Err(error) => {
                    // The 2-D convolutions only make the decoder faster: parts ONNX Runtime
                    // will not take that way are loaded as the voice has them.
                    tracing::warn!(provider = "piper", voice = %model.name, %error,
                        "the decoder with 2-D convolutions did not load; loading the parts as exported");
                    Ok(Self::Split(load_parts(split(&bytes, Convs::AsIs)?)?))
                }
            },
            Err(reason) => {
                if cut {
                    tracing::warn!(provider = "piper", voice = %model.name, %reason,
                        "cannot cut the graph; this voice synthesises whole units, without word timings");
                }
                Ok(Self::Whole(
                    load(&bytes).map_err(|e| format!("{path}: {e}"))?,
                ))
            }
        }
    }

    /// Runs the whole pipeline on one unit's phoneme ids; returns float samples in
    /// [-1, 1]. `options` lets another thread stop the run (`RunOptions::terminate`).
    pub fn infer(
        &mut self,
        ids: &[i64],
        scales: [f32; 3],
        speaker: Option<i64>,
        options: &RunOptions,
    ) -> Result<Vec<f32>, ort::Error> {
        match self {
            Self::Whole(part) => {
                let outputs = part.run(ids_inputs(ids, scales)?, speaker, options)?;
                Ok(outputs[0].try_extract_tensor::<f32>()?.1.to_vec())
            }
            Self::Split(parts) => {
                let encoded = parts.encode(ids, scales, speaker, options)?;
                let latent = parts.flow(&encoded.prior, speaker, options)?;
                parts.decode(&latent, speaker, options)
            }
        }
    }
}

/// The voice's graph cut into encoder, flow and decoder models, with the decoder's 1-D
/// convolutions as `convs` says. The encoder and the flow stay as exported: as 2-D they
/// cost 1–5 % less but hold 34 MiB more per worker, for under 1 % of a sentence's cost
/// (docs/BENCHMARKS.md).
pub fn split(model: &[u8], convs: Convs) -> Result<[Vec<u8>; 3], String> {
    let graph = Graph::parse(model)?;
    if let Some(missing) = [PRIOR, MASK, DURATIONS, LATENT]
        .into_iter()
        .find(|n| !graph.produces(n))
    {
        return Err(format!("no tensor {missing}"));
    }
    Ok([
        graph.extract(&[], &[PRIOR, DURATIONS], Convs::AsIs)?,
        graph.extract(&[PRIOR, MASK], &[LATENT], Convs::AsIs)?,
        graph.extract(&[LATENT], &[AUDIO], convs)?,
    ])
}

type Inputs = Vec<(&'static str, ort::value::DynValue)>;

fn ids_inputs(ids: &[i64], scales: [f32; 3]) -> Result<Inputs, ort::Error> {
    let n = ids.len();
    Ok(vec![
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
    ])
}

impl Part {
    fn load(env: &Environment, bytes: &[u8], intra_op_threads: usize) -> Result<Self, String> {
        let err = |e: ort::Error<_>| e.to_string();
        let session = Session::builder(env)
            .map_err(|e| e.to_string())?
            .with_optimization_level(GraphOptimizationLevel::Level3)
            .map_err(err)?
            .with_intra_threads(intra_op_threads)
            .map_err(err)?
            .with_inter_threads(1)
            .map_err(err)?
            .with_parallel_execution(false)
            .map_err(err)?
            .commit_from_memory(bytes)
            .map_err(|e| e.to_string())?;
        let takes_speaker = session.inputs().iter().any(|i| i.name() == "sid");
        Ok(Self {
            session,
            takes_speaker,
        })
    }

    fn run<'a>(
        &'a mut self,
        mut inputs: Inputs,
        speaker: Option<i64>,
        options: &'a RunOptions,
    ) -> Result<ort::session::SessionOutputs<'a>, ort::Error> {
        if self.takes_speaker {
            let sid = speaker.unwrap_or(0);
            inputs.push(("sid", Tensor::from_array(([1usize], vec![sid]))?.into_dyn()));
        }
        self.session.run_with_options(inputs, options)
    }
}

impl Parts {
    /// Finds `channels` and `hop` by running the parts once.
    fn measure(&mut self, model: &VoiceModel) -> Result<(), ort::Error> {
        let options = RunOptions::new()?;
        let ids = [1, 0, 20, 0, 2];
        let scales = [model.noise_scale, model.length_scale, model.noise_w];
        let outputs = self
            .encoder
            .run(ids_inputs(&ids, scales)?, None, &options)?;
        let (shape, _) = outputs[PRIOR].try_extract_tensor::<f32>()?;
        self.channels = shape[1] as usize;
        let frames = shape[2] as usize;
        drop(outputs);
        let latent = vec![0.0; self.channels * frames];
        let audio = self.decode(&latent, None, &options)?;
        self.hop = audio.len() / frames.max(1);
        Ok(())
    }

    /// The prior and durations of `ids` (a whole unit, or a window of one).
    pub fn encode(
        &mut self,
        ids: &[i64],
        scales: [f32; 3],
        speaker: Option<i64>,
        options: &RunOptions,
    ) -> Result<Encoded, ort::Error> {
        let outputs = self
            .encoder
            .run(ids_inputs(ids, scales)?, speaker, options)?;
        let prior = outputs[PRIOR].try_extract_tensor::<f32>()?.1.to_vec();
        let durations = outputs[DURATIONS].try_extract_tensor::<f32>()?.1.to_vec();
        Ok(Encoded { prior, durations })
    }

    /// The flow on `prior` (`channels` rows of frames), every frame unmasked.
    pub fn flow(
        &mut self,
        prior: &[f32],
        speaker: Option<i64>,
        options: &RunOptions,
    ) -> Result<Vec<f32>, ort::Error> {
        let frames = prior.len() / self.channels;
        let inputs = vec![
            (
                PRIOR,
                Tensor::from_array(([1usize, self.channels, frames], prior.to_vec()))?.into_dyn(),
            ),
            (
                MASK,
                Tensor::from_array(([1usize, 1, frames], vec![1.0f32; frames]))?.into_dyn(),
            ),
        ];
        let outputs = self.flow.run(inputs, speaker, options)?;
        Ok(outputs[LATENT].try_extract_tensor::<f32>()?.1.to_vec())
    }

    /// The decoder on `latent` (`channels` rows of frames): `hop` samples a frame.
    pub fn decode(
        &mut self,
        latent: &[f32],
        speaker: Option<i64>,
        options: &RunOptions,
    ) -> Result<Vec<f32>, ort::Error> {
        let frames = latent.len() / self.channels;
        let inputs = vec![(
            LATENT,
            Tensor::from_array(([1usize, self.channels, frames], latent.to_vec()))?.into_dyn(),
        )];
        let outputs = self.decoder.run(inputs, speaker, options)?;
        Ok(outputs[AUDIO].try_extract_tensor::<f32>()?.1.to_vec())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_graph_without_the_cut_points_is_not_cut() {
        // ModelProto { graph: GraphProto { node: NodeProto { output: "x" } } }
        let model = [0x3a, 5, 0x0a, 3, 0x12, 1, b'x'];
        let err = split(&model, Convs::As2d).unwrap_err();
        assert!(err.contains(PRIOR), "{err}");
        assert!(split(&[], Convs::AsIs).is_err());
    }
}
