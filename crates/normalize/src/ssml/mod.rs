//! An SSML subset: `<speak>`, `<p>`, `<s>`, `<break>`, `<say-as>`, `<sub>`,
//! `<phoneme>`, `<prosody rate>` and `<emphasis>`.
//!
//! The key decision is strictness: anything outside the subset — an unknown element
//! such as `<voice>`, an unknown attribute, an unsupported value such as
//! `interpret-as="foo"` — is an error naming it and its position, never silently
//! dropped, so that a client learns at once that its markup is not being honoured. The
//! exceptions, accepted and ignored: `xmlns…`, `xml:…` and `version` attributes, and
//! `pitch`/`volume` on `<prosody>` and `level` on `<emphasis>`, which engines here
//! cannot render but which do not change what is said. `xml:lang` on `<speak>` replaces
//! the request's language.
//!
//! Text is collected across inline elements, so "Dr. <emphasis>Smith</emphasis>" is
//! normalised as one phrase; the output of `<say-as>`, `<sub>` and `<phoneme>` is final
//! and is not normalised again. XML whitespace (newlines and indentation) is collapsed.

mod attrs;
mod error;

use attrs::Attrs;
pub(crate) use attrs::{DateFormat, InterpretAs};
pub use error::{SsmlError, SsmlErrorKind};

use quick_xml::events::{BytesStart, Event};
use quick_xml::Reader;

use crate::lang::Language;
use crate::{Lexicon, Piece};

/// How SSML text (and plain text, in [`crate::to_pieces`]) is turned into pieces.
#[derive(Debug, Clone, Copy)]
pub struct Options<'a> {
    /// Normalise text (numbers, dates, abbreviations … as words). On by default.
    pub normalize: bool,
    /// Pronunciations applied to text before it is normalised.
    pub lexicon: Option<&'a Lexicon>,
}

impl Default for Options<'_> {
    fn default() -> Self {
        Options {
            normalize: true,
            lexicon: None,
        }
    }
}

/// True if and only if `text` starts, after whitespace (and an optional byte-order
/// mark and XML declaration), with a `<speak>` tag.
pub fn looks_like_ssml(text: &str) -> bool {
    let t = text.trim_start_matches('\u{feff}').trim_start();
    let t = match t.strip_prefix("<?xml") {
        Some(decl) => decl.find("?>").map_or("", |i| decl[i + 2..].trim_start()),
        None => t,
    };
    t.strip_prefix("<speak")
        .is_some_and(|r| r.starts_with(|c: char| c == '>' || c == '/' || c.is_whitespace()))
}

/// Parses the SSML document `ssml` into pieces, normalising its text for `language`
/// (a BCP-47 tag, overridden by `<speak xml:lang>`) unless `opts` turns that off.
///
/// ```
/// use tts_normalize::{parse_ssml, Options, Piece};
/// let pieces = parse_ssml(
///     r#"<speak><s>It costs $5.</s><break time="300ms"/></speak>"#,
///     "en-US",
///     &Options::default(),
/// )?;
/// assert_eq!(pieces, [
///     Piece::Text { text: "It costs five dollars.".into(), rate: None },
///     Piece::SentenceEnd,
///     Piece::Break { ms: 300 },
/// ]);
///
/// let err = parse_ssml("<speak>\n<voice>hi</voice></speak>", "en", &Options::default()).unwrap_err();
/// assert_eq!((err.line, err.column), (2, 1));
/// # Ok::<(), tts_normalize::SsmlError>(())
/// ```
///
/// # Errors
/// [`SsmlError`] for malformed XML and for anything outside the subset (see the module
/// doc), with the byte offset, line and column of the problem.
pub fn parse_ssml(ssml: &str, language: &str, opts: &Options<'_>) -> Result<Vec<Piece>, SsmlError> {
    let mut w = Walker::new(Language::from_tag(language), *opts);
    let mut reader = Reader::from_str(ssml);
    loop {
        let start = reader.buffer_position() as usize;
        let event = reader.read_event().map_err(|e| {
            SsmlError::at(
                ssml,
                reader.error_position() as usize,
                SsmlErrorKind::Xml(e),
            )
        })?;
        let result = match event {
            Event::Start(e) => w.open(&e, false),
            Event::Empty(e) => w.open(&e, true),
            Event::End(_) => w.close(),
            Event::Text(t) => w.text(&t.xml10_content()),
            Event::CData(c) => w.text(&c),
            Event::GeneralRef(r) => match r.resolve_char_ref() {
                Ok(Some(c)) => w.text(c.encode_utf8(&mut [0; 4])),
                Ok(None) => match quick_xml::escape::resolve_predefined_entity(&r) {
                    Some(s) => w.text(s),
                    None => Err(SsmlErrorKind::UnknownEntity(r.to_string())),
                },
                Err(e) => Err(SsmlErrorKind::Xml(e)),
            },
            Event::Eof => break,
            Event::Comment(_) | Event::Decl(_) | Event::PI(_) | Event::DocType(_) => Ok(()),
        };
        result.map_err(|kind| {
            // Point at the first non-blank character of the event. The reader's
            // position can fall inside a character (it skips a byte-order mark by
            // bytes): step back to the character's start.
            let mut start = start.min(ssml.len());
            while !ssml.is_char_boundary(start) {
                start -= 1;
            }
            let blank = ssml[start..]
                .find(|c: char| !c.is_whitespace())
                .unwrap_or(0);
            SsmlError::at(ssml, start + blank, kind)
        })?;
    }
    w.finish()
        .map_err(|kind| SsmlError::at(ssml, ssml.len(), kind))
}

/// What a `<say-as>`, `<sub>` or `<phoneme>` does with the text it collects.
enum Capture {
    SayAs(InterpretAs, Option<DateFormat>),
    Sub(String),
    Phoneme(String),
}

enum Role {
    /// Emits this piece when closed (`</s>`, `</p>`), or nothing.
    Block(Option<Piece>),
    /// Collects its text.
    Capture(Capture),
}

struct Frame {
    name: &'static str,
    role: Role,
    rate: Option<f32>,
}

/// Text still to be normalised, or a finished piece.
enum Segment {
    Raw(String, Option<f32>),
    Ready(Piece),
}

struct Walker<'a> {
    lang: Language,
    opts: Options<'a>,
    stack: Vec<Frame>,
    segments: Vec<Segment>,
    captured: String,
    root_seen: bool,
    root_closed: bool,
}

impl<'a> Walker<'a> {
    fn new(lang: Language, opts: Options<'a>) -> Self {
        Walker {
            lang,
            opts,
            stack: Vec::new(),
            segments: Vec::new(),
            captured: String::new(),
            root_seen: false,
            root_closed: false,
        }
    }

    fn rate(&self) -> Option<f32> {
        self.stack.last().and_then(|f| f.rate)
    }

    fn open(&mut self, e: &BytesStart<'_>, empty: bool) -> Result<(), SsmlErrorKind> {
        let name = e.local_name().as_ref().to_string();
        if let Some(Frame {
            name: outer,
            role: Role::Capture(_),
            ..
        }) = self.stack.last()
        {
            return Err(SsmlErrorKind::TextOnly { outer, inner: name });
        }
        if self.root_closed {
            return Err(SsmlErrorKind::OutsideSpeak);
        }
        if !self.root_seen && name != "speak" {
            return Err(SsmlErrorKind::NotSpeak);
        }
        let attrs = Attrs::read(e)?;
        let rate = self.rate();
        let (name, role, rate): (&'static str, Role, Option<f32>) = match name.as_str() {
            "speak" if self.root_seen => return Err(SsmlErrorKind::NestedSpeak),
            "speak" => {
                attrs.only("speak", &["version"])?;
                self.root_seen = true;
                if let Some(lang) = attrs.get("xml:lang") {
                    self.lang = Language::from_tag(lang);
                }
                ("speak", Role::Block(None), None)
            }
            "p" => {
                attrs.only("p", &[])?;
                ("p", Role::Block(Some(Piece::ParagraphEnd)), rate)
            }
            "s" => {
                attrs.only("s", &[])?;
                ("s", Role::Block(Some(Piece::SentenceEnd)), rate)
            }
            "break" => {
                attrs.only("break", &["time", "strength"])?;
                let ms = match (attrs.get("time"), attrs.get("strength")) {
                    (Some(t), _) => attrs::break_time(t)?,
                    (None, Some(s)) => attrs::break_strength(s)?,
                    (None, None) => attrs::break_strength("medium")?,
                };
                self.segments.push(Segment::Ready(Piece::Break { ms }));
                ("break", Role::Block(None), rate)
            }
            "say-as" => {
                attrs.only("say-as", &["interpret-as", "format", "detail"])?;
                let kind = attrs::interpret_as(attrs.need("say-as", "interpret-as")?)?;
                let format = attrs.get("format").map(attrs::date_format).transpose()?;
                ("say-as", Role::Capture(Capture::SayAs(kind, format)), rate)
            }
            "sub" => {
                attrs.only("sub", &["alias"])?;
                let alias = attrs.need("sub", "alias")?.to_string();
                ("sub", Role::Capture(Capture::Sub(alias)), rate)
            }
            "phoneme" => {
                attrs.only("phoneme", &["alphabet", "ph"])?;
                if let Some(a) = attrs.get("alphabet").filter(|a| *a != "ipa") {
                    return Err(attrs::bad("phoneme", "alphabet", a, "ipa"));
                }
                let ipa = attrs.need("phoneme", "ph")?.to_string();
                ("phoneme", Role::Capture(Capture::Phoneme(ipa)), rate)
            }
            "prosody" => {
                attrs.only("prosody", &["rate", "pitch", "volume"])?;
                let own = attrs.get("rate").map(attrs::prosody_rate).transpose()?;
                let rate = match (rate, own) {
                    (Some(outer), Some(own)) => Some(outer * own),
                    (outer, own) => own.or(outer),
                };
                ("prosody", Role::Block(None), rate)
            }
            "emphasis" => {
                attrs.only("emphasis", &["level"])?;
                if let Some(l) = attrs.get("level") {
                    if !matches!(l, "strong" | "moderate" | "none" | "reduced") {
                        return Err(attrs::bad(
                            "emphasis",
                            "level",
                            l,
                            "strong, moderate, none or reduced",
                        ));
                    }
                }
                ("emphasis", Role::Block(None), rate)
            }
            _ => return Err(SsmlErrorKind::UnknownElement(name)),
        };
        self.stack.push(Frame { name, role, rate });
        if empty {
            self.close()?;
        }
        Ok(())
    }

    fn close(&mut self) -> Result<(), SsmlErrorKind> {
        let Some(frame) = self.stack.pop() else {
            return Err(SsmlErrorKind::OutsideSpeak);
        };
        if frame.name == "speak" {
            self.root_closed = true;
        }
        match frame.role {
            Role::Block(Some(piece)) => self.segments.push(Segment::Ready(piece)),
            Role::Block(None) => {}
            Role::Capture(capture) => {
                let text = std::mem::take(&mut self.captured);
                let text = collapse(&text);
                let piece = match capture {
                    Capture::SayAs(kind, format) => Piece::Text {
                        text: crate::say_as(&text, kind, format, self.lang),
                        rate: frame.rate,
                    },
                    Capture::Sub(alias) => Piece::Text {
                        text: collapse(&alias),
                        rate: frame.rate,
                    },
                    Capture::Phoneme(ipa) => Piece::Phonemes {
                        ipa: ipa.trim().to_string(),
                        text: text.trim().to_string(),
                        rate: frame.rate,
                    },
                };
                self.segments.push(Segment::Ready(piece));
            }
        }
        Ok(())
    }

    fn text(&mut self, content: &str) -> Result<(), SsmlErrorKind> {
        if let Some(Frame {
            role: Role::Capture(_),
            ..
        }) = self.stack.last()
        {
            self.captured.push_str(content);
            return Ok(());
        }
        if self.stack.is_empty() {
            return match content.trim().is_empty() {
                true => Ok(()),
                false => Err(SsmlErrorKind::OutsideSpeak),
            };
        }
        let rate = self.rate();
        match self.segments.last_mut() {
            Some(Segment::Raw(text, r)) if *r == rate => text.push_str(content),
            _ => self.segments.push(Segment::Raw(content.to_string(), rate)),
        }
        Ok(())
    }

    fn finish(self) -> Result<Vec<Piece>, SsmlErrorKind> {
        if let Some(open) = self.stack.last() {
            return Err(SsmlErrorKind::Unclosed(open.name));
        }
        if !self.root_seen {
            return Err(SsmlErrorKind::NotSpeak);
        }
        let mut pieces = Vec::with_capacity(self.segments.len());
        for segment in self.segments {
            match segment {
                Segment::Raw(text, rate) => crate::push_text_pieces(
                    &mut pieces,
                    &collapse(&text),
                    rate,
                    self.lang,
                    &self.opts,
                ),
                Segment::Ready(piece) => crate::push_piece(&mut pieces, piece),
            }
        }
        Ok(pieces)
    }
}

/// Collapses runs of whitespace into one space and trims the ends.
fn collapse(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for word in text.split_whitespace() {
        if !out.is_empty() {
            out.push(' ');
        }
        out.push_str(word);
    }
    out
}

#[cfg(test)]
mod tests;
