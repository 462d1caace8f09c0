//! The publish checks after reading: [`check_package`] runs every check on a package
//! already read with [`read_package`] and returns all problems together; the server
//! calls it once it knows the namespace's keys and the popular plugins.
//! [`validate_package`] reads and checks in one call, for callers that need nothing from
//! the manifest in between (the publisher CLI checks a package this way before
//! uploading it).

use std::io::Read;

use crate::archive::{read_package, Package};
use crate::limits::PublishLimits;
use crate::package_problem::PackageProblem;
use crate::readme::render_markdown;
use crate::secrets::scan_secrets;
use crate::signature::verify_package_signature;
use crate::typosquat::{check_typosquat, ExistingPlugin};
use crate::wasm::{check_wasm, WasmInfo};

/// What the caller knows about the publish beyond the package itself. The default (no
/// keys, signatures optional, no popular plugins) is what the publisher CLI uses.
#[derive(Debug, Clone, Default)]
pub struct PublishContext<'a> {
    /// Size limits for reading (used by [`validate_package`]; [`check_package`] gets a
    /// package that was read already).
    pub limits: PublishLimits,
    /// The namespace's registered minisign public keys.
    pub trusted_keys: Vec<String>,
    /// Whether the namespace requires signed packages.
    pub signature_required: bool,
    /// Popular plugins to check for typosquatting (empty to skip the check).
    pub existing: Vec<ExistingPlugin<'a>>,
    /// Downloads at or above which an existing plugin is protected.
    pub typosquat_min_downloads: u64,
}

/// A package that passed every check.
#[derive(Debug, Clone, PartialEq)]
pub struct ValidatedPackage {
    /// The package contents.
    pub package: Package,
    /// What the wasm module exports and imports.
    pub wasm: WasmInfo,
    /// Index into `trusted_keys` of the key that verified the signature, if signed.
    pub signed_by: Option<usize>,
    /// README rendered to sanitised HTML.
    pub readme_html: String,
}

/// Reads and checks an upload in one call: [`read_package`], then [`check_package`].
/// When reading fails only the reading problems are returned (nothing else can be
/// checked); otherwise problems from all the later checks are reported together.
pub fn validate_package(
    bytes: impl Read,
    ctx: &PublishContext<'_>,
) -> Result<ValidatedPackage, Vec<PackageProblem>> {
    check_package(read_package(bytes, &ctx.limits)?, ctx)
}

/// Every check after reading, on a package already read with [`read_package`] (so a
/// caller that needed the manifest first, as the server does, reads the archive once):
/// [`check_wasm`], [`scan_secrets`] over every file, [`verify_package_signature`] and,
/// when `ctx.existing` is not empty, [`check_typosquat`]. All problems are reported
/// together; on success the README is rendered with [`render_markdown`].
pub fn check_package(
    package: Package,
    ctx: &PublishContext<'_>,
) -> Result<ValidatedPackage, Vec<PackageProblem>> {
    let mut problems = Vec::new();
    let wasm = check_wasm(&package.wasm, &package.manifest.runtime.exports)
        .map_err(|ps| problems.extend(ps))
        .ok();
    for (path, data) in &package.files {
        problems.extend(scan_secrets(path, data));
    }
    let signed_by = verify_package_signature(&package, &ctx.trusted_keys, ctx.signature_required)
        .map_err(|ps| problems.extend(ps))
        .ok()
        .flatten();
    if !ctx.existing.is_empty() {
        let m = &package.manifest.plugin;
        problems.extend(check_typosquat(
            &m.id,
            &m.display_name,
            &ctx.existing,
            ctx.typosquat_min_downloads,
        ));
    }
    match wasm {
        Some(wasm) if problems.is_empty() => {
            let readme_html = render_markdown(&package.readme);
            Ok(ValidatedPackage {
                package,
                wasm,
                signed_by,
                readme_html,
            })
        }
        _ => Err(problems),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::package_problem::has_code;
    use crate::testkit::{minimal_files, tar_gz_map};

    #[test]
    fn valid_package_passes() {
        let bytes = tar_gz_map(&minimal_files());
        let v = validate_package(bytes.as_slice(), &PublishContext::default()).unwrap();
        assert_eq!(v.wasm.exports, ["run"]);
        assert_eq!(v.signed_by, None);
        assert!(v.readme_html.contains("<h1>Hello</h1>"));
    }

    #[test]
    fn problems_from_all_checks_are_combined() {
        let mut files = minimal_files();
        files.insert("plugin.wasm".into(), wat::parse_str("(module)").unwrap());
        let token = ["ghp_", "Zx8Qw2Lr5Tn7Vb3Km9Pj4Hs6Dc1Fg0Ya2XeU"].concat();
        files.insert("notes.txt".into(), token.into_bytes());
        let ctx = PublishContext {
            signature_required: true,
            existing: vec![ExistingPlugin {
                id: "core.hallo",
                display_name: "Other",
                downloads: 10_000,
            }],
            typosquat_min_downloads: 100,
            ..PublishContext::default()
        };
        let ps = validate_package(tar_gz_map(&files).as_slice(), &ctx).unwrap_err();
        for code in [
            "missing_export",
            "secret_detected",
            "signature_required",
            "typosquat",
        ] {
            assert!(has_code(&ps, code), "{code} missing from {ps:#?}");
        }
    }
}
