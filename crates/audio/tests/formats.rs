//! Every format × rate, streamed in irregular chunks and encoded as a whole file, decoded
//! by the real ffmpeg: right rate, one channel, right length, and the signal intact.
//!
//! Length tolerances are the codecs' own, not slack: lossless formats, G.711, Opus (its
//! Ogg granule positions trim pre-skip and padding) and whole-file MP3 (its LAME tag
//! carries delay and padding) decode to exactly the input length. A streamed MP3 cannot
//! carry that tag (it is only known at the end but sits in the first frame); its own Info
//! frame carries the encoder delay, which the decoder drops, so only under two frames of
//! padding remain behind. ADTS AAC has no place for either: ffmpeg's 1024 priming samples
//! stay in front, plus under one frame of padding.

mod common;

use common::*;
use tts_audio::{encode_file, resample, Codecs, EncoderOptions, SampleRates, MP3_FAST_COMPLEXITY};
use tts_core::AudioFormat;

const RATES: [u32; 6] = [8_000, 16_000, 22_050, 24_000, 44_100, 48_000];
const SOURCE_RATES: [u32; 2] = [16_000, 22_050];
/// 1.3 s: not a whole number of frames or blocks of any codec.
const SECONDS: f64 = 1.3;

#[derive(Clone, Copy, Debug, PartialEq)]
enum Mode {
    Stream,
    File,
}

/// The range of (decoded length − input length) a correct encoder produces.
fn extra_samples(format: AudioFormat, mode: Mode, rate: u32) -> std::ops::Range<usize> {
    match (format, mode) {
        (AudioFormat::Mp3, Mode::Stream) => {
            let frame = if rate >= 32_000 { 1152 } else { 576 };
            0..2 * frame
        }
        (AudioFormat::Aac, _) => 1024..2048,
        _ => 0..1,
    }
}

fn codec_name(format: AudioFormat) -> &'static str {
    match format {
        AudioFormat::Pcm16 | AudioFormat::Wav => "pcm_s16le",
        AudioFormat::Mulaw => "pcm_mulaw",
        AudioFormat::Alaw => "pcm_alaw",
        AudioFormat::Flac => "flac",
        AudioFormat::Mp3 => "mp3",
        AudioFormat::Opus => "opus",
        AudioFormat::Aac => "aac",
    }
}

/// Checks one encoded file against the samples that went into the encoder.
fn verify(format: AudioFormat, rate: u32, mode: Mode, bytes: &[u8], input: &[i16]) {
    let what = format!("{format} at {rate} Hz ({mode:?})");
    let probe = probe(format, rate, bytes);
    assert_eq!(probe.codec, codec_name(format), "{what}");
    assert_eq!(probe.channels, 1, "{what}");
    // libavcodec always decodes Opus at 48 kHz; the rate the stream was encoded at is the
    // OpusHead's "input sample rate" (first page: 27-byte header, 1 lacing value, then the
    // packet, whose bytes 12..16 are the rate).
    let decoded_rate = if format == AudioFormat::Opus {
        assert_eq!(&bytes[28..36], b"OpusHead", "{what}");
        let head_rate = u32::from_le_bytes(bytes[40..44].try_into().unwrap());
        assert_eq!(head_rate, rate, "{what}: OpusHead input rate");
        48_000
    } else {
        rate
    };
    assert_eq!(probe.sample_rate, decoded_rate, "{what}");

    let decoded = decode(format, rate, bytes);
    let scale = (decoded_rate / rate) as usize; // 1, or 48000/rate for Opus
    let expected_len = input.len() * scale;
    let extra = decoded.len() as i64 - expected_len as i64;
    let allowed = extra_samples(format, mode, rate);
    assert!(
        extra >= allowed.start as i64 && extra < allowed.end as i64,
        "{what}: decoded {} samples for {expected_len}; allowed extra {allowed:?}",
        decoded.len()
    );

    match format {
        f if f.is_lossless() => assert!(decoded == input, "{what}: samples differ"),
        AudioFormat::Mulaw | AudioFormat::Alaw => {
            for (i, (&d, &e)) in decoded.iter().zip(input).enumerate() {
                // Half a quantisation step of the segment: at most |x|/32, and 8 near zero.
                let bound = i32::from(e).abs() / 32 + 9;
                let err = (i32::from(d) - i32::from(e)).abs();
                assert!(err <= bound, "{what}: sample {i}: {d} for {e}");
            }
        }
        _ => {
            // Lossy: the tone's frequency and level survive. Look at the middle, away from
            // the codec's start-up and the delay in front of untagged streams.
            let n = decoded.len();
            let middle = &decoded[n / 4..n * 3 / 4];
            let freq = frequency(middle, decoded_rate);
            assert!(
                (freq - TONE_HZ).abs() <= TONE_HZ * 0.005,
                "{what}: tone at {freq:.2} Hz"
            );
            let level_db = 20.0 * (rms(middle) / (TONE_AMPLITUDE / 2f64.sqrt())).log10();
            assert!(
                level_db.abs() <= 1.0,
                "{what}: level off by {level_db:.2} dB"
            );
        }
    }
}

fn check_format(format: AudioFormat) {
    check_format_with(format, EncoderOptions::default());
}

fn check_format_with(format: AudioFormat, options: EncoderOptions) {
    let codecs = Codecs::detect();
    if !codecs.available().contains(&format) {
        eprintln!("{format} is not available here (no ffmpeg?): skipped");
        return;
    }
    let mut checked = 0;
    for (seed, &rate) in RATES.iter().enumerate() {
        if !SampleRates::of(format).contains(rate) {
            continue;
        }
        for &from in &SOURCE_RATES {
            let source = tone(from, (f64::from(from) * SECONDS) as usize);
            // What the encoder is given: the source, resampled by our resampler in one go.
            let input = if from == rate {
                source.clone()
            } else {
                resample(from, rate, &source).unwrap()
            };
            let streamed = stream(
                &codecs,
                format,
                from,
                rate,
                &source,
                seed as u64 + 1,
                options,
            );
            verify(format, rate, Mode::Stream, &streamed, &input);
            let file = encode_file(&codecs, format, from, rate, &source, options).unwrap();
            verify(format, rate, Mode::File, &file, &input);
            checked += 1;
        }
    }
    assert!(
        checked >= 8,
        "{format}: only {checked} combinations checked"
    );
}

#[test]
fn pcm16_decodes_exactly_at_every_rate() {
    check_format(AudioFormat::Pcm16);
}

#[test]
fn wav_decodes_exactly_at_every_rate() {
    check_format(AudioFormat::Wav);
}

#[test]
fn flac_decodes_exactly_at_every_rate() {
    check_format(AudioFormat::Flac);
}

#[test]
fn mulaw_decodes_within_g711_error_at_every_rate() {
    check_format(AudioFormat::Mulaw);
}

#[test]
fn alaw_decodes_within_g711_error_at_every_rate() {
    check_format(AudioFormat::Alaw);
}

#[test]
fn mp3_keeps_the_tone_at_every_mpeg_rate() {
    check_format(AudioFormat::Mp3);
}

/// The fast mode (LAME quality 9 without its psychoacoustic model, in the vendored LAME)
/// still makes valid MP3 of the right length that keeps the tone.
#[test]
fn mp3_fast_mode_keeps_the_tone_at_every_mpeg_rate() {
    let fast = EncoderOptions {
        complexity: Some(MP3_FAST_COMPLEXITY),
        ..EncoderOptions::default()
    };
    check_format_with(AudioFormat::Mp3, fast);
}

#[test]
fn opus_keeps_the_tone_at_every_opus_rate() {
    check_format(AudioFormat::Opus);
}

#[test]
fn aac_through_ffmpeg_keeps_the_tone_at_every_rate() {
    check_format(AudioFormat::Aac);
}
