//! `/dashboard/namespaces/:ns`: one namespace as its members see it. Members
//! and roles (owners invite by user name with a role, change roles, remove
//! members; a namespace always keeps one owner), signing keys (add a minisign
//! public key, remove one, require signed packages), its plugins, and where
//! API tokens for CI are made. Maintainers see it all read-only. Members only.

use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_params_map;
use trellis_types::{MemberOut, NamespaceRole, SigningKeyOut};

use crate::api::dashboard::{dashboard_namespace, NamespaceDashData};
use crate::api::dashboard_actions::{
    AddSigningKey, RemoveNamespaceMember, RemoveSigningKey, SetNamespaceMember,
    SetRequireSignatures,
};
use crate::components::form::{last_error, ErrorBanner};
use crate::components::query::enc;
use crate::components::time::date;
use crate::components::webhook_form::FieldErrors;
use crate::pages::dashboard::{dash_failed, done_banner, DashTabs};

#[derive(Clone, Copy)]
struct Actions {
    member: ServerAction<SetNamespaceMember>,
    remove: ServerAction<RemoveNamespaceMember>,
    add_key: ServerAction<AddSigningKey>,
    remove_key: ServerAction<RemoveSigningKey>,
    signatures: ServerAction<SetRequireSignatures>,
}

fn notice(done: &str) -> Option<&'static str> {
    Some(match done {
        "created" => "The namespace was created. You are its owner.",
        "invited" => "If that user exists, they are invited: they join when they accept (on their dashboard).",
        "role_changed" => "The role was changed.",
        "removed" => "The member was removed.",
        "key_added" => "The signing key was added.",
        "key_removed" => "The signing key was removed.",
        "signatures_required" => "Packages of this namespace must now be signed by one of its keys.",
        "signatures_optional" => "Unsigned packages are accepted again.",
        _ => return None,
    })
}

fn role_select(name: &'static str, current: NamespaceRole, testid: String) -> impl IntoView {
    view! {
        <select name=name data-testid=testid>
            <option value="maintainer" selected=current == NamespaceRole::Maintainer>"maintainer"</option>
            <option value="owner" selected=current == NamespaceRole::Owner>"owner"</option>
        </select>
    }
}

/// Members and their roles, with the owners' controls.
#[component]
fn MembersPanel(ns: String, members: Vec<MemberOut>, owner: bool, a: Actions) -> impl IntoView {
    let error = last_error(a.member);
    let remove_error = last_error(a.remove);
    let ns_invite = ns.clone();
    view! {
        <section class="panel" id="members" aria-labelledby="members-title">
            <h2 id="members-title">"Members"</h2>
            <p class="muted">"Owners manage members and keys and may delete plugins; maintainers publish, yank, deprecate and reply to reviews."</p>
            <ErrorBanner error/>
            <ErrorBanner error=remove_error/>
            <div class="table-wrap">
                <table class="table" data-testid="members-table">
                    <thead><tr><th scope="col">"User"</th><th scope="col">"Role"</th>{owner.then(|| view! { <th scope="col">"Change"</th> })}</tr></thead>
                    <tbody>
                        {members.into_iter().map(|m| {
                            let (ns1, ns2) = (ns.clone(), ns.clone());
                            let (u1, u2) = (m.username.clone(), m.username.clone());
                            view! {
                                <tr data-member=m.username.clone() data-testid="member-row">
                                    <th scope="row">{m.username.clone()}</th>
                                    <td data-testid="member-role">{m.role.as_str()}</td>
                                    {owner.then(|| view! {
                                        <td class="actions">
                                            <ActionForm action=a.member attr:class="inline">
                                                <input type="hidden" name="ns" value=ns1.clone()/>
                                                <input type="hidden" name="username" value=u1.clone()/>
                                                {role_select("role", m.role, format!("role-{}", u1))}
                                                <button type="submit" class="btn btn-small">"Save role"</button>
                                            </ActionForm>
                                            <ActionForm action=a.remove attr:class="inline">
                                                <input type="hidden" name="ns" value=ns2.clone()/>
                                                <input type="hidden" name="username" value=u2.clone()/>
                                                <button type="submit" class="btn btn-small btn-danger" data-testid=format!("remove-{}", u2)>"Remove"</button>
                                            </ActionForm>
                                        </td>
                                    })}
                                </tr>
                            }
                        }).collect_view()}
                    </tbody>
                </table>
            </div>
            {if owner {
                view! {
                    <h3>"Invite someone"</h3>
                    <ActionForm action=a.member attr:class="inline-form" attr:data-testid="invite-form">
                        <input type="hidden" name="ns" value=ns_invite.clone()/>
                        <div class="field">
                            <label for="f-invite-user">"User name"</label>
                            <input id="f-invite-user" name="username" required autocomplete="off" data-testid="invite-username"/>
                            <FieldErrors name="username" error/>
                        </div>
                        <div class="field">
                            <label for="f-invite-role">"Role"</label>
                            <select id="f-invite-role" name="role" data-testid="invite-role">
                                <option value="maintainer" selected>"maintainer"</option>
                                <option value="owner">"owner"</option>
                            </select>
                        </div>
                        <button type="submit" class="btn btn-primary" data-testid="invite-submit">"Invite"</button>
                    </ActionForm>
                    <p class="hint">"They join when they accept the invitation, which stays open for 14 days."</p>
                }.into_any()
            } else {
                view! { <p class="muted">"Only owners change members."</p> }.into_any()
            }}
        </section>
    }
}

/// Signing keys and the require-signatures setting.
#[component]
fn KeysPanel(
    ns: String,
    keys: Vec<SigningKeyOut>,
    required: bool,
    owner: bool,
    a: Actions,
) -> impl IntoView {
    let error = last_error(a.add_key);
    let remove_error = last_error(a.remove_key);
    let sig_error = last_error(a.signatures);
    let (ns_add, ns_sig) = (ns.clone(), ns.clone());
    view! {
        <section class="panel" id="keys" aria-labelledby="keys-title">
            <h2 id="keys-title">"Signing keys"</h2>
            <p class="muted">"A signed package's signature is checked against these minisign public keys when it is published. "</p>
            <ErrorBanner error/>
            <ErrorBanner error=remove_error/>
            <ErrorBanner error=sig_error/>
            {if keys.is_empty() {
                view! { <p class="muted" data-testid="no-keys">"No key yet."</p> }.into_any()
            } else {
                view! {
                    <ul class="key-list" data-testid="key-list">
                        {keys.into_iter().map(|k| {
                            let ns = ns.clone();
                            let id = k.key_id.clone();
                            view! {
                                <li data-key=k.key_id.clone()>
                                    <code>{k.key_id.clone()}</code>
                                    <span class="muted">" added " {date(k.added_at)}</span>
                                    {owner.then(|| view! {
                                        <ActionForm action=a.remove_key attr:class="inline">
                                            <input type="hidden" name="ns" value=ns.clone()/>
                                            <input type="hidden" name="key_id" value=id.clone()/>
                                            <button type="submit" class="btn btn-small btn-danger" data-testid="remove-key">"Remove"</button>
                                        </ActionForm>
                                    })}
                                </li>
                            }
                        }).collect_view()}
                    </ul>
                }.into_any()
            }}
            {owner.then(|| view! {
                <h3>"Add a public key"</h3>
                <ActionForm action=a.add_key attr:data-testid="add-key-form">
                    <input type="hidden" name="ns" value=ns_add.clone()/>
                    <div class="field">
                        <label for="f-key">"Minisign public key"</label>
                        <textarea id="f-key" name="public_key" rows="3" required spellcheck="false" data-testid="public-key"
                            placeholder="RWQ… (the second line of your minisign .pub file)"></textarea>
                        <p class="hint">"The contents of the " <code>".pub"</code> " file, or its base64 line."</p>
                        <FieldErrors name="public_key" error/>
                    </div>
                    <button type="submit" class="btn btn-primary">"Add key"</button>
                </ActionForm>
                <h3 class="signatures">"Signatures"</h3>
                <p class="muted">{if required {
                    "Every package of this namespace must be signed by one of its keys."
                } else {
                    "Unsigned packages are accepted; a signed one must verify with one of the keys once any is registered."
                }}</p>
                <ActionForm action=a.signatures attr:class="inline">
                    <input type="hidden" name="ns" value=ns_sig.clone()/>
                    <input type="hidden" name="require" value=if required { "false" } else { "true" }/>
                    <button type="submit" class="btn" data-testid="toggle-signatures">
                        {if required { "Accept unsigned packages" } else { "Require signed packages" }}
                    </button>
                </ActionForm>
            })}
        </section>
    }
}

/// The page once loaded.
#[component]
fn NamespaceDashView(d: NamespaceDashData, a: Actions) -> impl IntoView {
    let ns = d.namespace.clone();
    let owner = d.role == NamespaceRole::Owner;
    view! {
        <Title text=format!("{} — Dashboard — Trellis", ns.name)/>
        <section class="panel dash-head">
            <DashTabs current=""/>
            <p class="crumbs"><a href="/dashboard">"Dashboard"</a> " / namespace"</p>
            <h1 data-testid="dash-ns-title">{ns.name.clone()}</h1>
            <p class="muted">"Your role: " <strong data-testid="dash-ns-role">{d.role.as_str()}</strong>
                " · created " {date(ns.created_at)} " · "
                <a href=format!("/namespaces/{}", enc(&ns.name))>"public page"</a></p>
            {done_banner(notice)}
        </section>
        <MembersPanel ns=ns.name.clone() members=ns.members.clone() owner a/>
        <KeysPanel ns=ns.name.clone() keys=ns.keys.clone() required=ns.require_signatures owner a/>
        <section class="panel" id="ns-plugins">
            <h2>"Plugins"</h2>
            {if d.plugins.is_empty() {
                view! { <p class="muted">"No plugin yet."</p> }.into_any()
            } else {
                view! {
                    <ul class="plain-list">
                        {d.plugins.into_iter().map(|(id, name, v)| view! {
                            <li><a href=format!("/dashboard/plugins/{}", enc(&id))>{name}</a> " " <code class="muted">{id.clone()}</code>
                                {v.map(|v| view! { <span class="muted">" · " {v}</span> })}</li>
                        }).collect_view()}
                    </ul>
                }.into_any()
            }}
            <p><a class="btn btn-primary" href=format!("/dashboard/publish?ns={}", enc(&ns.name))>"Publish a version"</a></p>
        </section>
        <section class="panel" id="ns-tokens">
            <h2>"Publishing from CI"</h2>
            <p>"The " <code>"trellis publish"</code> " command and the API take an API token with the "
                <code>"publish"</code> " scope. " <a href="/account/tokens">"Manage your API tokens"</a> "."</p>
        </section>
    }
}

/// The page.
#[component]
pub fn DashboardNamespacePage() -> impl IntoView {
    let params = use_params_map();
    let ns = move || params.with(|p| p.get("ns").unwrap_or_default());
    let a = Actions {
        member: ServerAction::new(),
        remove: ServerAction::new(),
        add_key: ServerAction::new(),
        remove_key: ServerAction::new(),
        signatures: ServerAction::new(),
    };
    // Keyed on the actions; the forms are plain posts, so a page load follows each.
    let runs = move || {
        a.member.version().get()
            + a.remove.version().get()
            + a.add_key.version().get()
            + a.remove_key.version().get()
            + a.signatures.version().get()
    };
    let data = crate::resource::new(move || (ns(), runs()), |(ns, _)| dashboard_namespace(ns));
    view! {
        <Transition fallback=|| view! { <p class="muted">"Loading…"</p> }>
            {move || Suspend::new(async move {
                match data.await {
                    Ok(d) => view! { <NamespaceDashView d a/> }.into_any(),
                    Err(e) => dash_failed(e, format!("The namespace {}", ns())),
                }
            })}
        </Transition>
    }
}
