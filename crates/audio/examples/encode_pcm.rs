//! Encodes a raw mono PCM16 (s16le) file the way a stream is encoded: one transcoder, fed
//! in 100 ms chunks. A tool for listening tests and for `scripts/bench/mp3_quality.py`.
//!
//!     cargo run --release -p tts-audio --example encode_pcm -- \
//!         IN.raw RATE FORMAT OUT [complexity=N] [bitrate=KBPS] [to=RATE]

use tts_audio::{Codecs, EncoderOptions, Transcoder};
use tts_core::{AudioChunk, AudioFormat};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let [input, rate, format, output, options @ ..] = args.as_slice() else {
        return Err("usage: IN.raw RATE FORMAT OUT [complexity=N] [bitrate=KBPS] [to=RATE]".into());
    };
    let rate: u32 = rate.parse()?;
    let format: AudioFormat = format.parse().map_err(|e| format!("{e:?}"))?;
    let mut encoder = EncoderOptions::default();
    let mut to = rate;
    for option in options {
        match option.split_once('=') {
            Some(("complexity", v)) => encoder.complexity = Some(v.parse()?),
            Some(("bitrate", v)) => encoder.bitrate_kbps = Some(v.parse()?),
            Some(("to", v)) => to = v.parse()?,
            _ => return Err(format!("unknown option {option:?}").into()),
        }
    }
    let raw = std::fs::read(input)?;
    let samples: Vec<i16> = raw
        .chunks_exact(2)
        .map(|b| i16::from_le_bytes([b[0], b[1]]))
        .collect();
    let mut transcoder = Transcoder::new(&Codecs::detect(), format, rate, to, encoder)?;
    let mut out = Vec::new();
    for chunk in samples.chunks(rate as usize / 10) {
        transcoder.push(&AudioChunk::new(chunk.to_vec(), rate), &mut out)?;
    }
    transcoder.finish(&mut out)?;
    std::fs::write(output, out)?;
    Ok(())
}
