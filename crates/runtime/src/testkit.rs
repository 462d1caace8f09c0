//! Test support: the real plugins of the `plugins/` cargo workspace (the template and the
//! purpose-built test plugins under `plugins/testing/`), built once per process and
//! packaged the way the registry expects.
//!
//! * [`plugins_dir`]: the `plugins/` directory of this checkout.
//! * [`build_plugins`]: runs `plugins/build.sh` (a release build for
//!   `wasm32-unknown-unknown`) once per process; a failed build panics with cargo's output.
//! * [`wasm`]: the built module of a crate (`"labs-echo"` →
//!   `plugins/target/wasm32-unknown-unknown/release/labs_echo.wasm`).
//! * [`package`]: a `.tar.gz` package of a plugin directory with a chosen manifest
//!   (`package("testing/ticker", "plugin-2.0.0.toml")`), ready to publish;
//!   [`package_text`] with a manifest given as text.
//!
//! Needs only std and `trellis_registry`; the first call may take a minute (a cold
//! build of the plugins workspace).

#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::OnceLock;

/// The target triple the plugins are built for.
const TARGET: &str = "wasm32-unknown-unknown";

/// The checkout's `plugins/` directory: the first `plugins/` holding `build.sh` found
/// walking up from this crate's `CARGO_MANIFEST_DIR` (the environment variable
/// `TRELLIS_PLUGINS_DIR`, when set, overrides the search).
pub fn plugins_dir() -> PathBuf {
    if let Some(dir) = std::env::var_os("TRELLIS_PLUGINS_DIR") {
        return PathBuf::from(dir);
    }
    let start = Path::new(env!("CARGO_MANIFEST_DIR"));
    start
        .ancestors()
        .map(|dir| dir.join("plugins"))
        .find(|dir| dir.join("build.sh").is_file())
        .unwrap_or_else(|| {
            panic!(
                "no plugins/build.sh above {} (set TRELLIS_PLUGINS_DIR)",
                start.display()
            )
        })
}

/// Builds the plugins workspace with `plugins/build.sh`, once per process (later calls,
/// from any thread, wait for the first and share its outcome). Panics with cargo's
/// output when the build fails.
pub fn build_plugins() {
    static BUILT: OnceLock<Result<(), String>> = OnceLock::new();
    let outcome = BUILT.get_or_init(|| {
        let script = plugins_dir().join("build.sh");
        let out = Command::new("bash")
            .arg(&script)
            .output()
            .map_err(|e| format!("cannot run {}: {e}", script.display()))?;
        if out.status.success() {
            Ok(())
        } else {
            Err(format!(
                "{} failed ({}):\n{}\n{}",
                script.display(),
                out.status,
                String::from_utf8_lossy(&out.stderr),
                String::from_utf8_lossy(&out.stdout)
            ))
        }
    });
    if let Err(e) = outcome {
        panic!("building the test plugins failed: {e}");
    }
}

/// The release module of a crate of the plugins workspace (`"labs-echo"`,
/// `"trellis-plugin-template"`), building the workspace first if this process has not.
pub fn wasm(crate_name: &str) -> Vec<u8> {
    build_plugins();
    let path = plugins_dir()
        .join("target")
        .join(TARGET)
        .join("release")
        .join(format!("{}.wasm", crate_name.replace('-', "_")));
    std::fs::read(&path).unwrap_or_else(|e| panic!("cannot read {}: {e}", path.display()))
}

/// A `.tar.gz` package of the plugin in `dir` (relative to [`plugins_dir`], e.g.
/// `"testing/echo"` or `"template"`) with `manifest_file` (e.g. `"plugin.toml"` or
/// `"plugin-1.1.0.toml"`) as its `plugin.toml`: the manifest, `README.md`, the crate's
/// built module under the manifest's `runtime.entry` name, and the `config_schema` file
/// when the manifest names one. Panics when the manifest does not parse or a file is
/// missing.
pub fn package(dir: &str, manifest_file: &str) -> Vec<u8> {
    let path = plugins_dir().join(dir).join(manifest_file);
    let text = std::fs::read_to_string(&path)
        .unwrap_or_else(|e| panic!("cannot read {}: {e}", path.display()));
    package_text(dir, &text)
}

/// A `.tar.gz` package of the plugin in `dir` with `manifest` (the text of a
/// `plugin.toml`, e.g. the directory's own with its version changed) as its
/// manifest; otherwise as [`package`]. Nothing is written to disk, so tests
/// running at once never see each other's manifests.
pub fn package_text(dir: &str, manifest: &str) -> Vec<u8> {
    let root = plugins_dir().join(dir);
    let read = |name: &str| {
        let path = root.join(name);
        std::fs::read(&path).unwrap_or_else(|e| panic!("cannot read {}: {e}", path.display()))
    };
    let manifest_bytes = manifest.as_bytes().to_vec();
    let text = manifest;
    let manifest = trellis_registry::parse_manifest(text)
        .unwrap_or_else(|problems| panic!("{dir}: the manifest is invalid: {problems:?}"));
    let crate_name = crate_name(&root.join("Cargo.toml"));
    let mut files: Vec<(String, Vec<u8>)> = vec![
        ("plugin.toml".to_string(), manifest_bytes),
        ("README.md".to_string(), read("README.md")),
        (manifest.runtime.entry.clone(), wasm(&crate_name)),
    ];
    if let Some(schema) = &manifest.config_schema {
        files.push((schema.clone(), read(schema)));
    }
    trellis_registry::testkit::tar_gz(files.iter().map(|(p, d)| (p.as_str(), d.as_slice())))
}

/// The `[package] name` of a Cargo.toml (read line by line: the first `name = "…"`
/// after the `[package]` header).
fn crate_name(cargo_toml: &Path) -> String {
    let text = std::fs::read_to_string(cargo_toml)
        .unwrap_or_else(|e| panic!("cannot read {}: {e}", cargo_toml.display()));
    let mut in_package = false;
    for line in text.lines().map(str::trim) {
        if line.starts_with('[') {
            in_package = line == "[package]";
        } else if in_package {
            if let Some(value) = line.strip_prefix("name") {
                if let Some(value) = value.trim_start().strip_prefix('=') {
                    return value.trim().trim_matches('"').to_string();
                }
            }
        }
    }
    panic!("no [package] name in {}", cargo_toml.display())
}
