//! The checks and lookups the review services share: field checks (stars,
//! texts, API version), picking the reviewed version, the plugin and review
//! lookups, namespace membership, the write rate limit, and the API shape of a
//! review.

use super::*;

pub(crate) fn invalid(field: &str, code: &str, detail: impl Into<String>) -> FieldError {
    FieldError {
        field: field.into(),
        code: code.into(),
        detail: detail.into(),
    }
}

pub(crate) fn fail_if(detail: &str, errors: Vec<FieldError>) -> AppResult<()> {
    if errors.is_empty() {
        Ok(())
    } else {
        Err(AppError::validation(detail, errors))
    }
}

pub(crate) fn check_stars(stars: i64, errors: &mut Vec<FieldError>) {
    if !(1..=5).contains(&stars) {
        errors.push(invalid("stars", "out_of_range", "Stars are 1 to 5."));
    }
}

pub(crate) fn check_title(raw: &str, errors: &mut Vec<FieldError>) -> String {
    let t = text::clean_line(raw);
    // Counted as sent, too: the documented limit is on the JSON string.
    let n = t.chars().count();
    let sent = raw.chars().count();
    if n == 0 {
        errors.push(invalid("title", "too_short", "Give a title."));
    } else if n.max(sent) > MAX_TITLE {
        errors.push(invalid(
            "title",
            "too_long",
            format!("A title is at most {MAX_TITLE} characters."),
        ));
    }
    t
}

pub(crate) fn check_body(
    field: &str,
    raw: &str,
    max: usize,
    errors: &mut Vec<FieldError>,
) -> String {
    let t = text::clean_text(raw);
    let n = t.chars().count();
    if n == 0 {
        errors.push(invalid(field, "too_short", "Write some text."));
    } else if n.max(raw.chars().count()) > max {
        errors.push(invalid(
            field,
            "too_long",
            format!("At most {max} characters."),
        ));
    }
    t
}

pub(crate) fn check_api_version(raw: Option<&str>, errors: &mut Vec<FieldError>) -> Option<String> {
    let v = raw.map(str::trim).filter(|v| !v.is_empty())?;
    if trellis_registry::PLUGIN_API_VERSIONS.contains(&v) {
        Some(v.to_owned())
    } else {
        errors.push(invalid(
            "api_version",
            "unknown",
            format!(
                "`{}` is not a plugin API version of Trellis: use one of {}.",
                v.chars().take(40).collect::<String>(),
                trellis_registry::PLUGIN_API_VERSIONS.join(", ")
            ),
        ));
        None
    }
}

/// The version a review names (or the default), from the plugin's packaged versions.
pub(crate) fn pick_version(
    plugin: &PluginRow,
    versions: &[VersionRow],
    wanted: Option<&str>,
    errors: &mut Vec<FieldError>,
) -> Option<String> {
    let packaged: Vec<&VersionRow> = versions.iter().filter(|v| !v.imported).collect();
    if packaged.is_empty() {
        errors.push(invalid(
            "version",
            "no_versions",
            format!(
                "{} has no published package to review (a catalogue entry).",
                plugin.id
            ),
        ));
        return None;
    }
    match wanted.map(str::trim).filter(|v| !v.is_empty()) {
        Some(w) => {
            if packaged.iter().any(|v| v.version == w) {
                Some(w.to_owned())
            } else {
                errors.push(invalid(
                    "version",
                    "unknown",
                    format!(
                        "{} has no published version `{}`.",
                        plugin.id,
                        w.chars().take(40).collect::<String>()
                    ),
                ));
                None
            }
        }
        None => {
            let latest = plugin
                .latest_version
                .as_deref()
                .filter(|l| packaged.iter().any(|v| v.version == *l && !v.yanked));
            latest
                .map(str::to_owned)
                .or_else(|| {
                    packaged
                        .iter()
                        .find(|v| !v.yanked)
                        .map(|v| v.version.clone())
                })
                .or_else(|| {
                    errors.push(invalid(
                        "version",
                        "required",
                        "Every version is yanked: name the version you used.",
                    ));
                    None
                })
        }
    }
}

pub(crate) async fn plugin(c: &mut trellis_db::AnyConnection, id: &str) -> AppResult<PluginRow> {
    trellis_db::plugins::by_id(c, id)
        .await?
        .ok_or_else(|| AppError::not_found(format!("Plugin `{id}`")))
}

pub(crate) async fn is_member(
    c: &mut trellis_db::AnyConnection,
    plugin: &PluginRow,
    user_id: i64,
) -> AppResult<bool> {
    Ok(
        trellis_db::namespaces::member_role(c, plugin.namespace_id, user_id)
            .await?
            .is_some(),
    )
}

pub(crate) async fn review(
    c: &mut trellis_db::AnyConnection,
    plugin_id: &str,
    id: i64,
) -> AppResult<ReviewRow> {
    db::get(c, plugin_id, id)
        .await?
        .ok_or_else(|| AppError::not_found(format!("Review {id} of `{plugin_id}`")))
}

/// Counts one review write by the actor on `c` (the write's transaction).
pub(crate) async fn count_write(c: &mut trellis_db::AnyConnection, actor: &Actor) -> AppResult<()> {
    let (hits, end) =
        trellis_db::rate_limit::hit(c, &format!("reviews:user:{}", actor.user.id), 3600).await?;
    if hits <= WRITES_PER_HOUR {
        return Ok(());
    }
    let retry = (end - now()).max(1) as u64;
    Err(AppError::new(
        ErrorCode::RateLimited,
        format!(
            "Too many review changes: at most {WRITES_PER_HOUR} an hour. Try again in {} minute{}.",
            retry.div_ceil(60),
            if retry.div_ceil(60) == 1 { "" } else { "s" }
        ),
    )
    .with_retry_after(retry))
}

/// The review, unless a moderator hid it (then `not_found`, as for anyone who
/// may not see it: voting on, replying to or reporting it).
pub(crate) async fn visible_review(
    c: &mut trellis_db::AnyConnection,
    plugin_id: &str,
    id: i64,
) -> AppResult<ReviewRow> {
    let r = review(c, plugin_id, id).await?;
    if r.hidden_at.is_some() {
        return Err(AppError::not_found(format!("Review {id} of `{plugin_id}`")));
    }
    Ok(r)
}

pub(crate) fn conflict(e: AppError, detail: &str) -> AppError {
    if e.code == ErrorCode::Conflict {
        AppError::new(ErrorCode::Conflict, detail)
    } else {
        e
    }
}

/// A review as the API shows it.
pub fn to_out(r: ReviewRow) -> ReviewOut {
    let hidden = r.hidden_at.map(|at| trellis_types::ReviewHiddenOut {
        reason: r.hidden_reason.clone().unwrap_or_default(),
        hidden_at: at,
    });
    let reply = match (r.reply_body, r.reply_at) {
        (Some(text), Some(at)) => Some(ReplyOut {
            text,
            author: r.reply_by.unwrap_or_default(),
            created_at: at,
            updated_at: r.reply_updated_at.unwrap_or(at),
        }),
        _ => None,
    };
    ReviewOut {
        id: r.id,
        plugin: r.plugin_id,
        author: r.author,
        stars: r.stars,
        title: r.title,
        text: r.body,
        version: r.version,
        api_version: r.api_version,
        helpful: r.helpful,
        reply,
        created_at: r.created_at,
        updated_at: r.updated_at,
        hidden,
    }
}
