//! Scoring a text for abuse: abusive and profane terms (word boundaries, leetspeak
//! undone, stretched letters squeezed), shouting, repeated characters, links and spam
//! phrases. Pure functions, tested natively.

use serde::Serialize;

/// `(term, weight)`: insults and profanity aimed at people weigh 2, threats and slurs 4.
const TERMS: &[(&str, u32)] = &[
    ("asshole", 2),
    ("bastard", 2),
    ("bitch", 2),
    ("bullshit", 2),
    ("crap", 1),
    ("cunt", 4),
    ("dickhead", 2),
    ("dumbass", 2),
    ("fuck", 2),
    ("fucked", 2),
    ("fucker", 3),
    ("fucking", 2),
    ("fuckin", 2),
    ("idiot", 2),
    ("idiots", 2),
    ("imbecile", 2),
    ("jackass", 2),
    ("loser", 1),
    ("losers", 1),
    ("moron", 2),
    ("morons", 2),
    ("motherfucker", 4),
    ("piss off", 2),
    ("retard", 4),
    ("retarded", 4),
    ("scum", 2),
    ("shit", 2),
    ("shitty", 2),
    ("stfu", 2),
    ("wanker", 2),
    ("kill yourself", 5),
    ("kys", 5),
    ("go die", 5),
    ("i will find you", 5),
];

/// Phrases of advertising spam, 2 points each.
const SPAM: &[&str] = &[
    "buy now",
    "click here",
    "free money",
    "make money fast",
    "work from home",
    "discount code",
    "promo code",
    "limited offer",
    "visit my",
    "check out my",
    "casino",
    "viagra",
    "crypto giveaway",
    "earn $",
];

/// Scoring settings (from the configuration).
#[derive(Debug, Clone, Default)]
pub struct Rules {
    /// More terms, weight 2 each.
    pub extra_terms: Vec<String>,
    /// Terms never counted (built-in or extra).
    pub allow_terms: Vec<String>,
    /// A score at or above this is flagged.
    pub threshold: f64,
}

/// The outcome for one text.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Verdict {
    pub score: f64,
    pub flagged: bool,
    pub reasons: Vec<String>,
}

/// Undoes common leetspeak in one lowercase word.
fn unleet(c: char) -> char {
    match c {
        '0' => 'o',
        '1' | '!' | '|' => 'i',
        '3' => 'e',
        '4' | '@' => 'a',
        '5' | '$' => 's',
        '7' | '+' => 't',
        '8' => 'b',
        _ => c,
    }
}

/// Letters in a row at most twice (`stuuupid` → `stuupid`) and at most once
/// (`stupid`): both forms are matched.
fn squeeze(word: &str, max: usize) -> String {
    let mut out = String::new();
    let mut last = None;
    let mut run = 0;
    for c in word.chars() {
        if Some(c) == last {
            run += 1;
        } else {
            run = 1;
            last = Some(c);
        }
        if run <= max {
            out.push(c);
        }
    }
    out
}

/// The words of a text, lowercase, leetspeak undone. A token made only of
/// digits stays as it is (a version number is not a word).
pub fn words(text: &str) -> Vec<String> {
    text.split(|c: char| c.is_whitespace() || ",.;:?\"'()[]{}<>/\\-_*#~^=&".contains(c))
        .filter_map(|raw| {
            let raw = raw.trim_matches(|c: char| c == '!' || c == '|');
            let lower = raw.to_lowercase();
            let has_letter = lower.chars().any(char::is_alphabetic);
            let w: String = if has_letter {
                lower
                    .chars()
                    .map(unleet)
                    .filter(|c| c.is_alphanumeric())
                    .collect()
            } else {
                lower.chars().filter(|c| c.is_alphanumeric()).collect()
            };
            (!w.is_empty()).then_some(w)
        })
        .collect()
}

/// Whether `term` (one or more words) occurs in `words` at word boundaries,
/// also with stretched letters squeezed.
fn contains_term(words: &[String], term: &str) -> bool {
    let parts: Vec<String> = words_of_term(term);
    if parts.is_empty() || parts.len() > words.len() {
        return false;
    }
    words.windows(parts.len()).any(|w| {
        w.iter().zip(&parts).all(|(a, b)| {
            a == b || squeeze(a, 1) == squeeze(b, 1) || squeeze(a, 2) == squeeze(b, 2)
        })
    })
}

fn words_of_term(term: &str) -> Vec<String> {
    term.split_whitespace()
        .map(|w| {
            w.to_lowercase()
                .chars()
                .filter(|c| c.is_alphanumeric())
                .collect()
        })
        .filter(|w: &String| !w.is_empty())
        .collect()
}

fn allowed(rules: &Rules, term: &str) -> bool {
    rules
        .allow_terms
        .iter()
        .any(|a| a.trim().eq_ignore_ascii_case(term))
}

/// Counts links: `http://`, `https://`, `www.` and bare domains with a common TLD.
fn links(text: &str) -> usize {
    let lower = text.to_lowercase();
    lower
        .split_whitespace()
        .filter(|w| {
            let w = w.trim_matches(|c: char| !c.is_alphanumeric());
            w.starts_with("http://")
                || w.starts_with("https://")
                || w.starts_with("www.")
                || [".com", ".net", ".ru", ".xyz", ".io", ".biz", ".top"]
                    .iter()
                    .any(|t| w.ends_with(t) && w.len() > t.len() + 1)
        })
        .count()
}

/// Scores `text`.
pub fn score(text: &str, rules: &Rules) -> Verdict {
    let ws = words(text);
    let mut score = 0.0;
    let mut reasons = Vec::new();
    let mut hit = Vec::new();
    let extra = rules.extra_terms.iter().map(|t| (t.as_str(), 2));
    for (term, weight) in TERMS.iter().copied().chain(extra) {
        let term = term.trim();
        if term.is_empty() || allowed(rules, term) || hit.contains(&term.to_lowercase()) {
            continue;
        }
        if contains_term(&ws, term) {
            score += f64::from(weight);
            hit.push(term.to_lowercase());
        }
    }
    if !hit.is_empty() {
        reasons.push(format!("abusive or profane terms: {}", hit.join(", ")));
    }
    let letters: Vec<char> = text.chars().filter(|c| c.is_alphabetic()).collect();
    let upper = letters.iter().filter(|c| c.is_uppercase()).count();
    if letters.len() >= 12 {
        let ratio = upper as f64 / letters.len() as f64;
        if ratio >= 0.7 {
            score += 1.5;
            reasons.push(format!("shouting: {:.0}% capital letters", ratio * 100.0));
        }
    }
    if has_run(text, 5) {
        score += 1.0;
        reasons.push("a character repeated 5 or more times in a row".into());
    }
    let n = links(text);
    if n > 0 {
        score += (n.min(3)) as f64;
        reasons.push(format!("{n} link{}", if n == 1 { "" } else { "s" }));
    }
    let lower = text.to_lowercase();
    let spam: Vec<&str> = SPAM
        .iter()
        .copied()
        .filter(|s| !allowed(rules, s) && lower.contains(s))
        .collect();
    if !spam.is_empty() {
        score += 2.0 * spam.len() as f64;
        reasons.push(format!("spam phrases: {}", spam.join(", ")));
    }
    let score = (score * 10.0).round() / 10.0;
    Verdict {
        score,
        flagged: score >= rules.threshold,
        reasons,
    }
}

fn has_run(text: &str, n: usize) -> bool {
    let mut last = None;
    let mut run = 0;
    for c in text.chars().filter(|c| !c.is_whitespace()) {
        if Some(c) == last {
            run += 1;
            if run >= n && !c.is_ascii_digit() {
                return true;
            }
        } else {
            last = Some(c);
            run = 1;
        }
    }
    false
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rules() -> Rules {
        Rules {
            threshold: 3.0,
            ..Rules::default()
        }
    }

    #[test]
    fn clean_text_is_not_flagged() {
        let v = score(
            "Works well with our boards. Setup took 5 minutes; v1.2.0 fixed the sync bug.",
            &rules(),
        );
        assert_eq!(v.score, 0.0);
        assert!(!v.flagged);
    }

    #[test]
    fn word_boundaries_are_respected() {
        // "Scunthorpe", "class", "assessment" hold terms inside other words.
        let v = score("Scunthorpe class assessment: shitake mushrooms", &rules());
        assert_eq!(v.score, 0.0, "{v:?}");
    }

    #[test]
    fn leetspeak_and_stretching_are_undone() {
        let v = score("The author is an 1d10t and a m0r0n", &rules());
        assert!(v.flagged, "{v:?}");
        assert!(v.reasons[0].contains("idiot"));
        let v = score("what a moooron", &rules());
        assert_eq!(v.score, 2.0, "{v:?}");
    }

    #[test]
    fn shouting_repeats_links_and_spam_add_up() {
        let v = score(
            "THIS PLUGIN IS TERRIBLE!!!!!! BUY NOW AT WWW.CHEAP-DEALS.XYZ",
            &rules(),
        );
        assert!(v.flagged, "{v:?}");
        assert_eq!(v.reasons.len(), 4, "{v:?}");
    }

    #[test]
    fn configured_terms_count_and_allowed_ones_do_not() {
        let mut r = rules();
        r.extra_terms = vec!["garbage fire".into()];
        r.allow_terms = vec!["crap".into()];
        let v = score("a garbage fire full of crap", &r);
        assert_eq!(v.score, 2.0, "{v:?}");
        assert!(v.reasons[0].contains("garbage fire"));
    }
}
