//! `trellis_read` (permission `read_registry`): read-only access to public
//! registry data, exactly what an anonymous visitor sees on the API. It goes
//! through the platform's public read services (`registry::plugins` for
//! plugins and versions, `trellis_reviews` for reviews, viewer `None`), so a
//! review a moderator hid is `not_found`; a plugin a moderator delisted is
//! `not_found` here too (with its versions and reviews), and nothing about
//! users but the public author name of a review is ever answered.
//!
//! Inputs:
//! - `{"what": "plugin", "plugin": "acme.kanban"}`
//! - `{"what": "version", "plugin": "acme.kanban", "version": "1.2.0"}`
//! - `{"what": "review", "id": 17}`
//!
//! Not found is the error code `not_found`, which a plugin may handle.

use serde_json::{json, Value};
use trellis_platform::registry::plugins as registry;
use trellis_platform::AppError;
use trellis_types::ErrorCode;

use super::functions::{require, Fail};
use super::CallCtx;

/// README text answered at most (characters).
const MAX_README: usize = 64 * 1024;
/// Changelog text answered at most (characters).
const MAX_CHANGELOG: usize = 64 * 1024;

pub(super) fn read(ctx: &CallCtx, input: Value) -> Result<Value, Fail> {
    require(ctx, "read_registry")?;
    match input.get("what").and_then(Value::as_str) {
        Some("plugin") => plugin(ctx, text(&input, "plugin")?),
        Some("version") => version(ctx, text(&input, "plugin")?, text(&input, "version")?),
        Some("review") => {
            let id = input.get("id").and_then(Value::as_i64).ok_or_else(|| {
                Fail::Error("bad_input", "`id` must be a review id (an integer)".into())
            })?;
            review(ctx, id)
        }
        _ => Err(Fail::Error(
            "bad_input",
            "`what` is `plugin`, `version` or `review`".into(),
        )),
    }
}

fn text(input: &Value, name: &str) -> Result<String, Fail> {
    match input.get(name).and_then(Value::as_str) {
        Some(s) if !s.is_empty() && s.len() <= 128 => Ok(s.to_owned()),
        _ => Err(Fail::Error(
            "bad_input",
            format!("`{name}` must be a string of 1 to 128 characters"),
        )),
    }
}

/// Runs a platform read service on the runtime from this blocking thread.
fn service<T>(
    ctx: &CallCtx,
    f: impl std::future::Future<Output = Result<T, AppError>>,
) -> Result<T, Fail> {
    ctx.handle.block_on(f).map_err(|e| {
        if e.code == ErrorCode::NotFound {
            Fail::Error("not_found", e.detail)
        } else {
            tracing::warn!(installation = %ctx.loaded.id, error = %e.detail, "registry read failed");
            Fail::Error("unavailable", "the registry is unavailable; try again".into())
        }
    })
}

/// `not_found` when the plugin does not exist or a moderator delisted it.
async fn require_listed(state: &trellis_platform::AppState, id: &str) -> Result<(), AppError> {
    let mut c = state.db.conn().await?;
    let briefs = trellis_db::moderation::plugin_briefs(&mut c, &[id.to_owned()]).await?;
    match briefs.first() {
        Some(b) if b.delisted_at.is_none() => Ok(()),
        _ => Err(AppError::not_found(format!("Plugin `{id}`"))),
    }
}

fn plugin(ctx: &CallCtx, id: String) -> Result<Value, Fail> {
    let state = ctx.rt.state.clone();
    let p = service(ctx, async move {
        require_listed(&state, &id).await?;
        registry::get_plugin(&state, &id).await
    })?;
    Ok(json!({
        "id": p.id,
        "namespace": p.namespace,
        "name": p.name,
        "display_name": p.display_name,
        "description": p.description,
        "kind": p.kind,
        "keywords": p.keywords,
        "categories": p.categories,
        "latest_version": p.latest_version,
    }))
}

fn version(ctx: &CallCtx, id: String, v: String) -> Result<Value, Fail> {
    let state = ctx.rt.state.clone();
    let out = service(ctx, async move {
        require_listed(&state, &id).await?;
        registry::get_version(&state, &id, &v).await
    })?;
    let readme = html_to_text(out.readme_html.as_deref().unwrap_or(""));
    Ok(json!({
        "plugin": out.plugin_id,
        "version": out.version,
        "readme": cut(readme, MAX_README),
        "changelog": out.changelog.map(|c| cut(c, MAX_CHANGELOG)),
        "published_at": out.published_at,
        "yanked": out.yanked,
    }))
}

fn review(ctx: &CallCtx, id: i64) -> Result<Value, Fail> {
    let state = ctx.rt.state.clone();
    let r = service(ctx, async move {
        let row = {
            let mut c = state.db.conn().await?;
            trellis_db::reviews::by_ids(&mut c, &[id]).await?
        };
        let Some(row) = row.into_iter().next() else {
            return Err(AppError::not_found(format!("Review {id}")));
        };
        require_listed(&state, &row.plugin_id)
            .await
            .map_err(|_| AppError::not_found(format!("Review {id}")))?;
        // As an anonymous visitor: a hidden review is `not_found`.
        trellis_reviews::reviews::get(&state, &row.plugin_id, id).await
    })?;
    Ok(json!({
        "id": r.id,
        "plugin": r.plugin,
        "stars": r.stars,
        "title": r.title,
        "text": r.text,
        "author": r.author,
        "version": r.version,
        "created_at": r.created_at,
        "updated_at": r.updated_at,
    }))
}

fn cut(s: String, max: usize) -> String {
    if s.chars().count() <= max {
        s
    } else {
        s.chars().take(max).collect()
    }
}

/// The text of rendered (sanitised) HTML: tags become line breaks or spaces,
/// the common entities are decoded, blank lines go.
pub(super) fn html_to_text(html: &str) -> String {
    let mut out = String::with_capacity(html.len());
    let mut tag = String::new();
    let mut in_tag = false;
    for ch in html.chars() {
        match ch {
            '<' => {
                in_tag = true;
                tag.clear();
            }
            '>' if in_tag => {
                in_tag = false;
                let name: String = tag
                    .trim_start_matches('/')
                    .chars()
                    .take_while(|c| c.is_ascii_alphanumeric())
                    .collect::<String>()
                    .to_ascii_lowercase();
                let block = matches!(
                    name.as_str(),
                    "p" | "br" | "li" | "ul" | "ol" | "div" | "pre" | "tr" | "table" | "blockquote"
                ) || (name.len() == 2 && name.starts_with('h'));
                if block {
                    out.push('\n');
                } else if matches!(name.as_str(), "td" | "th" | "img") {
                    out.push(' ');
                }
            }
            c if in_tag => tag.push(c),
            c => out.push(c),
        }
    }
    let decoded = out
        .replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&quot;", "\"")
        .replace("&#39;", "'")
        .replace("&#x27;", "'")
        .replace("&nbsp;", " ")
        .replace("&amp;", "&");
    decoded
        .lines()
        .map(|l| l.split_whitespace().collect::<Vec<_>>().join(" "))
        .filter(|l| !l.is_empty())
        .collect::<Vec<_>>()
        .join("\n")
}

#[cfg(test)]
mod tests {
    #[test]
    fn html_becomes_text() {
        let t = super::html_to_text(
            "<h1>Kanban</h1>\n<p>Boards &amp; <em>cards</em>.</p><ul><li>one</li><li>two</li></ul>",
        );
        assert_eq!(t, "Kanban\nBoards & cards.\none\ntwo");
    }
}
