//! Why a lexicon could not be built.

use std::path::PathBuf;

/// Why a lexicon file or a request's entries were refused.
#[derive(Debug, thiserror::Error)]
pub enum LexiconError {
    /// A line of a lexicon file is malformed.
    #[error("lexicon line {line}: {problem}")]
    Line {
        /// 1-based line number.
        line: usize,
        /// What is wrong with it.
        problem: LineProblem,
    },
    /// A `(word, replacement)` pair given in code or by a request is malformed.
    #[error("lexicon entry {index}: {problem}")]
    Pair {
        /// 1-based position of the pair.
        index: usize,
        /// What is wrong with it.
        problem: LineProblem,
    },
    /// The lexicon file could not be read.
    #[error("cannot read lexicon {}", path.display())]
    Read {
        /// The file.
        path: PathBuf,
        /// Why.
        #[source]
        source: std::io::Error,
    },
    /// The lexicon file is malformed (the inner error says where).
    #[error("in lexicon {}", path.display())]
    Invalid {
        /// The file.
        path: PathBuf,
        /// The line-level problem.
        #[source]
        source: Box<LexiconError>,
    },
}

/// What is wrong with one entry.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum LineProblem {
    /// No tab between the word and its replacement.
    #[error("expected `word<TAB>replacement`")]
    NoTab,
    /// Nothing before the tab.
    #[error("the word is empty")]
    EmptyWord,
    /// Nothing after the tab, or "//".
    #[error("the replacement is empty")]
    EmptyReplacement,
    /// A word that starts or ends with punctuation, which the matcher strips from text
    /// words, so the entry could never match.
    #[error("the word {0:?} starts or ends with punctuation, so it would never match")]
    EdgePunctuation(String),
}
