//! Swapping signal ids for slot variables before the expression crate sees the text.

use super::SLOT_PREFIX;
use std::collections::{HashMap, HashSet};
use std::ops::Range;

/// The expression with ids replaced, and what was replaced.
pub(super) struct Substituted {
    /// Text for the expression crate.
    pub text: String,
    /// Ids in slot order (`__sig0` is `ids[0]`), each once.
    pub ids: Vec<String>,
    /// Byte ranges of the original text that were ids.
    pub replaced: Vec<Range<usize>>,
    /// Byte ranges of names that are neither declared ids nor function calls nor booleans.
    pub unknown: Vec<Range<usize>>,
}

/// Characters that continue a word: an id must not start or end next to one.
fn is_word(c: char) -> bool {
    c.is_alphanumeric() || c == '_' || c == '.' || c == ':'
}

/// Characters an id may contain (`-` too: `P-101.p_out`).
fn is_id(c: char) -> bool {
    is_word(c) || c == '-'
}

/// Replaces each declared id that stands as a word of its own by a slot variable. At each
/// word start the longest declared id wins, so `P-101.p` never eats the start of `P-101.p_in`
/// and `TK-101.level-TK-102.level` is a difference of two ids. Quoted strings are left alone.
pub(super) fn substitute(text: &str, declared: &HashSet<&str>) -> Substituted {
    let mut out = Substituted {
        text: String::with_capacity(text.len()),
        ids: Vec::new(),
        replaced: Vec::new(),
        unknown: Vec::new(),
    };
    let mut slots: HashMap<&str, usize> = HashMap::new();
    let mut previous: Option<char> = None;
    let mut i = 0;
    while let Some(c) = text[i..].chars().next() {
        if c == '"' {
            let end = string_end(text, i);
            out.text.push_str(&text[i..end]);
            previous = Some('"');
            i = end;
            continue;
        }
        let starts_word = (c.is_alphanumeric() || c == '_') && !previous.is_some_and(is_word);
        if !starts_word {
            out.text.push(c);
            previous = Some(c);
            i += c.len_utf8();
            continue;
        }
        let run_end = text[i..]
            .find(|c: char| !is_id(c))
            .map_or(text.len(), |n| i + n);
        // Candidate ends: where a word stops (before a `-` or the run's end), longest first.
        let found = text[i..run_end]
            .char_indices()
            .filter(|&(n, ch)| ch == '-' && n > 0)
            .map(|(n, _)| i + n)
            .chain([run_end])
            .filter(|&end| text[..end].chars().next_back().is_some_and(is_word))
            .collect::<Vec<_>>()
            .into_iter()
            .rev()
            .find(|&end| declared.contains(&text[i..end]));
        let end = match found {
            Some(end) => {
                let id = &text[i..end];
                let next = out.ids.len();
                let slot = *slots.entry(id).or_insert(next);
                if slot == next {
                    out.ids.push(id.to_owned());
                }
                out.text.push_str(&format!("{SLOT_PREFIX}{slot}"));
                out.replaced.push(i..end);
                end
            }
            None => {
                let name_end = text[..run_end].trim_end_matches('-').len();
                let name = &text[i..name_end];
                let call = text[name_end..].trim_start().starts_with('(');
                if !c.is_ascii_digit() && !call && name != "true" && name != "false" {
                    out.unknown.push(i..name_end);
                }
                let word_end = text[i..]
                    .find(|c: char| !is_word(c))
                    .map_or(text.len(), |n| i + n);
                out.text.push_str(&text[i..word_end]);
                word_end
            }
        };
        previous = text[..end].chars().next_back();
        i = end;
    }
    out
}

/// The end (exclusive) of the quoted string starting at `start`, honouring `\"`.
fn string_end(text: &str, start: usize) -> usize {
    let mut escaped = false;
    for (n, c) in text[start + 1..].char_indices() {
        match c {
            '\\' if !escaped => escaped = true,
            '"' if !escaped => return start + 1 + n + 1,
            _ => escaped = false,
        }
    }
    text.len()
}

/// Byte offset of the first stand-alone occurrence of `word` outside `replaced`, or 0.
pub(super) fn find_word(text: &str, word: &str, replaced: &[Range<usize>]) -> usize {
    text.match_indices(word)
        .map(|(offset, _)| offset)
        .find(|&offset| {
            let end = offset + word.len();
            let before = text[..offset].chars().next_back();
            let after = text[end..].chars().next();
            !before.is_some_and(is_word)
                && !after.is_some_and(is_word)
                && !replaced.iter().any(|r| r.contains(&offset))
        })
        .unwrap_or(0)
}
