//! `trellis new NAME --kind agent|integration|tool`: writes a plugin project
//! that builds, tests and publishes unchanged. A standalone cargo project (its
//! own `[workspace]`, so it builds inside another workspace's tree too) with
//! the manifest and settings schema of its kind, the logic in `src/logic.rs`
//! with native unit tests, the exports in `src/lib.rs` (wasm32 only), a
//! README, and `pdk/`: a copy of `plugins/pdk` (trellis-pdk), embedded from
//! its sources so there is one source of truth. `Cargo.lock` is the one of
//! `plugins/`, so the dependencies resolve to the versions the official
//! plugins are built and tested with (and offline, once they are cached).

use std::path::{Path, PathBuf};

use clap::ValueEnum;
use trellis_registry::PluginId;

/// What kind of plugin to start from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Kind {
    /// Reacts to events (on_event), keeps state (key-value store), logs.
    Agent,
    /// Calls a web service over HTTP with a secret token and a configured URL.
    Integration,
    /// Answers `invoke` only.
    Tool,
}

impl Kind {
    fn name(self) -> &'static str {
        match self {
            Kind::Agent => "agent",
            Kind::Integration => "integration",
            Kind::Tool => "tool",
        }
    }

    fn what(self) -> &'static str {
        match self {
            Kind::Agent => "It notes every plugin release it sees (`plugin.version.published`) in its \
                key-value store and its log, and answers `invoke` (`{\"name\": \"Ada\"}`) with \
                `{\"message\": \"Hello, Ada!\", \"releases_seen\": 3, \"last_release\": \"…\"}`.",
            Kind::Integration => "For every plugin release it sees (`plugin.version.published`) it POSTs a \
                JSON message to the configured endpoint on `api.example.com`, with the `API_TOKEN` \
                secret as a bearer token; `health` reports how the last call went, and `invoke` sends \
                a test message. Replace the host in `plugin.toml` (`[permissions] network`), \
                `config.schema.json` and `src/logic.rs` with your service's.",
            Kind::Tool => "Its only export is `invoke`: `{\"text\": \"Hello, World!\"}` gives \
                `{\"slug\": \"hello-world\", \"words\": 2}`. Other plugins call it by declaring it in \
                their `[dependencies]`.",
        }
    }

    fn files(self) -> [&'static str; 4] {
        match self {
            Kind::Agent => [
                include_str!("templates/plugin_agent.toml"),
                include_str!("templates/schema_agent.json"),
                include_str!("templates/lib_agent.rs"),
                include_str!("templates/logic_agent.rs"),
            ],
            Kind::Integration => [
                include_str!("templates/plugin_integration.toml"),
                include_str!("templates/schema_integration.json"),
                include_str!("templates/lib_integration.rs"),
                include_str!("templates/logic_integration.rs"),
            ],
            Kind::Tool => [
                include_str!("templates/plugin_tool.toml"),
                include_str!("templates/schema_tool.json"),
                include_str!("templates/lib_tool.rs"),
                include_str!("templates/logic_tool.rs"),
            ],
        }
    }
}

/// trellis-pdk's sources (plugins/pdk/src), written to `pdk/src/`. A file
/// added there must be added here (a test says so).
const PDK: &[(&str, &str)] = &[
    ("lib.rs", include_str!("../../../plugins/pdk/src/lib.rs")),
    (
        "calls.rs",
        include_str!("../../../plugins/pdk/src/calls.rs"),
    ),
    (
        "error.rs",
        include_str!("../../../plugins/pdk/src/error.rs"),
    ),
    (
        "event.rs",
        include_str!("../../../plugins/pdk/src/event.rs"),
    ),
    ("ffi.rs", include_str!("../../../plugins/pdk/src/ffi.rs")),
    (
        "health.rs",
        include_str!("../../../plugins/pdk/src/health.rs"),
    ),
    ("http.rs", include_str!("../../../plugins/pdk/src/http.rs")),
    ("init.rs", include_str!("../../../plugins/pdk/src/init.rs")),
    ("kv.rs", include_str!("../../../plugins/pdk/src/kv.rs")),
    ("log.rs", include_str!("../../../plugins/pdk/src/log.rs")),
    (
        "registry.rs",
        include_str!("../../../plugins/pdk/src/registry.rs"),
    ),
];

/// "my-agent" -> "My Agent".
fn display_name(name: &str) -> String {
    name.split('-')
        .filter(|w| !w.is_empty())
        .map(|w| {
            let mut c = w.chars();
            match c.next() {
                Some(f) => f.to_ascii_uppercase().to_string() + c.as_str(),
                None => String::new(),
            }
        })
        .collect::<Vec<_>>()
        .join(" ")
}

/// The files of a new project, relative to its directory.
pub fn render(id: &PluginId, kind: Kind) -> Vec<(PathBuf, String)> {
    let crate_name = format!("{}-{}", id.namespace, id.name);
    let module = crate_name.replace('-', "_");
    let display = display_name(&id.name);
    let fill = |t: &str| {
        t.replace("{{id}}", &id.to_string())
            .replace("{{crate}}", &crate_name)
            .replace("{{module}}", &module)
            .replace("{{display_name}}", &display)
            .replace("{{kind}}", kind.name())
            .replace("{{what}}", kind.what())
            .replace(
                "{{description}}",
                &format!("{display}, a Trellis {} plugin", kind.name()),
            )
    };
    let [manifest, schema, lib, logic] = kind.files();
    let mut files = vec![
        (
            PathBuf::from("Cargo.toml"),
            fill(include_str!("templates/Cargo.toml.tmpl")),
        ),
        (
            PathBuf::from("Cargo.lock"),
            include_str!("../../../plugins/Cargo.lock").to_owned(),
        ),
        (PathBuf::from("plugin.toml"), fill(manifest)),
        (PathBuf::from("config.schema.json"), fill(schema)),
        (
            PathBuf::from("README.md"),
            fill(include_str!("templates/README.md.tmpl")),
        ),
        (PathBuf::from("src/lib.rs"), fill(lib)),
        (PathBuf::from("src/logic.rs"), fill(logic)),
        (
            PathBuf::from(".gitignore"),
            include_str!("templates/gitignore").to_owned(),
        ),
        (
            PathBuf::from("pdk/Cargo.toml"),
            include_str!("templates/pdk_Cargo.toml").to_owned(),
        ),
    ];
    for (name, text) in PDK {
        files.push((Path::new("pdk/src").join(name), (*text).to_owned()));
    }
    files
}

/// Writes a new project for `name` into `dir` (default: `./<plugin name>`),
/// refusing a directory that is not empty. Returns the directory.
pub fn run(name: &str, kind: Kind, dir: Option<PathBuf>) -> Result<PathBuf, String> {
    let id: PluginId = name.parse().map_err(|e| {
        format!("`{name}` is not a plugin id: {e} (a plugin id is `namespace.plugin-name`, e.g. `acme.release-notes`)")
    })?;
    let dir = dir.unwrap_or_else(|| PathBuf::from(&id.name));
    if let Ok(mut entries) = std::fs::read_dir(&dir) {
        if entries.next().is_some() {
            return Err(format!(
                "{} is not empty: choose a new directory (--dir) so nothing is overwritten",
                dir.display()
            ));
        }
    } else if dir.exists() {
        return Err(format!("{} exists and is not a directory", dir.display()));
    }
    for (rel, text) in render(&id, kind) {
        let path = dir.join(rel);
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent)
                .map_err(|e| format!("cannot create {}: {e}", parent.display()))?;
        }
        std::fs::write(&path, text).map_err(|e| format!("cannot write {}: {e}", path.display()))?;
    }
    Ok(dir)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_kind_renders_a_manifest_the_registry_reads() {
        let id: PluginId = "labs.my-agent".parse().unwrap();
        for kind in [Kind::Agent, Kind::Integration, Kind::Tool] {
            let files = render(&id, kind);
            let text = |p: &str| {
                files
                    .iter()
                    .find(|(f, _)| f == Path::new(p))
                    .map(|(_, t)| t.clone())
                    .unwrap()
            };
            let m = trellis_registry::parse_manifest(&text("plugin.toml"))
                .unwrap_or_else(|e| panic!("{kind:?}: {e:?}"));
            assert_eq!(m.plugin.id, id);
            assert_eq!(m.plugin.kind.to_string(), kind.name());
            serde_json::from_str::<serde_json::Value>(&text("config.schema.json")).unwrap();
            assert!(text("Cargo.toml").contains("name = \"labs-my-agent\""));
            assert!(text("README.md").contains("labs_my_agent.wasm"));
            for f in &files {
                assert!(
                    !f.1.contains("{{"),
                    "{kind:?} {}: a placeholder left",
                    f.0.display()
                );
            }
        }
        assert_eq!(display_name("my-agent"), "My Agent");
    }

    #[test]
    fn every_pdk_source_is_embedded() {
        let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("../plugins/pdk/src");
        for e in std::fs::read_dir(&src).unwrap() {
            let name = e.unwrap().file_name().to_string_lossy().into_owned();
            assert!(
                PDK.iter().any(|(n, _)| *n == name),
                "plugins/pdk/src/{name} is not in publisher::new::PDK: add it there"
            );
        }
    }

    #[test]
    fn refuses_bad_names_and_full_directories() {
        let e = run("MyAgent", Kind::Tool, Some(PathBuf::from("/nonexistent/x"))).unwrap_err();
        assert!(e.contains("not a plugin id"), "{e}");
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("keep.txt"), "mine").unwrap();
        let e = run("labs.tool-one", Kind::Tool, Some(dir.path().to_owned())).unwrap_err();
        assert!(e.contains("not empty"), "{e}");
        assert_eq!(
            std::fs::read_to_string(dir.path().join("keep.txt")).unwrap(),
            "mine"
        );
    }
}
