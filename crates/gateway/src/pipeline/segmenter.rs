//! [`Segmenter`]: turns text that arrives a few characters at a time (an LLM's tokens)
//! into segments an engine can speak well, as early as it safely can.
//!
//! The key decisions:
//! - A segment is released at the end of a sentence; at a clause boundary (`,` `;` `:`
//!   and dashes) once enough words are waiting; on `flush`; or when the oldest buffered
//!   text has waited `max_buffer_delay`. The first segment of a context needs fewer words
//!   at a clause boundary than later ones: first audio after the first clause matters
//!   more than the prosody of a short clause.
//! - Words are never split: a timed-out or over-long buffer is cut at its last
//!   whitespace, and the partial word waits for the rest of its characters.
//! - `,` `;` `:` `!` `?` end a clause at once when they follow a letter (the next token
//!   could only add whitespace), but `.` waits for the next character, since it may be a
//!   decimal point, an abbreviation or part of a URL ("3.5", "Mr.", "example.com").
//! - The buffer is raw text, so whitespace and punctuation that arrive as separate
//!   tokens join exactly as written. Segments are trimmed; offsets point into the whole
//!   text the context received.

use std::time::{Duration, Instant};

/// Words that, followed by `.`, do not end a sentence.
const ABBREVIATIONS: &[&str] = &[
    "mr", "mrs", "ms", "dr", "prof", "sr", "jr", "st", "vs", "etc", "e.g", "i.e", "no", "inc",
    "ltd", "co", "mt", "ft", "approx", "dept", "est", "fig", "gen", "gov", "lt", "sgt", "col",
    "capt", "rev", "hon", "ave", "blvd", "rd", "jan", "feb", "mar", "apr", "jun", "jul", "aug",
    "sep", "sept", "oct", "nov", "dec",
];

/// How eagerly segments are released.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct SegmenterConfig {
    /// The oldest buffered text is released (up to its last whole word) after this long.
    pub max_buffer_delay: Duration,
    /// Words a clause needs before a clause boundary releases it: the first segment of a
    /// context, and every later one.
    pub first_clause_words: usize,
    pub clause_words: usize,
    /// A buffer this long (in bytes) with no boundary is cut at its last whitespace.
    pub max_segment_bytes: usize,
}

impl Default for SegmenterConfig {
    fn default() -> Self {
        Self {
            max_buffer_delay: Duration::from_millis(1000),
            first_clause_words: 1,
            clause_words: 5,
            max_segment_bytes: 400,
        }
    }
}

/// One piece of text to synthesise.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Segment {
    /// Trimmed, never empty unless `flush` is set and nothing was buffered.
    pub text: String,
    /// Byte offset of `text` in everything the context received.
    pub offset: usize,
    /// Released by a `flush`: the door acknowledges once its audio is out.
    pub flush: bool,
}

/// Buffers a context's incoming text and releases segments.
#[derive(Debug)]
pub struct Segmenter {
    config: SegmenterConfig,
    buf: String,
    /// Byte offset of `buf[0]` in the whole text.
    base: usize,
    /// When the oldest non-blank buffered text arrived.
    oldest: Option<Instant>,
    released: usize,
}

impl Segmenter {
    pub fn new(config: SegmenterConfig) -> Self {
        Self {
            config,
            buf: String::new(),
            base: 0,
            oldest: None,
            released: 0,
        }
    }

    /// Bytes buffered and not yet released.
    pub fn buffered(&self) -> usize {
        self.buf.len()
    }

    /// When [`Segmenter::expire`] will release something: `None` while nothing waits, or
    /// while what waits is one unfinished word (it can only go out with more text).
    pub fn deadline(&self) -> Option<Instant> {
        let releasable = self.buf.ends_with(char::is_whitespace) || last_space(&self.buf).is_some();
        self.oldest
            .filter(|_| releasable)
            .map(|t| t + self.config.max_buffer_delay)
    }

    /// Appends `text` and returns the segments it completes, in order.
    pub fn push(&mut self, text: &str, now: Instant) -> Vec<Segment> {
        self.buf.push_str(text);
        if self.oldest.is_none() && !self.buf.trim().is_empty() {
            self.oldest = Some(now);
        }
        let mut out = Vec::new();
        while let Some(cut) = self.boundary() {
            out.extend(self.release(cut, false));
        }
        if self.buf.len() > self.config.max_segment_bytes {
            if let Some(cut) = last_space(&self.buf) {
                out.extend(self.release(cut, false));
            }
        }
        out
    }

    /// Releases everything buffered (the caller flushed, or the input ended). A flush
    /// with nothing buffered still yields an (empty) flush segment.
    pub fn flush(&mut self) -> Segment {
        let len = self.buf.len();
        self.release(len, true).unwrap_or(Segment {
            text: String::new(),
            offset: self.base,
            flush: true,
        })
    }

    /// Everything buffered, as a last segment, when the input ends.
    pub fn finish(&mut self) -> Option<Segment> {
        let len = self.buf.len();
        self.release(len, false)
    }

    /// Releases buffered text up to its last whole word if the oldest has waited long
    /// enough. A buffer that is one unfinished word waits on.
    pub fn expire(&mut self, now: Instant) -> Option<Segment> {
        if self.deadline().is_none_or(|d| now < d) {
            return None;
        }
        let cut = if self.buf.ends_with(char::is_whitespace) {
            self.buf.len()
        } else {
            last_space(&self.buf)?
        };
        self.release(cut, false)
    }

    /// The end (exclusive, in bytes) of the first releasable piece, if any.
    fn boundary(&self) -> Option<usize> {
        let min_words = if self.released == 0 {
            self.config.first_clause_words
        } else {
            self.config.clause_words
        };
        let chars: Vec<(usize, char)> = self.buf.char_indices().collect();
        for (i, &(at, c)) in chars.iter().enumerate() {
            let next = chars.get(i + 1).map(|&(_, n)| n);
            let prev = i.checked_sub(1).map(|p| chars[p].1);
            let end = at + c.len_utf8();
            let after_letter = prev.is_some_and(|p| p.is_alphabetic() || p == ')' || p == '"');
            match c {
                '.' | '…' => {
                    let Some(n) = next else { continue };
                    if n.is_whitespace() && !self.is_abbreviation(at) {
                        return Some(end);
                    }
                }
                '!' | '?' if next.is_none_or(char::is_whitespace) => return Some(end),
                '。' | '！' | '？' => return Some(end),
                ',' | ';' | ':' | '，' | '；' | '、' => {
                    let ends = match next {
                        Some(n) => n.is_whitespace(),
                        None => after_letter || !c.is_ascii(),
                    };
                    if ends && words(&self.buf[..at]) >= min_words {
                        return Some(end);
                    }
                }
                '—' | '–'
                    if next.is_some_and(char::is_whitespace)
                        && words(&self.buf[..at]) >= min_words =>
                {
                    return Some(end)
                }
                '\n' if next == Some('\n') => return Some(end),
                _ => {}
            }
        }
        None
    }

    /// Returns true if and only if the `.` at byte `at` follows a known abbreviation or a
    /// single initial ("J. R. R.").
    fn is_abbreviation(&self, at: usize) -> bool {
        let before = &self.buf[..at];
        let word = before
            .rsplit(|c: char| c.is_whitespace() || c == '(' || c == '"')
            .next()
            .unwrap_or("");
        let lower = word.to_lowercase();
        let initial = word.chars().count() == 1 && word.chars().all(char::is_uppercase);
        initial || ABBREVIATIONS.contains(&lower.as_str())
    }

    /// Takes `buf[..cut]` out as a segment (None if it is blank and not a flush).
    fn release(&mut self, cut: usize, flush: bool) -> Option<Segment> {
        let piece: String = self.buf.drain(..cut).collect();
        let lead = piece.len() - piece.trim_start().len();
        let offset = self.base + lead;
        self.base += cut;
        // What is left waits from now on; later text does not restart its clock.
        self.oldest = (!self.buf.trim().is_empty()).then(Instant::now);
        let text = piece.trim().to_string();
        if text.is_empty() && !flush {
            return None;
        }
        if !text.is_empty() {
            self.released += 1;
        }
        Some(Segment {
            text,
            offset,
            flush,
        })
    }
}

fn words(text: &str) -> usize {
    text.split_whitespace().count()
}

/// The byte index just after the last whitespace run of `text` that has a word before it.
fn last_space(text: &str) -> Option<usize> {
    let trimmed = text.trim_end();
    let at = trimmed.rfind(char::is_whitespace)?;
    let ws = trimmed[at..].chars().next().map_or(1, char::len_utf8);
    (!trimmed[..at].trim().is_empty()).then_some(at + ws)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn feed(seg: &mut Segmenter, tokens: &[&str]) -> Vec<String> {
        let now = Instant::now();
        let mut out: Vec<String> = Vec::new();
        for t in tokens {
            out.extend(seg.push(t, now).into_iter().map(|s| s.text));
        }
        out
    }

    #[test]
    fn a_sentence_is_released_when_whitespace_follows_its_period() {
        let mut s = Segmenter::new(SegmenterConfig::default());
        assert!(feed(&mut s, &["Hello", " there", "."]).is_empty());
        assert_eq!(feed(&mut s, &[" How"]), vec!["Hello there."]);
        assert_eq!(s.finish().unwrap().text, "How");
    }

    #[test]
    fn the_first_clause_goes_out_at_its_comma() {
        let mut s = Segmenter::new(SegmenterConfig::default());
        assert_eq!(
            feed(&mut s, &["Well", ","]),
            vec!["Well,"],
            "a comma after a letter ends the first clause at once, even one word long"
        );
        // Later clauses need more words.
        assert!(feed(&mut s, &[" then", " we", ","]).is_empty());
        assert_eq!(
            feed(&mut s, &[" go", " home", " and", " rest", ", "]),
            vec!["then we, go home and rest,"]
        );
    }

    #[test]
    fn decimals_abbreviations_and_thousands_do_not_end_anything() {
        let mut s = Segmenter::new(SegmenterConfig::default());
        let out = feed(
            &mut s,
            &[
                "Dr", ".", " Smith", " paid", " 3", ".", "5", " or", " 3", ",", "000", " dollars",
            ],
        );
        assert!(out.is_empty(), "{out:?}");
        assert_eq!(
            s.finish().unwrap().text,
            "Dr. Smith paid 3.5 or 3,000 dollars"
        );
    }

    #[test]
    fn tokens_without_spaces_join_as_written() {
        let mut s = Segmenter::new(SegmenterConfig::default());
        let out = feed(&mut s, &["It", "'s", " fine", "!", " Yes", "."]);
        assert_eq!(out, vec!["It's fine!"]);
        assert_eq!(s.flush().text, "Yes.");
    }

    #[test]
    fn a_timeout_releases_whole_words_only() {
        let cfg = SegmenterConfig {
            max_buffer_delay: Duration::from_millis(100),
            ..Default::default()
        };
        let mut s = Segmenter::new(cfg);
        let t0 = Instant::now();
        assert!(s.push("one two thr", t0).is_empty());
        assert!(s.expire(t0 + Duration::from_millis(50)).is_none());
        let seg = s.expire(t0 + Duration::from_millis(100)).unwrap();
        assert_eq!(seg.text, "one two");
        assert!(s.push("ee", t0).is_empty());
        assert_eq!(s.finish().unwrap().text, "three");
    }

    #[test]
    fn a_lone_unfinished_word_waits_past_the_deadline() {
        let cfg = SegmenterConfig {
            max_buffer_delay: Duration::from_millis(10),
            ..Default::default()
        };
        let mut s = Segmenter::new(cfg);
        let t0 = Instant::now();
        s.push("Supercal", t0);
        assert_eq!(s.deadline(), None, "no deadline to wake up for");
        assert!(s.expire(t0 + Duration::from_secs(1)).is_none());
    }

    #[test]
    fn offsets_point_into_the_whole_text() {
        let mut s = Segmenter::new(SegmenterConfig::default());
        let now = Instant::now();
        let text = "  First one. Second one! Third";
        let segs: Vec<Segment> = s.push(text, now).into_iter().chain(s.finish()).collect();
        for seg in &segs {
            assert_eq!(&text[seg.offset..seg.offset + seg.text.len()], seg.text);
        }
        assert_eq!(segs.len(), 3);
    }

    #[test]
    fn a_flush_with_nothing_buffered_is_still_acknowledged() {
        let mut s = Segmenter::new(SegmenterConfig::default());
        let seg = s.flush();
        assert!(seg.flush && seg.text.is_empty());
    }

    #[test]
    fn an_overlong_buffer_is_cut_between_words() {
        let cfg = SegmenterConfig {
            max_segment_bytes: 20,
            ..Default::default()
        };
        let mut s = Segmenter::new(cfg);
        let out = feed(&mut s, &["aaaa bbbb cccc dddd eeee ffff"]);
        assert_eq!(out, vec!["aaaa bbbb cccc dddd eeee"]);
    }

    #[test]
    fn chunked_and_whole_text_give_the_same_words() {
        let text = "Hello there, my friend. It costs 3.5 dollars, or so; Mr. Brown said: \
                    fine! Really? Yes. And then, at last, the end";
        let whole: Vec<String> = text.split_whitespace().map(String::from).collect();
        for size in 1..7 {
            let mut s = Segmenter::new(SegmenterConfig::default());
            let now = Instant::now();
            let mut got = Vec::new();
            let chars: Vec<char> = text.chars().collect();
            for piece in chars.chunks(size) {
                let piece: String = piece.iter().collect();
                got.extend(s.push(&piece, now));
            }
            got.extend(s.finish());
            let words: Vec<String> = got
                .iter()
                .flat_map(|g| g.text.split_whitespace().map(String::from))
                .collect();
            assert_eq!(words, whole, "chunk size {size}");
        }
    }
}
