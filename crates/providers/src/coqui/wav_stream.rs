//! An incremental RIFF/WAVE reader: body bytes in, in whatever pieces the network
//! delivers, mono PCM16 out as soon as whole frames are there.
//!
//! It walks the chunk list (skipping `LIST`, `fact` and any other chunk before `data`),
//! reads `fmt ` (PCM 8/16/24/32-bit or IEEE float 32-bit, plain or EXTENSIBLE), and
//! converts `data` frames, averaging channels to mono. A `data` size of 0, 0xFFFFFFFF or
//! 0x7FFFF000 (the placeholders that servers, `ffmpeg` and `sox` write when they stream
//! to a pipe before they know the length) means "until the end of the body".

/// `data` sizes that mean "unknown, read to the end": what writers put in the header
/// when they stream to a pipe.
const STREAMING_SIZES: [u64; 3] = [0, 0x7FFF_F000, 0xFFFF_FFFF];

/// The format of the audio in `data`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct WavFormat {
    pub sample_rate: u32,
    pub channels: u16,
    pub encoding: Encoding,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Encoding {
    Pcm8,
    Pcm16,
    Pcm24,
    Pcm32,
    Float32,
}

impl Encoding {
    fn bytes(self) -> usize {
        match self {
            Encoding::Pcm8 => 1,
            Encoding::Pcm16 => 2,
            Encoding::Pcm24 => 3,
            Encoding::Pcm32 | Encoding::Float32 => 4,
        }
    }
}

#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum WavError {
    #[error("not a RIFF/WAVE stream")]
    NotWav,
    #[error("malformed WAV: {0}")]
    Malformed(String),
    #[error("unsupported WAV encoding: {0}")]
    Unsupported(String),
    #[error("the WAV ended before its declared end")]
    Truncated,
}

/// Chunks other than `data` larger than this (before the audio starts) are malformed.
const MAX_HEADER_BYTES: u64 = 1 << 20;

enum State {
    Riff,
    Chunks,
    Skip(u64),
    Data(Option<u64>),
    Done,
}

/// Parser state; feed it with [`WavStream::push`], close it with [`WavStream::finish`].
pub struct WavStream {
    buf: Vec<u8>,
    state: State,
    format: Option<WavFormat>,
    header_bytes: u64,
}

impl Default for WavStream {
    fn default() -> Self {
        Self::new()
    }
}

impl WavStream {
    pub fn new() -> Self {
        Self {
            buf: Vec::new(),
            state: State::Riff,
            format: None,
            header_bytes: 0,
        }
    }

    /// The format, once the `fmt ` chunk has been read.
    pub fn format(&self) -> Option<WavFormat> {
        self.format
    }

    /// Consumes `bytes`; returns the mono samples of every whole frame now available
    /// (possibly none).
    pub fn push(&mut self, bytes: &[u8]) -> Result<Vec<i16>, WavError> {
        self.buf.extend_from_slice(bytes);
        let mut out = Vec::new();
        loop {
            match self.state {
                State::Riff => {
                    if self.buf.len() < 12 {
                        return Ok(out);
                    }
                    if &self.buf[0..4] != b"RIFF" || &self.buf[8..12] != b"WAVE" {
                        return Err(WavError::NotWav);
                    }
                    self.buf.drain(..12);
                    self.state = State::Chunks;
                }
                State::Chunks => {
                    if self.buf.len() < 8 {
                        return Ok(out);
                    }
                    let id: [u8; 4] = self.buf[0..4].try_into().unwrap_or_default();
                    let size = u64::from(u32_le(&self.buf[4..8]));
                    match &id {
                        b"data" => {
                            if self.format.is_none() {
                                return Err(WavError::Malformed("data chunk before fmt".into()));
                            }
                            self.buf.drain(..8);
                            let known = !STREAMING_SIZES.contains(&size);
                            self.state = State::Data(known.then_some(size));
                        }
                        b"fmt " => {
                            if !(16..=1024).contains(&size) {
                                return Err(WavError::Malformed(format!(
                                    "fmt chunk of {size} bytes"
                                )));
                            }
                            let padded = (size + (size & 1)) as usize;
                            if self.buf.len() < 8 + padded {
                                return Ok(out);
                            }
                            self.format = Some(parse_fmt(&self.buf[8..8 + size as usize])?);
                            self.buf.drain(..8 + padded);
                        }
                        _ => {
                            self.header_bytes += size;
                            if self.header_bytes > MAX_HEADER_BYTES {
                                return Err(WavError::Malformed(
                                    "too much data before the audio".into(),
                                ));
                            }
                            self.buf.drain(..8);
                            self.state = State::Skip(size + (size & 1));
                        }
                    }
                }
                State::Skip(remaining) => {
                    let n = remaining.min(self.buf.len() as u64);
                    self.buf.drain(..n as usize);
                    if n < remaining {
                        self.state = State::Skip(remaining - n);
                        return Ok(out);
                    }
                    self.state = State::Chunks;
                }
                State::Data(remaining) => {
                    let Some(format) = self.format else {
                        return Err(WavError::Malformed("data chunk before fmt".into()));
                    };
                    let frame = format.encoding.bytes() * usize::from(format.channels);
                    let available =
                        remaining.map_or(self.buf.len(), |r| (r as usize).min(self.buf.len()));
                    let whole = available / frame * frame;
                    decode(&self.buf[..whole], format, &mut out);
                    self.buf.drain(..whole);
                    match remaining {
                        Some(r) if r as usize - whole < frame => self.state = State::Done,
                        Some(r) => self.state = State::Data(Some(r - whole as u64)),
                        None => {}
                    }
                    if !matches!(self.state, State::Done) {
                        return Ok(out);
                    }
                }
                State::Done => {
                    self.buf.clear();
                    return Ok(out);
                }
            }
        }
    }

    /// Checks the stream ended where it should: an error if the audio never started or
    /// stopped before the size its header declared.
    pub fn finish(&self) -> Result<(), WavError> {
        match self.state {
            State::Done | State::Data(None) => Ok(()),
            State::Data(Some(_)) => Err(WavError::Truncated),
            State::Riff if self.buf.is_empty() => Err(WavError::Malformed("empty body".into())),
            State::Riff => Err(WavError::NotWav),
            State::Chunks | State::Skip(_) => Err(WavError::Malformed("no audio data".into())),
        }
    }
}

fn u16_le(b: &[u8]) -> u16 {
    u16::from_le_bytes([b[0], b[1]])
}

fn u32_le(b: &[u8]) -> u32 {
    u32::from_le_bytes([b[0], b[1], b[2], b[3]])
}

fn parse_fmt(b: &[u8]) -> Result<WavFormat, WavError> {
    let mut tag = u16_le(&b[0..2]);
    let channels = u16_le(&b[2..4]);
    let sample_rate = u32_le(&b[4..8]);
    let block_align = u16_le(&b[12..14]);
    let bits = u16_le(&b[14..16]);
    if tag == 0xFFFE && b.len() >= 26 {
        tag = u16_le(&b[24..26]); // EXTENSIBLE: the sub-format GUID starts with the tag
    }
    let encoding = match (tag, bits) {
        (1, 8) => Encoding::Pcm8,
        (1, 16) => Encoding::Pcm16,
        (1, 24) => Encoding::Pcm24,
        (1, 32) => Encoding::Pcm32,
        (3, 32) => Encoding::Float32,
        _ => {
            return Err(WavError::Unsupported(format!(
                "format tag {tag:#06x}, {bits} bits"
            )))
        }
    };
    if channels == 0 || channels > 16 || !(1000..=384_000).contains(&sample_rate) {
        return Err(WavError::Malformed(format!(
            "{channels} channels at {sample_rate} Hz"
        )));
    }
    if usize::from(block_align) != encoding.bytes() * usize::from(channels) {
        return Err(WavError::Malformed(format!("block align {block_align}")));
    }
    Ok(WavFormat {
        sample_rate,
        channels,
        encoding,
    })
}

/// Appends the mono PCM16 of whole frames in `bytes`.
fn decode(bytes: &[u8], format: WavFormat, out: &mut Vec<i16>) {
    let width = format.encoding.bytes();
    let channels = usize::from(format.channels);
    if format.encoding == Encoding::Pcm16 {
        // The common case stays exact: integer mean of the channels.
        for frame in bytes.chunks_exact(2 * channels) {
            let sum: i32 = frame
                .chunks_exact(2)
                .map(|s| i32::from(i16::from_le_bytes([s[0], s[1]])))
                .sum();
            out.push((sum / channels as i32) as i16);
        }
        return;
    }
    for frame in bytes.chunks_exact(width * channels) {
        let sum: f64 = frame
            .chunks_exact(width)
            .map(|s| sample(s, format.encoding))
            .sum();
        let v = (sum / channels as f64).clamp(-1.0, 1.0);
        out.push((v * 32767.0).round() as i16);
    }
}

/// One sample as a float in [-1, 1].
fn sample(b: &[u8], encoding: Encoding) -> f64 {
    match encoding {
        Encoding::Pcm8 => (f64::from(b[0]) - 128.0) / 128.0,
        Encoding::Pcm16 => f64::from(i16::from_le_bytes([b[0], b[1]])) / 32768.0,
        Encoding::Pcm24 => f64::from(i32::from_le_bytes([0, b[0], b[1], b[2]]) >> 8) / 8_388_608.0,
        Encoding::Pcm32 => {
            f64::from(i32::from_le_bytes([b[0], b[1], b[2], b[3]])) / 2_147_483_648.0
        }
        Encoding::Float32 => {
            let v = f64::from(f32::from_le_bytes([b[0], b[1], b[2], b[3]]));
            if v.is_finite() {
                v
            } else {
                0.0
            }
        }
    }
}

#[cfg(test)]
mod fuzz;

#[cfg(test)]
mod tests {
    use super::*;

    /// A WAV with a LIST chunk before the data, as many writers produce.
    fn wav(tag: u16, channels: u16, bits: u16, rate: u32, data: &[u8]) -> Vec<u8> {
        let mut v = b"RIFF\0\0\0\0WAVE".to_vec();
        v.extend(b"LIST");
        v.extend(5u32.to_le_bytes());
        v.extend(b"INFOx\0"); // odd size, padded
        v.extend(b"fmt ");
        v.extend(16u32.to_le_bytes());
        v.extend(tag.to_le_bytes());
        v.extend(channels.to_le_bytes());
        v.extend(rate.to_le_bytes());
        v.extend((rate * u32::from(channels * bits / 8)).to_le_bytes());
        v.extend((channels * bits / 8).to_le_bytes());
        v.extend(bits.to_le_bytes());
        v.extend(b"data");
        v.extend((data.len() as u32).to_le_bytes());
        v.extend(data);
        v
    }

    fn pcm16(samples: &[i16]) -> Vec<u8> {
        samples.iter().flat_map(|s| s.to_le_bytes()).collect()
    }

    #[test]
    fn a_streaming_placeholder_size_reads_to_the_end_of_the_body() {
        let samples = [5i16, -5, 300, -300, 7];
        for placeholder in STREAMING_SIZES {
            let mut file = wav(1, 1, 16, 16000, &pcm16(&samples));
            let at = file.len() - samples.len() * 2 - 4;
            file[at..at + 4].copy_from_slice(&(placeholder as u32).to_le_bytes());
            file[4..8].copy_from_slice(&(placeholder as u32).to_le_bytes());
            let mut p = WavStream::new();
            let mut out = Vec::new();
            for piece in file.chunks(3) {
                out.extend(p.push(piece).unwrap());
            }
            assert_eq!(out, samples, "data size {placeholder:#x}");
            p.finish().unwrap();
        }
    }

    #[test]
    fn byte_by_byte_gives_the_same_samples() {
        let samples = [0i16, 1000, -1000, 32767, -32768];
        let file = wav(1, 1, 16, 22050, &pcm16(&samples));
        let mut p = WavStream::new();
        let mut out = Vec::new();
        for b in &file {
            out.extend(p.push(&[*b]).unwrap());
        }
        assert_eq!(out, samples);
        assert_eq!(p.format().unwrap().sample_rate, 22050);
        p.finish().unwrap();
    }

    #[test]
    fn stereo_float_is_mixed_to_mono() {
        let data: Vec<u8> = [0.5f32, 0.0, -1.0, -1.0]
            .iter()
            .flat_map(|f| f.to_le_bytes())
            .collect();
        let mut p = WavStream::new();
        assert_eq!(
            p.push(&wav(3, 2, 32, 16000, &data)).unwrap(),
            [8192, -32767]
        );
    }

    #[test]
    fn trailing_chunks_after_data_are_ignored() {
        let mut file = wav(1, 1, 16, 8000, &pcm16(&[5, 6]));
        file.extend(b"LIST\x04\0\0\0abcd");
        let mut p = WavStream::new();
        assert_eq!(p.push(&file).unwrap().len(), 2);
        p.finish().unwrap();
    }

    #[test]
    fn bad_input_is_reported() {
        assert_eq!(
            WavStream::new().push(b"RIFX\0\0\0\0WAVEfmt ").unwrap_err(),
            WavError::NotWav
        );
        let adpcm = wav(2, 1, 4, 8000, &[0; 4]);
        assert!(matches!(
            WavStream::new().push(&adpcm),
            Err(WavError::Unsupported(_))
        ));
        let full = wav(1, 1, 16, 8000, &pcm16(&[1, 2, 3, 4]));
        let mut p = WavStream::new();
        p.push(&full[..full.len() - 3]).unwrap();
        assert_eq!(p.finish().unwrap_err(), WavError::Truncated);
        let mut empty = WavStream::new();
        empty.push(b"").unwrap();
        assert!(empty.finish().is_err());
    }
}
