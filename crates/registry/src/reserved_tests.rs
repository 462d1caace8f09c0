//! Tests for `reserved.rs`: every reserved word and its look-alikes are refused with the
//! code `reserved`, ordinary names (including ones that merely contain a reserved word)
//! are allowed, and the syntax check still runs.

use super::*;

fn refused_as_reserved(name: &str) -> NameRefusal {
    let r = check_namespace_name(name).expect_err(name);
    assert_eq!(r.code, NameRefusal::RESERVED, "{name}: {r}");
    r
}

#[test]
fn every_reserved_word_is_refused() {
    for word in RESERVED_NAMES.iter().chain(PROJECT_NAMES) {
        let r = refused_as_reserved(word);
        assert_eq!(r.reserved_word, Some(*word), "{word}");
        let upper = refused_as_reserved(&word.to_uppercase());
        assert_eq!(upper.reserved_word, Some(*word), "{word}");
        if PROJECT_NAMES.contains(word) {
            assert!(r.detail.contains("kept for the Trellis project"), "{r}");
        } else {
            assert_eq!(
                r.detail,
                format!("Namespace name `{word}` is reserved. Pick another.")
            );
        }
    }
}

#[test]
fn the_security_report_names_are_refused() {
    for name in [
        "admin", "trellis", "official", "api", "root", "system", "support", "security",
    ] {
        refused_as_reserved(name);
    }
}

#[test]
fn confusable_variants_are_refused() {
    for (name, word) in [
        ("admin1", "admin"),
        ("admin-01", "admin"),
        ("4dmin", "admin"),
        ("adm1n", "admin"),
        ("admln", "admin"),
        ("adrnin", "admin"),
        ("a-d-m-i-n", "admin"),
        ("Trellis", "trellis"),
        ("tre11is", "trellis"),
        ("treIlis", "trellis"),
        ("offic1al", "official"),
        ("0fficial", "official"),
        ("r00t", "root"),
        ("roo7", "root"),
        ("5ystem", "system"),
        ("supp0rt", "support"),
        ("secur1ty", "security"),
        ("he1p", "help"),
        ("ap1", "api"),
        ("api2", "api"),
        ("vvvvvv", "www"),
        ("nu11", "null"),
        ("m0d", "mod"),
        ("mod3rator", "moderator"),
        ("st4tus", "status"),
        ("tearn", "team"),
        ("plug1ns", "plugins"),
        ("reg1stry", "registry"),
        ("ver1fied", "verified"),
        ("bi11ing", "billing"),
        ("abu5e", "abuse"),
        ("d0cs", "docs"),
        ("mai1", "mail"),
        ("undef1ned", "undefined"),
        ("market-place", "marketplace"),
        ("staf-f", "staff"),
        ("admin_istrator", "administrator"),
    ] {
        let r = refused_as_reserved(name);
        assert_eq!(r.reserved_word, Some(word), "{name}");
        let why = if PROJECT_NAMES.contains(&word) {
            "kept for the Trellis project".to_string()
        } else {
            format!("it looks like `{word}`")
        };
        assert!(r.detail.contains(&why), "{r}");
    }
}

#[test]
fn names_dressed_up_as_official_are_refused() {
    for (name, word) in [
        ("trellis-official", "trellis"),
        ("the-trellis", "trellis"),
        ("trellis_team", "trellis"),
        ("trellis-tools", "trellis"),
        ("mytrellis", "trellis"),
        ("trellis.dev", "trellis"),
        ("the-admin", "admin"),
        ("real-admin", "admin"),
        ("official-api", "api"),
        ("support-team", "support"),
        ("security-team", "security"),
        ("admin-staff", "admin"),
        ("admin-official", "admin"),
        ("api-dev", "api"),
        ("the-official-admin-team-2", "admin"),
        ("status-hq", "status"),
        ("the-team", "team"),
    ] {
        let r = refused_as_reserved(name);
        assert_eq!(r.reserved_word, Some(word), "{name}");
    }
}

#[test]
fn ordinary_names_are_allowed() {
    for name in [
        "acme",
        "badminton",
        "obsidian-tools",
        "kanban",
        "git-helpers",
        "adminer-tools",
        "sysadmin",
        "weather-bot",
        "notion-sync",
        "rooted",
        "helpdesk",
        "mailgun",
        "statuspage",
        "teamcity",
        "devdocs",
        "api-tools",
        "unofficial-tools",
        "realtime-sync",
        "the-weather",
        "security-scanner",
        "systems-lab",
        "modern-ui",
        "acme-official",
        "nullsoft",
        "trellix",
    ] {
        assert_eq!(check_namespace_name(name), Ok(()), "{name}");
        assert_eq!(reserved_word(name), None, "{name}");
    }
}

#[test]
fn syntax_is_still_checked() {
    for (name, part) in [
        ("ab", "must be 3 to 40 characters long"),
        ("Acme", "must start with a lowercase letter"),
        ("1acme", "must start with a lowercase letter"),
        ("acme_tools", "may only contain"),
        ("acme-", "must not end with `-`"),
        ("ac--me", "must not contain `--`"),
    ] {
        let r = check_namespace_name(name).expect_err(name);
        assert_eq!(r.code, NameRefusal::INVALID, "{name}");
        assert_eq!(r.reserved_word, None);
        assert!(r.detail.starts_with("Namespace name `"), "{r}");
        assert!(r.detail.contains(part), "{name}: {r}");
    }
    let long = "a".repeat(41);
    assert_eq!(
        check_namespace_name(&long).unwrap_err().code,
        NameRefusal::INVALID
    );
    let huge = format!("{}admin", "the".repeat(10_000));
    assert_eq!(
        check_namespace_name(&huge).unwrap_err().code,
        NameRefusal::INVALID,
        "very long names are only checked for syntax"
    );
}
