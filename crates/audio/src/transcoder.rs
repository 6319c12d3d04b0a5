//! [`Transcoder`]: resampler + encoder for one stream; [`encode_file`] for whole buffers.

use crate::codecs::Mode;
use crate::{Codecs, EncodeError, Encoder, EncoderOptions, Resampler};
use tts_core::{AudioChunk, AudioFormat};

/// Turns a stream's PCM chunks into bytes of one format at one rate.
pub struct Transcoder {
    input_rate: u32,
    output_rate: u32,
    /// Present only when the rates differ.
    resampler: Option<Resampler>,
    resampled: Vec<i16>,
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
        Self::with_mode(
            codecs,
            format,
            input_rate,
            output_rate,
            options,
            Mode::Stream,
        )
    }

    fn with_mode(
        codecs: &Codecs,
        format: AudioFormat,
        input_rate: u32,
        output_rate: u32,
        options: EncoderOptions,
        mode: Mode,
    ) -> Result<Self, EncodeError> {
        let encoder = codecs.build(format, output_rate, options, mode)?;
        let resampler = if input_rate == output_rate {
            None
        } else {
            Some(Resampler::new(input_rate, output_rate)?)
        };
        Ok(Self {
            input_rate,
            output_rate,
            resampler,
            resampled: Vec::new(),
            encoder,
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
        self.push_samples(&chunk.samples, out)
    }

    /// Encodes samples at the transcoder's input rate (what [`Transcoder::push`] does
    /// after checking the chunk's rate), without wrapping them in a chunk first.
    pub fn push_samples(&mut self, samples: &[i16], out: &mut Vec<u8>) -> Result<(), EncodeError> {
        match &mut self.resampler {
            None => self.encoder.encode(samples, out),
            Some(r) => {
                self.resampled.clear();
                r.process(samples, &mut self.resampled)?;
                self.encoder.encode(&self.resampled, out)
            }
        }
    }

    /// Flushes the resampler and the encoder; appends the last bytes of the file to `out`.
    pub fn finish(&mut self, out: &mut Vec<u8>) -> Result<(), EncodeError> {
        if let Some(r) = &mut self.resampler {
            self.resampled.clear();
            r.finish(&mut self.resampled)?;
            self.encoder.encode(&self.resampled, out)?;
        }
        self.encoder.finish(out)
    }
}

/// Encodes a whole buffer as one file. Unlike the streaming encoders, headers carry exact
/// lengths where the format has them (WAV sizes, FLAC STREAMINFO, MP3 Xing/LAME tag).
pub fn encode_file(
    codecs: &Codecs,
    format: AudioFormat,
    input_rate: u32,
    output_rate: u32,
    samples: &[i16],
    options: EncoderOptions,
) -> Result<Vec<u8>, EncodeError> {
    let mut t =
        Transcoder::with_mode(codecs, format, input_rate, output_rate, options, Mode::File)?;
    let mut out = Vec::with_capacity(samples.len() * 2 + 64);
    t.push_samples(samples, &mut out)?;
    t.finish(&mut out)?;
    t.encoder.seal(&mut out)?;
    Ok(out)
}
