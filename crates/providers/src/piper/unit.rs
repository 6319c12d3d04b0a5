//! One unit's synthesis as a sequence of steps, each yielding the next piece of audio:
//! the encoder on a window of words, then the flow and decoder on a chunk of frames.
//!
//! The key decision: audio streams *within* a sentence. The flow and the decoder are
//! convolutional, so a chunk of frames run with enough frames of context on each side
//! gives the samples whole-sentence inference gives (measured: tests/piper_chunks.rs and
//! docs/BENCHMARKS.md); only the first chunk must be small. The decoder, most of the
//! cost, runs chunk by chunk; the flow runs once for the first chunk, then up to a chunk
//! ahead of the decoder, so each join costs little recomputation. The encoder (a transformer)
//! sees its whole input, so for a long unit it runs on windows of words with context
//! words on each side, whose frames differ from the whole-unit encoder's by less than the
//! prior's own noise (measured likewise). Each step is short, so the first audio of any
//! unit costs one window of the encoder and one small chunk, and a stream dropped between
//! steps costs nothing more.

use super::model::Parts;
use super::stats::PiperStats;
use super::words::{self, WordIds};
use ort::session::RunOptions;
use std::ops::Range;
use std::sync::atomic::Ordering::Relaxed;
use tts_core::WordMark;

/// How the flow and the decoder cut a unit's frames into chunks.
///
/// The defaults are measured (tests/piper_chunks.rs, docs/BENCHMARKS.md): with 24 frames
/// of prior around every latent frame the flow keeps and 6 frames of latent around each
/// decoder chunk, the joined chunks of a 60-word sentence differ from whole-unit
/// inference by 44–49 dB SNR with many joins (24 chunks of 16 to 64 frames, or 30 of 48,
/// the smallest a budget allows), above the 30 dB asked, with no seam. With 4 decoder
/// frames those cuts gave 29–37 dB over the noise of the prior's sampling: too close to
/// 30. 8 frames give 62–66 dB and 16 give 114–137 dB, but each join decodes those frames
/// twice: with 8, chunked inference cost 4–7 % more CPU than whole-unit inference on a
/// quiet machine, with 4, 3–4 % (docs/BENCHMARKS.md). With the decoder's convolutions
/// run as 2-D ones (piper/conv2d.rs), chunked inference costs less than the whole graph
/// as exported: 1–3.5 % less on an AMD EPYC (4 frames), 12–16 % less on an Intel Xeon
/// (6 frames, which cost no more than 4 there). 12 flow frames give as little as 20 dB.
///
/// A chunk is at most four times the audio before it in the stream, so that it is
/// computed (at a real-time factor near 0.1) well before that audio has played, and at
/// most 256 frames (3 s of audio, about 0.15 s of one core): a step holds the engine's
/// pool that long, and streams sharing the pool take turns step by step, earliest
/// deadline first. With 1 024-frame steps, 8 paragraphs at once on one core waited
/// behind each other's half-second steps and fell seconds behind real time
/// (docs/BENCHMARKS.md). When other streams wait, the gateway also gives each step a
/// budget ([`UnitSynthesis::within`]).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Chunking {
    /// Frames of the stream's first chunk (48 frames = 0.56 s at 22050 Hz). 32 frames
    /// (0.37 s) gave first audio about 10 ms sooner, but streams that started together
    /// on a shared core ran out of it before their second step came: four new streams'
    /// first chunks take about 0.35 s of one core (docs/BENCHMARKS.md).
    pub first: usize,
    /// When other streams wait for the pool, a stream's first chunk is at least this
    /// many frames for each of them per worker: it must last while they take their
    /// turns. 48-frame first chunks for 8 paragraphs starting at once took 0.62 s of the
    /// core and lasted 0.56 s, so the first stream to play ran dry before the last had
    /// begun.
    pub first_per_waiter: usize,
    /// A chunk is at most this many times the frames of audio before it in the stream,
    /// and at most `max` frames.
    pub growth: usize,
    pub max: usize,
    /// Frames of prior the flow sees on each side of the latent frames it keeps.
    pub flow_context: usize,
    /// Frames of latent the decoder sees on each side of its chunk.
    pub decoder_context: usize,
}

impl Default for Chunking {
    fn default() -> Self {
        Self {
            first: 48,
            first_per_waiter: 10,
            growth: 4,
            max: 256,
            flow_context: 24,
            decoder_context: 6,
        }
    }
}

impl Chunking {
    /// Frames of prior needed beyond a chunk's end before it can be run.
    pub fn look_ahead(&self) -> usize {
        self.flow_context + self.decoder_context
    }

    /// Frames of the next chunk after `before` frames of audio, within `limit`.
    ///
    /// A request's first chunk must last, with the audio its listener already has
    /// (`limit.lead`: none for a new stream, more for a request that continues one), while
    /// the streams waiting take their turns. Later chunks grow with the audio before them,
    /// or with the lead if that is more.
    fn size(&self, before: usize, limit: Limit) -> usize {
        let first = self.first.max(1);
        let least = if before == 0 {
            let each_worker = limit.waiting.div_ceil(limit.workers.max(1));
            let lasting = self.first_per_waiter.saturating_mul(each_worker);
            first.max(lasting.saturating_sub(limit.lead))
        } else {
            first
        };
        self.growth
            .saturating_mul(before.max(limit.lead))
            .clamp(first, self.max.max(first))
            .min(limit.frames)
            .max(least)
    }

    /// The end of the chunk starting at frame `emitted` of a unit that follows `before`
    /// frames of audio, given `available` frames of prior of which all are known
    /// (`complete`) or only those that exist so far; `None` if the chunk needs frames not
    /// encoded yet (or nothing is left).
    pub fn next(
        &self,
        before: usize,
        emitted: usize,
        available: usize,
        complete: bool,
    ) -> Option<usize> {
        self.next_within(Limit::default(), before, emitted, available, complete)
    }

    /// The same, within a step's `limit`.
    pub fn next_within(
        &self,
        limit: Limit,
        before: usize,
        emitted: usize,
        available: usize,
        complete: bool,
    ) -> Option<usize> {
        let end = emitted + self.size(before + emitted, limit);
        if complete {
            if emitted >= available {
                return None;
            }
            // A short tail joins this chunk rather than costing a run of its own.
            let end = if available.saturating_sub(end) < self.first / 2 {
                available
            } else {
                end.min(available)
            };
            return Some(end);
        }
        (end + self.look_ahead() <= available).then_some(end)
    }
}

/// What the gateway said of the next step: at most `frames` (the step's time budget at
/// the measured cost per frame; never less than a first chunk), with `waiting` streams
/// behind it in all.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Limit {
    pub frames: usize,
    pub waiting: usize,
    /// The pool's workers (streams waiting are served this many at a time).
    pub workers: usize,
    /// Frames of audio the stream's listener has yet to hear when the step starts. A
    /// request that continues a stream (the next sentence through the phrase cache, a
    /// realtime context's next segment) has some before its first chunk.
    pub lead: usize,
}

impl Default for Limit {
    fn default() -> Self {
        Self {
            frames: usize::MAX,
            waiting: 0,
            workers: 1,
            lead: 0,
        }
    }
}

/// A latent or prior: `channels` rows of frames, row-major (the layout of [1, C, T]).
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Frames {
    channels: usize,
    data: Vec<f32>,
}

impl Frames {
    pub fn from_rows(channels: usize, data: Vec<f32>) -> Self {
        Self { channels, data }
    }

    pub fn frames(&self) -> usize {
        self.data.len() / self.channels.max(1)
    }

    /// Columns `r` of every row, row-major.
    pub fn window(&self, r: Range<usize>) -> Vec<f32> {
        let n = self.frames();
        let mut out = Vec::with_capacity(self.channels * r.len());
        for row in self.data.chunks_exact(n.max(1)).take(self.channels) {
            out.extend_from_slice(&row[r.clone()]);
        }
        out
    }

    /// Appends columns `r` of `other` (same channels).
    pub fn append(&mut self, other: &Frames, r: Range<usize>) {
        let (n, m) = (self.frames(), other.frames());
        let mut data = Vec::with_capacity(self.channels * (n + r.len()));
        for c in 0..self.channels {
            data.extend_from_slice(&self.data[c * n..(c + 1) * n]);
            data.extend_from_slice(&other.data[c * m + r.start..c * m + r.end]);
        }
        self.data = data;
    }
}

/// How the encoder cuts a long unit into windows of espeak's words.
///
/// Measured on a 60-word sentence, noise off (tests/piper_chunks.rs): with 8 context
/// words on each side, 3 % of the window's durations differ from the whole-sentence
/// encoder's (by a frame) and its prior is 19 dB SNR from the whole's, while the noise
/// real synthesis adds to the prior is as large as the prior itself (0.5 dB SNR): the
/// window's error is far inside the voice's own variation. 2 context words give 15 dB
/// and 10 %; 12 give 21 dB and 3 %. Later windows keep 48 words: with 24, a 60-word
/// sentence has one more window boundary and 18.5 % of its durations differ (12.9 dB).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Windows {
    /// A unit of at most this many words runs through the encoder whole (a first window
    /// reads 16 words: windows only pay off on longer units).
    pub whole_up_to: usize,
    /// Words the first window keeps (its frames are used).
    pub first: usize,
    /// Words each later window keeps.
    pub next: usize,
    /// Words the encoder sees on each side of the words a window keeps.
    pub context: usize,
}

impl Default for Windows {
    fn default() -> Self {
        Self {
            whole_up_to: 24,
            first: 8,
            next: 48,
            context: 8,
        }
    }
}

impl Windows {
    /// The next window after ids `..encoded`, given the ids where words start: the ids
    /// it keeps and the ids it reads (`kept` plus context). Kept windows end where a word
    /// starts, or at the end of the unit.
    pub fn next(
        &self,
        starts: &[usize],
        encoded: usize,
        len: usize,
    ) -> (Range<usize>, Range<usize>) {
        if starts.len() <= self.whole_up_to {
            return (encoded..len, 0..len);
        }
        let first_word = starts.partition_point(|&s| s < encoded);
        let keep = if encoded == 0 { self.first } else { self.next }.max(1);
        // Fewer than half a window left: keep it all.
        let last_word = first_word + keep;
        let (end, read_end) = if last_word + keep / 2 >= starts.len() {
            (len, len)
        } else {
            let read = starts.get(last_word + self.context).copied().unwrap_or(len);
            (starts[last_word], read)
        };
        let read_start = if first_word == 0 {
            0
        } else {
            starts[first_word.saturating_sub(self.context)]
        };
        (encoded..end, read_start..read_end)
    }
}

/// A piece of a unit's audio.
pub struct Piece {
    pub samples: Vec<f32>,
    /// Words that start in this piece (or before it, if their timing was not known yet),
    /// with sample offsets from the unit's first sample.
    pub words: Vec<WordMark>,
    /// Returns true if and only if this is the unit's last piece.
    pub last: bool,
}

/// One unit being synthesised.
pub struct UnitSynthesis {
    ids: Vec<i64>,
    word_starts: Vec<usize>,
    words: Vec<WordIds>,
    prior: Frames,
    /// The flow's output for the first frames of `prior` (those whose context is known).
    latent: Frames,
    /// Frames of each id encoded so far.
    durations: Vec<f32>,
    encoded: usize,
    emitted: usize,
    chunks: usize,
    /// Samples of audio the stream had before this unit.
    before: u64,
    marks_sent: usize,
    chunking: Chunking,
    windows: Windows,
    /// What the gateway said of the next step.
    limit: Limit,
}

impl UnitSynthesis {
    /// `word_starts`: ids where espeak's words start (window cuts); `words`: the
    /// request's words and their ids.
    pub fn new(ids: Vec<i64>, word_starts: Vec<usize>, words: Vec<WordIds>) -> Self {
        Self {
            ids,
            word_starts,
            words,
            prior: Frames::default(),
            latent: Frames::default(),
            durations: Vec::new(),
            encoded: 0,
            emitted: 0,
            chunks: 0,
            before: 0,
            marks_sent: 0,
            chunking: Chunking::default(),
            windows: Windows::default(),
            limit: Limit::default(),
        }
    }

    /// The same, for a unit that follows `samples` of audio in its stream: the reader has
    /// that audio to play while this unit starts, so its chunks may be larger.
    pub fn after(mut self, samples: u64) -> Self {
        self.before = samples;
        self
    }

    /// A unit whose prior is already known (to measure the flow and decoder alone).
    pub fn from_prior(prior: Frames, chunking: Chunking) -> Self {
        let mut unit = Self::new(Vec::new(), Vec::new(), Vec::new());
        unit.prior = prior;
        unit.chunking = chunking;
        unit
    }

    /// Sizes the next chunk within `limit`.
    pub fn within(&mut self, limit: Limit) {
        self.limit = limit;
    }

    /// The unit's phoneme ids.
    pub fn ids(&self) -> &[i64] {
        &self.ids
    }

    /// The same, cut differently (benchmarks and tests).
    pub fn with_cuts(mut self, chunking: Chunking, windows: Windows) -> Self {
        self.chunking = chunking;
        self.windows = windows;
        self
    }

    /// Runs the encoder as far as the next chunk needs, then that chunk.
    pub fn next_piece(
        &mut self,
        parts: &mut Parts,
        scales: [f32; 3],
        speaker: Option<i64>,
        options: &RunOptions,
        stats: &PiperStats,
    ) -> Result<Piece, ort::Error> {
        let before = (self.before / parts.hop.max(1) as u64) as usize;
        let end = loop {
            let complete = self.encoded == self.ids.len();
            // Streams that started with this one but have no audio yet will take their
            // first turns before its next: known here, after the encoder ran, better
            // than when the gateway granted the turn.
            let starting = stats.streams_starting.load(Relaxed) as usize;
            let limit = Limit {
                waiting: self.limit.waiting.max(starting.saturating_sub(1)),
                ..self.limit
            };
            if let Some(end) = self.chunking.next_within(
                limit,
                before,
                self.emitted,
                self.prior.frames(),
                complete,
            ) {
                break end;
            }
            if complete {
                return Ok(Piece {
                    samples: Vec::new(),
                    words: self.marks(usize::MAX, parts.hop),
                    last: true,
                });
            }
            self.encode_window(parts, scales, speaker, options)?;
            stats.encoder_runs.fetch_add(1, Relaxed);
        };
        let samples = self.decode_chunk(parts, self.emitted..end, speaker, options)?;
        stats.decoder_runs.fetch_add(1, Relaxed);
        self.emitted = end;
        self.chunks += 1;
        let last = self.encoded == self.ids.len() && end >= self.prior.frames();
        let words = self.marks(if last { usize::MAX } else { end }, parts.hop);
        Ok(Piece {
            samples,
            words,
            last,
        })
    }

    /// The decoder on frames `core`, with context; first the flow as far as the decoder
    /// needs: for the first chunk just that, later up to one more chunk ahead (`max`
    /// frames) where the prior is known, so that the flow's joins are few and no step
    /// runs the flow over a whole long unit while its stream waits.
    fn decode_chunk(
        &mut self,
        parts: &mut Parts,
        core: Range<usize>,
        speaker: Option<i64>,
        options: &RunOptions,
    ) -> Result<Vec<f32>, ort::Error> {
        let (flow_context, decoder_context) =
            (self.chunking.flow_context, self.chunking.decoder_context);
        let total = self.prior.frames();
        let complete = self.encoded == self.ids.len();
        let needed = (core.end + decoder_context).min(total);
        let from = self.latent.frames();
        if from < needed {
            let to = match (self.chunks, complete) {
                (0, _) => needed,
                (_, true) => total.min(needed + self.chunking.max),
                (_, false) => total
                    .saturating_sub(flow_context)
                    .min(needed + self.chunking.max)
                    .max(needed),
            };
            let read = from.saturating_sub(flow_context)..(to + flow_context).min(total);
            let out = parts.flow(&self.prior.window(read.clone()), speaker, options)?;
            let out = Frames::from_rows(parts.channels, out);
            if self.latent.channels == 0 {
                self.latent.channels = parts.channels;
            }
            self.latent.append(&out, from - read.start..to - read.start);
        }
        let dec = core.start.saturating_sub(decoder_context)..needed;
        let audio = parts.decode(&self.latent.window(dec.clone()), speaker, options)?;
        let hop = parts.hop;
        let to = ((core.end - dec.start) * hop).min(audio.len());
        let from = ((core.start - dec.start) * hop).min(to);
        Ok(audio[from..to].to_vec())
    }

    fn encode_window(
        &mut self,
        parts: &mut Parts,
        scales: [f32; 3],
        speaker: Option<i64>,
        options: &RunOptions,
    ) -> Result<(), ort::Error> {
        let len = self.ids.len();
        let (keep, read) = self.windows.next(&self.word_starts, self.encoded, len);
        let mut ids = Vec::with_capacity(read.len() + 3);
        // A window inside the unit still opens with BOS + pad and closes with EOS, as
        // the model was trained.
        let prefix = if read.start > 0 { 2 } else { 0 };
        if prefix > 0 {
            ids.extend_from_slice(&self.ids[..2]);
        }
        ids.extend_from_slice(&self.ids[read.clone()]);
        if read.end < len {
            ids.push(self.ids[len - 1]);
        }
        let encoded = parts.encode(&ids, scales, speaker, options)?;
        let kept = keep.start - read.start + prefix..keep.end - read.start + prefix;
        let starts = frame_starts(&encoded.durations);
        let window = Frames::from_rows(parts.channels, encoded.prior);
        let frames = starts[kept.start]..starts[kept.end].min(window.frames());
        if self.prior.channels == 0 {
            self.prior.channels = parts.channels;
        }
        self.prior.append(&window, frames);
        self.durations
            .extend_from_slice(&encoded.durations[kept.clone()]);
        self.encoded = keep.end;
        Ok(())
    }

    /// Marks of the words not sent yet whose timing is known and that start before
    /// frame `before`.
    fn marks(&mut self, before: usize, hop: usize) -> Vec<WordMark> {
        let starts = frame_starts(&self.durations);
        let mut out = Vec::new();
        while let Some(w) = self.words.get(self.marks_sent) {
            let known = w.ids.end <= self.encoded;
            let start = starts[w.ids.start.min(starts.len() - 1)];
            if !known || (before != usize::MAX && start >= before) {
                break;
            }
            out.push(words::mark(w, &starts, hop));
            self.marks_sent += 1;
        }
        out
    }
}

/// The frame at which each id starts, and one more entry for the end.
pub fn frame_starts(durations: &[f32]) -> Vec<usize> {
    let mut out = Vec::with_capacity(durations.len() + 1);
    let mut at = 0usize;
    out.push(0);
    for d in durations {
        at += d.max(0.0) as usize;
        out.push(at);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn chunks_grow_with_the_audio_before_them_and_wait_for_look_ahead() {
        let c = Chunking::default();
        assert_eq!(c.next(0, 0, 1000, true), Some(48));
        assert_eq!(c.next(0, 48, 1000, true), Some(240));
        assert_eq!(c.next(0, 160, 1000, true), Some(416), "at most max");
        assert_eq!(c.next(0, 800, 3000, true), Some(1056), "at most max");
        assert_eq!(c.next(0, 0, 40, true), Some(40));
        assert_eq!(c.next(0, 0, 60, false), None, "look-ahead");
        assert_eq!(c.next(0, 0, 80, false), Some(48));
        assert_eq!(c.next(0, 1000, 1000, true), None);
        // A later unit: four times the audio before it.
        assert_eq!(c.next(50, 0, 1000, true), Some(200));
        // Within a step's budget, but never less than a first chunk.
        let within = |frames, waiting| Limit {
            frames,
            waiting,
            workers: 1,
            lead: 0,
        };
        assert_eq!(c.next_within(within(100, 3), 50, 0, 1000, true), Some(100));
        assert_eq!(c.next_within(within(10, 3), 50, 0, 1000, true), Some(48));
        let tail = c.next_within(within(10, 3), 50, 0, 60, true);
        assert_eq!(tail, Some(60), "a short tail joins");
        // A stream's first chunk lasts while those waiting take theirs.
        assert_eq!(c.next_within(within(10, 3), 0, 0, 1000, true), Some(48));
        assert_eq!(c.next_within(within(10, 7), 0, 0, 1000, true), Some(70));
        let later = c.next_within(within(10, 7), 0, 70, 1000, true);
        assert_eq!(later, Some(118), "later chunks: the budget, at least 48");
        // Those waiting are served a worker's share at a time.
        let two_workers = Limit {
            workers: 2,
            ..within(10, 7)
        };
        assert_eq!(c.next_within(two_workers, 0, 0, 1000, true), Some(48));
        // A request that continues a stream whose listener has 50 frames yet to hear:
        // its chunks grow from that lead, within the budget.
        let led = |frames, waiting| Limit {
            lead: 50,
            ..within(frames, waiting)
        };
        assert_eq!(
            c.next_within(led(usize::MAX, 0), 0, 0, 1000, true),
            Some(200)
        );
        assert_eq!(c.next_within(led(100, 3), 0, 0, 1000, true), Some(100));
        // With 7 waiting it must still last 70 frames: 50 of them are there already.
        assert_eq!(c.next_within(led(10, 7), 0, 0, 1000, true), Some(48));
        let short_lead = Limit {
            lead: 10,
            ..within(10, 7)
        };
        assert_eq!(c.next_within(short_lead, 0, 0, 1000, true), Some(60));
    }

    #[test]
    fn frames_append_and_window_by_columns() {
        let mut a = Frames::from_rows(2, vec![1.0, 2.0, 10.0, 20.0]);
        let b = Frames::from_rows(2, vec![3.0, 4.0, 5.0, 30.0, 40.0, 50.0]);
        a.append(&b, 1..3);
        assert_eq!(a.frames(), 4);
        assert_eq!(a.window(1..3), [2.0, 4.0, 20.0, 40.0]);
        let mut empty = Frames::from_rows(2, Vec::new());
        empty.append(&b, 0..1);
        assert_eq!(empty.window(0..1), [3.0, 30.0]);
    }

    #[test]
    fn long_units_are_encoded_in_windows_that_end_where_words_start() {
        let w = Windows::default();
        let starts: Vec<usize> = (0..60).map(|i| 2 + 4 * i).collect();
        let len = 2 + 4 * 60 + 1;
        let (keep, read) = w.next(&starts, 0, len);
        assert_eq!(keep, 0..starts[8]);
        assert_eq!(read, 0..starts[16]);
        let (keep, read) = w.next(&starts, starts[8], len);
        assert_eq!(keep, starts[8]..len, "the rest fits one window and a half");
        assert_eq!(read, starts[0]..len);
        let short: Vec<usize> = starts[..10].to_vec();
        assert_eq!(w.next(&short, 0, 50), (0..50, 0..50));
    }

    #[test]
    fn frame_starts_accumulate_durations() {
        assert_eq!(frame_starts(&[2.0, 0.0, 3.0]), [0, 2, 2, 5]);
    }
}
