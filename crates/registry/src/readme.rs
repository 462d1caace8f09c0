//! Markdown rendering for READMEs ([`crate::check_package`] renders `README.md` once, at
//! publish time; `CHANGELOG.md` is kept as plain text): CommonMark plus GitHub tables,
//! strikethrough and task lists (pulldown-cmark), then sanitised with ammonia so a
//! hostile README cannot run script on the registry's pages.

use std::borrow::Cow;
use std::collections::HashSet;
use std::sync::OnceLock;

use pulldown_cmark::{html, Options, Parser};

fn sanitizer() -> &'static ammonia::Builder<'static> {
    static B: OnceLock<ammonia::Builder<'static>> = OnceLock::new();
    B.get_or_init(|| {
        let mut b = ammonia::Builder::default();
        b.url_schemes(HashSet::from(["http", "https", "mailto"]))
            .link_rel(Some("nofollow noopener noreferrer"))
            .url_relative(ammonia::UrlRelative::PassThrough)
            .add_tags(["input"])
            .add_tag_attribute_values("input", "type", ["checkbox"])
            .add_tag_attributes("input", ["checked", "disabled"])
            .add_tag_attributes("th", ["style"])
            .add_tag_attributes("td", ["style"])
            .filter_style_properties(HashSet::from(["text-align"]))
            .add_tag_attributes("code", ["class"])
            .attribute_filter(|element, attribute, value| {
                if element == "code" && attribute == "class" {
                    let ok = value.strip_prefix("language-").is_some_and(|l| {
                        !l.is_empty()
                            && l.chars()
                                .all(|c| c.is_ascii_alphanumeric() || "+-_#".contains(c))
                    });
                    return ok.then_some(Cow::Borrowed(value));
                }
                Some(Cow::Borrowed(value))
            });
        b
    })
}

/// Renders Markdown to sanitised HTML.
///
/// Allowed: CommonMark, GFM tables (with `text-align`), strikethrough, task lists
/// (disabled checkboxes), `language-*` classes on code. Removed: `script`, `style`,
/// `iframe`, forms, event-handler and `style` attributes (except table alignment),
/// `javascript:`, `data:` and any scheme other than http, https and mailto. Every link
/// gets `rel="nofollow noopener noreferrer"`; relative links and images are left as-is.
pub fn render_markdown(md: &str) -> String {
    let opts = Options::ENABLE_TABLES | Options::ENABLE_STRIKETHROUGH | Options::ENABLE_TASKLISTS;
    let mut raw = String::with_capacity(md.len() * 3 / 2);
    html::push_html(&mut raw, Parser::new_ext(md, opts));
    sanitizer().clean(&raw).to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn lower(md: &str) -> String {
        render_markdown(md).to_ascii_lowercase()
    }

    #[test]
    fn renders_gfm() {
        let html = render_markdown("# Title\n\n| a | b |\n|:-:|---|\n| 1 | 2 |\n\n~~old~~\n\n- [x] done\n- [ ] todo\n\n```rust\nfn main() {}\n```\n");
        assert!(html.contains("<h1>Title</h1>"), "{html}");
        assert!(html.contains("<table>"), "{html}");
        assert!(
            html.contains("text-align:center") || html.contains("text-align: center"),
            "{html}"
        );
        assert!(html.contains("<del>old</del>"), "{html}");
        assert!(html.contains("type=\"checkbox\""), "{html}");
        assert!(html.contains("checked"), "{html}");
        assert!(html.contains("<code class=\"language-rust\">"), "{html}");
    }

    #[test]
    fn strips_scripts_and_dangerous_tags() {
        for md in [
            "<script>alert(1)</script>",
            "hello <style>body{display:none}</style>",
            "<iframe src=\"https://evil.example\"></iframe>",
            "<object data=\"x.swf\"></object><embed src=\"x\">",
            "<form action=\"https://evil.example\"><input type=\"text\" name=\"pw\"></form>",
        ] {
            let html = lower(md);
            for bad in [
                "<script",
                "<style",
                "<iframe",
                "<object",
                "<embed",
                "<form",
                "type=\"text\"",
            ] {
                assert!(!html.contains(bad), "{md} -> {html}");
            }
        }
    }

    #[test]
    fn strips_event_handlers() {
        let html = lower("<img src=\"x.png\" onerror=\"alert(1)\"> <p onclick=\"x()\">hi</p> <a href=\"/a\" onmouseover=\"x()\">a</a>");
        assert!(
            !html.contains("onerror") && !html.contains("onclick") && !html.contains("onmouseover"),
            "{html}"
        );
        assert!(
            html.contains("<img src=\"x.png\">"),
            "relative images are kept: {html}"
        );
    }

    #[test]
    fn refuses_javascript_and_data_urls() {
        for md in [
            "[x](javascript:alert(1))",
            "[x](JaVaScRiPt:alert(1))",
            "<a href=\"javascript:alert(1)\">x</a>",
            "<a href=\"  javascript:alert(1)\">x</a>",
            "[x](data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==)",
            "![img](data:image/png;base64,iVBORw0KGgo=)",
            "<a href=\"vbscript:msgbox(1)\">x</a>",
        ] {
            let html = lower(md);
            assert!(
                !html.contains("javascript:")
                    && !html.contains("data:")
                    && !html.contains("vbscript:"),
                "{md} -> {html}"
            );
        }
    }

    #[test]
    fn links_get_rel_and_relative_links_stay() {
        let html = render_markdown(
            "[site](https://example.com) [doc](docs/usage.md) ![logo](assets/logo.png)",
        );
        assert!(
            html.contains("href=\"https://example.com\" rel=\"nofollow noopener noreferrer\""),
            "{html}"
        );
        assert!(html.contains("href=\"docs/usage.md\""), "{html}");
        assert!(html.contains("src=\"assets/logo.png\""), "{html}");
        let raw =
            render_markdown("<a href=\"https://e.com\" rel=\"opener\" target=\"_blank\">x</a>");
        assert!(
            raw.contains("rel=\"nofollow noopener noreferrer\"") && !raw.contains("rel=\"opener\""),
            "{raw}"
        );
    }

    #[test]
    fn code_classes_are_filtered() {
        let html =
            render_markdown("<code class=\"language-js evil\">x</code> <span class=\"x\">y</span>");
        assert!(
            !html.contains("evil") && !html.contains("class=\"x\""),
            "{html}"
        );
    }
}
