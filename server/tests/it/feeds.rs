//! The Atom feeds (`/feeds/plugins.atom`, `/feeds/updates.atom`,
//! `/plugins/{id}/versions.atom`): status, media type, caching and `304`, and
//! the documents themselves, parsed by a small strict XML reader below and held
//! to RFC 4287 (feed: id, title, updated, one self link, an author; entries: id,
//! title, updated, an alternate link, an author here or on the feed; unique ids;
//! RFC 3339 dates; newest first), with escaping of markup and of characters XML
//! forbids. Imported catalogue entries (demo content) are in none of them; yanked
//! versions are left out of the updates and marked in a plugin's feed.

use std::collections::HashSet;

use axum::body::Body;
use http::{header, Request};
use time::format_description::well_known::Rfc3339;
use time::OffsetDateTime;
use trellis_db::sqlx;
use trellis_platform::registry::import::{self, ImportOptions};

use crate::harness::{Client, Resp, TestApp};
use crate::registry_support::{publish_ok, publisher, send_empty, Pkg};

/// 2026-01-01T00:00:00Z: the versions' publish times are set from it.
const T0: i64 = 1_767_225_600;
const ATOM: &str = "application/atom+xml; charset=utf-8";

// ---------------------------------------------------------------------------
// A minimal strict XML reader: elements, attributes, text, the five predefined
// entities and character references. It refuses what a conforming parser would
// (mismatched or unclosed tags, a bare `<` or `&`, an unknown entity, unquoted
// or repeated attributes, characters XML 1.0 forbids, text outside the root).

#[derive(Debug, Clone)]
struct El {
    name: String,
    attrs: Vec<(String, String)>,
    children: Vec<El>,
    text: String,
}

impl El {
    fn attr(&self, name: &str) -> Option<&str> {
        self.attrs
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
    }
    fn all(&self, name: &str) -> Vec<&El> {
        self.children.iter().filter(|c| c.name == name).collect()
    }
    fn one(&self, name: &str) -> &El {
        let found = self.all(name);
        assert_eq!(found.len(), 1, "exactly one <{name}> in <{}>", self.name);
        found[0]
    }
    fn text_of(&self, name: &str) -> String {
        self.one(name).text.clone()
    }
}

fn xml_char_ok(c: char) -> bool {
    matches!(c, '\t' | '\n' | '\r')
        || ('\u{20}'..='\u{D7FF}').contains(&c)
        || ('\u{E000}'..='\u{FFFD}').contains(&c)
        || c >= '\u{10000}'
}

struct Reader<'a> {
    s: &'a str,
    i: usize,
}

impl Reader<'_> {
    fn rest(&self) -> &str {
        &self.s[self.i..]
    }
    fn eat(&mut self, p: &str) -> bool {
        if self.rest().starts_with(p) {
            self.i += p.len();
            true
        } else {
            false
        }
    }
    fn skip_ws(&mut self) {
        while self.rest().starts_with([' ', '\t', '\n', '\r']) {
            self.i += 1;
        }
    }
    fn name(&mut self) -> String {
        let n: String = self
            .rest()
            .chars()
            .take_while(|c| c.is_alphanumeric() || matches!(c, ':' | '_' | '-' | '.'))
            .collect();
        assert!(!n.is_empty(), "a name expected at {}", self.i);
        self.i += n.len();
        n
    }
    /// Character data up to `stop`, entities decoded.
    fn chars_until(&mut self, stop: char) -> String {
        let mut out = String::new();
        loop {
            let c = self
                .rest()
                .chars()
                .next()
                .expect("unexpected end of document");
            if c == stop {
                return out;
            }
            assert!(xml_char_ok(c), "character {c:?} is not allowed in XML 1.0");
            assert!(c != '<', "a bare `<` in character data at {}", self.i);
            if c == '&' {
                let end = self.rest().find(';').expect("unterminated reference");
                let r = &self.rest()[1..end];
                let decoded = match r {
                    "amp" => '&',
                    "lt" => '<',
                    "gt" => '>',
                    "quot" => '"',
                    "apos" => '\'',
                    _ if r.starts_with("#x") => {
                        char::from_u32(u32::from_str_radix(&r[2..], 16).unwrap()).unwrap()
                    }
                    _ if r.starts_with('#') => {
                        char::from_u32(r[1..].parse::<u32>().unwrap()).unwrap()
                    }
                    _ => panic!("unknown entity &{r};"),
                };
                assert!(xml_char_ok(decoded), "reference to a forbidden character");
                out.push(decoded);
                self.i += end + 1;
            } else {
                out.push(c);
                self.i += c.len_utf8();
            }
        }
    }
    fn element(&mut self) -> El {
        assert!(self.eat("<"), "an element expected at {}", self.i);
        let name = self.name();
        let mut attrs: Vec<(String, String)> = Vec::new();
        loop {
            self.skip_ws();
            if self.eat("/>") {
                return El {
                    name,
                    attrs,
                    children: Vec::new(),
                    text: String::new(),
                };
            }
            if self.eat(">") {
                break;
            }
            let an = self.name();
            assert!(self.eat("="), "attribute {an} without a value");
            let q = if self.eat("\"") {
                '"'
            } else if self.eat("'") {
                '\''
            } else {
                panic!("attribute {an} is not quoted")
            };
            let v = self.chars_until(q);
            self.i += 1;
            assert!(
                attrs.iter().all(|(n, _)| *n != an),
                "attribute {an} repeated"
            );
            attrs.push((an, v));
        }
        let mut children = Vec::new();
        let mut text = String::new();
        loop {
            if self.eat("</") {
                let end = self.name();
                assert_eq!(end, name, "mismatched end tag");
                self.skip_ws();
                assert!(self.eat(">"), "unterminated end tag");
                return El {
                    name,
                    attrs,
                    children,
                    text,
                };
            }
            if self.rest().starts_with('<') {
                children.push(self.element());
            } else {
                text.push_str(&self.chars_until('<'));
            }
        }
    }
}

/// Parses a whole document (an optional XML declaration, one root element).
fn parse(doc: &str) -> El {
    let mut r = Reader { s: doc, i: 0 };
    if r.eat("<?xml") {
        let end = r.rest().find("?>").expect("unterminated XML declaration");
        r.i += end + 2;
    }
    r.skip_ws();
    let root = r.element();
    r.skip_ws();
    assert!(r.rest().is_empty(), "content after the root element");
    root
}

// ---------------------------------------------------------------------------
// RFC 4287 checks.

/// A date-time per RFC 3339 (as Atom's date constructs require).
fn date(s: &str) -> i64 {
    OffsetDateTime::parse(s, &Rfc3339)
        .unwrap_or_else(|e| panic!("{s:?} is not RFC 3339: {e}"))
        .unix_timestamp()
}

/// A checked feed: its root and entries.
struct Feed {
    root: El,
    entries: Vec<El>,
}

impl Feed {
    fn titles(&self) -> Vec<String> {
        self.entries.iter().map(|e| e.text_of("title")).collect()
    }
    fn ids(&self) -> Vec<String> {
        self.entries.iter().map(|e| e.text_of("id")).collect()
    }
    fn updated(&self) -> i64 {
        date(&self.root.text_of("updated"))
    }
}

fn person_ok(p: &El) {
    assert!(!p.text_of("name").is_empty(), "a person has a name");
}

/// Holds the document to RFC 4287's required elements and a few of Trellis's
/// promises (absolute links, newest first, `updated` = newest entry).
fn check_feed(doc: &str, self_url: &str) -> Feed {
    let root = parse(doc);
    assert_eq!(root.name, "feed");
    assert_eq!(root.attr("xmlns"), Some("http://www.w3.org/2005/Atom"));
    assert!(!root.text_of("id").is_empty());
    let _ = root.text_of("title");
    let updated = date(&root.text_of("updated"));
    let links = root.all("link");
    let selfs: Vec<_> = links
        .iter()
        .filter(|l| l.attr("rel") == Some("self"))
        .collect();
    assert_eq!(selfs.len(), 1, "exactly one self link");
    assert_eq!(selfs[0].attr("href"), Some(self_url));
    let alternates: Vec<_> = links
        .iter()
        .filter(|l| l.attr("rel") == Some("alternate"))
        .collect();
    assert_eq!(alternates.len(), 1, "one alternate link of type text/html");
    assert!(alternates[0]
        .attr("href")
        .unwrap()
        .starts_with("http://127.0.0.1:3000/"));
    let feed_authors = root.all("author");
    for a in &feed_authors {
        person_ok(a);
    }

    let entries: Vec<El> = root.all("entry").into_iter().cloned().collect();
    let mut ids = HashSet::new();
    let mut last = i64::MAX;
    for e in &entries {
        let id = e.text_of("id");
        assert!(id.starts_with("tag:127.0.0.1,2026:"), "{id}");
        assert!(ids.insert(id.clone()), "entry id {id} repeated");
        assert!(!e.text_of("title").is_empty());
        let u = date(&e.text_of("updated"));
        assert!(date(&e.text_of("published")) <= u);
        assert!(u <= last, "entries newest first");
        last = u;
        let alt: Vec<_> = e
            .all("link")
            .into_iter()
            .filter(|l| l.attr("rel").unwrap_or("alternate") == "alternate")
            .collect();
        assert!(
            !alt.is_empty() || !e.all("content").is_empty(),
            "an entry has an alternate link or content"
        );
        let authors = e.all("author");
        assert!(
            !authors.is_empty() || !feed_authors.is_empty(),
            "an author on the entry or the feed"
        );
        for a in &authors {
            person_ok(a);
        }
    }
    match entries.first() {
        Some(e) => assert_eq!(updated, date(&e.text_of("updated"))),
        None => assert_eq!(updated, 0, "an empty feed is dated at the epoch"),
    }
    Feed { root, entries }
}

async fn fetch(c: &Client, path: &str) -> Resp {
    let r = c.get(path).await;
    assert_eq!(r.status, 200, "{path}: {}", r.text);
    assert_eq!(r.header("content-type").as_deref(), Some(ATOM), "{path}");
    assert_eq!(
        r.header("cache-control").as_deref(),
        Some("public, max-age=60"),
        "{path}"
    );
    r
}

async fn feed(c: &Client, path: &str) -> Feed {
    let r = fetch(c, path).await;
    check_feed(&r.text, &format!("http://127.0.0.1:3000{path}"))
}

/// Sets a version's publish time (tests publish within one second).
async fn published_at(app: &TestApp, id: &str, version: &str, at: i64) {
    sqlx::query(
        "UPDATE plugin_versions SET published_at = $1 WHERE plugin_id = $2 AND version = $3",
    )
    .bind(at)
    .bind(id)
    .bind(version)
    .execute(app.state.db.pool())
    .await
    .unwrap();
}

fn manifest(id: &str, version: &str, display_name: &str, description: &str) -> String {
    format!(
        "schema_version = 1\n\n[plugin]\nid = \"{id}\"\ndisplay_name = \"{display_name}\"\nversion = \"{version}\"\n\
         kind = \"agent\"\ndescription = \"{description}\"\nlicense = \"MIT\"\napi = \"^1\"\n\n\
         [runtime]\nentry = \"plugin.wasm\"\nexports = [\"run\"]\n\n[permissions]\nnetwork = [\"api.example.com\"]\n"
    )
}

const ODD_NAME: &str = "Hello <&> World";
const ODD_DESCRIPTION: &str = "Says <b>hi</b> & \\\"quotes\\\" 'too'.";

/// Publishes acme.hello (odd name) 0.1.0, 0.2.0, 0.3.0 (yanked) and acme.world
/// 1.0.0, at fixed times: hello 0.1.0, world 1.0.0, hello 0.2.0, hello 0.3.0.
async fn registry_with_two_plugins(app: &TestApp) {
    let (_, t) = publisher(app, "alice", "acme").await;
    for v in ["0.1.0", "0.2.0", "0.3.0"] {
        let pkg = Pkg::new("acme.hello", v).file(
            "plugin.toml",
            manifest("acme.hello", v, ODD_NAME, ODD_DESCRIPTION),
        );
        publish_ok(&t, &pkg).await;
    }
    publish_ok(&t, &Pkg::new("acme.world", "1.0.0")).await;
    let r = send_empty(&t, "PUT", "/api/v1/plugins/acme.hello/versions/0.3.0/yank").await;
    assert_eq!(r.status, 200, "{}", r.text);
    published_at(app, "acme.hello", "0.1.0", T0).await;
    published_at(app, "acme.world", "1.0.0", T0 + 60).await;
    published_at(app, "acme.hello", "0.2.0", T0 + 120).await;
    published_at(app, "acme.hello", "0.3.0", T0 + 180).await;
}

#[tokio::test]
async fn new_plugins_feed_lists_first_publishes_newest_first() {
    let app = TestApp::new().await;
    registry_with_two_plugins(&app).await;
    let f = feed(&app.client(), "/feeds/plugins.atom").await;
    assert_eq!(f.root.text_of("id"), "tag:127.0.0.1,2026:feeds/plugins");
    assert_eq!(
        f.ids(),
        [
            "tag:127.0.0.1,2026:plugin/acme.world",
            "tag:127.0.0.1,2026:plugin/acme.hello"
        ]
    );
    assert_eq!(f.titles(), ["acme.world", ODD_NAME]);
    // A plugin's time is its first publish, not its latest.
    assert_eq!(f.updated(), T0 + 60);
    assert_eq!(date(&f.entries[1].text_of("published")), T0);
    let hello = &f.entries[1];
    assert_eq!(
        hello.text_of("summary"),
        "Says <b>hi</b> & \"quotes\" 'too'."
    );
    assert_eq!(
        hello.one("link").attr("href"),
        Some("http://127.0.0.1:3000/plugins/acme.hello")
    );
    assert_eq!(hello.one("author").text_of("name"), "acme");
    assert_eq!(
        f.root.one("author").one("uri").text,
        "http://127.0.0.1:3000/"
    );
}

#[tokio::test]
async fn updates_feed_lists_versions_newest_first_without_yanked_ones() {
    let app = TestApp::new().await;
    registry_with_two_plugins(&app).await;
    let r = fetch(&app.client(), "/feeds/updates.atom").await;
    // The odd name is escaped in the document, never raw.
    assert!(
        r.text.contains("Hello &lt;&amp;&gt; World 0.2.0"),
        "{}",
        r.text
    );
    assert!(!r.text.contains("<&>"));
    let f = check_feed(&r.text, "http://127.0.0.1:3000/feeds/updates.atom");
    assert_eq!(
        f.titles(),
        [
            format!("{ODD_NAME} 0.2.0"),
            "acme.world 1.0.0".into(),
            format!("{ODD_NAME} 0.1.0")
        ]
    );
    assert_eq!(f.ids()[0], "tag:127.0.0.1,2026:plugin/acme.hello/0.2.0");
    assert_eq!(f.updated(), T0 + 120);
    assert!(f
        .root
        .text_of("subtitle")
        .contains("yanked versions are left out"));
    let first = &f.entries[0];
    assert_eq!(first.one("author").text_of("name"), "acme");
    assert_eq!(first.one("contributor").text_of("name"), "alice");
}

#[tokio::test]
async fn plugin_feed_lists_its_versions_and_marks_yanked_ones() {
    let app = TestApp::new().await;
    registry_with_two_plugins(&app).await;
    let c = app.client();
    let f = feed(&c, "/plugins/acme.hello/versions.atom").await;
    assert_eq!(
        f.root.text_of("id"),
        "tag:127.0.0.1,2026:feeds/plugin/acme.hello"
    );
    assert_eq!(f.root.text_of("title"), format!("{ODD_NAME}: versions"));
    assert_eq!(
        f.titles(),
        [
            format!("{ODD_NAME} 0.3.0 (yanked)"),
            format!("{ODD_NAME} 0.2.0"),
            format!("{ODD_NAME} 0.1.0")
        ]
    );
    assert_eq!(f.entries[0].one("category").attr("term"), Some("yanked"));
    assert!(f.entries[1].all("category").is_empty());
    // The same version is the same entry in the updates feed.
    assert_eq!(f.ids()[1], "tag:127.0.0.1,2026:plugin/acme.hello/0.2.0");
    let alt = f
        .root
        .all("link")
        .into_iter()
        .find(|l| l.attr("rel") == Some("alternate"))
        .unwrap();
    assert_eq!(
        alt.attr("href"),
        Some("http://127.0.0.1:3000/plugins/acme.hello")
    );

    let world = feed(&c, "/plugins/acme.world/versions.atom").await;
    assert_eq!(world.titles(), ["acme.world 1.0.0"]);

    let r = c.get("/plugins/acme.nope/versions.atom").await;
    assert_eq!(r.status, 404, "{}", r.text);
    assert_ne!(r.header("content-type").as_deref(), Some(ATOM));
}

#[tokio::test]
async fn empty_feeds_are_valid_and_dated_at_the_epoch() {
    let app = TestApp::new().await;
    let c = app.client();
    for path in ["/feeds/plugins.atom", "/feeds/updates.atom"] {
        let f = feed(&c, path).await;
        assert!(f.entries.is_empty());
        assert_eq!(f.root.text_of("updated"), "1970-01-01T00:00:00Z");
    }
}

#[tokio::test]
async fn imported_catalogue_entries_are_in_no_feed() {
    let app = TestApp::new().await;
    registry_with_two_plugins(&app).await;
    let line = serde_json::json!({
        "id": "folke/lazy.nvim", "name": "lazy.nvim", "summary": "A plugin manager.",
        "author": "someone", "categories": [], "tags": [], "repository": null,
        "downloads_total": null, "source": "example/awesome-list",
        "versions": [{"version": "1.0.0", "downloads": 10}],
    })
    .to_string();
    let opts = ImportOptions {
        namespace: "catalogue".into(),
        demo: true,
        owner: None,
    };
    let summary = import::import(&app.state, line.as_bytes(), &opts)
        .await
        .unwrap();
    let c = app.client();
    let plugins = feed(&c, "/feeds/plugins.atom").await;
    assert_eq!(plugins.entries.len(), 2, "{summary:?}");
    let updates = feed(&c, "/feeds/updates.atom").await;
    assert_eq!(updates.entries.len(), 3);
    assert!(updates.ids().iter().all(|id| id.contains("plugin/acme.")));

    // The imported plugin's own feed exists and is empty.
    let id = sqlx::query_scalar::<_, String>("SELECT id FROM plugins WHERE source IS NOT NULL")
        .fetch_one(app.state.db.pool())
        .await
        .unwrap();
    let own = feed(&c, &format!("/plugins/{id}/versions.atom")).await;
    assert!(own.entries.is_empty());
}

#[tokio::test]
async fn feeds_answer_304_to_a_reader_that_holds_them_and_drop_forbidden_characters() {
    let app = TestApp::new().await;
    registry_with_two_plugins(&app).await;
    let c = app.client();
    let r = fetch(&c, "/feeds/updates.atom").await;
    let tag = r.header("etag").expect("an ETag");
    let again = c
        .send(
            Request::get("/feeds/updates.atom")
                .header(header::IF_NONE_MATCH, &tag)
                .body(Body::empty())
                .unwrap(),
        )
        .await;
    assert_eq!(again.status, 304);
    assert!(again.bytes.is_empty());
    assert_eq!(again.header("etag"), Some(tag.clone()));

    // Text from the database that XML cannot carry (a manifest cannot hold it,
    // an older row or a direct edit could): dropped, the rest kept.
    sqlx::query("UPDATE plugins SET description = $1 WHERE id = $2")
        .bind("bell\u{7}\u{1b}[0m and\u{FFFF} nul-free")
        .bind("acme.world")
        .execute(app.state.db.pool())
        .await
        .unwrap();
    let r = fetch(&c, "/feeds/updates.atom").await;
    assert_ne!(r.header("etag"), Some(tag), "a changed feed, a new tag");
    let f = check_feed(&r.text, "http://127.0.0.1:3000/feeds/updates.atom");
    assert_eq!(f.entries[1].text_of("summary"), "bell[0m and nul-free");
}

#[test]
fn escaping_drops_what_xml_forbids_and_dates_are_rfc3339() {
    use trellis_server::feeds::{escape_into, rfc3339};
    let escaped = |s: &str| {
        let mut x = String::new();
        escape_into(&mut x, s);
        x
    };
    assert_eq!(
        escaped("a <b> & \"c\" 'd'"),
        "a &lt;b&gt; &amp; &quot;c&quot; &apos;d&apos;"
    );
    assert_eq!(escaped("x\u{0}\u{1b}y\u{FFFF}\tz\r\n"), "xy\tz&#13;\n");
    assert_eq!(
        escaped("h\u{e9}llo \u{2713} \u{1F980}"),
        "h\u{e9}llo \u{2713} \u{1F980}"
    );
    assert_eq!(rfc3339(0), "1970-01-01T00:00:00Z");
    assert_eq!(rfc3339(T0), "2026-01-01T00:00:00Z");
    assert_eq!(rfc3339(i64::MAX), "1970-01-01T00:00:00Z");
}

#[test]
fn the_xml_reader_refuses_what_xml_forbids() {
    for bad in [
        "<feed><title>a <&> b</title></feed>",
        "<feed><title>a & b</title></feed>",
        "<feed><title>&nbsp;</title></feed>",
        "<feed><title>x</feed>",
        "<feed a=b/>",
        "<feed a=\"1\" a=\"2\"/>",
        "<feed>\u{1}</feed>",
        "<feed/><feed/>",
    ] {
        let refused = std::panic::catch_unwind(|| parse(bad)).is_err();
        assert!(refused, "accepted {bad:?}");
    }
    let ok = parse("<?xml version=\"1.0\"?>\n<feed x='1'><t>&lt;&amp;&gt;&#13;&#x41;</t></feed>");
    assert_eq!(ok.text_of("t"), "<&>\rA");
}
