//! Reviews from the UI: the plugin page's reviews section (rating summary,
//! a page of reviews in the chosen order and version, what the signed-in
//! viewer did among them) and every review action, each a server function
//! an `ActionForm` posts to: write, change and delete one's own review, mark
//! others' helpful (and take it back), report them; the publisher's reply
//! (posted from the dashboard) and its removal.
//!
//! Each action ends with a redirect to the page that shows its outcome, with a
//! `done=` marker (the plugin page keeps the list's sort, version and page from
//! the form's `back` field): the forms are plain posts. A refusal answers with
//! the service's error and saves nothing; the review form comes back with what
//! was typed (see [`keep_draft`]).

// The review form's server functions take one argument per form field (the
// browser build's generated callers too, which an item attribute does not reach).
#![allow(clippy::too_many_arguments)]

use leptos::prelude::*;
use serde::{Deserialize, Serialize};
use trellis_types::{RatingOut, ReviewOut};

use crate::components::query::enc;
use crate::error::UiError;

/// Reviews on one page of the plugin page's list.
pub const PAGE_SIZE: i64 = 10;

/// The list orders, as the URL names them, with their labels.
pub const SORTS: [(&str, &str); 4] = [
    ("helpful", "Most helpful"),
    ("newest", "Newest"),
    ("highest", "Highest rated"),
    ("lowest", "Lowest rated"),
];

/// Report reasons, as the service names them, with their labels.
pub const REASONS: [(&str, &str); 4] = [
    ("spam", "Spam or advertising"),
    ("abuse", "Abusive or offensive"),
    ("off_topic", "Not about this plugin"),
    ("other", "Something else"),
];

/// What the signed-in viewer has to do with the plugin's reviews.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ViewerData {
    pub username: String,
    /// A member of the plugin's namespace: may not review, may reply (from the dashboard).
    pub publisher: bool,
    /// Their own review, if they wrote one.
    pub own: Option<ReviewOut>,
    /// Reviews on this page they marked helpful.
    pub voted: Vec<i64>,
    /// Reviews on this page they reported.
    pub reported: Vec<i64>,
}

/// What the plugin page's reviews section shows.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ReviewsData {
    pub plugin: String,
    /// Of the chosen version, or of every version.
    pub rating: RatingOut,
    pub reviews: Vec<ReviewOut>,
    /// Whether a next page exists.
    pub more: bool,
    /// 1-based.
    pub page: i64,
    /// One of [`SORTS`].
    pub sort: String,
    /// The version filter, if any.
    pub version: Option<String>,
    /// The packaged versions, highest first (a listing has none and cannot be reviewed).
    pub versions: Vec<String>,
    /// The version a new review names unless another is picked.
    pub default_version: Option<String>,
    pub api_versions: Vec<String>,
    /// `None` when signed out.
    pub viewer: Option<ViewerData>,
}

/// The list's state in the URL: `sort`, `version`, `page`, each kept only
/// when it is well formed and not the default.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ListQuery {
    pub sort: Option<String>,
    pub version: Option<String>,
    pub page: Option<i64>,
}

impl ListQuery {
    /// Reads the three parameters, dropping what is malformed.
    pub fn parse<'a>(pairs: impl IntoIterator<Item = (&'a str, &'a str)>) -> ListQuery {
        let mut q = ListQuery::default();
        for (k, v) in pairs {
            match k {
                "sort" if SORTS.iter().any(|(s, _)| *s == v) && v != "helpful" => {
                    q.sort = Some(v.to_owned())
                }
                "version" if is_version_text(v) => q.version = Some(v.to_owned()),
                "page" => q.page = v.parse().ok().filter(|p| (2..=10_000).contains(p)),
                _ => {}
            }
        }
        q
    }

    /// `sort=…&version=…&page=…` (only what is set; may be empty).
    pub fn to_query(&self) -> String {
        let mut parts = Vec::new();
        if let Some(s) = &self.sort {
            parts.push(format!("sort={}", enc(s)));
        }
        if let Some(v) = &self.version {
            parts.push(format!("version={}", enc(v)));
        }
        if let Some(p) = self.page {
            parts.push(format!("page={p}"));
        }
        parts.join("&")
    }
}

/// Whether `v` looks like a version a plugin could have (SemVer characters, short).
fn is_version_text(v: &str) -> bool {
    !v.is_empty()
        && v.len() <= 64
        && v.bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'-' | b'+'))
}

/// The list's state kept in a form's `back` field (what is well formed of it).
fn list_of(back: Option<&str>) -> String {
    back.map(|b| ListQuery::parse(form_pairs(b).iter().map(|(k, v)| (k.as_str(), v.as_str()))))
        .unwrap_or_default()
        .to_query()
}

/// The plugin page with `done=` (and the list's state from `back`), at its reviews.
pub fn plugin_href(plugin: &str, back: Option<&str>, done: &str) -> String {
    let list = list_of(back);
    let sep = if list.is_empty() { "" } else { "&" };
    format!("/plugins/{}?{list}{sep}done={done}#reviews", enc(plugin))
}

/// The pairs of an `application/x-www-form-urlencoded` text.
pub fn form_pairs(s: &str) -> Vec<(String, String)> {
    fn dec(s: &str) -> String {
        let s = s.replace('+', " ");
        let b = s.as_bytes();
        let mut out = Vec::with_capacity(b.len());
        let mut i = 0;
        while i < b.len() {
            if b[i] == b'%' && i + 2 < b.len() {
                if let Ok(x) = u8::from_str_radix(&s[i + 1..i + 3], 16) {
                    out.push(x);
                    i += 3;
                    continue;
                }
            }
            out.push(b[i]);
            i += 1;
        }
        String::from_utf8_lossy(&out).into_owned()
    }
    s.trim_start_matches('?')
        .split('&')
        .filter(|p| !p.is_empty())
        .map(|p| {
            let (k, v) = p.split_once('=').unwrap_or((p, ""));
            (dec(k), dec(v))
        })
        .collect()
}

/// The reviews section's data: the summary, a page of reviews in `sort` order
/// (of `version` when given), and, for a signed-in viewer, what they did.
#[server]
pub async fn plugin_reviews(
    id: String,
    sort: Option<String>,
    version: Option<String>,
    page: Option<i64>,
) -> Result<ReviewsData, UiError> {
    use trellis_db::reviews::Sort;
    let state = super::ssr::state()?;
    let sort_name = sort
        .filter(|s| SORTS.iter().any(|(n, _)| n == s))
        .unwrap_or_else(|| "helpful".into());
    let order = match sort_name.as_str() {
        "newest" => Sort::Newest,
        "highest" => Sort::Highest,
        "lowest" => Sort::Lowest,
        _ => Sort::Helpful,
    };
    let version = version.filter(|v| is_version_text(v));
    let page = page.unwrap_or(1).clamp(1, 10_000);
    let offset = (page - 1) * PAGE_SIZE;
    let rating = trellis_reviews::rating(&state, &id, version.as_deref()).await?;
    let mut reviews = trellis_reviews::list(
        &state,
        &id,
        version.as_deref(),
        order,
        offset,
        PAGE_SIZE + 1,
    )
    .await?;
    let more = reviews.len() as i64 > PAGE_SIZE;
    reviews.truncate(PAGE_SIZE as usize);
    let all = trellis_platform::registry::plugins::list_versions(&state, &id).await?;
    let versions: Vec<String> = all
        .iter()
        .filter(|v| !v.imported)
        .map(|v| v.version.clone())
        .collect();
    let default_version = all
        .iter()
        .find(|v| !v.imported && !v.yanked && !v.prerelease)
        .or_else(|| all.iter().find(|v| !v.imported && !v.yanked))
        .map(|v| v.version.clone());
    let s = super::ssr::session().await?;
    let viewer = match trellis_platform::session::current_user(&state, &s).await? {
        Some(user) => {
            let actor = trellis_platform::Actor::session(user, None);
            let ids: Vec<i64> = reviews.iter().map(|r| r.id).collect();
            let v = trellis_reviews::dashboard::viewer(&state, &actor, &id, &ids).await?;
            Some(ViewerData {
                username: actor.user.username.clone(),
                publisher: v.publisher,
                own: v.own,
                voted: v.voted,
                reported: v.reported,
            })
        }
        None => None,
    };
    Ok(ReviewsData {
        plugin: rating.plugin.clone(),
        rating,
        reviews,
        more,
        page,
        sort: sort_name,
        version,
        versions,
        default_version,
        api_versions: trellis_reviews::dashboard::api_versions()
            .iter()
            .map(|v| (*v).to_owned())
            .collect(),
        viewer,
    })
}

/// Whether this request is a plain form post (no JavaScript): it accepts HTML.
#[cfg(feature = "ssr")]
pub(crate) fn is_form_post() -> bool {
    use_context::<http::request::Parts>().is_some_and(|parts| {
        parts
            .headers
            .get(http::header::ACCEPT)
            .and_then(|v| v.to_str().ok())
            .is_some_and(|v| v.contains("text/html"))
    })
}

/// Redirects to `href`; its `#fragment` (which brings the browser back to the
/// right section) only for a plain form post, as a script's call does not
/// take one.
#[cfg(feature = "ssr")]
pub(crate) fn go(href: &str) {
    if is_form_post() {
        leptos_axum::redirect(href);
    } else {
        leptos_axum::redirect(href.split('#').next().unwrap_or(href));
    }
}

/// Stars from the radio buttons (none picked: 0, which the service refuses
/// with a field error on `stars`).
#[cfg(feature = "ssr")]
fn stars_of(stars: Option<String>) -> i64 {
    stars.and_then(|s| s.trim().parse().ok()).unwrap_or(0)
}

/// A refused review form (a plain post) comes back with what was typed: the
/// redirect to the page carries the fields (`draft_*`) besides the error
/// (`__err`, which the page shows as fixed text).
#[cfg(feature = "ssr")]
fn keep_draft<S>(plugin: &str, back: Option<&str>, fields: &[(&str, &str)], e: UiError) -> UiError
where
    S: leptos::server_fn::ServerFn<Error = UiError>,
{
    use leptos::server_fn::error::ServerFnUrlError;
    let Some(parts) = use_context::<http::request::Parts>() else {
        return e;
    };
    let form_post = is_form_post();
    let referer = parts
        .headers
        .get(http::header::REFERER)
        .and_then(|v| v.to_str().ok())
        .and_then(|r| r.find("/plugins/").map(|i| r[..i].to_owned()));
    let (true, Some(origin)) = (form_post, referer) else {
        return e;
    };
    let list = list_of(back);
    let sep = if list.is_empty() { "" } else { "&" };
    let mut url = format!("{origin}/plugins/{}?{list}{sep}", enc(plugin));
    let drafts: Vec<String> = fields
        .iter()
        .filter(|(_, v)| !v.is_empty())
        .map(|(k, v)| format!("draft_{k}={}", enc(v)))
        .collect();
    url.push_str(&drafts.join("&"));
    if let Ok(with_err) = ServerFnUrlError::new(S::PATH, e.clone()).to_url(&url) {
        leptos_axum::redirect(&format!("{with_err}#write-review"));
    }
    e
}

/// Writes the signed-in user's review of `plugin`.
#[server]
pub async fn create_review(
    plugin: String,
    stars: Option<String>,
    title: String,
    text: String,
    version: Option<String>,
    api_version: Option<String>,
    back: Option<String>,
) -> Result<(), UiError> {
    use super::ssr::*;
    let state = state()?;
    let s = session().await?;
    let actor = require_actor(&state, &s).await?;
    let draft_stars = stars.clone().unwrap_or_default();
    let input = trellis_types::ReviewIn {
        stars: stars_of(stars),
        title: title.clone(),
        text: text.clone(),
        version: version.clone().filter(|v| !v.is_empty()),
        api_version: api_version.clone().filter(|v| !v.is_empty()),
    };
    match trellis_reviews::create(&state, &actor, &plugin, input).await {
        Ok(_) => {
            go(&plugin_href(&plugin, back.as_deref(), "reviewed"));
            Ok(())
        }
        Err(e) => {
            let fields = [
                ("stars", draft_stars.as_str()),
                ("title", title.as_str()),
                ("text", text.as_str()),
                ("version", version.as_deref().unwrap_or("")),
                ("api_version", api_version.as_deref().unwrap_or("")),
            ];
            Err(keep_draft::<CreateReview>(
                &plugin,
                back.as_deref(),
                &fields,
                e.into(),
            ))
        }
    }
}

/// Saves the edit form of the user's own review `review_id`.
#[server]
pub async fn update_review(
    plugin: String,
    review_id: i64,
    stars: Option<String>,
    title: String,
    text: String,
    version: Option<String>,
    api_version: Option<String>,
    back: Option<String>,
) -> Result<(), UiError> {
    use super::ssr::*;
    let state = state()?;
    let s = session().await?;
    let actor = require_actor(&state, &s).await?;
    let draft_stars = stars.clone().unwrap_or_default();
    let patch = trellis_types::ReviewPatch {
        stars: Some(stars_of(stars)),
        title: Some(title.clone()),
        text: Some(text.clone()),
        version: version.clone().filter(|v| !v.is_empty()),
        // An empty choice removes the API version.
        api_version: Some(api_version.clone().unwrap_or_default()),
    };
    match trellis_reviews::update(&state, &actor, &plugin, review_id, patch).await {
        Ok(_) => {
            go(&plugin_href(&plugin, back.as_deref(), "review_saved"));
            Ok(())
        }
        Err(e) => {
            let fields = [
                ("edit", "1"),
                ("stars", draft_stars.as_str()),
                ("title", title.as_str()),
                ("text", text.as_str()),
                ("version", version.as_deref().unwrap_or("")),
                ("api_version", api_version.as_deref().unwrap_or("")),
            ];
            Err(keep_draft::<UpdateReview>(
                &plugin,
                back.as_deref(),
                &fields,
                e.into(),
            ))
        }
    }
}

/// Deletes the user's own review `review_id`, once `confirm` is ticked.
#[server]
pub async fn delete_review(
    plugin: String,
    review_id: i64,
    confirm: Option<String>,
    back: Option<String>,
) -> Result<(), UiError> {
    use super::ssr::*;
    let state = state()?;
    let s = session().await?;
    let actor = require_actor(&state, &s).await?;
    if confirm.is_none() {
        return Err(trellis_platform::AppError::field(
            trellis_types::ErrorCode::ValidationFailed,
            "confirm",
            "required",
            "Tick the box to confirm the deletion.",
        )
        .into());
    }
    trellis_reviews::delete(&state, &actor, &plugin, review_id).await?;
    go(&plugin_href(&plugin, back.as_deref(), "review_deleted"));
    Ok(())
}

/// Marks review `review_id` helpful (`helpful = true`) or takes the mark back.
#[server]
pub async fn set_helpful(
    plugin: String,
    review_id: i64,
    helpful: bool,
    back: Option<String>,
) -> Result<(), UiError> {
    use super::ssr::*;
    let state = state()?;
    let s = session().await?;
    let actor = require_actor(&state, &s).await?;
    let done = if helpful {
        trellis_reviews::vote(&state, &actor, &plugin, review_id).await?;
        "voted"
    } else {
        trellis_reviews::unvote(&state, &actor, &plugin, review_id).await?;
        "unvoted"
    };
    go(&plugin_href(&plugin, back.as_deref(), done));
    Ok(())
}

/// Reports review `review_id` to the admins.
#[server]
pub async fn report_review(
    plugin: String,
    review_id: i64,
    reason: Option<String>,
    text: Option<String>,
    back: Option<String>,
) -> Result<(), UiError> {
    use super::ssr::*;
    let state = state()?;
    let s = session().await?;
    let actor = require_actor(&state, &s).await?;
    let input = trellis_types::ReportIn {
        reason: reason.unwrap_or_default(),
        text: text.filter(|t| !t.trim().is_empty()),
    };
    trellis_reviews::report(&state, &actor, &plugin, review_id, input).await?;
    go(&plugin_href(&plugin, back.as_deref(), "reported"));
    Ok(())
}

/// The dashboard page of `plugin` with `done=`, at review `review_id`.
pub fn dashboard_review_href(plugin: &str, done: &str) -> String {
    format!("/dashboard/plugins/{}?done={done}#reviews", enc(plugin))
}

/// Replies to review `review_id` (or changes the reply), as a member of the
/// plugin's namespace; back to the plugin's dashboard page.
#[server]
pub async fn reply_to_review(plugin: String, review_id: i64, text: String) -> Result<(), UiError> {
    use super::ssr::*;
    let state = state()?;
    let s = session().await?;
    let actor = require_actor(&state, &s).await?;
    let input = trellis_types::ReplyIn { text };
    trellis_reviews::reply(&state, &actor, &plugin, review_id, input).await?;
    go(&dashboard_review_href(&plugin, "replied"));
    Ok(())
}

/// Removes the reply to review `review_id`.
#[server]
pub async fn delete_review_reply(plugin: String, review_id: i64) -> Result<(), UiError> {
    use super::ssr::*;
    let state = state()?;
    let s = session().await?;
    let actor = require_actor(&state, &s).await?;
    trellis_reviews::delete_reply(&state, &actor, &plugin, review_id).await?;
    go(&dashboard_review_href(&plugin, "reply_deleted"));
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_list_query_keeps_only_what_is_well_formed() {
        let q = ListQuery::parse([
            ("sort", "newest"),
            ("version", "1.2.0-beta.1"),
            ("page", "3"),
            ("evil", "x"),
        ]);
        assert_eq!(q.to_query(), "sort=newest&version=1.2.0-beta.1&page=3");
        let bad = ListQuery::parse([("sort", "drop"), ("version", "1<2"), ("page", "0")]);
        assert_eq!(bad, ListQuery::default());
        assert_eq!(
            plugin_href("acme.kanban", Some("sort=lowest&page=2&x=%3Cs%3E"), "voted"),
            "/plugins/acme.kanban?sort=lowest&page=2&done=voted#reviews"
        );
        assert_eq!(
            plugin_href("acme.kanban", None, "reviewed"),
            "/plugins/acme.kanban?done=reviewed#reviews"
        );
    }

    #[test]
    fn form_text_is_decoded() {
        assert_eq!(
            form_pairs("?a=1+2&b=%C3%A9%2"),
            vec![("a".into(), "1 2".into()), ("b".into(), "é%2".into())]
        );
    }
}
