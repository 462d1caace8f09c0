//! `trellis build DIR` and `trellis dev DIR`.
//!
//! `build` runs `cargo build --release --target wasm32-unknown-unknown` in the
//! plugin's directory and copies the module cargo reports to the path the
//! manifest's `runtime.entry` names, so `trellis package` / `publish` find it.
//!
//! `dev` builds, packages (the registry's local checks), and uploads the
//! package as a development build into a workspace of a running Trellis
//! (`PUT /api/v1/workspaces/{ws}/dev-installations/{plugin}`). Then it polls
//! the sources' modification times every 500 ms (`src/`, `plugin.toml`,
//! `config.schema.json`, `README.md`) and rebuilds and uploads again on a
//! change (the server hot-reloads the installation), and prints the
//! installation's new log lines as they come. A failed build or upload is
//! reported and it keeps watching; Ctrl-C stops it.

use std::collections::BTreeMap;
use std::io::BufRead;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant, SystemTime};

use reqwest::Method;
use serde_json::Value;

use super::client::Api;

const POLL: Duration = Duration::from_millis(500);

/// The manifest's `runtime.entry` and plugin id, read from `dir/plugin.toml`.
fn manifest_of(dir: &Path) -> Result<trellis_registry::Manifest, String> {
    let path = dir.join("plugin.toml");
    let text = std::fs::read_to_string(&path)
        .map_err(|e| format!("cannot read {}: {e}", path.display()))?;
    trellis_registry::parse_manifest(&text).map_err(|ps| {
        let mut s = format!("{} is not valid:", path.display());
        for p in ps {
            s.push_str(&format!("\n  - {}: {} [{}]", p.field, p.detail, p.code));
        }
        s
    })
}

/// Builds the module and copies it to the manifest's entry; the compiler's
/// messages go to standard error as cargo renders them.
pub fn build(dir: &Path) -> Result<PathBuf, String> {
    let manifest = manifest_of(dir)?;
    let mut cmd = Command::new(std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into()));
    cmd.current_dir(dir)
        .args([
            "build",
            "--release",
            "--target",
            "wasm32-unknown-unknown",
            "--message-format=json-render-diagnostics",
        ])
        // Settings meant for a native build must not leak into the wasm one.
        .env_remove("RUSTFLAGS")
        .env_remove("CARGO_ENCODED_RUSTFLAGS")
        .env_remove("CARGO_BUILD_RUSTFLAGS")
        .env_remove("CARGO_BUILD_TARGET")
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit());
    let mut child = cmd
        .spawn()
        .map_err(|e| format!("cannot run cargo (is Rust installed?): {e}"))?;
    let mut module = None;
    if let Some(out) = child.stdout.take() {
        for line in std::io::BufReader::new(out).lines().map_while(Result::ok) {
            let Ok(msg) = serde_json::from_str::<Value>(&line) else {
                continue;
            };
            if msg["reason"] != "compiler-artifact" {
                continue;
            }
            let is_cdylib = msg["target"]["kind"]
                .as_array()
                .is_some_and(|k| k.iter().any(|k| k == "cdylib"));
            let wasm = msg["filenames"].as_array().and_then(|f| {
                f.iter()
                    .filter_map(Value::as_str)
                    .find(|f| f.ends_with(".wasm"))
                    .map(PathBuf::from)
            });
            if let (true, Some(w)) = (is_cdylib, wasm) {
                module = Some(w);
            }
        }
    }
    let status = child.wait().map_err(|e| e.to_string())?;
    if !status.success() {
        return Err("the build failed (the compiler's messages are above)".into());
    }
    let module = module.ok_or("cargo built no WebAssembly module: is the crate a cdylib?")?;
    let entry = dir.join(&manifest.runtime.entry);
    std::fs::copy(&module, &entry).map_err(|e| {
        format!(
            "cannot copy {} to {}: {e}",
            module.display(),
            entry.display()
        )
    })?;
    Ok(entry)
}

/// Builds in a blocking thread.
async fn build_async(dir: &Path) -> Result<PathBuf, String> {
    let d = dir.to_owned();
    tokio::task::spawn_blocking(move || build(&d))
        .await
        .map_err(|e| e.to_string())?
}

/// Modification times and sizes of what `dev` watches.
fn snapshot(dir: &Path) -> BTreeMap<PathBuf, (Option<SystemTime>, u64)> {
    fn walk(p: &Path, out: &mut BTreeMap<PathBuf, (Option<SystemTime>, u64)>) {
        let Ok(meta) = std::fs::metadata(p) else {
            return;
        };
        if meta.is_dir() {
            if let Ok(entries) = std::fs::read_dir(p) {
                for e in entries.flatten() {
                    walk(&e.path(), out);
                }
            }
        } else {
            out.insert(p.to_owned(), (meta.modified().ok(), meta.len()));
        }
    }
    let mut out = BTreeMap::new();
    for rel in ["src", "plugin.toml", "config.schema.json", "README.md"] {
        walk(&dir.join(rel), &mut out);
    }
    out
}

/// What a `dev` session uploads to.
struct Session {
    api: Api,
    dir: PathBuf,
    workspace: String,
    installation: Option<String>,
    last_log: i64,
}

impl Session {
    /// Builds, packages and uploads; prints what happened.
    async fn round(&mut self) {
        let first = self.installation.is_none();
        let started = Instant::now();
        if let Err(e) = build_async(&self.dir).await {
            eprintln!("error: {e}");
            println!("watching for changes");
            return;
        }
        let (bytes, id, version) = match super::commands::package_dir(&self.dir) {
            Ok(p) => p,
            Err(e) => {
                eprintln!("error: {e}");
                println!("watching for changes");
                return;
            }
        };
        let path = format!(
            "/api/v1/workspaces/{}/dev-installations/{id}",
            self.workspace
        );
        let req = self
            .api
            .request(Method::PUT, &path)
            .header("content-type", "application/gzip")
            .body(bytes);
        match self.api.send(req).await {
            Ok(out) => {
                let ins = out["id"].as_str().unwrap_or("?").to_owned();
                if first {
                    println!(
                        "installed {id} {version} in {} as {ins}, a development build ({:.1} s)",
                        self.workspace,
                        started.elapsed().as_secs_f64()
                    );
                } else {
                    println!(
                        "rebuilt in {:.1} s, reloaded version {version}",
                        started.elapsed().as_secs_f64()
                    );
                }
                if self.installation.as_deref() != Some(ins.as_str()) {
                    self.installation = Some(ins);
                    // Only what comes from now on.
                    self.last_log = self.newest_log().await.unwrap_or(0);
                }
                println!("watching {} for changes (Ctrl-C stops)", self.dir.display());
            }
            Err(e) => {
                eprintln!("error: the upload was refused: {e}");
                println!("watching for changes");
            }
        }
    }

    async fn log_page(&self) -> Option<Vec<Value>> {
        let ins = self.installation.as_deref()?;
        let req = self
            .api
            .request(Method::GET, &format!("/api/v1/installations/{ins}/logs"))
            .query(&[("level", "debug"), ("limit", "500")]);
        let page = self.api.send(req).await.ok()?;
        page["lines"].as_array().cloned()
    }

    async fn newest_log(&self) -> Option<i64> {
        let lines = self.log_page().await?;
        Some(
            lines
                .iter()
                .filter_map(|l| l["id"].as_i64())
                .max()
                .unwrap_or(0),
        )
    }

    /// Prints the log lines after the last one printed, oldest first.
    async fn print_logs(&mut self) {
        let Some(lines) = self.log_page().await else {
            return;
        };
        let mut new: Vec<&Value> = lines
            .iter()
            .filter(|l| l["id"].as_i64().is_some_and(|i| i > self.last_log))
            .collect();
        new.sort_by_key(|l| l["id"].as_i64());
        for l in new {
            println!(
                "log {:<5} {}",
                l["level"].as_str().unwrap_or("?"),
                l["message"].as_str().unwrap_or("")
            );
            self.last_log = self.last_log.max(l["id"].as_i64().unwrap_or(0));
        }
    }
}

/// Runs `trellis dev` until Ctrl-C.
pub async fn run(api: Api, dir: PathBuf, workspace: Option<String>) -> Result<(), String> {
    if api.token.is_none() {
        return Err("not logged in: run `trellis login` first (a token with the `read` and `plugins` scopes)".into());
    }
    manifest_of(&dir)?;
    let workspace = match workspace {
        Some(w) => w,
        None => {
            let me = api.send(api.request(Method::GET, "/api/v1/me")).await?;
            format!("~{}", me["username"].as_str().unwrap_or_default())
        }
    };
    let mut s = Session {
        api,
        dir,
        workspace,
        installation: None,
        last_log: 0,
    };
    let work = async {
        let mut seen = snapshot(&s.dir);
        s.round().await;
        loop {
            tokio::time::sleep(POLL).await;
            s.print_logs().await;
            let now = snapshot(&s.dir);
            if now != seen {
                let changed: Vec<String> = now
                    .iter()
                    .filter(|(p, m)| seen.get(*p) != Some(m))
                    .map(|(p, _)| p.strip_prefix(&s.dir).unwrap_or(p).display().to_string())
                    .chain(
                        seen.keys()
                            .filter(|p| !now.contains_key(*p))
                            .map(|p| p.strip_prefix(&s.dir).unwrap_or(p).display().to_string()),
                    )
                    .collect();
                println!("changed: {}; rebuilding", changed.join(", "));
                seen = now;
                s.round().await;
                // Edits made during the build start another round.
            }
        }
    };
    tokio::select! {
        _ = work => Ok(()),
        _ = tokio::signal::ctrl_c() => {
            println!("stopped (the development build stays installed)");
            Ok(())
        }
    }
}
