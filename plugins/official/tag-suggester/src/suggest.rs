//! Suggesting keywords and categories: weighted term frequency over the name (3 per
//! occurrence), the description (2) and the README (1), stopwords left out, plural
//! forms counted with their singular, and a vocabulary mapping terms to the registry's
//! categories. Pure functions, tested natively.

use std::collections::BTreeMap;

use serde::Serialize;

/// The registry's category slugs (`trellis_registry::CATEGORIES`) and terms that point
/// to each.
const VOCABULARY: &[(&str, &[&str])] = &[
    (
        "ai-agents",
        &[
            "ai",
            "agent",
            "llm",
            "gpt",
            "openai",
            "assistant",
            "chatbot",
            "bot",
            "summary",
            "summarise",
            "summarize",
            "classify",
            "classifier",
            "embedding",
            "prompt",
            "suggest",
            "suggestion",
        ],
    ),
    (
        "automation",
        &[
            "automation",
            "automate",
            "automatic",
            "workflow",
            "schedule",
            "cron",
            "trigger",
            "pipeline",
            "rule",
            "job",
        ],
    ),
    (
        "communication",
        &[
            "slack",
            "discord",
            "teams",
            "chat",
            "email",
            "mail",
            "message",
            "notification",
            "notify",
            "sms",
            "channel",
        ],
    ),
    (
        "data",
        &[
            "data",
            "csv",
            "json",
            "transform",
            "etl",
            "analytics",
            "database",
            "sql",
            "report",
            "metric",
            "chart",
            "export",
            "import",
        ],
    ),
    (
        "developer-tools",
        &[
            "github",
            "gitlab",
            "git",
            "api",
            "cli",
            "sdk",
            "code",
            "build",
            "deploy",
            "ci",
            "developer",
            "debug",
            "lint",
            "jira",
            "issue",
            "changelog",
            "release",
        ],
    ),
    (
        "monitoring",
        &[
            "monitoring",
            "monitor",
            "alert",
            "alerting",
            "uptime",
            "health",
            "pagerduty",
            "incident",
            "log",
            "logging",
            "observability",
            "ping",
            "latency",
        ],
    ),
    (
        "productivity",
        &[
            "kanban",
            "board",
            "calendar",
            "note",
            "todo",
            "task",
            "project",
            "productivity",
            "card",
            "reminder",
        ],
    ),
    (
        "search",
        &["search", "index", "query", "lookup", "fulltext", "ranking"],
    ),
    (
        "security",
        &[
            "security",
            "secure",
            "auth",
            "authentication",
            "oauth",
            "password",
            "secret",
            "encryption",
            "vulnerability",
            "abuse",
            "spam",
            "moderation",
            "permission",
        ],
    ),
    (
        "storage",
        &[
            "storage", "s3", "bucket", "file", "backup", "upload", "blob", "cache",
        ],
    ),
    (
        "testing",
        &[
            "test", "testing", "mock", "fixture", "assert", "qa", "coverage",
        ],
    ),
];

const STOPWORDS: &[&str] = &[
    "a",
    "about",
    "after",
    "all",
    "also",
    "an",
    "and",
    "any",
    "are",
    "as",
    "at",
    "be",
    "been",
    "before",
    "but",
    "by",
    "can",
    "could",
    "do",
    "does",
    "each",
    "every",
    "for",
    "from",
    "get",
    "gets",
    "has",
    "have",
    "how",
    "if",
    "in",
    "into",
    "is",
    "it",
    "its",
    "just",
    "like",
    "more",
    "most",
    "much",
    "must",
    "new",
    "no",
    "not",
    "of",
    "on",
    "one",
    "only",
    "or",
    "other",
    "our",
    "out",
    "over",
    "own",
    "same",
    "see",
    "set",
    "should",
    "so",
    "some",
    "such",
    "than",
    "that",
    "the",
    "their",
    "them",
    "then",
    "there",
    "these",
    "they",
    "this",
    "those",
    "through",
    "to",
    "too",
    "two",
    "up",
    "use",
    "used",
    "uses",
    "using",
    "very",
    "via",
    "was",
    "way",
    "we",
    "were",
    "what",
    "when",
    "where",
    "which",
    "while",
    "who",
    "why",
    "will",
    "with",
    "without",
    "would",
    "yes",
    "you",
    "your",
    "plugin",
    "plugins",
    "trellis",
    "version",
    "versions",
    "install",
    "installed",
    "installation",
    "config",
    "configuration",
    "setting",
    "settings",
    "readme",
    "example",
    "examples",
    "default",
    "value",
    "values",
    "field",
    "fields",
    "step",
    "steps",
    "page",
    "see",
    "first",
    "last",
    "make",
    "makes",
    "need",
    "needs",
    "want",
    "here",
    "true",
    "false",
    "null",
    "none",
    "http",
    "https",
    "www",
    "com",
    "org",
    "md",
    "etc",
];

/// What was suggested for one text.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Suggestions {
    pub suggested_keywords: Vec<String>,
    pub suggested_categories: Vec<String>,
    /// Every suggested keyword and category with its score.
    pub scores: BTreeMap<String, f64>,
}

/// The parts of a plugin to weigh.
#[derive(Debug, Clone, Default)]
pub struct Input<'a> {
    pub name: &'a str,
    pub description: &'a str,
    pub readme: &'a str,
    /// Keywords and categories it already has (never suggested again).
    pub keywords: &'a [String],
    pub categories: &'a [String],
    /// Words never suggested (the namespace, the plugin's own name parts).
    pub exclude: Vec<String>,
}

fn words(text: &str) -> impl Iterator<Item = String> + '_ {
    text.split(|c: char| !(c.is_ascii_alphanumeric() || c == '-'))
        .map(|w| w.trim_matches('-').to_ascii_lowercase())
        .filter(|w| {
            (2..=32).contains(&w.len())
                && w.starts_with(|c: char| c.is_ascii_lowercase())
                && !STOPWORDS.contains(&w.as_str())
        })
}

/// The singular a plural counts as, when that singular also occurs or is a
/// vocabulary term (`boards` → `board`, `issues` → `issue`).
fn singular(w: &str, seen: &BTreeMap<String, f64>) -> String {
    let vocab = |s: &str| VOCABULARY.iter().any(|(_, ts)| ts.contains(&s));
    for (suffix, with) in [("ies", "y"), ("es", ""), ("s", "")] {
        if let Some(stem) = w.strip_suffix(suffix) {
            let s = format!("{stem}{with}");
            if s.len() >= 2 && !w.ends_with("ss") && (seen.contains_key(&s) || vocab(&s)) {
                return s;
            }
        }
    }
    w.to_owned()
}

/// Suggests keywords and categories.
pub fn suggest(input: &Input<'_>, max: usize, min_score: f64) -> Suggestions {
    let mut raw: BTreeMap<String, f64> = BTreeMap::new();
    for (text, weight) in [
        (input.name, 3.0),
        (input.description, 2.0),
        (input.readme, 1.0),
    ] {
        for w in words(text) {
            *raw.entry(w).or_default() += weight;
        }
    }
    let mut terms: BTreeMap<String, f64> = BTreeMap::new();
    for (w, n) in &raw {
        *terms.entry(singular(w, &raw)).or_default() += n;
    }
    let has = |list: &[String], w: &str| list.iter().any(|k| k.eq_ignore_ascii_case(w));
    let mut keywords: Vec<(String, f64)> = terms
        .iter()
        .filter(|(w, n)| {
            **n >= min_score
                && !has(input.keywords, w)
                && !has(&input.exclude, w)
                && !w.chars().all(|c| c.is_ascii_digit())
        })
        .map(|(w, n)| (w.clone(), *n))
        .collect();
    keywords.sort_by(|a, b| b.1.total_cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
    keywords.truncate(max);
    let mut categories: Vec<(String, f64)> = VOCABULARY
        .iter()
        .map(|(slug, ts)| {
            let n: f64 = ts.iter().filter_map(|t| terms.get(*t)).sum();
            ((*slug).to_owned(), n)
        })
        .filter(|(slug, n)| *n >= min_score && !has(input.categories, slug))
        .collect();
    categories.sort_by(|a, b| b.1.total_cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
    categories.truncate(max.min(3));
    let mut scores = BTreeMap::new();
    for (w, n) in keywords.iter().chain(categories.iter()) {
        scores.insert(w.clone(), *n);
    }
    Suggestions {
        suggested_keywords: keywords.into_iter().map(|k| k.0).collect(),
        suggested_categories: categories.into_iter().map(|c| c.0).collect(),
        scores,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn suggests_frequent_terms_and_categories() {
        let have = vec!["kanban".to_owned()];
        let cats = vec![];
        let input = Input {
            name: "Kanban Boards",
            description: "Boards and cards for your notes, with Slack notifications.",
            readme: "Create boards. Move cards between columns. Cards get due dates. \
                     Notifications go to Slack when a card moves.",
            keywords: &have,
            categories: &cats,
            exclude: vec!["acme".into()],
        };
        let s = suggest(&input, 5, 2.0);
        assert_eq!(s.suggested_keywords[0], "board", "{s:?}");
        assert!(s.suggested_keywords.contains(&"card".to_owned()), "{s:?}");
        assert!(!s.suggested_keywords.contains(&"kanban".to_owned()));
        assert!(!s
            .suggested_keywords
            .iter()
            .any(|k| k == "the" || k == "for"));
        assert_eq!(s.suggested_categories[0], "productivity", "{s:?}");
        assert!(s.suggested_categories.contains(&"communication".to_owned()));
    }

    #[test]
    fn existing_categories_and_low_scores_are_left_out() {
        let cats = vec!["productivity".to_owned()];
        let input = Input {
            readme: "kanban board",
            categories: &cats,
            ..Input::default()
        };
        let s = suggest(&input, 5, 2.0);
        assert!(s.suggested_keywords.is_empty() && s.suggested_categories.is_empty());
    }
}
