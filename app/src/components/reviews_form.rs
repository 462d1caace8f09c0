//! The review form (stars as radio buttons, title, text, the version used
//! and the plugin API version), to write a review or change one's own, and
//! the viewer's own review with its Edit form and Delete confirmation. Field
//! errors show under their fields; after a refusal without JavaScript the
//! form comes back filled with what was typed (`draft_*` in the query).

use leptos::prelude::*;
use leptos_router::params::ParamsMap;
use trellis_types::ReviewOut;

use crate::api::reviews::ReviewsData;
use crate::components::form::{last_error, ErrorBanner, LastError};
use crate::components::reviews::{ReviewActions, Stars};
use crate::components::webhook_form::FieldErrors;

/// What a refused form sent, read back from the query (without JavaScript).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Draft {
    /// Whether the query holds a draft at all.
    pub present: bool,
    /// The draft is of the edit form.
    pub edit: bool,
    pub stars: Option<i64>,
    pub title: Option<String>,
    pub text: Option<String>,
    pub version: Option<String>,
    pub api_version: Option<String>,
}

impl Draft {
    /// The `draft_*` parameters of a query.
    pub fn from_query(q: &ParamsMap) -> Draft {
        let get = |k: &str| q.get(&format!("draft_{k}")).filter(|v| !v.is_empty());
        let d = Draft {
            present: false,
            edit: get("edit").is_some(),
            stars: get("stars").and_then(|s| s.parse().ok()),
            title: get("title"),
            text: get("text"),
            version: get("version"),
            api_version: get("api_version"),
        };
        Draft {
            present: d.edit
                || d.stars.is_some()
                || d.title.is_some()
                || d.text.is_some()
                || d.version.is_some(),
            ..d
        }
    }
}

/// The values a form starts with.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
struct Values {
    stars: i64,
    title: String,
    text: String,
    version: Option<String>,
    api_version: Option<String>,
}

impl Values {
    fn of(r: Option<&ReviewOut>, draft: &Draft, default_version: Option<String>) -> Values {
        let base = match r {
            Some(r) => Values {
                stars: r.stars,
                title: r.title.clone(),
                text: r.text.clone(),
                version: Some(r.version.clone()),
                api_version: r.api_version.clone(),
            },
            None => Values {
                version: default_version,
                ..Values::default()
            },
        };
        if !draft.present {
            return base;
        }
        Values {
            stars: draft.stars.unwrap_or(base.stars),
            title: draft.title.clone().unwrap_or(base.title),
            text: draft.text.clone().unwrap_or(base.text),
            version: draft.version.clone().or(base.version),
            api_version: draft.api_version.clone().or(base.api_version),
        }
    }
}

/// The fields of the form, with their errors.
#[component]
fn ReviewFields(
    v: Values,
    versions: Vec<String>,
    api_versions: Vec<String>,
    error: LastError,
    prefix: &'static str,
) -> impl IntoView {
    let id = move |f: &str| format!("{prefix}-{f}");
    view! {
        <fieldset class="field star-field">
            <legend>"Your rating"</legend>
            <div class="star-radios">
                {(1..=5i64).rev().map(|s| {
                    let label = format!("{s} star{}", if s == 1 { "" } else { "s" });
                    view! {
                        <label class="star-radio">
                            <input type="radio" name="stars" value=s.to_string() checked=v.stars == s required
                                data-testid=format!("stars-{s}")/>
                            <span aria-hidden="true">{"★".repeat(s as usize)}</span>
                            <span class="sr-only">{label}</span>
                        </label>
                    }
                }).collect_view()}
            </div>
            <FieldErrors name="stars" error/>
        </fieldset>
        <div class="field">
            <label for=id("title")>"Title"</label>
            <input id=id("title") name="title" maxlength="120" required value=v.title.clone()
                data-testid="review-title" placeholder="Sum it up in a few words"/>
            <FieldErrors name="title" error/>
        </div>
        <div class="field">
            <label for=id("text")>"Your review"</label>
            <textarea id=id("text") name="text" rows="6" maxlength="5000" required data-testid="review-text"
                placeholder="What did you use it for? What worked, what did not?">{v.text.clone()}</textarea>
            <p class="hint">"Plain text, up to 5000 characters."</p>
            <FieldErrors name="text" error/>
        </div>
        <div class="field-row">
            <div class="field">
                <label for=id("version")>"Version you used"</label>
                <select id=id("version") name="version" data-testid="review-version-used">
                    {versions.into_iter().map(|ver| {
                        let sel = v.version.as_deref() == Some(ver.as_str());
                        view! { <option value=ver.clone() selected=sel>{ver.clone()}</option> }
                    }).collect_view()}
                </select>
                <FieldErrors name="version" error/>
            </div>
            <div class="field">
                <label for=id("api")>"Plugin API version"</label>
                <select id=id("api") name="api_version" data-testid="review-api-version">
                    <option value="" selected=v.api_version.is_none()>"Not sure"</option>
                    {api_versions.into_iter().map(|a| {
                        let sel = v.api_version.as_deref() == Some(a.as_str());
                        view! { <option value=a.clone() selected=sel>{a.clone()}</option> }
                    }).collect_view()}
                </select>
                <p class="hint">"The Trellis plugin API your host ran it with."</p>
                <FieldErrors name="api_version" error/>
            </div>
        </div>
    }
}

/// The form to write a review.
#[component]
pub fn ReviewForm(d: ReviewsData, a: ReviewActions, draft: Draft, back: String) -> impl IntoView {
    let error = last_error(a.create);
    let v = Values::of(None, &draft, d.default_version.clone());
    let (plugin, versions, api_versions) =
        (d.plugin.clone(), d.versions.clone(), d.api_versions.clone());
    view! {
        <ActionForm action=a.create attr:class="review-form" attr:data-testid="review-form">
            <input type="hidden" name="plugin" value=plugin.clone()/>
            <input type="hidden" name="back" value=back.clone()/>
            <ErrorBanner error/>
            <ReviewFields v=v.clone() versions=versions.clone() api_versions=api_versions.clone() error prefix="new"/>
            <button type="submit" class="btn btn-primary" data-testid="review-submit"
                disabled=move || a.create.pending().get()>"Publish review"</button>
        </ActionForm>
    }
}

/// The viewer's own review: a summary, an Edit form and a Delete form.
#[component]
pub fn OwnReview(
    own: ReviewOut,
    d: ReviewsData,
    a: ReviewActions,
    draft: Draft,
    back: String,
) -> impl IntoView {
    let error = last_error(a.update);
    let delete_error = last_error(a.delete);
    let open = draft.present && draft.edit;
    let draft = if draft.edit { draft } else { Draft::default() };
    let v = Values::of(Some(&own), &draft, d.default_version.clone());
    let id = own.id.to_string();
    let (plugin_e, plugin_d) = (d.plugin.clone(), d.plugin.clone());
    let (id_e, id_d) = (id.clone(), id);
    let (back_e, back_d) = (back.clone(), back);
    let (versions, api_versions) = (d.versions.clone(), d.api_versions.clone());
    view! {
        <div class="own-review" id="write-review" data-testid="own-review">
            <p>
                <strong>"Your review: "</strong>
                <Stars value=own.stars as f64 class="small"/>
                " " {own.title.clone()}
                {own.hidden.is_some().then(|| view! {
                    <span class="muted" data-testid="own-review-hidden">" (hidden by a moderator: only you and the admins see it)"</span>
                })}
            </p>
            <details class="review-edit" open=open>
                <summary class="btn btn-small" data-testid="edit-review">"Edit your review"</summary>
                <ActionForm action=a.update attr:class="review-form" attr:data-testid="review-edit-form">
                    <input type="hidden" name="plugin" value=plugin_e.clone()/>
                    <input type="hidden" name="review_id" value=id_e.clone()/>
                    <input type="hidden" name="back" value=back_e.clone()/>
                    <ErrorBanner error/>
                    <ReviewFields v=v.clone() versions=versions.clone() api_versions=api_versions.clone() error prefix="edit"/>
                    <button type="submit" class="btn btn-primary" data-testid="review-save">"Save changes"</button>
                </ActionForm>
            </details>
            <details class="review-delete">
                <summary class="btn btn-small btn-danger" data-testid="delete-review">"Delete your review"</summary>
                <ActionForm action=a.delete attr:class="inline-form" attr:data-testid="review-delete-form">
                    <input type="hidden" name="plugin" value=plugin_d.clone()/>
                    <input type="hidden" name="review_id" value=id_d.clone()/>
                    <input type="hidden" name="back" value=back_d.clone()/>
                    <label class="check">
                        <input type="checkbox" name="confirm" required data-testid="delete-review-confirm"/>
                        " Yes, delete my review (with its reply and helpful marks)."
                    </label>
                    <FieldErrors name="confirm" error=delete_error/>
                    <button type="submit" class="btn btn-danger btn-small" data-testid="delete-review-submit">"Delete"</button>
                </ActionForm>
            </details>
        </div>
    }
}
