//! The plugin page's side column: how to get the plugin (the offered version's
//! download and checksum, or for a listing imported without a package, its
//! repository), its facts (license, compatibility, author, links, statistics),
//! the permissions it asks for and its dependencies.

use leptos::prelude::*;
use trellis_types::{PermissionsOut, PluginOut, VersionOut};

use crate::components::plugin_card::{count, license_label};
use crate::components::time::date;

/// A size in bytes for people: `812 B`, `12.4 KB`, `3.1 MB`.
pub fn size(bytes: i64) -> String {
    match bytes {
        b if b < 1024 => format!("{b} B"),
        b if b < 1024 * 1024 => format!("{:.1} KB", b as f64 / 1024.0),
        b => format!("{:.1} MB", b as f64 / (1024.0 * 1024.0)),
    }
}

/// The version offered for download: the latest, else the newest one that is
/// not yanked; never one imported from a catalogue (it has no package).
pub fn offered<'a>(p: &PluginOut, versions: &'a [VersionOut]) -> Option<&'a VersionOut> {
    let packaged = |v: &&VersionOut| !v.imported;
    versions
        .iter()
        .filter(packaged)
        .find(|v| Some(&v.version) == p.latest_version.as_ref())
        .or_else(|| versions.iter().filter(packaged).find(|v| !v.yanked))
}

/// A listing: a plugin imported from a catalogue with no package published
/// here (no version, or only imported ones), so nothing can be downloaded.
pub fn is_listing(versions: &[VersionOut]) -> bool {
    versions.iter().all(|v| v.imported)
}

/// A link, or a dash when there is none.
fn link_or_dash(url: Option<String>) -> AnyView {
    match url {
        Some(u) => {
            view! { <a href=u.clone() rel="nofollow noopener" class="break">{u.clone()}</a> }
                .into_any()
        }
        None => "—".into_any(),
    }
}

/// How to get the plugin today: its download, checksum and the API that lists
/// versions; for a listing, where it lives instead.
#[component]
pub fn GetIt(p: PluginOut, version: Option<VersionOut>, listing: bool) -> AnyView {
    let body = match version {
        Some(v) => view! {
            <a class="btn btn-primary wide" href=v.download_url.clone() id="download-latest">
                {format!("Download {} ({})", v.version, size(v.size))}
            </a>
            <p class="hint">"A .tar.gz package. Its SHA-256:"</p>
            <code class="hash">{v.sha256.clone()}</code>
            <p class="hint">"From a script:"</p>
            <pre class="snippet"><code>{format!("curl -fLO {}", v.download_url)}</code></pre>
            <p class="hint">
                "Every version: " <code>{format!("GET /api/v1/plugins/{}/versions", p.id)}</code>
                " (" <a href="/docs/api">"API reference"</a> ")."
            </p>
        }
        .into_any(),
        None if listing => {
            let from = p.source.clone().unwrap_or_else(|| "a public catalogue".to_owned());
            view! {
                <p id="listing-note">
                    {format!("This is a listing imported from {from}: no package of it is published here, so there is nothing to download.")}
                </p>
                {match p.repository.clone() {
                    Some(repo) => view! {
                        <a class="btn wide" href=repo id="listing-repository" rel="nofollow noopener">
                            "Get it from its repository"
                        </a>
                    }.into_any(),
                    None => view! { <p class="muted">"The catalogue names no repository for it."</p> }.into_any(),
                }}
            }
            .into_any()
        }
        None => view! {
            <p class="muted">"Every version of this plugin has been yanked: nothing is offered for download."</p>
        }
        .into_any(),
    };
    view! {
        <section class="panel side-panel" id="get-plugin" aria-labelledby="get-title">
            <h2 id="get-title">"Get it"</h2>
            {body}
        </section>
    }
    .into_any()
}

/// License, compatibility, author, links and statistics.
#[component]
pub fn Facts(p: PluginOut, version: Option<VersionOut>, listing: bool) -> AnyView {
    let works_with = version
        .map(|v| format!("plugin API {}", v.api))
        .unwrap_or_else(|| "—".into());
    let downloads = (!listing || p.downloads > 0).then(|| {
        view! {
            <dt>"Downloads"</dt><dd title=p.downloads.to_string()>{count(p.downloads.max(0) as u64)}</dd>
        }
    });
    let installs = (!listing).then(|| {
        view! {
            <dt>"Downloaded by"</dt>
            <dd id="signed-in-installers" title="Distinct signed-in users who have downloaded it, ever; anonymous downloads are not in this number">
                {format!("{} signed-in {}", count(p.installs.max(0) as u64), if p.installs == 1 { "user" } else { "users" })}
            </dd>
        }
    });
    view! {
        <section class="panel side-panel" aria-labelledby="facts-title">
            <h2 id="facts-title">"About"</h2>
            <dl class="facts facts-side" id="plugin-facts">
                {(!listing).then(|| view! {
                    <dt>"Latest version"</dt><dd>{p.latest_version.clone().unwrap_or_else(|| "—".into())}</dd>
                    <dt>"Works with"</dt><dd>{works_with}</dd>
                })}
                <dt>"License"</dt><dd>{license_label(&p.license).to_owned()}</dd>
                {p.author.clone().map(|a| view! { <dt>"Author"</dt><dd>{a}</dd> })}
                <dt>"Repository"</dt><dd>{link_or_dash(p.repository.clone())}</dd>
                <dt>"Homepage"</dt><dd>{link_or_dash(p.homepage.clone())}</dd>
                {downloads}
                {installs}
                <dt>"Namespace"</dt><dd><a href=format!("/namespaces/{}", p.namespace)>{p.namespace.clone()}</a></dd>
                <dt>{if listing { "Listed here" } else { "First published" }}</dt><dd>{date(p.created_at)}</dd>
                <dt>"Updated"</dt><dd>{date(p.updated_at)}</dd>
            </dl>
        </section>
    }
    .into_any()
}

/// What the plugin may do when it runs.
#[component]
pub fn Permissions(perms: PermissionsOut) -> AnyView {
    let none =
        perms.network.is_empty() && perms.host_functions.is_empty() && perms.secrets.is_empty();
    let group = |title: &'static str, items: Vec<String>| {
        (!items.is_empty()).then(|| view! {
            <h3>{title}</h3>
            <ul class="plain-list">{items.into_iter().map(|i| view! { <li><code>{i}</code></li> }).collect_view()}</ul>
        })
    };
    view! {
        <section class="panel side-panel" id="permissions" aria-labelledby="perm-title">
            <h2 id="perm-title">"Permissions"</h2>
            {if none {
                view! { <p class="muted">"Asks for nothing: no network access, no host functions, no secrets."</p> }.into_any()
            } else {
                view! {
                    <p class="hint">"What the latest version may use when it runs:"</p>
                    {group("Network access to", perms.network)}
                    {group("Host functions", perms.host_functions)}
                    {group("Secrets", perms.secrets)}
                }.into_any()
            }}
        </section>
    }
    .into_any()
}

/// The plugins the latest version needs.
#[component]
pub fn Dependencies(deps: Vec<(String, String)>) -> AnyView {
    view! {
        <section class="panel side-panel" id="dependencies" aria-labelledby="deps-title">
            <h2 id="deps-title">"Dependencies"</h2>
            {if deps.is_empty() {
                view! { <p class="muted">"None."</p> }.into_any()
            } else {
                view! {
                    <ul class="plain-list">
                        {deps.into_iter().map(|(id, req)| view! {
                            <li><a href=format!("/plugins/{id}")>{id.clone()}</a> " " <code>{req}</code></li>
                        }).collect_view()}
                    </ul>
                }.into_any()
            }}
        </section>
    }
    .into_any()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sizes_read_well() {
        assert_eq!(size(812), "812 B");
        assert_eq!(size(12_700), "12.4 KB");
        assert_eq!(size(3_250_586), "3.1 MB");
    }
}
