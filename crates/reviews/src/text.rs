//! Cleaning what reviewers and publishers type: plain text only, trimmed,
//! line ends made `\n`, control characters removed (a title keeps no line
//! breaks; a text keeps line breaks and tabs), then length-checked in
//! characters. Nothing is interpreted as HTML: the UI escapes on display.

/// A title: one line.
pub fn clean_line(s: &str) -> String {
    s.chars()
        .map(|c| {
            if c == '\n' || c == '\r' || c == '\t' {
                ' '
            } else {
                c
            }
        })
        .filter(|c| !c.is_control() && !is_invisible(*c))
        .collect::<String>()
        .trim()
        .to_owned()
}

/// A text: line breaks and tabs kept, other control characters removed.
pub fn clean_text(s: &str) -> String {
    s.replace("\r\n", "\n")
        .replace('\r', "\n")
        .chars()
        .filter(|c| *c == '\n' || *c == '\t' || (!c.is_control() && !is_invisible(*c)))
        .collect::<String>()
        .trim()
        .to_owned()
}

/// Bidirectional overrides and zero-width characters that could disguise text.
fn is_invisible(c: char) -> bool {
    matches!(c, '\u{200B}'..='\u{200F}' | '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}' | '\u{FEFF}')
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn titles_lose_control_characters_and_line_breaks() {
        assert_eq!(clean_line("  Great\u{0007} plugin\n!  "), "Great plugin !");
        assert_eq!(clean_line("a\u{202E}b\u{200B}c"), "abc");
        assert_eq!(clean_line(" \n\t "), "");
    }

    #[test]
    fn texts_keep_line_breaks() {
        assert_eq!(
            clean_text("\r\n line 1\r\nline 2\u{0000}\u{001B}[31m \n"),
            "line 1\nline 2[31m"
        );
        assert_eq!(clean_text("<b>bold</b>"), "<b>bold</b>");
    }
}
