//! The one error SSML parsing returns: what is wrong, and where.

/// Why an SSML document was refused, and where: a byte offset into the input and the
/// same place as a 1-based line and column (counted in characters).
///
/// The offset is always within the input (`offset <= input.len()`) and on a character
/// boundary. The message names the problem and the place, for example
/// `unknown element <voice> at line 2, column 3 (byte 12)`.
#[derive(Debug, thiserror::Error)]
#[error("{kind} at line {line}, column {column} (byte {offset})")]
pub struct SsmlError {
    /// What is wrong.
    pub kind: SsmlErrorKind,
    /// Byte offset of the problem in the input.
    pub offset: usize,
    /// 1-based line of the problem.
    pub line: usize,
    /// 1-based column of the problem, in characters.
    pub column: usize,
}

/// What is wrong with an SSML document.
#[derive(Debug, thiserror::Error)]
pub enum SsmlErrorKind {
    /// Not well-formed XML (mismatched or unterminated tags, bad attributes, …).
    #[error("malformed XML: {0}")]
    Xml(#[source] quick_xml::Error),
    /// The first element is not `<speak>`, or there is none.
    #[error("the document must be one <speak> element")]
    NotSpeak,
    /// `<speak>` inside `<speak>`, or a second root element.
    #[error("<speak> may appear only once, as the root")]
    NestedSpeak,
    /// Text or an element after the closing `</speak>`, or text before `<speak>`.
    #[error("text outside <speak>")]
    OutsideSpeak,
    /// An element this parser does not implement.
    #[error("unknown element <{0}> (supported: speak, p, s, break, say-as, sub, phoneme, prosody, emphasis)")]
    UnknownElement(String),
    /// An attribute the element does not take.
    #[error("<{element}> does not take the attribute \"{attribute}\"")]
    UnknownAttribute {
        /// The element.
        element: &'static str,
        /// The attribute as written.
        attribute: String,
    },
    /// A required attribute is missing.
    #[error("<{element}> needs the attribute \"{attribute}\"")]
    MissingAttribute {
        /// The element.
        element: &'static str,
        /// The missing attribute.
        attribute: &'static str,
    },
    /// An attribute value outside the supported set.
    #[error("<{element} {attribute}=\"{value}\">: expected {expected}")]
    BadValue {
        /// The element.
        element: &'static str,
        /// The attribute.
        attribute: &'static str,
        /// The value as written.
        value: String,
        /// What would have been accepted.
        expected: &'static str,
    },
    /// An element inside one that may contain only text (`say-as`, `sub`, `phoneme`).
    #[error("<{outer}> may contain only text, not <{inner}>")]
    TextOnly {
        /// The text-only element.
        outer: &'static str,
        /// The element found inside it.
        inner: String,
    },
    /// An entity reference other than the five XML ones and character references.
    #[error("unknown entity &{0};")]
    UnknownEntity(String),
    /// The input ended inside an element.
    #[error("<{0}> is never closed")]
    Unclosed(&'static str),
}

impl SsmlError {
    /// An error of `kind` at byte `offset` of `input` (clamped into the input).
    pub(crate) fn at(input: &str, offset: usize, kind: SsmlErrorKind) -> Self {
        let mut offset = offset.min(input.len());
        while !input.is_char_boundary(offset) {
            offset -= 1;
        }
        let before = &input[..offset];
        let line = before.matches('\n').count() + 1;
        let line_start = before.rfind('\n').map_or(0, |i| i + 1);
        let column = before[line_start..].chars().count() + 1;
        SsmlError {
            kind,
            offset,
            line,
            column,
        }
    }
}
