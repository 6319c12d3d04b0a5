//! Stream behaviour beyond "the bytes decode": when bytes leave, empty streams, misuse.

mod common;

use common::*;
use md5::{Digest, Md5};
use tts_audio::{encode_file, Codecs, EncodeError, EncoderOptions, Transcoder};
use tts_core::{AudioChunk, AudioFormat};

/// Bytes a stream emits before any audio can be encoded (headers).
fn header_len(format: AudioFormat) -> usize {
    match format {
        AudioFormat::Wav => 44,
        AudioFormat::Flac => 42,
        // Two Ogg pages: OpusHead and OpusTags.
        AudioFormat::Opus => 28 + 19 + 28 + 8 + 4 + 28 + 4,
        _ => 0,
    }
}

/// The in-process encoders hand out audio while the stream is still running: after
/// 300 ms pushed in 10 ms chunks every one of them has emitted audio, not just headers.
#[test]
fn native_encoders_emit_audio_before_the_stream_ends() {
    let codecs = Codecs::native_only();
    for format in codecs.available() {
        let mut t =
            Transcoder::new(&codecs, format, 16_000, 16_000, EncoderOptions::default()).unwrap();
        let source = tone(16_000, 4_800);
        let mut out = Vec::new();
        for chunk in source.chunks(160) {
            t.push(&AudioChunk::new(chunk.to_vec(), 16_000), &mut out)
                .unwrap();
        }
        assert!(
            out.len() > header_len(format) + 100,
            "{format}: only {} bytes after 300 ms",
            out.len()
        );
    }
}

/// A stream that ends before any audio still ends as a file every decoder accepts.
#[test]
fn an_empty_stream_is_a_valid_empty_file() {
    let codecs = Codecs::detect();
    for format in codecs.available() {
        let mut t =
            Transcoder::new(&codecs, format, 16_000, 16_000, EncoderOptions::default()).unwrap();
        let mut out = Vec::new();
        t.finish(&mut out).unwrap();
        if format == AudioFormat::Mp3 || format == AudioFormat::Aac {
            // An MP3/ADTS stream is just frames: no audio, no frames, no bytes at all,
            // or only frames of silence.
            let decoded = if out.is_empty() {
                Vec::new()
            } else {
                decode(format, 16_000, &out)
            };
            assert!(decoded.iter().all(|&s| s.abs() < 50), "{format}");
            continue;
        }
        let decoded = decode(format, 16_000, &out);
        assert!(decoded.is_empty(), "{format}: {} samples", decoded.len());
    }
}

#[test]
fn a_chunk_at_the_wrong_rate_is_refused() {
    let codecs = Codecs::native_only();
    let mut t = Transcoder::new(
        &codecs,
        AudioFormat::Wav,
        16_000,
        16_000,
        EncoderOptions::default(),
    )
    .unwrap();
    let err = t
        .push(&AudioChunk::new(vec![0; 10], 22_050), &mut Vec::new())
        .unwrap_err();
    assert!(matches!(err, EncodeError::Codec(_)));
}

#[test]
fn unsupported_rates_are_refused_with_what_is_supported() {
    let codecs = Codecs::native_only();
    let err = Transcoder::new(
        &codecs,
        AudioFormat::Opus,
        16_000,
        44_100,
        EncoderOptions::default(),
    )
    .err()
    .unwrap();
    assert_eq!(
        err.to_string(),
        "sample_rate_hz 44100 is not supported for opus; supported: 8000, 12000, 16000, 24000, 48000"
    );
}

/// Whole files carry their exact length in the header where the format has one.
#[test]
fn whole_files_state_their_length() {
    let codecs = Codecs::native_only();
    let source = tone(16_000, 12_345);
    let wav = encode_file(
        &codecs,
        AudioFormat::Wav,
        16_000,
        16_000,
        &source,
        Default::default(),
    )
    .unwrap();
    assert_eq!(&wav[40..44], &(12_345u32 * 2).to_le_bytes());
    let flac = encode_file(
        &codecs,
        AudioFormat::Flac,
        16_000,
        16_000,
        &source,
        Default::default(),
    )
    .unwrap();
    // STREAMINFO: total samples are the low 36 bits of bytes 18..26.
    let packed = u64::from_be_bytes(flac[18..26].try_into().unwrap());
    assert_eq!(packed & 0xF_FFFF_FFFF, 12_345);
    // The MD5 is that of the samples as little-endian bytes (FLAC format §8.2).
    let md5: [u8; 16] = Md5::digest(tts_core::AudioChunk::new(source, 16_000).to_le_bytes()).into();
    assert_eq!(&flac[26..42], &md5);
}

/// An ffmpeg-backed stream that is dropped mid-way (client went away) neither hangs nor
/// errors; the process is killed.
#[test]
fn dropping_an_aac_stream_midway_returns_promptly() {
    let codecs = Codecs::detect();
    if !codecs.available().contains(&AudioFormat::Aac) {
        eprintln!("no ffmpeg: skipped");
        return;
    }
    let mut t = Transcoder::new(
        &codecs,
        AudioFormat::Aac,
        16_000,
        16_000,
        EncoderOptions::default(),
    )
    .unwrap();
    let mut out = Vec::new();
    for chunk in tone(16_000, 16_000).chunks(1600) {
        t.push(&AudioChunk::new(chunk.to_vec(), 16_000), &mut out)
            .unwrap();
    }
    drop(t);
}

/// FLAC's last block may be shorter than the rest, down to one sample.
#[test]
fn flac_streams_with_tiny_last_blocks_decode_exactly() {
    let codecs = Codecs::native_only();
    for len in [1usize, 31, 513, 1023] {
        let source = tone(16_000, len);
        let bytes = stream(
            &codecs,
            AudioFormat::Flac,
            16_000,
            16_000,
            &source,
            len as u64,
            EncoderOptions::default(),
        );
        assert_eq!(
            decode(AudioFormat::Flac, 16_000, &bytes),
            source,
            "{len} samples"
        );
    }
}

/// A long whole-file Opus encode spans many Ogg pages (a page holds at most 255 packets'
/// lacing values) and still decodes to exactly its length.
#[test]
fn a_long_opus_file_spans_many_pages_and_keeps_its_length() {
    let codecs = Codecs::native_only();
    let source = tone(16_000, 16_000 * 12 + 7);
    let bytes = encode_file(
        &codecs,
        AudioFormat::Opus,
        16_000,
        16_000,
        &source,
        Default::default(),
    )
    .unwrap();
    let pages = bytes.windows(4).filter(|w| w == b"OggS").count();
    assert!(pages >= 4, "{pages} pages");
    assert_eq!(
        decode(AudioFormat::Opus, 16_000, &bytes).len(),
        source.len() * 3
    );
}
