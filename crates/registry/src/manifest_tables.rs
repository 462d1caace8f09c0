//! Validation of the individual manifest tables (`[plugin]`, `[runtime]`,
//! `[permissions]`, `[events]`, `[dependencies]`), used by
//! [`crate::manifest::parse_manifest`].

use std::collections::BTreeMap;
use std::ops::Range;

use toml::de::DeTable;

use crate::manifest::{
    Events, Permissions, PluginMeta, Runtime, DEFAULT_MEMORY_MB, DEFAULT_TIMEOUT_MS,
};
use crate::manifest_rules as rules;
use crate::manifest_walker::{get, Walker};
use crate::package_problem::PackageProblem;
use crate::plugin_id::{check_id_part, PluginId, PluginKind, CATEGORIES, HOST_FUNCTIONS};
use crate::spdx;

fn length_ok(
    w: &mut Walker<'_>,
    field: &str,
    span: &Range<usize>,
    s: &str,
    min: usize,
    max: usize,
) -> bool {
    let n = s.chars().count();
    if n < min || n > max || s.trim().is_empty() {
        w.err(
            field,
            "invalid_length",
            span,
            format!("`{field}` must be {min} to {max} characters (it has {n})"),
        );
        return false;
    }
    if s.chars().any(|c| c.is_control() && c != '\n') {
        w.err(
            field,
            "invalid_value",
            span,
            format!("`{field}` must not contain control characters"),
        );
        return false;
    }
    true
}

pub(crate) fn plugin_table(
    w: &mut Walker<'_>,
    t: &DeTable<'_>,
    span: &Range<usize>,
) -> Option<PluginMeta> {
    w.deny_unknown(
        t,
        "plugin",
        &[
            "id",
            "display_name",
            "version",
            "kind",
            "description",
            "license",
            "repository",
            "homepage",
            "icon",
            "categories",
            "keywords",
            "api",
        ],
    );
    let required = |w: &mut Walker<'_>, key: &str| -> Option<(String, Range<usize>)> {
        let field = format!("plugin.{key}");
        match get(t, key) {
            None => {
                w.missing(&field, span);
                None
            }
            Some(v) => {
                let s = w.string(&field, v)?;
                Some((s, v.span()))
            }
        }
    };
    let id = required(w, "id").and_then(|(s, v)| match s.parse::<PluginId>() {
        Ok(id) => Some(id),
        Err(e) => {
            w.err("plugin.id", "invalid_id", &v, e);
            None
        }
    });
    let display_name = required(w, "display_name")
        .filter(|(s, v)| length_ok(w, "plugin.display_name", v, s, 1, 64))
        .map(|x| x.0);
    let version = required(w, "version").and_then(|(s, v)| match semver::Version::parse(&s) {
        Ok(ver) if ver.build.is_empty() => Some(ver),
        Ok(_) => {
            w.err(
                "plugin.version",
                "invalid_semver",
                &v,
                format!(
                    "version `{s}` has build metadata (`+...`), which the registry does not accept"
                ),
            );
            None
        }
        Err(_) => {
            w.err(
                "plugin.version",
                "invalid_semver",
                &v,
                format!("version `{s}` is not SemVer (expected MAJOR.MINOR.PATCH, e.g. 1.0.0)"),
            );
            None
        }
    });
    let kind = required(w, "kind").and_then(|(s, v)| match s.parse::<PluginKind>() {
        Ok(k) => Some(k),
        Err(e) => {
            w.err("plugin.kind", "invalid_value", &v, e);
            None
        }
    });
    let description = required(w, "description")
        .filter(|(s, v)| length_ok(w, "plugin.description", v, s, 1, 300))
        .map(|x| x.0);
    let license = required(w, "license").and_then(|(s, v)| match spdx::validate_expression(&s) {
        Ok(()) => Some(s),
        Err(e) => {
            w.err(
                "plugin.license",
                "invalid_license",
                &v,
                format!("license: {e}"),
            );
            None
        }
    });
    let api = required(w, "api").and_then(|(s, v)| match semver::VersionReq::parse(&s) {
        Ok(r) => Some(r),
        Err(e) => {
            w.err(
                "plugin.api",
                "invalid_version_req",
                &v,
                format!("api `{s}` is not a SemVer requirement such as `^1.0` ({e})"),
            );
            None
        }
    });
    let optional_url = |w: &mut Walker<'_>, key: &str| -> Option<String> {
        let field = format!("plugin.{key}");
        let v = get(t, key)?;
        let s = w.string(&field, v)?;
        match rules::check_http_url(&s) {
            Ok(()) => Some(s),
            Err(e) => {
                w.err(&field, "invalid_url", &v.span(), e);
                None
            }
        }
    };
    let repository = optional_url(w, "repository");
    let homepage = optional_url(w, "homepage");
    let icon = get(t, "icon").and_then(|v| {
        let s = w.string("plugin.icon", v)?;
        let res =
            rules::check_relative_path(&s).and_then(|_| match rules::extension(&s).as_str() {
                "png" | "svg" => Ok(()),
                _ => Err(format!("icon `{s}` must be a .png or .svg file")),
            });
        match res {
            Ok(()) => Some(s),
            Err(e) => {
                w.err("plugin.icon", "invalid_path", &v.span(), e);
                None
            }
        }
    });
    let categories = w.checked_list(
        "plugin.categories",
        get(t, "categories"),
        5,
        "invalid_category",
        |c| {
            if CATEGORIES.iter().any(|(slug, _)| *slug == c) {
                Ok(())
            } else {
                let list: Vec<&str> = CATEGORIES.iter().map(|c| c.0).collect();
                Err(format!(
                    "`{c}` is not a category (choose from {})",
                    list.join(", ")
                ))
            }
        },
    );
    let keywords = w.checked_list(
        "plugin.keywords",
        get(t, "keywords"),
        10,
        "invalid_keyword",
        rules::check_keyword,
    );
    Some(PluginMeta {
        id: id?,
        display_name: display_name?,
        version: version?,
        kind: kind?,
        description: description?,
        license: license?,
        repository,
        homepage,
        icon,
        categories,
        keywords,
        api: api?,
    })
}

pub(crate) fn runtime_table(
    w: &mut Walker<'_>,
    t: &DeTable<'_>,
    span: &Range<usize>,
) -> Option<Runtime> {
    w.deny_unknown(
        t,
        "runtime",
        &["entry", "exports", "memory_mb", "timeout_ms"],
    );
    let entry = match get(t, "entry") {
        None => {
            w.missing("runtime.entry", span);
            None
        }
        Some(v) => w.string("runtime.entry", v).and_then(|s| {
            let res = rules::check_relative_path(&s).and_then(|_| {
                if rules::extension(&s) == "wasm" {
                    Ok(())
                } else {
                    Err(format!("entry `{s}` must be a .wasm file"))
                }
            });
            match res {
                Ok(()) => Some(s),
                Err(e) => {
                    w.err("runtime.entry", "invalid_path", &v.span(), e);
                    None
                }
            }
        }),
    };
    let exports = match get(t, "exports") {
        None => {
            w.missing("runtime.exports", span);
            None
        }
        Some(v) => {
            let list = w.checked_list(
                "runtime.exports",
                Some(v),
                64,
                "invalid_export",
                rules::check_export_name,
            );
            if list.is_empty() && v.get_ref().as_array().is_some_and(|a| a.is_empty()) {
                w.err(
                    "runtime.exports",
                    "empty_list",
                    &v.span(),
                    "`runtime.exports` must name at least one exported function",
                );
            }
            Some(list)
        }
    };
    let bounded = |w: &mut Walker<'_>, key: &str, max: i64, default: u32| -> Option<u32> {
        let field = format!("runtime.{key}");
        let Some(v) = get(t, key) else {
            return Some(default);
        };
        let n = w.integer(&field, v)?;
        if (1..=max).contains(&n) {
            Some(n as u32)
        } else {
            w.err(
                &field,
                "out_of_range",
                &v.span(),
                format!("`{field}` is {n}; it must be between 1 and {max}"),
            );
            None
        }
    };
    let memory_mb = bounded(w, "memory_mb", 512, DEFAULT_MEMORY_MB);
    let timeout_ms = bounded(w, "timeout_ms", 60_000, DEFAULT_TIMEOUT_MS);
    Some(Runtime {
        entry: entry?,
        exports: exports?,
        memory_mb: memory_mb?,
        timeout_ms: timeout_ms?,
    })
}

pub(crate) fn permissions_table(w: &mut Walker<'_>, t: &DeTable<'_>) -> Permissions {
    w.deny_unknown(t, "permissions", &["network", "host_functions", "secrets"]);
    let network = w.checked_list(
        "permissions.network",
        get(t, "network"),
        32,
        "invalid_host",
        rules::check_network_host,
    );
    let host_functions = w.checked_list(
        "permissions.host_functions",
        get(t, "host_functions"),
        32,
        "unknown_host_function",
        |f| {
            if HOST_FUNCTIONS.iter().any(|(n, _)| *n == f) {
                Ok(())
            } else {
                let list: Vec<&str> = HOST_FUNCTIONS.iter().map(|h| h.0).collect();
                Err(format!(
                    "`{f}` is not a host function (choose from {})",
                    list.join(", ")
                ))
            }
        },
    );
    let secrets = w.checked_list(
        "permissions.secrets",
        get(t, "secrets"),
        32,
        "invalid_secret_name",
        rules::check_secret_name,
    );
    Permissions {
        network,
        host_functions,
        secrets,
    }
}

pub(crate) fn events_table(w: &mut Walker<'_>, t: &DeTable<'_>) -> Events {
    w.deny_unknown(t, "events", &["subscribe", "publish"]);
    let subscribe = w.checked_list(
        "events.subscribe",
        get(t, "subscribe"),
        64,
        "invalid_event",
        |e| rules::check_event_name(e, true),
    );
    let publish = w.checked_list(
        "events.publish",
        get(t, "publish"),
        64,
        "invalid_event",
        |e| rules::check_event_name(e, false),
    );
    Events { subscribe, publish }
}

pub(crate) fn dependencies_table(
    w: &mut Walker<'_>,
    t: &DeTable<'_>,
    own: Option<&PluginId>,
) -> BTreeMap<PluginId, semver::VersionReq> {
    let mut out = BTreeMap::new();
    if t.len() > 64 {
        w.problems.push(PackageProblem::new(
            "dependencies",
            "too_many",
            format!("{} dependencies (at most 64 allowed)", t.len()),
        ));
    }
    for (k, v) in t.iter() {
        let key: &str = k.get_ref();
        let field = format!("dependencies.{key}");
        let id = match key.parse::<PluginId>() {
            Ok(id) => id,
            Err(e) => {
                // A dotted key without quotes (acme.tools = "^1") becomes a nested table.
                let hint = if v.get_ref().is_table() && check_id_part(key).is_ok() {
                    format!(" (quote dotted ids: \"{key}.<name>\" = \"^1.0\")")
                } else {
                    String::new()
                };
                w.err(&field, "invalid_id", &k.span(), format!("{e}{hint}"));
                continue;
            }
        };
        if Some(&id) == own {
            w.err(
                &field,
                "self_dependency",
                &k.span(),
                format!("`{id}` cannot depend on itself"),
            );
            continue;
        }
        let Some(s) = w.string(&field, v) else {
            continue;
        };
        match semver::VersionReq::parse(&s) {
            Ok(req) => {
                out.insert(id, req);
            }
            Err(e) => w.err(
                &field,
                "invalid_version_req",
                &v.span(),
                format!("`{s}` is not a SemVer requirement such as `^1.2` ({e})"),
            ),
        }
    }
    out
}
