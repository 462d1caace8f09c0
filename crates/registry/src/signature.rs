//! Signed packages. A package may carry `DIGESTS` (one `<sha256 hex>  <path>` line per
//! file, sorted by path, covering every file except `DIGESTS` and `SIGNATURE.minisig`)
//! and `SIGNATURE.minisig`, a minisign signature over the exact bytes of `DIGESTS`
//! (`minisign -S -m DIGESTS -x SIGNATURE.minisig`). Verification uses `minisign-verify`
//! and the namespace's registered public keys.

use std::collections::BTreeMap;

use base64::Engine as _;

use crate::archive::{sha256_hex, Package, DIGESTS_FILE, SIGNATURE_FILE};
use crate::package_problem::PackageProblem;

/// A validated minisign public key.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct PublicKeyInfo {
    /// The key id as minisign prints it (16 upper-case hex digits).
    pub key_id: String,
    /// The key in minisign's base64 form (the second line of a `.pub` file).
    pub base64: String,
}

/// Parses a minisign public key, given either as the bare base64 line or as the whole
/// `.pub` file (`untrusted comment: …` followed by the base64 line). Problem code:
/// `invalid_public_key` (field `public_key`).
pub fn parse_public_key(s: &str) -> Result<PublicKeyInfo, PackageProblem> {
    let bad = |why: &str| {
        PackageProblem::new(
            "public_key",
            "invalid_public_key",
            format!("not a minisign public key: {why}"),
        )
    };
    let lines: Vec<&str> = s
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty() && !l.starts_with("untrusted comment:"))
        .collect();
    let [b64] = lines.as_slice() else {
        return Err(bad("expected exactly one base64 key line"));
    };
    minisign_verify::PublicKey::from_base64(b64).map_err(|e| bad(&e.to_string()))?;
    let raw = base64::engine::general_purpose::STANDARD
        .decode(b64)
        .map_err(|_| bad("invalid base64"))?;
    if raw.len() != 42 || &raw[..2] != b"Ed" {
        return Err(bad("unexpected key algorithm or length"));
    }
    let id = u64::from_le_bytes(raw[2..10].try_into().expect("8 bytes"));
    Ok(PublicKeyInfo {
        key_id: format!("{id:016X}"),
        base64: (*b64).to_string(),
    })
}

/// Builds the `DIGESTS` file for a set of package files: one `<sha256 hex>  <path>` line
/// per file, sorted by path, skipping `DIGESTS` and `SIGNATURE.minisig` themselves.
pub fn digests_file(files: &BTreeMap<String, Vec<u8>>) -> String {
    files
        .iter()
        .filter(|(path, _)| !is_signature_file(path))
        .map(|(path, bytes)| format!("{}  {path}\n", sha256_hex(bytes)))
        .collect()
}

fn is_signature_file(path: &str) -> bool {
    path == DIGESTS_FILE || path == SIGNATURE_FILE
}

/// Parses a `DIGESTS` file into path → lower-case hex digest. Accepts the `sha256sum`
/// text (`<hex>  <path>`) and binary (`<hex> *<path>`) forms. Problem code:
/// `invalid_digests`.
pub fn parse_digests(text: &str) -> Result<BTreeMap<String, String>, Vec<PackageProblem>> {
    let field = PackageProblem::archive_field(DIGESTS_FILE);
    let mut out = BTreeMap::new();
    let mut problems = Vec::new();
    for (i, line) in text.lines().enumerate() {
        if line.trim().is_empty() {
            continue;
        }
        let parsed = line.split_once("  ").or_else(|| line.split_once(" *"));
        match parsed {
            Some((hash, path))
                if hash.len() == 64
                    && hash.bytes().all(|b| b.is_ascii_hexdigit())
                    && !path.is_empty() =>
            {
                if out
                    .insert(path.to_string(), hash.to_ascii_lowercase())
                    .is_some()
                {
                    problems.push(PackageProblem::new(
                        &field,
                        "invalid_digests",
                        format!("line {}: `{path}` is listed twice", i + 1),
                    ));
                }
            }
            _ => problems.push(PackageProblem::new(
                &field,
                "invalid_digests",
                format!("line {}: expected `<sha256 hex>  <path>`", i + 1),
            )),
        }
    }
    if problems.is_empty() {
        Ok(out)
    } else {
        Err(problems)
    }
}

/// Checks `DIGESTS` against the package: it must list exactly the package's files
/// (except the two signature files) with matching SHA-256. Problem code:
/// `digest_mismatch` (field `archive/<path>`), or `invalid_digests`.
pub fn check_digests(pkg: &Package, digests_text: &str) -> Vec<PackageProblem> {
    let listed = match parse_digests(digests_text) {
        Ok(l) => l,
        Err(ps) => return ps,
    };
    let mut problems = Vec::new();
    for (path, actual) in pkg.digests.iter().filter(|(p, _)| !is_signature_file(p)) {
        match listed.get(path) {
            None => problems.push(PackageProblem::new(
                PackageProblem::archive_field(path),
                "digest_mismatch",
                format!("`{path}` is in the package but not listed in DIGESTS"),
            )),
            Some(expected) if expected != actual => problems.push(PackageProblem::new(
                PackageProblem::archive_field(path),
                "digest_mismatch",
                format!("`{path}` has SHA-256 {actual} but DIGESTS lists {expected}"),
            )),
            Some(_) => {}
        }
    }
    for path in listed
        .keys()
        .filter(|p| !pkg.digests.contains_key(*p) || is_signature_file(p))
    {
        problems.push(PackageProblem::new(
            PackageProblem::archive_field(path),
            "digest_mismatch",
            format!("DIGESTS lists `{path}`, which is not a signed file of the package"),
        ));
    }
    problems
}

/// Verifies a package's signature against the namespace's trusted keys (bare base64 or
/// whole `.pub` files).
///
/// * No `SIGNATURE.minisig`: `signature_required` when `required`, else `Ok(None)`
///   (a `DIGESTS` file, if present, is still checked).
/// * `SIGNATURE.minisig` without `DIGESTS`: `signature_invalid`.
/// * `DIGESTS` must match the files (`digest_mismatch`, `invalid_digests`).
/// * The signature must verify with one of the keys: returns the index of that key, else
///   `signature_invalid`. When no keys are registered, a signature cannot be trusted:
///   that is `signature_invalid` when `required`, otherwise the package counts as
///   unsigned (`Ok(None)`).
pub fn verify_package_signature(
    pkg: &Package,
    trusted_keys: &[String],
    required: bool,
) -> Result<Option<usize>, Vec<PackageProblem>> {
    let sig_field = PackageProblem::archive_field(SIGNATURE_FILE);
    let digests = pkg.files.get(DIGESTS_FILE);
    let Some(sig_bytes) = pkg.files.get(SIGNATURE_FILE) else {
        let mut problems = match digests {
            Some(d) => check_digests(pkg, &String::from_utf8_lossy(d)),
            None => Vec::new(),
        };
        if required {
            problems.push(PackageProblem::new(
                &sig_field,
                "signature_required",
                "this namespace requires signed packages, but the package has no SIGNATURE.minisig",
            ));
        }
        return if problems.is_empty() {
            Ok(None)
        } else {
            Err(problems)
        };
    };
    let Some(digests) = digests else {
        return Err(vec![PackageProblem::new(
            &sig_field,
            "signature_invalid",
            "the package has SIGNATURE.minisig but no DIGESTS file for it to sign",
        )]);
    };
    let mut problems = check_digests(pkg, &String::from_utf8_lossy(digests));
    let signature = std::str::from_utf8(sig_bytes)
        .ok()
        .and_then(|s| minisign_verify::Signature::decode(s).ok());
    let Some(signature) = signature else {
        problems.push(PackageProblem::new(
            &sig_field,
            "signature_invalid",
            "SIGNATURE.minisig is not a minisign signature",
        ));
        return Err(problems);
    };
    if trusted_keys.is_empty() {
        if required {
            problems.push(PackageProblem::new(&sig_field, "signature_invalid", "no public keys are registered for this namespace, so the signature cannot be verified"));
        }
        return if problems.is_empty() {
            Ok(None)
        } else {
            Err(problems)
        };
    }
    let verified = trusted_keys.iter().position(|k| {
        parse_public_key(k)
            .ok()
            .and_then(|info| minisign_verify::PublicKey::from_base64(&info.base64).ok())
            .is_some_and(|pk| pk.verify(digests, &signature, false).is_ok())
    });
    match verified {
        Some(i) if problems.is_empty() => Ok(Some(i)),
        Some(_) => Err(problems),
        None => {
            problems.push(PackageProblem::new(&sig_field, "signature_invalid", "the signature over DIGESTS does not verify with any of the namespace's registered public keys"));
            Err(problems)
        }
    }
}

#[cfg(test)]
#[path = "signature_tests.rs"]
mod tests;
