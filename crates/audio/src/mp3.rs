//! MP3 (MPEG-1/2/2.5 Layer III, CBR, mono) through LAME.
//!
//! LAME is told to keep the rate it is given (otherwise it picks its own output rate for
//! low bitrates). LAME's own Xing/LAME tag sits in the FIRST frame but is only complete at
//! the end: [`crate::encode_file`] turns it on and seals it in at the end, which gives
//! decoders the exact length and the gapless trim. A stream cannot wait for the end, so it
//! starts with an Info frame of its own that carries what is known at the start, the
//! encoder delay ([`crate::mp3_info`]): decoders drop the delay (576 samples plus their own
//! 529), and only the last frame's padding remains.

use crate::rates::MP3_RATES;
use crate::{EncodeError, Encoder, EncoderOptions};
use mp3lame_encoder::{Bitrate, Builder, FlushGap, Mode, MonoPcm, Quality};

/// Bitrates valid for MPEG-1 (32–48 kHz) that the binding can name.
const MPEG1_KBPS: &[u32] = &[32, 40, 48, 64, 80, 96, 112, 128, 160, 192, 224, 256, 320];
/// Bitrates valid for MPEG-2 and 2.5 (8–24 kHz) that the binding can name.
const MPEG2_KBPS: &[u32] = &[8, 16, 24, 32, 40, 48, 64, 80, 96, 112, 128, 160];

/// Default bitrates: 64 kbit/s mono is plenty for speech at 16–48 kHz; at the MPEG-2.5
/// rates (8–12 kHz) LAME low-passes below 5.5 kHz anyway and 32 kbit/s loses nothing.
fn default_kbps(rate: u32) -> u32 {
    if rate <= 12_000 {
        32
    } else {
        64
    }
}

fn bitrate(kbps: u32) -> Bitrate {
    match kbps {
        8 => Bitrate::Kbps8,
        16 => Bitrate::Kbps16,
        24 => Bitrate::Kbps24,
        32 => Bitrate::Kbps32,
        40 => Bitrate::Kbps40,
        48 => Bitrate::Kbps48,
        64 => Bitrate::Kbps64,
        80 => Bitrate::Kbps80,
        96 => Bitrate::Kbps96,
        112 => Bitrate::Kbps112,
        128 => Bitrate::Kbps128,
        160 => Bitrate::Kbps160,
        192 => Bitrate::Kbps192,
        224 => Bitrate::Kbps224,
        256 => Bitrate::Kbps256,
        _ => Bitrate::Kbps320,
    }
}

/// One LAME encoder for one stream.
pub struct Mp3Encoder {
    lame: mp3lame_encoder::Encoder,
    /// Whole-file mode: the first frame is a placeholder for the Xing/LAME tag.
    tagged: bool,
    /// Stream mode, before the first output: the Info frame is still to be written.
    info_pending: bool,
    kbps: u32,
}

/// The bitrate to use at `rate`: the requested one if MPEG allows it there, else an error
/// listing those it allows.
pub(crate) fn check_bitrate(rate: u32, options: EncoderOptions) -> Result<u32, EncodeError> {
    let allowed = if rate >= 32_000 {
        MPEG1_KBPS
    } else {
        MPEG2_KBPS
    };
    let kbps = options.bitrate_kbps.unwrap_or_else(|| default_kbps(rate));
    if !allowed.contains(&kbps) {
        let list: Vec<String> = allowed.iter().map(u32::to_string).collect();
        return Err(EncodeError::Unsupported(format!(
            "bitrate_kbps {kbps} is not supported for mp3 at {rate} Hz; supported: {}",
            list.join(", ")
        )));
    }
    Ok(kbps)
}

impl Mp3Encoder {
    /// `tagged` selects whole-file mode (see the module docs).
    pub fn new(rate: u32, options: EncoderOptions, tagged: bool) -> Result<Self, EncodeError> {
        if !MP3_RATES.contains(&rate) {
            return Err(EncodeError::Unsupported(
                crate::rates::rate_error(tts_core::AudioFormat::Mp3, rate).unwrap_or_default(),
            ));
        }
        let kbps = check_bitrate(rate, options)?;
        let codec = |e: mp3lame_encoder::BuildError| EncodeError::Codec(format!("LAME: {e:?}"));
        let mut b =
            Builder::new().ok_or_else(|| EncodeError::Codec("LAME: out of memory".into()))?;
        b.set_num_channels(1).map_err(codec)?;
        b.set_sample_rate(rate).map_err(codec)?;
        b.set_output_sample_rate(std::num::NonZeroU32::new(rate))
            .map_err(codec)?;
        b.set_mode(Mode::Mono).map_err(codec)?;
        b.set_brate(bitrate(kbps)).map_err(codec)?;
        b.set_quality(quality(options)).map_err(codec)?;
        b.set_to_write_vbr_tag(tagged).map_err(codec)?;
        Ok(Self {
            lame: b.build().map_err(codec)?,
            tagged,
            info_pending: !tagged,
            kbps,
        })
    }

    /// Puts the Info frame in front of the first bytes LAME wrote at `start` of `out`.
    fn lead_with_info(&mut self, out: &mut Vec<u8>, start: usize) {
        if !self.info_pending || out.len() == start {
            return;
        }
        self.info_pending = false;
        if let Some(info) = crate::mp3_info::info_frame(&out[start..], self.kbps) {
            out.splice(start..start, info);
        }
    }
}

/// LAME's algorithm quality (0 best/slowest … 9 worst/fastest), from `10 - complexity`.
/// The default 7 turns off noise shaping: measured ~1.5x faster than 5 (see the throughput
/// example's `--sweep`). Quality 9 differs from 7 only in the vendored LAME, where it also
/// skips the psychoacoustic model (short blocks against pre-echo, perceptual bit
/// allocation): ~1.7x faster again, at a PESQ up to 0.55 lower on speech.
fn quality(options: EncoderOptions) -> Quality {
    match options.complexity.map(|c| c.min(10)) {
        None => Quality::Ok,
        Some(10) => Quality::Best,
        Some(9) => Quality::SecondBest,
        Some(8) => Quality::NearBest,
        Some(7) => Quality::VeryNice,
        Some(6) => Quality::Nice,
        Some(5) => Quality::Good,
        Some(4) => Quality::Decent,
        Some(3) => Quality::Ok,
        Some(2) => Quality::SecondWorst,
        Some(_) => Quality::Worst,
    }
}

impl Encoder for Mp3Encoder {
    fn encode(&mut self, samples: &[i16], out: &mut Vec<u8>) -> Result<(), EncodeError> {
        if samples.is_empty() {
            return Ok(());
        }
        out.reserve(mp3lame_encoder::max_required_buffer_size(samples.len()));
        let start = out.len();
        self.lame
            .encode_to_vec(MonoPcm(samples), out)
            .map_err(|e| EncodeError::Codec(format!("LAME: {e:?}")))?;
        self.lead_with_info(out, start);
        Ok(())
    }

    fn finish(&mut self, out: &mut Vec<u8>) -> Result<(), EncodeError> {
        out.reserve(7200);
        let start = out.len();
        self.lame
            .flush_to_vec::<FlushGap>(out)
            .map_err(|e| EncodeError::Codec(format!("LAME flush: {e:?}")))?;
        self.lead_with_info(out, start);
        Ok(())
    }

    /// Overwrites the placeholder first frame with the Xing/LAME tag (frame count, byte
    /// count, encoder delay and padding), which has exactly the placeholder's size.
    fn seal(&mut self, file: &mut [u8]) -> Result<(), EncodeError> {
        if !self.tagged {
            return Ok(());
        }
        let mut tag = Vec::with_capacity(self.lame.lame_tag_size());
        if self.lame.lame_tag_encode_to_vec(&mut tag).is_none() || tag.len() > file.len() {
            return Err(EncodeError::Codec("LAME: no room for the tag frame".into()));
        }
        file[..tag.len()].copy_from_slice(&tag);
        Ok(())
    }
}
