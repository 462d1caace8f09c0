//! The publisher subcommands.

use std::io::{IsTerminal, Read};
use std::path::{Path, PathBuf};

use clap::Subcommand;
use futures::StreamExt;
use reqwest::Method;
use serde_json::Value;
use trellis_registry::{pack_dir, validate_package, PackageProblem, PublishContext};

use super::client::{Api, Credentials};

const DEFAULT_REGISTRY: &str = "http://127.0.0.1:3000";

/// Commands for publishers and users of a registry.
#[derive(Subcommand, Debug)]
pub enum PublisherCommand {
    /// Store an API token for a registry (create one on its "API tokens" page).
    Login {
        /// Registry URL.
        #[arg(long, default_value = DEFAULT_REGISTRY)]
        registry: String,
        /// Read the token from standard input instead of prompting.
        #[arg(long)]
        token_stdin: bool,
    },
    /// Check a plugin directory with the registry's rules and write its .tar.gz.
    Package {
        /// The plugin directory (holding plugin.toml).
        #[arg(default_value = ".")]
        dir: PathBuf,
        /// Where to write the package (default: <namespace>.<name>-<version>.tar.gz).
        #[arg(long)]
        out: Option<PathBuf>,
    },
    /// Package (if given a directory) and publish a plugin version.
    Publish {
        /// A plugin directory or a .tar.gz made by `trellis package`.
        #[arg(default_value = ".")]
        path: PathBuf,
    },
    /// Yank a version (still downloadable by exact version, never chosen by resolution).
    Yank {
        id: String,
        version: String,
        /// Undo a yank.
        #[arg(long)]
        undo: bool,
    },
    /// Show a plugin and its versions.
    Info { id: String },
    /// Write a new plugin project (Rust on extism-pdk) that builds, tests and
    /// publishes as it is.
    New {
        /// The plugin id, `namespace.plugin-name`.
        name: String,
        /// What the plugin is: an agent (reacts to events, keeps state), an
        /// integration (calls a web service) or a tool (answers invoke).
        #[arg(long, value_enum)]
        kind: super::new::Kind,
        /// Where to write it (default: ./<plugin-name>); must be empty or new.
        #[arg(long)]
        dir: Option<PathBuf>,
    },
    /// Build a plugin's module (cargo, wasm32-unknown-unknown, release) and copy
    /// it to the manifest's `runtime.entry`.
    Build {
        /// The plugin directory (holding plugin.toml and Cargo.toml).
        #[arg(default_value = ".")]
        dir: PathBuf,
    },
    /// Build a plugin, install it as a development build into a workspace of a
    /// running Trellis, then rebuild and reload it on every change of its
    /// sources, printing its log lines. Ctrl-C stops.
    Dev {
        /// The plugin directory.
        #[arg(default_value = ".")]
        dir: PathBuf,
        /// The workspace: `~you` (default) or a namespace you belong to.
        #[arg(long)]
        workspace: Option<String>,
        /// The Trellis URL (default: the one `trellis login` stored).
        #[arg(long)]
        registry: Option<String>,
    },
    /// Search plugins.
    Search { query: String },
}

fn api(registry: Option<&str>) -> Api {
    let creds = Credentials::load();
    let base = registry
        .map(str::to_owned)
        .or_else(|| creds.as_ref().map(|c| c.registry.clone()))
        .unwrap_or_else(|| DEFAULT_REGISTRY.into());
    Api::new(&base, creds.map(|c| c.token))
}

fn problems(ps: &[PackageProblem]) -> String {
    let mut s = String::from("the package is not valid:");
    for p in ps {
        s.push_str(&format!("\n  - {}: {} [{}]", p.field, p.detail, p.code));
    }
    s
}

/// Packs and validates a plugin directory locally, returning (bytes, id, version).
pub fn package_dir(dir: &Path) -> Result<(Vec<u8>, String, String), String> {
    let bytes = pack_dir(dir).map_err(|ps| problems(&ps))?;
    let v = validate_package(&bytes[..], &PublishContext::default()).map_err(|ps| problems(&ps))?;
    let m = &v.package.manifest;
    Ok((bytes, m.plugin.id.to_string(), m.plugin.version.to_string()))
}

/// Runs one publisher command; the error is a message for the terminal.
pub async fn run(cmd: PublisherCommand) -> Result<(), String> {
    match cmd {
        PublisherCommand::Login {
            registry,
            token_stdin,
        } => {
            let token = if token_stdin || !std::io::stdin().is_terminal() {
                let mut s = String::new();
                std::io::stdin()
                    .read_to_string(&mut s)
                    .map_err(|e| e.to_string())?;
                s.trim().to_owned()
            } else {
                rpassword::prompt_password(format!(
                    "API token (create one at {registry}/account/tokens): "
                ))
                .map_err(|e| e.to_string())?
                .trim()
                .to_owned()
            };
            let me = Api::new(&registry, Some(token.clone()))
                .send(Api::new(&registry, Some(token.clone())).request(Method::GET, "/api/v1/me"))
                .await?;
            let path = Credentials {
                registry: registry.clone(),
                token,
            }
            .save()?;
            println!(
                "logged in to {registry} as {} (token saved in {})",
                me["username"].as_str().unwrap_or("?"),
                path.display()
            );
            Ok(())
        }
        PublisherCommand::Package { dir, out } => {
            let (bytes, id, version) = package_dir(&dir)?;
            let out = out.unwrap_or_else(|| PathBuf::from(format!("{id}-{version}.tar.gz")));
            std::fs::write(&out, &bytes)
                .map_err(|e| format!("cannot write {}: {e}", out.display()))?;
            println!(
                "packaged {id} {version}: {} ({} bytes)",
                out.display(),
                bytes.len()
            );
            Ok(())
        }
        PublisherCommand::Publish { path } => {
            let bytes = if path.is_dir() {
                package_dir(&path)?.0
            } else {
                let b = std::fs::read(&path)
                    .map_err(|e| format!("cannot read {}: {e}", path.display()))?;
                validate_package(&b[..], &PublishContext::default()).map_err(|ps| problems(&ps))?;
                b
            };
            let api = api(None);
            if api.token.is_none() {
                return Err("not logged in: run `trellis login` first".into());
            }
            let out = upload(&api, bytes).await?;
            println!(
                "published {} {} (sha256 {}, {} bytes)",
                out["id"].as_str().unwrap_or("?"),
                out["version"].as_str().unwrap_or("?"),
                out["sha256"].as_str().unwrap_or("?"),
                out["size"]
            );
            Ok(())
        }
        PublisherCommand::Yank { id, version, undo } => {
            let api = api(None);
            let path = format!("/api/v1/plugins/{id}/versions/{version}/yank");
            let method = if undo { Method::DELETE } else { Method::PUT };
            api.send(api.request(method, &path)).await?;
            println!(
                "{} {id} {version}",
                if undo { "unyanked" } else { "yanked" }
            );
            Ok(())
        }
        PublisherCommand::Info { id } => {
            let api = api(None);
            let p = api
                .send(api.request(Method::GET, &format!("/api/v1/plugins/{id}")))
                .await?;
            let vs = api
                .send(api.request(Method::GET, &format!("/api/v1/plugins/{id}/versions")))
                .await?;
            print_info(&p, &vs);
            Ok(())
        }
        PublisherCommand::New { name, kind, dir } => {
            let dir = super::new::run(&name, kind, dir)?;
            println!(
                "wrote {} ({name}, {}): `cargo test` tests it, `trellis build {0}` builds it, `trellis dev {0}` runs it on a Trellis",
                dir.display(),
                format!("{kind:?}").to_lowercase()
            );
            Ok(())
        }
        PublisherCommand::Build { dir } => {
            let entry = tokio::task::spawn_blocking(move || super::dev::build(&dir))
                .await
                .map_err(|e| e.to_string())??;
            println!("built {}", entry.display());
            Ok(())
        }
        PublisherCommand::Dev {
            dir,
            workspace,
            registry,
        } => super::dev::run(api(registry.as_deref()), dir, workspace).await,
        PublisherCommand::Search { query } => {
            let api = api(None);
            let req = api
                .request(Method::GET, "/api/v1/plugins")
                .query(&[("q", query.as_str()), ("limit", "20")]);
            let res = api.send(req).await?;
            let list = res["data"].as_array().cloned().unwrap_or_default();
            if list.is_empty() {
                println!("no plugins match `{query}`");
            }
            for p in list {
                println!(
                    "{:<40} {:<10} {}",
                    p["id"].as_str().unwrap_or("?"),
                    p["latest_version"].as_str().unwrap_or("-"),
                    p["description"].as_str().unwrap_or("")
                );
            }
            Ok(())
        }
    }
}

async fn upload(api: &Api, bytes: Vec<u8>) -> Result<Value, String> {
    let total = bytes.len() as u64;
    let bar = indicatif::ProgressBar::new(total);
    bar.set_style(
        indicatif::ProgressStyle::with_template(
            "uploading [{bar:40}] {bytes}/{total_bytes} {bytes_per_sec}",
        )
        .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar())
        .progress_chars("=> "),
    );
    let chunks: Vec<Vec<u8>> = bytes.chunks(64 * 1024).map(<[u8]>::to_vec).collect();
    let progress = bar.clone();
    let stream = futures::stream::iter(chunks).map(move |c| {
        progress.inc(c.len() as u64);
        Ok::<_, std::io::Error>(c)
    });
    let req = api
        .request(Method::PUT, "/api/v1/plugins")
        .header("content-type", "application/gzip")
        .header("content-length", total)
        .body(reqwest::Body::wrap_stream(stream));
    let res = api.send(req).await;
    bar.finish_and_clear();
    res
}

fn print_info(p: &Value, vs: &Value) {
    println!(
        "{} — {}",
        p["id"].as_str().unwrap_or("?"),
        p["display_name"].as_str().unwrap_or("")
    );
    if let Some(d) = p["description"].as_str() {
        println!("{d}");
    }
    println!(
        "latest: {}   downloads: {}",
        p["latest_version"].as_str().unwrap_or("-"),
        p["downloads"]
    );
    if p["deprecated"].is_object() {
        println!(
            "DEPRECATED: {}",
            p["deprecated"]["reason"].as_str().unwrap_or("")
        );
    }
    println!("versions:");
    for v in vs["data"].as_array().cloned().unwrap_or_default() {
        println!(
            "  {:<14} {:>10} bytes  {}{}",
            v["version"].as_str().unwrap_or("?"),
            v["size"],
            v["sha256"].as_str().unwrap_or(""),
            if v["yanked"].as_bool() == Some(true) {
                "  (yanked)"
            } else {
                ""
            }
        );
    }
}
