//! Tests for `resolve.rs` and `resolve_ranges.rs`.

use super::*;

fn v(s: &str) -> Version {
    Version::parse(s).unwrap()
}

fn req(s: &str) -> VersionReq {
    VersionReq::parse(s).unwrap()
}

/// `(id, version, [(dep, req)])`.
type Entry<'a> = (&'a str, &'a str, &'a [(&'a str, &'a str)]);

/// Builds an index from entries, api `^1`.
fn index(entries: &[Entry<'_>]) -> Index {
    let mut idx = Index::default();
    for (id, ver, deps) in entries {
        idx.plugins
            .entry(id.to_string())
            .or_default()
            .push(IndexVersion {
                version: v(ver),
                yanked: false,
                api: req("^1"),
                deps: deps.iter().map(|(d, r)| (d.to_string(), req(r))).collect(),
                sha256: format!("sha-{id}-{ver}"),
                size: 100,
                permissions: json!({ "network": [] }),
            });
    }
    idx
}

fn want(plugin: &str, r: Option<&str>) -> Request {
    Request {
        plugin: plugin.into(),
        req: r.map(str::to_string),
    }
}

fn host() -> Version {
    v("1.4.0")
}

fn versions(plan: &Plan) -> Vec<(String, String)> {
    plan.plugins
        .iter()
        .map(|p| (p.id.clone(), p.version.to_string()))
        .collect()
}

fn set_flag(idx: &mut Index, id: &str, ver: &str, f: impl Fn(&mut IndexVersion)) {
    f(idx
        .plugins
        .get_mut(id)
        .unwrap()
        .iter_mut()
        .find(|iv| iv.version == v(ver))
        .unwrap());
}

#[test]
fn ranges_follow_semver() {
    let cases: &[(&str, &[&str], &[&str])] = &[
        (
            "^1.2",
            &["1.2.0", "1.9.9"],
            &["1.1.9", "2.0.0", "2.0.0-beta"],
        ),
        ("^0.2.3", &["0.2.3", "0.2.9"], &["0.3.0", "0.2.2"]),
        ("^0.0.3", &["0.0.3"], &["0.0.4"]),
        ("~1.2.3", &["1.2.3", "1.2.9"], &["1.3.0", "1.2.2"]),
        ("~1", &["1.0.0", "1.9.0"], &["2.0.0"]),
        ("1.2.*", &["1.2.0", "1.2.7"], &["1.3.0"]),
        ("*", &["0.0.1", "9.0.0"], &[]),
        (
            ">=1.2, <3",
            &["1.2.0", "2.9.9"],
            &["1.1.0", "3.0.0", "3.0.0-rc.1"],
        ),
        (">1.2.3", &["1.2.4"], &["1.2.3"]),
        (">1.2", &["1.3.0"], &["1.2.9"]),
        ("<=1.2", &["1.2.9"], &["1.3.0"]),
        ("<1.2.3", &["1.2.2"], &["1.2.3"]),
        (
            "=1.2.3-beta.1",
            &["1.2.3-beta.1"],
            &["1.2.3", "1.2.3-beta.2"],
        ),
        ("=1.2", &["1.2.0", "1.2.5"], &["1.3.0"]),
        ("1.2.3", &["1.2.3", "1.5.0"], &["2.0.0"]),
    ];
    for (r, yes, no) in cases {
        let vs = VS::from_req(&req(r));
        for y in *yes {
            assert!(vs.contains(&v(y)), "{r} should contain {y} ({vs})");
            assert!(req(r).matches(&v(y)), "semver disagrees: {r} {y}");
        }
        for n in *no {
            assert!(!vs.contains(&v(n)), "{r} should not contain {n} ({vs})");
        }
    }
    assert_eq!(VS::from_req(&req("^1.2")).to_string(), "^1.2.0");
    assert_eq!(VS::from_req(&req("~1.2.3")).to_string(), "~1.2.3");
    assert_eq!(
        VS::from_req(&req(">=1.2, <3")).to_string(),
        ">=1.2.0, <3.0.0"
    );
    assert_eq!(VS::from_req(&req("=1.0.0")).to_string(), "1.0.0");
}

#[test]
fn simple_picks_highest() {
    let idx = index(&[
        ("a.one", "1.0.0", &[]),
        ("a.one", "1.2.0", &[]),
        ("a.one", "2.0.0", &[]),
    ]);
    let plan = resolve(&idx, &[want("a.one", Some("^1"))], &host()).unwrap();
    assert_eq!(versions(&plan), [("a.one".into(), "1.2.0".into())]);
    assert_eq!(plan.plugins[0].requested_by, [ROOT_LABEL]);
    assert_eq!(plan.plugins[0].sha256, "sha-a.one-1.2.0");
    let plan = resolve(&idx, &[want("a.one", None)], &host()).unwrap();
    assert_eq!(plan.plugins[0].version, v("2.0.0"));
}

#[test]
fn diamond_and_order() {
    let idx = index(&[
        ("x.app", "1.0.0", &[("x.left", "^1"), ("x.right", "^1")]),
        ("x.left", "1.0.0", &[("x.base", ">=1.1, <2")]),
        ("x.right", "1.0.0", &[("x.base", "~1.2.0")]),
        ("x.base", "1.1.0", &[]),
        ("x.base", "1.2.0", &[]),
        ("x.base", "1.2.5", &[]),
        ("x.base", "1.3.0", &[]),
    ]);
    let plan = resolve(&idx, &[want("x.app", None)], &host()).unwrap();
    let got = versions(&plan);
    assert_eq!(got.len(), 4);
    assert!(got.contains(&("x.base".into(), "1.2.5".into())), "{got:?}");
    let pos = |id: &str| plan.plugins.iter().position(|p| p.id == id).unwrap();
    assert!(pos("x.base") < pos("x.left") && pos("x.base") < pos("x.right"));
    assert!(pos("x.left") < pos("x.app") && pos("x.right") < pos("x.app"));
    let base = &plan.plugins[pos("x.base")];
    assert_eq!(base.requested_by, ["x.left", "x.right"]);
    assert_eq!(plan.plugins[pos("x.app")].requested_by, [ROOT_LABEL]);
}

#[test]
fn conflict_explains_both_sides() {
    let idx = index(&[
        ("a", "1.0.0", &[("b", "^2")]),
        ("a", "1.1.0", &[("b", "^2")]),
        ("c", "1.0.0", &[("b", "^1")]),
        ("b", "1.0.0", &[]),
        ("b", "2.0.0", &[]),
    ]);
    let err = resolve(
        &idx,
        &[want("a", Some("^1")), want("c", Some("1.0.0"))],
        &host(),
    )
    .unwrap_err();
    assert!(
        err.text.contains("a") && err.text.contains("b ^2.0.0"),
        "{}",
        err.text
    );
    assert!(
        err.text.contains("c") && err.text.contains("b ^1.0.0"),
        "{}",
        err.text
    );
    assert!(
        err.text.contains(ROOT_LABEL) && !err.text.contains("0.0.0"),
        "{}",
        err.text
    );
    assert!(
        err.text.ends_with("version solving failed."),
        "{}",
        err.text
    );
    assert!(err.unknown.is_empty());
    let tree = serde_json::to_string(&err.tree).unwrap();
    assert!(
        tree.contains("\"kind\":\"derived\"") && tree.contains("\"reason\":\"dependency\""),
        "{tree}"
    );
}

#[test]
fn yanked_versions_are_skipped_unless_pinned() {
    let mut idx = index(&[
        ("y.lib", "1.0.0", &[]),
        ("y.lib", "1.1.0", &[]),
        ("y.app", "1.0.0", &[("y.lib", "=1.1.0")]),
    ]);
    set_flag(&mut idx, "y.lib", "1.1.0", |iv| iv.yanked = true);
    let plan = resolve(&idx, &[want("y.lib", Some("^1"))], &host()).unwrap();
    assert_eq!(plan.plugins[0].version, v("1.0.0"));
    let plan = resolve(&idx, &[want("y.lib", Some("=1.1.0"))], &host()).unwrap();
    assert_eq!(plan.plugins[0].version, v("1.1.0"), "exact request");
    let plan = resolve(&idx, &[want("y.app", None)], &host()).unwrap();
    assert!(
        versions(&plan).contains(&("y.lib".into(), "1.1.0".into())),
        "exact pin in a dependency"
    );
    set_flag(&mut idx, "y.lib", "1.0.0", |iv| iv.yanked = true);
    let err = resolve(&idx, &[want("y.lib", Some("^1"))], &host()).unwrap_err();
    assert!(
        err.text.contains("no version of y.lib in ^1.0.0"),
        "{}",
        err.text
    );
    assert!(err.text.contains("y.lib 1.1.0 is yanked"), "{}", err.text);
}

#[test]
fn prereleases_are_skipped_unless_pinned() {
    let idx = index(&[
        ("p.lib", "1.2.0", &[]),
        ("p.lib", "1.3.0-beta.1", &[]),
        ("p.lib", "2.0.0-rc.1", &[]),
    ]);
    let plan = resolve(&idx, &[want("p.lib", Some("^1.2"))], &host()).unwrap();
    assert_eq!(plan.plugins[0].version, v("1.2.0"));
    let plan = resolve(&idx, &[want("p.lib", None)], &host()).unwrap();
    assert_eq!(plan.plugins[0].version, v("1.2.0"));
    let plan = resolve(&idx, &[want("p.lib", Some("=1.3.0-beta.1"))], &host()).unwrap();
    assert_eq!(plan.plugins[0].version, v("1.3.0-beta.1"));
    let plan = resolve(&idx, &[want("p.lib", Some("=2.0.0-rc.1"))], &host()).unwrap();
    assert_eq!(plan.plugins[0].version, v("2.0.0-rc.1"));
    let err = resolve(&idx, &[want("p.lib", Some("^1.2.1"))], &host()).unwrap_err();
    assert!(
        err.text.contains("p.lib 1.3.0-beta.1 is a pre-release"),
        "{}",
        err.text
    );
}

#[test]
fn host_api_mismatch() {
    let mut idx = index(&[("h.tool", "1.0.0", &[]), ("h.tool", "2.0.0", &[])]);
    set_flag(&mut idx, "h.tool", "2.0.0", |iv| iv.api = req("^2"));
    let plan = resolve(&idx, &[want("h.tool", None)], &host()).unwrap();
    assert_eq!(plan.plugins[0].version, v("1.0.0"), "2.0.0 needs API 2");
    let err = resolve(&idx, &[want("h.tool", Some("^2"))], &host()).unwrap_err();
    assert!(err.text.contains(API_PACKAGE), "{}", err.text);
    assert!(err.text.contains("^2.0.0"), "{}", err.text);
    assert!(
        err.text.contains("1.4.0"),
        "names the host API: {}",
        err.text
    );
}

#[test]
fn unknown_plugins() {
    let idx = index(&[("a.one", "1.0.0", &[])]);
    let err = resolve(
        &idx,
        &[
            want("a.one", None),
            want("no.such", None),
            want("also.missing", Some("^1")),
        ],
        &host(),
    )
    .unwrap_err();
    assert_eq!(err.unknown, ["also.missing", "no.such"]);
    assert!(err.text.contains("no.such"));
    // A dependency missing from the index is explained by the solver.
    let idx = index(&[("a.one", "1.0.0", &[("gone.dep", "^1")])]);
    let err = resolve(&idx, &[want("a.one", None)], &host()).unwrap_err();
    assert!(err.text.contains("gone.dep"), "{}", err.text);
    assert!(err.unknown.is_empty());
}

#[test]
fn invalid_request() {
    let idx = index(&[("a.one", "1.0.0", &[])]);
    let err = resolve(&idx, &[want("a.one", Some("latest"))], &host()).unwrap_err();
    assert!(err.text.contains("latest"));
}

#[test]
fn cycles_resolve() {
    let idx = index(&[
        ("c.a", "1.0.0", &[("c.b", "^1")]),
        ("c.b", "1.0.0", &[("c.a", "^1")]),
    ]);
    let plan = resolve(&idx, &[want("c.a", None)], &host()).unwrap();
    assert_eq!(plan.plugins.len(), 2);
}

#[test]
fn large_generated_graph() {
    // 200 plugins, 3 versions each; plugin i depends on up to three lower-numbered ones.
    let mut idx = Index::default();
    for i in 0..200u64 {
        for minor in 0..3u64 {
            let deps = [i / 2, i / 3, i.saturating_sub(7)]
                .into_iter()
                .filter(|d| *d < i)
                .collect::<BTreeSet<_>>()
                .into_iter()
                .map(|d| (format!("g.p{d}"), req(&format!(">=1.{}, <2", minor.min(1)))))
                .collect();
            idx.plugins
                .entry(format!("g.p{i}"))
                .or_default()
                .push(IndexVersion {
                    version: Version::new(1, minor, 0),
                    yanked: false,
                    api: req("^1"),
                    deps,
                    sha256: String::new(),
                    size: 1,
                    permissions: Value::Null,
                });
        }
    }
    let wants: Vec<Request> = (190..200).map(|i| want(&format!("g.p{i}"), None)).collect();
    let plan = resolve(&idx, &wants, &host()).unwrap();
    assert!(plan.plugins.len() > 50);
    let pos: BTreeMap<&str, usize> = plan
        .plugins
        .iter()
        .enumerate()
        .map(|(i, p)| (p.id.as_str(), i))
        .collect();
    for p in &plan.plugins {
        assert_eq!(p.version.minor, 2, "highest version of {}", p.id);
        for (dep, _) in &idx.plugins[&p.id][2].deps {
            assert!(
                pos[dep.as_str()] < pos[p.id.as_str()],
                "{dep} before {}",
                p.id
            );
        }
    }
}
