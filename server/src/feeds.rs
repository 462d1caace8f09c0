//! Atom feeds (RFC 4287) of the registry, public and without a session:
//!
//! - `/feeds/plugins.atom`: the 50 plugins first published most recently;
//! - `/feeds/updates.atom`: the 50 versions published most recently, across
//!   every plugin (yanked versions left out, as its subtitle says);
//! - `/plugins/{id}/versions.atom`: one plugin's newest 50 versions, yanked
//!   ones marked (title suffix and a `yanked` category); `404` for an unknown
//!   plugin (a problem+json body, like the API's).
//!
//! What they list comes from `trellis_platform::registry::feeds`, which says
//! why catalogue entries imported without a package (the demo seed, `trellis
//! import`) are in none of them. This module only writes the XML, by hand:
//! every text and attribute is escaped (`&`, `<`, `>`, `"`, `'`) and loses the
//! characters XML 1.0 forbids (control characters but tab and line feed, a
//! carriage return kept as `&#13;`, U+FFFE, U+FFFF).
//!
//! Feed and entry ids are `tag:` URIs (RFC 4151) under the host of
//! `public_url`, so they stay the same when the scheme or port changes:
//! `tag:<host>,2026:plugin/<id>` (a plugin in the new-plugins feed),
//! `tag:<host>,2026:plugin/<id>/<version>` (a version, the same entry in the
//! updates feed and in its plugin's feed). Links are absolute, under
//! `public_url`. Every feed has an `author` (the instance), so every entry has
//! one even where its own (the namespace) were missing; `updated` is the
//! newest entry's time, or the Unix epoch for an empty feed.
//!
//! Answers carry `Cache-Control: public, max-age=60` and a strong `ETag` (the
//! hash `middleware::etag` uses), and a `GET` whose `If-None-Match` names it
//! gets `304`. The routes sit outside the session, CSRF and page-cache layers,
//! like `/healthz`: they read no session and change nothing.

use axum::extract::{Path, State};
use axum::http::header::{CACHE_CONTROL, CONTENT_TYPE, ETAG, IF_NONE_MATCH};
use axum::http::{HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::Router;
use time::format_description::well_known::Rfc3339;
use time::OffsetDateTime;
use trellis_platform::registry::feeds;
use trellis_platform::AppState;

use crate::api::problem::ApiError;
use crate::middleware::etag;
use crate::state::ServerState;

/// The media type of every feed.
pub const ATOM_CONTENT_TYPE: &str = "application/atom+xml; charset=utf-8";
/// How long a reader or a shared cache may keep a feed.
const CACHE: &str = "public, max-age=60";
/// The date of the `tag:` URIs (RFC 4151: a date the authority held the name).
const TAG_DATE: &str = "2026";

/// The feed routes (merged into the application router, outside the session layer).
pub fn routes() -> Router<ServerState> {
    Router::new()
        .route("/feeds/plugins.atom", get(new_plugins))
        .route("/feeds/updates.atom", get(updates))
        .route("/plugins/{id}/versions.atom", get(plugin_versions))
}

/// `GET /feeds/plugins.atom`.
pub async fn new_plugins(
    State(state): State<AppState>,
    headers: HeaderMap,
) -> Result<Response, ApiError> {
    let rows = feeds::new_plugins(&state).await?;
    let site = Site::of(&state);
    let entries = rows
        .into_iter()
        .map(|p| Entry {
            id: site.tag(&format!("plugin/{}", p.id)),
            title: p.display_name,
            updated: p.first_published_at,
            published: p.first_published_at,
            link: site.plugin_page(&p.id),
            summary: p.description,
            author: site.namespace_author(&p.namespace),
            contributor: None,
            categories: Vec::new(),
        })
        .collect();
    let feed = Feed {
        id: site.tag("feeds/plugins"),
        title: "New plugins".into(),
        subtitle: format!(
            "The {} plugins first published on {} most recently, newest first.",
            feeds::FEED_ENTRIES,
            site.host
        ),
        self_url: site.url("/feeds/plugins.atom"),
        alternate: site.url("/search?sort=newest"),
        entries,
    };
    Ok(answer(&headers, feed.render(&site)))
}

/// `GET /feeds/updates.atom`.
pub async fn updates(
    State(state): State<AppState>,
    headers: HeaderMap,
) -> Result<Response, ApiError> {
    let rows = feeds::updates(&state).await?;
    let site = Site::of(&state);
    let entries = rows
        .into_iter()
        .map(|v| Entry {
            id: site.tag(&format!("plugin/{}/{}", v.plugin_id, v.version)),
            title: format!("{} {}", v.display_name, v.version),
            updated: v.published_at,
            published: v.published_at,
            link: site.plugin_page(&v.plugin_id),
            summary: v.description,
            author: site.namespace_author(&v.namespace),
            contributor: v.published_by,
            categories: v.prerelease.then_some("prerelease").into_iter().collect(),
        })
        .collect();
    let feed = Feed {
        id: site.tag("feeds/updates"),
        title: "Plugin updates".into(),
        subtitle: format!(
            "The {} versions published on {} most recently, newest first; yanked versions are left out.",
            feeds::FEED_ENTRIES,
            site.host
        ),
        self_url: site.url("/feeds/updates.atom"),
        alternate: site.url("/search?sort=updated"),
        entries,
    };
    Ok(answer(&headers, feed.render(&site)))
}

/// `GET /plugins/{id}/versions.atom`.
pub async fn plugin_versions(
    State(state): State<AppState>,
    Path(id): Path<String>,
    headers: HeaderMap,
) -> Result<Response, ApiError> {
    let (plugin, versions) = feeds::plugin_versions(&state, &id).await?;
    let site = Site::of(&state);
    let entries = versions
        .into_iter()
        .map(|v| {
            let mut categories = Vec::new();
            if v.prerelease {
                categories.push("prerelease");
            }
            if v.yanked {
                categories.push("yanked");
            }
            Entry {
                id: site.tag(&format!("plugin/{}/{}", plugin.id, v.version)),
                title: if v.yanked {
                    format!("{} {} (yanked)", plugin.display_name, v.version)
                } else {
                    format!("{} {}", plugin.display_name, v.version)
                },
                updated: v.published_at,
                published: v.published_at,
                link: site.plugin_page(&plugin.id),
                summary: plugin.description.clone(),
                author: site.namespace_author(&plugin.namespace),
                contributor: v.published_by,
                categories,
            }
        })
        .collect();
    let feed = Feed {
        id: site.tag(&format!("feeds/plugin/{}", plugin.id)),
        title: format!("{}: versions", plugin.display_name),
        subtitle: format!(
            "The newest {} versions of {} published on {}, newest first; yanked versions are marked.",
            feeds::FEED_ENTRIES,
            plugin.id,
            site.host
        ),
        self_url: site.url(&format!("/plugins/{}/versions.atom", plugin.id)),
        alternate: site.plugin_page(&plugin.id),
        entries,
    };
    Ok(answer(&headers, feed.render(&site)))
}

/// The feed with its caching headers, or `304` when the reader holds it.
fn answer(headers: &HeaderMap, body: String) -> Response {
    let tag = etag::tag_of(body.as_bytes());
    let tag_value = HeaderValue::from_str(&tag).expect("hex is a valid header value");
    let held = headers
        .get(IF_NONE_MATCH)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|h| etag::matches(h, &tag));
    let mut res = if held {
        StatusCode::NOT_MODIFIED.into_response()
    } else {
        (
            [(CONTENT_TYPE, HeaderValue::from_static(ATOM_CONTENT_TYPE))],
            body,
        )
            .into_response()
    };
    let h = res.headers_mut();
    h.insert(ETAG, tag_value);
    h.insert(CACHE_CONTROL, HeaderValue::from_static(CACHE));
    res
}

/// Where the instance is: its public URL (no trailing slash) and host.
struct Site {
    base: String,
    host: String,
}

impl Site {
    fn of(state: &AppState) -> Site {
        let url = &state.config.public_url;
        Site {
            base: url.as_str().trim_end_matches('/').to_owned(),
            host: url.host_str().unwrap_or("localhost").to_owned(),
        }
    }

    /// An absolute URL of a path on this instance.
    fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    fn plugin_page(&self, id: &str) -> String {
        self.url(&format!("/plugins/{id}"))
    }

    /// A `tag:` URI under this instance's host.
    fn tag(&self, specific: &str) -> String {
        format!("tag:{},{TAG_DATE}:{specific}", self.host)
    }

    /// The author of a plugin's entries: its namespace, with its page.
    fn namespace_author(&self, namespace: &str) -> Person {
        Person {
            name: namespace.to_owned(),
            uri: Some(self.url(&format!("/namespaces/{namespace}"))),
        }
    }
}

/// An Atom person construct.
struct Person {
    name: String,
    uri: Option<String>,
}

/// One `atom:entry`.
struct Entry {
    id: String,
    title: String,
    /// Unix seconds.
    updated: i64,
    /// Unix seconds.
    published: i64,
    /// The `alternate` link (the plugin's page).
    link: String,
    summary: String,
    author: Person,
    /// The publisher of a version, when known.
    contributor: Option<String>,
    /// `atom:category` terms.
    categories: Vec<&'static str>,
}

/// One `atom:feed`; its entries newest first.
struct Feed {
    id: String,
    title: String,
    subtitle: String,
    self_url: String,
    /// The HTML page this feed follows.
    alternate: String,
    entries: Vec<Entry>,
}

impl Feed {
    fn render(&self, site: &Site) -> String {
        let updated = self.entries.iter().map(|e| e.updated).max().unwrap_or(0);
        let mut x = String::with_capacity(1024 + 768 * self.entries.len());
        x.push_str("<?xml version=\"1.0\" encoding=\"utf-8\"?>\n");
        x.push_str("<feed xmlns=\"http://www.w3.org/2005/Atom\">\n");
        element(&mut x, 1, "id", &self.id);
        element(&mut x, 1, "title", &self.title);
        element(&mut x, 1, "subtitle", &self.subtitle);
        element(&mut x, 1, "updated", &rfc3339(updated));
        link(&mut x, 1, "self", ATOM_CONTENT_TYPE_BARE, &self.self_url);
        link(&mut x, 1, "alternate", "text/html", &self.alternate);
        person(
            &mut x,
            1,
            "author",
            &Person {
                name: format!("Trellis at {}", site.host),
                uri: Some(site.url("/")),
            },
        );
        element(&mut x, 1, "generator", "Trellis");
        for e in &self.entries {
            x.push_str("  <entry>\n");
            element(&mut x, 2, "id", &e.id);
            element(&mut x, 2, "title", &e.title);
            element(&mut x, 2, "updated", &rfc3339(e.updated));
            element(&mut x, 2, "published", &rfc3339(e.published));
            link(&mut x, 2, "alternate", "text/html", &e.link);
            person(&mut x, 2, "author", &e.author);
            if let Some(c) = &e.contributor {
                person(
                    &mut x,
                    2,
                    "contributor",
                    &Person {
                        name: c.clone(),
                        uri: None,
                    },
                );
            }
            for term in &e.categories {
                x.push_str("    <category term=\"");
                escape_into(&mut x, term);
                x.push_str("\"/>\n");
            }
            if !e.summary.is_empty() {
                element(&mut x, 2, "summary", &e.summary);
            }
            x.push_str("  </entry>\n");
        }
        x.push_str("</feed>\n");
        x
    }
}

/// The media type in a `link`'s `type` (no parameters).
const ATOM_CONTENT_TYPE_BARE: &str = "application/atom+xml";

fn indent(x: &mut String, depth: usize) {
    for _ in 0..depth {
        x.push_str("  ");
    }
}

/// `<name>text</name>` on a line of its own.
fn element(x: &mut String, depth: usize, name: &str, text: &str) {
    indent(x, depth);
    x.push('<');
    x.push_str(name);
    x.push('>');
    escape_into(x, text);
    x.push_str("</");
    x.push_str(name);
    x.push_str(">\n");
}

fn link(x: &mut String, depth: usize, rel: &str, media_type: &str, href: &str) {
    indent(x, depth);
    x.push_str("<link rel=\"");
    escape_into(x, rel);
    x.push_str("\" type=\"");
    escape_into(x, media_type);
    x.push_str("\" href=\"");
    escape_into(x, href);
    x.push_str("\"/>\n");
}

fn person(x: &mut String, depth: usize, tag: &str, p: &Person) {
    indent(x, depth);
    x.push('<');
    x.push_str(tag);
    x.push_str(">\n");
    element(x, depth + 1, "name", &p.name);
    if let Some(uri) = &p.uri {
        element(x, depth + 1, "uri", uri);
    }
    indent(x, depth);
    x.push_str("</");
    x.push_str(tag);
    x.push_str(">\n");
}

/// Appends `s` as XML character data (also safe in a double- or single-quoted
/// attribute), leaving out what XML 1.0 does not allow.
pub fn escape_into(x: &mut String, s: &str) {
    for c in s.chars() {
        match c {
            '&' => x.push_str("&amp;"),
            '<' => x.push_str("&lt;"),
            '>' => x.push_str("&gt;"),
            '"' => x.push_str("&quot;"),
            '\'' => x.push_str("&apos;"),
            // A parser would turn a bare one into a line feed.
            '\r' => x.push_str("&#13;"),
            '\t' | '\n' => x.push(c),
            c if (c as u32) < 0x20 => {}
            '\u{FFFE}' | '\u{FFFF}' => {}
            c => x.push(c),
        }
    }
}

/// Unix seconds as an RFC 3339 date-time in UTC (the epoch if out of range).
pub fn rfc3339(secs: i64) -> String {
    OffsetDateTime::from_unix_timestamp(secs)
        .ok()
        .and_then(|t| t.format(&Rfc3339).ok())
        .unwrap_or_else(|| "1970-01-01T00:00:00Z".to_owned())
}
