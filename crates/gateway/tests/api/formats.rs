//! Every format × rate through the gateway, as a client gets it. The concatenated
//! WebSocket stream and the `/file` body are each one file: ffprobe reads their codec, rate
//! and channel count, and ffmpeg decodes them to the right length. Each is also
//! byte-identical to what the codec layer makes of the same audio in one go (a
//! `Transcoder`, and `encode_file`; for Ogg Opus, whose serial number is random, identical
//! once decoded). The codec layer's own tests check every format × rate
//! sample by sample (lossless exact, G.711 within its step, lossy keeping pitch and level),
//! so the gateway's bytes carry those checks, however the engine chunked its audio.

use crate::helpers::{body, ffmpeg_decode, ffprobe, spawn_app, TestApp};
use serde_json::Value;
use tts_audio::{encode_file, Codecs, EncoderOptions, SampleRates, Transcoder};
use tts_core::{AudioChunk, AudioFormat};
use tts_providers::mock_tone::MockTone;

const RATES: [u32; 6] = [8_000, 16_000, 22_050, 24_000, 44_100, 48_000];
const TEXT: &str = "Every format, every rate";
const SOURCE_RATE: u32 = 16_000;

/// The codec ffprobe must name, and the input options ffmpeg needs for headerless formats.
fn expected_codec(format: AudioFormat, rate: u32) -> (&'static str, Vec<String>) {
    let raw = |f: &str| {
        let args = ["-f", f, "-ar", &rate.to_string(), "-ac", "1"];
        args.iter().map(|s| s.to_string()).collect()
    };
    match format {
        AudioFormat::Pcm16 => ("pcm_s16le", raw("s16le")),
        AudioFormat::Wav => ("pcm_s16le", vec![]),
        AudioFormat::Mulaw => ("pcm_mulaw", raw("mulaw")),
        AudioFormat::Alaw => ("pcm_alaw", raw("alaw")),
        AudioFormat::Flac => ("flac", vec![]),
        AudioFormat::Mp3 => ("mp3", vec![]),
        AudioFormat::Opus => ("opus", vec![]),
        AudioFormat::Aac => ("aac", vec![]),
    }
}

/// Checks one body: what ffprobe reads, and a decoded length within one codec frame of
/// the audio's own, beyond the encoder delay that a stream keeps in front (AAC: ffmpeg's
/// 1024 priming samples; an MP3 stream's Info frame has the decoder drop its delay).
fn verify(format: AudioFormat, rate: u32, what: &str, bytes: &[u8], audio_len: usize) {
    let (codec, input_args) = expected_codec(format, rate);
    let args: Vec<&str> = input_args.iter().map(String::as_str).collect();
    // libavcodec decodes Opus at 48 kHz whatever it was encoded at.
    let decoded_rate = if format == AudioFormat::Opus {
        48_000
    } else {
        rate
    };
    if args.is_empty() {
        let (name, probed_rate, channels) = ffprobe(bytes);
        assert_eq!(name, codec, "{what}");
        assert_eq!(channels, 1, "{what}: channels");
        assert_eq!(probed_rate, decoded_rate, "{what}: sample rate");
    }
    let decoded = ffmpeg_decode(bytes, &args).len() as i64;
    let expected = (audio_len as u64 * u64::from(decoded_rate) / u64::from(rate)) as i64;
    let (delay, frame) = match format {
        AudioFormat::Mp3 if what.contains("stream") => (0, if rate >= 32_000 { 1152 } else { 576 }),
        AudioFormat::Mp3 => (0, 1),
        AudioFormat::Aac => (1024, 1024),
        _ => (0, 1),
    };
    let extra = decoded - expected - delay;
    assert!(
        (0..2 * frame).contains(&extra),
        "{what}: decoded {decoded} samples for {expected} (+{delay} delay)"
    );
}

/// The stream's audio and the `/file` body of one new session.
async fn stream_and_file(app: &TestApp, format: AudioFormat, rate: u32) -> (Vec<u8>, Vec<u8>) {
    let (id, _) = app.create(&body(TEXT, &format.to_string(), rate)).await;
    let streamed = app.stream(&id).await;
    assert!(streamed.is_eos(), "{format} at {rate}: {:?}", streamed.last);
    let file = app.get(&format!("/v1/tts/sessions/{id}/file")).await;
    assert_eq!(file.status(), 200, "{format} at {rate}");
    (streamed.audio, file.bytes().await.unwrap().to_vec())
}

#[tokio::test]
async fn every_format_and_rate_streams_and_downloads_as_one_decodable_file() {
    let app = spawn_app().await;
    let codecs = Codecs::detect();
    let voices: Value = app.get_json("/v1/voices?provider=mock_tone").await;
    let formats: Vec<AudioFormat> = voices["voices"][0]["supported_formats"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f.as_str().unwrap().parse().unwrap())
        .collect();
    assert!(formats.len() >= 7, "{formats:?}");
    let source = MockTone::new().render(TEXT);
    let mut checked = 0;
    for &format in &formats {
        for rate in RATES {
            if !SampleRates::of(format).contains(rate) {
                let resp = app
                    .post_session(&body(TEXT, &format.to_string(), rate))
                    .await;
                assert_eq!(resp.status(), 400, "{format} at {rate}");
                let detail = resp.json::<Value>().await.unwrap()["detail"].to_string();
                assert!(detail.contains("supported"), "{format} at {rate}: {detail}");
                continue;
            }
            let options = EncoderOptions::default();
            let mut own = Transcoder::new(&codecs, format, SOURCE_RATE, rate, options).unwrap();
            let mut expected_stream = Vec::new();
            own.push(
                &AudioChunk::new(source.clone(), SOURCE_RATE),
                &mut expected_stream,
            )
            .unwrap();
            own.finish(&mut expected_stream).unwrap();
            let expected_file =
                encode_file(&codecs, format, SOURCE_RATE, rate, &source, options).unwrap();
            let audio_len =
                (source.len() as u64 * u64::from(rate)).div_ceil(u64::from(SOURCE_RATE)) as usize;

            let (streamed, file) = stream_and_file(&app, format, rate).await;
            let what = format!("{format} at {rate} Hz");
            for (part, got, want) in [
                ("stream", &streamed, &expected_stream),
                ("file", &file, &expected_file),
            ] {
                if format == AudioFormat::Opus {
                    // Every Ogg stream has its own random serial number (in every page,
                    // under every page's CRC): compare what the packets decode to.
                    let (got, want) = (ffmpeg_decode(got, &[]), ffmpeg_decode(want, &[]));
                    assert!(got == want, "{what}: {part} decodes differently");
                } else {
                    assert!(got == want, "{what}: {part} bytes differ");
                }
            }
            verify(
                format,
                rate,
                &format!("{what}, stream"),
                &streamed,
                audio_len,
            );
            verify(format, rate, &format!("{what}, file"), &file, audio_len);
            checked += 1;
        }
    }
    // pcm16, wav, mulaw, alaw, flac, mp3, aac at all six rates; opus at four.
    assert!(checked >= 6 * 6 + 4, "only {checked} combinations checked");
}
