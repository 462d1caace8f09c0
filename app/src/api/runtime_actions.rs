//! The plugin runtime's actions, each a server function an `ActionForm`
//! posts to: install with consent, enable / disable, pin / unpin, update one
//! or all, roll back, uninstall, save the configuration, invoke.
//!
//! Each ends with a redirect to the page that shows its outcome with a small
//! `done=` marker (the forms are plain posts; the settings form, an island,
//! follows the same redirect). An update, rollback or "Update all" that asks for permissions not
//! consented to before goes to its consent page instead (the service refused
//! it on field `consent`; nothing changed). Without JavaScript a refused
//! configuration comes back with what was typed (`draft_<field>`, never a
//! secret), and `invoke` comes back with its result sealed in the URL
//! (`invoked=`: only this server can have written it, for this viewer and
//! installation).

use std::collections::BTreeMap;

use leptos::prelude::*;

use crate::api::runtime::InvokeResult;
use crate::error::UiError;

/// A page of this site to go back to: `back` when it is a local path, else `default`.
pub fn local_or(back: Option<String>, default: String) -> String {
    match back {
        Some(b)
            if b.starts_with('/')
                && !b.starts_with("//")
                && !b.contains('\\')
                && !b.chars().any(char::is_control) =>
        {
            b
        }
        _ => default,
    }
}

/// `href` with `done=<marker>` as its only marker (an earlier one, an
/// earlier error and the fragment are dropped).
pub fn with_done(href: &str, marker: &str) -> String {
    let href = href.split('#').next().unwrap_or(href);
    let (path, query) = href.split_once('?').unwrap_or((href, ""));
    let mut parts: Vec<&str> = query
        .split('&')
        .filter(|p| !p.is_empty() && !p.starts_with("done=") && !p.starts_with("__err"))
        .collect();
    let done = format!("done={marker}");
    parts.push(&done);
    format!("{path}?{}", parts.join("&"))
}

/// An installation's page.
pub fn installation_href(id: &str) -> String {
    format!("/installations/{}", crate::components::query::enc(id))
}

/// A workspace's page.
pub fn workspace_href(ws: &str) -> String {
    format!("/workspaces/{}", crate::components::query::enc(ws))
}

/// Whether `e` is the services' "consent needed" refusal.
#[cfg(feature = "ssr")]
fn needs_consent(e: &trellis_platform::AppError) -> bool {
    e.code == trellis_types::ErrorCode::ValidationFailed
        && e.errors.iter().any(|f| f.field == "consent")
}

/// Installs `plugin` (and what it needs) into `workspace`, with consent (the
/// `consent` checkbox), then goes to the new installation's page.
#[server]
pub async fn install_plugin(
    plugin: String,
    workspace: String,
    consent: Option<String>,
) -> Result<(), UiError> {
    use super::runtime::rt;
    let (rt, actor) = rt::acting().await?;
    let input = trellis_types::InstallIn {
        plugin: plugin.clone(),
        req: None,
        consent: consent.is_some(),
    };
    let done = trellis_runtime::install::install(&rt, &actor, &workspace, &input).await?;
    let to = match done.installations.iter().find(|i| i.plugin == plugin) {
        Some(i) => with_done(&installation_href(&i.id), "installed"),
        None => with_done(&workspace_href(&done.plan.workspace), "installed"),
    };
    leptos_axum::redirect(&to);
    Ok(())
}

/// Enables (`enabled = true`) or disables installation `id`; back to `back`
/// (a local path) or the installation's page.
#[server]
pub async fn set_installation_enabled(
    id: String,
    enabled: bool,
    back: Option<String>,
) -> Result<(), UiError> {
    use super::runtime::rt;
    let (rt, actor) = rt::acting().await?;
    let patch = trellis_types::InstallationPatchIn {
        enabled: Some(enabled),
        pinned: None,
    };
    trellis_runtime::manage::patch(&rt, &actor, &id, &patch).await?;
    let to = local_or(back, installation_href(&id));
    leptos_axum::redirect(&with_done(
        &to,
        if enabled { "enabled" } else { "disabled" },
    ));
    Ok(())
}

/// Pins (`pinned = true`) or unpins installation `id`.
#[server]
pub async fn set_installation_pinned(
    id: String,
    pinned: bool,
    back: Option<String>,
) -> Result<(), UiError> {
    use super::runtime::rt;
    let (rt, actor) = rt::acting().await?;
    let patch = trellis_types::InstallationPatchIn {
        enabled: None,
        pinned: Some(pinned),
    };
    trellis_runtime::manage::patch(&rt, &actor, &id, &patch).await?;
    let to = local_or(back, installation_href(&id));
    leptos_axum::redirect(&with_done(&to, if pinned { "pinned" } else { "unpinned" }));
    Ok(())
}

/// Updates installation `id` (to `version`, else the newest). When it asks
/// for more permissions and `consent` is not ticked, goes to its consent page.
#[server]
pub async fn update_installation(
    id: String,
    version: Option<String>,
    consent: Option<String>,
    back: Option<String>,
) -> Result<(), UiError> {
    use super::runtime::rt;
    let (rt, actor) = rt::acting().await?;
    let version = version.filter(|v| !v.trim().is_empty());
    let input = trellis_types::UpdateIn {
        consent: consent.is_some(),
        version: version.clone(),
    };
    match trellis_runtime::updates::update(&rt, &actor, &id, &input).await {
        Ok(_) => {
            let to = local_or(back, installation_href(&id));
            leptos_axum::redirect(&with_done(&to, "updated"));
            Ok(())
        }
        Err(e) if needs_consent(&e) && consent.is_none() => {
            let q = version
                .map(|v| format!("?version={}", crate::components::query::enc(&v)))
                .unwrap_or_default();
            leptos_axum::redirect(&format!("{}/update{q}", installation_href(&id)));
            Ok(())
        }
        Err(e) => Err(e.into()),
    }
}

/// Rolls installation `id` back to its previous version (to its consent page
/// when that asks for more permissions).
#[server]
pub async fn rollback_installation(
    id: String,
    consent: Option<String>,
    back: Option<String>,
) -> Result<(), UiError> {
    use super::runtime::rt;
    let (rt, actor) = rt::acting().await?;
    let input = trellis_types::ConsentIn {
        consent: consent.is_some(),
    };
    match trellis_runtime::updates::rollback(&rt, &actor, &id, &input).await {
        Ok(_) => {
            let to = local_or(back, installation_href(&id));
            leptos_axum::redirect(&with_done(&to, "rolled_back"));
            Ok(())
        }
        Err(e) if needs_consent(&e) && consent.is_none() => {
            leptos_axum::redirect(&format!("{}/rollback", installation_href(&id)));
            Ok(())
        }
        Err(e) => Err(e.into()),
    }
}

/// Updates every installation of `workspace` that has an update and is not
/// pinned (to the consent page when one asks for more permissions).
#[server]
pub async fn update_all_plugins(workspace: String, consent: Option<String>) -> Result<(), UiError> {
    use super::runtime::rt;
    let (rt, actor) = rt::acting().await?;
    let input = trellis_types::ConsentIn {
        consent: consent.is_some(),
    };
    match trellis_runtime::updates::update_all(&rt, &actor, &workspace, &input).await {
        Ok(_) => {
            leptos_axum::redirect(&with_done(&workspace_href(&workspace), "updated_all"));
            Ok(())
        }
        Err(e) if needs_consent(&e) && consent.is_none() => {
            leptos_axum::redirect(&format!("{}/updates", workspace_href(&workspace)));
            Ok(())
        }
        Err(e) => Err(e.into()),
    }
}

/// Uninstalls installation `id` (and, with `remove_unused` ticked, the
/// dependencies nothing needs then), then goes to its workspace.
#[server]
pub async fn uninstall_plugin(id: String, remove_unused: Option<String>) -> Result<(), UiError> {
    use super::runtime::rt;
    let (rt, actor) = rt::acting().await?;
    let inst = trellis_runtime::manage::get(&rt, &actor, &id).await?;
    let input = trellis_types::UninstallIn {
        remove_unused_dependencies: remove_unused.is_some(),
    };
    trellis_runtime::manage::uninstall(&rt, &actor, &id, &input).await?;
    leptos_axum::redirect(&with_done(&workspace_href(&inst.workspace), "uninstalled"));
    Ok(())
}

/// Saves installation `id`'s configuration form: `values[<field>]` as typed
/// (read by each field's kind; an empty secret keeps the stored one),
/// `picks[]`, the ticked boxes of `choices` fields (`name:index`), and
/// `clear[]`, secrets to forget.
#[server]
pub async fn save_plugin_config(
    id: String,
    values: Option<BTreeMap<String, String>>,
    clear: Option<Vec<String>>,
    picks: Option<Vec<String>>,
) -> Result<(), UiError> {
    use super::runtime::rt;
    let (rt, actor) = rt::acting().await?;
    let mut values = values.unwrap_or_default();
    let form = trellis_runtime::configure::get(&rt, &actor, &id).await?;
    trellis_runtime::configure::merge_picks(&form.fields, &mut values, &picks.unwrap_or_default());
    let result = async {
        let mut typed =
            trellis_runtime::configure::coerce_form(&form.fields, &values).map_err(|errors| {
                trellis_platform::AppError::validation(
                    "Some fields are not valid; nothing was saved.",
                    errors,
                )
            })?;
        for name in clear.unwrap_or_default() {
            if form
                .fields
                .iter()
                .any(|f| f.name == name && f.kind == "secret")
            {
                typed.insert(name, serde_json::Value::Null);
            }
        }
        trellis_runtime::configure::set(
            &rt,
            &actor,
            &id,
            &trellis_types::ConfigIn { values: typed },
        )
        .await
    }
    .await;
    match result {
        Ok(_) => {
            leptos_axum::redirect(&format!(
                "{}#config",
                with_done(&installation_href(&id), "configured")
            ));
            Ok(())
        }
        Err(e) => {
            // Never a secret; an empty `choices` field is kept (none ticked
            // is a value, not the defaults).
            let kind = |k: &str| {
                form.fields
                    .iter()
                    .find(|f| f.name == k)
                    .map(|f| f.kind.as_str())
            };
            let drafts: Vec<(String, String)> = values
                .into_iter()
                .filter(|(k, v)| match kind(k) {
                    Some("secret") => false,
                    Some("choices") => true,
                    _ => !v.is_empty(),
                })
                .collect();
            Err(keep_draft::<SavePluginConfig>(&id, &drafts, e.into()))
        }
    }
}

/// Without JavaScript, a refused configuration comes back to the page with
/// what was typed (`draft_<field>`, never a secret) beside the error.
#[cfg(feature = "ssr")]
fn keep_draft<S>(id: &str, drafts: &[(String, String)], e: UiError) -> UiError
where
    S: leptos::server_fn::ServerFn<Error = UiError>,
{
    use crate::components::query::enc;
    use leptos::server_fn::error::ServerFnUrlError;
    if !crate::api::reviews::is_form_post() {
        return e;
    }
    let Some(parts) = use_context::<http::request::Parts>() else {
        return e;
    };
    let origin = parts
        .headers
        .get(http::header::REFERER)
        .and_then(|v| v.to_str().ok())
        .and_then(|r| r.find("/installations/").map(|i| r[..i].to_owned()));
    let Some(origin) = origin else {
        return e;
    };
    let q: Vec<String> = drafts
        .iter()
        .take(50)
        .filter(|(_, v)| v.len() <= 2000)
        .map(|(k, v)| format!("draft_{}={}", enc(k), enc(v)))
        .collect();
    let url = format!("{origin}{}?{}", installation_href(id), q.join("&"));
    if let Ok(with_err) = ServerFnUrlError::new(S::PATH, e.clone()).to_url(&url) {
        leptos_axum::redirect(&format!("{with_err}#config"));
    }
    e
}

/// The most of a result carried in a URL (the page says when it was cut).
#[cfg(feature = "ssr")]
const CARRIED: usize = 4000;

#[cfg(feature = "ssr")]
fn cut(s: &str, n: usize) -> String {
    if s.chars().count() <= n {
        s.to_owned()
    } else {
        format!(
            "{}… (cut here: the rest is too long to carry back without JavaScript)",
            s.chars().take(n).collect::<String>()
        )
    }
}

/// Calls installation `id`'s `invoke` with `input` (JSON). The form (a plain
/// post) comes back to the page with the result sealed in the URL; a script
/// calling it gets the result.
#[server]
pub async fn invoke_plugin(id: String, input: String) -> Result<InvokeResult, UiError> {
    use super::runtime::rt;
    use trellis_platform::AppError;
    use trellis_types::ErrorCode;
    let (rt, actor) = rt::acting().await?;
    let result = if input.len() > 64 * 1024 {
        Err(AppError::field(
            ErrorCode::ValidationFailed,
            "input",
            "too_long",
            "The input is at most 64 KB of JSON.",
        ))
    } else {
        match serde_json::from_str::<serde_json::Value>(if input.trim().is_empty() {
            "null"
        } else {
            &input
        }) {
            Err(e) => Err(AppError::field(
                ErrorCode::ValidationFailed,
                "input",
                "invalid_json",
                format!("This is not JSON: {e}."),
            )),
            Ok(v) => {
                trellis_runtime::status::invoke(
                    &rt,
                    &actor,
                    &id,
                    &trellis_types::InvokeIn { input: v },
                )
                .await
            }
        }
    };
    let shown = match result {
        Ok(out) => InvokeResult {
            input: input.clone(),
            ok: true,
            text: serde_json::to_string_pretty(&out.output).unwrap_or_default(),
            duration_ms: out.duration_ms,
            fuel: out.fuel,
        },
        // What the person can act on: the plugin failed, the input is not
        // JSON, the plugin is disabled.
        Err(e)
            if matches!(e.code, ErrorCode::PluginFailed | ErrorCode::Conflict)
                || e.errors.iter().any(|f| f.field == "input") =>
        {
            InvokeResult {
                input: input.clone(),
                ok: false,
                text: e.detail.clone(),
                duration_ms: 0,
                fuel: 0,
            }
        }
        Err(e) => return Err(e.into()),
    };
    if crate::api::reviews::is_form_post() {
        let carried = InvokeResult {
            input: cut(&shown.input, CARRIED / 2),
            text: cut(&shown.text, CARRIED),
            ..shown.clone()
        };
        let sealer =
            trellis_platform::seal::Sealer::new(&rt.state.session_key[..], rt::INVOKE_SEAL);
        let sealed = sealer.seal(
            &rt::invoke_context(&actor, &id),
            &serde_json::to_vec(&carried).unwrap_or_default(),
        );
        leptos_axum::redirect(&format!(
            "{}?invoked={}#invoke",
            installation_href(&id),
            crate::components::query::enc(&sealed)
        ));
    }
    Ok(shown)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn back_links_stay_on_this_site() {
        let d = || "/installations/x".to_owned();
        assert_eq!(
            local_or(Some("/workspaces/~a".into()), d()),
            "/workspaces/~a"
        );
        for bad in [
            "//evil.example/",
            "https://evil.example/",
            "/\\evil",
            "",
            "x",
        ] {
            assert_eq!(local_or(Some(bad.into()), d()), d(), "{bad}");
        }
        assert_eq!(local_or(None, d()), d());
    }

    #[test]
    fn done_markers_replace_earlier_ones() {
        assert_eq!(
            with_done("/workspaces/~a", "enabled"),
            "/workspaces/~a?done=enabled"
        );
        assert_eq!(
            with_done(
                "/installations/x?level=warn&done=pinned&__err=zz#log",
                "unpinned"
            ),
            "/installations/x?level=warn&done=unpinned"
        );
    }
}
