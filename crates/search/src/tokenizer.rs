//! How text becomes words, the same way at index and query time: split on anything
//! that is not a letter or digit and at camelCase humps (`ObsidianAnkiSync` -> obsidian,
//! anki, sync), lowercase, fold accents to ASCII (`Café` -> cafe), and, for the
//! descriptive fields, strip English plurals (`diagrams` -> diagram). Also the Tantivy
//! tokenizers built on it, including the joined-bigram one (`mind map` -> mindmap,
//! `table of contents` -> tablecontents). The stopwords live here too.

use std::borrow::Cow;
use std::ops::ControlFlow;

use tantivy::tokenizer::{TextAnalyzer, Token, TokenStream, Tokenizer};
use unicode_normalization::char::{decompose_compatible, is_combining_mark};

/// Tokenizer names registered on every index.
pub(crate) const PLAIN: &str = "trellis_plain";
pub(crate) const STEMMED: &str = "trellis_stemmed";
pub(crate) const BIGRAM: &str = "trellis_bigram";

/// Words that never make a query clause of their own (unless the query has nothing
/// else), and that a joined pair may skip (`table of contents` -> tablecontents).
pub(crate) const STOPWORDS: &[&str] = &[
    "a", "an", "and", "as", "at", "by", "for", "from", "in", "into", "is", "it", "of", "on", "or",
    "the", "to", "with", "your", "my",
];

pub(crate) fn is_stopword(w: &str) -> bool {
    STOPWORDS.contains(&w)
}

/// The most stopwords a joined pair skips (`sync with the cloud` -> synccloud).
const MAX_SKIPPED_STOPWORDS: usize = 2;

/// Words longer than this are ignored (hashes, base64, URLs run together).
const MAX_WORD_CHARS: usize = 40;

/// A normalised word and where it came from in the original text (byte offsets).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Word {
    pub text: String,
    pub from: usize,
    pub to: usize,
}

/// The words of `text`, in order.
pub(crate) fn words(text: &str) -> Vec<Word> {
    let mut out = Vec::new();
    each_word(text, |w| {
        out.push(w);
        ControlFlow::<()>::Continue(())
    });
    out
}

/// The first word of `text` that `wanted` accepts, reading no further than it (a README
/// runs to thousands of words).
pub(crate) fn first_word(text: &str, mut wanted: impl FnMut(&str) -> bool) -> Option<Word> {
    each_word(text, |w| {
        if wanted(&w.text) {
            ControlFlow::Break(w)
        } else {
            ControlFlow::Continue(())
        }
    })
}

/// Hands `f` the words of `text` in order until it breaks, with what it broke with.
fn each_word<B>(text: &str, mut f: impl FnMut(Word) -> ControlFlow<B>) -> Option<B> {
    let mut run: Vec<(usize, char)> = Vec::new();
    let mut split = Vec::new();
    // A space after the end flushes the last run.
    for (i, c) in text
        .char_indices()
        .chain(std::iter::once((text.len(), ' ')))
    {
        if c.is_alphanumeric() {
            run.push((i, c));
            continue;
        }
        if run.is_empty() {
            continue;
        }
        split_run(&run, i, &mut split);
        run.clear();
        for w in split.drain(..) {
            if let ControlFlow::Break(b) = f(w) {
                return Some(b);
            }
        }
    }
    None
}

/// The normalised words of `text` as strings.
pub(crate) fn terms(text: &str) -> Vec<String> {
    words(text).into_iter().map(|w| w.text).collect()
}

/// Splits one alphanumeric run at camelCase humps and pushes its words.
fn split_run(run: &[(usize, char)], end: usize, out: &mut Vec<Word>) {
    let mut start = 0;
    for k in 1..run.len() {
        let prev = run[k - 1].1;
        let cur = run[k].1;
        let next = run.get(k + 1).map(|x| x.1);
        let hump = (prev.is_lowercase() && cur.is_uppercase())
            || (prev.is_uppercase()
                && cur.is_uppercase()
                && next.is_some_and(|n| n.is_lowercase()));
        if hump {
            push_word(run, start, k, run[k].0, out);
            start = k;
        }
    }
    push_word(run, start, run.len(), end, out);
}

fn push_word(run: &[(usize, char)], from: usize, to: usize, end_byte: usize, out: &mut Vec<Word>) {
    if to - from > MAX_WORD_CHARS {
        return;
    }
    let mut text = String::with_capacity(to - from);
    for &(_, c) in &run[from..to] {
        fold_char(c, &mut text);
    }
    if !text.is_empty() {
        out.push(Word {
            text,
            from: run[from].0,
            to: end_byte,
        });
    }
}

/// Lowercases `c` and folds it to ASCII where it has a plain-Latin form.
fn fold_char(c: char, out: &mut String) {
    if c.is_ascii() {
        out.push(c.to_ascii_lowercase());
        return;
    }
    match c {
        'ß' => return out.push_str("ss"),
        'æ' | 'Æ' => return out.push_str("ae"),
        'œ' | 'Œ' => return out.push_str("oe"),
        'ø' | 'Ø' => return out.push('o'),
        'ł' | 'Ł' => return out.push('l'),
        'đ' | 'Đ' => return out.push('d'),
        'þ' | 'Þ' => return out.push_str("th"),
        _ => {}
    }
    decompose_compatible(c, |d| {
        if !is_combining_mark(d) {
            out.extend(d.to_lowercase());
        }
    });
}

/// A light English plural stemmer (after Harman's S-stemmer): `diagrams` -> diagram,
/// `libraries` -> library, `matches` -> match; leaves short words, `-ss`, `-us` and
/// `-is` alone.
pub(crate) fn stem(word: &str) -> Cow<'_, str> {
    let n = word.len();
    if n <= 3 || !word.is_ascii() {
        return Cow::Borrowed(word);
    }
    if let Some(base) = word.strip_suffix("ies") {
        if !base.ends_with('e') && !base.ends_with('a') {
            return Cow::Owned(format!("{base}y"));
        }
    }
    for suffix in ["sses", "xes", "ches", "shes", "zes"] {
        if word.ends_with(suffix) {
            return Cow::Borrowed(&word[..n - 2]);
        }
    }
    if word.ends_with('s') && !["ss", "us", "is", "'s"].iter().any(|s| word.ends_with(s)) {
        return Cow::Borrowed(&word[..n - 1]);
    }
    Cow::Borrowed(word)
}

/// What a Tantivy tokenizer emits for each word.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Mode {
    Plain,
    Stemmed,
    /// Adjacent word pairs run together (`mind map` -> mindmap), and pairs with one or
    /// two stopwords between them (`table of contents` -> tablecontents).
    Bigram,
}

/// The Tantivy side of [`words`].
#[derive(Clone)]
struct TrellisTokenizer {
    mode: Mode,
    tokens: Vec<Token>,
}

impl Tokenizer for TrellisTokenizer {
    type TokenStream<'a> = VecTokenStream<'a>;

    fn token_stream<'a>(&'a mut self, text: &'a str) -> VecTokenStream<'a> {
        self.tokens.clear();
        let ws = words(text);
        match self.mode {
            Mode::Plain | Mode::Stemmed => {
                for (position, w) in ws.into_iter().enumerate() {
                    let text = match self.mode {
                        Mode::Stemmed => stem(&w.text).into_owned(),
                        _ => w.text,
                    };
                    self.tokens.push(token(text, w.from, w.to, position));
                }
            }
            Mode::Bigram => {
                for (position, pair) in ws.windows(2).enumerate() {
                    let text = format!("{}{}", pair[0].text, pair[1].text);
                    self.tokens
                        .push(token(text, pair[0].from, pair[1].to, position));
                }
                // A query drops its stopwords, so `table of contents` asks for the pair
                // `tablecontents`: words with only stopwords between them pair up too.
                for (i, first) in ws.iter().enumerate() {
                    if is_stopword(&first.text) {
                        continue;
                    }
                    let skipped = ws[i + 1..]
                        .iter()
                        .take_while(|w| is_stopword(&w.text))
                        .count();
                    if let Some(next) = ws.get(i + 1 + skipped) {
                        if (1..=MAX_SKIPPED_STOPWORDS).contains(&skipped) {
                            let text = format!("{}{}", first.text, next.text);
                            self.tokens.push(token(text, first.from, next.to, i));
                        }
                    }
                }
            }
        }
        VecTokenStream {
            tokens: &mut self.tokens,
            next: 0,
        }
    }
}

fn token(text: String, from: usize, to: usize, position: usize) -> Token {
    Token {
        offset_from: from,
        offset_to: to,
        position,
        text,
        position_length: 1,
    }
}

struct VecTokenStream<'a> {
    tokens: &'a mut [Token],
    next: usize,
}

impl TokenStream for VecTokenStream<'_> {
    fn advance(&mut self) -> bool {
        if self.next < self.tokens.len() {
            self.next += 1;
            true
        } else {
            false
        }
    }

    fn token(&self) -> &Token {
        &self.tokens[self.next - 1]
    }

    fn token_mut(&mut self) -> &mut Token {
        &mut self.tokens[self.next - 1]
    }
}

/// Registers the Trellis tokenizers on an index (they are not persisted with it).
pub(crate) fn register(index: &tantivy::Index) {
    let manager = index.tokenizers();
    for (name, mode) in [
        (PLAIN, Mode::Plain),
        (STEMMED, Mode::Stemmed),
        (BIGRAM, Mode::Bigram),
    ] {
        let tokenizer = TrellisTokenizer {
            mode,
            tokens: Vec::new(),
        };
        manager.register(name, TextAnalyzer::builder(tokenizer).build());
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn splits_ids_names_and_camel_case() {
        assert_eq!(terms("ObsidianAnkiSync"), ["obsidian", "anki", "sync"]);
        assert_eq!(
            terms("obsidian-excalidraw_plugin.v2"),
            ["obsidian", "excalidraw", "plugin", "v2"]
        );
        assert_eq!(
            terms("HTMLParser for JSON"),
            ["html", "parser", "for", "json"]
        );
        assert_eq!(terms("Café Straße 🎉 \"x\""), ["cafe", "strasse", "x"]);
    }

    #[test]
    fn the_first_wanted_word_is_the_one_words_would_give() {
        let text = "A Kanban-board for notes; kanbanBoard view";
        for wanted in ["kanban", "board", "view", "note"] {
            let by_words = words(text).into_iter().find(|w| w.text == wanted);
            assert_eq!(first_word(text, |w| w == wanted), by_words, "{wanted}");
        }
        assert_eq!(first_word(text, |w| w == "kanban").unwrap().from, 2);
        assert_eq!(first_word("", |_| true), None);
        // It reads no further than the word it finds.
        let mut read = 0;
        first_word("one two three four", |w| {
            read += 1;
            w == "two"
        });
        assert_eq!(read, 2);
    }

    #[test]
    fn offsets_point_into_the_original() {
        let text = "Mind-Map éditeur";
        for w in words(text) {
            assert!(text.is_char_boundary(w.from) && text.is_char_boundary(w.to));
        }
        assert_eq!(&text[words(text)[2].from..words(text)[2].to], "éditeur");
    }

    fn bigrams(text: &str) -> Vec<String> {
        let mut tokenizer = TrellisTokenizer {
            mode: Mode::Bigram,
            tokens: Vec::new(),
        };
        let mut stream = tokenizer.token_stream(text);
        let mut out = Vec::new();
        while stream.advance() {
            out.push(stream.token().text.clone());
        }
        out
    }

    #[test]
    fn joined_pairs_skip_stopwords_between_words() {
        assert_eq!(bigrams("Mind map"), ["mindmap"]);
        assert_eq!(
            bigrams("A table of contents"),
            ["atable", "tableof", "ofcontents", "tablecontents"]
        );
        // Two stopwords are skipped, three are not; a pair never starts at a stopword.
        assert!(bigrams("sync with the cloud").contains(&"synccloud".to_string()));
        assert!(!bigrams("sync with all of the cloud").contains(&"synccloud".to_string()));
        assert!(!bigrams("to the cloud")
            .iter()
            .any(|b| b.starts_with("to") && b.ends_with("cloud")));
    }

    #[test]
    fn stems_plurals_lightly() {
        assert_eq!(stem("diagrams"), "diagram");
        assert_eq!(stem("libraries"), "library");
        assert_eq!(stem("matches"), "match");
        assert_eq!(stem("class"), "class");
        assert_eq!(stem("status"), "status");
        assert_eq!(stem("notes"), "note");
        assert_eq!(stem("ics"), "ics");
    }
}
