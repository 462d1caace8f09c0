//! The plugin page's "Ratings and reviews" section: the rating summary
//! (average, count, a bar per star count drawn in SVG), the list's order and
//! version filter (a GET form, so it works without JavaScript; the summary
//! follows the version), a page of reviews with page links, what just
//! happened (`done=` in the query, as fixed sentences), and the viewer's
//! part: the review form, their own review to change or delete, or why they
//! cannot review. One review and its actions are in `reviews_item`, the form
//! in `reviews_form`.

use leptos::prelude::*;
use leptos_router::hooks::use_query_map;
use trellis_types::RatingOut;

use crate::api::reviews::{
    plugin_reviews, CreateReview, DeleteReview, ListQuery, ReportReview, ReviewsData, SetHelpful,
    UpdateReview, SORTS,
};
use crate::components::form::{last_error, ErrorBanner};
use crate::components::plugin_card::plural;
use crate::components::query::enc;
use crate::components::reviews_form::{Draft, OwnReview, ReviewForm};
use crate::components::reviews_item::ReviewItem;

/// The actions the section's forms post to.
#[derive(Clone, Copy)]
pub struct ReviewActions {
    pub create: ServerAction<CreateReview>,
    pub update: ServerAction<UpdateReview>,
    pub delete: ServerAction<DeleteReview>,
    pub helpful: ServerAction<SetHelpful>,
    pub report: ServerAction<ReportReview>,
}

impl ReviewActions {
    /// Creates them (each picks up its error from the URL after a failed
    /// submission without JavaScript).
    pub fn new() -> ReviewActions {
        ReviewActions {
            create: ServerAction::new(),
            update: ServerAction::new(),
            delete: ServerAction::new(),
            helpful: ServerAction::new(),
            report: ServerAction::new(),
        }
    }
}

impl ReviewActions {
    /// A number that changes whenever one of them has run.
    pub fn versions(&self) -> usize {
        self.create.version().get()
            + self.update.version().get()
            + self.delete.version().get()
            + self.helpful.version().get()
            + self.report.version().get()
    }
}

impl Default for ReviewActions {
    fn default() -> Self {
        ReviewActions::new()
    }
}

/// An average as shown: one decimal.
pub fn one_decimal(x: f64) -> String {
    format!("{x:.1}")
}

/// Five stars, `filled` of them (rounded to the nearest half down to whole
/// stars), with the exact figure for screen readers.
#[component]
pub fn Stars(value: f64, #[prop(optional)] class: &'static str) -> impl IntoView {
    let full = value.round().clamp(0.0, 5.0) as usize;
    let label = format!("{} out of 5 stars", one_decimal(value));
    view! {
        <span class=format!("stars {class}") role="img" aria-label=label.clone() title=label>
            <span class="stars-on" aria-hidden="true">{"★".repeat(full)}</span>
            <span class="stars-off" aria-hidden="true">{"★".repeat(5 - full)}</span>
        </span>
    }
}

/// Average, count and the distribution, one SVG bar per star count.
#[component]
pub fn RatingSummary(r: RatingOut) -> impl IntoView {
    let max = r.distribution.iter().copied().max().unwrap_or(0).max(1);
    let scope = match &r.version {
        Some(v) => format!("Version {v}"),
        None => "Every version".to_owned(),
    };
    view! {
        <div class="rating-summary" data-testid="rating-summary">
            <div class="rating-big">
                {match r.average {
                    Some(avg) => view! {
                        <p class="rating-average" data-testid="rating-average">{one_decimal(avg)}</p>
                        <Stars value=avg/>
                    }.into_any(),
                    None => view! { <p class="rating-average none">"—"</p> }.into_any(),
                }}
                <p class="muted" data-testid="rating-count">
                    {plural(r.count.max(0) as u64, "review", "reviews")}
                </p>
                <p class="muted small">{scope}</p>
            </div>
            <table class="rating-bars" aria-label="Reviews by number of stars">
                <tbody>
                    {(1..=5usize).rev().map(|s| {
                        let n = r.distribution[s - 1];
                        let w = 100.0 * n as f64 / max as f64;
                        view! {
                            <tr data-stars=s>
                                <th scope="row" class="nowrap">{format!("{s} ★")}</th>
                                <td class="bar-cell">
                                    <svg class="dist-bar" viewBox="0 0 100 10" preserveAspectRatio="none" aria-hidden="true">
                                        <rect class="dist-track" x="0" y="0" width="100" height="10" rx="2"/>
                                        <rect class="dist-fill" x="0" y="0" width=format!("{w:.1}") height="10" rx="2"/>
                                    </svg>
                                </td>
                                <td class="num" data-testid=format!("dist-{s}")>{n}</td>
                            </tr>
                        }
                    }).collect_view()}
                </tbody>
            </table>
        </div>
    }
}

/// The list's order and version filter: a plain GET form to the plugin page.
#[component]
fn ListControls(
    plugin: String,
    sort: String,
    version: Option<String>,
    versions: Vec<String>,
) -> impl IntoView {
    view! {
        <form method="get" action=format!("/plugins/{}#reviews", enc(&plugin)) class="review-controls" data-testid="review-controls">
            <label>
                "Sort by "
                <select name="sort" data-testid="review-sort">
                    {SORTS.iter().map(|(v, label)| view! {
                        <option value=*v selected=sort == *v>{*label}</option>
                    }).collect_view()}
                </select>
            </label>
            <label>
                " Version "
                <select name="version" data-testid="review-version">
                    <option value="" selected=version.is_none()>"Every version"</option>
                    {versions.into_iter().map(|v| {
                        let sel = version.as_deref() == Some(v.as_str());
                        view! { <option value=v.clone() selected=sel>{v.clone()}</option> }
                    }).collect_view()}
                </select>
            </label>
            <button type="submit" class="btn btn-small">"Show"</button>
        </form>
    }
}

/// "Previous" / "Next" page links keeping the order and filter.
#[component]
fn PageLinks(plugin: String, q: ListQuery, page: i64, more: bool) -> impl IntoView {
    let link = move |p: i64| {
        let mut q = q.clone();
        q.page = (p > 1).then_some(p);
        let s = q.to_query();
        let sep = if s.is_empty() { "" } else { "?" };
        format!("/plugins/{}{sep}{s}#reviews", enc(&plugin))
    };
    (page > 1 || more).then(|| {
        view! {
            <nav class="review-pages" aria-label="Review pages">
                {(page > 1).then(|| view! { <a href=link(page - 1) rel="prev" data-testid="reviews-prev">"← Previous"</a> })}
                <span class="muted">{format!("Page {page}")}</span>
                {more.then(|| view! { <a href=link(page + 1) rel="next" data-testid="reviews-next">"Next →"</a> })}
            </nav>
        }
    })
}

/// What `done=` says just happened, as a fixed sentence.
fn notice(done: Option<String>) -> Option<AnyView> {
    let text = match done.as_deref()? {
        "reviewed" => "Thank you: your review is published.",
        "review_saved" => "Your review was saved.",
        "review_deleted" => "Your review was deleted.",
        "voted" => "You marked the review helpful.",
        "unvoted" => "You took back your helpful mark.",
        "reported" => "Thank you: the review was reported to the admins.",
        _ => return None,
    };
    Some(view! { <div class="banner banner-ok" role="status" data-testid="review-notice">{text}</div> }.into_any())
}

/// The viewer's part above the list.
#[component]
fn WriteArea(d: ReviewsData, a: ReviewActions, draft: Draft, back: String) -> AnyView {
    let plugin = d.plugin.clone();
    let Some(me) = d.viewer.clone() else {
        let next = enc(&format!("/plugins/{plugin}#reviews"));
        return view! {
            <p class="review-cta" data-testid="review-signin">
                <a href=format!("/signin?next={next}")>"Sign in"</a> " to rate and review this plugin."
            </p>
        }
        .into_any();
    };
    // A refused review from a form no longer shown (the viewer reviewed
    // meanwhile, or publishes the plugin) still says why.
    let create_error = last_error(a.create);
    if me.publisher {
        return view! {
            <ErrorBanner error=create_error/>
            <p class="review-cta muted" data-testid="review-own-plugin">
                "You publish this plugin, so you cannot review it. You can reply to its reviews from "
                <a href=format!("/dashboard/plugins/{}#reviews", enc(&plugin))>"your dashboard"</a> "."
            </p>
        }
        .into_any();
    }
    if let Some(own) = me.own {
        return view! {
            <ErrorBanner error=create_error/>
            <OwnReview own d a draft back/>
        }
        .into_any();
    }
    if d.versions.is_empty() {
        return view! {
            <p class="review-cta muted" data-testid="review-listing">
                "This listing was imported from a catalogue without a package, so there is no version to review."
            </p>
        }
        .into_any();
    }
    view! {
        <details class="review-write" id="write-review" open=draft.present.then_some("")>
            <summary class="btn btn-primary" data-testid="write-review">"Write a review"</summary>
            <ReviewForm d a draft=draft.clone() back/>
        </details>
    }
    .into_any()
}

/// The section's actions and the resource of its data (from the URL's `sort`,
/// `version` and `page`, read again after any action). The page creates it
/// where it starts, outside any `Suspend`: a resource created inside one can
/// be created again when the outer data resolves.
#[derive(Clone, Copy)]
pub struct ReviewsState {
    a: ReviewActions,
    data: crate::resource::Res<Result<crate::api::reviews::ReviewsData, crate::error::UiError>>,
}

impl ReviewsState {
    /// For the plugin whose id `plugin` reads.
    pub fn new(plugin: impl Fn() -> String + Send + Sync + 'static) -> ReviewsState {
        let query = use_query_map();
        let a = ReviewActions::new();
        let key = move || {
            query.with(|q| {
                (
                    plugin(),
                    q.get("sort"),
                    q.get("version").filter(|v| !v.is_empty()),
                    q.get("page").and_then(|p| p.parse::<i64>().ok()),
                    a.versions(),
                )
            })
        };
        let data = crate::resource::new(key, move |(id, sort, version, page, _)| {
            plugin_reviews(id, sort, version, page)
        });
        ReviewsState { a, data }
    }
}

/// The whole section, from `state` (see [`ReviewsState`]).
#[component]
pub fn ReviewsSection(state: ReviewsState) -> impl IntoView {
    let query = use_query_map();
    let ReviewsState { a, data } = state;
    let helpful_error = last_error(a.helpful);
    let report_error = last_error(a.report);
    let delete_error = last_error(a.delete);
    view! {
        <section class="panel reviews" id="reviews" aria-labelledby="reviews-title">
            <h2 id="reviews-title">"Ratings and reviews"</h2>
            {move || notice(query.with(|q| q.get("done")).filter(|_| query.with(|q| q.get("__err").is_none())))}
            <Transition fallback=|| view! { <p class="muted">"Loading reviews…"</p> }>
                {move || Suspend::new(async move {
                    let d = match data.await {
                        Ok(d) => d,
                        Err(e) => return view! {
                            <div class="banner banner-error" role="alert">{e.detail}</div>
                        }.into_any(),
                    };
                    let q = ListQuery::parse(query.with(|q| {
                        ["sort", "version", "page"]
                            .into_iter()
                            .filter_map(|k| q.get(k).map(|v| (k, v)))
                            .collect::<Vec<_>>()
                    }).iter().map(|(k, v)| (*k, v.as_str())));
                    let back = q.to_query();
                    let draft = Draft::from_query(&query.get());
                    let voted = d.viewer.as_ref().map(|v| v.voted.clone()).unwrap_or_default();
                    let reported = d.viewer.as_ref().map(|v| v.reported.clone()).unwrap_or_default();
                    let me = d.viewer.as_ref().map(|v| v.username.clone());
                    let empty = d.reviews.is_empty();
                    let filtered = d.version.is_some();
                    view! {
                        <div class="reviews-top">
                            <RatingSummary r=d.rating.clone()/>
                            <div class="reviews-cta">
                                <WriteArea d=d.clone() a draft back=back.clone()/>
                            </div>
                        </div>
                        <ListControls plugin=d.plugin.clone() sort=d.sort.clone() version=d.version.clone() versions=d.versions.clone()/>
                        <ErrorBanner error=helpful_error/>
                        <ErrorBanner error=report_error/>
                        <ErrorBanner error=delete_error/>
                        {if empty {
                            let text = if filtered { "No review of this version yet." } else { "No review yet." };
                            view! { <p class="muted" data-testid="no-reviews">{text}</p> }.into_any()
                        } else {
                            view! {
                                <ol class="review-list" data-testid="review-list">
                                    {d.reviews.iter().cloned().map(|r| {
                                        let voted = voted.contains(&r.id);
                                        let reported = reported.contains(&r.id);
                                        view! { <ReviewItem r me=me.clone() voted reported a back=back.clone()/> }
                                    }).collect_view()}
                                </ol>
                            }.into_any()
                        }}
                        <PageLinks plugin=d.plugin.clone() q page=d.page more=d.more/>
                    }.into_any()
                })}
            </Transition>
        </section>
    }
}
