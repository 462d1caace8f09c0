//! One review in a list: stars, title, text, the version and plugin API
//! version used, author, date, helpful count and the publisher's reply; for a
//! signed-in reader who did not write it, the "Helpful" toggle and the
//! "Report" form (a reason and an optional text). Also used, without the
//! reader's actions, by the publisher dashboard.

use leptos::prelude::*;
use trellis_types::ReviewOut;

use crate::api::reviews::REASONS;
use crate::components::plugin_card::plural;
use crate::components::reviews::{ReviewActions, Stars};
use crate::components::time::date;

/// A review's own content (no actions).
#[component]
pub fn ReviewBody(r: ReviewOut) -> impl IntoView {
    let edited = r.updated_at > r.created_at + 60;
    view! {
        <div class="review-head">
            <Stars value=r.stars as f64/>
            <h3 class="review-title">{r.title.clone()}</h3>
        </div>
        <p class="review-meta muted">
            <span class="review-author">{r.author.clone()}</span>
            " · " <time datetime=date(r.created_at)>{date(r.created_at)}</time>
            {edited.then(|| view! { " · edited " {date(r.updated_at)} })}
            " · version " <span class="review-version">{r.version.clone()}</span>
            {r.api_version.clone().map(|a| view! { " · plugin API " {a} })}
        </p>
        <p class="review-text">{r.text.clone()}</p>
        {r.reply.clone().map(|reply| view! {
            <div class="review-reply" data-testid="review-reply">
                <p class="review-reply-head">
                    <strong>"Reply from the publisher"</strong>
                    <span class="muted">" · " {reply.author.clone()} " · " {date(reply.updated_at)}</span>
                </p>
                <p class="review-text">{reply.text.clone()}</p>
            </div>
        })}
    }
}

/// One review with the reader's actions.
#[component]
pub fn ReviewItem(
    r: ReviewOut,
    /// The signed-in reader's user name, if any.
    me: Option<String>,
    voted: bool,
    reported: bool,
    a: ReviewActions,
    back: String,
) -> impl IntoView {
    let mine = me.as_deref() == Some(r.author.as_str());
    let signed_in = me.is_some();
    let helpful = r.helpful;
    let id = r.id.to_string();
    let plugin = r.plugin.clone();
    let helpful_text = format!(
        "{} found this helpful",
        plural(helpful.max(0) as u64, "person", "people")
    );
    view! {
        <li class="review" id=format!("review-{}", r.id) data-review-id=id.clone() data-testid="review">
            {mine.then(|| view! { <span class="tag tag-muted own-tag">"Your review"</span> })}
            <ReviewBody r=r.clone()/>
            <div class="review-actions">
                {(helpful > 0).then(|| view! { <span class="muted helpful-count" data-testid="helpful-count">{helpful_text.clone()}</span> })}
                {(signed_in && !mine).then(|| {
                    let (plugin, id, back) = (plugin.clone(), id.clone(), back.clone());
                    let (plugin_r, id_r, back_r) = (plugin.clone(), id.clone(), back.clone());
                    view! {
                        <ActionForm action=a.helpful attr:class="inline">
                            <input type="hidden" name="plugin" value=plugin.clone()/>
                            <input type="hidden" name="review_id" value=id.clone()/>
                            <input type="hidden" name="back" value=back.clone()/>
                            <input type="hidden" name="helpful" value=if voted { "false" } else { "true" }/>
                            <button type="submit" class="btn btn-small" class:btn-on=voted
                                aria-pressed=if voted { "true" } else { "false" } data-testid="helpful-toggle">
                                {if voted { "✓ Helpful" } else { "Helpful" }}
                            </button>
                        </ActionForm>
                        {if reported {
                            view! { <span class="muted small" data-testid="reported">"You reported this review."</span> }.into_any()
                        } else {
                            view! {
                                <details class="review-report">
                                    <summary class="btn btn-small btn-ghost" data-testid="report-toggle">"Report"</summary>
                                    <ActionForm action=a.report attr:class="report-form" attr:data-testid="report-form">
                                        <input type="hidden" name="plugin" value=plugin_r.clone()/>
                                        <input type="hidden" name="review_id" value=id_r.clone()/>
                                        <input type="hidden" name="back" value=back_r.clone()/>
                                        <div class="field">
                                            <label>"Reason"
                                                <select name="reason" required data-testid="report-reason">
                                                    {REASONS.iter().map(|(v, l)| view! { <option value=*v>{*l}</option> }).collect_view()}
                                                </select>
                                            </label>
                                        </div>
                                        <div class="field">
                                            <label>"What is wrong with it? (optional)"
                                                <textarea name="text" rows="3" maxlength="1000" data-testid="report-text"></textarea>
                                            </label>
                                        </div>
                                        <button type="submit" class="btn btn-small btn-danger" data-testid="report-submit">"Send report"</button>
                                    </ActionForm>
                                </details>
                            }.into_any()
                        }}
                    }
                })}
            </div>
        </li>
    }
}
