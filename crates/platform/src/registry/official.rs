//! The official plugins: the plugins of `plugins/official/` in a checkout,
//! published into the reserved namespace `trellis` by the instance's own
//! account (`trellis`, which cannot sign in) through the real publish path:
//! packaged like `trellis package`, signed with minisign, checked and stored
//! as any publisher's package is.
//!
//! `trellis serve` seeds them when `demo.plugins_dir` names a `plugins/`
//! directory whose modules are built (`bash plugins/build.sh`; the README's
//! run command does both), so a new instance can install and run them from
//! their pages at once. Seeding is idempotent: a version already published is
//! skipped, a new version in the checkout is published. Each run that
//! publishes signs with a fresh key pair, registers its public key on the
//! namespace (which requires signatures) and forgets the secret key: nothing
//! secret is kept, earlier versions still verify with their keys.

use std::collections::BTreeMap;
use std::io::Cursor;
use std::path::{Path, PathBuf};

use bytes::Bytes;
use trellis_events::catalogue as ev;
use trellis_types::{ErrorCode, NamespaceRole, SigningKeyIn};

use crate::events::{emit, EventActor};
use crate::{accounts, Actor, AppError, AppResult, AppState};

/// The namespace the official plugins are published into.
pub const NAMESPACE: &str = "trellis";
/// The instance's own account that publishes them.
pub const PUBLISHER: &str = "trellis";
/// Where the plugins' modules are, under the plugins directory.
const MODULES: &str = "target/wasm32-unknown-unknown/release";

/// What a seed did.
#[derive(Debug, Default, Clone)]
pub struct Seeded {
    /// `(id, version)` published by this run, in publishing order.
    pub published: Vec<(String, String)>,
    /// Versions that were published already.
    pub unchanged: usize,
}

/// One official plugin on disk.
struct Local {
    id: String,
    version: String,
    deps: Vec<String>,
    files: BTreeMap<String, Vec<u8>>,
}

/// Publishes every official plugin of `plugins_dir/official/*` whose version
/// is not published yet, dependencies first.
pub async fn seed(state: &AppState, plugins_dir: &Path) -> AppResult<Seeded> {
    let dir = plugins_dir.to_owned();
    let locals = tokio::task::spawn_blocking(move || read_all(&dir))
        .await
        .map_err(|e| AppError::internal(format!("reading the official plugins: {e}")))??;
    let user = accounts::system_user(state, PUBLISHER).await?;
    let actor = Actor::session(user.clone(), None);
    ensure_namespace(state, &user).await?;

    let mut todo = Vec::new();
    let mut out = Seeded::default();
    {
        let mut c = state.db.conn().await?;
        for l in locals {
            if trellis_db::plugins::version(&mut c, &l.id, &l.version)
                .await?
                .is_some()
            {
                out.unchanged += 1;
            } else {
                todo.push(l);
            }
        }
    }
    if todo.is_empty() {
        return Ok(out);
    }
    let kp = minisign::KeyPair::generate_unencrypted_keypair()
        .map_err(|e| AppError::internal(format!("generating a signing key: {e}")))?;
    super::namespaces::add_key(
        state,
        &actor,
        NAMESPACE,
        &SigningKeyIn {
            public_key: kp.pk.to_base64(),
        },
    )
    .await?;

    // Dependencies first: a plugin goes once every official plugin it needs
    // is published (or was already).
    let pending: Vec<String> = todo.iter().map(|l| l.id.clone()).collect();
    let mut done: Vec<String> = Vec::new();
    while !todo.is_empty() {
        let ready = todo.iter().position(|l| {
            l.deps
                .iter()
                .all(|d| !pending.contains(d) || done.contains(d))
        });
        let Some(i) = ready else {
            return Err(AppError::internal(format!(
                "the official plugins depend on each other in a cycle: {:?}",
                todo.iter().map(|l| &l.id).collect::<Vec<_>>()
            )));
        };
        let l = todo.remove(i);
        let bytes = signed_package(l.files, &kp)?;
        let len = bytes.len() as u64;
        let body =
            futures::stream::iter([Ok::<Bytes, std::convert::Infallible>(Bytes::from(bytes))]);
        super::publish::publish(state, &actor, Some(len), body).await?;
        done.push(l.id.clone());
        out.published.push((l.id, l.version));
    }
    Ok(out)
}

/// The namespace, created for the instance's account when missing (its name
/// is reserved for the project, so no user can take it).
async fn ensure_namespace(state: &AppState, owner: &trellis_db::users::UserRow) -> AppResult<()> {
    let mut tx = state.db.begin().await?;
    let ns = match trellis_db::namespaces::by_name(&mut tx, NAMESPACE).await? {
        Some(ns) => ns,
        None => {
            let ns = trellis_db::namespaces::insert(&mut tx, NAMESPACE, owner.id).await?;
            let data = ev::NamespaceCreated {
                namespace: ns.name.clone(),
                owner: owner.username.clone(),
            };
            emit(&mut tx, &EventActor::System, &data).await?;
            ns
        }
    };
    let role = trellis_db::namespaces::member_role(&mut tx, ns.id, owner.id).await?;
    if role != Some(NamespaceRole::Owner) {
        return Err(AppError::new(
            ErrorCode::Conflict,
            format!("The namespace `{NAMESPACE}` exists and is not the instance's own."),
        ));
    }
    if !ns.require_signatures {
        trellis_db::namespaces::set_require_signatures(&mut tx, ns.id, true).await?;
        let data = ev::NamespaceUpdated {
            namespace: ns.name.clone(),
            require_signatures: true,
        };
        emit(&mut tx, &EventActor::System, &data).await?;
    }
    tx.commit().await?;
    Ok(())
}

/// The files of a package with `DIGESTS` and `SIGNATURE.minisig`, as a `.tar.gz`.
fn signed_package(
    mut files: BTreeMap<String, Vec<u8>>,
    kp: &minisign::KeyPair,
) -> AppResult<Vec<u8>> {
    let digests = trellis_registry::digests_file(&files);
    let sig = minisign::sign(
        Some(&kp.pk),
        &kp.sk,
        Cursor::new(digests.as_bytes()),
        None,
        None,
    )
    .map_err(|e| AppError::internal(format!("signing: {e}")))?
    .to_string();
    files.insert("DIGESTS".into(), digests.into_bytes());
    files.insert("SIGNATURE.minisig".into(), sig.into_bytes());
    Ok(trellis_registry::testkit::tar_gz_map(&files))
}

fn read_all(plugins_dir: &Path) -> AppResult<Vec<Local>> {
    let official = plugins_dir.join("official");
    let entries = std::fs::read_dir(&official)
        .map_err(|e| AppError::internal(format!("cannot read {}: {e}", official.display())))?;
    let mut dirs: Vec<PathBuf> = entries
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.join("plugin.toml").is_file())
        .collect();
    dirs.sort();
    dirs.iter().map(|d| read_one(plugins_dir, d)).collect()
}

/// One plugin directory: its manifest, README, config schema, CHANGELOG and
/// built module (under the manifest's entry name).
fn read_one(plugins_dir: &Path, dir: &Path) -> AppResult<Local> {
    let read = |p: &Path| {
        std::fs::read(p)
            .map_err(|e| AppError::internal(format!("cannot read {}: {e}", p.display())))
    };
    let manifest_bytes = read(&dir.join("plugin.toml"))?;
    let text = String::from_utf8_lossy(&manifest_bytes).into_owned();
    let m = trellis_registry::parse_manifest(&text).map_err(|ps| {
        AppError::internal(format!(
            "{}/plugin.toml is invalid: {}",
            dir.display(),
            ps.iter()
                .map(|p| format!("{}: {}", p.field, p.detail))
                .collect::<Vec<_>>()
                .join("; ")
        ))
    })?;
    let module = plugins_dir
        .join(MODULES)
        .join(format!("{}.wasm", crate_name(dir)?.replace('-', "_")));
    if !module.is_file() {
        return Err(AppError::internal(format!(
            "{} is not built (run `bash {}/build.sh`)",
            module.display(),
            plugins_dir.display()
        )));
    }
    let mut files = BTreeMap::new();
    files.insert("plugin.toml".to_string(), manifest_bytes);
    files.insert("README.md".to_string(), read(&dir.join("README.md"))?);
    files.insert(m.runtime.entry.clone(), read(&module)?);
    if let Some(schema) = &m.config_schema {
        files.insert(schema.clone(), read(&dir.join(schema))?);
    }
    if dir.join("CHANGELOG.md").is_file() {
        files.insert("CHANGELOG.md".to_string(), read(&dir.join("CHANGELOG.md"))?);
    }
    Ok(Local {
        id: m.plugin.id.to_string(),
        version: m.plugin.version.to_string(),
        deps: m.dependencies.keys().map(|d| d.to_string()).collect(),
        files,
    })
}

/// The `[package] name` of the directory's Cargo.toml.
fn crate_name(dir: &Path) -> AppResult<String> {
    let path = dir.join("Cargo.toml");
    let text = std::fs::read_to_string(&path)
        .map_err(|e| AppError::internal(format!("cannot read {}: {e}", path.display())))?;
    let doc: toml::Table = toml::from_str(&text)
        .map_err(|e| AppError::internal(format!("{} is not TOML: {e}", path.display())))?;
    doc.get("package")
        .and_then(|p| p.get("name"))
        .and_then(|n| n.as_str())
        .map(str::to_owned)
        .ok_or_else(|| AppError::internal(format!("no [package] name in {}", path.display())))
}
