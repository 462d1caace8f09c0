//! `/dashboard/plugins/:id`: one plugin as its publishers see it. Its
//! versions with yank (behind a confirmation box) and un-yank, deprecation
//! (reason and replacement) and its withdrawal, the rating summary and its
//! monthly trend, the reviews waiting for a reply (each with a reply form) and
//! those answered (edit or delete the reply), and deletion for owners while
//! nobody has downloaded it. Members only: others get 403, signed-out
//! visitors the sign-in page.

use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_params_map;
use trellis_types::{NamespaceRole, PluginOut, ReviewOut, VersionOut};

use crate::api::dashboard::{dashboard_plugin, PluginDashData};
use crate::api::dashboard_actions::{
    DeletePlugin, DeprecatePlugin, SetVersionYanked, UndeprecatePlugin,
};
use crate::api::reviews::{DeleteReviewReply, ReplyToReview};
use crate::components::form::{last_error, ErrorBanner};
use crate::components::plugin_card::count;
use crate::components::query::enc;
use crate::components::reviews::RatingSummary;
use crate::components::reviews_item::ReviewBody;
use crate::components::time::date;
use crate::components::webhook_form::FieldErrors;
use crate::pages::dashboard::{dash_failed, done_banner, DashTabs};
use crate::pages::dashboard_panels::{ReportsPanel, StatsPanel};
use crate::pages::dashboard_trend::RatingTrend;

/// The actions this page's forms post to.
#[derive(Clone, Copy)]
struct Actions {
    yank: ServerAction<SetVersionYanked>,
    deprecate: ServerAction<DeprecatePlugin>,
    undeprecate: ServerAction<UndeprecatePlugin>,
    delete: ServerAction<DeletePlugin>,
    reply: ServerAction<ReplyToReview>,
    delete_reply: ServerAction<DeleteReviewReply>,
}

fn notice(done: &str) -> Option<&'static str> {
    Some(match done {
        "published" => "The version was published.",
        "yanked" => "The version was yanked: new installs no longer pick it.",
        "unyanked" => "The version is no longer yanked.",
        "deprecated" => "The plugin is marked deprecated.",
        "undeprecated" => "The plugin is no longer deprecated.",
        "replied" => "Your reply was published under the review.",
        "reply_deleted" => "The reply was removed.",
        _ => return None,
    })
}

/// The versions with their yank controls.
#[component]
fn VersionsPanel(plugin: String, versions: Vec<VersionOut>, a: Actions) -> impl IntoView {
    let error = last_error(a.yank);
    view! {
        <section class="panel" id="versions" aria-labelledby="dash-versions-title">
            <h2 id="dash-versions-title">"Versions"</h2>
            <p class="muted">"A yanked version stays downloadable by its exact version (lock files keep working), but installs and resolution never pick it otherwise."</p>
            <ErrorBanner error/>
            <FieldErrors name="confirm" error/>
            {if versions.is_empty() {
                view! { <p class="muted">"No version."</p> }.into_any()
            } else {
                view! {
                    <div class="table-wrap">
                        <table class="table dash-versions" data-testid="dash-versions">
                            <thead><tr>
                                <th scope="col">"Version"</th><th scope="col">"Published"</th><th scope="col">"By"</th>
                                <th scope="col">"Downloads"</th><th scope="col">"State"</th><th scope="col">"Action"</th>
                            </tr></thead>
                            <tbody>
                                {versions.into_iter().map(|v| {
                                    let (p1, p2) = (plugin.clone(), plugin.clone());
                                    let (v1, v2) = (v.version.clone(), v.version.clone());
                                    view! {
                                        <tr data-version=v.version.clone() data-testid="dash-version-row">
                                            <th scope="row">{v.version.clone()}</th>
                                            <td class="nowrap">{date(v.published_at)}</td>
                                            <td>{v.published_by.clone()}</td>
                                            <td>{count(v.downloads.max(0) as u64)}</td>
                                            <td>
                                                {v.yanked.then(|| view! { <span class="tag tag-warn">"yanked"</span> })}
                                                {v.prerelease.then(|| view! { <span class="tag tag-muted">"pre-release"</span> })}
                                                {v.imported.then(|| view! { <span class="tag tag-muted">"listed only"</span> })}
                                                {(!v.yanked && !v.prerelease && !v.imported).then_some("current")}
                                            </td>
                                            <td class="actions">
                                                {if v.imported {
                                                    view! { <span class="muted small">"no package"</span> }.into_any()
                                                } else if v.yanked {
                                                    view! {
                                                        <ActionForm action=a.yank attr:class="inline">
                                                            <input type="hidden" name="plugin" value=p1.clone()/>
                                                            <input type="hidden" name="version" value=v1.clone()/>
                                                            <input type="hidden" name="yanked" value="false"/>
                                                            <button type="submit" class="btn btn-small" data-testid="unyank">"Un-yank"</button>
                                                        </ActionForm>
                                                    }.into_any()
                                                } else {
                                                    view! {
                                                        <details class="yank">
                                                            <summary class="btn btn-small" data-testid="yank-toggle">"Yank…"</summary>
                                                            <ActionForm action=a.yank attr:class="yank-form">
                                                                <input type="hidden" name="plugin" value=p2.clone()/>
                                                                <input type="hidden" name="version" value=v2.clone()/>
                                                                <input type="hidden" name="yanked" value="true"/>
                                                                <label class="check">
                                                                    <input type="checkbox" name="confirm" required data-testid="yank-confirm"/>
                                                                    {format!(" Yank {}: new installs stop picking it.", v2)}
                                                                </label>
                                                                <button type="submit" class="btn btn-small btn-danger" data-testid="yank-submit">"Yank"</button>
                                                            </ActionForm>
                                                        </details>
                                                    }.into_any()
                                                }}
                                            </td>
                                        </tr>
                                    }
                                }).collect_view()}
                            </tbody>
                        </table>
                    </div>
                }.into_any()
            }}
        </section>
    }
}

/// Deprecate the plugin, or withdraw its deprecation.
#[component]
fn DeprecationPanel(p: PluginOut, a: Actions) -> impl IntoView {
    let error = last_error(a.deprecate);
    let undo_error = last_error(a.undeprecate);
    let id = p.id.clone();
    view! {
        <section class="panel" id="deprecation" aria-labelledby="dash-deprecation-title">
            <h2 id="dash-deprecation-title">"Deprecation"</h2>
            <ErrorBanner error/>
            <ErrorBanner error=undo_error/>
            {match p.deprecated.clone() {
                Some(d) => view! {
                    <div class="banner banner-warn" data-testid="dash-deprecated">
                        <strong>"Deprecated. "</strong> {d.reason.clone()}
                        {d.replacement.clone().map(|r| view! { " Replacement: " <code>{r}</code> })}
                    </div>
                    <ActionForm action=a.undeprecate attr:class="inline">
                        <input type="hidden" name="plugin" value=id.clone()/>
                        <button type="submit" class="btn" data-testid="undeprecate">"Withdraw the deprecation"</button>
                    </ActionForm>
                }.into_any(),
                None => view! {
                    <p class="muted">"Deprecating tells users to stop using the plugin (its page and the CLI show the reason and the replacement). Nothing is removed; you can withdraw it."</p>
                    <ActionForm action=a.deprecate attr:class="deprecate-form" attr:data-testid="deprecate-form">
                        <input type="hidden" name="plugin" value=id.clone()/>
                        <div class="field">
                            <label for="f-dep-reason">"Reason"</label>
                            <textarea id="f-dep-reason" name="reason" rows="2" maxlength="500" required data-testid="deprecate-reason"></textarea>
                            <FieldErrors name="reason" error/>
                        </div>
                        <div class="field">
                            <label for="f-dep-replacement">"Replacement (optional)"</label>
                            <input id="f-dep-replacement" name="replacement" placeholder="namespace.name" data-testid="deprecate-replacement"/>
                            <p class="hint">"The id of the plugin to use instead."</p>
                            <FieldErrors name="replacement" error/>
                        </div>
                        <button type="submit" class="btn btn-danger" data-testid="deprecate-submit">"Deprecate"</button>
                    </ActionForm>
                }.into_any(),
            }}
        </section>
    }
}

/// A review with the reply form (a new reply, or the reply to change) and,
/// when it has a reply, its removal.
#[component]
fn ReplyItem(r: ReviewOut, a: Actions) -> impl IntoView {
    let has_reply = r.reply.is_some();
    let current = r.reply.as_ref().map(|x| x.text.clone()).unwrap_or_default();
    let (plugin, id) = (r.plugin.clone(), r.id.to_string());
    let (plugin_d, id_d) = (plugin.clone(), id.clone());
    let form_id = format!("reply-{}", r.id);
    let form = view! {
        <ActionForm action=a.reply attr:class="reply-form" attr:data-testid="reply-form">
            <input type="hidden" name="plugin" value=plugin.clone()/>
            <input type="hidden" name="review_id" value=id.clone()/>
            <label for=form_id.clone() class="sr-only">"Your reply"</label>
            <textarea id=form_id.clone() name="text" rows="3" maxlength="5000" required data-testid="reply-text"
                placeholder="Thank the reviewer, answer the question, say what changed…">{current}</textarea>
            <button type="submit" class="btn btn-primary btn-small" data-testid="reply-submit">
                {if has_reply { "Save reply" } else { "Reply" }}
            </button>
        </ActionForm>
    };
    view! {
        <li class="review" id=format!("review-{}", r.id) data-review-id=r.id.to_string() data-testid="dash-review">
            <ReviewBody r=r.clone()/>
            {if has_reply {
                view! {
                    <div class="reply-tools">
                        <details>
                            <summary class="btn btn-small" data-testid="edit-reply">"Edit reply"</summary>
                            {form}
                        </details>
                        <ActionForm action=a.delete_reply attr:class="inline">
                            <input type="hidden" name="plugin" value=plugin_d.clone()/>
                            <input type="hidden" name="review_id" value=id_d.clone()/>
                            <button type="submit" class="btn btn-small btn-danger" data-testid="delete-reply">"Delete reply"</button>
                        </ActionForm>
                    </div>
                }.into_any()
            } else {
                form.into_any()
            }}
        </li>
    }
}

/// Reviews waiting for a reply, then those answered.
#[component]
fn ReviewsPanel(
    p: PluginOut,
    awaiting: Vec<ReviewOut>,
    answered: Vec<ReviewOut>,
    a: Actions,
) -> impl IntoView {
    let error = last_error(a.reply);
    let delete_error = last_error(a.delete_reply);
    let n = awaiting.len();
    view! {
        <section class="panel" id="reviews" aria-labelledby="dash-reviews-title">
            <h2 id="dash-reviews-title">"Reviews"</h2>
            <ErrorBanner error/>
            <FieldErrors name="text" error/>
            <ErrorBanner error=delete_error/>
            <h3 data-testid="awaiting-title">{format!("Waiting for a reply ({n})")}</h3>
            {if awaiting.is_empty() {
                view! { <p class="muted" data-testid="no-awaiting">"Every review has a reply."</p> }.into_any()
            } else {
                view! {
                    <ol class="review-list" data-testid="awaiting-list">
                        {awaiting.into_iter().map(|r| view! { <ReplyItem r a/> }).collect_view()}
                    </ol>
                }.into_any()
            }}
            {(!answered.is_empty()).then(|| view! {
                <h3>"Answered"</h3>
                <ol class="review-list" data-testid="answered-list">
                    {answered.into_iter().map(|r| view! { <ReplyItem r a/> }).collect_view()}
                </ol>
            })}
            <p><a href=format!("/plugins/{}#reviews", enc(&p.id))>"Every review on the plugin's page →"</a></p>
        </section>
    }
}

/// Deletion (owners), only while nobody has downloaded the plugin.
#[component]
fn DeletePanel(p: PluginOut, a: Actions) -> impl IntoView {
    let error = last_error(a.delete);
    let id = p.id.clone();
    view! {
        <section class="panel danger-zone" id="delete-plugin">
            <h2>"Delete this plugin"</h2>
            <p class="muted">"Possible only while nobody has downloaded it; after that, deprecate it instead."</p>
            <ErrorBanner error/>
            <ActionForm action=a.delete attr:data-testid="delete-plugin-form">
                <input type="hidden" name="plugin" value=id.clone()/>
                <div class="field">
                    <label for="f-del-confirm">"Type " <code>{id.clone()}</code> " to confirm"</label>
                    <input id="f-del-confirm" name="confirm" required autocomplete="off" data-testid="delete-plugin-confirm"/>
                    <FieldErrors name="confirm" error/>
                </div>
                <button type="submit" class="btn btn-danger" data-testid="delete-plugin">"Delete plugin"</button>
            </ActionForm>
        </section>
    }
}

/// The page once loaded.
#[component]
fn PluginDashView(d: PluginDashData, a: Actions) -> impl IntoView {
    let p = d.plugin.clone();
    let public = format!("/plugins/{}", enc(&p.id));
    let ns_href = format!("/dashboard/namespaces/{}", enc(&p.namespace));
    let publish = format!("/dashboard/publish?ns={}", enc(&p.namespace));
    let owner = d.role == NamespaceRole::Owner;
    view! {
        <Title text=format!("{} — Dashboard — Trellis", p.display_name)/>
        <section class="panel dash-head">
            <DashTabs current=""/>
            <p class="crumbs"><a href="/dashboard">"Dashboard"</a> " / " <a href=ns_href>{p.namespace.clone()}</a> " / " {p.name.clone()}</p>
            <h1 data-testid="dash-plugin-title">{p.display_name.clone()}</h1>
            <p class="muted"><code>{p.id.clone()}</code>
                {p.latest_version.clone().map(|v| view! { " · latest " <strong>{v}</strong> })}
                {format!(" · {} downloads", count(p.downloads.max(0) as u64))}
            </p>
            {done_banner(notice)}
            <div class="action-row">
                <a href=public class="btn">"Public page"</a>
                <a href=publish class="btn btn-primary">"Publish a new version"</a>
            </div>
        </section>
        <VersionsPanel plugin=p.id.clone() versions=d.versions a/>
        <DeprecationPanel p=p.clone() a/>
        <section class="panel" id="rating" aria-labelledby="dash-rating-title">
            <h2 id="dash-rating-title">"Rating"</h2>
            <div class="dash-rating">
                <RatingSummary r=d.rating/>
                <RatingTrend t=d.trend/>
            </div>
        </section>
        <StatsPanel id=p.id.clone() stats=d.stats/>
        <ReviewsPanel p=p.clone() awaiting=d.awaiting answered=d.answered a/>
        <ReportsPanel plugin=p.id.clone() reports=d.reports/>
        {owner.then(|| view! { <DeletePanel p=p.clone() a/> })}
    }
}

/// The page.
#[component]
pub fn DashboardPluginPage() -> impl IntoView {
    let params = use_params_map();
    let id = move || params.with(|p| p.get("id").unwrap_or_default());
    let a = Actions {
        yank: ServerAction::new(),
        deprecate: ServerAction::new(),
        undeprecate: ServerAction::new(),
        delete: ServerAction::new(),
        reply: ServerAction::new(),
        delete_reply: ServerAction::new(),
    };
    // Keyed on the actions; the forms are plain posts, so a page load follows each.
    let runs = move || {
        a.yank.version().get()
            + a.deprecate.version().get()
            + a.undeprecate.version().get()
            + a.reply.version().get()
            + a.delete_reply.version().get()
    };
    let data = crate::resource::new(move || (id(), runs()), |(id, _)| dashboard_plugin(id));
    view! {
        <Transition fallback=|| view! { <p class="muted">"Loading…"</p> }>
            {move || Suspend::new(async move {
                match data.await {
                    Ok(d) => view! { <PluginDashView d a/> }.into_any(),
                    Err(e) => dash_failed(e, format!("The plugin {}", id())),
                }
            })}
        </Transition>
    }
}
