//! The LAME "Info" frame a streamed MP3 starts with, so that decoders drop the encoder
//! delay as they do for a whole file.
//!
//! A whole file gets LAME's own tag, written into its first frame once the end is known
//! (frame count, encoder delay and padding: exact, gapless). A stream cannot wait for the
//! end, but the delay is known at the start: LAME always delays by 576 samples, and
//! decoders add their own 529. This frame is a silent, self-contained MPEG frame (the
//! decoder skips it, as it skips LAME's tag) carrying that delay with the fields only
//! known at the end left at zero, meaning "unknown". FFmpeg, and so Chromium, then trims
//! the delay at the start; only the padding of the last frame (under one frame) remains.
//!
//! Layout (the Xing header with all four fields present, then LAME's extension at its
//! fixed offset 120, as LAME writes them):
//! `header · side info (zeros) · "Info" · flags 0xF · frames 0 · bytes (this frame's) · TOC ·
//! quality 0 · "LAME3.100" · … · delay/padding (12 + 12 bits) · … · CRC-16 of all before`.

/// LAME's encoder delay in samples (`ENCDELAY`, fixed in LAME 3.100).
pub const ENCODER_DELAY: u32 = 576;

/// Layer III bitrates in kbit/s by index: MPEG-1, and MPEG-2/2.5.
const MPEG1_KBPS: [u32; 15] = [
    0, 32, 40, 48, 56, 64, 80, 96, 112, 128, 160, 192, 224, 256, 320,
];
const MPEG2_KBPS: [u32; 15] = [0, 8, 16, 24, 32, 40, 48, 56, 64, 80, 96, 112, 128, 144, 160];
/// Sample rates by index, for MPEG-1; MPEG-2 halves them and MPEG-2.5 quarters them.
const MPEG1_RATES: [u32; 3] = [44_100, 48_000, 32_000];

/// The Xing header (tag, flags, frames, bytes, TOC, quality) and LAME's extension.
const XING_LEN: usize = 120;
const LAME_LEN: usize = 36;

/// The Info frame to put in front of a stream whose first frame begins with `header`
/// (4 bytes); `None` if `header` is not an MPEG Layer III frame header.
pub fn info_frame(header: &[u8], stream_kbps: u32) -> Option<Vec<u8>> {
    let &[0xFF, b1, b2, b3] = header.get(..4)? else {
        return None;
    };
    let version = (b1 >> 3) & 0b11; // 0b11 MPEG-1, 0b10 MPEG-2, 0b00 MPEG-2.5
    let layer = (b1 >> 1) & 0b11; // 0b01: Layer III
    let rate_index = usize::from((b2 >> 2) & 0b11);
    if b1 & 0xE0 != 0xE0 || version == 0b01 || layer != 0b01 || rate_index == 3 {
        return None;
    }
    let mpeg1 = version == 0b11;
    let halvings = match version {
        0b11 => 0,
        0b10 => 1,
        _ => 2,
    };
    let rate = MPEG1_RATES[rate_index] >> halvings;
    let mono = b3 >> 6 == 0b11;
    let side_info = match (mpeg1, mono) {
        (true, true) => 17,
        (true, false) => 32,
        (false, true) => 9,
        (false, false) => 17,
    };
    let needed = 4 + side_info + XING_LEN + LAME_LEN;
    let (table, per_kbit) = if mpeg1 {
        (&MPEG1_KBPS, 144_000)
    } else {
        (&MPEG2_KBPS, 72_000)
    };
    // The smallest bitrate whose frame holds the tag; unrelated to the stream's own.
    let (index, len) = (1..table.len())
        .map(|i| (i, (per_kbit * table[i] / rate) as usize))
        .find(|&(_, len)| len >= needed)?;
    let mut frame = vec![0u8; len];
    // No CRC (protection bit set), this bitrate, no padding; the rest as the stream's.
    frame[..4].copy_from_slice(&[0xFF, b1 | 1, (index as u8) << 4 | (b2 & 0x0C), b3]);
    let xing = 4 + side_info;
    frame[xing..xing + 4].copy_from_slice(b"Info");
    frame[xing + 4..xing + 8].copy_from_slice(&0x0Fu32.to_be_bytes());
    // Frames, TOC and quality stay zero: unknown while streaming. The byte count says the
    // least that is known, this frame's length: FFmpeg takes a tag whose frame and byte
    // counts are both zero for no tag, and decodes the frame as audio.
    frame[xing + 12..xing + 16].copy_from_slice(&(len as u32).to_be_bytes());
    let lame = xing + XING_LEN;
    frame[lame..lame + 9].copy_from_slice(b"LAME3.100");
    frame[lame + 9] = 0x01; // tag revision 0, constant bitrate
    frame[lame + 20] = stream_kbps.min(255) as u8;
    // Encoder delay (12 bits) and padding (12 bits, unknown here: 0).
    let delays = ENCODER_DELAY << 12;
    frame[lame + 21..lame + 24].copy_from_slice(&delays.to_be_bytes()[1..]);
    let crc_at = lame + LAME_LEN - 2;
    let crc = crc16(&frame[..crc_at]);
    frame[crc_at..crc_at + 2].copy_from_slice(&crc.to_be_bytes());
    Some(frame)
}

/// CRC-16/ARC (polynomial 0x8005, reflected, initial 0), as LAME checksums its tag.
fn crc16(bytes: &[u8]) -> u16 {
    bytes.iter().fold(0u16, |mut crc, &b| {
        crc ^= u16::from(b);
        for _ in 0..8 {
            crc = if crc & 1 != 0 {
                (crc >> 1) ^ 0xA001
            } else {
                crc >> 1
            };
        }
        crc
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_frame_fits_its_header_and_carries_the_delay() {
        // MPEG-2 Layer III, 24 kHz, 64 kbit/s, mono (as LAME writes it for our streams).
        let header = [0xFF, 0xF3, 0x84, 0xC4];
        let frame = info_frame(&header, 64).unwrap();
        // 24 kHz MPEG-2: 72 000 × 64 / 24 000 = 192 bytes, the first that holds
        // 4 + 9 + 156 (56 kbit/s would make 168).
        assert_eq!(frame.len(), 192);
        assert_eq!(&frame[..4], &header);
        assert_eq!(&frame[13..17], b"Info");
        assert_eq!(&frame[25..29], &192u32.to_be_bytes(), "bytes: this frame");
        assert_eq!(&frame[133..142], b"LAME3.100");
        assert_eq!(&frame[154..157], &[0x24, 0x00, 0x00], "576 << 12");
        assert_eq!(crc16(b"123456789"), 0xBB3D, "CRC-16/ARC check value");
    }

    #[test]
    fn only_layer_three_headers_get_a_frame() {
        assert!(info_frame(&[0x49, 0x44, 0x33, 0x04], 64).is_none(), "ID3");
        assert!(
            info_frame(&[0xFF, 0xFD, 0x84, 0xC4], 64).is_none(),
            "Layer II"
        );
        assert!(info_frame(&[0xFF, 0xF3], 64).is_none(), "short");
    }
}
