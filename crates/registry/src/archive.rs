//! Reading uploaded `.tar.gz` packages safely ([`read_package`]) and building them
//! deterministically from a plugin directory ([`pack_dir`], used by the publisher CLI).
//!
//! Reading is streaming-safe: compressed and decompressed bytes are counted as they flow,
//! header sizes are never trusted, and the first limit that is passed stops the read, so
//! a decompression bomb never fills memory.

use std::cell::{Cell, RefCell};
use std::collections::{BTreeMap, BTreeSet};
use std::io::{self, Read};
use std::rc::Rc;

use flate2::read::GzDecoder;
use sha2::{Digest, Sha256};
use tar::EntryType;

use crate::limits::{PublishLimits, RATIO_CHECK_FLOOR};
use crate::manifest::{parse_manifest, Manifest};
use crate::manifest_rules::extension;
use crate::package_problem::PackageProblem;

/// The manifest's file name at the package root.
pub const MANIFEST_FILE: &str = "plugin.toml";
/// The README (required).
pub const README_FILE: &str = "README.md";
/// The changelog (optional).
pub const CHANGELOG_FILE: &str = "CHANGELOG.md";
/// Digest list covered by the signature (optional).
pub const DIGESTS_FILE: &str = "DIGESTS";
/// minisign signature over `DIGESTS` (optional).
pub const SIGNATURE_FILE: &str = "SIGNATURE.minisig";

/// A package that was read and passed the structural checks.
#[derive(Debug, Clone, PartialEq)]
pub struct Package {
    /// The validated manifest.
    pub manifest: Manifest,
    /// Every regular file, keyed by its normalised path (`dir/file`).
    pub files: BTreeMap<String, Vec<u8>>,
    /// Contents of `README.md`.
    pub readme: String,
    /// Contents of `CHANGELOG.md`, when present.
    pub changelog: Option<String>,
    /// Bytes of the module named by `runtime.entry`.
    pub wasm: Vec<u8>,
    /// Lower-case hex SHA-256 of every file in `files`.
    pub digests: BTreeMap<String, String>,
}

/// Shared byte counters and the first limit that was passed.
struct Meter {
    limits: PublishLimits,
    compressed: Cell<u64>,
    decompressed: Cell<u64>,
    tripped: RefCell<Option<PackageProblem>>,
}

impl Meter {
    fn trip(&self, p: PackageProblem) -> io::Error {
        let mut t = self.tripped.borrow_mut();
        if t.is_none() {
            *t = Some(p);
        }
        io::Error::other("publish limit exceeded")
    }
}

/// Counts bytes read from the upload itself.
struct CompressedCounter<R> {
    inner: R,
    meter: Rc<Meter>,
}

impl<R: Read> Read for CompressedCounter<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let m = &self.meter;
        // Never ask for more than one byte past the limit.
        let left = m
            .limits
            .max_compressed_bytes
            .saturating_sub(m.compressed.get())
            + 1;
        let want = buf.len().min(usize::try_from(left).unwrap_or(usize::MAX));
        let n = self.inner.read(&mut buf[..want])?;
        m.compressed.set(m.compressed.get() + n as u64);
        if m.compressed.get() > m.limits.max_compressed_bytes {
            return Err(m.trip(PackageProblem::new(
                "package",
                "too_large",
                format!(
                    "the upload is larger than {} bytes",
                    m.limits.max_compressed_bytes
                ),
            )));
        }
        Ok(n)
    }
}

/// Counts decompressed bytes (the tar stream) and checks the total and the ratio.
struct DecompressedCounter<R> {
    inner: R,
    meter: Rc<Meter>,
}

impl<R: Read> Read for DecompressedCounter<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let m = &self.meter;
        let left = m
            .limits
            .max_uncompressed_bytes
            .saturating_sub(m.decompressed.get())
            + 1;
        let want = buf.len().min(usize::try_from(left).unwrap_or(usize::MAX));
        let n = self.inner.read(&mut buf[..want])?;
        let total = m.decompressed.get() + n as u64;
        m.decompressed.set(total);
        if total > m.limits.max_uncompressed_bytes {
            return Err(m.trip(PackageProblem::new(
                "package",
                "too_large",
                format!(
                    "the package decompresses to more than {} bytes",
                    m.limits.max_uncompressed_bytes
                ),
            )));
        }
        let ratio = total as f64 / m.compressed.get().max(1) as f64;
        if total >= RATIO_CHECK_FLOOR && ratio > m.limits.max_compression_ratio {
            return Err(m.trip(PackageProblem::new(
                "package",
                "compression_ratio",
                format!(
                    "the package decompresses more than {:.0} times its compressed size (limit {}); this looks like a decompression bomb",
                    ratio.floor(),
                    m.limits.max_compression_ratio
                ),
            )));
        }
        Ok(n)
    }
}

fn read_failure(
    e: io::Error,
    meter: &Meter,
    mut problems: Vec<PackageProblem>,
) -> Vec<PackageProblem> {
    let p = meter.tripped.borrow_mut().take().unwrap_or_else(|| {
        PackageProblem::new(
            "package",
            "invalid_archive",
            format!("the upload is not a valid .tar.gz archive: {e}"),
        )
    });
    problems.push(p);
    problems
}

/// Normalises a tar entry name: strips `./` and empty components and refuses anything
/// that could escape the package root. Returns `(code, explanation)` on failure.
pub fn normalize_entry_path(raw: &[u8]) -> Result<String, (&'static str, String)> {
    let s = std::str::from_utf8(raw)
        .map_err(|_| ("non_utf8_path", "entry name is not valid UTF-8".to_string()))?;
    if s.starts_with('/') {
        return Err(("absolute_path", format!("entry `{s}` has an absolute path")));
    }
    if s.contains('\\') || s.contains(':') || s.chars().any(char::is_control) {
        return Err((
            "invalid_path",
            format!(
                "entry `{}` contains `\\`, `:` or control characters",
                s.escape_debug()
            ),
        ));
    }
    let mut parts = Vec::new();
    for comp in s.split('/') {
        match comp {
            "" | "." => {}
            ".." => {
                return Err((
                    "path_traversal",
                    format!("entry `{s}` contains a `..` component"),
                ))
            }
            c => parts.push(c),
        }
    }
    Ok(parts.join("/"))
}

/// Reads and validates an uploaded `.tar.gz` package.
///
/// Refuses (with the problem code in brackets) archives that exceed `limits`
/// (`too_large`, `too_many_entries`, `compression_ratio`), entries with absolute paths
/// (`absolute_path`), `..` components (`path_traversal`), non-UTF-8 names
/// (`non_utf8_path`), `\`, `:` or control characters (`invalid_path`), symlinks
/// (`symlink`), hard links (`hardlink`), devices and FIFOs (`special_file`), other entry
/// types (`unsupported_entry`) and duplicates, also case-insensitive ones
/// (`duplicate_entry`). Directories are allowed and ignored. It then requires
/// `plugin.toml` and `README.md` (`missing_file`, `invalid_utf8`), validates the manifest
/// and cross-checks the files it names (see [`check_manifest_files`]).
pub fn read_package<R: Read>(
    compressed: R,
    limits: &PublishLimits,
) -> Result<Package, Vec<PackageProblem>> {
    let meter = Rc::new(Meter {
        limits: limits.clone(),
        compressed: Cell::new(0),
        decompressed: Cell::new(0),
        tripped: RefCell::new(None),
    });
    let gz = GzDecoder::new(CompressedCounter {
        inner: compressed,
        meter: meter.clone(),
    });
    let mut archive = tar::Archive::new(DecompressedCounter {
        inner: gz,
        meter: meter.clone(),
    });
    let mut problems = Vec::new();
    let mut files: BTreeMap<String, Vec<u8>> = BTreeMap::new();
    let mut seen_lower: BTreeSet<String> = BTreeSet::new();
    let mut count = 0usize;
    let entries = archive
        .entries()
        .map_err(|e| read_failure(e, &meter, Vec::new()))?;
    for entry in entries {
        let mut entry = match entry {
            Ok(e) => e,
            Err(e) => return Err(read_failure(e, &meter, problems)),
        };
        count += 1;
        if count > limits.max_entries {
            problems.push(PackageProblem::new(
                "package",
                "too_many_entries",
                format!("the archive has more than {} entries", limits.max_entries),
            ));
            return Err(problems);
        }
        let raw = entry.path_bytes().into_owned();
        let shown = String::from_utf8_lossy(&raw).into_owned();
        let path = match normalize_entry_path(&raw) {
            Ok(p) => p,
            Err((code, msg)) => {
                problems.push(PackageProblem::new(
                    PackageProblem::archive_field(&shown),
                    code,
                    msg,
                ));
                continue;
            }
        };
        let field = PackageProblem::archive_field(&path);
        let kind = entry.header().entry_type();
        match kind {
            EntryType::Regular | EntryType::Continuous => {}
            EntryType::Directory | EntryType::XGlobalHeader | EntryType::XHeader => continue,
            EntryType::Symlink => {
                problems.push(PackageProblem::new(field, "symlink", format!("entry `{path}` is a symbolic link; packages may only contain regular files")));
                continue;
            }
            EntryType::Link => {
                problems.push(PackageProblem::new(
                    field,
                    "hardlink",
                    format!(
                        "entry `{path}` is a hard link; packages may only contain regular files"
                    ),
                ));
                continue;
            }
            EntryType::Char | EntryType::Block | EntryType::Fifo => {
                problems.push(PackageProblem::new(field, "special_file", format!("entry `{path}` is a device or FIFO; packages may only contain regular files")));
                continue;
            }
            other => {
                problems.push(PackageProblem::new(
                    field,
                    "unsupported_entry",
                    format!("entry `{path}` has unsupported type {other:?}"),
                ));
                continue;
            }
        }
        if path.is_empty() {
            problems.push(PackageProblem::new(
                field,
                "invalid_path",
                "a file entry has an empty name",
            ));
            continue;
        }
        if files.contains_key(&path) || !seen_lower.insert(path.to_lowercase()) {
            problems.push(PackageProblem::new(field, "duplicate_entry", format!("`{path}` appears more than once (paths are compared after removing `./` and ignoring case)")));
            continue;
        }
        // Never trust the header's size: cap the allocation and bound the read.
        let hinted = entry
            .header()
            .size()
            .unwrap_or(0)
            .min(limits.max_file_bytes)
            .min(1 << 20);
        let mut buf = Vec::with_capacity(hinted as usize);
        if let Err(e) = (&mut entry)
            .take(limits.max_file_bytes + 1)
            .read_to_end(&mut buf)
        {
            return Err(read_failure(e, &meter, problems));
        }
        if buf.len() as u64 > limits.max_file_bytes {
            problems.push(PackageProblem::new(
                field,
                "too_large",
                format!("`{path}` is larger than {} bytes", limits.max_file_bytes),
            ));
            return Err(problems);
        }
        files.insert(path, buf);
    }
    // Drain the rest of the stream so the gzip checksum is verified (still metered).
    if let Err(e) = io::copy(&mut archive.into_inner(), &mut io::sink()) {
        return Err(read_failure(e, &meter, problems));
    }
    assemble(files, problems)
}

fn text_file(
    files: &BTreeMap<String, Vec<u8>>,
    name: &str,
    required: bool,
    problems: &mut Vec<PackageProblem>,
) -> Option<String> {
    match files.get(name) {
        None => {
            if required {
                problems.push(PackageProblem::new(
                    PackageProblem::archive_field(name),
                    "missing_file",
                    format!("the package has no `{name}` at its root"),
                ));
            }
            None
        }
        Some(bytes) => match String::from_utf8(bytes.clone()) {
            Ok(s) => Some(s),
            Err(_) => {
                problems.push(PackageProblem::new(
                    PackageProblem::archive_field(name),
                    "invalid_utf8",
                    format!("`{name}` is not valid UTF-8"),
                ));
                None
            }
        },
    }
}

/// Builds a [`Package`] from already-extracted files, running the manifest validation and
/// the cross-checks. `problems` carries problems found earlier (they make it fail).
pub fn assemble(
    files: BTreeMap<String, Vec<u8>>,
    mut problems: Vec<PackageProblem>,
) -> Result<Package, Vec<PackageProblem>> {
    let manifest_text = text_file(&files, MANIFEST_FILE, true, &mut problems);
    let readme = text_file(&files, README_FILE, true, &mut problems);
    let changelog = text_file(&files, CHANGELOG_FILE, false, &mut problems);
    let manifest = match manifest_text.as_deref().map(parse_manifest) {
        Some(Ok(m)) => Some(m),
        Some(Err(ps)) => {
            problems.extend(ps);
            None
        }
        None => None,
    };
    if let Some(m) = &manifest {
        problems.extend(check_manifest_files(m, &files));
    }
    match (manifest, readme) {
        (Some(manifest), Some(readme)) if problems.is_empty() => {
            let wasm = files[&manifest.runtime.entry].clone();
            let digests = files
                .iter()
                .map(|(k, v)| (k.clone(), sha256_hex(v)))
                .collect();
            Ok(Package {
                manifest,
                files,
                readme,
                changelog,
                wasm,
                digests,
            })
        }
        _ => Err(problems),
    }
}

/// Lower-case hex SHA-256 of `bytes`.
pub fn sha256_hex(bytes: &[u8]) -> String {
    hex::encode(Sha256::digest(bytes))
}

/// Cross-checks the files a manifest names: the wasm entry exists (`missing_file`), the
/// icon exists and really is a PNG or a script-free SVG (`missing_file`, `invalid_icon`),
/// and the config schema exists and is a JSON object (`missing_file`,
/// `invalid_config_schema`).
pub fn check_manifest_files(
    m: &Manifest,
    files: &BTreeMap<String, Vec<u8>>,
) -> Vec<PackageProblem> {
    let mut problems = Vec::new();
    let entry = &m.runtime.entry;
    if !files.contains_key(entry) {
        problems.push(PackageProblem::new(
            "runtime.entry",
            "missing_file",
            format!("the entry module `{entry}` is not in the package"),
        ));
    }
    if let Some(icon) = &m.plugin.icon {
        match files.get(icon) {
            None => problems.push(PackageProblem::new(
                "plugin.icon",
                "missing_file",
                format!("the icon `{icon}` is not in the package"),
            )),
            Some(bytes) => {
                if let Err(e) = check_icon(icon, bytes) {
                    problems.push(PackageProblem::new("plugin.icon", "invalid_icon", e));
                }
            }
        }
    }
    if let Some(schema) = &m.config_schema {
        match files.get(schema) {
            None => problems.push(PackageProblem::new(
                "config_schema",
                "missing_file",
                format!("the config schema `{schema}` is not in the package"),
            )),
            Some(bytes) => match serde_json::from_slice::<serde_json::Value>(bytes) {
                Ok(v) if v.is_object() => {}
                Ok(_) => problems.push(PackageProblem::new(
                    "config_schema",
                    "invalid_config_schema",
                    format!("`{schema}` must hold a JSON object (a JSON Schema)"),
                )),
                Err(e) => problems.push(PackageProblem::new(
                    "config_schema",
                    "invalid_config_schema",
                    format!("`{schema}` is not valid JSON: {e}"),
                )),
            },
        }
    }
    problems
}

fn check_icon(path: &str, bytes: &[u8]) -> Result<(), String> {
    const PNG_MAGIC: &[u8] = b"\x89PNG\r\n\x1a\n";
    if bytes.len() > 1024 * 1024 {
        return Err(format!("icon `{path}` is larger than 1 MiB"));
    }
    match extension(path).as_str() {
        "png" if bytes.starts_with(PNG_MAGIC) => Ok(()),
        "png" => Err(format!("icon `{path}` is not a PNG image")),
        "svg" => {
            let text = std::str::from_utf8(bytes)
                .map_err(|_| format!("icon `{path}` is not UTF-8 SVG"))?;
            let lower = text.to_ascii_lowercase();
            if !lower.contains("<svg") {
                return Err(format!("icon `{path}` is not an SVG image"));
            }
            let active = regex::Regex::new(r"<script|javascript:|<foreignobject|\son[a-z]+\s*=")
                .expect("valid regex");
            if active.is_match(&lower) {
                return Err(format!(
                    "icon `{path}` contains scripts, event handlers or foreign objects"
                ));
            }
            Ok(())
        }
        _ => Err(format!("icon `{path}` must be .png or .svg")),
    }
}

pub use crate::pack::pack_dir;

#[cfg(test)]
#[path = "archive_tests.rs"]
mod tests;
