//! The mp3 fast mode really skips LAME's psychoacoustic model.
//!
//! What the model decides that can be seen in the bitstream is block switching: on an
//! attack it switches the granule to short blocks (against pre-echo). The default mode must
//! do that on castanet-like clicks; the fast mode, which runs no model, must never do it.
//! Read from each frame's side information, so the test does not depend on timing.

use tts_audio::{Codecs, EncoderOptions, Transcoder, MP3_FAST_COMPLEXITY};
use tts_core::{AudioChunk, AudioFormat};

const RATE: u32 = 16_000;

/// One second of near-silence with a sharp click every 125 ms: attacks the model sees.
fn clicks() -> Vec<i16> {
    (0..RATE as usize)
        .map(|i| {
            let since_click = i % (RATE as usize / 8);
            if since_click < 40 {
                let decay = 1.0 - since_click as f64 / 40.0;
                (20_000.0 * decay * (i as f64 * 1.3).sin()) as i16
            } else {
                ((i * 7919) % 61) as i16 - 30
            }
        })
        .collect()
}

fn encode(options: EncoderOptions) -> Vec<u8> {
    let codecs = Codecs::detect();
    let mut t = Transcoder::new(&codecs, AudioFormat::Mp3, RATE, RATE, options).unwrap();
    let mut out = Vec::new();
    for chunk in clicks().chunks(1_600) {
        t.push(&AudioChunk::new(chunk.to_vec(), RATE), &mut out)
            .unwrap();
    }
    t.finish(&mut out).unwrap();
    out
}

/// (frames, granules coded with short blocks) of a mono MPEG-2 Layer III stream.
fn short_block_granules(mut bytes: &[u8]) -> (usize, usize) {
    const KBPS: [u32; 15] = [0, 8, 16, 24, 32, 40, 48, 56, 64, 80, 96, 112, 128, 144, 160];
    const RATES: [u32; 3] = [22_050, 24_000, 16_000];
    let (mut frames, mut short) = (0, 0);
    while bytes.len() >= 4 {
        assert!(
            bytes[0] == 0xFF && bytes[1] & 0xF0 == 0xF0,
            "no frame sync after {frames} frames"
        );
        assert_eq!((bytes[1] >> 3) & 3, 2, "not MPEG-2");
        assert_eq!((bytes[1] >> 1) & 3, 1, "not Layer III");
        let crc = if bytes[1] & 1 == 0 { 2 } else { 0 };
        let kbps = KBPS[usize::from(bytes[2] >> 4)];
        let rate = RATES[usize::from((bytes[2] >> 2) & 3)];
        let padding = u32::from((bytes[2] >> 1) & 1);
        let len = (72_000 * kbps / rate + padding) as usize;
        // Side information (mono, MPEG-2): main_data_begin 8 bits, private 1, then the one
        // granule: part2_3_length 12, big_values 9, global_gain 8, scalefac_compress 9,
        // window_switching_flag 1, block_type 2.
        let side = &bytes[4 + crc..];
        let bit = |n: usize| (side[n / 8] >> (7 - n % 8)) & 1;
        let switching = bit(47) == 1;
        let block_type = (bit(48) << 1) | bit(49);
        if switching && block_type == 2 {
            short += 1;
        }
        frames += 1;
        bytes = &bytes[len.min(bytes.len())..];
    }
    (frames, short)
}

#[test]
fn the_default_mode_switches_to_short_blocks_on_clicks() {
    let (frames, short) = short_block_granules(&encode(EncoderOptions::default()));
    assert!(frames > 25, "{frames} frames");
    assert!(short >= 4, "{short} short-block granules of {frames}");
}

#[test]
fn the_fast_mode_runs_no_psychoacoustic_model() {
    let fast = EncoderOptions {
        complexity: Some(MP3_FAST_COMPLEXITY),
        ..EncoderOptions::default()
    };
    let (frames, short) = short_block_granules(&encode(fast));
    assert!(frames > 25, "{frames} frames");
    assert_eq!(short, 0, "short-block granules of {frames}");
}
