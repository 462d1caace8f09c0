//! Reviews and ratings of plugins (docs/reviews.md).
//!
//! A signed-in user reviews a plugin once (1-5 stars, a title, a text, the
//! version they used and, optionally, the plugin API version they ran it
//! with), and may change or delete their review; admins may delete any. A
//! member of the plugin's namespace may reply once per review (and change or
//! remove the reply), but never review their own plugins. Other users mark
//! reviews helpful (once each, never their own; a vote can be withdrawn) and
//! report them for abuse (once each, never their own). Every list and summary
//! is public.
//!
//! Rules, decided here so REST, server functions and the CLI cannot disagree:
//! - **Scopes.** Reads need no sign-in. Writes come from a browser session or a
//!   token with the `publish` scope: a review is content published under the
//!   user's name, and a `read` token must never change anything (the rule the
//!   token services follow). A `read` token gets `403 insufficient_scope`.
//! - **Which versions.** A review is of one of the plugin's packaged versions
//!   (yanked ones included: someone used them); by default the latest version
//!   that is not yanked. Catalogue entries imported without packages (the demo
//!   seed, `trellis import`) have no such version and cannot be reviewed
//!   (`422` on `version`).
//! - **Texts** are plain text, cleaned by [`text`]: title 1..=120 characters,
//!   text and reply 1..=5000, report text at most 1000.
//! - **Rate limit.** At most [`WRITES_PER_HOUR`] review writes (create, change,
//!   reply, report) per user per hour, counted in the write's own transaction
//!   (a refused write counts nothing): `429 rate_limited` with `Retry-After`.
//! - **Events.** Every change writes its event in its transaction: `review.created`,
//!   `review.updated`, `review.deleted`, `review.replied`, `review.voted` (a vote
//!   changes the helpful count, a state others see), `review.reported`
//!   (admins only). Their subject is the plugin, so the search index re-reads
//!   it and ranks by the new rating.
//! - **Bad input changes nothing:** a second review (`409`), stars outside 1-5,
//!   empty or oversized texts, an unknown version or API version (`422`),
//!   reviewing one's own plugin, replying to another namespace's plugin,
//!   voting on or reporting one's own review (`403`), voting or reporting twice
//!   (`409`).
//! - **Rating summary** ([`rating`]): count, mean, distribution, and the
//!   Bayesian average `(m·C + Σstars) / (m + n)` with `m` = [`PRIOR_VOTES`] and
//!   `C` the mean of every review on the instance (3.0 while there is none),
//!   the same formula search ranking applies.

pub mod text;

use trellis_db::plugins::{PluginRow, VersionRow};
use trellis_db::reviews::{self as db, NewReview, ReviewRow, Sort};
use trellis_db::{now, DbError};
use trellis_events::catalogue as ev;
use trellis_platform::events::{actor as event_actor, emit};
use trellis_platform::{Actor, AppError, AppResult, AppState};
use trellis_types::{
    ErrorCode, FieldError, RatingOut, ReplyIn, ReplyOut, ReportIn, ReportOut, ReviewIn, ReviewOut,
    ReviewPatch, Scope,
};

/// Longest title, in characters.
pub const MAX_TITLE: usize = 120;
/// Longest review text or reply, in characters.
pub const MAX_TEXT: usize = 5000;
/// Longest report text, in characters.
pub const MAX_REPORT_TEXT: usize = 1000;
/// Review writes (create, change, reply, report) a user may make per hour.
pub const WRITES_PER_HOUR: i64 = 10;
/// Reviews listed per page, at most.
pub const MAX_PAGE: i64 = 100;
/// The Bayesian prior's weight, in reviews (search ranking uses the same).
pub const PRIOR_VOTES: f64 = 5.0;
/// The prior's mean while the instance has no review.
pub const DEFAULT_MEAN: f64 = 3.0;
/// Report reasons.
pub const REASONS: [&str; 4] = ["spam", "abuse", "off_topic", "other"];

const NOT_SAVED: &str = "The review was not saved: fix the fields listed.";

fn invalid(field: &str, code: &str, detail: impl Into<String>) -> FieldError {
    FieldError {
        field: field.into(),
        code: code.into(),
        detail: detail.into(),
    }
}

fn fail_if(detail: &str, errors: Vec<FieldError>) -> AppResult<()> {
    if errors.is_empty() {
        Ok(())
    } else {
        Err(AppError::validation(detail, errors))
    }
}

/// Parses `?sort=`: `helpful` (default), `newest`, `highest`, `lowest`.
pub fn parse_sort(s: Option<&str>) -> AppResult<Sort> {
    match s.unwrap_or("helpful") {
        "helpful" => Ok(Sort::Helpful),
        "newest" => Ok(Sort::Newest),
        "highest" => Ok(Sort::Highest),
        "lowest" => Ok(Sort::Lowest),
        other => Err(AppError::field(
            ErrorCode::BadRequest,
            "sort",
            "invalid",
            format!("`{other}` is not an order: use helpful, newest, highest or lowest."),
        )),
    }
}

fn check_stars(stars: i64, errors: &mut Vec<FieldError>) {
    if !(1..=5).contains(&stars) {
        errors.push(invalid("stars", "out_of_range", "Stars are 1 to 5."));
    }
}

fn check_title(raw: &str, errors: &mut Vec<FieldError>) -> String {
    let t = text::clean_line(raw);
    let n = t.chars().count();
    if n == 0 {
        errors.push(invalid("title", "too_short", "Give a title."));
    } else if n > MAX_TITLE {
        errors.push(invalid(
            "title",
            "too_long",
            format!("A title is at most {MAX_TITLE} characters."),
        ));
    }
    t
}

fn check_body(field: &str, raw: &str, max: usize, errors: &mut Vec<FieldError>) -> String {
    let t = text::clean_text(raw);
    let n = t.chars().count();
    if n == 0 {
        errors.push(invalid(field, "too_short", "Write some text."));
    } else if n > max {
        errors.push(invalid(
            field,
            "too_long",
            format!("At most {max} characters."),
        ));
    }
    t
}

fn check_api_version(raw: Option<&str>, errors: &mut Vec<FieldError>) -> Option<String> {
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
fn pick_version(
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

async fn plugin(c: &mut trellis_db::AnyConnection, id: &str) -> AppResult<PluginRow> {
    trellis_db::plugins::by_id(c, id)
        .await?
        .ok_or_else(|| AppError::not_found(format!("Plugin `{id}`")))
}

async fn is_member(
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

async fn review(
    c: &mut trellis_db::AnyConnection,
    plugin_id: &str,
    id: i64,
) -> AppResult<ReviewRow> {
    db::get(c, plugin_id, id)
        .await?
        .ok_or_else(|| AppError::not_found(format!("Review {id} of `{plugin_id}`")))
}

/// Counts one review write by the actor on `c` (the write's transaction).
async fn count_write(c: &mut trellis_db::AnyConnection, actor: &Actor) -> AppResult<()> {
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

fn conflict(e: AppError, detail: &str) -> AppError {
    if e.code == ErrorCode::Conflict {
        AppError::new(ErrorCode::Conflict, detail)
    } else {
        e
    }
}

/// A review as the API shows it.
pub fn to_out(r: ReviewRow) -> ReviewOut {
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
    }
}

/// Reviews a plugin.
pub async fn create(
    state: &AppState,
    actor: &Actor,
    plugin_id: &str,
    input: ReviewIn,
) -> AppResult<ReviewOut> {
    actor.require(Scope::Publish)?;
    let mut c = state.db.conn().await?;
    let p = plugin(&mut c, plugin_id).await?;
    if is_member(&mut c, &p, actor.user.id).await? {
        return Err(AppError::forbidden(format!(
            "You publish {} (a member of `{}`): publishers cannot review their own plugins.",
            p.id, p.namespace
        )));
    }
    let versions = trellis_db::plugins::versions(&mut c, &p.id).await?;
    drop(c);
    let mut errors = Vec::new();
    check_stars(input.stars, &mut errors);
    let title = check_title(&input.title, &mut errors);
    let body = check_body("text", &input.text, MAX_TEXT, &mut errors);
    let version = pick_version(&p, &versions, input.version.as_deref(), &mut errors);
    let api_version = check_api_version(input.api_version.as_deref(), &mut errors);
    fail_if(NOT_SAVED, errors)?;
    let version = version.ok_or_else(|| AppError::internal("validated review lost its version"))?;
    let now = now();
    let mut tx = state.db.begin().await?;
    count_write(&mut tx, actor).await?;
    let id = db::insert(
        &mut tx,
        &NewReview {
            plugin_id: &p.id,
            user_id: actor.user.id,
            version: &version,
            api_version: api_version.as_deref(),
            stars: input.stars,
            title: &title,
            body: &body,
        },
        now,
    )
    .await
    .map_err(|e| {
        conflict(
            e.into(),
            "You have reviewed this plugin already: change or delete that review.",
        )
    })?;
    emit(
        &mut tx,
        &event_actor(actor),
        &ev::ReviewCreated {
            plugin: p.id.clone(),
            namespace: p.namespace.clone(),
            review_id: id,
            stars: input.stars,
            version,
        },
    )
    .await?;
    let row = review(&mut tx, &p.id, id).await?;
    tx.commit().await?;
    Ok(to_out(row))
}

/// Changes one's own review.
pub async fn update(
    state: &AppState,
    actor: &Actor,
    plugin_id: &str,
    id: i64,
    patch: ReviewPatch,
) -> AppResult<ReviewOut> {
    actor.require(Scope::Publish)?;
    let mut c = state.db.conn().await?;
    let p = plugin(&mut c, plugin_id).await?;
    let r = review(&mut c, &p.id, id).await?;
    if r.user_id != actor.user.id {
        return Err(AppError::forbidden("You may change only your own review."));
    }
    let versions = trellis_db::plugins::versions(&mut c, &p.id).await?;
    drop(c);
    let mut errors = Vec::new();
    let mut changed = Vec::new();
    let stars = patch.stars.unwrap_or(r.stars);
    check_stars(stars, &mut errors);
    let title = match &patch.title {
        Some(t) => check_title(t, &mut errors),
        None => r.title.clone(),
    };
    let body = match &patch.text {
        Some(t) => check_body("text", t, MAX_TEXT, &mut errors),
        None => r.body.clone(),
    };
    let version = match &patch.version {
        Some(v) => pick_version(&p, &versions, Some(v), &mut errors),
        None => Some(r.version.clone()),
    };
    let api_version = match &patch.api_version {
        Some(v) => check_api_version(Some(v), &mut errors),
        None => r.api_version.clone(),
    };
    fail_if(NOT_SAVED, errors)?;
    let version = version.ok_or_else(|| AppError::internal("validated review lost its version"))?;
    for (name, differs) in [
        ("stars", stars != r.stars),
        ("title", title != r.title),
        ("text", body != r.body),
        ("version", version != r.version),
        ("api_version", api_version != r.api_version),
    ] {
        if differs {
            changed.push(name.to_owned());
        }
    }
    if changed.is_empty() {
        return Ok(to_out(r));
    }
    let mut tx = state.db.begin().await?;
    count_write(&mut tx, actor).await?;
    db::update(
        &mut tx,
        id,
        &NewReview {
            plugin_id: &p.id,
            user_id: r.user_id,
            version: &version,
            api_version: api_version.as_deref(),
            stars,
            title: &title,
            body: &body,
        },
        now(),
    )
    .await?;
    emit(
        &mut tx,
        &event_actor(actor),
        &ev::ReviewUpdated {
            plugin: p.id.clone(),
            namespace: p.namespace.clone(),
            review_id: id,
            stars,
            version,
            changed,
        },
    )
    .await?;
    let row = review(&mut tx, &p.id, id).await?;
    tx.commit().await?;
    Ok(to_out(row))
}

/// Deletes one's own review (admins: any review), with its reply, votes and reports.
pub async fn delete(state: &AppState, actor: &Actor, plugin_id: &str, id: i64) -> AppResult<()> {
    actor.require(Scope::Publish)?;
    let mut tx = state.db.begin().await?;
    let p = plugin(&mut tx, plugin_id).await?;
    let r = review(&mut tx, &p.id, id).await?;
    let moderator = actor.user.is_admin && actor.has(Scope::Admin);
    if r.user_id != actor.user.id && !moderator {
        return Err(AppError::forbidden("You may delete only your own review."));
    }
    db::delete(&mut tx, id).await?;
    emit(
        &mut tx,
        &event_actor(actor),
        &ev::ReviewDeleted {
            plugin: p.id.clone(),
            namespace: p.namespace.clone(),
            review_id: id,
        },
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

/// One review.
pub async fn get(state: &AppState, plugin_id: &str, id: i64) -> AppResult<ReviewOut> {
    let mut c = state.db.conn().await?;
    let p = plugin(&mut c, plugin_id).await?;
    Ok(to_out(review(&mut c, &p.id, id).await?))
}

/// A page of a plugin's reviews in `sort` order (of one version when given),
/// from `offset`.
pub async fn list(
    state: &AppState,
    plugin_id: &str,
    version: Option<&str>,
    sort: Sort,
    offset: i64,
    limit: i64,
) -> AppResult<Vec<ReviewOut>> {
    let mut c = state.db.conn().await?;
    let p = plugin(&mut c, plugin_id).await?;
    let rows = db::list(
        &mut c,
        &p.id,
        version,
        sort,
        offset,
        limit.clamp(1, MAX_PAGE),
    )
    .await?;
    Ok(rows.into_iter().map(to_out).collect())
}

/// Replies to a review as a member of the plugin's namespace (or changes the
/// reply); `true` when the reply is new.
pub async fn reply(
    state: &AppState,
    actor: &Actor,
    plugin_id: &str,
    id: i64,
    input: ReplyIn,
) -> AppResult<(bool, ReviewOut)> {
    actor.require(Scope::Publish)?;
    let mut c = state.db.conn().await?;
    let p = plugin(&mut c, plugin_id).await?;
    if !is_member(&mut c, &p, actor.user.id).await? {
        return Err(trellis_platform::registry::not_member(&p.namespace));
    }
    review(&mut c, &p.id, id).await?;
    drop(c);
    let mut errors = Vec::new();
    let body = check_body("text", &input.text, MAX_TEXT, &mut errors);
    fail_if("The reply was not saved: fix the fields listed.", errors)?;
    let mut tx = state.db.begin().await?;
    let before = review(&mut tx, &p.id, id).await?;
    count_write(&mut tx, actor).await?;
    db::set_reply(&mut tx, id, Some((&body, actor.user.id)), now()).await?;
    emit(
        &mut tx,
        &event_actor(actor),
        &ev::ReviewReplied {
            plugin: p.id.clone(),
            namespace: p.namespace.clone(),
            review_id: id,
            replied: true,
        },
    )
    .await?;
    let row = review(&mut tx, &p.id, id).await?;
    tx.commit().await?;
    Ok((before.reply_body.is_none(), to_out(row)))
}

/// Removes the reply to a review (a member of the plugin's namespace).
pub async fn delete_reply(
    state: &AppState,
    actor: &Actor,
    plugin_id: &str,
    id: i64,
) -> AppResult<()> {
    actor.require(Scope::Publish)?;
    let mut tx = state.db.begin().await?;
    let p = plugin(&mut tx, plugin_id).await?;
    if !is_member(&mut tx, &p, actor.user.id).await? {
        return Err(trellis_platform::registry::not_member(&p.namespace));
    }
    let r = review(&mut tx, &p.id, id).await?;
    if r.reply_body.is_none() {
        return Ok(());
    }
    db::set_reply(&mut tx, id, None, now()).await?;
    emit(
        &mut tx,
        &event_actor(actor),
        &ev::ReviewReplied {
            plugin: p.id.clone(),
            namespace: p.namespace.clone(),
            review_id: id,
            replied: false,
        },
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

/// Marks a review helpful (once per user, never one's own); returns it.
pub async fn vote(
    state: &AppState,
    actor: &Actor,
    plugin_id: &str,
    id: i64,
) -> AppResult<ReviewOut> {
    actor.require(Scope::Publish)?;
    let mut tx = state.db.begin().await?;
    let p = plugin(&mut tx, plugin_id).await?;
    let r = review(&mut tx, &p.id, id).await?;
    if r.user_id == actor.user.id {
        return Err(AppError::forbidden("You cannot vote for your own review."));
    }
    let helpful = db::vote(&mut tx, id, actor.user.id, now())
        .await
        .map_err(|e| match e {
            DbError::Conflict => AppError::new(
                ErrorCode::Conflict,
                "You marked this review helpful already.",
            ),
            other => other.into(),
        })?;
    emit(
        &mut tx,
        &event_actor(actor),
        &ev::ReviewVoted {
            plugin: p.id.clone(),
            namespace: p.namespace.clone(),
            review_id: id,
            voted: true,
            helpful,
        },
    )
    .await?;
    let row = review(&mut tx, &p.id, id).await?;
    tx.commit().await?;
    Ok(to_out(row))
}

/// Withdraws one's helpful vote (nothing happens when there is none).
pub async fn unvote(state: &AppState, actor: &Actor, plugin_id: &str, id: i64) -> AppResult<()> {
    actor.require(Scope::Publish)?;
    let mut tx = state.db.begin().await?;
    let p = plugin(&mut tx, plugin_id).await?;
    review(&mut tx, &p.id, id).await?;
    let Some(helpful) = db::unvote(&mut tx, id, actor.user.id).await? else {
        return Ok(());
    };
    emit(
        &mut tx,
        &event_actor(actor),
        &ev::ReviewVoted {
            plugin: p.id.clone(),
            namespace: p.namespace.clone(),
            review_id: id,
            voted: false,
            helpful,
        },
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

/// Reports a review for abuse (once per user, never one's own).
pub async fn report(
    state: &AppState,
    actor: &Actor,
    plugin_id: &str,
    id: i64,
    input: ReportIn,
) -> AppResult<ReportOut> {
    actor.require(Scope::Publish)?;
    let mut c = state.db.conn().await?;
    let p = plugin(&mut c, plugin_id).await?;
    let r = review(&mut c, &p.id, id).await?;
    drop(c);
    if r.user_id == actor.user.id {
        return Err(AppError::forbidden("You cannot report your own review."));
    }
    let mut errors = Vec::new();
    let reason = input.reason.trim();
    if !REASONS.contains(&reason) {
        errors.push(invalid(
            "reason",
            "unknown",
            "The reason is one of spam, abuse, off_topic, other.",
        ));
    }
    let detail = text::clean_text(input.text.as_deref().unwrap_or(""));
    if detail.chars().count() > MAX_REPORT_TEXT {
        errors.push(invalid(
            "text",
            "too_long",
            format!("At most {MAX_REPORT_TEXT} characters."),
        ));
    }
    fail_if("The report was not saved: fix the fields listed.", errors)?;
    let now = now();
    let mut tx = state.db.begin().await?;
    count_write(&mut tx, actor).await?;
    db::report(&mut tx, id, actor.user.id, reason, &detail, now)
        .await
        .map_err(|e| match e {
            DbError::Conflict => {
                AppError::new(ErrorCode::Conflict, "You reported this review already.")
            }
            other => other.into(),
        })?;
    let reports = db::report_count(&mut tx, id).await?;
    emit(
        &mut tx,
        &event_actor(actor),
        &ev::ReviewReported {
            plugin: p.id.clone(),
            review_id: id,
            reason: reason.to_owned(),
            reports,
        },
    )
    .await?;
    tx.commit().await?;
    Ok(ReportOut {
        review_id: id,
        reason: reason.to_owned(),
        text: detail,
        created_at: now,
    })
}

/// The Bayesian average of `count` reviews summing `sum` stars, with a prior of
/// [`PRIOR_VOTES`] reviews at `mean`.
pub fn bayesian(count: i64, sum: i64, mean: f64) -> f64 {
    (PRIOR_VOTES * mean + sum as f64) / (PRIOR_VOTES + count.max(0) as f64)
}

/// The rating summary of a plugin, or of one of its versions.
pub async fn rating(
    state: &AppState,
    plugin_id: &str,
    version: Option<&str>,
) -> AppResult<RatingOut> {
    let mut c = state.db.conn().await?;
    let p = plugin(&mut c, plugin_id).await?;
    let distribution = db::distribution(&mut c, &p.id, version).await?;
    let (all_n, all_sum) = db::totals(&mut c).await?;
    let prior_mean = if all_n > 0 {
        all_sum as f64 / all_n as f64
    } else {
        DEFAULT_MEAN
    };
    let count: i64 = distribution.iter().sum();
    let sum: i64 = distribution
        .iter()
        .enumerate()
        .map(|(i, n)| (i as i64 + 1) * n)
        .sum();
    Ok(RatingOut {
        plugin: p.id,
        version: version.map(str::to_owned),
        count,
        average: (count > 0).then(|| sum as f64 / count as f64),
        distribution,
        bayesian_average: bayesian(count, sum, prior_mean),
        prior_votes: PRIOR_VOTES,
        prior_mean,
    })
}

#[cfg(test)]
mod tests {
    #[test]
    fn the_prior_pulls_few_reviews_to_the_mean() {
        assert!((super::bayesian(0, 0, 3.5) - 3.5).abs() < 1e-9);
        // One 5-star review: (5*3 + 5) / 6.
        assert!((super::bayesian(1, 5, 3.0) - 20.0 / 6.0).abs() < 1e-9);
    }

    #[test]
    fn sorts_parse() {
        assert!(super::parse_sort(None).is_ok());
        assert!(super::parse_sort(Some("lowest")).is_ok());
        assert!(super::parse_sort(Some("best")).is_err());
    }
}
