//! Piper's streaming within a sentence, measured against whole-sentence inference on the
//! real voice: the flow and decoder run chunk by chunk on the prior the whole-sentence
//! path also gets, and the encoder runs on windows of words compared with the encoder
//! on the whole sentence (noise off, so both are deterministic). Run with
//! `--nocapture` to see the figures (docs/BENCHMARKS.md quotes them).

mod support;

use ort::session::RunOptions;
use tts_providers::piper::model::{self, LoadedModel, Parts, VoiceModel};
use tts_providers::piper::phonemize::UnitIds;
use tts_providers::piper::stats::PiperStats;
use tts_providers::piper::unit::{frame_starts, Chunking, Frames, UnitSynthesis, Windows};

const TWELVE: &str = "The quick brown fox jumps over the lazy dog near the old bridge.";
const LONG: &str = "When the morning train finally pulled into the small station at the edge \
    of the valley, the travellers who had waited for hours on the cold platform gathered \
    their bags and coats and climbed aboard without a word, hoping that the long journey \
    through the mountains would be quicker than the last one and that the heating in the \
    old carriages would work this time.";

fn parts() -> (VoiceModel, Parts) {
    let config = support::piper_config();
    let models = model::discover(&config.voices_dir).unwrap();
    let m = models.into_iter().next().unwrap();
    let env = model::environment(&config.ort_dylib_path).unwrap();
    match LoadedModel::load(&env, &m, 1).unwrap() {
        LoadedModel::Split(p) => (m, p),
        LoadedModel::Whole(_) => panic!("{}: the graph was not cut", m.name),
    }
}

/// The whole text as one unit.
fn unit_ids(m: &VoiceModel, text: &str) -> UnitIds {
    let unit = tts_providers::text::units(text, 10_000, 10_000).remove(0);
    let texts = unit.clauses.iter().map(|c| c.text.clone()).collect();
    let espeak = support::espeak()
        .engine()
        .phonemize(&m.espeak_voice, texts)
        .unwrap();
    m.phoneme_ids.unit(&unit, &espeak)
}

fn snr_db(reference: &[f32], other: &[f32]) -> f64 {
    let signal: f64 = reference.iter().map(|&x| f64::from(x).powi(2)).sum();
    let noise: f64 = reference
        .iter()
        .zip(other)
        .map(|(&a, &b)| f64::from(a - b).powi(2))
        .sum();
    10.0 * (signal / noise.max(1e-30)).log10()
}

/// The flow + decoder on `prior` chunk by chunk, as the provider runs them; also
/// returns where chunks join.
fn chunked(parts: &mut Parts, chunking: &Chunking, prior: &Frames) -> (Vec<f32>, Vec<usize>) {
    let options = RunOptions::new().unwrap();
    let stats = PiperStats::default();
    let mut unit = UnitSynthesis::from_prior(prior.clone(), *chunking);
    let (mut audio, mut joins) = (Vec::new(), Vec::new());
    loop {
        let piece = unit
            .next_piece(parts, [0.0; 3], None, &options, &stats)
            .unwrap();
        audio.extend(piece.samples);
        if piece.last {
            return (audio, joins);
        }
        joins.push(audio.len());
    }
}

/// Returns true if and only if the sample-to-sample step at `join` is no larger than
/// the largest step in the 256 samples on either side.
fn no_seam(audio: &[f32], whole: &[f32], join: usize) -> bool {
    let window = join.saturating_sub(256).max(1)..(join + 256).min(audio.len());
    let step = |x: &[f32], i: usize| (x[i] - x[i - 1]).abs();
    let around = window
        .clone()
        .filter(|&i| i != join)
        .map(|i| step(audio, i))
        .fold(0.0f32, f32::max);
    // A step the whole-sentence audio also takes there is the signal, not a seam; and the
    // chunked audio differs from the whole everywhere by a tiny error, measured away from
    // the join (a seam's own error is at the join, so it cannot excuse itself).
    let error = window
        .filter(|&i| i.abs_diff(join) > 32)
        .map(|i| (audio[i] - whole[i]).abs())
        .fold(0.0f32, f32::max);
    step(audio, join) <= around.max(step(whole, join)) + 2.0 * error
}

#[test]
fn chunked_flow_and_decoder_match_whole_sentence_inference_of_the_same_prior() {
    let (m, mut parts) = parts();
    let options = RunOptions::new().unwrap();
    for text in [TWELVE, LONG] {
        let ids = unit_ids(&m, text).ids;
        let scales = [m.noise_scale, m.length_scale, m.noise_w];
        let encoded = parts.encode(&ids, scales, None, &options).unwrap();
        let prior = Frames::from_rows(parts.channels, encoded.prior.clone());
        let latent = parts.flow(&encoded.prior, None, &options).unwrap();
        let whole = parts.decode(&latent, None, &options).unwrap();
        assert_eq!(whole.len(), prior.frames() * parts.hop);
        // The cuts the provider uses, one with many joins, then figures for other
        // contexts (printed only: they show what the default's contexts buy).
        let mut cuts = vec![
            (Chunking::default(), true),
            (
                Chunking {
                    first: 16,
                    growth: 2,
                    max: 64,
                    ..Chunking::default()
                },
                true,
            ),
            // The smallest chunks a step budget allows, all the way.
            (
                Chunking {
                    growth: 1,
                    max: 48,
                    ..Chunking::default()
                },
                true,
            ),
        ];
        for (flow_context, decoder_context) in [
            (32, 16),
            (32, 8),
            (16, 8),
            (12, 8),
            (24, 4),
            (24, 8),
            (24, 16),
        ] {
            let chunking = Chunking {
                flow_context,
                decoder_context,
                ..Chunking::default()
            };
            cuts.push((chunking, false));
        }
        for (chunking, checked) in cuts {
            let (audio, joins) = chunked(&mut parts, &chunking, &prior);
            assert_eq!(audio.len(), whole.len());
            let snr = snr_db(&whole, &audio);
            println!(
                "{} frames, {chunking:?}: {} chunks, SNR {snr:.1} dB",
                prior.frames(),
                joins.len() + 1
            );
            if checked {
                assert!(snr >= 30.0, "SNR {snr:.1} dB");
                for j in joins {
                    assert!(no_seam(&audio, &whole, j), "a seam at sample {j}");
                }
            }
        }
    }
}

/// The decoder part has its 1-D convolutions written as 2-D ones (piper/conv2d.rs): the
/// whole graph is as exported, so this checks the rewrite too (measured: 96 dB, rounding).
#[test]
fn the_cut_graph_computes_what_the_whole_graph_computes() {
    let (m, mut parts) = parts();
    let config = support::piper_config();
    let env = model::environment(&config.ort_dylib_path).unwrap();
    let mut whole = LoadedModel::load_whole(&env, &m, 1).unwrap();
    let options = RunOptions::new().unwrap();
    // Noise off: both paths are deterministic.
    let scales = [0.0, 1.0, 0.0];
    let ids = unit_ids(&m, TWELVE).ids;
    let reference = whole.infer(&ids, scales, None, &options).unwrap();
    let encoded = parts.encode(&ids, scales, None, &options).unwrap();
    let latent = parts.flow(&encoded.prior, None, &options).unwrap();
    let audio = parts.decode(&latent, None, &options).unwrap();
    assert_eq!(audio.len(), reference.len());
    let snr = snr_db(&reference, &audio);
    println!("cut vs whole graph: SNR {snr:.1} dB");
    assert!(snr >= 60.0, "SNR {snr:.1} dB");
}

/// Encoder windows against the whole-sentence encoder, noise off: the share of ids
/// whose duration differs, and the SNR of the prior over ids of equal duration.
fn window_error(parts: &mut Parts, ids: &UnitIds, windows: &Windows) -> (f64, f64) {
    let options = RunOptions::new().unwrap();
    let scales = [0.0, 1.0, 0.0];
    let whole = parts.encode(&ids.ids, scales, None, &options).unwrap();
    let whole_starts = frame_starts(&whole.durations);
    let whole_prior = Frames::from_rows(parts.channels, whole.prior);
    let word_starts: Vec<usize> = ids.words.iter().map(|w| w.ids.start).collect();
    let len = ids.ids.len();
    let (mut encoded, mut differing) = (0, 0);
    let (mut reference, mut got) = (Vec::new(), Vec::new());
    while encoded < len {
        let (keep, read) = windows.next(&word_starts, encoded, len);
        let prefix = if read.start > 0 { 2 } else { 0 };
        let mut window = ids.ids[..prefix].to_vec();
        window.extend_from_slice(&ids.ids[read.clone()]);
        if read.end < len {
            window.push(ids.ids[len - 1]);
        }
        let w = parts.encode(&window, scales, None, &options).unwrap();
        let starts = frame_starts(&w.durations);
        let prior = Frames::from_rows(parts.channels, w.prior);
        for i in keep.clone() {
            let j = i - read.start + prefix;
            if w.durations[j] != whole.durations[i] {
                differing += 1;
                continue;
            }
            reference.extend(whole_prior.window(whole_starts[i]..whole_starts[i + 1]));
            got.extend(prior.window(starts[j]..starts[j + 1]));
        }
        encoded = keep.end;
    }
    (differing as f64 / len as f64, snr_db(&reference, &got))
}

#[test]
fn windowed_encoder_frames_match_the_whole_sentence_encoder() {
    let (m, mut parts) = parts();
    let ids = unit_ids(&m, LONG);
    println!("{} ids, {} words", ids.ids.len(), ids.words.len());
    // How far the sampling noise of real synthesis (noise_scale) moves the prior: the
    // windows' error is only worth removing if it is not far below this.
    let options = RunOptions::new().unwrap();
    let mean = parts
        .encode(&ids.ids, [0.0, 1.0, 0.0], None, &options)
        .unwrap();
    let sampled = parts
        .encode(&ids.ids, [m.noise_scale, 1.0, 0.0], None, &options)
        .unwrap();
    let noise_snr = snr_db(&mean.prior, &sampled.prior);
    println!("prior vs its own sampling noise: SNR {noise_snr:.1} dB");
    for context in [2, 4, 6, 8, 12] {
        let windows = Windows {
            context,
            ..Windows::default()
        };
        let (differing, snr) = window_error(&mut parts, &ids, &windows);
        println!(
            "context {context} words: {:.1} % of durations differ, prior SNR {snr:.1} dB",
            differing * 100.0
        );
        if windows == Windows::default() {
            assert!(differing <= 0.10, "{:.1} % differ", differing * 100.0);
            assert!(snr >= noise_snr + 10.0, "prior SNR {snr:.1} dB");
        }
    }
}
