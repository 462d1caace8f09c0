//! The Tantivy schema: which parts of a [`PluginDoc`] are matched (and how they are
//! tokenised), which are columns for filters, facets and sorts, and the stored copy a
//! hit is shown from. [`SCHEMA_VERSION`] changes whenever any of it does, so an index
//! written by another version is rebuilt rather than misread.

use tantivy::schema::{
    Field, IndexRecordOption, Schema, TextFieldIndexing, TextOptions, FAST, STORED, STRING,
};
use tantivy::TantivyDocument;

use crate::tokenizer::{BIGRAM, PLAIN, STEMMED};
use crate::PluginDoc;

/// Bumped on any change to fields or tokenisation.
/// 2: joined pairs skip stopwords (`table of contents` -> tablecontents).
pub(crate) const SCHEMA_VERSION: u32 = 2;

/// Separates a category slug from its label in the `category` column.
pub(crate) const LABEL_SEP: char = '\u{1f}';

/// The fields text is matched in, best first. Each has its own BM25 statistics.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum TextField {
    /// Display name and name (words of the id's name part), plural-stripped.
    Name,
    Keywords,
    /// Category slugs and labels.
    Categories,
    Summary,
    Readme,
    /// Adjacent word pairs of name, keywords and summary run together.
    Bigrams,
}

impl TextField {
    pub(crate) const ALL: [TextField; 6] = [
        TextField::Name,
        TextField::Keywords,
        TextField::Categories,
        TextField::Summary,
        TextField::Readme,
        TextField::Bigrams,
    ];

    pub(crate) fn index(self) -> usize {
        self as usize
    }

    pub(crate) fn name(self) -> &'static str {
        match self {
            TextField::Name => "name",
            TextField::Keywords => "keywords",
            TextField::Categories => "categories",
            TextField::Summary => "summary",
            TextField::Readme => "readme",
            TextField::Bigrams => "joined_words",
        }
    }

    /// Whether the field holds plural-stripped words (a query word is stemmed too).
    pub(crate) fn stemmed(self) -> bool {
        !matches!(self, TextField::Bigrams)
    }
}

/// Every field of the schema.
#[derive(Debug, Clone)]
pub(crate) struct Fields {
    pub id: Field,
    pub stored: Field,
    pub text: [Field; 6],
    /// Unstemmed words of name, keywords, categories and summary: the vocabulary typo
    /// and prefix expansion and "did you mean" draw from.
    pub words: Field,
    pub display_name: Field,
    pub name: Field,
    pub kind: Field,
    pub namespace: Field,
    pub license: Field,
    pub category: Field,
    pub keyword: Field,
    pub api_req: Field,
    pub downloads_total: Field,
    pub downloads_recent: Field,
    pub rating_avg: Field,
    pub rating_count: Field,
    pub created_at: Field,
    pub updated_at: Field,
    pub deprecated: Field,
}

fn text(tokenizer: &str, record: IndexRecordOption) -> TextOptions {
    TextOptions::default().set_indexing_options(
        TextFieldIndexing::default()
            .set_tokenizer(tokenizer)
            .set_index_option(record),
    )
}

fn column() -> TextOptions {
    TextOptions::default().set_fast(Some("raw"))
}

/// The schema and its fields.
pub(crate) fn build() -> (Schema, Fields) {
    let mut b = Schema::builder();
    let freqs = IndexRecordOption::WithFreqs;
    let id = b.add_text_field("id", STRING | STORED | column());
    let stored = b.add_text_field("doc", STORED);
    let text_fields = [
        b.add_text_field("name", text(STEMMED, freqs)),
        b.add_text_field("keywords", text(STEMMED, freqs)),
        b.add_text_field("categories", text(STEMMED, freqs)),
        b.add_text_field("summary", text(STEMMED, freqs)),
        b.add_text_field("readme", text(STEMMED, freqs)),
        b.add_text_field("joined_words", text(BIGRAM, freqs)),
    ];
    let words = b.add_text_field("words", text(PLAIN, IndexRecordOption::Basic));
    let fields = Fields {
        id,
        stored,
        text: text_fields,
        words,
        display_name: b.add_text_field("display_name_col", column()),
        name: b.add_text_field("name_col", column()),
        kind: b.add_text_field("kind", column()),
        namespace: b.add_text_field("namespace", column()),
        license: b.add_text_field("license", column()),
        category: b.add_text_field("category", column()),
        keyword: b.add_text_field("keyword", column()),
        api_req: b.add_text_field("api_req", column()),
        downloads_total: b.add_u64_field("downloads_total", FAST),
        downloads_recent: b.add_u64_field("downloads_recent", FAST),
        rating_avg: b.add_f64_field("rating_avg", FAST),
        rating_count: b.add_u64_field("rating_count", FAST),
        created_at: b.add_i64_field("created_at", FAST),
        updated_at: b.add_i64_field("updated_at", FAST),
        deprecated: b.add_bool_field("deprecated", FAST),
    };
    (b.build(), fields)
}

/// The Tantivy document for a plugin.
pub(crate) fn document(f: &Fields, p: &PluginDoc) -> TantivyDocument {
    let mut d = TantivyDocument::default();
    d.add_text(f.id, &p.id);
    d.add_text(f.stored, serde_json::to_string(p).unwrap_or_default());
    let [name, keywords, categories, summary, readme, bigrams] = f.text;
    d.add_text(name, &p.display_name);
    if crate::tokenizer::terms(&p.name) != crate::tokenizer::terms(&p.display_name) {
        d.add_text(name, &p.name);
    }
    for k in &p.keywords {
        d.add_text(keywords, k);
        d.add_text(bigrams, k);
        d.add_text(f.words, k);
        d.add_text(f.keyword, k);
    }
    for (i, slug) in p.categories.iter().enumerate() {
        let label = p.category_labels.get(i).map(String::as_str).unwrap_or(slug);
        d.add_text(categories, slug);
        d.add_text(categories, label);
        d.add_text(f.words, label);
        d.add_text(f.category, format!("{slug}{LABEL_SEP}{label}"));
    }
    d.add_text(summary, &p.summary);
    d.add_text(readme, &p.readme_text);
    for t in [&p.display_name, &p.name, &p.summary] {
        d.add_text(bigrams, t);
        d.add_text(f.words, t);
    }
    d.add_text(f.display_name, &p.display_name);
    d.add_text(f.name, &p.name);
    d.add_text(f.kind, &p.kind);
    d.add_text(f.namespace, &p.namespace);
    d.add_text(f.license, &p.license);
    if let Some(req) = &p.api_req {
        d.add_text(f.api_req, req);
    }
    d.add_u64(f.downloads_total, p.downloads_total);
    d.add_u64(f.downloads_recent, p.downloads_recent);
    if let Some(r) = p.rating_avg.filter(|r| r.is_finite()) {
        d.add_f64(f.rating_avg, r);
    }
    d.add_u64(f.rating_count, p.rating_count);
    d.add_i64(f.created_at, p.created_at);
    d.add_i64(f.updated_at, p.updated_at);
    d.add_bool(f.deprecated, p.deprecated);
    d
}
