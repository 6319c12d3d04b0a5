//! [`Transcoder`]: resampler + encoder for one stream; [`encode_file`] for whole buffers.

use crate::wav::wav_header;
use crate::{Codecs, EncodeError, Encoder, EncoderOptions};
use tts_core::{AudioChunk, AudioFormat};

/// Turns a stream's PCM chunks into bytes of one format at one rate.
pub struct Transcoder {
    input_rate: u32,
    output_rate: u32,
    encoder: Box<dyn Encoder>,
}

impl Transcoder {
    /// A transcoder from `input_rate` PCM to `format` at `output_rate`.
    pub fn new(
        codecs: &Codecs,
        format: AudioFormat,
        input_rate: u32,
        output_rate: u32,
        options: EncoderOptions,
    ) -> Result<Self, EncodeError> {
        if input_rate != output_rate {
            return Err(EncodeError::Unsupported(format!(
                "resampling from {input_rate} Hz to {output_rate} Hz is not available"
            )));
        }
        Ok(Self {
            input_rate,
            output_rate,
            encoder: codecs.encoder(format, output_rate, options)?,
        })
    }

    /// The rate of the bytes this transcoder emits.
    pub fn output_rate(&self) -> u32 {
        self.output_rate
    }

    /// Encodes one chunk, appending whatever bytes are ready to `out`.
    pub fn push(&mut self, chunk: &AudioChunk, out: &mut Vec<u8>) -> Result<(), EncodeError> {
        if chunk.sample_rate != self.input_rate {
            return Err(EncodeError::Codec(format!(
                "chunk at {} Hz in a stream declared at {} Hz",
                chunk.sample_rate, self.input_rate
            )));
        }
        self.encoder.encode(&chunk.samples, out)
    }

    /// Flushes the encoder; appends the last bytes of the file to `out`.
    pub fn finish(&mut self, out: &mut Vec<u8>) -> Result<(), EncodeError> {
        self.encoder.finish(out)
    }
}

/// Encodes a whole buffer as one file. Unlike the streaming encoders, headers carry exact
/// lengths (a WAV from here has its true data size).
pub fn encode_file(
    codecs: &Codecs,
    format: AudioFormat,
    input_rate: u32,
    output_rate: u32,
    samples: &[i16],
    options: EncoderOptions,
) -> Result<Vec<u8>, EncodeError> {
    let mut t = Transcoder::new(codecs, format, input_rate, output_rate, options)?;
    let mut out = Vec::with_capacity(samples.len() * 2 + 64);
    t.push(&AudioChunk::new(samples.to_vec(), input_rate), &mut out)?;
    t.finish(&mut out)?;
    if format == AudioFormat::Wav && out.len() >= 44 {
        let data_len = u32::try_from(out.len() - 44).unwrap_or(u32::MAX);
        out[..44].copy_from_slice(&wav_header(output_rate, Some(data_len)));
    }
    Ok(out)
}
