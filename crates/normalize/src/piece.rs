//! What a speech engine is handed: text to say, pauses, phonemes and sentence marks.

use serde::Serialize;

/// One piece of speech, in the order it is to be spoken.
///
/// Serialised with a `"type"` tag in snake case, for example
/// `{"type":"text","text":"Hello","rate":null}` or `{"type":"break","ms":500}`.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum Piece {
    /// Words to say, already normalised (unless normalisation was turned off).
    Text {
        /// The words; never empty, no leading or trailing whitespace.
        text: String,
        /// Speaking rate as a multiple of the voice's normal rate (1.0 = normal), set
        /// only inside SSML `<prosody rate>`.
        rate: Option<f32>,
    },
    /// A pause of `ms` milliseconds.
    Break {
        /// Length of the pause.
        ms: u32,
    },
    /// A pronunciation given as IPA, from SSML `<phoneme>` or a lexicon entry.
    Phonemes {
        /// The IPA string, as written (without surrounding slashes).
        ipa: String,
        /// The written words it is said for (the element's content, or the words the
        /// lexicon matched), whitespace collapsed; engines report word timings for
        /// them. May be empty (`<phoneme ph="…"/>`).
        text: String,
        /// As for [`Piece::Text`].
        rate: Option<f32>,
    },
    /// The end of a sentence marked by SSML `</s>`.
    SentenceEnd,
    /// The end of a paragraph marked by SSML `</p>`.
    ParagraphEnd,
}
