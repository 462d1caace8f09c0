//! Marking the words a query matched in a hit's display name, summary and README
//! excerpt. Plain text in, plain-text parts out (never HTML).

use std::collections::HashSet;

use trellis_types::HighlightPart;

use crate::tokenizer::{first_word, stem, words};

/// Characters of README shown around its first match.
pub(crate) const EXCERPT_CHARS: usize = 160;
/// Characters of context kept before the first match.
const EXCERPT_LEAD: usize = 50;

/// Knows which document words the query matched.
pub(crate) struct Highlighter {
    terms: HashSet<String>,
    stems: HashSet<String>,
}

impl Highlighter {
    /// From the plan's words: exact words, typo corrections, completions and split halves.
    pub(crate) fn new(terms: &HashSet<String>) -> Highlighter {
        Highlighter {
            stems: terms.iter().map(|t| stem(t).into_owned()).collect(),
            terms: terms.clone(),
        }
    }

    fn is_hit(&self, word: &str) -> bool {
        self.terms.contains(word) || self.stems.contains(stem(word).as_ref())
    }

    /// `text` in parts, or `None` when nothing in it matched.
    pub(crate) fn field(&self, text: &str) -> Option<Vec<HighlightPart>> {
        self.range(text, 0, text.len())
    }

    /// About [`EXCERPT_CHARS`] characters of `text` around its first match.
    pub(crate) fn excerpt(&self, text: &str) -> Option<Vec<HighlightPart>> {
        let first = first_word(text, |w| self.is_hit(w))?;
        let mut start = text[..first.from]
            .char_indices()
            .rev()
            .nth(EXCERPT_LEAD.saturating_sub(1))
            .map_or(0, |(i, _)| i);
        if start > 0 {
            // Start at a word boundary.
            if let Some((sp, c)) = text[start..first.from]
                .char_indices()
                .find(|(_, c)| c.is_whitespace())
            {
                start += sp + c.len_utf8();
            }
        }
        let mut end = text[start..]
            .char_indices()
            .nth(EXCERPT_CHARS)
            .map_or(text.len(), |(i, _)| start + i);
        if end < text.len() {
            if let Some(sp) = text[first.to.min(end)..end].rfind(char::is_whitespace) {
                end = first.to.min(end) + sp;
            }
        }
        self.range(text, start, end.max(first.to))
    }

    fn range(&self, text: &str, start: usize, end: usize) -> Option<Vec<HighlightPart>> {
        let slice = &text[start..end];
        let mut parts: Vec<HighlightPart> = Vec::new();
        let mut at = 0;
        let mut any = false;
        for w in words(slice) {
            if !self.is_hit(&w.text) {
                continue;
            }
            any = true;
            if w.from > at {
                push(&mut parts, &slice[at..w.from], false);
            }
            push(&mut parts, &slice[w.from..w.to], true);
            at = w.to;
        }
        if !any {
            return None;
        }
        if at < slice.len() {
            push(&mut parts, &slice[at..], false);
        }
        Some(parts)
    }
}

/// Appends text, merging with the previous part when both are (not) hits.
pub(crate) fn push(parts: &mut Vec<HighlightPart>, text: &str, hit: bool) {
    if text.is_empty() {
        return;
    }
    match parts.last_mut() {
        Some(last) if last.hit == hit => last.text.push_str(text),
        _ => parts.push(HighlightPart {
            text: text.to_string(),
            hit,
        }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn hl(words: &[&str]) -> Highlighter {
        Highlighter::new(&words.iter().map(|w| w.to_string()).collect())
    }

    #[test]
    fn marks_matched_words_and_keeps_the_text() {
        let parts = hl(&["kanban"]).field("My Kanban board").unwrap();
        assert_eq!(
            parts.iter().map(|p| p.text.as_str()).collect::<String>(),
            "My Kanban board"
        );
        assert!(parts.iter().any(|p| p.hit && p.text == "Kanban"));
        assert!(hl(&["calendar"]).field("My Kanban board").is_none());
    }

    #[test]
    fn marks_camel_case_parts_and_plurals() {
        let parts = hl(&["anki"]).field("ObsidianAnkiSync").unwrap();
        assert!(parts.iter().any(|p| p.hit && p.text == "Anki"));
        let parts = hl(&["diagram"]).field("Draw diagrams").unwrap();
        assert!(parts.iter().any(|p| p.hit && p.text == "diagrams"));
    }

    /// The excerpt of `text` around `kanban`, checked to be a piece of `text`.
    fn kanban_excerpt(text: &str) -> Vec<HighlightPart> {
        let parts = hl(&["kanban"]).excerpt(text).unwrap();
        let joined: String = parts.iter().map(|p| p.text.as_str()).collect();
        assert!(text.contains(&joined));
        assert!(joined.chars().count() <= EXCERPT_CHARS + 1);
        assert!(parts.iter().any(|p| p.hit && p.text == "kanban"));
        parts
    }

    #[test]
    fn excerpts_around_the_first_match() {
        kanban_excerpt(&format!(
            "{} the kanban board {}",
            "lorem ipsum ".repeat(40),
            "dolor sit ".repeat(40)
        ));
        // Cuts land after whitespace of any width.
        kanban_excerpt(&format!(
            "{}kanban{}",
            "词\u{3000}".repeat(80),
            "\u{3000}词".repeat(80)
        ));
    }
}
