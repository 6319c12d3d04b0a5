//! Telephone numbers, read digit by digit in their groups with a pause (a comma)
//! between groups: "1-800-555-0199", "555-0199", "(555) 123-4567", "+1 555 123 4567",
//! "+44 20 7946 0958".
//!
//! A number is a phone number only by its shape: groups of digits joined by '-' or '.'
//! ending in a group of four after a group of three (the North American plan), or
//! introduced by a '+' country code. A lone "800" group is said "eight hundred", as
//! people say toll-free numbers.

use super::numbers::{is_digits, push_digits};
use super::{Reading, Token};

/// Appends the words for one group of digits.
fn push_group(out: &mut String, group: &str) {
    if !out.is_empty() {
        out.push_str(", ");
    }
    if group == "800" {
        out.push_str("eight hundred");
    } else {
        push_digits(out, group);
    }
}

pub(super) fn say(groups: &[&str], country: Option<&str>) -> String {
    let mut out = String::new();
    if let Some(c) = country {
        out.push_str("plus");
        push_digits(&mut out, c);
    }
    for g in groups {
        push_group(&mut out, g);
    }
    out
}

/// Groups shaped like a North American number: [1-3 digits-]...[3 digits-]3 digits-4 digits.
fn north_american(groups: &[&str]) -> bool {
    let n = groups.len();
    (2..=4).contains(&n)
        && groups.iter().all(|g| is_digits(g))
        && groups[n - 1].len() == 4
        && groups[n - 2].len() == 3
        && (n < 3 || groups[n - 3].len() == 3)
        && (n < 4 || groups[0].len() <= 3)
}

pub(super) fn read(toks: &[Token<'_>], i: usize) -> Option<Reading> {
    let t = &toks[i];
    let core = t.core;
    let first = core.as_bytes().first()?;
    if !first.is_ascii_digit() && *first != b'+' {
        return None;
    }
    if core == "911" {
        // The emergency number is said digit by digit.
        return Some(Reading::new("nine one one".to_string(), 1));
    }
    // "(555) 123-4567"
    if t.pre == "(" && t.post == ")" && core.len() == 3 && is_digits(core) {
        let rest = toks.get(i + 1).filter(|n| n.pre.is_empty())?;
        let groups: Vec<&str> = rest.core.split('-').collect();
        if groups.len() == 2 && north_american(&groups) {
            let mut all = vec![core];
            all.extend(groups);
            let mut r = Reading::new(say(&all, None), 2);
            r.drop_pre = true;
            return Some(r);
        }
        return None;
    }
    if let Some(intl) = core.strip_prefix('+') {
        return international(toks, i, intl);
    }
    let sep = if core.contains('-') { '-' } else { '.' };
    let groups: Vec<&str> = core.split(sep).collect();
    // "123.4567" is a decimal; dotted phone numbers have all three groups.
    let enough = sep == '-' || groups.len() >= 3;
    (enough && north_american(&groups)).then(|| Reading::new(say(&groups, None), 1))
}

/// "+1 555 123 4567", "+1-555-123-4567", "+44 20 7946 0958".
fn international(toks: &[Token<'_>], i: usize, intl: &str) -> Option<Reading> {
    let mut groups: Vec<&str> = intl.split(['-', '.']).collect();
    let country = groups.remove(0);
    if !is_digits(country) || country.len() > 3 {
        return None;
    }
    let mut len = 1;
    if groups.is_empty() {
        // The groups are the following words, as long as they are short digit runs.
        while let Some(n) = toks.get(i + len) {
            let joined = toks[i + len - 1].post.is_empty() && n.pre.is_empty();
            if !joined || !is_digits(n.core) || n.core.len() > 4 {
                break;
            }
            groups.push(n.core);
            len += 1;
        }
    }
    let digits: usize = groups.iter().map(|g| g.len()).sum();
    if groups.len() < 2 || digits < 6 || !groups.iter().all(|g| is_digits(g)) {
        return None;
    }
    Some(Reading::new(say(&groups, Some(country)), len))
}
