//! SPDX license-expression validation against an embedded list of common license
//! identifiers (not the full SPDX list: the registry accepts the licenses people
//! actually use, plus `LicenseRef-*` for custom ones).

/// Common SPDX license identifiers accepted in `plugin.license`.
pub const LICENSE_IDS: &[&str] = &[
    "0BSD",
    "AFL-3.0",
    "AGPL-3.0",
    "AGPL-3.0-only",
    "AGPL-3.0-or-later",
    "Apache-1.1",
    "Apache-2.0",
    "Artistic-1.0",
    "Artistic-2.0",
    "BlueOak-1.0.0",
    "BSD-1-Clause",
    "BSD-2-Clause",
    "BSD-2-Clause-Patent",
    "BSD-3-Clause",
    "BSD-3-Clause-Clear",
    "BSD-4-Clause",
    "BSL-1.0",
    "CC-BY-3.0",
    "CC-BY-4.0",
    "CC-BY-SA-3.0",
    "CC-BY-SA-4.0",
    "CC-BY-NC-4.0",
    "CC0-1.0",
    "CDDL-1.0",
    "CDDL-1.1",
    "CECILL-2.1",
    "CPL-1.0",
    "ECL-2.0",
    "EPL-1.0",
    "EPL-2.0",
    "EUPL-1.1",
    "EUPL-1.2",
    "GPL-2.0",
    "GPL-2.0-only",
    "GPL-2.0-or-later",
    "GPL-3.0",
    "GPL-3.0-only",
    "GPL-3.0-or-later",
    "ISC",
    "LGPL-2.0-only",
    "LGPL-2.0-or-later",
    "LGPL-2.1",
    "LGPL-2.1-only",
    "LGPL-2.1-or-later",
    "LGPL-3.0",
    "LGPL-3.0-only",
    "LGPL-3.0-or-later",
    "LPPL-1.3c",
    "MIT",
    "MIT-0",
    "MPL-1.1",
    "MPL-2.0",
    "MPL-2.0-no-copyleft-exception",
    "MS-PL",
    "MS-RL",
    "MulanPSL-2.0",
    "NCSA",
    "ODbL-1.0",
    "OFL-1.1",
    "OpenSSL",
    "OSL-3.0",
    "PHP-3.01",
    "PostgreSQL",
    "PSF-2.0",
    "Python-2.0",
    "Ruby",
    "SSPL-1.0",
    "Unicode-3.0",
    "Unicode-DFS-2016",
    "Unlicense",
    "UPL-1.0",
    "W3C",
    "WTFPL",
    "X11",
    "Zlib",
    "ZPL-2.1",
];

/// Common SPDX license exceptions accepted after `WITH`.
pub const EXCEPTION_IDS: &[&str] = &[
    "Autoconf-exception-3.0",
    "Bison-exception-2.2",
    "Classpath-exception-2.0",
    "Font-exception-2.0",
    "GCC-exception-3.1",
    "LLVM-exception",
    "OpenJDK-assembly-exception-1.0",
    "Qt-exception-1.1",
    "Swift-exception",
    "WxWindows-exception-3.1",
];

#[derive(Debug, PartialEq)]
enum Tok<'a> {
    Open,
    Close,
    Word(&'a str),
}

fn tokenize(s: &str) -> Vec<Tok<'_>> {
    let mut out = Vec::new();
    let bytes = s.as_bytes();
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'(' => {
                out.push(Tok::Open);
                i += 1;
            }
            b')' => {
                out.push(Tok::Close);
                i += 1;
            }
            c if c.is_ascii_whitespace() => i += 1,
            _ => {
                let start = i;
                while i < bytes.len()
                    && !matches!(bytes[i], b'(' | b')')
                    && !bytes[i].is_ascii_whitespace()
                {
                    i += 1;
                }
                out.push(Tok::Word(&s[start..i]));
            }
        }
    }
    out
}

struct Parser<'a> {
    toks: Vec<Tok<'a>>,
    pos: usize,
}

impl<'a> Parser<'a> {
    fn peek(&self) -> Option<&Tok<'a>> {
        self.toks.get(self.pos)
    }

    fn next(&mut self) -> Option<&Tok<'a>> {
        let t = self.toks.get(self.pos);
        self.pos += 1;
        t
    }

    fn expr(&mut self) -> Result<(), String> {
        self.and_expr()?;
        while self.peek() == Some(&Tok::Word("OR")) {
            self.pos += 1;
            self.and_expr()?;
        }
        Ok(())
    }

    fn and_expr(&mut self) -> Result<(), String> {
        self.with_expr()?;
        while self.peek() == Some(&Tok::Word("AND")) {
            self.pos += 1;
            self.with_expr()?;
        }
        Ok(())
    }

    fn with_expr(&mut self) -> Result<(), String> {
        self.primary()?;
        if self.peek() == Some(&Tok::Word("WITH")) {
            self.pos += 1;
            match self.next() {
                Some(Tok::Word(w)) if EXCEPTION_IDS.contains(w) => {}
                Some(Tok::Word(w)) => {
                    return Err(format!("`{w}` is not a known SPDX license exception"));
                }
                _ => return Err("expected a license exception after `WITH`".into()),
            }
        }
        Ok(())
    }

    fn primary(&mut self) -> Result<(), String> {
        match self.next() {
            Some(Tok::Open) => {
                self.expr()?;
                match self.next() {
                    Some(Tok::Close) => Ok(()),
                    _ => Err("unbalanced parentheses".into()),
                }
            }
            Some(Tok::Word(w)) => check_license_id(w),
            Some(Tok::Close) => Err("unexpected `)`".into()),
            None => Err("expression ends where a license identifier was expected".into()),
        }
    }
}

fn check_license_id(word: &str) -> Result<(), String> {
    if matches!(word, "AND" | "OR" | "WITH") {
        return Err(format!(
            "operator `{word}` where a license identifier was expected"
        ));
    }
    let id = word.strip_suffix('+').unwrap_or(word);
    if LICENSE_IDS.contains(&id) {
        return Ok(());
    }
    if let Some(rest) = id.strip_prefix("LicenseRef-") {
        if !rest.is_empty()
            && rest
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '.' || c == '-')
        {
            return Ok(());
        }
    }
    if let Some(canon) = LICENSE_IDS.iter().find(|l| l.eq_ignore_ascii_case(id)) {
        return Err(format!(
            "`{word}` is not a known SPDX identifier (did you mean `{canon}`?)"
        ));
    }
    if matches!(word.to_ascii_uppercase().as_str(), "AND" | "OR" | "WITH") {
        return Err(format!(
            "SPDX operators must be upper case: `{}`",
            word.to_ascii_uppercase()
        ));
    }
    Err(format!("`{word}` is not a known SPDX license identifier"))
}

/// Validates an SPDX license expression (`MIT`, `MIT OR Apache-2.0`,
/// `(Apache-2.0 WITH LLVM-exception) AND BSD-3-Clause`, `LicenseRef-Acme`).
/// Returns a human explanation on failure.
pub fn validate_expression(expr: &str) -> Result<(), String> {
    if expr.trim().is_empty() {
        return Err("license expression is empty".into());
    }
    let mut p = Parser {
        toks: tokenize(expr),
        pos: 0,
    };
    p.expr()?;
    if p.pos < p.toks.len() {
        return Err(match &p.toks[p.pos] {
            Tok::Word(w) => format!("unexpected `{w}` (join licenses with AND / OR)"),
            Tok::Close => "unbalanced parentheses".into(),
            Tok::Open => "unexpected `(`".into(),
        });
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::validate_expression as v;

    #[test]
    fn accepts_common_expressions() {
        for ok in [
            "MIT",
            "Apache-2.0",
            "MIT OR Apache-2.0",
            "(MIT OR Apache-2.0) AND BSD-3-Clause",
            "Apache-2.0 WITH LLVM-exception",
            "GPL-2.0+",
            "LicenseRef-Acme-Proprietary",
        ] {
            assert_eq!(v(ok), Ok(()), "{ok}");
        }
    }

    #[test]
    fn rejects_bad_expressions() {
        for bad in [
            "",
            "MIT-ish",
            "mit",
            "MIT or Apache-2.0",
            "MIT Apache-2.0",
            "(MIT OR Apache-2.0",
            "MIT OR",
            "Apache-2.0 WITH Nonsense-exception",
            "AND",
            "LicenseRef-",
        ] {
            assert!(v(bad).is_err(), "{bad:?} should be rejected");
        }
        assert!(v("mit").unwrap_err().contains("did you mean `MIT`"));
    }
}
