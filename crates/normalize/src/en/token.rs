//! Splits text into whitespace-separated tokens whose surrounding punctuation is set
//! apart, so that rules see "$5" in "($5.)" and the sentence punctuation survives.
//!
//! Only punctuation at the edges is split off: "3.5", "e.g" (from "e.g.") and
//! "john.doe@example.com" stay whole, which is what keeps a decimal point from ever
//! looking like a sentence end.

/// One whitespace-separated chunk of the input, cut into its parts. Concatenating
/// `pre`, `core`, `post` and `space` of every token (after the text's leading
/// whitespace) gives back the input exactly.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Token<'a> {
    /// Opening punctuation: brackets and quotes.
    pub pre: &'a str,
    /// What rules read.
    pub core: &'a str,
    /// Closing punctuation: sentence and clause marks, brackets, quotes.
    pub post: &'a str,
    /// The whitespace after the token.
    pub space: &'a str,
}

const OPENING: &[char] = &['(', '[', '{', '"', '\'', '“', '‘', '«', '¿', '¡'];
const CLOSING: &[char] = &[
    '.', ',', ';', ':', '!', '?', ')', ']', '}', '"', '\'', '”', '’', '»', '…',
];

/// Splits `text` into its leading whitespace and its tokens.
pub(crate) fn tokenize(text: &str) -> (&str, Vec<Token<'_>>) {
    let body = text.trim_start();
    let lead = &text[..text.len() - body.len()];
    let mut tokens = Vec::with_capacity(body.len() / 5 + 1);
    let mut rest = body;
    while !rest.is_empty() {
        let word_end = rest.find(char::is_whitespace).unwrap_or(rest.len());
        let (word, after) = rest.split_at(word_end);
        let space_end = after
            .find(|c: char| !c.is_whitespace())
            .unwrap_or(after.len());
        let (space, next) = after.split_at(space_end);
        tokens.push(split_word(word, space));
        rest = next;
    }
    (lead, tokens)
}

fn split_word<'a>(word: &'a str, space: &'a str) -> Token<'a> {
    let (pre, core, post) = edges(word);
    Token {
        pre,
        core,
        post,
        space,
    }
}

/// Splits a whitespace-free `word` into its opening punctuation, its core and its
/// closing punctuation.
pub(crate) fn edges(word: &str) -> (&str, &str, &str) {
    let inner = word.trim_start_matches(OPENING);
    let pre = &word[..word.len() - inner.len()];
    let mut core = inner.trim_end_matches(CLOSING);
    // A closing quote or bracket that has its opener inside the core belongs to it:
    // "f(x)" keeps its bracket. Only ')' matters in practice.
    if core.contains('(') && inner[core.len()..].starts_with(')') {
        core = &inner[..core.len() + 1];
    }
    let post = &inner[core.len()..];
    (pre, core, post)
}

impl Token<'_> {
    /// True if and only if the core starts with an uppercase letter.
    pub(crate) fn is_capitalized(&self) -> bool {
        self.core.chars().next().is_some_and(char::is_uppercase)
    }

    /// True if and only if the closing punctuation ends a sentence ('.', '!', '?').
    pub(crate) fn ends_sentence(&self) -> bool {
        self.post.contains(['.', '!', '?'])
    }

    /// True if and only if nothing but whitespace separates this token's core from the
    /// next token's core, so that a rule may read both as one phrase.
    pub(crate) fn joins_next(&self, next: &Token<'_>) -> bool {
        self.post.is_empty() && next.pre.is_empty()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cores(text: &str) -> Vec<(&str, &str, &str)> {
        tokenize(text)
            .1
            .into_iter()
            .map(|t| (t.pre, t.core, t.post))
            .collect()
    }

    #[test]
    fn edges_are_split_and_inner_punctuation_stays() {
        assert_eq!(
            cores("(It costs $3.50.) e.g., f(x)"),
            vec![
                ("(", "It", ""),
                ("", "costs", ""),
                ("", "$3.50", ".)"),
                ("", "e.g", ".,"),
                ("", "f(x)", "")
            ]
        );
    }

    #[test]
    fn tokens_rebuild_the_input() {
        let text = "  Hello,  \"world\"!\n(555) 123-4567 ...";
        let (lead, toks) = tokenize(text);
        let mut back = lead.to_string();
        for t in &toks {
            back.push_str(t.pre);
            back.push_str(t.core);
            back.push_str(t.post);
            back.push_str(t.space);
        }
        assert_eq!(back, text);
    }
}
